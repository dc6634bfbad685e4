#pragma once
// bounded_output: the output side of one decompress() call. It appends to the caller's
// vector in growing steps and never lets the vector hold more than max_out + 1 bytes past
// what it held at entry. The one byte over is how a stream that is too long is told apart
// from one that ends exactly at max_out: decoders are handed room for max_out + 1 bytes
// in total, and producing all of it means the limit was crossed.
//
// Owned by the decompress() call that creates it; not shared, not thread-safe.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sluice/compression/errc.h"

namespace sluice::compression::detail {

/// A size the stream declares (gzip's ISIZE, LZ4's and zstd's content size) is trusted for
/// the first allocation only up to 16 times the input: a forged or truncated stream would
/// otherwise make a call zero-fill up to max_out bytes before the decoder finds the lie.
/// Real ratios beyond that grow by doubling, a few reallocations more.
inline size_t first_step_hint(uint64_t declared, size_t in_size) {
    constexpr size_t hint_ratio_max = 16;
    return static_cast<size_t>(std::min<uint64_t>(declared, uint64_t{in_size} * hint_ratio_max));
}

class bounded_output {
  public:
    /// `hint`: the expected output size, if the stream tells it (first step size); 0 if not.
    bounded_output(std::vector<uint8_t>& out, size_t max_out, size_t hint);

    /// Room after the bytes produced so far, growing the vector if none is left. Empty only
    /// when max_out + 1 bytes have been produced, i.e. the output is too large.
    std::span<uint8_t> space();

    /// Room for exactly `n` more bytes, for codecs that know the size in advance; nullopt
    /// (and nothing allocated) if that would pass max_out. Commit what is written there.
    std::optional<std::span<uint8_t>> reserve_exact(size_t n);

    /// The decoder wrote `n` bytes at the start of the last space().
    void commit(size_t n);

    size_t produced() const { return _produced; }
    bool over_limit() const { return _produced > _max_out; }

    /// Trims the vector to the bytes produced; too_large if they pass max_out.
    result<size_t> finish();

    /// Restores the vector to its size at entry and returns `e`, for `return sink.fail(e);`.
    common::error_value<errc> fail(errc e);

  private:
    std::vector<uint8_t>& _out;
    const size_t _base;     // _out.size() at entry
    const size_t _max_out;  // caller's limit on bytes appended
    const size_t _budget;   // room ever handed out: max_out + 1, or less if unaddressable
    size_t _hint;
    size_t _allocated = 0;  // bytes appended to _out so far (zero-filled beyond _produced)
    size_t _produced = 0;   // bytes the decoder has written
};

}  // namespace sluice::compression::detail
