// libFuzzer target: the bytes are a batch's compressed records area, tried in every codec.
// The first byte picks max_out (0 to 1 MiB), the rest is the stream. decompress must
// refuse anything malformed without reading out of bounds, must never hand back more than
// max_out bytes, must leave `out` as it was when it refuses, and what it accepts must come
// back unchanged through compress and decompress.
//
// Built two ways (tests/fuzz/CMakeLists.txt): as a libFuzzer executable with clang, and
// into the fuzz_corpus_replay test with SLUICE_FUZZ_ENTRY renamed, with any compiler.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <vector>

#include "sluice/common/assert.h"
#include "sluice/compression/codec.h"

#ifndef SLUICE_FUZZ_ENTRY
#define SLUICE_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

namespace {

using namespace sluice::compression;

constexpr size_t limits[] = {0, 1, 100, 4096, 65536, 1024 * 1024};

void check(codec c, std::span<const uint8_t> in, size_t max_out) {
    std::vector<uint8_t> out = {0xaa};  // what the caller held before
    auto r = decompress(c, in, out, max_out);
    if (!r) {
        SLUICE_ASSERT(r.error() == errc::corrupt || r.error() == errc::too_large,
                      "%s: unexpected error %s", name(c), describe(r.error()));
        SLUICE_ASSERT(out.size() == 1 && out[0] == 0xaa, "%s: out not restored", name(c));
        return;
    }
    SLUICE_ASSERT(*r <= max_out && out.size() == 1 + *r && out[0] == 0xaa,
                  "%s: %zu bytes for a limit of %zu", name(c), *r, max_out);
    const std::span<const uint8_t> plain = std::span<const uint8_t>(out).subspan(1);
    std::vector<uint8_t> packed;
    SLUICE_ASSERT(compress(c, plain, packed).has_value(), "%s: compress failed", name(c));
    std::vector<uint8_t> again;
    auto back = decompress(c, packed, again, plain.size());
    SLUICE_ASSERT(back && again.size() == plain.size() &&
                      std::equal(again.begin(), again.end(), plain.begin()),
                  "%s: round trip of %zu accepted bytes differs", name(c), plain.size());
}

}  // namespace

extern "C" int SLUICE_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t max_out = limits[data[0] % std::size(limits)];
    const std::span<const uint8_t> in(data + 1, size - 1);
    for (codec c : {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd}) {
        check(c, in, max_out);
    }
    return 0;
}
