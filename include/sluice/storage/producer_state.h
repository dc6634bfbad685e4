#pragma once
// producer_state: what a partition remembers of each idempotent producer (Kafka's
// ProducerStateManager): its latest epoch and the sequence numbers and offsets of its last
// five batches, so that a retried batch is recognised and answered with the offsets it got
// the first time, a gap in the sequence is refused (OUT_OF_ORDER_SEQUENCE_NUMBER) and a
// fenced epoch too (INVALID_PRODUCER_EPOCH).
//
// Rules (Kafka's ProducerAppendInfo):
// - a batch whose epoch equals the producer's and whose first and last sequence equal one
//   of its last five batches' is a duplicate: not appended, answered with that batch's
//   offsets;
// - an epoch older than the producer's latest: invalid_producer_epoch;
// - a newer epoch must start at sequence 0 (unless the producer was unknown);
// - the same epoch must continue at last sequence + 1 (INT32_MAX wraps to 0);
// - a producer the partition does not know (new, expired, or its batches deleted) may
//   start at any sequence.
//
// Snapshots (`<20-digit offset>.snapshot` beside the segments) hold the state as of an
// offset, in Kafka's ProducerSnapshot v1 layout (all big-endian):
//   int16 version = 1 | uint32 crc32c of what follows | int32 count | count x entry
//   entry: int64 producer_id | int16 epoch | int32 last_sequence | int64 last_offset |
//          int32 offset_delta | int64 timestamp | int32 coordinator_epoch (-1) |
//          int64 current_txn_first_offset (-1)
// Like Kafka, a snapshot keeps only each producer's last batch. The log rebuilds the
// state at open from the newest snapshot at or below its end, then the batches after it.
//
// Owned by one log on its shard; not thread-safe.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "sluice/storage/errc.h"
#include "sluice/storage/record_batch.h"

namespace sluice::storage {

/// One appended batch of a producer (Kafka's BatchMetadata).
struct producer_batch {
    int32_t first_sequence = 0;
    int32_t last_sequence = 0;
    int64_t first_offset = 0;
    int64_t last_offset = 0;
    int64_t timestamp = 0;  // the batch's max timestamp
};

struct producer_entry {
    int16_t epoch = -1;
    std::deque<producer_batch> batches;  // the last five, oldest first
    int64_t last_timestamp = 0;
};

/// The producer fields of a batch's header, as the check needs them.
struct producer_batch_header {
    int64_t producer_id = -1;
    int16_t epoch = -1;
    int32_t base_sequence = -1;
    int32_t last_offset_delta = 0;
    int64_t max_timestamp = 0;
};

/// A batch's last sequence: base + lastOffsetDelta, wrapping past INT32_MAX to 0.
int32_t last_sequence_of(int32_t base_sequence, int32_t last_offset_delta);

class producer_state {
  public:
    static constexpr size_t batches_kept = 5;

    /// Whether a batch may be appended: nullopt if it may, a duplicate's original batch if
    /// it was appended before, or an error. Batches without a producer id always may.
    result<std::optional<producer_batch>> check(const producer_batch_header& b) const;
    /// Record a batch appended at [first_offset, first_offset + last_offset_delta].
    void update(const producer_batch_header& b, int64_t first_offset);

    /// Forget producers whose last batch lies below `offset` (retention, DeleteRecords).
    size_t remove_below(int64_t offset);
    /// Forget producers silent since `now_ms - expiration_ms` (producer.id.expiration.ms).
    size_t expire(int64_t now_ms, int64_t expiration_ms);
    void clear() { _producers.clear(); }

    const producer_entry* find(int64_t producer_id) const;
    size_t size() const { return _producers.size(); }

    /// Snapshot bytes (Kafka's ProducerSnapshot v1), and the state read back from them
    /// (corrupt_index when the CRC or the layout is wrong).
    std::vector<uint8_t> encode_snapshot() const;
    static result<producer_state> decode_snapshot(std::span<const uint8_t> bytes);

  private:
    std::map<int64_t, producer_entry> _producers;
};

/// `<dir>/<20-digit offset>.snapshot` files, sorted by offset.
std::vector<int64_t> list_producer_snapshots(const std::filesystem::path& dir);
std::filesystem::path producer_snapshot_path(const std::filesystem::path& dir, int64_t offset);

}  // namespace sluice::storage
