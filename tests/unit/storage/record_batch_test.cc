#include "sluice/storage/record_batch.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/common/varint.h"
#include "sluice/storage/record_batch_builder.h"

using namespace sluice::storage;
using sluice::common::decode_varint;
using sluice::common::decode_varlong;

namespace {

using bytes = std::vector<uint8_t>;
constexpr size_t no_limit = SIZE_MAX;
constexpr int64_t ts0 = 1'700'000'000'000;

std::span<const uint8_t> as_span(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bytes from_hex(std::string_view hex) {
    bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

// What a corrupting test does after its edit, so that the CRC check passes and the
// validator has to find the damage in the structure itself.
void recompute_crc(bytes& b) {
    sluice::common::store_be32(b.data() + batch_field::crc,
                               sluice::common::crc32c(b.data() + batch_field::attributes,
                                                      b.size() - batch_field::attributes));
}

void put_i32(bytes& b, size_t pos, int32_t v) {
    sluice::common::store_be32(b.data() + pos, static_cast<uint32_t>(v));
}

void set_compression(bytes& b, compression_type c) {
    b[batch_field::attributes + 1] =
        static_cast<uint8_t>((b[batch_field::attributes + 1] & ~batch_attribute::compression_mask) |
                             static_cast<uint8_t>(c));
}

// An independent reader of the records area, written from the spec rather than sharing
// code with record_batch.cc, so that the builder and the validator are each checked
// against a third opinion. Asserts on anything malformed.
struct walked_record {
    size_t start;             // position of the length varint within the batch
    size_t offset_delta_pos;  // position of the offsetDelta varint
    int64_t timestamp_delta;
    int32_t offset_delta;
    std::optional<std::string> key, value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::vector<walked_record> walk(const bytes& b) {
    std::vector<walked_record> out;
    const uint8_t* p = b.data() + batch_header_bytes;
    const uint8_t* end = b.data() + b.size();
    auto varint = [&] {
        auto d = decode_varint(p, end);
        EXPECT_TRUE(d);
        p += d->size_bytes;
        return d->value;
    };
    auto nullable = [&]() -> std::optional<std::string> {
        const int32_t n = varint();
        if (n < 0) return std::nullopt;
        std::string s(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
        p += n;
        return s;
    };
    while (p < end) {
        walked_record r{};
        r.start = static_cast<size_t>(p - b.data());
        const int32_t length = varint();
        const uint8_t* body_end = p + length;
        ++p;  // attributes
        auto ts = decode_varlong(p, end);
        EXPECT_TRUE(ts);
        r.timestamp_delta = ts->value;
        p += ts->size_bytes;
        r.offset_delta_pos = static_cast<size_t>(p - b.data());
        r.offset_delta = varint();
        r.key = nullable();
        r.value = nullable();
        for (int32_t h = varint(); h > 0; --h) {
            std::string key = *nullable();
            r.headers.emplace_back(key, nullable());
        }
        EXPECT_EQ(p, body_end);
        out.push_back(std::move(r));
    }
    return out;
}

errc error_of(const bytes& b, size_t max = no_limit) {
    auto r = validate_batch(b, max);
    EXPECT_FALSE(r.has_value());
    return r.has_value() ? errc{} : r.error();
}

bytes three_record_batch() {
    const std::vector<record_header> headers{{"trace", as_span("abc")}, {"empty", std::nullopt}};
    return record_batch_builder(500, ts0)
        .add(as_span("k0"), as_span("v0"), ts0)
        .add(std::nullopt, as_span("v1"), ts0 + 7, headers)
        .add(as_span("k2"), std::nullopt, ts0 + 3)
        .build();
}

}  // namespace

TEST(record_batch, built_batch_validates) {
    const bytes b = make_test_batch(10, 100, ts0, 7);
    auto info = validate_batch(b, no_limit);
    ASSERT_TRUE(info.has_value()) << describe(info.error());
    EXPECT_EQ(info->base_offset, 0);
    EXPECT_EQ(info->record_count, 10);
    EXPECT_EQ(info->last_offset_delta, 9);
    EXPECT_EQ(info->last_offset(), 9);
    EXPECT_EQ(info->base_timestamp, ts0);
    EXPECT_EQ(info->max_timestamp, ts0 + 9);
    EXPECT_EQ(info->compression, compression_type::none);
    EXPECT_EQ(info->size_bytes, b.size());
    EXPECT_EQ(make_test_batch(10, 100, ts0, 7), b) << "same arguments, same bytes";
    EXPECT_NE(make_test_batch(10, 100, ts0, 8), b);
}

// Bytes from kafkajs 2.2.4 (an independent Kafka client) for the same records; the first
// is the worked example of src/storage/README.md.
TEST(record_batch, matches_another_kafka_implementation) {
    const bytes one = from_hex(
        "00000000000000000000003a0000000002e99b8dd80000000000000000018bcfe568000000018bcfe568"
        "00ffffffffffffffffffffffffffff0000000110000000026b027600");
    EXPECT_EQ(record_batch_builder(0, ts0)
                  .set_partition_leader_epoch(0)
                  .add(as_span("k"), as_span("v"), ts0)
                  .build(),
              one);
    ASSERT_TRUE(validate_batch(one, no_limit).has_value());

    const bytes three = from_hex(
        "000000000000000000000066ffffffff02ebef0e7c0000000000020000018bcfe568000000018bcfe569"
        "f4000000000000002a00030000000700000003360000000a616c7068611666697273742076616c7565020468"
        "3102780e00e807020100002000900304026701040261023104626200");
    const std::vector<record_header> h0{{"h1", as_span("x")}};
    const std::vector<record_header> h2{{"a", as_span("1")}, {"bb", as_span("")}};
    EXPECT_EQ(record_batch_builder(0, ts0)
                  .set_producer_id(42)
                  .set_producer_epoch(3)
                  .set_base_sequence(7)
                  .add(as_span("alpha"), as_span("first value"), ts0, h0)
                  .add(std::nullopt, as_span(""), ts0 + 500)
                  .add(as_span("g"), std::nullopt, ts0 + 200, h2)
                  .build(),
              three);
    ASSERT_TRUE(validate_batch(three, no_limit).has_value());
}

TEST(record_batch, every_accessor) {
    const bytes b = record_batch_builder(1000, ts0)
                        .set_producer_id(42)
                        .set_producer_epoch(3)
                        .set_base_sequence(17)
                        .set_partition_leader_epoch(5)
                        .set_transactional(true)
                        .add(as_span("a"), as_span("b"), ts0 + 20)
                        .add(as_span("c"), as_span("d"), ts0 + 10)
                        .build();
    const record_batch_view v(b);
    EXPECT_EQ(v.base_offset(), 1000);
    EXPECT_EQ(v.batch_length(), static_cast<int32_t>(b.size() - 12));
    EXPECT_EQ(v.size_bytes(), b.size());
    EXPECT_EQ(v.partition_leader_epoch(), 5);
    EXPECT_EQ(v.magic(), 2);
    EXPECT_EQ(v.crc(), sluice::common::crc32c(b.data() + 21, b.size() - 21));
    EXPECT_EQ(v.attributes(), 0x10);
    EXPECT_EQ(v.compression(), compression_type::none);
    EXPECT_EQ(v.timestamp_type(), timestamp_type::create_time);
    EXPECT_TRUE(v.is_transactional());
    EXPECT_FALSE(v.is_control());
    EXPECT_EQ(v.last_offset_delta(), 1);
    EXPECT_EQ(v.last_offset(), 1001);
    EXPECT_EQ(v.base_timestamp(), ts0);
    EXPECT_EQ(v.max_timestamp(), ts0 + 20);
    EXPECT_EQ(v.producer_id(), 42);
    EXPECT_EQ(v.producer_epoch(), 3);
    EXPECT_EQ(v.base_sequence(), 17);
    EXPECT_EQ(v.record_count(), 2);
    EXPECT_EQ(v.records().size(), b.size() - batch_header_bytes);

    auto info = validate_batch(b, no_limit);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->producer_id, 42);
    EXPECT_EQ(info->producer_epoch, 3);
    EXPECT_EQ(info->base_sequence, 17);
    EXPECT_TRUE(info->is_transactional);
    EXPECT_FALSE(info->is_control);
    EXPECT_EQ(info->timestamp_type, timestamp_type::create_time);
    EXPECT_EQ(info->last_offset(), 1001);

    const bytes c = record_batch_builder(0, ts0)
                        .set_control(true)
                        .set_timestamp_type(timestamp_type::log_append_time)
                        .add(std::nullopt, std::nullopt, ts0)
                        .build();
    const record_batch_view cv(c);
    EXPECT_TRUE(cv.is_control());
    EXPECT_FALSE(cv.is_transactional());
    EXPECT_EQ(cv.timestamp_type(), timestamp_type::log_append_time);
    EXPECT_EQ(cv.producer_id(), -1);
    EXPECT_EQ(cv.producer_epoch(), -1);
    EXPECT_EQ(cv.base_sequence(), -1);
    EXPECT_EQ(cv.partition_leader_epoch(), -1);
    EXPECT_TRUE(validate_batch(c, no_limit).has_value());
}

TEST(record_batch, patching_keeps_crc_valid) {
    bytes b = make_test_batch(3, 10, ts0, 1);
    const uint32_t crc = record_batch_view(b).crc();
    patch_base_offset(b, 123456789012);
    patch_partition_leader_epoch(b, 77);
    const record_batch_view v(b);
    EXPECT_EQ(v.base_offset(), 123456789012);
    EXPECT_EQ(v.partition_leader_epoch(), 77);
    EXPECT_EQ(v.last_offset(), 123456789014);
    EXPECT_EQ(v.crc(), crc);
    auto info = validate_batch(b, no_limit);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->base_offset, 123456789012);
}

// Every header byte, two ways: only baseOffset and partitionLeaderEpoch may change
// unnoticed (the CRC leaves them out on purpose), except that a baseOffset turned
// negative is refused as invalid_record; everything else is refused, and with the error
// that names the field.
TEST(record_batch, header_byte_flip_matrix) {
    const bytes good = three_record_batch();
    for (size_t pos = 0; pos < batch_header_bytes; ++pos) {
        for (uint8_t mask : {uint8_t{0xFF}, uint8_t{0x01}}) {
            bytes b = good;
            b[pos] ^= mask;
            auto r = validate_batch(b, no_limit);
            const std::string where = "byte " + std::to_string(pos) + " ^ " + std::to_string(mask);
            if (pos == 0 && (mask & 0x80) != 0) {
                ASSERT_FALSE(r.has_value()) << where;
                EXPECT_EQ(r.error(), errc::invalid_record) << where;
            } else if (pos < batch_field::batch_length ||
                       (pos >= batch_field::partition_leader_epoch && pos < batch_field::magic)) {
                EXPECT_TRUE(r.has_value()) << where;
            } else if (pos < batch_field::partition_leader_epoch) {
                ASSERT_FALSE(r.has_value()) << where;
                EXPECT_EQ(r.error(), errc::batch_length_mismatch) << where;
            } else if (pos == batch_field::magic) {
                ASSERT_FALSE(r.has_value()) << where;
                EXPECT_EQ(r.error(), errc::unsupported_magic) << where;
            } else {
                ASSERT_FALSE(r.has_value()) << where;
                EXPECT_EQ(r.error(), errc::crc_mismatch) << where;
            }
        }
    }
}

TEST(record_batch, records_byte_flip_is_crc_mismatch) {
    const bytes good = three_record_batch();
    for (size_t pos = batch_header_bytes; pos < good.size(); ++pos) {
        for (uint8_t mask : {uint8_t{0xFF}, uint8_t{0x01}, uint8_t{0x80}}) {
            bytes b = good;
            b[pos] ^= mask;
            EXPECT_EQ(error_of(b), errc::crc_mismatch) << "byte " << pos;
        }
    }
}

TEST(record_batch, every_truncation_is_refused) {
    const bytes good = three_record_batch();
    for (size_t n = 0; n < good.size(); ++n) {
        const bytes b(good.begin(), good.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_EQ(error_of(b),
                  n < batch_header_bytes ? errc::batch_too_short : errc::batch_length_mismatch)
            << "length " << n;
    }
    bytes longer = good;
    longer.push_back(0);
    EXPECT_EQ(error_of(longer), errc::batch_length_mismatch);
}

TEST(record_batch, too_large) {
    const bytes b = make_test_batch(4, 1000, ts0, 3);
    EXPECT_EQ(error_of(b, b.size() - 1), errc::batch_too_large);
    EXPECT_TRUE(validate_batch(b, b.size()).has_value());
}

TEST(record_batch, record_structure_with_valid_crc) {
    const bytes good = three_record_batch();
    const auto records = walk(good);
    ASSERT_EQ(records.size(), 3u);

    bytes b = good;  // record 1 claims offsetDelta 2 (zigzag 2 -> 0x04)
    b[records[1].offset_delta_pos] = 0x04;
    recompute_crc(b);
    EXPECT_EQ(error_of(b), errc::offset_delta_mismatch);

    for (int delta : {-1, +1}) {  // record 0's length off by one either way
        b = good;
        b[records[0].start] = static_cast<uint8_t>(b[records[0].start] + 2 * delta);
        recompute_crc(b);
        EXPECT_EQ(error_of(b), errc::invalid_record) << "length delta " << delta;
    }
    b = good;  // the last record's length runs past the batch
    b[records[2].start] = 0x7E;
    recompute_crc(b);
    EXPECT_EQ(error_of(b), errc::invalid_record);

    b = good;  // key length -2: only -1 means null
    b[records[0].offset_delta_pos + 1] = 0x03;
    recompute_crc(b);
    EXPECT_EQ(error_of(b), errc::invalid_record);

    b = good;  // a codec id that does not exist
    set_compression(b, compression_type{5});
    recompute_crc(b);
    EXPECT_EQ(error_of(b), errc::invalid_record);

    b = good;  // one stray byte after the last record
    b.push_back(0xFF);
    put_i32(b, batch_field::batch_length, static_cast<int32_t>(b.size() - 12));
    recompute_crc(b);
    EXPECT_EQ(error_of(b), errc::invalid_record);
}

TEST(record_batch, record_count_with_valid_crc) {
    const bytes good = three_record_batch();
    for (int32_t count : {0, -1, 2, 4}) {  // header rule: lastOffsetDelta stays 2
        bytes b = good;
        put_i32(b, batch_field::record_count, count);
        recompute_crc(b);
        EXPECT_EQ(error_of(b), errc::invalid_record_count) << count;
    }
    for (int32_t count : {2, 4, 1000}) {  // header consistent, records disagree
        bytes b = good;
        put_i32(b, batch_field::record_count, count);
        put_i32(b, batch_field::last_offset_delta, count - 1);
        recompute_crc(b);
        EXPECT_EQ(error_of(b), errc::invalid_record_count) << count;
    }
}

// A compressed batch's records are decompressed and checked (record_batch_codec_test.cc);
// with compressed_records::skip (recovery) only its header is.
TEST(record_batch, compressed_batch_header_checks) {
    bytes b = three_record_batch();
    b[walk(b)[1].offset_delta_pos] = 0x04;  // would be offset_delta_mismatch if walked
    set_compression(b, compression_type::zstd);
    recompute_crc(b);
    EXPECT_EQ(error_of(b), errc::corrupt_compression);  // plain records are no zstd frame
    auto info = validate_batch(b, no_limit, offset_rule::dense, compressed_records::skip);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->compression, compression_type::zstd);
    put_i32(b, batch_field::last_offset_delta, 5);
    recompute_crc(b);
    EXPECT_EQ(error_of(b), errc::invalid_record_count);
}

TEST(record_batch, peek_batch_size) {
    bytes segment;
    std::vector<size_t> sizes;
    for (int i = 1; i <= 4; ++i) {
        const bytes b =
            make_test_batch(i, static_cast<size_t>(i) * 37, ts0, static_cast<uint32_t>(i));
        sizes.push_back(b.size());
        segment.insert(segment.end(), b.begin(), b.end());
    }
    // Step through the concatenation as recovery does.
    size_t pos = 0;
    for (size_t expected : sizes) {
        auto n = peek_batch_size(std::span(segment).subspan(pos));
        ASSERT_TRUE(n);
        EXPECT_EQ(*n, expected);
        EXPECT_TRUE(validate_batch(std::span(segment).subspan(pos, *n), no_limit).has_value());
        pos += *n;
    }
    EXPECT_EQ(pos, segment.size());
    EXPECT_FALSE(peek_batch_size(std::span(segment).subspan(pos)));

    bytes prefix(12, 0);
    EXPECT_FALSE(peek_batch_size(std::span(prefix).first(11)));
    for (auto [length, expected] : {std::pair<int32_t, std::optional<size_t>>{48, std::nullopt},
                                    {49, 61},
                                    {0, std::nullopt},
                                    {-1, std::nullopt},
                                    {INT32_MAX, size_t{12} + INT32_MAX}}) {
        put_i32(prefix, batch_field::batch_length, length);
        EXPECT_EQ(peek_batch_size(prefix), expected) << length;
    }
}

TEST(record_batch, find_offset_for_timestamp) {
    // CreateTime timestamps need not be monotonic within a batch.
    const bytes b = record_batch_builder(100, ts0)
                        .add(std::nullopt, as_span("a"), ts0 + 10)
                        .add(std::nullopt, as_span("b"), ts0 + 50)
                        .add(std::nullopt, as_span("c"), ts0 + 30)
                        .add(std::nullopt, as_span("d"), ts0 + 90)
                        .build();
    ASSERT_TRUE(validate_batch(b, no_limit).has_value());
    EXPECT_EQ(find_offset_for_timestamp(b, INT64_MIN), 100);
    EXPECT_EQ(find_offset_for_timestamp(b, ts0 + 10), 100);
    EXPECT_EQ(find_offset_for_timestamp(b, ts0 + 11), 101);
    EXPECT_EQ(find_offset_for_timestamp(b, ts0 + 30), 101);
    EXPECT_EQ(find_offset_for_timestamp(b, ts0 + 51), 103);
    EXPECT_EQ(find_offset_for_timestamp(b, ts0 + 90), 103);
    EXPECT_EQ(find_offset_for_timestamp(b, ts0 + 91), std::nullopt);

    // LogAppendTime: every record carries maxTimestamp, so the first record answers.
    bytes lat = record_batch_builder(200, ts0)
                    .set_timestamp_type(timestamp_type::log_append_time)
                    .add(std::nullopt, as_span("a"), ts0)
                    .add(std::nullopt, as_span("b"), ts0 + 40)
                    .build();
    EXPECT_EQ(find_offset_for_timestamp(lat, ts0 + 40), 200);
    EXPECT_EQ(find_offset_for_timestamp(lat, ts0 + 41), std::nullopt);

    // Compressed: the records inside answer, exactly as uncompressed.
    bytes compressed;
    ASSERT_TRUE(recompress_batch(b, 3, 0, compressed));
    ASSERT_TRUE(validate_batch(compressed, no_limit).has_value());
    EXPECT_EQ(find_offset_for_timestamp(compressed, ts0 + 90), 103);
    EXPECT_EQ(find_offset_for_timestamp(compressed, ts0 + 91), std::nullopt);
    // One that does not decompress (stored before the codecs): the whole batch answers.
    bytes broken = b;
    set_compression(broken, compression_type::lz4);
    recompute_crc(broken);
    EXPECT_EQ(find_offset_for_timestamp(broken, ts0 + 90), 100);
    EXPECT_EQ(find_offset_for_timestamp(broken, ts0 + 91), std::nullopt);
}

TEST(record_batch, null_key_value_and_headers_round_trip) {
    const bytes b = three_record_batch();
    ASSERT_TRUE(validate_batch(b, no_limit).has_value());
    const auto r = walk(b);
    ASSERT_EQ(r.size(), 3u);
    for (int32_t i = 0; i < 3; ++i) EXPECT_EQ(r[i].offset_delta, i);
    EXPECT_EQ(r[0].key, "k0");
    EXPECT_EQ(r[0].value, "v0");
    EXPECT_EQ(r[0].timestamp_delta, 0);
    EXPECT_TRUE(r[0].headers.empty());
    EXPECT_EQ(r[1].key, std::nullopt);
    EXPECT_EQ(r[1].value, "v1");
    EXPECT_EQ(r[1].timestamp_delta, 7);
    ASSERT_EQ(r[1].headers.size(), 2u);
    EXPECT_EQ(r[1].headers[0].first, "trace");
    EXPECT_EQ(r[1].headers[0].second, "abc");
    EXPECT_EQ(r[1].headers[1].first, "empty");
    EXPECT_EQ(r[1].headers[1].second, std::nullopt);
    EXPECT_EQ(r[2].key, "k2");
    EXPECT_EQ(r[2].value, std::nullopt);
    EXPECT_EQ(record_batch_view(b).max_timestamp(), ts0 + 7);
}

// Random damage behind a recomputed CRC: the validator must stay inside the buffer (the
// ASan build checks) and anything it accepts must still parse as three dense records.
TEST(record_batch, random_damage_with_valid_crc) {
    const uint32_t seed = 20240611;
    std::mt19937 rng(seed);
    const bytes good = three_record_batch();
    for (int i = 0; i < 20000; ++i) {
        bytes b = good;
        for (uint32_t n = 1 + rng() % 3; n > 0; --n) {
            b[batch_header_bytes + rng() % (b.size() - batch_header_bytes)] =
                static_cast<uint8_t>(rng());
        }
        recompute_crc(b);
        if (!validate_batch(b, no_limit).has_value()) continue;
        const auto records = walk(b);
        ASSERT_EQ(records.size(), 3u) << "seed " << seed << " iteration " << i;
        for (int32_t k = 0; k < 3; ++k) ASSERT_EQ(records[k].offset_delta, k) << "seed " << seed;
    }
}

TEST(record_batch_death, view_needs_a_whole_header) {
    const bytes short_batch(60, 0);
    EXPECT_DEATH(record_batch_view{short_batch}, "batch view over 60 bytes");
}
