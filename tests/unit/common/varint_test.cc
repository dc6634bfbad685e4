#include "sluice/common/varint.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace sluice::common;

namespace {

std::vector<uint8_t> encoded32(int32_t v) {
    std::vector<uint8_t> out(varint_bytes_max);
    out.resize(static_cast<size_t>(encode_varint(v, out.data()) - out.data()));
    return out;
}

std::vector<uint8_t> encoded64(int64_t v) {
    std::vector<uint8_t> out(varlong_bytes_max);
    out.resize(static_cast<size_t>(encode_varlong(v, out.data()) - out.data()));
    return out;
}

}  // namespace

TEST(varint, zigzag_mapping) {
    EXPECT_EQ(zigzag_encode32(0), 0u);
    EXPECT_EQ(zigzag_encode32(-1), 1u);
    EXPECT_EQ(zigzag_encode32(1), 2u);
    EXPECT_EQ(zigzag_encode32(-2), 3u);
    EXPECT_EQ(zigzag_encode32(std::numeric_limits<int32_t>::max()), 0xFFFFFFFEu);
    EXPECT_EQ(zigzag_encode32(std::numeric_limits<int32_t>::min()), 0xFFFFFFFFu);
    EXPECT_EQ(zigzag_encode64(std::numeric_limits<int64_t>::min()), ~uint64_t{0});
    EXPECT_EQ(zigzag_decode32(0xFFFFFFFFu), std::numeric_limits<int32_t>::min());
    EXPECT_EQ(zigzag_decode64(~uint64_t{0}), std::numeric_limits<int64_t>::min());
}

// Values on each side of a length boundary, and the extremes, whose bytes every Kafka
// client must agree on.
TEST(varint, known_encodings) {
    EXPECT_EQ(encoded32(0), (std::vector<uint8_t>{0x00}));
    EXPECT_EQ(encoded32(-1), (std::vector<uint8_t>{0x01}));
    EXPECT_EQ(encoded32(1), (std::vector<uint8_t>{0x02}));
    EXPECT_EQ(encoded32(63), (std::vector<uint8_t>{0x7E}));
    EXPECT_EQ(encoded32(-64), (std::vector<uint8_t>{0x7F}));
    EXPECT_EQ(encoded32(64), (std::vector<uint8_t>{0x80, 0x01}));
    EXPECT_EQ(encoded32(-65), (std::vector<uint8_t>{0x81, 0x01}));
    EXPECT_EQ(encoded32(std::numeric_limits<int32_t>::max()),
              (std::vector<uint8_t>{0xFE, 0xFF, 0xFF, 0xFF, 0x0F}));
    EXPECT_EQ(encoded32(std::numeric_limits<int32_t>::min()),
              (std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
    EXPECT_EQ(encoded64(std::numeric_limits<int64_t>::max()),
              (std::vector<uint8_t>{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
    EXPECT_EQ(encoded64(std::numeric_limits<int64_t>::min()),
              (std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST(varint, sizes_match_encodings) {
    for (int32_t v : {0, 1, -1, 63, -64, 64, -65, 8191, 8192, -8193, 1 << 20, 1 << 27, 1 << 28,
                      std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()}) {
        EXPECT_EQ(varint_size(v), encoded32(v).size()) << v;
    }
    EXPECT_EQ(varlong_size(0), 1u);
    EXPECT_EQ(varlong_size(std::numeric_limits<int64_t>::max()), 10u);
    EXPECT_EQ(varlong_size(int64_t{1} << 34), encoded64(int64_t{1} << 34).size());
    EXPECT_EQ(unsigned_varint_size(127), 1u);
    EXPECT_EQ(unsigned_varint_size(128), 2u);
    EXPECT_EQ(unsigned_varint_size(~0u), 5u);
}

TEST(varint, round_trip_random) {
    const uint32_t seed = 20240611;
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 20000; ++i) {
        // Spread over every length: shift a random word right by a random amount.
        const auto wide = static_cast<int64_t>(rng() >> (rng() % 64));
        const auto narrow = static_cast<int32_t>(static_cast<uint32_t>(rng() >> (rng() % 64)));
        const int64_t v64 = (rng() & 1) ? wide : -wide;
        auto b32 = encoded32(narrow);
        auto b64 = encoded64(v64);
        auto d32 = decode_varint(b32.data(), b32.data() + b32.size());
        auto d64 = decode_varlong(b64.data(), b64.data() + b64.size());
        ASSERT_TRUE(d32 && d64) << "seed " << seed << " i " << i;
        EXPECT_EQ(d32->value, narrow) << "seed " << seed;
        EXPECT_EQ(d32->size_bytes, b32.size()) << "seed " << seed;
        EXPECT_EQ(d64->value, v64) << "seed " << seed;
        EXPECT_EQ(d64->size_bytes, b64.size()) << "seed " << seed;
    }
}

TEST(varint, unsigned_round_trip) {
    for (uint32_t v : {0u, 1u, 127u, 128u, 300u, 0xFFFFFFFFu}) {
        std::array<uint8_t, varint_bytes_max> buf{};
        uint8_t* end = encode_unsigned_varint(v, buf.data());
        auto d = decode_unsigned_varint(buf.data(), end);
        ASSERT_TRUE(d);
        EXPECT_EQ(d->value, v);
        EXPECT_EQ(d->size_bytes, static_cast<size_t>(end - buf.data()));
    }
}

TEST(varint, decoder_stops_at_end) {
    // Every strict prefix of an encoding is truncated; the byte after `end` is a
    // terminator that a decoder reading past `end` would happily accept.
    for (int64_t v : {int64_t{300}, int64_t{1} << 40, std::numeric_limits<int64_t>::min()}) {
        auto b = encoded64(v);
        b.push_back(0x00);
        for (size_t cut = 0; cut + 1 < b.size(); ++cut) {
            EXPECT_FALSE(decode_varlong(b.data(), b.data() + cut)) << v << " cut " << cut;
        }
    }
    auto b = encoded32(-1000000);
    b.push_back(0x00);
    for (size_t cut = 0; cut + 1 < b.size(); ++cut) {
        EXPECT_FALSE(decode_varint(b.data(), b.data() + cut)) << "cut " << cut;
    }
    EXPECT_FALSE(decode_varint(b.data() + 1, b.data()));  // p past end reads nothing
}

TEST(varint, rejects_over_long) {
    const std::vector<uint8_t> six{0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    EXPECT_FALSE(decode_varint(six.data(), six.data() + six.size()));
    EXPECT_FALSE(decode_unsigned_varint(six.data(), six.data() + six.size()));
    // Five bytes is the limit, even when padded with zero groups.
    EXPECT_TRUE(decode_varint(six.data() + 1, six.data() + six.size()));

    std::vector<uint8_t> eleven(10, 0x80);
    eleven.push_back(0x00);
    EXPECT_FALSE(decode_varlong(eleven.data(), eleven.data() + eleven.size()));
    auto ten = decode_varlong(eleven.data() + 1, eleven.data() + eleven.size());
    ASSERT_TRUE(ten);
    EXPECT_EQ(ten->value, 0);
    EXPECT_EQ(ten->size_bytes, 10u);
}

TEST(varint, drops_bits_past_the_type_like_kafka) {
    // The fifth byte of a varint carries bits 28..34; Kafka keeps 28..31 and drops the
    // rest instead of failing. 0x7F there decodes like 0x0F.
    const std::vector<uint8_t> wide{0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    auto d = decode_varint(wide.data(), wide.data() + wide.size());
    ASSERT_TRUE(d);
    EXPECT_EQ(d->value, std::numeric_limits<int32_t>::min());
    EXPECT_EQ(d->size_bytes, 5u);
}
