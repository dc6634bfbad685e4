#pragma once
// segment: one `<base offset>.log` file with its `.index` and `.timeindex`.
//
// Owned by its log, on the partition's shard; not thread-safe. Lifecycle: create() (new,
// active) or open() (existing) -> recover() or load() -> appends while active -> seal() at
// roll -> remove() by retention, or destroyed at close. Readers hold a shared_ptr to the
// segment_file, so a segment removed while a splice is in flight keeps its fd open until
// the splice is done.
//
// Byte accounting (the log drives it): `accepted_bytes` counts batches given positions,
// `written_bytes` those whose write completed (in the page cache), and the segment's
// `synced_end_offset` says up to which offset an fdatasync has made the data durable.
// Index entries are added when a batch is accepted: a reader never looks past the written
// end, so an entry for unwritten data is never followed.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sluice/storage/errc.h"
#include "sluice/storage/file_util.h"
#include "sluice/storage/log_config.h"
#include "sluice/storage/offset_index.h"
#include "sluice/storage/record_batch.h"
#include "sluice/storage/tail_cache.h"
#include "sluice/storage/time_index.h"

namespace sluice::storage {

/// The open `.log` file, shared with in-flight reads.
struct segment_file {
    unique_fd fd;
    std::filesystem::path path;
};

/// The header fields of one batch as found in a segment file.
struct batch_header {
    uint64_t position;
    int64_t base_offset;
    int64_t last_offset;
    int64_t max_timestamp;
    uint32_t size_bytes;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t base_sequence = -1;
};

/// What recovery found in a segment.
struct segment_scan {
    uint64_t valid_bytes = 0;  // bytes of whole, valid batches from the start
    int64_t next_offset = 0;   // offset after the last valid batch (base if none)
    uint64_t batches = 0;
    std::optional<errc> problem;  // why scanning stopped before the end of the file
    std::string detail;           // the problem in words, with the position
};

class segment {
  public:
    /// File names: 20-digit zero-padded base offset + extension (Kafka's layout).
    static std::string file_name(int64_t base_offset, const char* extension);

    static result<std::unique_ptr<segment>> create(const std::filesystem::path& dir,
                                                   int64_t base_offset, const log_config& cfg,
                                                   int64_t now_ms);
    /// Open existing files; `active` maps the indexes writable (preallocated).
    /// `indexes_expected` false: the caller removed the indexes on purpose (compaction's
    /// swap), so rebuilding them is routine rather than worth a warning.
    static result<std::unique_ptr<segment>> open(const std::filesystem::path& dir,
                                                 int64_t base_offset, const log_config& cfg,
                                                 bool active, bool indexes_expected = true);

    /// Validate every batch from the start, rebuild both indexes, and stop at the first
    /// torn or invalid batch (the caller decides whether that is a torn tail or corruption).
    segment_scan recover(const log_config& cfg);
    /// Trust the files (clean shutdown, or flushed data): sanity-check the indexes
    /// (rebuilding them via recover() if they fail) and find the end. `file_bytes` of
    /// a trusted segment are all valid.
    result<void> load(const log_config& cfg);

    /// Give the next batch its position, maintain the indexes and timestamps.
    /// Returns the file position the batch will be written at.
    uint64_t accept(const batch_info& b, const log_config& cfg);
    void on_written(uint64_t bytes) { _written_bytes += bytes; }

    /// The first batch whose last offset >= target, scanning from the index entry, among
    /// batches within [0, bound_bytes). nullopt if none.
    std::optional<batch_header> find_batch(int64_t target, uint64_t bound_bytes) const;
    /// Reads the header of the batch at `position` if it lies within bound_bytes.
    std::optional<batch_header> read_header(uint64_t position, uint64_t bound_bytes) const;
    /// An indexed batch start at or before `max_position` whose base offset is at most
    /// `max_offset` (reads use it to skip whole batches without reading their headers).
    std::optional<offset_index::index_entry> indexed_batch_before(uint64_t max_position,
                                                                  int64_t max_offset) const {
        return _offsets.floor_by_position(max_position, max_offset);
    }
    /// The first record with timestamp >= ts in this segment, or nullopt.
    std::optional<timestamp_and_offset> find_record_for_timestamp(int64_t ts,
                                                                  uint64_t bound_bytes) const;

    /// Remove every batch with last offset >= offset (a straddling batch goes whole).
    /// Only when no write is in flight. Returns the new next offset.
    result<int64_t> truncate_to(int64_t offset, const log_config& cfg);
    /// Roll: record the final time index entry and trim both indexes to their entries.
    result<void> seal();
    /// Unlink all three files (open readers keep the .log fd alive).
    result<void> remove();
    /// fdatasync the .log file (synchronous; startup, truncation and close only).
    result<void> sync_now();
    /// The .log opened for O_DIRECT writes (log.write.mode=direct), opened on first use.
    result<int> direct_fd();
    /// Cut a direct write's zero padding past the written end (when the segment takes no
    /// more writes: sealed and written, or at close). The caller syncs.
    result<void> trim_padding();

    /// Tail cache (log.write.mode=direct, storage/tail_cache.h): the staging copy of a
    /// completed direct write, holding file bytes [start, end), kept (within the shard's
    /// `budget`) so reads at the tail need not go to the device.
    void cache_written(std::shared_ptr<const uint8_t> bytes, uint64_t start, uint64_t end,
                       uint64_t budget);
    void drop_cache();
    /// File bytes [pos, pos + len) from the cached copies, as pieces (`owners` keep them
    /// alive); false if the copies do not hold them all.
    bool cached(uint64_t pos, uint64_t len, std::vector<iovec>& iov,
                std::vector<std::shared_ptr<const uint8_t>>* owners) const {
        return tail_cache::gather(_cache, pos, len, iov, owners);
    }
    ~segment();

    int64_t base_offset() const { return _base_offset; }
    int64_t next_offset() const { return _next_offset; }
    uint64_t accepted_bytes() const { return _accepted_bytes; }
    uint64_t written_bytes() const { return _written_bytes; }
    int64_t max_timestamp() const { return _max_timestamp; }
    int64_t offset_of_max_timestamp() const { return _offset_of_max_timestamp; }
    /// Timestamp the segment.ms roll is measured from (first batch's max timestamp, else
    /// the creation time), as Kafka's LogSegment.rollingBasedTimestamp.
    int64_t rolling_base_ms() const { return _rolling_base_ms; }
    /// Kafka's LogSegment.timeWaitedForRoll: once the segment's first batch had a
    /// timestamp, time is measured in record time (the new batch's max timestamp minus
    /// that one), so replaying old data does not roll on every batch; else in wall time
    /// since the segment was created.
    int64_t time_waited_for_roll(int64_t batch_max_timestamp, int64_t now_ms) const {
        return _rolling_base_is_batch_ts ? batch_max_timestamp - _rolling_base_ms
                                         : now_ms - _rolling_base_ms;
    }
    bool empty() const { return _accepted_bytes == 0; }
    bool indexes_full() const { return _offsets.full() || _times.full(); }
    int fd() const { return _file->fd.get(); }
    const std::shared_ptr<segment_file>& file() const { return _file; }

    // Maintained by the log's flush pipeline: the offset after the last batch whose write
    // completed, and after the last batch an fdatasync has covered.
    int64_t written_end_offset = 0;
    int64_t synced_end_offset = 0;

  private:
    segment(std::shared_ptr<segment_file> file, offset_index offsets, time_index times,
            int64_t base_offset);
    result<void> reopen_indexes_writable(const log_config& cfg);
    void reset_index_state();
    void index_batch(const batch_header& h, const log_config& cfg);

    std::shared_ptr<segment_file> _file;
    unique_fd _direct_fd;
    tail_cache::copies _cache;  // this segment's copies in the shard's tail cache
    offset_index _offsets;
    time_index _times;
    std::filesystem::path _dir;
    int64_t _base_offset;
    int64_t _next_offset;
    uint64_t _accepted_bytes = 0;
    uint64_t _written_bytes = 0;
    uint64_t _bytes_since_index_entry = 0;
    int64_t _max_timestamp = -1;
    int64_t _offset_of_max_timestamp = -1;
    int64_t _rolling_base_ms = -1;
    bool _rolling_base_is_batch_ts = false;
};

}  // namespace sluice::storage
