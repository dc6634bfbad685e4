#pragma once
// The codec implementations behind codec.h, one file each. Their contract is the public
// one (codec.h); codec.cc checks the codec id and the level before calling them.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sluice/compression/errc.h"

namespace sluice::compression::detail {

result<size_t> gzip_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                               size_t max_out);
result<void> gzip_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level);

result<size_t> snappy_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                                 size_t max_out);
result<void> snappy_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out);

result<size_t> lz4_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                              size_t max_out);
result<void> lz4_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level);

result<size_t> zstd_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out,
                               size_t max_out);
result<void> zstd_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level);

}  // namespace sluice::compression::detail
