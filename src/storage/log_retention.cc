// log maintenance: truncation (replication), retention by time and size, log start offset.

#include <cinttypes>

#include "sluice/common/assert.h"
#include "sluice/common/logger.h"
#include "sluice/storage/log.h"

namespace sluice::storage {

result<void> log::truncate_to(int64_t offset) {
    SLUICE_ASSERT(idle(), "truncate_to(%" PRId64 ") with I/O in flight", offset);
    _direct.reset();
    if (_offline) return fail(errc::log_offline);
    if (offset >= _next_offset) return {};
    if (offset < _segments.begin()->first) {
        // Below everything we have (Kafka's truncateFullyAndStartAt): start over at offset.
        while (!_segments.empty()) {
            if (auto r = remove_segment(std::prev(_segments.end())); !r) return r;
        }
        auto seg = segment::create(_dir, offset, _cfg, 0);
        if (!seg) return fail(seg.error());
        _segments.emplace(offset, std::move(seg).value());
        _log_start_offset = offset;
    } else {
        while (_segments.size() > 1 && _segments.rbegin()->first >= offset) {
            if (auto r = remove_segment(std::prev(_segments.end())); !r) return r;
        }
        auto r = active().truncate_to(offset, scan_config());
        if (!r) return fail(r.error());
    }
    if (_cleaner_checkpoint > 0 && offset < _cleaner_checkpoint) {
        // Keep the log known as compacted (gaps below `offset` stay legal) but no longer
        // call the offsets past `offset` clean.
        if (auto r = write_cleaner_checkpoint(std::max<int64_t>(offset, 1)); !r) return r;
    }
    _next_offset = _written_end = _durable_end = active().next_offset();
    _log_start_offset = std::min(_log_start_offset, _next_offset);
    return rebuild_producer_state();
}

result<size_t> log::apply_retention(int64_t now_ms) {
    if (_offline) return fail(errc::log_offline);
    size_t deleted = 0;
    uint64_t total = size_bytes();
    while (_segments.size() > 1) {
        auto it = _segments.begin();
        segment& seg = *it->second;
        // Only whole, durable, closed segments go.
        if (seg.synced_end_offset < seg.next_offset()) break;
        bool below_start = seg.next_offset() <= _log_start_offset;
        // Kafka: a compact-only topic never deletes by time or size.
        bool expired = _cfg.cleanup_policy_delete && _cfg.retention_ms >= 0 &&
                       now_ms - seg.max_timestamp() > _cfg.retention_ms;
        bool over_size =
            _cfg.cleanup_policy_delete && _cfg.retention_bytes >= 0 &&
            total - seg.accepted_bytes() >= static_cast<uint64_t>(_cfg.retention_bytes);
        if (!below_start && !expired && !over_size) break;
        total -= seg.accepted_bytes();
        int64_t next_base = std::next(it)->first;
        if (auto r = remove_segment(it); !r) return fail(r.error());
        _log_start_offset = std::max(_log_start_offset, next_base);
        ++deleted;
    }
    if (deleted > 0) {
        _producers.remove_below(_log_start_offset);
        SLUICE_LOG(info, "storage",
                   "%s: retention deleted %zu segment(s); log start offset %" PRId64, _dir.c_str(),
                   deleted, _log_start_offset);
    }
    return deleted;
}

result<void> log::advance_log_start_offset(int64_t offset) {
    if (_offline) return fail(errc::log_offline);
    if (offset > _next_offset) return fail(errc::offset_out_of_range);
    if (offset <= _log_start_offset) return {};
    _log_start_offset = offset;
    _producers.remove_below(offset);
    // Segments wholly below the new start are deleted by the next retention pass.
    return {};
}

}  // namespace sluice::storage
