// The exact wire formats: what we write, byte by byte where Kafka's clients care, and what
// independent producers write: Java's GZIPOutputStream, Python's gzip module, snappy-java's
// documented stream, and the C libraries' own one-shot and streaming APIs.

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string>

#include "codec_test_util.h"
#include "sluice/common/endian.h"
#include "sluice/compression/codec.h"

using namespace sluice::compression;
using namespace sluice::compression::test;

namespace {

// ---- gzip ----

TEST(gzip_format, writes_one_gzip_member) {
    const bytes data = repetitive_bytes(100'000);
    const bytes packed = compressed(codec::gzip, data);
    ASSERT_GE(packed.size(), 18u);
    EXPECT_EQ(packed[0], 0x1f);
    EXPECT_EQ(packed[1], 0x8b);
    EXPECT_EQ(packed[2], 8);  // deflate
    EXPECT_EQ(packed[3], 0);  // no name, comment, extra or header CRC
    const uint8_t* trailer = packed.data() + packed.size() - 8;
    uint32_t crc = 0;
    uint32_t isize = 0;
    std::memcpy(&crc, trailer, 4);  // both little-endian, as is this machine
    std::memcpy(&isize, trailer + 4, 4);
    EXPECT_EQ(crc, crc32(0, data.data(), static_cast<uInt>(data.size())));
    EXPECT_EQ(isize, data.size());

    // zlib alone, gzip only (15+16), reads it back.
    z_stream zs{};
    ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
    bytes plain(data.size());
    zs.next_in = const_cast<Bytef*>(packed.data());
    zs.avail_in = static_cast<uInt>(packed.size());
    zs.next_out = plain.data();
    zs.avail_out = static_cast<uInt>(plain.size());
    EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
    EXPECT_EQ(zs.avail_in, 0u);
    inflateEnd(&zs);
    EXPECT_EQ(plain, data);
}

TEST(gzip_format, reads_java_gzip_output_stream) {
    // java.util.zip.GZIPOutputStream (OpenJDK 17, 8 KiB buffer, as Kafka's GzipCompression
    // wraps it) of the text below.
    const bytes java = from_hex(
        "1f8b08000000000000ff0dca410a80201005d0abfc0384d7886a51d0aedda4135a9aa26350a7cfede34d74"
        "5c84cc3a66839d44db0e3a8694b9146ef2e2a4875415e7d5e792eab76199aba42aab64a6002a10cb18db82"
        "f68e6f81895cd40ffc8e8b6859000000");
    EXPECT_EQ(decompressed(codec::gzip, java),
              from_text("Kafka record batch, compressed by java.util.zip.GZIPOutputStream as the "
                        "Java client does."));
}

TEST(gzip_format, reads_concatenated_members) {
    // Python 3.11 gzip.compress(..., mtime=0) of two strings, concatenated: GZIPInputStream
    // reads on past the first member, and so do we.
    const bytes one = from_hex(
        "1f8b08000000000002032ba82cc9c8cf5348afca2c50c84dcd4d4a2d52c8cf4bb55600003603412018000000");
    const bytes two = from_hex(
        "1f8b08000000000002032ba82cc9c8cf5348afca2c50c84dcd4d4a2d522829cfd7030073b1312217000000");
    EXPECT_EQ(decompressed(codec::gzip, one), from_text("python gzip member one; "));
    bytes both = one;
    both.insert(both.end(), two.begin(), two.end());
    EXPECT_EQ(decompressed(codec::gzip, both),
              from_text("python gzip member one; python gzip member two."));
    // An empty member in the middle changes nothing.
    bytes with_empty = one;
    const bytes empty = compressed(codec::gzip, {});
    with_empty.insert(with_empty.end(), empty.begin(), empty.end());
    with_empty.insert(with_empty.end(), two.begin(), two.end());
    EXPECT_EQ(decompressed(codec::gzip, with_empty), decompressed(codec::gzip, both));
}

TEST(gzip_format, reads_a_zlib_stream_too) {
    // librdkafka inflates with windowBits 15+32, which also takes a zlib header.
    const bytes data = repetitive_bytes(5000);
    uLongf size = compressBound(data.size());
    bytes packed(size);
    ASSERT_EQ(compress2(packed.data(), &size, data.data(), data.size(), 6), Z_OK);
    packed.resize(size);
    EXPECT_EQ(decompressed(codec::gzip, packed), data);
}

// ---- snappy ----

// snappy-java's documented example: SnappyOutputStream of "foobar\n" (the comment at the
// top of src/compression/snappy.cc takes it apart).
bytes snappy_java_example() {
    return from_hex(
        "82534e4150505900"
        "00000001"
        "00000001"
        "00000009"
        "0718"
        "666f6f6261720a");
}

TEST(snappy_format, writes_xerial_framing_byte_by_byte) {
    const bytes packed = compressed(codec::snappy, from_text("foobar\n"));
    const bytes expected = {0x82, 'S',  'N',  'A',  'P', 'P', 'Y', 0x00,  // magic
                            0x00, 0x00, 0x00, 0x01,                       // version 1
                            0x00, 0x00, 0x00, 0x01,  // minimum compatible version 1
                            0x00, 0x00, 0x00, 0x09,  // block length 9
                            0x07,                    // uncompressed length 7
                            0x18,                    // literal, 7 bytes
                            'f',  'o',  'o',  'b',  'a', 'r', '\n'};
    EXPECT_EQ(packed, expected);
    EXPECT_EQ(packed, snappy_java_example());
    // Empty input: the header alone, which snappy-java reads as an empty stream.
    EXPECT_EQ(compressed(codec::snappy, {}), bytes(expected.begin(), expected.begin() + 16));
}

TEST(snappy_format, writes_blocks_of_32_kib) {
    const bytes data = random_bytes(mib + 5);
    const bytes packed = compressed(codec::snappy, data);
    size_t pos = 16;
    bytes joined;
    size_t blocks = 0;
    while (pos < packed.size()) {
        ASSERT_LE(pos + 4, packed.size());
        const uint32_t length = sluice::common::load_be32(packed.data() + pos);
        ASSERT_LE(pos + 4 + length, packed.size());
        const char* block = reinterpret_cast<const char*>(packed.data() + pos + 4);
        size_t plain_size = 0;
        ASSERT_EQ(snappy_uncompressed_length(block, length, &plain_size), SNAPPY_OK);
        EXPECT_EQ(plain_size, blocks < 32 ? 32768u : 5u) << "block " << blocks;
        bytes plain(plain_size);
        ASSERT_EQ(
            snappy_uncompress(block, length, reinterpret_cast<char*>(plain.data()), &plain_size),
            SNAPPY_OK);
        joined.insert(joined.end(), plain.begin(), plain.end());
        pos += 4 + length;
        ++blocks;
    }
    EXPECT_EQ(blocks, 33u);
    EXPECT_EQ(joined, data);
}

bytes raw_snappy(std::span<const uint8_t> data) {
    size_t size = snappy_max_compressed_length(data.size());
    bytes out(size);
    EXPECT_EQ(snappy_compress(reinterpret_cast<const char*>(data.data()), data.size(),
                              reinterpret_cast<char*>(out.data()), &size),
              SNAPPY_OK);
    out.resize(size);
    return out;
}

/// A xerial stream built here from the snappy C API, with the block size given.
bytes xerial_stream(std::span<const uint8_t> data, size_t block_size) {
    const bytes header = snappy_java_example();
    bytes out(header.begin(), header.begin() + 16);
    for (size_t pos = 0; pos < data.size(); pos += block_size) {
        const bytes block = raw_snappy(data.subspan(pos, std::min(block_size, data.size() - pos)));
        uint8_t length[4];
        sluice::common::store_be32(length, static_cast<uint32_t>(block.size()));
        out.insert(out.end(), length, length + 4);
        out.insert(out.end(), block.begin(), block.end());
    }
    return out;
}

TEST(snappy_format, reads_snappy_java_and_raw_blocks) {
    EXPECT_EQ(decompressed(codec::snappy, snappy_java_example()), from_text("foobar\n"));
    // librdkafka writes one raw block (no framing): here from the snappy C API.
    for (const bytes& data : {from_text("z"), repetitive_bytes(100'000), random_bytes(70'000)}) {
        EXPECT_EQ(decompressed(codec::snappy, raw_snappy(data)), data);
    }
    // The empty raw block is one byte, its length 0.
    EXPECT_TRUE(decompressed(codec::snappy, raw_snappy({})).empty());
}

TEST(snappy_format, reads_other_block_sizes_and_concatenated_streams) {
    const bytes data = repetitive_bytes(300'000);
    EXPECT_EQ(decompressed(codec::snappy, xerial_stream(data, 1000)), data);
    EXPECT_EQ(decompressed(codec::snappy, xerial_stream(data, 256 * 1024)), data);
    // Two streams back to back: snappy-java reads the second header and goes on.
    const std::span<const uint8_t> all(data);
    bytes two = xerial_stream(all.first(100'000), 4096);
    const bytes second = xerial_stream(all.subspan(100'000), 32768);
    two.insert(two.end(), second.begin(), second.end());
    EXPECT_EQ(decompressed(codec::snappy, two), data);
}

TEST(snappy_format, refuses_versions_below_1) {
    bytes stream = snappy_java_example();
    stream[11] = 0;  // version 0
    bytes out;
    auto r = decompress(codec::snappy, stream, out, mib);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt);
    stream[8] = 0x80;  // negative
    stream[11] = 1;
    r = decompress(codec::snappy, stream, out, mib);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt);
    // A later version is fine; the compatible-version field is not checked (snappy-java).
    stream[8] = 0;
    stream[11] = 2;
    stream[15] = 2;
    EXPECT_EQ(decompressed(codec::snappy, stream), from_text("foobar\n"));
}

// ---- lz4 ----

bytes lz4f_frame(std::span<const uint8_t> data, const LZ4F_preferences_t& prefs) {
    bytes out(LZ4F_compressFrameBound(data.size(), &prefs));
    const size_t n = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), &prefs);
    EXPECT_FALSE(LZ4F_isError(n)) << LZ4F_getErrorName(n);
    out.resize(LZ4F_isError(n) ? 0 : n);
    return out;
}

LZ4F_preferences_t lz4_prefs() {
    LZ4F_preferences_t prefs;
    std::memset(&prefs, 0, sizeof prefs);
    return prefs;
}

TEST(lz4_format, writes_the_frame_kafka_java_reads) {
    const bytes data = repetitive_bytes(300'000);
    const bytes packed = compressed(codec::lz4, data);
    // Magic, FLG 0x60 (version 1, independent blocks, no checksums, no content size),
    // BD 0x40 (64 KiB blocks): the bytes Lz4BlockOutputStream writes.
    ASSERT_GE(packed.size(), 11u);
    EXPECT_EQ(bytes(packed.begin(), packed.begin() + 6),
              (bytes{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40}));
    EXPECT_EQ(bytes(packed.end() - 4, packed.end()), bytes(4, 0));  // EndMark
    // Every block at most 64 KiB; LZ4F alone reads the frame back (checking the header
    // checksum byte).
    size_t pos = 7;
    while (true) {
        uint32_t word = 0;
        std::memcpy(&word, packed.data() + pos, 4);
        if (word == 0) break;
        EXPECT_LE(word & 0x7fffffff, 65536u);
        pos += 4 + (word & 0x7fffffff);
        ASSERT_LT(pos + 4, packed.size() + 1);
    }
    EXPECT_EQ(pos + 4, packed.size());
    LZ4F_dctx* dctx = nullptr;
    ASSERT_FALSE(LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)));
    bytes plain(data.size() + 1);
    size_t out_size = plain.size();
    size_t in_size = packed.size();
    EXPECT_EQ(LZ4F_decompress(dctx, plain.data(), &out_size, packed.data(), &in_size, nullptr), 0u);
    LZ4F_freeDecompressionContext(dctx);
    plain.resize(out_size);
    EXPECT_EQ(plain, data);
}

TEST(lz4_format, reads_every_frame_option_lz4f_writes) {
    const bytes data = repetitive_bytes(600'000);
    for (auto block_size : {LZ4F_max64KB, LZ4F_max256KB, LZ4F_max1MB, LZ4F_max4MB}) {
        for (auto mode : {LZ4F_blockIndependent, LZ4F_blockLinked}) {
            for (int flags = 0; flags < 8; ++flags) {
                LZ4F_preferences_t prefs = lz4_prefs();
                prefs.frameInfo.blockSizeID = block_size;
                prefs.frameInfo.blockMode = mode;
                prefs.frameInfo.contentChecksumFlag =
                    (flags & 1) ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
                prefs.frameInfo.blockChecksumFlag =
                    (flags & 2) ? LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum;
                prefs.frameInfo.contentSize = (flags & 4) ? data.size() : 0;
                prefs.compressionLevel = block_size == LZ4F_max4MB ? 9 : 0;  // HC and fast
                SCOPED_TRACE("block size id " + std::to_string(block_size) + " mode " +
                             std::to_string(mode) + " flags " + std::to_string(flags));
                EXPECT_EQ(decompressed(codec::lz4, lz4f_frame(data, prefs), data.size()), data);
            }
        }
    }
}

TEST(lz4_format, reads_concatenated_and_skippable_frames) {
    const bytes one = from_text("first frame; ");
    const bytes two = random_bytes(100'000);
    bytes stream = lz4f_frame(one, lz4_prefs());
    // A skippable frame: magic 0x184D2A5x, little-endian length, that many bytes.
    const bytes skippable = {0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'};
    stream.insert(stream.end(), skippable.begin(), skippable.end());
    const bytes second = lz4f_frame(two, lz4_prefs());
    stream.insert(stream.end(), second.begin(), second.end());
    bytes expected = one;
    expected.insert(expected.end(), two.begin(), two.end());
    EXPECT_EQ(decompressed(codec::lz4, stream), expected);
}

// ---- zstd ----

TEST(zstd_format, writes_one_frame_with_its_content_size) {
    const bytes data = repetitive_bytes(300'000);
    const bytes packed = compressed(codec::zstd, data);
    EXPECT_EQ(ZSTD_findFrameCompressedSize(packed.data(), packed.size()), packed.size());
    EXPECT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), data.size());
    bytes plain(data.size());
    EXPECT_EQ(ZSTD_decompress(plain.data(), plain.size(), packed.data(), packed.size()),
              data.size());
    EXPECT_EQ(plain, data);
}

/// A frame as a streaming producer writes it: no content size, optionally a checksum.
bytes zstd_streamed(std::span<const uint8_t> data, int level, bool checksum) {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0);
    bytes out(ZSTD_compressBound(data.size()) + 64);
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    // Fed in 1000-byte pieces, so that the frame header cannot know the total.
    for (size_t pos = 0; pos < data.size(); pos += 1000) {
        ZSTD_inBuffer input{data.data() + pos, std::min<size_t>(1000, data.size() - pos), 0};
        while (input.pos < input.size) {
            EXPECT_FALSE(
                ZSTD_isError(ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue)));
        }
    }
    ZSTD_inBuffer none{nullptr, 0, 0};
    size_t left = 1;
    while (left != 0) {
        left = ZSTD_compressStream2(cctx, &output, &none, ZSTD_e_end);
        EXPECT_FALSE(ZSTD_isError(left));
        if (ZSTD_isError(left)) break;
    }
    ZSTD_freeCCtx(cctx);
    out.resize(output.pos);
    return out;
}

TEST(zstd_format, reads_what_libzstd_writes) {
    const bytes data = repetitive_bytes(150'000);
    for (int level : {-5, 1, 3, 12, 19}) {
        SCOPED_TRACE("level " + std::to_string(level));
        bytes oneshot(ZSTD_compressBound(data.size()));
        oneshot.resize(
            ZSTD_compress(oneshot.data(), oneshot.size(), data.data(), data.size(), level));
        EXPECT_EQ(decompressed(codec::zstd, oneshot, data.size()), data);
        const bytes streamed = zstd_streamed(data, level, level % 2 != 0);
        EXPECT_EQ(ZSTD_getFrameContentSize(streamed.data(), streamed.size()),
                  ZSTD_CONTENTSIZE_UNKNOWN);
        // With a small limit: the window the frame declares is allowed (8 MiB floor).
        EXPECT_EQ(decompressed(codec::zstd, streamed, data.size()), data);
    }
}

TEST(zstd_format, reads_concatenated_and_skippable_frames) {
    const bytes one = repetitive_bytes(70'000);
    const bytes two = random_bytes(10'000);
    bytes stream = compressed(codec::zstd, one);
    const bytes skippable = {0x53, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 'h', 'i'};
    stream.insert(stream.end(), skippable.begin(), skippable.end());
    const bytes second = zstd_streamed(two, 1, true);
    stream.insert(stream.end(), second.begin(), second.end());
    bytes expected = one;
    expected.insert(expected.end(), two.begin(), two.end());
    EXPECT_EQ(decompressed(codec::zstd, stream, expected.size()), expected);
    // A skippable frame alone is a valid, empty stream.
    EXPECT_TRUE(decompressed(codec::zstd, skippable).empty());
}

}  // namespace
