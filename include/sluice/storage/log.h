#pragma once
// log: one partition's append-only log, a sequence of segments (DESIGN.md "Storage").
//
// Owned by the partition's shard and driven by that shard's reactor; nothing here is
// thread-safe. Lifecycle: open() (recovers after an unclean stop) -> append()/read()/... ->
// the owner runs the reactor until idle() -> close().
//
// Append path and durability (group commit):
// - append() validates the batch in place, patches baseOffset (not covered by the CRC),
//   gives it a position and index entries, and queues the caller's bytes: no copy.
//   The bytes must stay valid until the waiter hears on_written (or failure).
// - At the end of the loop turn every queued batch of a segment goes out in one writev;
//   one write is in flight at a time. When it completes the batches are in the page cache
//   (written_end_offset advances, on_written: acks=1).
// - Whenever written data is not yet durable and no fdatasync is in flight, one is issued
//   on the oldest dirty segment, covering everything written to it so far. When it
//   completes durable_end_offset advances (on_durable: acks=all; on one broker this is
//   the high watermark). So at most one fdatasync is in flight and each covers every
//   batch whose write completed before it was issued.
// - A failed fdatasync takes the log offline (its pages may be lost; retrying could lie).
//   A failed write rolls back the batches not yet written: ENOSPC-like errors fail those
//   appends and keep the log online; other errors take it offline. After an ENOSPC-like
//   failure, append() reserves each batch's disk blocks before it gives it offsets, so
//   that while the disk stays full appends fail at once (io_error) with nothing to roll
//   back; the first write that succeeds ends that mode.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sluice/io/reactor.h"
#include "sluice/io/write_all_op.h"
#include "sluice/storage/compaction.h"
#include "sluice/storage/direct_writer.h"
#include "sluice/storage/errc.h"
#include "sluice/storage/log_config.h"
#include "sluice/storage/producer_state.h"
#include "sluice/storage/segment.h"

namespace sluice::storage {

/// Told when an appended batch is written and when it is durable. Caller-owned; must stay
/// alive until on_durable (or a failure) has been called.
class append_waiter {
  public:
    virtual ~append_waiter() = default;
    /// The batch reached the page cache (acks=1), or failed.
    virtual void on_written(result<void> r) { (void)r; }
    /// An fdatasync covering the batch completed (acks=all), or the batch failed. Always
    /// called exactly once per append, after on_written.
    virtual void on_durable(result<void> r) = 0;

  private:
    friend class log;
    int64_t _end_offset = 0;
    append_waiter* _next = nullptr;
};

/// Told whenever durable_end_offset advances (the high watermark of a single broker), so
/// that waiting fetches wake up without polling. Caller-owned; set with log::set_listener.
class log_listener {
  public:
    virtual ~log_listener() = default;
    virtual void on_durable_advanced(int64_t durable_end_offset) = 0;
};

/// Where recovery starts (from the log directory's checkpoints).
struct recovery_state {
    bool clean_shutdown = false;
    int64_t recovery_point = 0;    // everything below was flushed
    int64_t log_start_offset = 0;  // DeleteRecords / retention moved it here
};

/// A byte range of one segment holding whole batches, ready to splice to a socket.
struct read_slice {
    std::shared_ptr<segment_file> file;  // null when there is nothing to read
    uint64_t position = 0;
    uint32_t bytes = 0;
    int64_t first_offset = 0;  // base offset of the first batch
    int64_t next_offset = 0;   // offset after the last batch in the slice
    /// The same bytes in memory (log.write.mode=direct's tail cache), in pieces; empty
    /// when not all of them are there: then splice from the file. `mem_owners` keep them.
    std::vector<iovec> mem;
    std::vector<std::shared_ptr<const uint8_t>> mem_owners;
};

struct append_info {
    int64_t base_offset;
    int64_t last_offset;
    /// An idempotent producer's retry of a batch already in the log: nothing was appended,
    /// the offsets are the original's, and the waiter is told once those are durable.
    bool duplicate = false;
};

class log {
  public:
    static result<std::unique_ptr<log>> open(io::reactor& r, const std::filesystem::path& dir,
                                             const log_config& cfg, const recovery_state& rs,
                                             int64_t now_ms);
    ~log();
    log(const log&) = delete;
    log& operator=(const log&) = delete;

    /// Validate `batch` (max.message.bytes, CRC, records), check an idempotent producer's
    /// epoch and sequence (producer_state.h), assign offsets from the log end, and queue
    /// it for the group-committed write. `waiter` may be null (acks=0).
    result<append_info> append(std::span<uint8_t> batch, append_waiter* waiter, int64_t now_ms);

    /// Whole batches from the one containing `start`, all below `max_offset`, at most
    /// `max_bytes` except that the first batch is always whole. Reads only written data.
    /// offset_out_of_range when start < log_start_offset or start > log_end_offset.
    result<read_slice> read(int64_t start, int64_t max_offset, size_t max_bytes) const;

    /// The first offset whose record timestamp is >= ts (ListOffsets by time), or nullopt.
    std::optional<int64_t> offset_for_timestamp(int64_t ts) const;
    /// The same, with the found record's timestamp (what ListOffsets answers).
    std::optional<timestamp_and_offset> record_for_timestamp(int64_t ts) const;
    /// The largest timestamp in the log and the offset of its batch's last record
    /// (ListOffsets -3), or nullopt when the log is empty.
    std::optional<std::pair<int64_t, int64_t>> max_timestamp() const;

    /// Remove every record at offset >= `offset` (replication truncation). Only when
    /// idle(). A batch straddling `offset` goes whole.
    result<void> truncate_to(int64_t offset);
    /// Delete whole closed segments past retention.ms / retention.bytes or wholly below
    /// the log start offset. Returns the number deleted.
    result<size_t> apply_retention(int64_t now_ms);
    /// Compaction (cleanup.policy=compact, Kafka's LogCleaner), see log_cleaner.cc: keep
    /// only the latest record per key in the closed, durable segments that are older than
    /// min.compaction.lag.ms, once their dirty ratio reaches min.cleanable.dirty.ratio.
    /// Never touches the active segment. Crash-safe: a kill at any point leaves every
    /// key's latest record readable. In three steps (compaction.h) so that the reading and
    /// rewriting can run on a cleaner thread; compact() does all three here and now.
    /// nullptr when there is nothing to do; `dirty_ratio` (if given) gets the range's.
    std::unique_ptr<compaction_job> begin_compaction(int64_t now_ms, double* dirty_ratio = nullptr);
    result<cleaner_stats> finish_compaction(compaction_job& job);
    result<cleaner_stats> compact(int64_t now_ms);
    /// Forget idempotent producers whose last batch is older than `expiration_ms`
    /// (producer.id.expiration.ms); returns how many.
    size_t expire_producers(int64_t now_ms, int64_t expiration_ms);
    const producer_state& producers() const { return _producers; }
    /// Offsets below this were compacted at least once (the cleaner checkpoint).
    int64_t cleaner_checkpoint() const { return _cleaner_checkpoint; }

    /// Move the log start offset forward (DeleteRecords); at most the log end offset.
    result<void> advance_log_start_offset(int64_t offset);

    /// No write or fdatasync in flight and nothing queued.
    bool idle() const;
    /// Seal the active segment's indexes and sync; only when idle(). The log stays usable
    /// for reads; the owner destroys it afterwards.
    result<void> close();

    int64_t log_start_offset() const { return _log_start_offset; }
    /// Next offset to assign (includes queued batches).
    int64_t log_end_offset() const { return _next_offset; }
    int64_t written_end_offset() const { return _written_end; }
    /// Everything below is durable: the high watermark of a single broker.
    int64_t durable_end_offset() const { return _durable_end; }
    bool offline() const { return _offline; }
    size_t segment_count() const { return _segments.size(); }
    uint64_t size_bytes() const;
    const std::filesystem::path& dir() const { return _dir; }
    const log_config& config() const { return _cfg; }
    void set_config(const log_config& cfg) { _cfg = cfg; }
    void set_listener(log_listener* l) { _listener = l; }

    /// Counters for tests and metrics.
    struct stats {
        uint64_t writes = 0;      // writev submissions
        uint64_t syncs = 0;       // fdatasync submissions
        uint64_t batches = 0;     // batches appended
        uint64_t torn_bytes = 0;  // bytes cut off a torn tail at open
        uint64_t rolls = 0;
        uint64_t direct_writes = 0;  // writes that went out with O_DIRECT
    };
    const stats& counters() const { return _stats; }

  private:
    struct pending_batch {
        segment* seg;
        iovec iov;
        int64_t end_offset;
        /// The bytes iov points at when the log made them (recompression), else null.
        std::shared_ptr<const std::vector<uint8_t>> owned;
    };
    struct flush_task final : io::task {
        log* owner;
        void run() override { owner->pump(); }
    };
    struct write_done final : io::completion {
        log* owner;
        void complete(int32_t res, uint32_t) override { owner->on_write_done(res); }
    };
    struct sync_done final : io::completion {
        log* owner;
        void complete(int32_t res, uint32_t) override { owner->on_sync_done(res); }
    };

    log(io::reactor& r, std::filesystem::path dir, const log_config& cfg);
    result<void> recover(const recovery_state& rs, int64_t now_ms);
    result<void> roll(int64_t now_ms);
    bool should_roll(size_t batch_bytes, int64_t batch_max_timestamp, int64_t now_ms) const;
    segment& active() { return *_segments.rbegin()->second; }
    void pump();
    void start_write();
    void on_write_done(int32_t res);
    void on_sync_done(int32_t res);
    void roll_back_unwritten(errc why);
    void go_offline(errc why);
    void notify_written();
    void notify_durable();
    void fail_all_waiters(errc why);
    result<void> remove_segment(std::map<int64_t, std::unique_ptr<segment>>::iterator it);
    /// The config segments are scanned with: compacted offsets (gaps) are allowed once
    /// the log was ever compacted, whatever cleanup.policy says now.
    log_config scan_config() const;
    result<void> read_cleaner_checkpoint();
    result<void> write_cleaner_checkpoint(int64_t offset);
    result<void> swap_in_cleaned(int64_t base);
    // log_producers.cc
    /// The producer state from the newest snapshot at or below the log end plus the
    /// batches after it (at open and after truncation).
    result<void> rebuild_producer_state();
    /// Write the producer state as of `offset` (= the log end) and keep the two newest.
    void take_producer_snapshot(int64_t offset);
    void notify_duplicates();

    io::reactor& _reactor;
    std::filesystem::path _dir;
    log_config _cfg;
    std::map<int64_t, std::unique_ptr<segment>> _segments;  // base offset -> segment
    int64_t _log_start_offset = 0;
    int64_t _next_offset = 0;
    int64_t _written_end = 0;
    int64_t _durable_end = 0;
    bool _offline = false;
    /// A write failed with ENOSPC/EDQUOT/EFBIG and none has succeeded since: append()
    /// reserves each batch's blocks first (reserve_file_space) and fails fast without.
    bool _disk_full = false;
    int64_t _cleaner_checkpoint = 0;
    producer_state _producers;
    /// Duplicates of batches not yet durable when the retry came: (original end, waiter).
    std::vector<std::pair<int64_t, append_waiter*>> _duplicate_waiters;

    std::vector<pending_batch> _pending;
    size_t _pending_head = 0;
    size_t _inflight_count = 0;  // pending entries covered by the write in flight
    std::vector<iovec> _write_iov;
    direct_writer _direct;
    bool _inflight_direct = false;   // the write in flight went through _direct
    uint64_t _inflight_logical = 0;  // its bytes of batches (the direct write pads them)
    bool _direct_failed = false;     // warned once that O_DIRECT is unavailable here
    io::write_all_op _write_op;
    write_done _write_done;
    sync_done _sync_done;
    flush_task _flush_task;
    bool _sync_in_flight = false;
    segment* _sync_segment = nullptr;
    int64_t _sync_target = 0;
    int64_t _sync_started_ns = 0;  // for storage_probe's fdatasync latency
    std::vector<segment*> _dirty;  // segments with written but unsynced data, oldest first

    // Waiters in offset order: first those not yet written, then written-not-durable.
    append_waiter* _unwritten_head = nullptr;
    append_waiter* _unwritten_tail = nullptr;
    append_waiter* _undurable_head = nullptr;
    append_waiter* _undurable_tail = nullptr;

    log_listener* _listener = nullptr;
    stats _stats;
};

}  // namespace sluice::storage
