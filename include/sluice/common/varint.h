#pragma once
// Kafka's variable-length integers (KIP-98 record format, Kafka's ByteUtils): base-128
// groups of 7 bits, least significant first, the high bit of each byte saying "more
// follows". Signed values are zigzag-mapped first (0,-1,1,-2,... -> 0,1,2,3,...) so that
// small negative numbers such as the -1 of a null key stay one byte long.
//
// Decoders are given the end of the buffer and never read past it: record batches come
// straight from the network, and a hostile length must not walk us out of the buffer.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sluice::common {

/// Longest encodings Kafka accepts: a 32-bit value needs ceil(32/7) = 5 groups, a 64-bit
/// value ceil(64/7) = 10. A longer run of continuation bytes is malformed.
inline constexpr size_t varint_bytes_max = 5;
inline constexpr size_t varlong_bytes_max = 10;

/// A decoded value and how many input bytes it took.
template <class T>
struct decoded_varint {
    T value;
    size_t size_bytes;
};

constexpr uint32_t zigzag_encode32(int32_t v) {
    // The arithmetic right shift (defined since C++20) smears the sign bit across the word.
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr uint64_t zigzag_encode64(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int32_t zigzag_decode32(uint32_t v) {
    return static_cast<int32_t>((v >> 1) ^ (0u - (v & 1u)));
}
constexpr int64_t zigzag_decode64(uint64_t v) {
    return static_cast<int64_t>((v >> 1) ^ (uint64_t{0} - (v & 1u)));
}

namespace detail {

template <class U>
constexpr size_t unsigned_varint_size(U v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

template <class U>
inline uint8_t* encode_unsigned(U v, uint8_t* out) {
    while (v >= 0x80) {
        *out++ = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
    }
    *out++ = static_cast<uint8_t>(v);
    return out;
}

// Bits that do not fit in U (the top bits of the last allowed byte) are dropped, as
// Kafka's ByteUtils.readVarint/readVarlong drop them: we accept exactly what Kafka
// accepts, and only a run longer than BytesMax is refused.
template <class U, size_t BytesMax>
inline std::optional<decoded_varint<U>> decode_unsigned(const uint8_t* p, const uint8_t* end) {
    const size_t available = p < end ? static_cast<size_t>(end - p) : 0;
    U value = 0;
    for (size_t i = 0; i < BytesMax; ++i) {
        if (i == available) return std::nullopt;  // truncated
        const uint8_t b = p[i];
        value |= static_cast<U>(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) return decoded_varint<U>{value, i + 1};
    }
    return std::nullopt;  // over-long
}

}  // namespace detail

/// Bytes needed to encode each value, for sizing a buffer before writing into it.
constexpr size_t unsigned_varint_size(uint32_t v) {
    return detail::unsigned_varint_size(v);
}
constexpr size_t varint_size(int32_t v) {
    return detail::unsigned_varint_size(zigzag_encode32(v));
}
constexpr size_t varlong_size(int64_t v) {
    return detail::unsigned_varint_size(zigzag_encode64(v));
}

/// Write `v` at `out` and return one past the last byte written. `out` must have room for
/// the matching *_size(v) bytes (at most varint_bytes_max / varlong_bytes_max).
inline uint8_t* encode_unsigned_varint(uint32_t v, uint8_t* out) {
    return detail::encode_unsigned(v, out);
}
inline uint8_t* encode_varint(int32_t v, uint8_t* out) {
    return detail::encode_unsigned(zigzag_encode32(v), out);
}
inline uint8_t* encode_varlong(int64_t v, uint8_t* out) {
    return detail::encode_unsigned(zigzag_encode64(v), out);
}

/// Decode from [p, end). nullopt if the encoding is truncated by `end` or longer than the
/// type allows; never reads at or past `end`.
inline std::optional<decoded_varint<uint32_t>> decode_unsigned_varint(const uint8_t* p,
                                                                      const uint8_t* end) {
    return detail::decode_unsigned<uint32_t, varint_bytes_max>(p, end);
}
inline std::optional<decoded_varint<int32_t>> decode_varint(const uint8_t* p, const uint8_t* end) {
    auto u = detail::decode_unsigned<uint32_t, varint_bytes_max>(p, end);
    if (!u) return std::nullopt;
    return decoded_varint<int32_t>{zigzag_decode32(u->value), u->size_bytes};
}
inline std::optional<decoded_varint<int64_t>> decode_varlong(const uint8_t* p, const uint8_t* end) {
    auto u = detail::decode_unsigned<uint64_t, varlong_bytes_max>(p, end);
    if (!u) return std::nullopt;
    return decoded_varint<int64_t>{zigzag_decode64(u->value), u->size_bytes};
}

}  // namespace sluice::common
