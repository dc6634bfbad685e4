#include "sluice/storage/record_reader.h"

#include "record_field_reader.h"
#include "sluice/common/varint.h"
#include "sluice/storage/record_batch.h"

namespace sluice::storage {

result<void> for_each_record(std::span<const uint8_t> batch,
                             const std::function<void(const record_view&)>& visit) {
    if (batch.size() < batch_header_bytes) return fail(errc::batch_too_short);
    record_batch_view v(batch);
    const bool log_append = v.timestamp_type() == timestamp_type::log_append_time;
    std::vector<uint8_t> plain;  // a compressed batch's records, alive while visited
    std::span<const uint8_t> area = v.records();
    if (v.compression() != compression_type::none) {
        if (auto r = decompress_records(batch, plain); !r) return fail(r.error());
        area = plain;
    }
    record_field_reader c(area.data(), area.data() + area.size());
    for (int32_t i = 0; i < v.record_count(); ++i) {
        int32_t length = 0, offset_delta = 0, header_count = 0;
        int64_t ts_delta = 0;
        if (!c.varint(length) || length < 0) return fail(errc::invalid_record);
        const uint8_t* end = c.pos() + length;
        record_view r;
        if (!c.skip(1) || !c.varlong(ts_delta) || !c.varint(offset_delta) || !c.bytes(r.key) ||
            !c.bytes(r.value) || !c.varint(header_count) || header_count < 0) {
            return fail(errc::invalid_record);
        }
        for (int32_t h = 0; h < header_count; ++h) {
            std::optional<std::span<const uint8_t>> key, value;
            if (!c.bytes(key) || !key || !c.bytes(value)) return fail(errc::invalid_record);
            r.headers.push_back(
                {std::string_view(reinterpret_cast<const char*>(key->data()), key->size()), value});
        }
        if (c.pos() != end) return fail(errc::invalid_record);
        r.offset = v.base_offset() + offset_delta;
        r.timestamp = log_append ? v.max_timestamp() : v.base_timestamp() + ts_delta;
        visit(r);
    }
    return {};
}

}  // namespace sluice::storage
