#pragma once
// Kafka RecordBatch v2 (magic 2, KIP-98), the unit the broker receives, stores and serves.
// A segment file is these batches back to back, byte for byte as producers sent them, so
// this header is both our wire format and our on-disk format. The byte layout, what the
// CRC covers and a worked example are in src/storage/README.md.
//
// Everything here is a pure function of the bytes it is given: no I/O, no allocation, no
// shared state, so any shard may call it on any buffer it owns.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sluice/common/assert.h"
#include "sluice/common/endian.h"
#include "sluice/storage/errc.h"

namespace sluice::storage {

/// Byte position of each v2 header field from the start of the batch (all big-endian).
namespace batch_field {
inline constexpr size_t base_offset = 0;              // int64
inline constexpr size_t batch_length = 8;             // int32: bytes after this field
inline constexpr size_t partition_leader_epoch = 12;  // int32
inline constexpr size_t magic = 16;                   // int8
inline constexpr size_t crc = 17;                     // uint32: CRC-32C of [attributes, end)
inline constexpr size_t attributes = 21;              // int16
inline constexpr size_t last_offset_delta = 23;       // int32
inline constexpr size_t base_timestamp = 27;          // int64
inline constexpr size_t max_timestamp = 35;           // int64
inline constexpr size_t producer_id = 43;             // int64
inline constexpr size_t producer_epoch = 51;          // int16
inline constexpr size_t base_sequence = 53;           // int32
inline constexpr size_t record_count = 57;            // int32
}  // namespace batch_field

/// Size of the fixed header; the records follow it.
inline constexpr size_t batch_header_bytes = 61;
/// baseOffset + batchLength: the bytes not counted by batchLength (Kafka's LOG_OVERHEAD).
inline constexpr size_t batch_log_overhead_bytes = 12;
/// The smallest batchLength that leaves room for a whole header.
inline constexpr int32_t batch_length_min =
    static_cast<int32_t>(batch_header_bytes - batch_log_overhead_bytes);
inline constexpr int8_t batch_magic_v2 = 2;

/// Bits of the attributes field (Kafka's DefaultRecordBatch).
namespace batch_attribute {
inline constexpr uint16_t compression_mask = 0x07;
inline constexpr uint16_t log_append_time = 0x08;
inline constexpr uint16_t transactional = 0x10;
inline constexpr uint16_t control = 0x20;
inline constexpr uint16_t delete_horizon = 0x40;  // set by compaction only (KIP-534)
}  // namespace batch_attribute

enum class compression_type : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };
enum class timestamp_type : uint8_t { create_time = 0, log_append_time = 1 };

/// A read-only view of one v2 batch header over bytes owned by the caller; the view must
/// not outlive them. It checks only that the 61 header bytes exist: the values are as
/// found, so use them only after validate_batch accepted the bytes (or when they came
/// from our own log, which holds nothing else).
class record_batch_view {
  public:
    explicit record_batch_view(std::span<const uint8_t> bytes) : _bytes(bytes) {
        SLUICE_ASSERT(bytes.size() >= batch_header_bytes, "batch view over %zu bytes",
                      bytes.size());
    }

    std::span<const uint8_t> bytes() const { return _bytes; }
    /// The records area: everything after the fixed header, up to the end of the view.
    std::span<const uint8_t> records() const { return _bytes.subspan(batch_header_bytes); }

    int64_t base_offset() const { return i64(batch_field::base_offset); }
    int32_t batch_length() const { return i32(batch_field::batch_length); }
    /// The whole batch including baseOffset and batchLength. Meaningful only once
    /// batch_length() is known to be >= batch_length_min.
    size_t size_bytes() const {
        return batch_log_overhead_bytes + static_cast<uint32_t>(batch_length());
    }
    int32_t partition_leader_epoch() const { return i32(batch_field::partition_leader_epoch); }
    int8_t magic() const { return static_cast<int8_t>(_bytes[batch_field::magic]); }
    uint32_t crc() const { return common::load_be32(at(batch_field::crc)); }
    int16_t attributes() const { return i16(batch_field::attributes); }
    /// The codec id as found: 5..7 are invalid and refused by validate_batch.
    compression_type compression() const {
        return static_cast<compression_type>(attr_bits() & batch_attribute::compression_mask);
    }
    storage::timestamp_type timestamp_type() const {
        return (attr_bits() & batch_attribute::log_append_time) != 0
                   ? storage::timestamp_type::log_append_time
                   : storage::timestamp_type::create_time;
    }
    bool is_transactional() const { return (attr_bits() & batch_attribute::transactional) != 0; }
    bool is_control() const { return (attr_bits() & batch_attribute::control) != 0; }
    int32_t last_offset_delta() const { return i32(batch_field::last_offset_delta); }
    int64_t last_offset() const { return base_offset() + last_offset_delta(); }
    int64_t base_timestamp() const { return i64(batch_field::base_timestamp); }
    int64_t max_timestamp() const { return i64(batch_field::max_timestamp); }
    int64_t producer_id() const { return i64(batch_field::producer_id); }
    int16_t producer_epoch() const { return i16(batch_field::producer_epoch); }
    int32_t base_sequence() const { return i32(batch_field::base_sequence); }
    int32_t record_count() const { return i32(batch_field::record_count); }

  private:
    const uint8_t* at(size_t pos) const { return _bytes.data() + pos; }
    uint16_t attr_bits() const { return common::load_be16(at(batch_field::attributes)); }
    int16_t i16(size_t pos) const { return static_cast<int16_t>(common::load_be16(at(pos))); }
    int32_t i32(size_t pos) const { return static_cast<int32_t>(common::load_be32(at(pos))); }
    int64_t i64(size_t pos) const { return static_cast<int64_t>(common::load_be64(at(pos))); }

    std::span<const uint8_t> _bytes;
};

/// What the log needs to know about a batch it accepted, copied out of the header so the
/// caller can drop the view.
struct batch_info {
    int64_t base_offset;
    int32_t last_offset_delta;
    int32_t record_count;
    int64_t base_timestamp;
    int64_t max_timestamp;
    compression_type compression;
    storage::timestamp_type timestamp_type;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    bool is_transactional;
    bool is_control;
    size_t size_bytes;

    int64_t last_offset() const { return base_offset + last_offset_delta; }
};

/// Check that `bytes` hold exactly one well-formed v2 batch of at most `max_batch_bytes`
/// (the topic's max.message.bytes, which like Kafka's counts the whole batch). The checks
/// run cheapest and most telling first, so the errc names the first thing wrong:
/// batch_too_short, batch_length_mismatch, unsupported_magic, batch_too_large,
/// crc_mismatch, invalid_record_count, then (uncompressed batches only) the record walk:
/// invalid_record, offset_delta_mismatch, invalid_record_count.
///
/// How record offsets inside a batch must look.
enum class offset_rule : uint8_t {
    /// lastOffsetDelta == recordCount - 1 and record i carries offsetDelta i: what
    /// producers send, and all a log without the compact policy ever holds.
    dense,
    /// Batches rewritten by compaction keep their baseOffset and lastOffsetDelta with fewer
    /// records (Kafka's LogCleaner): offset deltas strictly increase within
    /// [0, lastOffsetDelta] and lastOffsetDelta >= recordCount - 1.
    compacted,
};

/// What to do with the records of a compressed batch.
enum class compressed_records : uint8_t {
    /// Decompress them (at most max_decompressed_records_bytes, else corrupt_compression)
    /// and walk them like an uncompressed batch's, as Kafka validates a producer's batch
    /// without trusting the outer header.
    check,
    /// Header and CRC only: bytes that passed `check` once (recovery, reads).
    skip,
};

/// The largest records area a compressed batch may decompress to: a bigger one is refused
/// as a zip bomb (corrupt_compression, which producers see as CORRUPT_MESSAGE).
inline constexpr size_t max_decompressed_records_bytes = 64u << 20;

/// Offsets must follow `rule` (dense unless the log is compacted).
[[nodiscard]] result<batch_info> validate_batch(
    std::span<const uint8_t> bytes, size_t max_batch_bytes, offset_rule rule = offset_rule::dense,
    compressed_records compressed = compressed_records::check);

/// The records area of `batch` (which passed validate_batch), decompressed into `out`
/// (replacing its contents); for an uncompressed batch a copy. corrupt_compression when the
/// codec refuses it or it exceeds max_decompressed_records_bytes.
[[nodiscard]] result<void> decompress_records(std::span<const uint8_t> batch,
                                              std::vector<uint8_t>& out);

/// `batch` (which passed validate_batch's header checks) with its records checked and
/// stored in codec `target` (0 none ... 4 zstd, Kafka's attribute ids) at `level` (the
/// codec library's), into `out`: every header field kept but the codec bits, the length
/// and the CRC. The broker's compression.type.
[[nodiscard]] result<void> recompress_batch(std::span<const uint8_t> batch, uint8_t target,
                                            int level, std::vector<uint8_t>& out,
                                            offset_rule rule = offset_rule::dense);

/// The size of the batch that starts `prefix` (12 + batchLength), read from its first 12
/// bytes; nullopt if fewer than 12 bytes are given or batchLength is too small for a
/// header (which also covers a negative length). Recovery steps through a segment with it.
[[nodiscard]] std::optional<size_t> peek_batch_size(std::span<const uint8_t> prefix);

/// Overwrite baseOffset / partitionLeaderEpoch in place. The CRC starts at attributes,
/// after both fields, precisely so that a broker can assign them without recomputing it.
void patch_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void patch_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);

/// message.timestamp.type=LogAppendTime: set the timestamp-type attribute bit and
/// maxTimestamp to `now_ms`, then recompute the CRC (both fields are covered by it).
/// Readers take every record's timestamp from maxTimestamp when the bit is set.
void stamp_log_append_time(std::span<uint8_t> batch, int64_t now_ms);

/// The offset of the first record in `batch` whose timestamp is >= target_ts, or nullopt
/// if none is (ListOffsets by timestamp, and the time index). `batch` must have passed
/// validate_batch: a malformed batch here is a broken invariant and aborts.
[[nodiscard]] std::optional<int64_t> find_offset_for_timestamp(std::span<const uint8_t> batch,
                                                               int64_t target_ts);

/// A record found by timestamp: its timestamp and offset (ListOffsets answers both).
struct timestamp_and_offset {
    int64_t timestamp;
    int64_t offset;
};
/// As find_offset_for_timestamp, with the found record's own timestamp.
[[nodiscard]] std::optional<timestamp_and_offset> find_record_for_timestamp(
    std::span<const uint8_t> batch, int64_t target_ts);

}  // namespace sluice::storage
