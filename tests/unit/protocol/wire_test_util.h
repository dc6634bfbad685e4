// Helpers shared by the protocol codec tests: hex in and out, encode/decode wrappers, and the
// checks run against reference bytes (the exact wire image, round trips at every valid
// version, truncated input failing cleanly). The tests live in sluice::protocol::testing too,
// so they call these unqualified.

#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/protocol/errc.h"
#include "sluice/protocol/schema.h"

namespace sluice::protocol::testing {

// ---------------------------------------------------------------------------------------
// Bytes

/// Hex to bytes; spaces and '|' separators are ignored, so hand-worked bytes can be laid out
/// by field.
inline std::vector<uint8_t> h(std::string_view hex) {
    std::vector<uint8_t> out;
    int hi = -1;
    for (char ch : hex) {
        if (ch == ' ' || ch == '|') continue;
        int d = ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
        if (hi < 0) {
            hi = d;
        } else {
            out.push_back(static_cast<uint8_t>(hi << 4 | d));
            hi = -1;
        }
    }
    return out;
}

/// Bytes to lowercase hex, no separators.
inline std::string to_hex(std::span<const uint8_t> b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (uint8_t x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

/// The bytes of `text`, without a terminator.
inline std::vector<uint8_t> s(std::string_view text) {
    return {text.begin(), text.end()};
}

/// `parts` one after another.
inline std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// ---------------------------------------------------------------------------------------
// Checks against bytes

template <class M>
std::vector<uint8_t> encode(const M& m, int16_t v) {
    std::vector<uint8_t> out;
    encode_message(m, v, out);
    return out;
}

/// Decode `bytes` at `v`, encode the result again and expect the same bytes.
template <class M>
M round_trip(const std::vector<uint8_t>& bytes, int16_t v) {
    auto m = decode_message<M>(bytes, v);
    EXPECT_TRUE(m) << "v" << v;
    if (!m) return M{};
    EXPECT_EQ(encode(*m, v), bytes) << "v" << v;
    return *m;
}

/// `sample` at `v` must encode to `hex`, which must round-trip.
template <class M>
M check_reference(const M& sample, int16_t v, std::string_view hex) {
    auto expected = h(hex);
    EXPECT_EQ(encode(sample, v), expected) << "v" << v;
    return round_trip<M>(expected, v);
}

/// At every valid version every strict prefix of `m` fails to decode; versions out of range
/// are refused.
template <class M>
void expect_truncations_fail(const M& m) {
    for (int16_t v = M::valid.min; v <= M::valid.max; ++v) {
        auto bytes = encode(m, v);
        for (size_t cut = 0; cut < bytes.size(); ++cut) {
            EXPECT_FALSE(decode_message<M>({bytes.data(), cut}, v)) << "v" << v << " " << cut;
        }
    }
    EXPECT_EQ(decode_message<M>({}, M::valid.max + 1).error(), errc::unsupported_version);
    EXPECT_EQ(decode_message<M>({}, -1).error(), errc::unsupported_version);
}

// ---------------------------------------------------------------------------------------
// Checks against hex

/// `m` encoded at `v`, as hex.
template <class M>
std::string enc(const M& m, int16_t v) {
    std::vector<uint8_t> out;
    encode_message(m, v, out);
    return to_hex(out);
}

/// `b` decoded at `v`; a failure is recorded and gives nullopt.
template <class M>
std::optional<M> dec(const std::vector<uint8_t>& b, int16_t v) {
    auto r = decode_message<M>(b, v);
    if (r) return std::move(r).value();
    ADD_FAILURE() << "decode v" << v << ": " << describe(r.error());
    return std::nullopt;
}

// Our encoder writes exactly `hex`, and decoding `hex` gives a message that encodes back to
// it; returns the decoded message for field checks (`m` itself, the failure recorded, when
// decoding fails, so the checks that follow have something to index).
template <class M>
M check_wire(const M& m, int16_t v, std::string_view hex) {
    auto expected = h(hex);
    EXPECT_EQ(enc(m, v), to_hex(expected)) << "encode v" << v;
    auto back = dec<M>(expected, v);
    if (!back) return m;
    EXPECT_EQ(enc(*back, v), to_hex(expected)) << "re-encode v" << v;
    return std::move(*back);
}

// Every strict prefix of a valid message fails to decode, without crashing.
template <class M>
void expect_prefixes_fail(const M& m, int16_t v) {
    std::vector<uint8_t> b;
    encode_message(m, v, b);
    for (size_t cut = 0; cut < b.size(); ++cut) {
        EXPECT_FALSE(decode_message<M>({b.data(), cut}, v)) << "v" << v << " cut " << cut;
    }
}

// Encode at every valid version, decode, and require the same bytes back; `check` looks at
// the decoded fields of one version.
template <class M, class F>
void round_trip_all(const M& m, F check) {
    for (int16_t v = M::valid.min; v <= M::valid.max; ++v) {
        std::vector<uint8_t> b;
        encode_message(m, v, b);
        auto back = dec<M>(b, v);
        if (!back) continue;
        EXPECT_EQ(enc(*back, v), to_hex(b)) << "v" << v;
        check(*back, v);
    }
}

}  // namespace sluice::protocol::testing
