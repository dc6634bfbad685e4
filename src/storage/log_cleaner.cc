// log::compact: log compaction of closed segments (cleanup.policy=compact), following
// Kafka's LogCleaner / Cleaner.
//
// One pass:
// 1. The cleanable range is the prefix of closed, fully written and synced segments whose
//    newest batch is at least min.compaction.lag.ms old (Kafka's first uncleanable
//    offset). The active segment is never in it.
// 2. Dirty ratio = bytes at or past the cleaner checkpoint / all bytes of the range; below
//    min.cleanable.dirty.ratio nothing happens.
// 3. An offset map key -> latest offset is built over the whole range (Kafka builds it
//    over the dirty part only, bounded by dedupe buffer memory; ours is unbounded).
//    Steps 3 and 4 are compaction_job::run(), which may run on a cleaner thread: it reads
//    the range's files through the fds it holds and writes only `.cleaned` files.
// 4. Each segment of the range is rewritten into `<base>.log.cleaned`, keeping in each
//    batch the records that are the latest for their key (records without a
//    key are kept). A tombstone (null value) also goes once its segment's newest batch is
//    older than delete.retention.ms. A batch keeping some records is re-encoded with its
//    original baseOffset, lastOffsetDelta, producer fields and the survivors' own offsets
//    (compressed again in its codec when it came compressed); a batch keeping none is
//    dropped; a batch keeping all is copied as it is. Control and transactional batches
//    are copied as they are (the transaction markers need the transaction work).
//    Segments are not merged (Kafka groups small neighbours into one cleaned segment; a
//    later improvement).
// 5. (log::finish_compaction, on the shard, only if the range's segments are still the
//    files the job read.) Crash-safe swap, Kafka's way: every `.cleaned` file is fsynced, then the
//    cleaner checkpoint is written (before any gap becomes visible: recovery accepts a gap between
//    segments only below it), then per segment: rename `.cleaned` -> `.swap`, fsync the directory,
//    unlink the old .index, .timeindex and .log, rename `.swap` ->
//    `.log`, fsync the directory, and reopen it (the indexes, a cache of the .log, are
//    rebuilt from it rather than swapped along). At open, list_segments deletes
//    `.cleaned` files and completes any `.swap` (log_recovery.cc).
//
// The cleaner checkpoint lives in `<partition dir>/cleaner-offset-checkpoint`, in Kafka's
// checkpoint text format with one entry, not in one file at the log dir root as Kafka
// keeps it: the log owns its directory and needs it at open for the gap rule.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "sluice/common/endian.h"
#include "sluice/common/logger.h"
#include "sluice/compression/codec.h"
#include "sluice/storage/log.h"
#include "sluice/storage/offset_checkpoint.h"
#include "sluice/storage/record_batch_builder.h"
#include "sluice/storage/record_reader.h"

namespace sluice::storage {

namespace {

constexpr const char* checkpoint_name = "cleaner-offset-checkpoint";

std::string key_of(std::span<const uint8_t> k) {
    return {k.begin(), k.end()};
}

/// The entry the checkpoint keeps for a partition directory `<topic>-<partition>`.
topic_partition checkpoint_key(const std::filesystem::path& dir) {
    std::string name = dir.filename().string();
    auto dash = name.rfind('-');
    if (dash != std::string::npos && dash > 0 && dash + 1 < name.size() &&
        name.find_first_not_of("0123456789", dash + 1) == std::string::npos &&
        name.size() - dash < 10) {
        return {name.substr(0, dash), std::stoi(name.substr(dash + 1))};
    }
    return {"_", 0};
}

bool write_all(int fd, const uint8_t* p, size_t len) {
    while (len > 0) {
        ssize_t n = ::write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

/// Calls visit(bytes) for every whole batch of the segment's first `seg.bytes`, in order.
template <class Visit>
result<void> for_each_batch(const compaction_segment& seg, std::vector<uint8_t>& buf,
                            Visit&& visit) {
    uint64_t pos = 0;
    const int fd = seg.file->fd.get();
    while (pos + batch_header_bytes <= seg.bytes) {
        uint8_t head[batch_log_overhead_bytes];
        if (!pread_all(fd, head, sizeof head, pos)) {
            SLUICE_LOG(error, "storage", "cleaner: read of %s at %" PRIu64 " failed",
                       seg.file->path.c_str(), pos);
            return fail(errc::io_error);
        }
        auto size = peek_batch_size({head, sizeof head});
        if (!size || pos + *size > seg.bytes) break;
        buf.resize(*size);
        if (!pread_all(fd, buf.data(), buf.size(), pos)) {
            SLUICE_LOG(error, "storage", "cleaner: read of %s at %" PRIu64 " failed",
                       seg.file->path.c_str(), pos);
            return fail(errc::io_error);
        }
        if (auto r = visit(std::span<const uint8_t>(buf)); !r) return r;
        pos += *size;
    }
    return {};
}

bool walkable(const record_batch_view& v) {
    return !v.is_control() && !v.is_transactional();
}

using offset_map = std::unordered_map<std::string, int64_t>;

/// Appends to `out` what survives of one batch, counting what goes.
result<void> clean_batch(std::span<const uint8_t> batch, const offset_map& latest,
                         bool drop_tombstones, std::vector<uint8_t>& out, cleaner_stats& st) {
    const record_batch_view v(batch);
    if (!walkable(v)) {
        out.insert(out.end(), batch.begin(), batch.end());
        return {};
    }
    // The kept records are views into the bytes walked, so a compressed batch is walked as
    // an uncompressed copy that lives as long as they do.
    std::vector<uint8_t> flat;
    std::span<const uint8_t> walk = batch;
    if (v.compression() != compression_type::none) {
        std::vector<uint8_t> plain;
        if (auto r = decompress_records(batch, plain); !r) return r;
        flat.assign(batch.begin(), batch.begin() + batch_header_bytes);
        flat.insert(flat.end(), plain.begin(), plain.end());
        const auto attrs = common::load_be16(flat.data() + batch_field::attributes);
        common::store_be16(flat.data() + batch_field::attributes,
                           static_cast<uint16_t>(attrs & ~batch_attribute::compression_mask));
        walk = flat;
    }
    std::vector<record_view> kept;
    int32_t total = 0;
    auto walked = for_each_record(walk, [&](const record_view& r) {
        ++total;
        if (r.key) {
            auto it = latest.find(key_of(*r.key));
            if (it != latest.end() && it->second != r.offset) {
                ++st.records_removed;
                return;
            }
            if (!r.value && drop_tombstones) {
                ++st.tombstones_removed;
                return;
            }
        }
        kept.push_back(r);
    });
    if (!walked) return fail(walked.error());
    if (kept.size() == static_cast<size_t>(total)) {
        out.insert(out.end(), batch.begin(), batch.end());
        return {};
    }
    if (kept.empty()) return {};
    record_batch_builder b(v.base_offset(), v.base_timestamp());
    b.set_producer_id(v.producer_id())
        .set_producer_epoch(v.producer_epoch())
        .set_base_sequence(v.base_sequence())
        .set_partition_leader_epoch(v.partition_leader_epoch())
        .set_timestamp_type(v.timestamp_type())
        .set_last_offset_delta(v.last_offset_delta());
    const bool log_append = v.timestamp_type() == timestamp_type::log_append_time;
    // LogAppendTime records carry no timestamps of their own: keep the batch's.
    if (log_append) b.set_max_timestamp(v.max_timestamp());
    std::vector<record_header> headers;
    for (const record_view& r : kept) {
        headers.clear();
        for (const auto& h : r.headers) headers.push_back({h.key, h.value});
        const int64_t ts = log_append ? v.base_timestamp() : r.timestamp;
        b.add_at(static_cast<int32_t>(r.offset - v.base_offset()), r.key, r.value, ts, headers);
    }
    auto bytes = b.build();
    if (v.compression() != compression_type::none) {
        // Back into the producer's codec, at the codec's default level.
        const auto codec = static_cast<uint8_t>(v.compression());
        std::vector<uint8_t> again;
        auto r =
            recompress_batch(bytes, codec, compression::level_default(compression::codec(codec)),
                             again, offset_rule::compacted);
        if (!r) return r;
        bytes = std::move(again);
    }
    out.insert(out.end(), bytes.begin(), bytes.end());
    return {};
}

}  // namespace

log_config log::scan_config() const {
    log_config c = _cfg;
    if (_cleaner_checkpoint > 0) c.cleanup_policy_compact = true;
    return c;
}

result<void> log::read_cleaner_checkpoint() {
    auto m = read_offset_checkpoint(_dir / checkpoint_name);
    if (!m) {
        // Without it a compacted log cannot tell its gaps from a torn tail: refuse to
        // guess (the file is written atomically, so this is damage, not a crash).
        SLUICE_LOG(error, "storage", "%s/%s is unreadable", _dir.c_str(), checkpoint_name);
        return fail(m.error());
    }
    auto it = m->find(checkpoint_key(_dir));
    _cleaner_checkpoint = it == m->end() ? 0 : it->second;
    return {};
}

result<void> log::write_cleaner_checkpoint(int64_t offset) {
    offset_checkpoint_map m;
    m[checkpoint_key(_dir)] = offset;
    if (auto r = write_offset_checkpoint(_dir / checkpoint_name, m); !r) return r;
    _cleaner_checkpoint = offset;
    return {};
}

result<void> log::swap_in_cleaned(int64_t base) {
    const auto log_path = _dir / segment::file_name(base, ".log");
    const auto cleaned = _dir / (segment::file_name(base, ".log") + ".cleaned");
    const auto swap = _dir / (segment::file_name(base, ".log") + ".swap");
    auto fs_fail = [&](const char* what, const std::filesystem::path& p) {
        SLUICE_LOG(error, "storage", "cleaner: %s %s failed: %s", what, p.c_str(),
                   std::strerror(errno));
        return fail(errc::io_error);
    };
    if (::rename(cleaned.c_str(), swap.c_str()) != 0) return fs_fail("rename", cleaned);
    if (auto r = fsync_dir(_dir); !r) return r;
    auto it = _segments.find(base);
    // Unlinks .index, .timeindex and .log; readers in flight keep the old fd.
    if (auto r = it->second->remove(); !r) return r;
    if (::rename(swap.c_str(), log_path.c_str()) != 0) return fs_fail("rename", swap);
    if (auto r = fsync_dir(_dir); !r) return r;
    // The indexes are missing, so open rebuilds them from the cleaned .log.
    auto seg = segment::open(_dir, base, scan_config(), false, /*indexes_expected=*/false);
    if (!seg) return fail(seg.error());
    if (auto r = seg.value()->seal(); !r) return r;
    seg.value()->written_end_offset = seg.value()->synced_end_offset = seg.value()->next_offset();
    it->second = std::move(seg).value();
    return {};
}

std::unique_ptr<compaction_job> log::begin_compaction(int64_t now_ms, double* dirty_ratio) {
    if (_offline || !_cfg.cleanup_policy_compact) return nullptr;
    // 1. The cleanable range: closed, written and synced, older than the lag.
    auto job = std::make_unique<compaction_job>();
    for (auto it = _segments.begin(); std::next(it) != _segments.end(); ++it) {
        segment& seg = *it->second;
        const bool durable = seg.written_bytes() == seg.accepted_bytes() &&
                             seg.synced_end_offset >= seg.next_offset();
        const bool too_young = _cfg.min_compaction_lag_ms > 0 && seg.max_timestamp() >= 0 &&
                               now_ms - seg.max_timestamp() < _cfg.min_compaction_lag_ms;
        if (!durable || too_young) break;
        job->range.push_back(
            {seg.base_offset(), seg.file(), seg.written_bytes(), seg.max_timestamp()});
        job->range_end = std::next(it)->first;
    }
    if (job->range.empty()) return nullptr;
    // 2. The dirty ratio.
    uint64_t total = 0, dirty = 0;
    for (const auto& seg : job->range) {
        total += seg.bytes;
        if (seg.base_offset >= _cleaner_checkpoint) dirty += seg.bytes;
    }
    if (dirty == 0 || total == 0) return nullptr;
    job->stats.dirty_ratio = static_cast<double>(dirty) / static_cast<double>(total);
    if (dirty_ratio) *dirty_ratio = job->stats.dirty_ratio;
    if (job->stats.dirty_ratio < _cfg.min_cleanable_dirty_ratio) return nullptr;
    job->dir = _dir;
    job->now_ms = now_ms;
    job->delete_retention_ms = _cfg.delete_retention_ms;
    return job;
}

void compaction_job::run() {
    auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };
    // 3. The offset map.
    offset_map latest;
    std::vector<uint8_t> buf;
    for (const auto& seg : range) {
        if (cancelled()) {
            error = errc::not_found;
            return;
        }
        auto r = for_each_batch(seg, buf, [&](std::span<const uint8_t> batch) -> result<void> {
            if (!walkable(record_batch_view(batch))) return {};
            return for_each_record(batch, [&](const record_view& rec) {
                if (rec.key) latest[key_of(*rec.key)] = rec.offset;
            });
        });
        if (!r) {
            error = r.error();
            return;
        }
    }
    // 4. Write the cleaned copies, 1 MiB at a time.
    constexpr size_t flush_bytes = 1 << 20;
    std::vector<uint8_t> out;
    for (const auto& seg : range) {
        if (cancelled()) {
            error = errc::not_found;
            discard();
            return;
        }
        out.clear();
        const bool drop_tombstones =
            seg.max_timestamp >= 0 && now_ms - seg.max_timestamp > delete_retention_ms;
        const uint64_t removed_before = stats.records_removed + stats.tombstones_removed;
        const auto path = dir / (segment::file_name(seg.base_offset, ".log") + ".cleaned");
        auto fd = open_file(path, O_RDWR | O_CREAT | O_TRUNC);
        if (!fd) {
            error = fd.error();
            discard();
            return;
        }
        uint64_t written = 0;
        auto flush = [&]() -> result<void> {
            if (!write_all(fd->get(), out.data(), out.size())) {
                SLUICE_LOG(error, "storage", "cleaner: writing %s failed: %s", path.c_str(),
                           std::strerror(errno));
                return fail(errc::io_error);
            }
            written += out.size();
            out.clear();
            return {};
        };
        auto r = for_each_batch(seg, buf, [&](std::span<const uint8_t> batch) -> result<void> {
            if (auto c = clean_batch(batch, latest, drop_tombstones, out, stats); !c) return c;
            return out.size() >= flush_bytes ? flush() : result<void>{};
        });
        if (r) r = flush();
        if (!r) {
            error = r.error();
            std::error_code ec;
            std::filesystem::remove(path, ec);
            discard();
            return;
        }
        if (stats.records_removed + stats.tombstones_removed == removed_before) {
            std::error_code ec;
            std::filesystem::remove(path, ec);  // nothing to clean in this one
            continue;
        }
        if (::fdatasync(fd->get()) != 0) {
            SLUICE_LOG(error, "storage", "cleaner: fdatasync of %s failed: %s", path.c_str(),
                       std::strerror(errno));
            error = errc::io_error;
            discard();
            return;
        }
        stats.bytes_before += seg.bytes;
        stats.bytes_after += written;
        rewritten.push_back(seg.base_offset);
    }
}

void compaction_job::discard() {
    std::error_code ec;
    for (int64_t base : rewritten) {
        std::filesystem::remove(dir / (segment::file_name(base, ".log") + ".cleaned"), ec);
    }
    rewritten.clear();
}

result<cleaner_stats> log::finish_compaction(compaction_job& job) {
    if (job.error) {
        job.discard();
        return fail(*job.error);
    }
    if (_offline) {
        job.discard();
        return fail(errc::log_offline);
    }
    // The files the job read must still be the range: retention, DeleteRecords or a
    // truncation may have removed some meanwhile, and the log end must be past it.
    bool unchanged = _next_offset >= job.range_end;
    for (const auto& seg : job.range) {
        auto it = _segments.find(seg.base_offset);
        unchanged = unchanged && it != _segments.end() && it->second->file() == seg.file &&
                    it->second->written_bytes() == seg.bytes && std::next(it) != _segments.end();
    }
    if (!unchanged) {
        SLUICE_LOG(info, "storage", "%s: segments changed during compaction; the pass is dropped",
                   _dir.c_str());
        job.discard();
        return cleaner_stats{};
    }
    // 5. Checkpoint first (recovery allows gaps below it), then the swaps.
    cleaner_stats st = job.stats;
    if (auto r = write_cleaner_checkpoint(job.range_end); !r) {
        job.discard();
        return fail(r.error());
    }
    for (int64_t base : job.rewritten) {
        if (auto r = swap_in_cleaned(base); !r) {
            go_offline(r.error());
            return fail(r.error());
        }
        ++st.segments_rewritten;
    }
    job.rewritten.clear();
    if (st.segments_rewritten > 0) {
        SLUICE_LOG(info, "storage",
                   "%s: compacted %zu segment(s), %" PRIu64 " -> %" PRIu64 " bytes, %" PRIu64
                   " records and %" PRIu64 " tombstones removed",
                   _dir.c_str(), st.segments_rewritten, st.bytes_before, st.bytes_after,
                   st.records_removed, st.tombstones_removed);
    }
    return st;
}

result<cleaner_stats> log::compact(int64_t now_ms) {
    if (_offline) return fail(errc::log_offline);
    cleaner_stats skipped;
    auto job = begin_compaction(now_ms, &skipped.dirty_ratio);
    if (!job) return skipped;  // with the dirty ratio that was too low, if that was why
    job->run();
    return finish_compaction(*job);
}

}  // namespace sluice::storage
