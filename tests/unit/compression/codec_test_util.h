#pragma once
// Inputs and helpers shared by the compression tests. Randomness is seeded; a test that
// uses it prints the seed in its failure messages.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/compression/codec.h"

namespace sluice::compression::test {

using bytes = std::vector<uint8_t>;

inline constexpr codec all_codecs[] = {codec::none, codec::gzip, codec::snappy, codec::lz4,
                                       codec::zstd};
inline constexpr codec compressing_codecs[] = {codec::gzip, codec::snappy, codec::lz4, codec::zstd};
inline constexpr size_t mib = 1024 * 1024;
inline constexpr uint64_t seed = 0x5eed'c0de;

inline bytes from_hex(std::string_view hex) {
    bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

inline bytes from_text(std::string_view s) {
    return bytes(s.begin(), s.end());
}

inline bytes random_bytes(size_t n, uint64_t s = seed) {
    std::mt19937_64 rng(s);
    bytes out(n);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

/// Compressible but not trivial: records-like text with a counter, as a batch would be.
inline bytes repetitive_bytes(size_t n) {
    bytes out;
    out.reserve(n + 64);
    for (size_t i = 0; out.size() < n; ++i) {
        const std::string line = "key-" + std::to_string(i % 97) + " value " + std::to_string(i) +
                                 " lorem ipsum dolor sit amet\n";
        out.insert(out.end(), line.begin(), line.end());
    }
    out.resize(n);
    return out;
}

inline std::string name_of(codec c) {
    return name(c);
}

inline bytes compressed(codec c, std::span<const uint8_t> in, int level) {
    bytes out;
    auto r = compress(c, in, out, level);
    EXPECT_TRUE(r) << name(c) << " level " << level << ": " << (r ? "" : describe(r.error()));
    return out;
}

inline bytes compressed(codec c, std::span<const uint8_t> in) {
    return compressed(c, in, level_default(c));
}

/// The decompressed bytes, failing the test if decompress() refuses them.
inline bytes decompressed(codec c, std::span<const uint8_t> in, size_t max_out = 64 * mib) {
    bytes out;
    auto r = decompress(c, in, out, max_out);
    EXPECT_TRUE(r) << name(c) << ": " << (r ? "" : describe(r.error()));
    if (r) {
        EXPECT_EQ(*r, out.size()) << name(c);
    }
    return out;
}

}  // namespace sluice::compression::test
