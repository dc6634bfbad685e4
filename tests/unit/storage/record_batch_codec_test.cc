// Compressed batches: records checked inside, recompression keeps everything but the codec.

#include <gtest/gtest.h>

#include "sluice/common/crc32c.h"
#include "sluice/common/endian.h"
#include "sluice/compression/codec.h"
#include "sluice/storage/record_batch.h"
#include "sluice/storage/record_batch_builder.h"
#include "sluice/storage/record_reader.h"

namespace sluice::storage {
namespace {

std::vector<uint8_t> sample() {
    record_batch_builder b(0, 1'700'000'000'000);
    b.set_producer_id(77).set_producer_epoch(3).set_base_sequence(40);
    for (int i = 0; i < 20; ++i) {
        const std::string k = "key-" + std::to_string(i), v(200, char('a' + i % 26));
        b.add(std::span(reinterpret_cast<const uint8_t*>(k.data()), k.size()),
              std::span(reinterpret_cast<const uint8_t*>(v.data()), v.size()),
              1'700'000'000'000 + i);
    }
    return b.build();
}

std::vector<std::string> values(std::span<const uint8_t> batch) {
    std::vector<std::string> out;
    std::vector<uint8_t> plain;
    EXPECT_TRUE(decompress_records(batch, plain));
    // Walk the plain records through an uncompressed copy of the batch.
    std::vector<uint8_t> flat(batch.begin(), batch.begin() + batch_header_bytes);
    flat.insert(flat.end(), plain.begin(), plain.end());
    common::store_be16(flat.data() + batch_field::attributes, 0);
    EXPECT_TRUE(for_each_record(
        flat, [&](const record_view& r) { out.emplace_back(r.value->begin(), r.value->end()); }));
    return out;
}

TEST(record_batch_codec, recompression_round_trips_through_every_codec) {
    const auto original = sample();
    const auto want = values(original);
    std::vector<uint8_t> cur = original;
    for (uint8_t codec : {4, 1, 2, 3, 0, 4}) {
        SCOPED_TRACE("codec " + std::to_string(codec));
        std::vector<uint8_t> next;
        ASSERT_TRUE(recompress_batch(cur, codec,
                                     compression::level_default(compression::codec(codec)), next));
        auto info = validate_batch(next, SIZE_MAX);
        ASSERT_TRUE(info) << describe(info.error());
        EXPECT_EQ(static_cast<uint8_t>(info->compression), codec);
        EXPECT_EQ(info->record_count, 20);
        EXPECT_EQ(info->producer_id, 77);
        EXPECT_EQ(info->producer_epoch, 3);
        EXPECT_EQ(info->base_sequence, 40);
        EXPECT_EQ(info->max_timestamp, 1'700'000'000'019);
        EXPECT_EQ(values(next), want);
        if (codec != 0) {
            EXPECT_LT(next.size(), original.size());
        }
        cur = std::move(next);
    }
    EXPECT_EQ(cur.size(), [&] {
        std::vector<uint8_t> z;
        EXPECT_TRUE(recompress_batch(original, 4, 3, z));
        return z.size();
    }());
}

TEST(record_batch_codec, compressed_records_are_checked_against_the_header) {
    auto batch = sample();
    std::vector<uint8_t> zstd;
    ASSERT_TRUE(recompress_batch(batch, 4, 3, zstd));
    // The header claims one record more than the frame holds: fixed up CRC and all.
    auto lying = zstd;
    uint8_t* p = lying.data();
    common::store_be32(p + batch_field::record_count, 21);
    common::store_be32(p + batch_field::last_offset_delta, 20);
    common::store_be32(
        p + batch_field::crc,
        common::crc32c(p + batch_field::attributes, lying.size() - batch_field::attributes));
    EXPECT_EQ(validate_batch(lying, SIZE_MAX).error(), errc::invalid_record_count);
    // Header-only checking (recovery) lets it through: the records are not read there.
    EXPECT_TRUE(validate_batch(lying, SIZE_MAX, offset_rule::dense, compressed_records::skip));
    // Garbage where the frame should be.
    auto garbage = zstd;
    for (size_t i = batch_header_bytes; i < garbage.size(); ++i) garbage[i] = 0x33;
    p = garbage.data();
    common::store_be32(
        p + batch_field::crc,
        common::crc32c(p + batch_field::attributes, garbage.size() - batch_field::attributes));
    EXPECT_EQ(validate_batch(garbage, SIZE_MAX).error(), errc::corrupt_compression);
    std::vector<uint8_t> out;
    EXPECT_EQ(recompress_batch(garbage, 1, -1, out).error(), errc::corrupt_compression);
}

TEST(record_batch_codec, decompression_is_bounded) {
    std::vector<uint8_t> zeros(max_decompressed_records_bytes + 1), frame;
    ASSERT_TRUE(compression::compress(compression::codec::zstd, zeros, frame, 3));
    zeros = {};
    auto batch = sample();
    batch.resize(batch_header_bytes);
    batch.insert(batch.end(), frame.begin(), frame.end());
    uint8_t* p = batch.data();
    common::store_be32(p + batch_field::batch_length,
                       static_cast<uint32_t>(batch.size() - batch_log_overhead_bytes));
    common::store_be16(p + batch_field::attributes, 4);
    common::store_be32(
        p + batch_field::crc,
        common::crc32c(p + batch_field::attributes, batch.size() - batch_field::attributes));
    EXPECT_EQ(validate_batch(batch, SIZE_MAX).error(), errc::corrupt_compression);
}

}  // namespace
}  // namespace sluice::storage
