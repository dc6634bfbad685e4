// LZ4 frame format (lz4 doc/lz4_Frame_format.md) through liblz4's LZ4F API. Kafka's Java
// client (Lz4BlockOutputStream) writes one frame: magic 04 22 4d 18, FLG 0x60 (version 1,
// independent blocks, no block or content checksum, no content size), BD 0x40 (64 KiB
// blocks), the header checksum byte, blocks, and the 4-byte EndMark. Its reader
// (Lz4BlockInputStream) refuses dependent blocks, so we write exactly that layout; librdkafka
// writes the same through LZ4F with LZ4F_blockIndependent. The wrong header checksum of
// Kafka before 0.10 (KAFKA-3160) concerns message format v0 only: a RecordBatch v2 holds a
// standard frame, so the checksum is verified like every other field.
//
// Reading accepts everything LZ4F does (any block size and mode, checksums, content size,
// skippable frames, concatenated frames), except the legacy format (magic 0x184C2102).

#define LZ4F_STATIC_LINKING_ONLY  // LZ4F_getErrorCode
#include <lz4frame.h>
#include <lz4hc.h>

#include <cstring>
#include <optional>

#include "bounded_output.h"
#include "codecs.h"
#include "sluice/common/assert.h"

namespace sluice::compression::detail {

namespace {

constexpr uint8_t frame_magic[4] = {0x04, 0x22, 0x4d, 0x18};
constexpr uint8_t flg_content_size = 0x08;

class decompression_context {
  public:
    decompression_context() = default;
    decompression_context(const decompression_context&) = delete;
    decompression_context& operator=(const decompression_context&) = delete;
    ~decompression_context() {
        if (dctx != nullptr) LZ4F_freeDecompressionContext(dctx);
    }
    LZ4F_dctx* dctx = nullptr;
};

/// The content size the first frame declares (FLG bit 3, 8 bytes little-endian after BD),
/// or nullopt if it declares none.
std::optional<uint64_t> declared_size(std::span<const uint8_t> in) {
    constexpr size_t size_field_end = 4 + 2 + 8;
    if (in.size() < size_field_end || std::memcmp(in.data(), frame_magic, 4) != 0 ||
        (in[4] & flg_content_size) == 0) {
        return std::nullopt;
    }
    uint64_t size = 0;
    for (size_t i = 0; i < 8; ++i) size |= uint64_t{in[6 + i]} << (8 * i);
    return size;
}

errc error_of(size_t code) {
    return LZ4F_getErrorCode(code) == LZ4F_ERROR_allocation_failed ? errc::no_memory
                                                                   : errc::corrupt;
}

}  // namespace

result<size_t> lz4_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                              size_t max_out) {
    if (in.empty()) return fail(errc::corrupt);
    // A frame that declares more than max_out is refused before anything is decoded: either
    // it is true (too large) or the frame is corrupt (LZ4F checks the size at its end).
    const std::optional<uint64_t> declared = declared_size(in);
    if (declared && *declared > max_out) return fail(errc::too_large);
    decompression_context ctx;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx.dctx, LZ4F_VERSION))) {
        return fail(errc::no_memory);
    }
    const size_t hint = declared ? first_step_hint(*declared, in.size()) : 0;
    bounded_output sink(out, max_out, hint);
    size_t pos = 0;
    size_t expected = 1;  // LZ4F's answer: 0 once a frame is complete and fully flushed
    // After the input is used up, the last frame may still hold decoded bytes (LZ4F decodes
    // a whole block at a time): keep calling with no input until it says the frame is done.
    while (pos < in.size() || expected != 0) {
        const std::span<uint8_t> room = sink.space();
        if (room.empty()) return sink.fail(errc::too_large);
        size_t written = room.size();
        size_t consumed = in.size() - pos;
        expected =
            LZ4F_decompress(ctx.dctx, room.data(), &written, in.data() + pos, &consumed, nullptr);
        if (LZ4F_isError(expected)) return sink.fail(error_of(expected));
        sink.commit(written);
        pos += consumed;
        // No progress with room to write: the input ended inside a frame (or LZ4F is stuck,
        // which must not turn into an endless loop either).
        if (written == 0 && consumed == 0 && expected != 0) return sink.fail(errc::corrupt);
    }
    return sink.finish();
}

result<void> lz4_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
    if (level < 0 || level > LZ4HC_CLEVEL_MAX) return fail(errc::invalid_level);
    LZ4F_preferences_t prefs;
    std::memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    prefs.frameInfo.contentSize = 0;  // Java's Lz4BlockOutputStream writes none either
    prefs.compressionLevel = level;
    const size_t base = out.size();
    const size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
    out.resize(base + bound);
    const size_t written =
        LZ4F_compressFrame(out.data() + base, bound, in.data(), in.size(), &prefs);
    if (LZ4F_isError(written)) {
        out.resize(base);
        // The bound is LZ4F's own guarantee; what is left is a failed allocation.
        SLUICE_ASSERT(error_of(written) == errc::no_memory, "LZ4F_compressFrame: %s",
                      LZ4F_getErrorName(written));
        return fail(errc::no_memory);
    }
    out.resize(base + written);
    return {};
}

}  // namespace sluice::compression::detail
