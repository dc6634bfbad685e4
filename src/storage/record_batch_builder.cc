#include "sluice/storage/record_batch_builder.h"

#include <cstring>
#include <limits>
#include <string>

#include "sluice/common/assert.h"
#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/common/varint.h"

namespace sluice::storage {

namespace {

int32_t checked_length(size_t n) {
    SLUICE_ASSERT(n <= static_cast<size_t>(std::numeric_limits<int32_t>::max()),
                  "%zu bytes do not fit a Kafka length", n);
    return static_cast<int32_t>(n);
}

size_t nullable_size(const std::optional<std::span<const uint8_t>>& bytes) {
    if (!bytes) return common::varint_size(-1);
    return common::varint_size(checked_length(bytes->size())) + bytes->size();
}

uint8_t* put_bytes(uint8_t* out, std::span<const uint8_t> bytes) {
    if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
    return out + bytes.size();
}

uint8_t* put_nullable(uint8_t* out, const std::optional<std::span<const uint8_t>>& bytes) {
    if (!bytes) return common::encode_varint(-1, out);
    out = common::encode_varint(static_cast<int32_t>(bytes->size()), out);
    return put_bytes(out, *bytes);
}

uint16_t with_bit(uint16_t bits, uint16_t mask, bool on) {
    return static_cast<uint16_t>(on ? (bits | mask) : (bits & ~mask));
}

std::span<const uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

record_batch_builder::record_batch_builder(int64_t base_offset, int64_t base_timestamp)
    : _base_offset(base_offset), _base_timestamp(base_timestamp), _max_timestamp(base_timestamp) {}

record_batch_builder& record_batch_builder::add(std::optional<std::span<const uint8_t>> key,
                                                std::optional<std::span<const uint8_t>> value,
                                                int64_t timestamp,
                                                std::span<const record_header> headers) {
    return add_at(_last_delta + 1, key, value, timestamp, headers);
}

record_batch_builder& record_batch_builder::add_at(int32_t offset_delta,
                                                   std::optional<std::span<const uint8_t>> key,
                                                   std::optional<std::span<const uint8_t>> value,
                                                   int64_t timestamp,
                                                   std::span<const record_header> headers) {
    SLUICE_ASSERT(_record_count < std::numeric_limits<int32_t>::max(), "batch is full");
    SLUICE_ASSERT(offset_delta > _last_delta, "offset delta %d after %d", offset_delta,
                  _last_delta);
    int64_t timestamp_delta = 0;
    SLUICE_ASSERT(!__builtin_sub_overflow(timestamp, _base_timestamp, &timestamp_delta),
                  "timestamp %lld is out of reach of base %lld", static_cast<long long>(timestamp),
                  static_cast<long long>(_base_timestamp));

    // Size the body first: the record starts with its length, and encoding straight into
    // the buffer avoids a second copy.
    size_t body = 1 + common::varlong_size(timestamp_delta) + common::varint_size(offset_delta) +
                  nullable_size(key) + nullable_size(value) +
                  common::varint_size(checked_length(headers.size()));
    for (const record_header& h : headers) {
        body += nullable_size(as_bytes(h.key)) + nullable_size(h.value);
    }
    const int32_t body_length = checked_length(body);

    const size_t start = _records.size();
    _records.resize(start + common::varint_size(body_length) + body);
    uint8_t* out = _records.data() + start;
    out = common::encode_varint(body_length, out);
    *out++ = 0;  // record attributes: unused in v2, always zero
    out = common::encode_varlong(timestamp_delta, out);
    out = common::encode_varint(offset_delta, out);
    out = put_nullable(out, key);
    out = put_nullable(out, value);
    out = common::encode_varint(static_cast<int32_t>(headers.size()), out);
    for (const record_header& h : headers) {
        out = put_nullable(out, as_bytes(h.key));
        out = put_nullable(out, h.value);
    }
    SLUICE_ASSERT(out == _records.data() + _records.size(), "record size miscounted");

    if (_record_count == 0 || timestamp > _max_timestamp) _max_timestamp = timestamp;
    ++_record_count;
    _last_delta = offset_delta;
    return *this;
}

record_batch_builder& record_batch_builder::set_last_offset_delta(int32_t delta) {
    _last_offset_delta = delta;
    return *this;
}

record_batch_builder& record_batch_builder::set_max_timestamp(int64_t ts) {
    _max_timestamp_override = ts;
    return *this;
}

record_batch_builder& record_batch_builder::set_producer_id(int64_t id) {
    _producer_id = id;
    return *this;
}
record_batch_builder& record_batch_builder::set_producer_epoch(int16_t epoch) {
    _producer_epoch = epoch;
    return *this;
}
record_batch_builder& record_batch_builder::set_base_sequence(int32_t sequence) {
    _base_sequence = sequence;
    return *this;
}
record_batch_builder& record_batch_builder::set_partition_leader_epoch(int32_t epoch) {
    _partition_leader_epoch = epoch;
    return *this;
}
record_batch_builder& record_batch_builder::set_transactional(bool on) {
    _attributes = with_bit(_attributes, batch_attribute::transactional, on);
    return *this;
}
record_batch_builder& record_batch_builder::set_control(bool on) {
    _attributes = with_bit(_attributes, batch_attribute::control, on);
    return *this;
}
record_batch_builder& record_batch_builder::set_timestamp_type(timestamp_type type) {
    _attributes = with_bit(_attributes, batch_attribute::log_append_time,
                           type == timestamp_type::log_append_time);
    return *this;
}

std::vector<uint8_t> record_batch_builder::build() const {
    SLUICE_ASSERT(_record_count > 0, "a v2 batch holds at least one record");
    const size_t size = batch_header_bytes + _records.size();
    const int32_t batch_length = checked_length(size - batch_log_overhead_bytes);

    std::vector<uint8_t> out(size);
    uint8_t* p = out.data();
    common::store_be64(p + batch_field::base_offset, static_cast<uint64_t>(_base_offset));
    common::store_be32(p + batch_field::batch_length, static_cast<uint32_t>(batch_length));
    common::store_be32(p + batch_field::partition_leader_epoch,
                       static_cast<uint32_t>(_partition_leader_epoch));
    p[batch_field::magic] = static_cast<uint8_t>(batch_magic_v2);
    common::store_be16(p + batch_field::attributes, _attributes);
    const int32_t last_offset_delta = _last_offset_delta.value_or(_last_delta);
    SLUICE_ASSERT(last_offset_delta >= _last_delta, "lastOffsetDelta %d below record delta %d",
                  last_offset_delta, _last_delta);
    common::store_be32(p + batch_field::last_offset_delta,
                       static_cast<uint32_t>(last_offset_delta));
    common::store_be64(p + batch_field::base_timestamp, static_cast<uint64_t>(_base_timestamp));
    common::store_be64(p + batch_field::max_timestamp,
                       static_cast<uint64_t>(_max_timestamp_override.value_or(_max_timestamp)));
    common::store_be64(p + batch_field::producer_id, static_cast<uint64_t>(_producer_id));
    common::store_be16(p + batch_field::producer_epoch, static_cast<uint16_t>(_producer_epoch));
    common::store_be32(p + batch_field::base_sequence, static_cast<uint32_t>(_base_sequence));
    common::store_be32(p + batch_field::record_count, static_cast<uint32_t>(_record_count));
    put_bytes(p + batch_header_bytes, _records);
    // Last: the CRC covers every byte from attributes to the end.
    common::store_be32(p + batch_field::crc,
                       common::crc32c(p + batch_field::attributes, size - batch_field::attributes));
    return out;
}

std::vector<uint8_t> make_test_batch(int records, size_t value_bytes, int64_t base_timestamp,
                                     uint32_t seed) {
    SLUICE_ASSERT(records > 0, "make_test_batch(%d records)", records);
    record_batch_builder builder(0, base_timestamp);
    // xorshift32: deterministic on every platform, unlike std::*_distribution. Zero is
    // its one fixed point, so a zero seed is nudged.
    uint32_t state = seed == 0 ? 0x9E3779B9u : seed;
    std::vector<uint8_t> value(value_bytes);
    for (int i = 0; i < records; ++i) {
        for (uint8_t& b : value) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            b = static_cast<uint8_t>(state);
        }
        const std::string key = "key-" + std::to_string(i);
        builder.add(as_bytes(key), std::span<const uint8_t>(value), base_timestamp + i);
    }
    return builder.build();
}

}  // namespace sluice::storage
