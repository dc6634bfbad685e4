// Zstandard frames (RFC 8878) through libzstd. Kafka's Java client writes one frame per
// batch through zstd-jni's ZstdOutputStream (content size known only when the whole batch
// reached the compressor in one call); librdkafka writes one frame through ZSTD_compressStream.
// We write one frame with its content size (ZSTD_compress2), which both read.
//
// Reading accepts standard and skippable frames, concatenated, with or without content
// size and checksum. Legacy frames (zstd < 0.8, other magics) and frames that need a
// dictionary are corrupt. Memory is bounded before decoding starts (see window_log_max).

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <bit>
#include <memory>

#include "bounded_output.h"
#include "codecs.h"
#include "sluice/common/assert.h"

namespace sluice::compression::detail {

namespace {

constexpr uint32_t frame_magic = 0xFD2FB528;
constexpr uint32_t skippable_magic = 0x184D2A50;  // low 4 bits are free
constexpr uint32_t skippable_mask = 0xFFFFFFF0;

// The window a frame without a content size may ask for: max_out rounded up to a power of
// two, but at least 8 MiB, since streaming producers declare their level's window whatever
// the batch size (level 3: 2 MiB, level 19: 8 MiB), and at most 128 MiB, zstd's own default
// limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT). A frame with a content size needs min(content,
// window) of buffer, and its content is checked against max_out first.
constexpr int window_log_floor = 23;
constexpr int window_log_cap = 27;

int window_log_max(size_t max_out) {
    const int log = max_out <= 1 ? 0 : static_cast<int>(std::bit_width(max_out - 1));
    return std::clamp(log, window_log_floor, window_log_cap);
}

uint32_t load_le32(const uint8_t* p) {
    return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24);
}

struct scan_result {
    uint64_t known_bytes = 0;  // sum of the content sizes frames declare
    bool all_known = true;     // every standard frame declares its content size
};

/// Walks the frames without decoding them: each must be a complete standard or skippable
/// frame, and the content sizes they declare must fit max_out. This refuses a bomb that
/// declares its size before the decoder allocates a buffer of that size.
result<scan_result> scan_frames(std::span<const uint8_t> in, size_t max_out) {
    scan_result scan;
    size_t pos = 0;
    while (pos < in.size()) {
        const std::span<const uint8_t> rest = in.subspan(pos);
        if (rest.size() < 4) return fail(errc::corrupt);
        const uint32_t magic = load_le32(rest.data());
        const bool skippable = (magic & skippable_mask) == skippable_magic;
        if (magic != frame_magic && !skippable) return fail(errc::corrupt);
        const size_t frame_bytes = ZSTD_findFrameCompressedSize(rest.data(), rest.size());
        if (ZSTD_isError(frame_bytes)) return fail(errc::corrupt);
        if (!skippable) {
            const unsigned long long content = ZSTD_getFrameContentSize(rest.data(), frame_bytes);
            if (content == ZSTD_CONTENTSIZE_ERROR) return fail(errc::corrupt);
            if (content == ZSTD_CONTENTSIZE_UNKNOWN) {
                scan.all_known = false;
            } else {
                // known_bytes <= max_out here: it never grows past it.
                if (content > max_out - scan.known_bytes) {
                    return fail(errc::too_large);
                }
                scan.known_bytes += content;
            }
        }
        pos += frame_bytes;
    }
    return scan;
}

errc error_of(size_t code) {
    switch (ZSTD_getErrorCode(code)) {
        case ZSTD_error_frameParameter_windowTooLarge:
            return errc::too_large;
        case ZSTD_error_memory_allocation:
            return errc::no_memory;
        default:
            return errc::corrupt;
    }
}

}  // namespace

result<size_t> zstd_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                               size_t max_out) {
    if (in.empty()) return fail(errc::corrupt);
    auto scan = scan_frames(in, max_out);
    if (!scan) return fail(scan.error());

    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    if (!dctx) return fail(errc::no_memory);
    const size_t set =
        ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log_max(max_out));
    SLUICE_ASSERT(!ZSTD_isError(set), "ZSTD_d_windowLogMax: %s", ZSTD_getErrorName(set));

    bounded_output sink(out, max_out,
                        scan->all_known ? first_step_hint(scan->known_bytes, in.size()) : 0);
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    for (;;) {
        const std::span<uint8_t> room = sink.space();
        if (room.empty()) return sink.fail(errc::too_large);
        ZSTD_outBuffer output{room.data(), room.size(), 0};
        // 0: a frame is complete and flushed; the next call starts the next frame, if any.
        const size_t rc = ZSTD_decompressStream(dctx.get(), &output, &input);
        if (ZSTD_isError(rc)) return sink.fail(error_of(rc));
        sink.commit(output.pos);
        if (input.pos == input.size) {
            if (rc == 0) return sink.finish();
            // Room left over means the decoder wants input, and there is none.
            if (output.pos < output.size) return sink.fail(errc::corrupt);
        }
    }
}

result<void> zstd_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) return fail(errc::invalid_level);
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    if (!cctx) return fail(errc::no_memory);
    const size_t set = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
    SLUICE_ASSERT(!ZSTD_isError(set), "ZSTD_c_compressionLevel %d: %s", level,
                  ZSTD_getErrorName(set));
    const size_t base = out.size();
    const size_t bound = ZSTD_compressBound(in.size());
    out.resize(base + bound);
    // One call with the whole input: the frame declares its content size.
    const size_t written =
        ZSTD_compress2(cctx.get(), out.data() + base, bound, in.data(), in.size());
    if (ZSTD_isError(written)) {
        out.resize(base);
        // The bound is zstd's own guarantee; what is left is a failed allocation.
        SLUICE_ASSERT(error_of(written) == errc::no_memory, "ZSTD_compress2: %s",
                      ZSTD_getErrorName(written));
        return fail(errc::no_memory);
    }
    out.resize(base + written);
    return {};
}

}  // namespace sluice::compression::detail
