#include "sluice/storage/record_batch.h"

#include "record_field_reader.h"
#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/common/varint.h"
#include "sluice/compression/codec.h"

namespace sluice::storage {

namespace {

struct record_summary {
    int64_t timestamp_delta;
    int32_t offset_delta;
    const uint8_t* next;  // first byte after this record
};

// One record (Kafka's DefaultRecord): length varint, then a body of exactly that many
// bytes: attributes int8, timestampDelta varlong, offsetDelta varint, key, value,
// headers.
result<record_summary> parse_record(const uint8_t* p, const uint8_t* batch_end) {
    auto length = common::decode_varint(p, batch_end);
    if (!length || length->value < 0) return fail(errc::invalid_record);
    const uint8_t* body = p + length->size_bytes;
    if (length->value > batch_end - body) return fail(errc::invalid_record);
    const uint8_t* body_end = body + length->value;

    record_field_reader r(body, body_end);
    record_summary s{0, 0, body_end};
    int32_t header_count = 0;
    if (!r.skip(1) || !r.varlong(s.timestamp_delta) || !r.varint(s.offset_delta) ||
        !r.skip_nullable() || !r.skip_nullable() || !r.varint(header_count) || header_count < 0) {
        return fail(errc::invalid_record);
    }
    // Each header takes at least two bytes, so a huge count fails fast on the bound.
    for (int32_t i = 0; i < header_count; ++i) {
        int32_t key_length = 0;
        if (!r.varint(key_length) || !r.skip(key_length) || !r.skip_nullable()) {
            return fail(errc::invalid_record);
        }
    }
    if (!r.at_end()) return fail(errc::invalid_record);  // declared longer than its fields
    return s;
}

// Walks the records area of an uncompressed batch, checking every record, and calls
// visit(summary) for each in order until it returns false. Offset deltas must follow
// `rule`: dense, or (compacted) strictly increasing and at most last_offset_delta.
template <class Visit>
result<void> walk_records(std::span<const uint8_t> area, int32_t record_count, offset_rule rule,
                          int32_t last_offset_delta, Visit&& visit) {
    int32_t previous_delta = -1;
    const uint8_t* p = area.data();
    const uint8_t* const end = p + area.size();
    for (int32_t i = 0; i < record_count; ++i) {
        if (p == end) return fail(errc::invalid_record_count);  // fewer than declared
        auto record = parse_record(p, end);
        if (!record) return fail(record.error());
        if (rule == offset_rule::dense ? record->offset_delta != i
                                       : (record->offset_delta <= previous_delta ||
                                          record->offset_delta > last_offset_delta)) {
            return fail(errc::offset_delta_mismatch);
        }
        previous_delta = record->offset_delta;
        if (!visit(*record)) return {};
        p = record->next;
    }
    if (p == end) return {};
    // Bytes are left over. If they parse as another record the count was understated;
    // otherwise it is garbage after the last record.
    return parse_record(p, end) ? fail(errc::invalid_record_count) : fail(errc::invalid_record);
}

batch_info info_of(const record_batch_view& v) {
    return batch_info{
        .base_offset = v.base_offset(),
        .last_offset_delta = v.last_offset_delta(),
        .record_count = v.record_count(),
        .base_timestamp = v.base_timestamp(),
        .max_timestamp = v.max_timestamp(),
        .compression = v.compression(),
        .timestamp_type = v.timestamp_type(),
        .producer_id = v.producer_id(),
        .producer_epoch = v.producer_epoch(),
        .base_sequence = v.base_sequence(),
        .is_transactional = v.is_transactional(),
        .is_control = v.is_control(),
        .size_bytes = v.size_bytes(),
    };
}

}  // namespace

result<batch_info> validate_batch(std::span<const uint8_t> bytes, size_t max_batch_bytes,
                                  offset_rule rule, compressed_records compressed) {
    if (bytes.size() < batch_header_bytes) return fail(errc::batch_too_short);
    const record_batch_view view(bytes);
    const int32_t length = view.batch_length();
    if (length < batch_length_min || view.size_bytes() != bytes.size()) {
        return fail(errc::batch_length_mismatch);
    }
    if (view.magic() != batch_magic_v2) return fail(errc::unsupported_magic);
    if (bytes.size() > max_batch_bytes) return fail(errc::batch_too_large);

    // Everything from here on is covered by the CRC, so a flipped bit in it reports as
    // crc_mismatch rather than as whichever field it happened to land in.
    const size_t covered = bytes.size() - batch_field::attributes;
    if (common::crc32c(bytes.data() + batch_field::attributes, covered) != view.crc()) {
        return fail(errc::crc_mismatch);
    }
    const int32_t count = view.record_count();
    // In 64 bits: a hostile count of INT32_MIN must not overflow.
    const int64_t last_delta = view.last_offset_delta();
    const int64_t count_minus_one = static_cast<int64_t>(count) - 1;
    const bool count_ok =
        rule == offset_rule::dense ? last_delta == count_minus_one : last_delta >= count_minus_one;
    if (count < 1 || !count_ok) {
        return fail(errc::invalid_record_count);
    }
    // baseOffset is not covered by the CRC: a stored batch whose offsets would run past
    // INT64_MAX is damaged (a producer's batch gets its base offset from the log anyway).
    if (view.base_offset() < 0 || view.base_offset() > INT64_MAX - view.last_offset_delta()) {
        return fail(errc::invalid_record);
    }
    // A codec id of 5..7 has no meaning; Kafka refuses the batch too (CompressionType.forId).
    if (static_cast<uint8_t>(view.compression()) > static_cast<uint8_t>(compression_type::zstd)) {
        return fail(errc::invalid_record);
    }
    if (view.compression() == compression_type::none) {
        auto walked = walk_records(view.records(), count, rule, view.last_offset_delta(),
                                   [](const record_summary&) { return true; });
        if (!walked) return fail(walked.error());
    } else if (compressed == compressed_records::check) {
        // Kafka's rule: the records inside must match the outer header (count, offset
        // deltas), whatever the outer header says. One scratch buffer per thread, given
        // back when a big batch has passed.
        thread_local std::vector<uint8_t> plain;
        auto r = decompress_records(bytes, plain);
        if (r) {
            r = walk_records(plain, count, rule, view.last_offset_delta(),
                             [](const record_summary&) { return true; });
        }
        if (plain.capacity() > (8u << 20)) std::vector<uint8_t>().swap(plain);
        if (!r) return fail(r.error());
    }
    return info_of(view);
}

result<void> decompress_records(std::span<const uint8_t> batch, std::vector<uint8_t>& out) {
    const record_batch_view view(batch);
    out.clear();
    if (view.compression() == compression_type::none) {
        out.assign(view.records().begin(), view.records().end());
        return {};
    }
    auto c = compression::codec_from_id(static_cast<uint8_t>(view.compression()));
    if (!c) return fail(errc::invalid_record);
    auto r = compression::decompress(*c, view.records(), out, max_decompressed_records_bytes);
    if (!r) return fail(errc::corrupt_compression);
    return {};
}

result<void> recompress_batch(std::span<const uint8_t> batch, uint8_t target, int level,
                              std::vector<uint8_t>& out, offset_rule rule) {
    auto codec = compression::codec_from_id(target);
    if (!codec) return fail(errc::invalid_record);
    const record_batch_view view(batch);
    thread_local std::vector<uint8_t> plain;
    if (auto r = decompress_records(batch, plain); !r) return r;
    auto walked = walk_records(plain, view.record_count(), rule, view.last_offset_delta(),
                               [](const record_summary&) { return true; });
    if (!walked) return fail(walked.error());
    out.assign(batch.begin(), batch.begin() + batch_header_bytes);
    if (*codec == compression::codec::none) {
        out.insert(out.end(), plain.begin(), plain.end());
    } else if (!compression::compress(*codec, plain, out, level)) {
        return fail(errc::invalid_record);  // a level the config check should have refused
    }
    if (plain.capacity() > (8u << 20)) std::vector<uint8_t>().swap(plain);
    if (out.size() - batch_log_overhead_bytes > static_cast<size_t>(INT32_MAX)) {
        return fail(errc::batch_too_large);
    }
    uint8_t* p = out.data();
    common::store_be32(p + batch_field::batch_length,
                       static_cast<uint32_t>(out.size() - batch_log_overhead_bytes));
    uint16_t attrs = common::load_be16(p + batch_field::attributes);
    attrs = static_cast<uint16_t>((attrs & ~batch_attribute::compression_mask) | target);
    common::store_be16(p + batch_field::attributes, attrs);
    common::store_be32(p + batch_field::crc, common::crc32c(p + batch_field::attributes,
                                                            out.size() - batch_field::attributes));
    return {};
}

std::optional<size_t> peek_batch_size(std::span<const uint8_t> prefix) {
    if (prefix.size() < batch_log_overhead_bytes) return std::nullopt;
    const auto length =
        static_cast<int32_t>(common::load_be32(prefix.data() + batch_field::batch_length));
    if (length < batch_length_min) return std::nullopt;
    return batch_log_overhead_bytes + static_cast<size_t>(length);
}

void patch_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
    SLUICE_ASSERT(batch.size() >= batch_header_bytes, "patching a %zu-byte batch", batch.size());
    common::store_be64(batch.data() + batch_field::base_offset, static_cast<uint64_t>(base_offset));
}

void patch_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
    SLUICE_ASSERT(batch.size() >= batch_header_bytes, "patching a %zu-byte batch", batch.size());
    common::store_be32(batch.data() + batch_field::partition_leader_epoch,
                       static_cast<uint32_t>(epoch));
}

void stamp_log_append_time(std::span<uint8_t> batch, int64_t now_ms) {
    SLUICE_ASSERT(batch.size() >= batch_header_bytes, "stamping a %zu-byte batch", batch.size());
    uint8_t* p = batch.data();
    uint16_t attrs = common::load_be16(p + batch_field::attributes);
    common::store_be16(p + batch_field::attributes, attrs | batch_attribute::log_append_time);
    common::store_be64(p + batch_field::max_timestamp, static_cast<uint64_t>(now_ms));
    const size_t covered = batch_field::attributes;
    common::store_be32(p + batch_field::crc, common::crc32c(p + covered, batch.size() - covered));
}

std::optional<int64_t> find_offset_for_timestamp(std::span<const uint8_t> batch,
                                                 int64_t target_ts) {
    auto found = find_record_for_timestamp(batch, target_ts);
    if (!found) return std::nullopt;
    return found->offset;
}

std::optional<timestamp_and_offset> find_record_for_timestamp(std::span<const uint8_t> batch,
                                                              int64_t target_ts) {
    const record_batch_view view(batch);
    // LogAppendTime: every record's timestamp is the batch's maxTimestamp (Kafka's
    // DefaultRecordBatch reports it for each record), so the first record decides.
    auto whole_batch = [&]() -> std::optional<timestamp_and_offset> {
        if (view.max_timestamp() >= target_ts) {
            return timestamp_and_offset{view.max_timestamp(), view.base_offset()};
        }
        return std::nullopt;
    };
    if (view.timestamp_type() == timestamp_type::log_append_time) return whole_batch();
    std::span<const uint8_t> records = view.records();
    thread_local std::vector<uint8_t> plain;
    if (view.compression() != compression_type::none) {
        // The records inside were checked at append. A batch stored before Sluice had the
        // codecs was not: if it does not decompress, answer for the whole batch (a consumer
        // starting at its base offset sees every record at or after target_ts).
        if (view.max_timestamp() < target_ts) return std::nullopt;
        if (!decompress_records(batch, plain)) return whole_batch();
        records = plain;
    }
    // CreateTime: walk the records rather than trusting maxTimestamp, which the producer
    // wrote and we store unchanged. The batch may come from a compacted log (gaps).
    const int64_t base_ts = view.base_timestamp();
    std::optional<timestamp_and_offset> found;
    auto walked =
        walk_records(records, view.record_count(), offset_rule::compacted, view.last_offset_delta(),
                     [&](const record_summary& r) {
                         int64_t ts = 0;
                         // A producer may send any delta; saturate rather than overflow.
                         if (__builtin_add_overflow(base_ts, r.timestamp_delta, &ts)) {
                             ts = r.timestamp_delta > 0 ? INT64_MAX : INT64_MIN;
                         }
                         if (ts < target_ts) return true;
                         found = timestamp_and_offset{ts, view.base_offset() + r.offset_delta};
                         return false;
                     });
    if (view.compression() != compression_type::none) {
        if (plain.capacity() > (8u << 20)) std::vector<uint8_t>().swap(plain);
        if (!walked) return whole_batch();
    }
    SLUICE_ASSERT(walked.has_value(), "timestamp lookup in a malformed batch at offset %lld: %s",
                  static_cast<long long>(view.base_offset()), describe(walked.error()));
    return found;
}

}  // namespace sluice::storage
