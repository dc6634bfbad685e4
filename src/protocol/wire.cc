#include "sluice/protocol/wire.h"

#include <cstring>

#include "sluice/common/endian.h"
#include "sluice/common/varint.h"

namespace sluice::protocol {

const char* describe(errc e) {
    switch (e) {
        case errc::truncated:
            return "message ends in the middle of a field";
        case errc::invalid_length:
            return "length or count is negative or larger than the message";
        case errc::invalid_varint:
            return "varint is longer than allowed";
        case errc::null_not_allowed:
            return "null where the version does not allow it";
        case errc::trailing_bytes:
            return "bytes left over after the message";
        case errc::unsupported_version:
            return "unsupported api version";
        case errc::unknown_api:
            return "unknown api key";
    }
    return "unknown protocol error";
}

bool wire_reader::need(size_t n) {
    if (_error) return false;
    if (remaining() < n) {
        fail(errc::truncated);
        return false;
    }
    return true;
}

int8_t wire_reader::i8() {
    if (!need(1)) return 0;
    return static_cast<int8_t>(*_p++);
}
int16_t wire_reader::i16() {
    if (!need(2)) return 0;
    auto v = static_cast<int16_t>(common::load_be16(_p));
    _p += 2;
    return v;
}
int32_t wire_reader::i32() {
    if (!need(4)) return 0;
    auto v = static_cast<int32_t>(common::load_be32(_p));
    _p += 4;
    return v;
}
int64_t wire_reader::i64() {
    if (!need(8)) return 0;
    auto v = static_cast<int64_t>(common::load_be64(_p));
    _p += 8;
    return v;
}
uint16_t wire_reader::u16() {
    return static_cast<uint16_t>(i16());
}
uint32_t wire_reader::u32() {
    return static_cast<uint32_t>(i32());
}
double wire_reader::f64() {
    uint64_t bits = static_cast<uint64_t>(i64());
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}
uuid wire_reader::read_uuid() {
    uuid u{};
    if (!need(16)) return u;
    std::memcpy(u.data(), _p, 16);
    _p += 16;
    return u;
}
uint32_t wire_reader::uvarint() {
    if (_error) return 0;
    auto d = common::decode_unsigned_varint(_p, _end);
    if (!d) {
        fail(remaining() >= common::varint_bytes_max ? errc::invalid_varint : errc::truncated);
        return 0;
    }
    _p += d->size_bytes;
    return d->value;
}
int32_t wire_reader::varint() {
    if (_error) return 0;
    auto d = common::decode_varint(_p, _end);
    if (!d) {
        fail(remaining() >= common::varint_bytes_max ? errc::invalid_varint : errc::truncated);
        return 0;
    }
    _p += d->size_bytes;
    return d->value;
}
int64_t wire_reader::varlong() {
    if (_error) return 0;
    auto d = common::decode_varlong(_p, _end);
    if (!d) {
        fail(remaining() >= common::varlong_bytes_max ? errc::invalid_varint : errc::truncated);
        return 0;
    }
    _p += d->size_bytes;
    return d->value;
}

namespace {
int32_t checked_length(wire_reader& r, int64_t len, size_t unit) {
    if (!r.ok()) return -1;
    if (len < -1 || (len > 0 && static_cast<uint64_t>(len) * unit > r.remaining())) {
        r.fail(errc::invalid_length);
        return -1;
    }
    return static_cast<int32_t>(len);
}
}  // namespace

int32_t wire_reader::string_length(bool flexible) {
    int64_t len = flexible ? static_cast<int64_t>(uvarint()) - 1 : i16();
    return checked_length(*this, len, 1);
}
int32_t wire_reader::bytes_length(bool flexible) {
    int64_t len = flexible ? static_cast<int64_t>(uvarint()) - 1 : i32();
    return checked_length(*this, len, 1);
}
int32_t wire_reader::array_length(bool flexible, size_t min_item_bytes) {
    int64_t len = flexible ? static_cast<int64_t>(uvarint()) - 1 : i32();
    return checked_length(*this, len, min_item_bytes == 0 ? 1 : min_item_bytes);
}

std::optional<std::string> wire_reader::nullable_string(bool flexible) {
    int32_t len = string_length(flexible);
    if (len < 0) return std::nullopt;
    auto s = take(static_cast<size_t>(len));
    return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}
std::string wire_reader::string(bool flexible) {
    auto s = nullable_string(flexible);
    return s ? std::move(*s) : std::string();
}
std::optional<std::span<const uint8_t>> wire_reader::nullable_bytes(bool flexible) {
    int32_t len = bytes_length(flexible);
    if (len < 0) return std::nullopt;
    return take(static_cast<size_t>(len));
}
std::span<const uint8_t> wire_reader::take(size_t n) {
    if (!need(n)) return {};
    std::span<const uint8_t> s(_p, n);
    _p += n;
    return s;
}

void wire_writer::i16(int16_t v) {
    uint8_t b[2];
    common::store_be16(b, static_cast<uint16_t>(v));
    _out.insert(_out.end(), b, b + 2);
}
void wire_writer::i32(int32_t v) {
    uint8_t b[4];
    common::store_be32(b, static_cast<uint32_t>(v));
    _out.insert(_out.end(), b, b + 4);
}
void wire_writer::i64(int64_t v) {
    uint8_t b[8];
    common::store_be64(b, static_cast<uint64_t>(v));
    _out.insert(_out.end(), b, b + 8);
}
void wire_writer::f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    i64(static_cast<int64_t>(bits));
}
void wire_writer::uvarint(uint32_t v) {
    uint8_t b[common::varint_bytes_max];
    uint8_t* e = common::encode_unsigned_varint(v, b);
    _out.insert(_out.end(), b, e);
}
void wire_writer::varint(int32_t v) {
    uint8_t b[common::varint_bytes_max];
    uint8_t* e = common::encode_varint(v, b);
    _out.insert(_out.end(), b, e);
}
void wire_writer::varlong(int64_t v) {
    uint8_t b[common::varlong_bytes_max];
    uint8_t* e = common::encode_varlong(v, b);
    _out.insert(_out.end(), b, e);
}
void wire_writer::string_length(int32_t len, bool flexible) {
    if (flexible) {
        uvarint(static_cast<uint32_t>(len + 1));
    } else {
        i16(static_cast<int16_t>(len));
    }
}
void wire_writer::bytes_length(int32_t len, bool flexible) {
    if (flexible) {
        uvarint(static_cast<uint32_t>(len + 1));
    } else {
        i32(len);
    }
}
void wire_writer::array_length(int32_t len, bool flexible) {
    bytes_length(len, flexible);
}
void wire_writer::string(std::string_view s, bool flexible) {
    string_length(static_cast<int32_t>(s.size()), flexible);
    _out.insert(_out.end(), s.begin(), s.end());
}
void wire_writer::nullable_string(const std::optional<std::string>& s, bool flexible) {
    if (!s) {
        string_length(-1, flexible);
        return;
    }
    string(*s, flexible);
}
void wire_writer::nullable_bytes(const std::optional<std::span<const uint8_t>>& b, bool flexible) {
    if (!b) {
        bytes_length(-1, flexible);
        return;
    }
    bytes_length(static_cast<int32_t>(b->size()), flexible);
    raw(*b);
}
void wire_writer::patch_i32(size_t at, int32_t v) {
    common::store_be32(_out.data() + at, static_cast<uint32_t>(v));
}

}  // namespace sluice::protocol
