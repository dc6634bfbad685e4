// log::recover: open a partition directory and bring it to a consistent state.
//
// Clean shutdown: trust the files; sanity-check indexes, find the end.
// Unclean: every segment that may hold offsets at or past the recovery point is scanned
// batch by batch (length, magic, CRC, records); the first bad batch past the recovery
// point is a torn tail (truncated there, later segments deleted, a warning logged);
// a bad batch below the recovery point is corruption of flushed data: the log refuses to
// open (the partition goes offline) with the file and byte position.

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <string>

#include "sluice/common/logger.h"
#include "sluice/storage/log.h"

namespace sluice::storage {

namespace {

bool is_base(const std::string& stem) {
    return stem.size() == 20 && std::all_of(stem.begin(), stem.end(), ::isdigit);
}

/// Finishes what a compaction pass left (log_cleaner.cc): a `<base>.log.cleaned` was not
/// yet part of the log and goes; a `<base>.log.swap` was complete and fsynced, so the swap
/// is completed whichever of the old files are still there. The old indexes go with the
/// old .log, and segment::open rebuilds them from the swapped one.
result<void> finish_swaps(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> cleaned, swaps;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto& p = entry.path();
        if (!is_base(p.stem().stem().string()) || p.stem().extension() != ".log") continue;
        if (p.extension() == ".cleaned") cleaned.push_back(p);
        if (p.extension() == ".swap") swaps.push_back(p);
    }
    if (ec) return fail(errc::io_error);
    for (const auto& p : cleaned) {
        SLUICE_LOG(warn, "storage", "removing %s: a compaction pass did not finish", p.c_str());
        std::filesystem::remove(p, ec);
    }
    for (const auto& p : swaps) {
        const auto log_path = p.parent_path() / p.stem();  // <base>.log
        const std::string base = p.stem().stem().string();
        SLUICE_LOG(warn, "storage", "completing the compaction swap of %s", log_path.c_str());
        std::filesystem::remove(dir / (base + ".index"), ec);
        std::filesystem::remove(dir / (base + ".timeindex"), ec);
        std::filesystem::rename(p, log_path, ec);
        if (ec) {
            SLUICE_LOG(error, "storage", "rename %s: %s", p.c_str(), ec.message().c_str());
            return fail(errc::io_error);
        }
    }
    if (!cleaned.empty() || !swaps.empty()) return fsync_dir(dir);
    return {};
}

/// Base offsets of the `<20 digits>.log` files in dir; removes index files whose log is
/// gone (a crash between unlinks) and leftover temporary files.
result<std::vector<int64_t>> list_segments(const std::filesystem::path& dir) {
    if (auto r = finish_swaps(dir); !r) return fail(r.error());
    std::vector<int64_t> bases;
    std::vector<std::filesystem::path> indexes;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const std::string ext = entry.path().extension().string();
        const std::string stem = entry.path().stem().string();
        bool digits = is_base(stem);
        if (ext == ".tmp") {
            std::filesystem::remove(entry.path(), ec);
        } else if (digits && ext == ".log") {
            bases.push_back(std::stoll(stem));
        } else if (digits && (ext == ".index" || ext == ".timeindex")) {
            indexes.push_back(entry.path());
        }
    }
    if (ec) {
        SLUICE_LOG(error, "storage", "cannot list %s: %s", dir.c_str(), ec.message().c_str());
        return fail(errc::io_error);
    }
    std::sort(bases.begin(), bases.end());
    for (const auto& p : indexes) {
        int64_t base = std::stoll(p.stem().string());
        if (!std::binary_search(bases.begin(), bases.end(), base)) {
            SLUICE_LOG(warn, "storage", "removing %s: its .log file is gone", p.c_str());
            std::filesystem::remove(p, ec);
        }
    }
    return bases;
}

}  // namespace

result<void> log::recover(const recovery_state& rs, int64_t now_ms) {
    std::error_code ec;
    std::filesystem::create_directories(_dir, ec);
    if (ec) {
        SLUICE_LOG(error, "storage", "cannot create %s: %s", _dir.c_str(), ec.message().c_str());
        return fail(errc::io_error);
    }
    if (auto r = read_cleaner_checkpoint(); !r) return r;
    const log_config cfg = scan_config();
    auto bases = list_segments(_dir);
    if (!bases) return fail(bases.error());
    std::vector<int64_t>& b = bases.value();

    for (size_t i = 0; i < b.size(); ++i) {
        // Compaction leaves gaps between segments, but only below the cleaner checkpoint
        // (written before any cleaned segment is swapped in); the active segment of a
        // crash is always past it.
        if (!_segments.empty() && b[i] > _segments.rbegin()->second->next_offset() &&
            b[i] > _cleaner_checkpoint) {
            // A gap before this segment: a roll created its file, then the process died
            // before the batches queued for the previous segment were written. Segments are
            // written and synced in order, so nothing from the gap on is durable: a torn
            // tail, unless the gap lies below the recovery point.
            const int64_t gap = _segments.rbegin()->second->next_offset();
            if (gap < rs.recovery_point) {
                SLUICE_LOG(error, "storage",
                           "offsets %" PRId64 "..%" PRId64 " below recovery point %" PRId64
                           " are missing before segment %s; the partition stays offline",
                           gap, b[i] - 1, rs.recovery_point,
                           (_dir / segment::file_name(b[i], ".log")).c_str());
                return fail(errc::corrupt_log);
            }
            SLUICE_LOG(warn, "storage",
                       "torn tail after an unclean stop: offsets %" PRId64 "..%" PRId64
                       " were never written; removing %zu segment(s) from %s",
                       gap, b[i] - 1, b.size() - i,
                       (_dir / segment::file_name(b[i], ".log")).c_str());
            for (size_t j = i; j < b.size(); ++j) {
                uint64_t size =
                    std::filesystem::file_size(_dir / segment::file_name(b[j], ".log"), ec);
                if (!ec) _stats.torn_bytes += size;
                auto later = segment::open(_dir, b[j], cfg, false);
                if (later) (void)later.value()->remove();
            }
            // The removals must survive a power loss, or the gap would come back.
            if (auto r = fsync_dir(_dir); !r) return r;
            b.resize(i);
            break;
        }
        const bool last = i + 1 == b.size();
        auto seg = segment::open(_dir, b[i], cfg, last);
        if (!seg) return fail(seg.error());
        segment& s = *seg.value();
        const int64_t next_base = last ? INT64_MAX : b[i + 1];
        const bool scan = !rs.clean_shutdown && next_base > rs.recovery_point;
        if (scan) {
            segment_scan found = s.recover(cfg);
            if (found.problem && found.problem == errc::io_error) return fail(errc::io_error);
            if (found.problem) {
                if (found.next_offset < rs.recovery_point) {
                    SLUICE_LOG(error, "storage",
                               "corruption in flushed data (below recovery point %" PRId64
                               "): %s. The partition stays offline; restore it from a replica "
                               "or remove the damaged segment by hand.",
                               rs.recovery_point, found.detail.c_str());
                    return fail(errc::corrupt_log);
                }
                uint64_t size = std::filesystem::file_size(s.file()->path, ec);
                uint64_t torn = ec ? 0 : size - found.valid_bytes;
                SLUICE_LOG(warn, "storage",
                           "torn tail after an unclean stop: %s; truncating %" PRIu64
                           " bytes and %zu later segment(s)",
                           found.detail.c_str(), torn, b.size() - i - 1);
                if (::ftruncate(s.fd(), static_cast<off_t>(found.valid_bytes)) != 0) {
                    SLUICE_LOG(error, "storage", "ftruncate %s: %s", s.file()->path.c_str(),
                               std::strerror(errno));
                    return fail(errc::io_error);
                }
                _stats.torn_bytes += torn;
                for (size_t j = i + 1; j < b.size(); ++j) {
                    auto size =
                        std::filesystem::file_size(_dir / segment::file_name(b[j], ".log"), ec);
                    if (!ec) _stats.torn_bytes += size;
                    auto later = segment::open(_dir, b[j], cfg, false);
                    if (later) (void)later.value()->remove();
                }
                if (i + 1 < b.size()) {
                    if (auto r = fsync_dir(_dir); !r) return r;
                }
                b.resize(i + 1);
            }
            // The scanned bytes may be only in the page cache (a process crash): make them
            // durable before calling them so.
            if (auto r = s.sync_now(); !r) return r;
        } else if (auto r = s.load(cfg); !r) {
            return r;
        }
        if (!_segments.empty()) {
            const segment& prev = *_segments.rbegin()->second;
            if (s.base_offset() < prev.next_offset()) {
                SLUICE_LOG(error, "storage",
                           "segment %s starts at offset %" PRId64
                           " inside the previous segment (which ends at %" PRId64 ")",
                           s.file()->path.c_str(), s.base_offset(), prev.next_offset());
                return fail(errc::corrupt_log);
            }
        }
        s.written_end_offset = s.synced_end_offset = s.next_offset();
        _segments.emplace(b[i], std::move(seg).value());
        if (b.size() == i + 1) break;  // a torn tail ended the log here
    }
    if (_segments.empty()) {
        auto seg = segment::create(_dir, rs.log_start_offset, cfg, now_ms);
        if (!seg) return fail(seg.error());
        _segments.emplace(rs.log_start_offset, std::move(seg).value());
    }
    for (auto it = _segments.begin(); std::next(it) != _segments.end(); ++it) {
        // Rolled segments keep read-only, trimmed indexes (an unclean stop may have left
        // them writable-sized).
        if (auto r = it->second->seal(); !r) return r;
    }
    _next_offset = active().next_offset();
    _written_end = _durable_end = _next_offset;
    _log_start_offset = std::clamp(rs.log_start_offset, _segments.begin()->first, _next_offset);
    return rebuild_producer_state();
}

}  // namespace sluice::storage
