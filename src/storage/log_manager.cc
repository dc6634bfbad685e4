#include "sluice/storage/log_manager.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "sluice/common/assert.h"
#include "sluice/common/logger.h"
#include "sluice/storage/meta_properties.h"

namespace sluice::storage {

std::string partition_dir_name(const topic_partition& tp) {
    return tp.topic + "-" + std::to_string(tp.partition);
}

std::optional<topic_partition> parse_partition_dir_name(const std::string& name) {
    // Topics may contain '-': the partition is after the last one.
    auto dash = name.rfind('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
    const std::string num = name.substr(dash + 1);
    if (num.size() > 9 || num.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const std::string topic = name.substr(0, dash);
    if (topic.size() > 249 ||
        topic.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                "OPQRSTUVWXYZ0123456789._-") != std::string::npos) {
        return std::nullopt;
    }
    return topic_partition{topic, std::stoi(num)};
}

result<std::unique_ptr<log_manager>> log_manager::open(io::reactor& r, const log_manager_options& o,
                                                       int64_t now_ms) {
    std::error_code ec;
    std::filesystem::create_directories(o.dir, ec);
    if (ec) {
        SLUICE_LOG(error, "storage", "cannot create log directory %s: %s", o.dir.c_str(),
                   ec.message().c_str());
        return fail(errc::io_error);
    }
    std::unique_ptr<log_manager> m(new log_manager(r, o.dir));
    auto lock = open_file(o.dir / lock_file, O_RDWR | O_CREAT);
    if (!lock) return fail(lock.error());
    if (::flock(lock->get(), LOCK_EX | LOCK_NB) != 0) {
        SLUICE_LOG(error, "storage",
                   "log directory %s is locked by another process (is another sluiced running "
                   "with the same log.dirs?)",
                   o.dir.c_str());
        return fail(errc::io_error);
    }
    m->_lock = std::move(lock).value();
    auto meta = ensure_meta_properties(o.dir, o.node_id);
    if (!meta) return fail(meta.error());

    const auto marker = o.dir / clean_shutdown_file;
    m->_clean_at_open = std::filesystem::exists(marker, ec);
    if (m->_clean_at_open) {
        // From here on the directory is in use: a crash must not look like a clean stop.
        std::filesystem::remove(marker, ec);
        if (auto res = fsync_dir(o.dir); !res) return fail(res.error());
    }
    if (auto res = m->open_partitions(o, now_ms); !res) return fail(res.error());
    return m;
}

result<void> log_manager::open_partitions(const log_manager_options& o, int64_t now_ms) {
    auto recovery_points = read_offset_checkpoint(_dir / recovery_point_file);
    auto log_starts = read_offset_checkpoint(_dir / log_start_file);
    // A damaged checkpoint only costs time: recover everything from offset 0.
    bool clean = _clean_at_open && recovery_points && log_starts;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(_dir, ec)) {
        if (!entry.is_directory()) continue;
        const std::string name = entry.path().filename().string();
        if (name.ends_with("-delete")) {
            // A deletion that a crash interrupted: finish it.
            std::error_code ignored;
            std::filesystem::remove_all(entry.path(), ignored);
            continue;
        }
        auto tp = parse_partition_dir_name(name);
        if (!tp) continue;
        recovery_state rs;
        rs.clean_shutdown = clean;
        if (recovery_points) {
            auto it = recovery_points->find(*tp);
            if (it != recovery_points->end()) rs.recovery_point = it->second;
        }
        if (log_starts) {
            auto it = log_starts->find(*tp);
            if (it != log_starts->end()) rs.log_start_offset = it->second;
        }
        auto l = log::open(_reactor, entry.path(), o.defaults, rs, now_ms);
        if (!l) {
            SLUICE_LOG(error, "storage", "partition %s cannot be opened: %s",
                       entry.path().filename().c_str(), describe(l.error()));
            return fail(l.error());
        }
        _logs.emplace(*tp, std::move(l).value());
    }
    if (ec) {
        SLUICE_LOG(error, "storage", "cannot list %s: %s", _dir.c_str(), ec.message().c_str());
        return fail(errc::io_error);
    }
    return {};
}

log_manager::~log_manager() = default;

log* log_manager::find(const topic_partition& tp) const {
    auto it = _logs.find(tp);
    return it == _logs.end() ? nullptr : it->second.get();
}

result<log*> log_manager::create(const topic_partition& tp, const log_config& cfg, int64_t now_ms) {
    SLUICE_ASSERT(find(tp) == nullptr, "partition %s already exists",
                  partition_dir_name(tp).c_str());
    auto l = log::open(_reactor, _dir / partition_dir_name(tp), cfg, recovery_state{}, now_ms);
    if (!l) return fail(l.error());
    // The partition directory entry itself must survive a crash.
    if (auto r = fsync_dir(_dir); !r) return fail(r.error());
    log* raw = l.value().get();
    _logs.emplace(tp, std::move(l).value());
    return raw;
}

result<void> log_manager::remove(const topic_partition& tp) {
    auto it = _logs.find(tp);
    if (it == _logs.end()) return fail(errc::not_found);
    SLUICE_ASSERT(it->second->idle(), "removing partition %s with I/O in flight",
                  partition_dir_name(tp).c_str());
    const auto dir = it->second->dir();
    _logs.erase(it);
    static uint64_t counter = 0;
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".%llu-delete",
                  static_cast<unsigned long long>(++counter));
    auto doomed = dir;
    doomed += suffix;
    std::error_code ec;
    std::filesystem::rename(dir, doomed, ec);
    if (ec) {
        SLUICE_LOG(error, "storage", "cannot rename %s for deletion: %s", dir.c_str(),
                   ec.message().c_str());
        return fail(errc::io_error);
    }
    if (auto r = fsync_dir(_dir); !r) return r;
    std::filesystem::remove_all(doomed, ec);
    return {};
}

result<void> log_manager::write_checkpoints() {
    offset_checkpoint_map recovery_points, log_starts;
    for (const auto& [tp, l] : _logs) {
        recovery_points[tp] = l->durable_end_offset();
        log_starts[tp] = l->log_start_offset();
    }
    if (auto r = write_offset_checkpoint(_dir / recovery_point_file, recovery_points); !r) return r;
    return write_offset_checkpoint(_dir / log_start_file, log_starts);
}

size_t log_manager::apply_retention(int64_t now_ms) {
    size_t deleted = 0;
    for (auto& [tp, l] : _logs) {
        if (l->offline()) continue;
        if (auto n = l->apply_retention(now_ms)) deleted += n.value();
    }
    return deleted;
}

bool log_manager::idle() const {
    for (const auto& [tp, l] : _logs) {
        if (!l->idle()) return false;
    }
    return true;
}

result<void> log_manager::close() {
    SLUICE_ASSERT(idle(), "log manager closed with I/O in flight");
    if (_closed) return {};
    bool all_clean = true;
    for (auto& [tp, l] : _logs) {
        if (!l->close()) all_clean = false;
    }
    if (auto r = write_checkpoints(); !r) return r;
    _closed = true;
    if (!all_clean) {
        SLUICE_LOG(warn, "storage", "some partitions are offline; the next start recovers all");
        return {};
    }
    auto r = write_file_atomic(_dir / clean_shutdown_file, {});
    return r;
}

}  // namespace sluice::storage
