// Snappy as Kafka clients frame it. The Java client writes xerial snappy-java's stream
// format (SnappyOutputStream) and reads it with SnappyInputStream, which falls back to one
// raw snappy block when the magic is absent; librdkafka writes one raw block and reads
// both, telling them apart by the magic. We read both the same way and write xerial.
//
// xerial stream (integers big-endian; no end marker, no checksum):
//   offset  size  field
//   0       8     magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//   8       4     version: 1 (snappy-java refuses a version below 1)
//   12      4     minimum compatible version: 1
//   16      ...   blocks of [int32 length n][n bytes: one raw snappy block], each block
//                 compressing at most 32 KiB of input (SnappyOutputStream's default)
// Another 16-byte header may start where a block length is expected: concatenated streams,
// which snappy-java reads on through. A raw snappy block starts with its uncompressed
// length as a varint32, which is checked against max_out before anything is allocated.
// Example, "foobar\n" as snappy-java writes it:
//   82 53 4e 41 50 50 59 00  00 00 00 01  00 00 00 01  00 00 00 09  07 18 66 6f 6f 62 61 72 0a
//   magic                    version 1    compat 1     length 9     len 7, literal of 7 bytes

#include <snappy.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "bounded_output.h"
#include "codecs.h"
#include "sluice/common/endian.h"

namespace sluice::compression::detail {

namespace {

constexpr uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t xerial_header_bytes = 16;
constexpr int32_t xerial_version = 1;
constexpr size_t xerial_block_input_bytes = 32 * 1024;
// A valid raw block expands at most 64:3 (a 3-byte copy of 64 bytes); one whose header
// claims more than 22 times its size cannot decode and is refused before any allocation.
constexpr size_t snappy_ratio_max = 22;

const char* chars(std::span<const uint8_t> s) {
    return reinterpret_cast<const char*>(s.data());
}

bool has_xerial_magic(std::span<const uint8_t> in) {
    return in.size() >= xerial_header_bytes &&
           std::memcmp(in.data(), xerial_magic, sizeof xerial_magic) == 0;
}

bool xerial_header_valid(std::span<const uint8_t> in) {
    return has_xerial_magic(in) &&
           static_cast<int32_t>(common::load_be32(in.data() + 8)) >= xerial_version;
}

/// The uncompressed length a raw block claims, if a valid block could have it.
std::optional<size_t> raw_length(std::span<const uint8_t> block) {
    size_t n = 0;
    if (!snappy::GetUncompressedLength(chars(block), block.size(), &n)) return std::nullopt;
    if (n > block.size() * snappy_ratio_max) return std::nullopt;
    return n;
}

/// Walks the blocks of a xerial stream (header already checked), calling fn(block) for
/// each; fn returns false to stop. corrupt if the framing is broken.
template <class Fn>
result<void> for_each_xerial_block(std::span<const uint8_t> in, Fn fn) {
    size_t pos = xerial_header_bytes;
    while (pos < in.size()) {
        const std::span<const uint8_t> rest = in.subspan(pos);
        if (rest.size() < 4) return fail(errc::corrupt);  // trailing bytes
        if (has_xerial_magic(rest)) {
            if (!xerial_header_valid(rest)) return fail(errc::corrupt);
            pos += xerial_header_bytes;
            continue;
        }
        const uint32_t length = common::load_be32(rest.data());
        if (length == 0 || length > rest.size() - 4) return fail(errc::corrupt);
        if (!fn(rest.subspan(4, length))) break;
        pos += 4 + size_t{length};
    }
    return {};
}

result<size_t> decompress_xerial(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                                 size_t max_out) {
    if (!xerial_header_valid(in)) return fail(errc::corrupt);
    // Pass 1: every block's claimed length, so that the output is sized, and a bomb
    // refused, before anything is allocated or decoded.
    size_t total = 0;
    bool plausible = true;
    auto walked = for_each_xerial_block(in, [&](std::span<const uint8_t> block) {
        const std::optional<size_t> n = raw_length(block);
        if (!n) {
            plausible = false;
            return false;
        }
        total += *n;  // cannot wrap: each n is at most 22 times its block's size
        return total <= max_out;
    });
    if (!walked || !plausible) return fail(errc::corrupt);
    if (total > max_out) return fail(errc::too_large);

    bounded_output sink(out, max_out, 0);
    const std::optional<std::span<uint8_t>> room = sink.reserve_exact(total);
    if (!room) return sink.fail(errc::too_large);
    size_t at = 0;
    bool decoded = true;
    auto pass2 = for_each_xerial_block(in, [&](std::span<const uint8_t> block) {
        const size_t n = *raw_length(block);
        decoded = snappy::RawUncompress(chars(block), block.size(),
                                        reinterpret_cast<char*>(room->data() + at));
        at += n;
        return decoded;
    });
    if (!pass2 || !decoded) return sink.fail(errc::corrupt);
    sink.commit(total);
    return sink.finish();
}

result<size_t> decompress_raw(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                              size_t max_out) {
    const std::optional<size_t> n = raw_length(in);
    if (!n) return fail(errc::corrupt);
    if (*n > max_out) return fail(errc::too_large);
    bounded_output sink(out, max_out, 0);
    const std::optional<std::span<uint8_t>> room = sink.reserve_exact(*n);
    if (!room) return sink.fail(errc::too_large);
    // RawUncompress checks every tag against both buffers and that exactly n bytes result.
    if (!snappy::RawUncompress(chars(in), in.size(), reinterpret_cast<char*>(room->data()))) {
        return sink.fail(errc::corrupt);
    }
    sink.commit(*n);
    return sink.finish();
}

}  // namespace

result<size_t> snappy_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                                 size_t max_out) {
    // snappy-java's test: 16 bytes or more that start with the magic are its stream;
    // anything else is one raw block.
    if (has_xerial_magic(in)) return decompress_xerial(in, out, max_out);
    return decompress_raw(in, out, max_out);
}

result<void> snappy_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
    const size_t base = out.size();
    const size_t blocks = (in.size() + xerial_block_input_bytes - 1) / xerial_block_input_bytes;
    size_t bound = xerial_header_bytes;
    for (size_t i = 0; i < blocks; ++i) {
        const size_t n =
            std::min(xerial_block_input_bytes, in.size() - i * xerial_block_input_bytes);
        bound += 4 + snappy::MaxCompressedLength(n);
    }
    out.resize(base + bound);
    uint8_t* p = out.data() + base;
    std::memcpy(p, xerial_magic, sizeof xerial_magic);
    common::store_be32(p + 8, xerial_version);
    common::store_be32(p + 12, xerial_version);
    p += xerial_header_bytes;
    for (size_t i = 0; i < blocks; ++i) {
        const std::span<const uint8_t> chunk = in.subspan(
            i * xerial_block_input_bytes,
            std::min(xerial_block_input_bytes, in.size() - i * xerial_block_input_bytes));
        size_t length = 0;
        snappy::RawCompress(chars(chunk), chunk.size(), reinterpret_cast<char*>(p + 4), &length);
        common::store_be32(p, static_cast<uint32_t>(length));
        p += 4 + length;
    }
    out.resize(static_cast<size_t>(p - out.data()));
    return {};
}

}  // namespace sluice::compression::detail
