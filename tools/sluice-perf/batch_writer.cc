#include "batch_writer.h"

#include <cstring>

#include "sluice/common/assert.h"
#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/common/varint.h"
#include "sluice/storage/record_batch.h"

namespace sluice::perf {

using namespace storage;

void batch_writer::reserve(size_t bytes) {
    if (bytes <= _capacity) return;
    size_t cap = std::max<size_t>(_capacity * 2, 64 << 10);
    while (cap < bytes) cap *= 2;
    auto grown = std::make_unique_for_overwrite<uint8_t[]>(cap);
    if (_size) std::memcpy(grown.get(), _data.get(), _size);
    _data = std::move(grown);
    _capacity = cap;
}

void batch_writer::start(int64_t base_timestamp_ms) {
    reserve(batch_header_bytes);
    _size = batch_header_bytes;
    _base_timestamp = _max_timestamp = base_timestamp_ms;
    _record_count = 0;
}

uint8_t* batch_writer::append(size_t value_bytes, int64_t timestamp_ms) {
    SLUICE_ASSERT(timestamp_ms >= _base_timestamp, "timestamp %lld before base %lld",
                  static_cast<long long>(timestamp_ms), static_cast<long long>(_base_timestamp));
    const int64_t timestamp_delta = timestamp_ms - _base_timestamp;
    const int32_t offset_delta = _record_count;
    const auto value_length = static_cast<int32_t>(value_bytes);
    // attributes, timestamp delta, offset delta, null key, value length, value, 0 headers
    const size_t body = 1 + common::varlong_size(timestamp_delta) +
                        common::varint_size(offset_delta) + 1 + common::varint_size(value_length) +
                        value_bytes + 1;
    reserve(_size + common::varint_bytes_max + body);
    uint8_t* out = _data.get() + _size;
    out = common::encode_varint(static_cast<int32_t>(body), out);
    *out++ = 0;
    out = common::encode_varlong(timestamp_delta, out);
    out = common::encode_varint(offset_delta, out);
    out = common::encode_varint(-1, out);
    out = common::encode_varint(value_length, out);
    uint8_t* value = out;
    out += value_bytes;
    out = common::encode_varint(0, out);
    _size = static_cast<size_t>(out - _data.get());
    if (timestamp_ms > _max_timestamp) _max_timestamp = timestamp_ms;
    ++_record_count;
    return value;
}

std::span<const uint8_t> batch_writer::finish() {
    SLUICE_ASSERT(_record_count > 0, "a v2 batch holds at least one record");
    uint8_t* p = _data.get();
    common::store_be64(p + batch_field::base_offset, 0);
    common::store_be32(p + batch_field::batch_length,
                       static_cast<uint32_t>(_size - batch_log_overhead_bytes));
    common::store_be32(p + batch_field::partition_leader_epoch, static_cast<uint32_t>(-1));
    p[batch_field::magic] = static_cast<uint8_t>(batch_magic_v2);
    common::store_be16(p + batch_field::attributes, 0);
    common::store_be32(p + batch_field::last_offset_delta,
                       static_cast<uint32_t>(_record_count - 1));
    common::store_be64(p + batch_field::base_timestamp, static_cast<uint64_t>(_base_timestamp));
    common::store_be64(p + batch_field::max_timestamp, static_cast<uint64_t>(_max_timestamp));
    common::store_be64(p + batch_field::producer_id, static_cast<uint64_t>(-1));
    common::store_be16(p + batch_field::producer_epoch, static_cast<uint16_t>(-1));
    common::store_be32(p + batch_field::base_sequence, static_cast<uint32_t>(-1));
    common::store_be32(p + batch_field::record_count, static_cast<uint32_t>(_record_count));
    const uint32_t crc =
        common::crc32c(p + batch_field::attributes, _size - batch_field::attributes);
    common::store_be32(p + batch_field::crc, crc);
    return {p, _size};
}

}  // namespace sluice::perf
