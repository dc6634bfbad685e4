#include "sluice/protocol/header.h"

#include "sluice/common/endian.h"
#include "sluice/protocol/wire.h"

namespace sluice::protocol {

std::optional<request_prefix> peek_request_prefix(std::span<const uint8_t> frame) {
    if (frame.size() < 8) return std::nullopt;
    return request_prefix{static_cast<int16_t>(common::load_be16(frame.data())),
                          static_cast<int16_t>(common::load_be16(frame.data() + 2)),
                          static_cast<int32_t>(common::load_be32(frame.data() + 4))};
}

result<std::pair<request_header, size_t>> decode_request_header(std::span<const uint8_t> frame,
                                                                bool flexible) {
    wire_reader r(frame);
    request_header h;
    h.api_key = r.i16();
    h.api_version = r.i16();
    h.correlation_id = r.i32();
    h.client_id = r.nullable_string(false);
    if (flexible) {
        uint32_t count = r.uvarint();
        for (uint32_t i = 0; i < count && r.ok(); ++i) {
            (void)r.uvarint();
            r.skip(r.uvarint());
        }
    }
    if (!r.ok()) return fail(*r.error());
    return std::pair{std::move(h), frame.size() - r.remaining()};
}

void encode_request_header(const request_header& h, bool flexible, std::vector<uint8_t>& out) {
    wire_writer w(out);
    w.i16(h.api_key);
    w.i16(h.api_version);
    w.i32(h.correlation_id);
    w.nullable_string(h.client_id, false);
    if (flexible) w.uvarint(0);
}

void encode_response_header(int32_t correlation_id, bool flexible, std::vector<uint8_t>& out) {
    wire_writer w(out);
    w.i32(correlation_id);
    if (flexible) w.uvarint(0);
}

}  // namespace sluice::protocol
