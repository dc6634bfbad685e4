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
    SLUICE_ASSERT(!o.dirs.empty(), "log_manager without a directory");
    std::unique_ptr<log_manager> m(new log_manager(r));
    for (const auto& path : o.dirs) {
        for (const auto& d : m->_dirs) {
            std::error_code ec;
            if (d.path == path || std::filesystem::equivalent(d.path, path, ec)) {
                SLUICE_LOG(error, "storage", "log.dirs names %s twice", path.c_str());
                return fail(errc::io_error);
            }
        }
        m->_dirs.push_back(log_dir{path, {}, false, 0});
        if (auto res = m->open_dir(m->_dirs.back(), o); !res) return fail(res.error());
    }
    for (size_t i = 0; i < m->_dirs.size(); ++i) {
        if (auto res = m->open_partitions(i, o, now_ms); !res) return fail(res.error());
    }
    return m;
}

result<void> log_manager::open_dir(log_dir& d, const log_manager_options& o) {
    std::error_code ec;
    std::filesystem::create_directories(d.path, ec);
    if (ec) {
        SLUICE_LOG(error, "storage", "cannot create log directory %s: %s", d.path.c_str(),
                   ec.message().c_str());
        return fail(errc::io_error);
    }
    auto lock = open_file(d.path / lock_file, O_RDWR | O_CREAT);
    if (!lock) return fail(lock.error());
    if (::flock(lock->get(), LOCK_EX | LOCK_NB) != 0) {
        SLUICE_LOG(error, "storage",
                   "log directory %s is locked by another process (is another sluiced running "
                   "with the same log.dirs?)",
                   d.path.c_str());
        return fail(errc::io_error);
    }
    d.lock = std::move(lock).value();
    auto meta = ensure_meta_properties(d.path, o.node_id);
    if (!meta) return fail(meta.error());

    const auto marker = d.path / clean_shutdown_file;
    d.clean_at_open = std::filesystem::exists(marker, ec);
    if (d.clean_at_open) {
        // From here on the directory is in use: a crash must not look like a clean stop.
        std::filesystem::remove(marker, ec);
        if (auto res = fsync_dir(d.path); !res) return fail(res.error());
    }
    return {};
}

result<void> log_manager::open_partitions(size_t dir_index, const log_manager_options& o,
                                          int64_t now_ms) {
    log_dir& d = _dirs[dir_index];
    auto recovery_points = read_offset_checkpoint(d.path / recovery_point_file);
    auto log_starts = read_offset_checkpoint(d.path / log_start_file);
    // A damaged checkpoint only costs time: recover everything from offset 0.
    bool clean = d.clean_at_open && recovery_points && log_starts;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(d.path, ec)) {
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
        if (auto other = _dir_of.find(*tp); other != _dir_of.end()) {
            SLUICE_LOG(error, "storage",
                       "partition %s is in two log directories, %s and %s; remove the stale "
                       "copy before starting",
                       name.c_str(), _dirs[other->second].path.c_str(), d.path.c_str());
            return fail(errc::corrupt_log);
        }
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
            SLUICE_LOG(error, "storage", "partition %s cannot be opened: %s", entry.path().c_str(),
                       describe(l.error()));
            return fail(l.error());
        }
        _logs.emplace(*tp, std::move(l).value());
        _dir_of.emplace(*tp, dir_index);
        ++d.partitions;
    }
    if (ec) {
        SLUICE_LOG(error, "storage", "cannot list %s: %s", d.path.c_str(), ec.message().c_str());
        return fail(errc::io_error);
    }
    return {};
}

bool log_manager::last_stop_was_clean() const {
    for (const auto& d : _dirs) {
        if (!d.clean_at_open) return false;
    }
    return true;
}

const std::filesystem::path* log_manager::dir_of(const topic_partition& tp) const {
    auto it = _dir_of.find(tp);
    return it == _dir_of.end() ? nullptr : &_dirs[it->second].path;
}

log_manager::~log_manager() = default;

log* log_manager::find(const topic_partition& tp) const {
    auto it = _logs.find(tp);
    return it == _logs.end() ? nullptr : it->second.get();
}

result<log*> log_manager::create(const topic_partition& tp, const log_config& cfg, int64_t now_ms) {
    SLUICE_ASSERT(find(tp) == nullptr, "partition %s already exists",
                  partition_dir_name(tp).c_str());
    // Kafka's placement: the directory holding the fewest partitions (the first on a tie).
    size_t pick = 0;
    for (size_t i = 1; i < _dirs.size(); ++i) {
        if (_dirs[i].partitions < _dirs[pick].partitions) pick = i;
    }
    log_dir& d = _dirs[pick];
    auto l = log::open(_reactor, d.path / partition_dir_name(tp), cfg, recovery_state{}, now_ms);
    if (!l) return fail(l.error());
    // The partition directory entry itself must survive a crash.
    if (auto r = fsync_dir(d.path); !r) return fail(r.error());
    log* raw = l.value().get();
    _logs.emplace(tp, std::move(l).value());
    _dir_of.emplace(tp, pick);
    ++d.partitions;
    return raw;
}

result<void> log_manager::remove(const topic_partition& tp) {
    auto it = _logs.find(tp);
    if (it == _logs.end()) return fail(errc::not_found);
    SLUICE_ASSERT(it->second->idle(), "removing partition %s with I/O in flight",
                  partition_dir_name(tp).c_str());
    const auto dir = it->second->dir();
    _logs.erase(it);
    log_dir& d = _dirs[_dir_of.at(tp)];
    _dir_of.erase(tp);
    --d.partitions;
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
    if (auto r = fsync_dir(d.path); !r) return r;
    std::filesystem::remove_all(doomed, ec);
    return {};
}

result<void> log_manager::write_checkpoints() {
    std::vector<offset_checkpoint_map> recovery_points(_dirs.size()), log_starts(_dirs.size());
    for (const auto& [tp, l] : _logs) {
        const size_t i = _dir_of.at(tp);
        recovery_points[i][tp] = l->durable_end_offset();
        log_starts[i][tp] = l->log_start_offset();
    }
    // Every directory is tried (a full one must not keep the others' checkpoints stale);
    // the first failure is reported.
    result<void> outcome;
    for (size_t i = 0; i < _dirs.size(); ++i) {
        auto r = write_offset_checkpoint(_dirs[i].path / recovery_point_file, recovery_points[i]);
        if (r) r = write_offset_checkpoint(_dirs[i].path / log_start_file, log_starts[i]);
        if (!r && outcome) outcome = r;
    }
    return outcome;
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
    std::vector<bool> dir_clean(_dirs.size(), true);
    for (auto& [tp, l] : _logs) {
        if (!l->close()) dir_clean[_dir_of.at(tp)] = false;
    }
    if (auto r = write_checkpoints(); !r) return r;
    _closed = true;
    result<void> outcome;
    for (size_t i = 0; i < _dirs.size(); ++i) {
        if (!dir_clean[i]) {
            SLUICE_LOG(warn, "storage",
                       "some partitions in %s are offline; the next start recovers that "
                       "directory",
                       _dirs[i].path.c_str());
            continue;
        }
        auto r = write_file_atomic(_dirs[i].path / clean_shutdown_file, {});
        if (!r && outcome) outcome = r;
    }
    return outcome;
}

}  // namespace sluice::storage
