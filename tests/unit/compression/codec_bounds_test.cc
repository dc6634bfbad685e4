// What a hostile producer can send: zip bombs for every codec (refused with too_large, in
// time and memory proportional to max_out, not to the bomb), frames that ask for a huge
// window, every truncation, random garbage and every single-byte flip (refused, never a
// crash; the ASan build runs these too).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "codec_test_util.h"
#include "sluice/common/endian.h"
#include "sluice/compression/codec.h"

using namespace sluice::compression;
using namespace sluice::compression::test;

namespace {

constexpr size_t limit = mib;  // max_out of every bomb below

bytes repeated(const bytes& unit, size_t times) {
    bytes out;
    out.reserve(unit.size() * times);
    for (size_t i = 0; i < times; ++i) out.insert(out.end(), unit.begin(), unit.end());
    return out;
}

// ---- bombs ----

/// 10 GiB of zeros as 10240 gzip members of 1 MiB each (about 10 MiB): GZIPInputStream
/// reads them all, so it is a valid gzip stream.
bytes gzip_bomb() {
    return repeated(compressed(codec::gzip, bytes(mib, 0)), 10 * 1024);
}

/// A zstd frame of `blocks` RLE blocks of 128 KiB zeros (4 bytes each, ratio 32768:1),
/// written from RFC 8878 section 3.1.1, with or without its content size in the header.
bytes zstd_rle_bomb(size_t blocks, bool declare_size) {
    constexpr uint32_t block_bytes = 128 * 1024;
    bytes out = {0x28, 0xb5, 0x2f, 0xfd};
    out.push_back(declare_size ? 0xc0 : 0x00);  // FHD: 8-byte content size, or none
    out.push_back((17 - 10) << 3);              // window descriptor: 2^17 = 128 KiB
    if (declare_size) {
        const uint64_t size = uint64_t{block_bytes} * blocks;
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(size >> (8 * i)));
    }
    for (size_t i = 0; i < blocks; ++i) {
        const uint32_t header = (block_bytes << 3) | (1 << 1) | (i + 1 == blocks ? 1 : 0);
        out.push_back(static_cast<uint8_t>(header));
        out.push_back(static_cast<uint8_t>(header >> 8));
        out.push_back(static_cast<uint8_t>(header >> 16));
        out.push_back(0);  // the byte repeated
    }
    return out;
}

/// 1 GiB of zeros as 64 LZ4 frames of 16 MiB (about 4 MiB).
bytes lz4_bomb() {
    return repeated(compressed(codec::lz4, bytes(16 * mib, 0)), 64);
}

/// 16 MiB of zeros as one raw snappy block (about 770 KiB), as librdkafka would send it.
bytes raw_snappy_bomb() {
    const bytes zeros(16 * mib, 0);
    size_t size = snappy_max_compressed_length(zeros.size());
    bytes out(size);
    EXPECT_EQ(snappy_compress(reinterpret_cast<const char*>(zeros.data()), zeros.size(),
                              reinterpret_cast<char*>(out.data()), &size),
              SNAPPY_OK);
    out.resize(size);
    return out;
}

struct bomb {
    std::string name;
    codec c;
    bytes data;
};

const std::vector<bomb>& bombs() {
    static const std::vector<bomb> all = [] {
        std::vector<bomb> b;
        b.push_back({"gzip 10 GiB in members", codec::gzip, gzip_bomb()});
        b.push_back({"gzip 16 MiB in one member", codec::gzip,
                     compressed(codec::gzip, bytes(16 * mib, 0))});
        b.push_back({"zstd 10 GiB, no content size", codec::zstd, zstd_rle_bomb(81920, false)});
        b.push_back({"zstd 10 GiB, content size", codec::zstd, zstd_rle_bomb(81920, true)});
        b.push_back({"lz4 1 GiB in frames", codec::lz4, lz4_bomb()});
        b.push_back(
            {"snappy xerial 16 MiB", codec::snappy, compressed(codec::snappy, bytes(16 * mib, 0))});
        b.push_back({"snappy raw 16 MiB", codec::snappy, raw_snappy_bomb()});
        return b;
    }();
    return all;
}

TEST(codec_bombs, the_bombs_are_real) {
    // Each bomb decodes while the limit allows (checked on a part where the whole is too
    // big to hold), so the too_large below is the limit at work.
    auto decodes_to_zeros = [](codec c, std::span<const uint8_t> in, size_t size) {
        bytes out;
        auto r = decompress(c, in, out, size);
        ASSERT_TRUE(r) << name(c) << ": " << describe(r.error());
        EXPECT_EQ(out.size(), size);
        EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](uint8_t x) { return x == 0; }));
    };
    const std::vector<bomb>& b = bombs();
    decodes_to_zeros(codec::gzip, std::span(b[0].data).first(b[0].data.size() / 5120), 2 * mib);
    decodes_to_zeros(codec::gzip, b[1].data, 16 * mib);
    decodes_to_zeros(codec::zstd, zstd_rle_bomb(8, false), mib);
    decodes_to_zeros(codec::zstd, zstd_rle_bomb(8, true), mib);
    decodes_to_zeros(codec::lz4, std::span(b[4].data).first(b[4].data.size() / 64), 16 * mib);
    decodes_to_zeros(codec::snappy, b[5].data, 16 * mib);
    decodes_to_zeros(codec::snappy, b[6].data, 16 * mib);
}

TEST(codec_bombs, refused_quickly_with_bounded_output) {
    for (const bomb& b : bombs()) {
        SCOPED_TRACE(b.name + " (" + std::to_string(b.data.size()) + " bytes)");
        bytes out = from_text("prefix");
        out.shrink_to_fit();
        const auto start = std::chrono::steady_clock::now();
        auto r = decompress(b.c, b.data, out, limit);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), errc::too_large);
        EXPECT_EQ(out, from_text("prefix"));  // restored
        EXPECT_LE(out.capacity(), 6 + limit + 1);
        // Decoding 1 MiB takes milliseconds; the whole bomb would take seconds to minutes.
        EXPECT_LT(seconds, 2.0);
    }
}

/// Peak RSS growth in KiB while fn runs, measured in a forked child so that nothing else
/// in this process disturbs it (writing 5 to /proc/self/clear_refs resets the peak);
/// nullopt where that reset is not available.
std::optional<long> peak_rss_growth_kib(const std::function<void()>& fn) {
    auto peak_kib = []() -> long {
        std::ifstream status("/proc/self/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
        }
        return -1;
    };
    int fds[2];
    if (::pipe(fds) != 0) return std::nullopt;
    const pid_t pid = ::fork();
    if (pid == 0) {
        long growth = -1;
        const int reset = ::open("/proc/self/clear_refs", O_WRONLY);
        if (reset >= 0 && ::write(reset, "5", 1) == 1) {
            const long before = peak_kib();
            fn();
            const long after = peak_kib();
            if (before >= 0 && after >= 0) growth = after - before;
        }
        (void)!::write(fds[1], &growth, sizeof growth);
        ::_exit(0);
    }
    ::close(fds[1]);
    long growth = -1;
    const bool got = ::read(fds[0], &growth, sizeof growth) == sizeof growth;
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!got || growth < 0) return std::nullopt;
    return growth;
}

constexpr long rss_growth_max_kib = 32 * 1024;

TEST(codec_bombs, memory_stays_bounded) {
    // The measurement itself: touching 64 MiB shows.
    auto control = peak_rss_growth_kib([] {
        bytes big(64 * mib, 1);
        EXPECT_EQ(big[12345], 1);
    });
    if (!control) GTEST_SKIP() << "/proc/self/clear_refs cannot reset the peak RSS here";
    ASSERT_GT(*control, 60 * 1024) << "the RSS measurement does not see a 64 MiB allocation";
    for (const bomb& b : bombs()) {
        auto growth = peak_rss_growth_kib([&] {
            bytes out;
            auto r = decompress(b.c, b.data, out, limit);
            if (r || r.error() != errc::too_large) ::_exit(1);
        });
        ASSERT_TRUE(growth) << b.name;
        EXPECT_LT(*growth, rss_growth_max_kib) << b.name << ": peak RSS grew by " << *growth
                                               << " KiB for a limit of " << limit / 1024 << " KiB";
    }
}

/// A zstd frame with no content size whose window is 2^window_log, holding "a" in one raw
/// block.
bytes zstd_window_frame(int window_log) {
    return {0x28, 0xb5, 0x2f, 0xfd, 0x00, static_cast<uint8_t>((window_log - 10) << 3),
            0x09, 0x00, 0x00, 'a'};
}

TEST(codec_bombs, zstd_window_is_bounded) {
    bytes out;
    // librdkafka's and zstd-jni's streaming frames declare 2 MiB (level 3) to 8 MiB
    // (level 19) whatever the batch size: allowed even under a tiny limit.
    for (int log : {10, 21, 23}) {
        out.clear();
        auto r = decompress(codec::zstd, zstd_window_frame(log), out, 1024);
        ASSERT_TRUE(r) << log;
        EXPECT_EQ(out, from_text("a"));
    }
    // 128 MiB needs a limit that large; above 128 MiB never.
    auto r = decompress(codec::zstd, zstd_window_frame(27), out, limit);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::too_large);
    out.clear();
    EXPECT_TRUE(decompress(codec::zstd, zstd_window_frame(27), out, 128 * mib));
    EXPECT_EQ(out, from_text("a"));
    r = decompress(codec::zstd, zstd_window_frame(28), out, SIZE_MAX);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::too_large);
}

TEST(codec_bombs, snappy_length_claims_beyond_any_valid_block_are_corrupt) {
    // A raw block claiming 4 GiB - 1 in six bytes: no snappy stream can expand that much.
    const bytes claim = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
    bytes out;
    auto r = decompress(codec::snappy, claim, out, SIZE_MAX);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt);
    EXPECT_EQ(out.capacity(), 0u);  // refused before allocating
}

// ---- truncation and garbage ----

bytes mixed_input() {
    bytes data = repetitive_bytes(40'000);
    const bytes noise = random_bytes(1000);
    std::copy(noise.begin(), noise.end(), data.begin() + 20'000);
    return data;
}

TEST(codec_garbage, every_truncation_is_corrupt) {
    const bytes data = mixed_input();
    for (codec c : compressing_codecs) {
        const bytes packed = compressed(c, data);
        for (size_t n = 0; n < packed.size(); ++n) {
            bytes out;
            auto r = decompress(c, std::span(packed).first(n), out, 4 * mib);
            if (c == codec::snappy && r) {
                // xerial has no end marker: a cut at a block boundary is a shorter stream
                // (the header alone, or the first 32 KiB block). The batch's record count
                // catches it one layer up.
                const size_t first_block = 4 + sluice::common::load_be32(packed.data() + 16);
                EXPECT_TRUE(n == 16 || n == 16 + first_block) << "cut at " << n;
                EXPECT_TRUE(std::equal(out.begin(), out.end(), data.begin())) << n;
                continue;
            }
            ASSERT_FALSE(r) << name(c) << " accepted a cut at " << n << " of " << packed.size();
            EXPECT_EQ(r.error(), errc::corrupt) << name(c) << " cut at " << n;
            EXPECT_TRUE(out.empty());
        }
    }
}

TEST(codec_garbage, random_bytes_are_refused) {
    std::mt19937_64 rng(seed);
    const std::pair<codec, bytes> magics[] = {
        {codec::gzip, {0x1f, 0x8b, 0x08, 0x00}},
        {codec::snappy, {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1}},
        {codec::lz4, {0x04, 0x22, 0x4d, 0x18}},
        {codec::zstd, {0x28, 0xb5, 0x2f, 0xfd}},
    };
    for (int i = 0; i < 3000; ++i) {
        const bytes noise = random_bytes(1 + rng() % 400, seed + i);
        for (const auto& [c, magic] : magics) {
            for (bool with_magic : {false, true}) {
                bytes in = with_magic ? magic : bytes{};
                in.insert(in.end(), noise.begin(), noise.end());
                bytes out;
                auto r = decompress(c, in, out, 4 * mib);
                ASSERT_FALSE(r) << name(c) << " accepted noise " << i << " (seed " << seed << ")";
                EXPECT_TRUE(r.error() == errc::corrupt || r.error() == errc::too_large)
                    << name(c) << " noise " << i << ": " << describe(r.error());
                EXPECT_TRUE(out.empty());
            }
        }
    }
    for (codec c : compressing_codecs) {
        bytes out;
        auto r = decompress(c, {}, out, mib);
        ASSERT_FALSE(r) << name(c);
        EXPECT_EQ(r.error(), errc::corrupt) << name(c);
    }
}

TEST(codec_garbage, trailing_bytes_are_corrupt) {
    const bytes data = repetitive_bytes(5000);
    for (codec c : compressing_codecs) {
        for (const bytes& tail : {bytes{0}, bytes{0, 0, 0, 0}, from_text("garbage after")}) {
            bytes in = compressed(c, data);
            in.insert(in.end(), tail.begin(), tail.end());
            bytes out;
            auto r = decompress(c, in, out, mib);
            ASSERT_FALSE(r) << name(c) << " with " << tail.size() << " trailing bytes";
            EXPECT_EQ(r.error(), errc::corrupt) << name(c);
        }
    }
}

/// Streams whose format carries a checksum of the content: any flip that is accepted must
/// have hit a field that does not change the content (gzip's MTIME, XFL and OS bytes).
bytes checked_stream(codec c, std::span<const uint8_t> data) {
    switch (c) {
        case codec::lz4: {
            LZ4F_preferences_t prefs;
            std::memset(&prefs, 0, sizeof prefs);
            prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
            bytes out(LZ4F_compressFrameBound(data.size(), &prefs));
            out.resize(
                LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), &prefs));
            return out;
        }
        case codec::zstd: {
            ZSTD_CCtx* cctx = ZSTD_createCCtx();
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
            bytes out(ZSTD_compressBound(data.size()));
            out.resize(ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size()));
            ZSTD_freeCCtx(cctx);
            return out;
        }
        default:
            return compressed(c, data);
    }
}

TEST(codec_garbage, every_byte_flip_is_refused_or_harmless) {
    bytes data = mixed_input();
    data.resize(24'000);
    for (codec c : compressing_codecs) {
        const bytes packed = checked_stream(c, data);
        for (size_t pos = 0; pos < packed.size(); ++pos) {
            for (uint8_t mask : {0x01, 0x80, 0xff}) {
                bytes in = packed;
                in[pos] ^= mask;
                bytes out;
                auto r = decompress(c, in, out, 4 * mib);
                if (!r) {
                    EXPECT_TRUE(r.error() == errc::corrupt || r.error() == errc::too_large)
                        << name(c) << " flip " << pos << ": " << describe(r.error());
                    EXPECT_TRUE(out.empty());
                    continue;
                }
                // snappy has no checksum: a flip in a literal passes, and the batch's
                // CRC-32C is what catches it (it covers the compressed bytes).
                if (c != codec::snappy) {
                    EXPECT_EQ(out, data) << name(c) << " flip " << pos << " mask " << int(mask);
                }
            }
        }
    }
}

/// Frames that hold the one byte "a" but declare `declared` bytes of content.
bytes zstd_declaring(uint64_t declared) {
    bytes out = {0x28, 0xb5, 0x2f, 0xfd, 0xc0, (17 - 10) << 3};  // 8-byte content size
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(declared >> (8 * i)));
    out.insert(out.end(), {0x09, 0x00, 0x00, 'a'});  // one raw block of one byte
    return out;
}

bytes lz4_declaring(uint64_t declared) {
    // LZ4F writes the header (with its checksum byte) for the declared size; one stored
    // block of one byte and the EndMark follow.
    LZ4F_cctx* cctx = nullptr;
    EXPECT_FALSE(LZ4F_isError(LZ4F_createCompressionContext(&cctx, LZ4F_VERSION)));
    LZ4F_preferences_t prefs;
    std::memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentSize = declared;
    bytes out(LZ4F_HEADER_SIZE_MAX);
    const size_t header = LZ4F_compressBegin(cctx, out.data(), out.size(), &prefs);
    LZ4F_freeCompressionContext(cctx);
    EXPECT_FALSE(LZ4F_isError(header));
    out.resize(LZ4F_isError(header) ? 0 : header);
    out.insert(out.end(), {0x01, 0x00, 0x00, 0x80, 'a', 0, 0, 0, 0});
    return out;
}

TEST(codec_garbage, forged_sizes_cost_no_memory) {
    // The frames are well formed: declaring the truth, they decode.
    EXPECT_EQ(decompressed(codec::zstd, zstd_declaring(1)), from_text("a"));
    EXPECT_EQ(decompressed(codec::lz4, lz4_declaring(1)), from_text("a"));
    // Declaring 1 GiB, they are corrupt, and finding that out must not first allocate what
    // they declared (the limit here would allow it).
    bytes gzip = compressed(codec::gzip, from_text("a"));
    std::fill(gzip.end() - 4, gzip.end(), 0xff);  // ISIZE: 4 GiB - 1
    const std::pair<codec, bytes> forged[] = {{codec::zstd, zstd_declaring(uint64_t{1} << 30)},
                                              {codec::lz4, lz4_declaring(uint64_t{1} << 30)},
                                              {codec::gzip, gzip}};
    for (const auto& [c, in] : forged) {
        bytes out;
        auto r = decompress(c, in, out, 8ull << 30);
        ASSERT_FALSE(r) << name(c);
        EXPECT_EQ(r.error(), errc::corrupt) << name(c);
        EXPECT_LE(out.capacity(), 64 * 1024u) << name(c);
    }
}

}  // namespace
