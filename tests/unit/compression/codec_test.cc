// Round trips through every codec, levels, names, errors, and batches real clients
// produced. The exact formats we write and read are in codec_format_test.cc; bombs,
// truncation and garbling in codec_bounds_test.cc.

#include "sluice/compression/codec.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

#include "codec_test_util.h"

using namespace sluice::compression;
using namespace sluice::compression::test;

namespace {

// ---- names and levels ----

TEST(codec_names, parse_as_kafka_configs_spell_them) {
    EXPECT_EQ(parse_codec("uncompressed"), codec::none);
    EXPECT_EQ(parse_codec("none"), codec::none);
    EXPECT_EQ(parse_codec("gzip"), codec::gzip);
    EXPECT_EQ(parse_codec("snappy"), codec::snappy);
    EXPECT_EQ(parse_codec("lz4"), codec::lz4);
    EXPECT_EQ(parse_codec("zstd"), codec::zstd);
    EXPECT_EQ(parse_codec("producer"), std::nullopt);
    EXPECT_EQ(parse_codec("GZIP"), std::nullopt);
    EXPECT_EQ(parse_codec(""), std::nullopt);
    for (codec c : all_codecs) {
        EXPECT_EQ(parse_codec(name(c)), c);
        EXPECT_EQ(codec_from_id(static_cast<uint8_t>(c)), c);
    }
    EXPECT_EQ(codec_from_id(5), std::nullopt);
    EXPECT_EQ(codec_from_id(7), std::nullopt);
    EXPECT_STREQ(name(static_cast<codec>(6)), "unknown");
    // Kafka's attribute values.
    EXPECT_EQ(static_cast<int>(codec::gzip), 1);
    EXPECT_EQ(static_cast<int>(codec::snappy), 2);
    EXPECT_EQ(static_cast<int>(codec::lz4), 3);
    EXPECT_EQ(static_cast<int>(codec::zstd), 4);
}

TEST(codec_names, every_error_is_described) {
    for (errc e : {errc::corrupt, errc::too_large, errc::unsupported_codec, errc::invalid_level,
                   errc::no_memory}) {
        EXPECT_STRNE(describe(e), "unknown compression error");
    }
}

TEST(codec_levels, defaults_and_ranges) {
    EXPECT_EQ(level_default(codec::gzip), Z_DEFAULT_COMPRESSION);
    EXPECT_EQ(level_min(codec::gzip), -1);
    EXPECT_EQ(level_max(codec::gzip), 9);
    EXPECT_EQ(level_default(codec::zstd), 3);
    EXPECT_EQ(level_min(codec::zstd), ZSTD_minCLevel());
    EXPECT_EQ(level_max(codec::zstd), ZSTD_maxCLevel());
    EXPECT_EQ(level_default(codec::lz4), 0);
    EXPECT_EQ(level_max(codec::lz4), 12);
    for (codec c : all_codecs) {
        EXPECT_LE(level_min(c), level_default(c)) << name(c);
        EXPECT_LE(level_default(c), level_max(c)) << name(c);
    }
}

TEST(codec_errors, unsupported_codec_and_invalid_level) {
    const bytes data = from_text("some bytes");
    bytes out = from_text("prefix");
    for (uint8_t id : {5, 6, 7, 255}) {
        auto d = decompress(static_cast<codec>(id), data, out, mib);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error(), errc::unsupported_codec);
        auto c = compress(static_cast<codec>(id), data, out, 0);
        ASSERT_FALSE(c);
        EXPECT_EQ(c.error(), errc::unsupported_codec);
    }
    for (codec c : {codec::gzip, codec::lz4, codec::zstd}) {
        for (int level : {level_min(c) - 1, level_max(c) + 1}) {
            auto r = compress(c, data, out, level);
            ASSERT_FALSE(r) << name(c) << " " << level;
            EXPECT_EQ(r.error(), errc::invalid_level) << name(c) << " " << level;
        }
    }
    EXPECT_EQ(out, from_text("prefix"));
    // snappy and none have no levels and ignore the argument.
    EXPECT_TRUE(compress(codec::snappy, data, out, 42));
    EXPECT_TRUE(compress(codec::none, data, out, -7));
}

// ---- round trips ----

struct named_input {
    std::string name;
    bytes data;
};

std::vector<named_input> round_trip_inputs() {
    return {{"empty", {}},
            {"one byte", from_text("x")},
            {"small", from_text("a Kafka record batch's records, small enough for one block")},
            {"1 MiB random", random_bytes(mib)},
            {"1 MiB repetitive", repetitive_bytes(mib)},
            {"1 MiB zeros", bytes(mib, 0)}};
}

TEST(codec_round_trip, every_codec_every_input) {
    for (const named_input& input : round_trip_inputs()) {
        for (codec c : all_codecs) {
            SCOPED_TRACE(name_of(c) + " / " + input.name + " / seed " + std::to_string(seed));
            const bytes packed = compressed(c, input.data);
            const size_t size = input.data.size();
            // Exactly at the limit passes; one byte less is too large.
            EXPECT_EQ(decompressed(c, packed, size), input.data);
            if (size > 0) {
                bytes out;
                auto r = decompress(c, packed, out, size - 1);
                ASSERT_FALSE(r);
                EXPECT_EQ(r.error(), errc::too_large);
                EXPECT_TRUE(out.empty());
            }
            // Appends after what the caller already holds.
            bytes out = from_text("head:");
            auto r = decompress(c, packed, out, size);
            ASSERT_TRUE(r);
            EXPECT_EQ(*r, size);
            EXPECT_EQ(bytes(out.begin(), out.begin() + 5), from_text("head:"));
            EXPECT_TRUE(
                std::equal(out.begin() + 5, out.end(), input.data.begin(), input.data.end()));
            // compress appends too.
            bytes appended = from_text("head:");
            ASSERT_TRUE(compress(c, input.data, appended));
            EXPECT_TRUE(
                std::equal(appended.begin() + 5, appended.end(), packed.begin(), packed.end()));
            if (c == codec::none) continue;
            if (input.name == "1 MiB repetitive" || input.name == "1 MiB zeros") {
                EXPECT_LT(packed.size(), size / 4);
            }
            if (input.name == "1 MiB random") {
                EXPECT_LT(packed.size(), size + size / 50);
            }
        }
    }
}

TEST(codec_round_trip, every_level) {
    const bytes data = repetitive_bytes(64 * 1024);
    for (codec c : compressing_codecs) {
        std::vector<int> levels;
        if (c == codec::zstd) {
            levels = {level_min(c), -5, -1, 1, 3, 9, 19, level_max(c)};
        } else {
            for (int l = level_min(c); l <= level_max(c); ++l) levels.push_back(l);
        }
        for (int level : levels) {
            SCOPED_TRACE(name_of(c) + " level " + std::to_string(level));
            EXPECT_EQ(decompressed(c, compressed(c, data, level), data.size()), data);
        }
    }
}

TEST(codec_round_trip, output_that_ends_at_each_growth_step) {
    // Sizes around the output buffer's steps (16 KiB, then doubling) and the codecs' block
    // sizes (32 KiB snappy, 64 KiB lz4, 128 KiB zstd).
    for (size_t size : {16383u, 16384u, 16385u, 32768u, 65535u, 65536u, 65537u, 131072u, 262145u}) {
        const bytes data = random_bytes(size, seed + size);
        for (codec c : all_codecs) {
            SCOPED_TRACE(name_of(c) + " size " + std::to_string(size));
            EXPECT_EQ(decompressed(c, compressed(c, data), size), data);
        }
    }
}

TEST(codec_round_trip, zero_limit) {
    for (codec c : all_codecs) {
        EXPECT_TRUE(decompressed(c, compressed(c, {}), 0).empty()) << name(c);
        bytes out;
        auto r = decompress(c, compressed(c, from_text("x")), out, 0);
        ASSERT_FALSE(r) << name(c);
        EXPECT_EQ(r.error(), errc::too_large) << name(c);
    }
}

// ---- real client output ----

void put_varint(bytes& out, int64_t v) {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (z >= 0x80) {
        out.push_back(static_cast<uint8_t>(z | 0x80));
        z >>= 7;
    }
    out.push_back(static_cast<uint8_t>(z));
}

/// The records area of the batches below, written from the record format (KIP-98): three
/// records, timestamp delta 0, offset deltas 0-2, null keys, no headers.
bytes rdkafka_records(const std::string& codec_name) {
    const std::string values[] = {
        "librdkafka record one for " + codec_name,
        "librdkafka record two for " + codec_name + ", a little longer than the first", "three"};
    bytes out;
    for (int i = 0; i < 3; ++i) {
        bytes body = {0, 0};   // attributes, timestamp delta
        put_varint(body, i);   // offset delta
        put_varint(body, -1);  // null key
        put_varint(body, static_cast<int64_t>(values[i].size()));
        body.insert(body.end(), values[i].begin(), values[i].end());
        put_varint(body, 0);  // headers
        put_varint(out, static_cast<int64_t>(body.size()));
        out.insert(out.end(), body.begin(), body.end());
    }
    return out;
}

TEST(client_fixtures, librdkafka_batches) {
    // Records areas of batches kcat 1.7.0 (librdkafka 2.0.2) produced with -z <codec>,
    // captured from a sluiced log segment: librdkafka's gzip member, raw snappy block (no
    // xerial framing), LZ4 frame, and zstd frame without a content size (window 2 MiB).
    struct fixture {
        codec c;
        const char* hex;
    };
    const fixture fixtures[] = {
        {codec::gzip,
         "1f8b080000000000000365ccb10980301046e13f62e500d637802338806b44bd6830e4e43c10c4011cdb5436"
         "36affa780300d7a738eabcf9b079529e446792cc144469b9e28ec70195bbffca4ef954479e52344b4c49f2c2"
         "4ab6fa5c5246510f430bd4aeb15599f1024fc5690f77000000"},
        {codec::snappy,
         "7cb84c00000001406c696272646b61666b61207265636f7264206f6e6520666f7220736e61707079008e0100"
         "00020180014629000c74776f201929b02c2061206c6974746c65206c6f6e676572207468616e207468652066"
         "697273740016000004010a746872656500"},
        {codec::lz4,
         "04224d1860408264000000fe1c46000000013a6c696272646b61666b61207265636f7264206f6e6520666f72"
         "206c7a34008601000002017a25003474776f2500f01e2c2061206c6974746c65206c6f6e676572207468616e"
         "207468652066697273740016000004010a74687265650000000000"},
        {codec::zstd,
         "28b52ffd0058cd0200c285131990a9390f4c5c131e2808b87665b15d297eaaf8fef71f209902bdcb738105da"
         "417f2432be732f72eebcc442e5533f522626a0e20c03b4d668f9b170a2f12d7449445c9a244352c90352056b"
         "6b080200a0184c9e2a03"},
    };
    for (const fixture& f : fixtures) {
        const bytes expected = rdkafka_records(name(f.c));
        EXPECT_EQ(decompressed(f.c, from_hex(f.hex), expected.size()), expected) << name(f.c);
        // And what we write for the same records reads back the same.
        EXPECT_EQ(decompressed(f.c, compressed(f.c, expected)), expected) << name(f.c);
    }
}

}  // namespace
