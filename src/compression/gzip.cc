// gzip (RFC 1952) through zlib. Kafka's Java client writes one member with
// java.util.zip.GZIPOutputStream and reads with GZIPInputStream, which also reads any
// members concatenated after the first; librdkafka writes one member through zlib with
// windowBits 15+16, as we do, and reads with 15+32 (gzip or zlib header, auto-detected).

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <limits>

#include "bounded_output.h"
#include "codecs.h"
#include "sluice/common/assert.h"

namespace sluice::compression::detail {

namespace {

constexpr int window_bits = 15;   // 32 KiB, the deflate maximum and zlib's default
constexpr int gzip_wrapper = 16;  // write a gzip header and trailer instead of zlib's
constexpr int auto_header = 32;   // read either, told apart by the first two bytes
constexpr int mem_level = 8;      // zlib's default (deflateInit uses it)

// zlib counts bytes in uInt (32 bits): larger spans are handed over in pieces.
constexpr size_t zlib_chunk_max = std::numeric_limits<uInt>::max();

class inflater {
  public:
    inflater() = default;
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;
    ~inflater() {
        if (_live) inflateEnd(&zs);
    }
    int init() {
        const int rc = inflateInit2(&zs, window_bits + auto_header);
        _live = rc == Z_OK;
        return rc;
    }
    z_stream zs{};

  private:
    bool _live = false;
};

class deflater {
  public:
    deflater() = default;
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;
    ~deflater() {
        if (_live) deflateEnd(&zs);
    }
    int init(int level) {
        const int rc = deflateInit2(&zs, level, Z_DEFLATED, window_bits + gzip_wrapper, mem_level,
                                    Z_DEFAULT_STRATEGY);
        _live = rc == Z_OK;
        return rc;
    }
    z_stream zs{};

  private:
    bool _live = false;
};

// The trailer's ISIZE (little-endian, the last member's size mod 2^32) as the first
// allocation step (capped, see first_step_hint); the output stays bounded by max_out
// whatever it says.
size_t size_hint(std::span<const uint8_t> in) {
    constexpr size_t member_min = 18;  // 10-byte header, empty deflate data, 8-byte trailer
    if (in.size() < member_min) return 0;
    const uint8_t* p = in.data() + in.size() - 4;
    const size_t isize = p[0] | (p[1] << 8) | (p[2] << 16) | (size_t{p[3]} << 24);
    return first_step_hint(isize, in.size());
}

}  // namespace

result<size_t> gzip_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                               size_t max_out) {
    if (in.empty()) return fail(errc::corrupt);
    inflater s;
    if (s.init() != Z_OK) return fail(errc::no_memory);
    bounded_output sink(out, max_out, size_hint(in));
    size_t fed = 0;  // bytes of `in` handed to zlib so far
    for (;;) {
        if (s.zs.avail_in == 0 && fed < in.size()) {
            const size_t n = std::min(in.size() - fed, zlib_chunk_max);
            s.zs.next_in = in.data() + fed;
            s.zs.avail_in = static_cast<uInt>(n);
            fed += n;
        }
        const std::span<uint8_t> room = sink.space();
        if (room.empty()) return sink.fail(errc::too_large);
        const size_t offered = std::min(room.size(), zlib_chunk_max);
        s.zs.next_out = room.data();
        s.zs.avail_out = static_cast<uInt>(offered);
        const int rc = inflate(&s.zs, Z_NO_FLUSH);
        sink.commit(offered - s.zs.avail_out);
        const bool input_left = s.zs.avail_in > 0 || fed < in.size();
        switch (rc) {
            case Z_OK:
                break;
            case Z_STREAM_END:
                if (!input_left) return sink.finish();
                // Another member follows. Whatever is not one (trailing garbage, zero
                // padding) fails the header check of the next inflate() as Z_DATA_ERROR.
                if (inflateReset(&s.zs) != Z_OK) return sink.fail(errc::corrupt);
                break;
            case Z_BUF_ERROR:
                // No progress without more input, and there is always room for output:
                // the input ended inside a member.
                if (!input_left) return sink.fail(errc::corrupt);
                break;
            case Z_MEM_ERROR:
                return sink.fail(errc::no_memory);
            default:  // Z_DATA_ERROR (bad header, data or CRC), Z_NEED_DICT, Z_STREAM_ERROR
                return sink.fail(errc::corrupt);
        }
    }
}

result<void> gzip_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
    deflater s;
    const int rc = s.init(level);
    if (rc == Z_STREAM_ERROR) return fail(errc::invalid_level);
    if (rc != Z_OK) return fail(errc::no_memory);
    const size_t base = out.size();
    // deflateBound covers the gzip header and trailer and the worst case of the data, so
    // one deflate(Z_FINISH) pass always fits.
    const size_t bound = deflateBound(&s.zs, in.size());
    out.resize(base + bound);
    size_t fed = 0;
    size_t written = 0;
    for (;;) {
        if (s.zs.avail_in == 0 && fed < in.size()) {
            const size_t n = std::min(in.size() - fed, zlib_chunk_max);
            s.zs.next_in = in.data() + fed;
            s.zs.avail_in = static_cast<uInt>(n);
            fed += n;
        }
        const size_t offered = std::min(bound - written, zlib_chunk_max);
        s.zs.next_out = out.data() + base + written;
        s.zs.avail_out = static_cast<uInt>(offered);
        const int flush = fed == in.size() ? Z_FINISH : Z_NO_FLUSH;
        const int step = deflate(&s.zs, flush);
        written += offered - s.zs.avail_out;
        if (step == Z_STREAM_END) break;
        SLUICE_ASSERT(step == Z_OK || (step == Z_BUF_ERROR && written < bound),
                      "deflate returned %d with %zu of %zu bytes written", step, written, bound);
    }
    out.resize(base + written);
    return {};
}

}  // namespace sluice::compression::detail
