#pragma once
// batch_writer: encodes an uncompressed Kafka RecordBatch v2 of null-key records straight
// into one buffer that is reused from batch to batch, the producer's hot path in
// sluice-perf. Bytes are identical to storage::record_batch_builder's for the same records
// (a test checks it); the difference is cost: no allocation once the buffer has grown,
// no zero-fill, no copy between the records and the framed batch, and the caller writes
// each value in place.
//
// A plain value owned by one thread. Layout of the batch: src/storage/README.md.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace sluice::perf {

class batch_writer {
  public:
    /// Start an empty batch (base offset 0, no producer id, like a plain producer); the
    /// buffer keeps its capacity.
    void start(int64_t base_timestamp_ms);

    /// Append a record with a null key, no headers and a value of `value_bytes` bytes at
    /// `timestamp_ms` (>= the base timestamp). Returns where the caller writes the value;
    /// the pointer is valid until the next append().
    uint8_t* append(size_t value_bytes, int64_t timestamp_ms);

    int32_t record_count() const { return _record_count; }
    /// The batch's size if finished now.
    size_t size_bytes() const { return _size; }
    /// Encoded bytes of one such record (length prefix included), an upper bound.
    static size_t record_bytes_max(size_t value_bytes) { return value_bytes + 28; }

    /// Fill in the header (lengths, counts, max timestamp, CRC-32C) and return the whole
    /// batch, valid until the next start(). Needs at least one record.
    std::span<const uint8_t> finish();

  private:
    void reserve(size_t bytes);

    std::unique_ptr<uint8_t[]> _data;
    size_t _size = 0;
    size_t _capacity = 0;
    int64_t _base_timestamp = 0;
    int64_t _max_timestamp = 0;
    int32_t _record_count = 0;
};

}  // namespace sluice::perf
