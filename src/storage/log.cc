#include "sluice/storage/log.h"

#include <cerrno>
#include <cstring>

#include "sluice/common/assert.h"
#include "sluice/common/clock.h"
#include "sluice/common/logger.h"
#include "sluice/storage/storage_probe.h"

namespace sluice::storage {

log::log(io::reactor& r, std::filesystem::path dir, const log_config& cfg)
    : _reactor(r), _dir(std::move(dir)), _cfg(cfg) {
    _write_done.owner = this;
    _sync_done.owner = this;
    _flush_task.owner = this;
}

log::~log() {
    SLUICE_ASSERT(!_write_op.busy() && !_sync_in_flight && !_flush_task.queued(),
                  "log %s destroyed with I/O in flight", _dir.c_str());
}

result<std::unique_ptr<log>> log::open(io::reactor& r, const std::filesystem::path& dir,
                                       const log_config& cfg, const recovery_state& rs,
                                       int64_t now_ms) {
    std::unique_ptr<log> l(new log(r, dir, cfg));
    if (auto res = l->recover(rs, now_ms); !res) return fail(res.error());
    return l;
}

bool log::should_roll(size_t batch_bytes, int64_t batch_max_timestamp, int64_t now_ms) const {
    const segment& seg = *_segments.rbegin()->second;
    if (seg.empty()) return false;
    return seg.accepted_bytes() + batch_bytes > _cfg.segment_bytes ||
           seg.time_waited_for_roll(batch_max_timestamp, now_ms) > _cfg.segment_ms ||
           seg.indexes_full() ||
           // Index positions are u32: a segment never grows past 4 GiB.
           seg.accepted_bytes() + batch_bytes > UINT32_MAX;
}

result<void> log::roll(int64_t now_ms) {
    if (auto r = active().seal(); !r) return r;
    // Everything of the old segment written already: cut a direct write's padding now
    // (otherwise on_write_done does when its last write completes).
    if (_pending_head == _pending.size() || _pending.back().seg != &active()) {
        (void)active().trim_padding();
    }
    auto seg = segment::create(_dir, _next_offset, _cfg, now_ms);
    if (!seg) {
        // A create that got part way (the .log but not an index, on a disk out of space
        // or inodes) must leave nothing: should a rollback later let appends go on into
        // the old segment, an empty segment file here would overlap it at the next open.
        for (const char* ext : {".log", ".index", ".timeindex"}) {
            std::error_code ec;
            std::filesystem::remove(_dir / segment::file_name(_next_offset, ext), ec);
        }
        return fail(seg.error());
    }
    _segments.emplace(_next_offset, std::move(seg).value());
    ++_stats.rolls;
    // Most logs never see an idempotent producer: no snapshot (three fsyncs) for them.
    if (_producers.size() > 0) take_producer_snapshot(_next_offset);
    return {};
}

result<append_info> log::append(std::span<uint8_t> batch, append_waiter* waiter, int64_t now_ms) {
    if (_offline) return fail(errc::log_offline);
    // A batch to recompress has its records checked while it is recompressed.
    const bool recompress = _cfg.compression >= 0;
    auto info = validate_batch(batch, _cfg.max_message_bytes, offset_rule::dense,
                               recompress ? compressed_records::skip : compressed_records::check);
    if (!info) return fail(info.error());
    producer_batch_header producer{info->producer_id, info->producer_epoch, info->base_sequence,
                                   info->last_offset_delta, info->max_timestamp};
    if (producer.producer_id >= 0) {
        auto seen = _producers.check(producer);
        if (!seen) return fail(seen.error());
        if (const auto& original = seen.value()) {
            // A retry of a batch we have: answer with its offsets once they are durable
            // (from the flush task, never from inside append()).
            if (waiter) {
                waiter->_end_offset = original->last_offset + 1;
                _duplicate_waiters.emplace_back(original->last_offset + 1, waiter);
                _reactor.defer(&_flush_task);
            }
            return append_info{original->first_offset, original->last_offset, true};
        }
    }
    std::shared_ptr<std::vector<uint8_t>> owned;
    if (recompress) {
        // compression.type names a codec: the batch is rewritten into it (also from the
        // same codec, which re-checks the records on the way; Kafka skips that copy).
        const auto target = static_cast<uint8_t>(_cfg.compression);
        const int level = target == 1   ? _cfg.compression_gzip_level
                          : target == 4 ? _cfg.compression_zstd_level
                                        : 0;
        if (static_cast<uint8_t>(info->compression) == target) {
            auto checked = validate_batch(batch, _cfg.max_message_bytes);
            if (!checked) return fail(checked.error());
        } else {
            owned = std::make_shared<std::vector<uint8_t>>();
            if (auto r = recompress_batch(batch, target, level, *owned); !r) return fail(r.error());
            auto again = validate_batch(*owned, _cfg.max_message_bytes, offset_rule::dense,
                                        compressed_records::skip);
            if (!again) return fail(again.error());
            info = again;
            batch = std::span<uint8_t>(*owned);
        }
    }
    if (should_roll(batch.size(), _cfg.log_append_time ? now_ms : info->max_timestamp, now_ms)) {
        if (auto r = roll(now_ms); !r) return fail(r.error());
    }
    // Once a write found the disk full, each batch first asks the filesystem for its
    // blocks: while there are none it fails here, before it has offsets, instead of in
    // the write, whose rollback costs a truncation, an fdatasync and a rescan.
    if (_disk_full && !reserve_file_space(active().fd(), active().accepted_bytes(), batch.size())) {
        return fail(errc::io_error);
    }
    if (_cfg.log_append_time) {
        stamp_log_append_time(batch, now_ms);
        info->max_timestamp = now_ms;
    }
    patch_base_offset(batch, _next_offset);
    info->base_offset = _next_offset;
    segment& seg = active();
    seg.accept(info.value(), _cfg);
    _next_offset = info->last_offset() + 1;
    producer.max_timestamp = info->max_timestamp;
    _producers.update(producer, info->base_offset);
    _pending.push_back({&seg, {batch.data(), batch.size()}, _next_offset, std::move(owned)});
    ++_stats.batches;
    if (waiter) {
        waiter->_end_offset = _next_offset;
        waiter->_next = nullptr;
        if (_unwritten_tail) {
            _unwritten_tail->_next = waiter;
        } else {
            _unwritten_head = waiter;
        }
        _unwritten_tail = waiter;
    }
    // Everything appended in this loop turn goes out together at its end.
    _reactor.defer(&_flush_task);
    return append_info{info->base_offset, info->last_offset()};
}

void log::pump() {
    if (_offline) return;
    if (!_duplicate_waiters.empty()) notify_duplicates();
    if (!_write_op.busy() && _pending_head < _pending.size()) start_write();
    if (_sync_in_flight || _dirty.empty()) return;
    segment* seg = _dirty.front();
    _sync_in_flight = true;
    _sync_segment = seg;
    _sync_target = seg->written_end_offset;
    ++_stats.syncs;
    _sync_started_ns = common::monotonic_ns();
    _reactor.fsync(seg->fd(), true, &_sync_done);
}

void log::start_write() {
    segment* seg = _pending[_pending_head].seg;
    const bool direct = _cfg.direct_io && !_direct_failed;
    _write_iov.clear();
    size_t i = _pending_head;
    uint64_t bytes = 0;
    for (; i < _pending.size() && _pending[i].seg == seg; ++i) {
        // A direct write is copied into staging first: bound it (a first batch goes whole).
        if (direct && i > _pending_head &&
            bytes + _pending[i].iov.iov_len > direct_writer::max_write_bytes) {
            break;
        }
        bytes += _pending[i].iov.iov_len;
        _write_iov.push_back(_pending[i].iov);
    }
    _inflight_count = i - _pending_head;
    ++_stats.writes;
    _inflight_direct = false;
    if (direct) {
        auto fd = seg->direct_fd();
        result<direct_writer::prepared> prepared = fail(errc::io_error);
        if (fd) prepared = _direct.prepare(*seg, _write_iov);
        if (prepared) {
            _inflight_direct = true;
            _inflight_logical = prepared->logical_bytes;
            ++_stats.direct_writes;
            const iovec one = prepared->data;
            _write_op.start(_reactor, fd.value(), {&one, 1}, prepared->position, &_write_done);
            return;
        }
        // The filesystem refuses O_DIRECT (or the last block could not be read): this log
        // writes buffered from now on, which is always correct.
        SLUICE_LOG(warn, "storage",
                   "log.write.mode=direct: O_DIRECT writes are not possible in %s; this "
                   "partition writes buffered",
                   _dir.c_str());
        _direct_failed = true;
        _direct.reset();
    }
    _write_op.start(_reactor, seg->fd(), _write_iov, seg->written_bytes(), &_write_done);
}

void log::on_write_done(int32_t res) {
    if (_offline) return;  // the waiters were failed when the log went offline
    if (res < 0) {
        SLUICE_LOG(error, "storage", "write to %s failed: %s", _dir.c_str(), std::strerror(-res));
        _direct.reset();
        bool disk_full = res == -ENOSPC || res == -EDQUOT || res == -EFBIG;
        if (disk_full) {
            if (!_disk_full) {
                SLUICE_LOG(warn, "storage",
                           "%s: the disk is full; produce to it fails with "
                           "KAFKA_STORAGE_ERROR until there is room again",
                           _dir.c_str());
            }
            _disk_full = true;
            roll_back_unwritten(errc::io_error);
        } else {
            go_offline(errc::io_error);
        }
        return;
    }
    if (_disk_full) {
        SLUICE_LOG(info, "storage", "%s: writes succeed again after the disk was full",
                   _dir.c_str());
        _disk_full = false;
    }
    segment* seg = _pending[_pending_head].seg;
    if (_inflight_direct) {
        seg->on_written(_inflight_logical);
        direct_writer::copy c = _direct.written(_cfg.direct_cache_bytes > 0);
        if (c.bytes && c.end > c.start) {
            seg->cache_written(std::move(c.bytes), c.start, c.end, _cfg.direct_cache_bytes);
        }
    } else {
        seg->on_written(_write_op.written());
    }
    const int64_t end = _pending[_pending_head + _inflight_count - 1].end_offset;
    seg->written_end_offset = end;
    _written_end = end;
    _pending_head += _inflight_count;
    _inflight_count = 0;
    if (_pending_head == _pending.size()) {
        _pending.clear();
        _pending_head = 0;
    }
    if (seg != &active() && (_pending.empty() || _pending[_pending_head].seg != seg)) {
        // A rolled segment's last write is done: cut a direct write's padding now, so the
        // sealed file ends with its last batch (the next fdatasync makes that durable),
        // and let its tail cache go (readers of the new segment use the new one's).
        (void)seg->trim_padding();
        seg->drop_cache();
    }
    if (_dirty.empty() || _dirty.back() != seg) _dirty.push_back(seg);
    notify_written();
    pump();
}

void log::on_sync_done(int32_t res) {
    _sync_in_flight = false;
    storage_probe& probe = storage_probe::local();
    if (res < 0) {
        ++probe.fdatasync_errors;
    } else {
        probe.fdatasync_latency.observe_signed(common::monotonic_ns() - _sync_started_ns);
    }
    if (_offline) return;
    if (res < 0) {
        // After a failed fdatasync the kernel may have dropped the dirty pages; a retry
        // could succeed without the data ever reaching the disk (PostgreSQL's "fsyncgate").
        SLUICE_LOG(error, "storage", "fdatasync of %s failed: %s; the log goes offline",
                   _sync_segment->file()->path.c_str(), std::strerror(-res));
        go_offline(errc::io_error);
        return;
    }
    segment* seg = _sync_segment;
    seg->synced_end_offset = _sync_target;
    if (!_dirty.empty() && _dirty.front() == seg &&
        seg->synced_end_offset == seg->written_end_offset) {
        _dirty.erase(_dirty.begin());
    }
    const int64_t before = _durable_end;
    _durable_end = _dirty.empty() ? _written_end : _dirty.front()->synced_end_offset;
    notify_durable();
    if (_listener && _durable_end > before) _listener->on_durable_advanced(_durable_end);
    pump();
}

void log::notify_written() {
    while (_unwritten_head && _unwritten_head->_end_offset <= _written_end) {
        append_waiter* w = _unwritten_head;
        _unwritten_head = w->_next;
        if (!_unwritten_head) _unwritten_tail = nullptr;
        w->_next = nullptr;
        if (_undurable_tail) {
            _undurable_tail->_next = w;
        } else {
            _undurable_head = w;
        }
        _undurable_tail = w;
        w->on_written({});
    }
}

void log::notify_durable() {
    while (_undurable_head && _undurable_head->_end_offset <= _durable_end) {
        append_waiter* w = _undurable_head;
        _undurable_head = w->_next;
        if (!_undurable_head) _undurable_tail = nullptr;
        w->_next = nullptr;
        w->on_durable({});
    }
}

void log::fail_all_waiters(errc why) {
    for (auto [end, w] : _duplicate_waiters) {
        w->on_written(fail(why));
        w->on_durable(fail(why));
    }
    _duplicate_waiters.clear();
    // Written-but-not-durable waiters first: their offsets are lower.
    while (append_waiter* w = _undurable_head) {
        _undurable_head = w->_next;
        w->on_durable(fail(why));
    }
    _undurable_tail = nullptr;
    while (append_waiter* w = _unwritten_head) {
        _unwritten_head = w->_next;
        w->on_written(fail(why));
        w->on_durable(fail(why));
    }
    _unwritten_tail = nullptr;
}

void log::go_offline(errc why) {
    _offline = true;
    _direct.reset();
    _pending.clear();
    _pending_head = _inflight_count = 0;
    fail_all_waiters(why);
}

void log::roll_back_unwritten(errc why) {
    // Fail the appends whose bytes are not in the file, and forget their offsets, so that
    // the log continues exactly after the last written batch.
    while (append_waiter* w = _unwritten_head) {
        _unwritten_head = w->_next;
        w->on_written(fail(why));
        w->on_durable(fail(why));
    }
    _unwritten_tail = nullptr;
    _pending.clear();
    _pending_head = _inflight_count = 0;
    _direct.reset();
    while (_segments.size() > 1 && _segments.rbegin()->first >= _written_end &&
           _segments.rbegin()->second->written_bytes() == 0) {
        auto it = std::prev(_segments.end());
        if (auto r = remove_segment(it); !r) return go_offline(r.error());
    }
    auto r = active().truncate_to(_written_end, _cfg);
    if (!r) return go_offline(r.error());
    _next_offset = r.value();
    SLUICE_ASSERT(_next_offset == _written_end, "rollback ended at %ld, written end %ld",
                  static_cast<long>(_next_offset), static_cast<long>(_written_end));
    // The failed batches' producers must not count them as appended.
    if (auto rebuilt = rebuild_producer_state(); !rebuilt) return go_offline(rebuilt.error());
    // truncate_to synced the segment; what is written is durable.
    if (!_dirty.empty() && _dirty.back() == &active()) _dirty.pop_back();
    if (_dirty.empty() && _durable_end < _written_end) {
        _durable_end = _written_end;
        notify_durable();
        if (_listener) _listener->on_durable_advanced(_durable_end);
    }
    pump();
}

result<void> log::remove_segment(std::map<int64_t, std::unique_ptr<segment>>::iterator it) {
    segment* seg = it->second.get();
    std::erase(_dirty, seg);
    auto r = seg->remove();
    _segments.erase(it);
    if (!r) return r;
    return fsync_dir(_dir);
}

bool log::idle() const {
    return !_write_op.busy() && !_sync_in_flight && _pending_head == _pending.size() &&
           !_flush_task.queued() && _dirty.empty();
}

uint64_t log::size_bytes() const {
    uint64_t total = 0;
    for (const auto& [base, seg] : _segments) total += seg->accepted_bytes();
    return total;
}

result<void> log::close() {
    SLUICE_ASSERT(idle(), "log %s closed with I/O in flight", _dir.c_str());
    if (_offline) return fail(errc::log_offline);
    if (auto r = active().seal(); !r) return r;
    if (auto r = active().trim_padding(); !r) return r;
    if (auto r = active().sync_now(); !r) return r;
    take_producer_snapshot(_next_offset);
    return {};
}

}  // namespace sluice::storage
