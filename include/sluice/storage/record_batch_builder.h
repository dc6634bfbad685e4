#pragma once
// Builds uncompressed RecordBatch v2 bytes, the way a Kafka producer does (Kafka's
// MemoryRecordsBuilder without codecs). Tests and benchmarks use it to make batches, and
// the broker will use it to write its internal topics. Layout: src/storage/README.md.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sluice/storage/record_batch.h"

namespace sluice::storage {

/// One record header: a non-null key string and a nullable value. Non-owning; add()
/// copies the bytes before it returns.
struct record_header {
    std::string_view key;
    std::optional<std::span<const uint8_t>> value;
};

/// Accumulates encoded records in memory; build() frames them with a header and CRC.
/// A plain value: one thread uses it, nothing is shared, nothing is written anywhere.
/// Offsets are dense (the i-th record added gets offsetDelta i) unless the caller gives
/// explicit deltas with add_at() and set_last_offset_delta(), as compaction does.
class record_batch_builder {
  public:
    /// Timestamps are stored as deltas from base_timestamp, which Kafka producers set to
    /// the first record's timestamp.
    record_batch_builder(int64_t base_offset, int64_t base_timestamp);

    /// Append one record; std::nullopt encodes a null key or value (length -1).
    record_batch_builder& add(std::optional<std::span<const uint8_t>> key,
                              std::optional<std::span<const uint8_t>> value, int64_t timestamp,
                              std::span<const record_header> headers = {});

    /// Append one record at an explicit offsetDelta, larger than any added before
    /// (compaction re-encodes the survivors of a batch at their original offsets).
    record_batch_builder& add_at(int32_t offset_delta, std::optional<std::span<const uint8_t>> key,
                                 std::optional<std::span<const uint8_t>> value, int64_t timestamp,
                                 std::span<const record_header> headers = {});
    /// lastOffsetDelta to write (default: the last record's delta); at least that delta.
    record_batch_builder& set_last_offset_delta(int32_t delta);
    /// maxTimestamp to write instead of the largest record timestamp (LogAppendTime
    /// batches keep theirs through compaction).
    record_batch_builder& set_max_timestamp(int64_t ts);

    // Idempotent-producer fields; -1 ("none") unless set, as a plain producer sends them.
    record_batch_builder& set_producer_id(int64_t id);
    record_batch_builder& set_producer_epoch(int16_t epoch);
    record_batch_builder& set_base_sequence(int32_t sequence);
    /// -1 unless set: producers leave it for the broker to fill in.
    record_batch_builder& set_partition_leader_epoch(int32_t epoch);
    record_batch_builder& set_transactional(bool on);
    record_batch_builder& set_control(bool on);
    record_batch_builder& set_timestamp_type(timestamp_type type);

    int32_t record_count() const { return _record_count; }

    /// The complete batch: header (lastOffsetDelta, maxTimestamp, recordCount, CRC all
    /// computed) followed by the records. Needs at least one record.
    std::vector<uint8_t> build() const;

  private:
    int64_t _base_offset;
    int64_t _base_timestamp;
    int64_t _max_timestamp;
    int64_t _producer_id = -1;
    int16_t _producer_epoch = -1;
    int32_t _base_sequence = -1;
    int32_t _partition_leader_epoch = -1;
    uint16_t _attributes = 0;
    int32_t _record_count = 0;
    int32_t _last_delta = -1;  // offsetDelta of the last record added
    std::optional<int32_t> _last_offset_delta;
    std::optional<int64_t> _max_timestamp_override;
    std::vector<uint8_t> _records;  // encoded records, in order
};

/// A deterministic batch for tests and benchmarks: base offset 0, `records` records with
/// key "key-<i>", a `value_bytes`-byte value drawn from a generator seeded by `seed`, and
/// timestamps base_timestamp + i. Same arguments, same bytes.
std::vector<uint8_t> make_test_batch(int records, size_t value_bytes, int64_t base_timestamp,
                                     uint32_t seed);

}  // namespace sluice::storage
