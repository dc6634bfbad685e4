#include "sluice/storage/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "sluice/common/logger.h"
#include "sluice/storage/direct_writer.h"

namespace sluice::storage {

namespace {

result<uint64_t> file_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        SLUICE_LOG(error, "storage", "fstat failed: %s", std::strerror(errno));
        return fail(errc::io_error);
    }
    return static_cast<uint64_t>(st.st_size);
}

/// Whether [pos, size) is a direct write's zero padding: zeros from the data's end to the
/// next block boundary, where the file ends.
bool zero_padding(int fd, uint64_t pos, uint64_t size) {
    if (size <= pos || size != direct_writer::align_up(pos)) return false;
    uint8_t buf[direct_writer::block_bytes];
    const size_t len = static_cast<size_t>(size - pos);
    if (!pread_all(fd, buf, len, pos)) return false;
    for (size_t i = 0; i < len; ++i) {
        if (buf[i] != 0) return false;
    }
    return true;
}

}  // namespace

std::string segment::file_name(int64_t base_offset, const char* extension) {
    char name[64];
    std::snprintf(name, sizeof name, "%020" PRId64 "%s", base_offset, extension);
    return name;
}

segment::segment(std::shared_ptr<segment_file> file, offset_index offsets, time_index times,
                 int64_t base_offset)
    : _file(std::move(file)),
      _offsets(std::move(offsets)),
      _times(std::move(times)),
      _base_offset(base_offset),
      _next_offset(base_offset) {
    written_end_offset = synced_end_offset = base_offset;
}

result<std::unique_ptr<segment>> segment::create(const std::filesystem::path& dir,
                                                 int64_t base_offset, const log_config& cfg,
                                                 int64_t now_ms) {
    auto path = dir / file_name(base_offset, ".log");
    auto fd = open_file(path, O_RDWR | O_CREAT | O_TRUNC);
    if (!fd) return fail(fd.error());
    // A stale index from an earlier incarnation of this base offset must not survive.
    std::filesystem::remove(dir / file_name(base_offset, ".index"));
    std::filesystem::remove(dir / file_name(base_offset, ".timeindex"));
    auto seg = open(dir, base_offset, cfg, true);
    if (!seg) return seg;
    seg.value()->_rolling_base_ms = now_ms;
    // The new file's directory entry must be durable before any data in it is called so.
    if (auto r = fsync_dir(dir); !r) return fail(r.error());
    return seg;
}

result<std::unique_ptr<segment>> segment::open(const std::filesystem::path& dir,
                                               int64_t base_offset, const log_config& cfg,
                                               bool active, bool indexes_expected) {
    auto path = dir / file_name(base_offset, ".log");
    auto fd = open_file(path, O_RDWR);
    if (!fd) return fail(fd.error());
    // The indexes are a cache of the .log: a lost one is created and rebuilt (as Kafka
    // recovers a segment whose index file is missing), never a reason not to open.
    const auto index_path = dir / file_name(base_offset, ".index");
    const auto time_index_path = dir / file_name(base_offset, ".timeindex");
    const bool lost =
        !std::filesystem::exists(index_path) || !std::filesystem::exists(time_index_path);
    auto offsets =
        offset_index::open(index_path, base_offset, cfg.segment_index_bytes, active || lost);
    if (!offsets) return fail(offsets.error());
    auto times =
        time_index::open(time_index_path, base_offset, cfg.segment_index_bytes, active || lost);
    if (!times) return fail(times.error());
    auto file = std::make_shared<segment_file>(segment_file{std::move(fd).value(), path});
    std::unique_ptr<segment> seg(new segment(std::move(file), std::move(offsets).value(),
                                             std::move(times).value(), base_offset));
    seg->_dir = dir;
    if (lost) {
        segment_scan scan = seg->recover(cfg);
        if (scan.problem || (scan.batches > 0 && indexes_expected)) {
            SLUICE_LOG(warn, "storage", "rebuilt the lost indexes of %s%s%s", path.c_str(),
                       scan.problem ? "; the scan stopped at " : "", scan.detail.c_str());
        }
    }
    return seg;
}

result<void> segment::reopen_indexes_writable(const log_config& cfg) {
    if (_offsets.writable() && _times.writable()) return {};
    auto offsets = offset_index::open(_offsets.path(), _base_offset, cfg.segment_index_bytes, true);
    if (!offsets) return fail(offsets.error());
    auto times = time_index::open(_times.path(), _base_offset, cfg.segment_index_bytes, true);
    if (!times) return fail(times.error());
    _offsets = std::move(offsets).value();
    _times = std::move(times).value();
    return {};
}

void segment::cache_written(std::shared_ptr<const uint8_t> bytes, uint64_t start, uint64_t end,
                            uint64_t budget) {
    tail_cache::local().add(_cache, std::move(bytes), start, end, budget);
}

void segment::drop_cache() {
    if (!_cache.empty()) tail_cache::local().drop(_cache);
}

segment::~segment() {
    drop_cache();
}

void segment::reset_index_state() {
    drop_cache();
    _offsets.truncate_to(_base_offset);
    _times.truncate_to(_base_offset);
    _bytes_since_index_entry = 0;
    _max_timestamp = -1;
    _offset_of_max_timestamp = -1;
    _next_offset = _base_offset;
    _accepted_bytes = _written_bytes = 0;
}

void segment::index_batch(const batch_header& h, const log_config& cfg) {
    if (h.max_timestamp > _max_timestamp) {
        _max_timestamp = h.max_timestamp;
        _offset_of_max_timestamp = h.last_offset;
    }
    // Kafka's LogSegment.append: an entry once more than index.interval.bytes of log
    // passed since the last one; the segment's first batch is implicit (position 0).
    if (_bytes_since_index_entry > cfg.index_interval_bytes && !indexes_full()) {
        _offsets.append(h.base_offset, static_cast<uint32_t>(h.position));
        if (_max_timestamp >= 0) _times.maybe_append(_max_timestamp, _offset_of_max_timestamp);
        _bytes_since_index_entry = 0;
    }
    _bytes_since_index_entry += h.size_bytes;
    _next_offset = h.last_offset + 1;
}

uint64_t segment::accept(const batch_info& b, const log_config& cfg) {
    batch_header h{_accepted_bytes, b.base_offset, b.last_offset(), b.max_timestamp,
                   static_cast<uint32_t>(b.size_bytes)};
    if (_accepted_bytes == 0 && b.max_timestamp >= 0) {
        _rolling_base_ms = b.max_timestamp;
        _rolling_base_is_batch_ts = true;
    }
    index_batch(h, cfg);
    _accepted_bytes += b.size_bytes;
    return h.position;
}

segment_scan segment::recover(const log_config& cfg) {
    segment_scan scan;
    if (auto r = reopen_indexes_writable(cfg); !r) {
        scan.problem = r.error();
        scan.detail = "cannot reopen the indexes of " + _file->path.string();
        return scan;
    }
    reset_index_state();
    auto size = file_size(fd());
    if (!size) {
        scan.problem = errc::io_error;
        scan.detail = "cannot stat " + _file->path.string();
        return scan;
    }
    std::vector<uint8_t> buf;
    uint64_t pos = 0;
    auto stop = [&](errc e, const std::string& why) {
        scan.problem = e;
        scan.detail = _file->path.string() + " at byte " + std::to_string(pos) + ": " + why;
    };
    while (pos < size.value()) {
        uint8_t prefix[batch_log_overhead_bytes];
        if (size.value() - pos < batch_log_overhead_bytes ||
            !pread_all(fd(), prefix, sizeof prefix, pos)) {
            stop(errc::batch_too_short, "partial batch header");
            break;
        }
        auto batch_size = peek_batch_size({prefix, sizeof prefix});
        if (!batch_size) {
            stop(errc::batch_length_mismatch, "invalid batch length");
            break;
        }
        if (*batch_size > size.value() - pos) {
            stop(errc::batch_too_short, "batch of " + std::to_string(*batch_size) +
                                            " bytes runs past the end of the file");
            break;
        }
        buf.resize(*batch_size);
        if (!pread_all(fd(), buf.data(), buf.size(), pos)) {
            stop(errc::io_error, "read failed");
            break;
        }
        // Recovery accepts any batch the broker could have written, whatever the current
        // max.message.bytes says. A compacted log holds batches with gaps inside.
        const offset_rule rule =
            cfg.cleanup_policy_compact ? offset_rule::compacted : offset_rule::dense;
        auto info = validate_batch(buf, SIZE_MAX, rule, compressed_records::skip);
        if (!info) {
            stop(info.error(), describe(info.error()));
            break;
        }
        // baseOffset is not covered by the CRC, so this is the only check that catches a
        // damaged one. The log writes dense offsets (a segment's first batch at its base),
        // so a batch starts exactly where the previous one ended: a jump forward accepted
        // here would move the log end, overflow the u32 relative offsets of the indexes,
        // and make the next batch look like a torn tail past the recovery point.
        // Compaction removes whole batches, so in a compacted log a batch must only not
        // start before the previous one's end, and stay within u32 reach of the base.
        const bool continues =
            cfg.cleanup_policy_compact
                ? info->base_offset >= _next_offset &&
                      info->last_offset() - _base_offset <= static_cast<int64_t>(UINT32_MAX)
                : info->base_offset == _next_offset;
        if (!continues) {
            stop(errc::corrupt_log, "batch base offset " + std::to_string(info->base_offset) +
                                        " does not continue the previous batch's end " +
                                        std::to_string(_next_offset));
            break;
        }
        // segment.ms counts from the first batch's max timestamp, as accept() does.
        if (scan.batches == 0 && _rolling_base_ms < 0) {
            _rolling_base_ms = info->max_timestamp;
            _rolling_base_is_batch_ts = info->max_timestamp >= 0;
        }
        index_batch({pos, info->base_offset, info->last_offset(), info->max_timestamp,
                     static_cast<uint32_t>(*batch_size)},
                    cfg);
        pos += *batch_size;
        ++scan.batches;
    }
    if (scan.problem && zero_padding(fd(), pos, size.value())) {
        // What a direct write leaves past the data until the segment is trimmed: not a
        // torn batch. Cut it so the file ends with its last batch again.
        scan.problem.reset();
        scan.detail.clear();
        if (::ftruncate(fd(), static_cast<off_t>(pos)) != 0) {
            scan.problem = errc::io_error;
            scan.detail = "cannot trim " + _file->path.string() + ": " + std::strerror(errno);
        }
    }
    scan.valid_bytes = pos;
    scan.next_offset = _next_offset;
    _accepted_bytes = _written_bytes = pos;
    return scan;
}

result<void> segment::load(const log_config& cfg) {
    auto size = file_size(fd());
    if (!size) return fail(size.error());
    if (!_offsets.sanity_check(size.value()) || !_times.sanity_check()) {
        SLUICE_LOG(warn, "storage", "rebuilding the indexes of %s", _file->path.c_str());
        segment_scan scan = recover(cfg);
        if (scan.problem) {
            SLUICE_LOG(error, "storage", "corrupt segment: %s", scan.detail.c_str());
            return fail(errc::corrupt_log);
        }
        return {};
    }
    _accepted_bytes = _written_bytes = size.value();
    // Resume from the last index entries and walk the headers after them to the end.
    if (auto t = _times.last()) {
        _max_timestamp = t->timestamp;
        _offset_of_max_timestamp = t->offset;
    }
    uint64_t pos = 0;
    if (auto e = _offsets.last()) pos = e->position;
    // Kafka counts the indexed batch itself as "since the last entry".
    _bytes_since_index_entry = size.value() - pos;
    // A segment with timestamps has a time index entry once sealed; an emptied time index
    // passes the sanity check, so then walk every batch for the largest timestamp.
    if (!_times.last()) pos = 0;
    while (auto h = read_header(pos, size.value())) {
        if (h->max_timestamp > _max_timestamp) {
            _max_timestamp = h->max_timestamp;
            _offset_of_max_timestamp = h->last_offset;
        }
        _next_offset = h->last_offset + 1;
        pos += h->size_bytes;
    }
    if (pos != size.value() && zero_padding(fd(), pos, size.value())) {
        // A direct write's padding (the process stopped before the segment was trimmed).
        if (::ftruncate(fd(), static_cast<off_t>(pos)) != 0) {
            SLUICE_LOG(error, "storage", "cannot trim %s: %s", _file->path.c_str(),
                       std::strerror(errno));
            return fail(errc::io_error);
        }
        _accepted_bytes = _written_bytes = pos;
    } else if (pos != size.value()) {
        SLUICE_LOG(error, "storage",
                   "corrupt segment %s: batch headers end at byte %" PRIu64
                   " but the file has %" PRIu64 " bytes",
                   _file->path.c_str(), pos, size.value());
        return fail(errc::corrupt_log);
    }
    // segment.ms counts from the first batch's max timestamp, as accept() does.
    if (auto first = read_header(0, size.value())) {
        _rolling_base_ms = first->max_timestamp;
        _rolling_base_is_batch_ts = first->max_timestamp >= 0;
    }
    return {};
}

std::optional<batch_header> segment::read_header(uint64_t position, uint64_t bound_bytes) const {
    if (position + batch_header_bytes > bound_bytes) return std::nullopt;
    uint8_t hdr[batch_header_bytes];
    std::vector<iovec> pieces;
    if (!_cache.empty() && cached(position, sizeof hdr, pieces, nullptr)) {
        uint8_t* p = hdr;
        for (const iovec& v : pieces) {
            std::memcpy(p, v.iov_base, v.iov_len);
            p += v.iov_len;
        }
    } else if (!pread_all(fd(), hdr, sizeof hdr, position)) {
        return std::nullopt;
    }
    auto size = peek_batch_size({hdr, sizeof hdr});
    if (!size || position + *size > bound_bytes) return std::nullopt;
    record_batch_view v({hdr, sizeof hdr});
    return batch_header{position,
                        v.base_offset(),
                        v.last_offset(),
                        v.max_timestamp(),
                        static_cast<uint32_t>(*size),
                        v.producer_id(),
                        v.producer_epoch(),
                        v.base_sequence()};
}

std::optional<batch_header> segment::find_batch(int64_t target, uint64_t bound_bytes) const {
    uint64_t pos = _offsets.lookup(target).position;
    while (auto h = read_header(pos, bound_bytes)) {
        if (h->last_offset >= target) return h;
        pos += h->size_bytes;
    }
    return std::nullopt;
}

std::optional<timestamp_and_offset> segment::find_record_for_timestamp(int64_t ts,
                                                                       uint64_t bound_bytes) const {
    if (_max_timestamp < ts) return std::nullopt;
    // Entries with timestamp < ts cover only records older than ts, so the scan can start
    // at the batch of the entry's offset.
    auto te = _times.lookup(ts - 1);
    int64_t start = te.timestamp == time_index::no_timestamp ? _base_offset : te.offset;
    uint64_t pos = _offsets.lookup(start).position;
    std::vector<uint8_t> buf;
    while (auto h = read_header(pos, bound_bytes)) {
        if (h->max_timestamp >= ts) {
            buf.resize(h->size_bytes);
            if (!pread_all(fd(), buf.data(), buf.size(), pos)) return std::nullopt;
            if (auto o = storage::find_record_for_timestamp(buf, ts)) return o;
        }
        pos += h->size_bytes;
    }
    return std::nullopt;
}

result<int64_t> segment::truncate_to(int64_t offset, const log_config& cfg) {
    if (offset >= _next_offset) {
        // Nothing to cut, but this is the active segment from now on and it may have been
        // rolled: its trimmed indexes must take entries again (Kafka's
        // LogSegment.truncateTo resizes them), or the next append rolls at once.
        if (auto r = reopen_indexes_writable(cfg); !r) return fail(r.error());
        return _next_offset;
    }
    auto h = find_batch(offset, _written_bytes);
    uint64_t new_size = h ? h->position : _written_bytes;
    if (::ftruncate(fd(), static_cast<off_t>(new_size)) != 0) {
        SLUICE_LOG(error, "storage", "ftruncate %s failed: %s", _file->path.c_str(),
                   std::strerror(errno));
        return fail(errc::io_error);
    }
    if (auto r = sync_now(); !r) return fail(r.error());
    // Truncation is rare (a follower meeting a new leader): rebuild the indexes from the
    // remaining batches rather than patching them.
    segment_scan scan = recover(cfg);
    if (scan.problem) {
        SLUICE_LOG(error, "storage", "after truncation: %s", scan.detail.c_str());
        return fail(errc::corrupt_log);
    }
    written_end_offset = synced_end_offset = _next_offset;
    return _next_offset;
}

result<void> segment::seal() {
    if (_max_timestamp >= 0 && _times.writable() && !_times.full()) {
        _times.maybe_append(_max_timestamp, _offset_of_max_timestamp);
    }
    if (auto r = _offsets.trim(); !r) return r;
    return _times.trim();
}

result<void> segment::remove() {
    drop_cache();
    auto a = _offsets.remove();
    auto b = _times.remove();
    if (::unlink(_file->path.c_str()) != 0 && errno != ENOENT) {
        SLUICE_LOG(error, "storage", "unlink %s failed: %s", _file->path.c_str(),
                   std::strerror(errno));
        return fail(errc::io_error);
    }
    if (!a) return a;
    return b;
}

result<int> segment::direct_fd() {
    if (!_direct_fd.valid()) {
        auto fd = open_file(_file->path, O_WRONLY | O_DIRECT);
        if (!fd) return fail(fd.error());
        _direct_fd = std::move(fd).value();
    }
    return _direct_fd.get();
}

result<void> segment::trim_padding() {
    if (!_direct_fd.valid()) return {};  // never written with O_DIRECT by this process
    auto size = file_size(fd());
    if (!size) return fail(size.error());
    if (size.value() <= _written_bytes) return {};
    if (::ftruncate(fd(), static_cast<off_t>(_written_bytes)) != 0) {
        SLUICE_LOG(error, "storage", "cannot trim %s to %llu bytes: %s", _file->path.c_str(),
                   static_cast<unsigned long long>(_written_bytes), std::strerror(errno));
        return fail(errc::io_error);
    }
    return {};
}

result<void> segment::sync_now() {
    if (::fdatasync(fd()) != 0) {
        SLUICE_LOG(error, "storage", "fdatasync %s failed: %s", _file->path.c_str(),
                   std::strerror(errno));
        return fail(errc::io_error);
    }
    return {};
}

}  // namespace sluice::storage
