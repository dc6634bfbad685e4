#include "sluice/compression/codec.h"

#include <lz4hc.h>
#include <zlib.h>
#include <zstd.h>

#include "codecs.h"

namespace sluice::compression {

namespace {

constexpr int zstd_level_default = 3;  // ZSTD_CLEVEL_DEFAULT, Kafka's compression.zstd.level
constexpr int lz4_level_default = 0;   // LZ4F's fast compressor

bool known(codec c) {
    return static_cast<uint8_t>(c) <= static_cast<uint8_t>(codec::zstd);
}

}  // namespace

result<size_t> decompress(codec c, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                          size_t max_out) {
    switch (c) {
        case codec::none:
            if (in.size() > max_out) return fail(errc::too_large);
            // Exactly what is needed, not insert()'s doubling.
            if (out.size() + in.size() > out.capacity()) out.reserve(out.size() + in.size());
            out.insert(out.end(), in.begin(), in.end());
            return in.size();
        case codec::gzip:
            return detail::gzip_decompress(in, out, max_out);
        case codec::snappy:
            return detail::snappy_decompress(in, out, max_out);
        case codec::lz4:
            return detail::lz4_decompress(in, out, max_out);
        case codec::zstd:
            return detail::zstd_decompress(in, out, max_out);
    }
    return fail(errc::unsupported_codec);
}

result<void> compress(codec c, std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
    if (!known(c)) return fail(errc::unsupported_codec);
    if (level < level_min(c) || level > level_max(c)) {
        // snappy and none have no levels: whatever is passed is ignored.
        if (c != codec::snappy && c != codec::none) return fail(errc::invalid_level);
    }
    switch (c) {
        case codec::none:
            out.insert(out.end(), in.begin(), in.end());
            return {};
        case codec::gzip:
            return detail::gzip_compress(in, out, level);
        case codec::snappy:
            return detail::snappy_compress(in, out);
        case codec::lz4:
            return detail::lz4_compress(in, out, level);
        case codec::zstd:
            return detail::zstd_compress(in, out, level);
    }
    return fail(errc::unsupported_codec);
}

result<void> compress(codec c, std::span<const uint8_t> in, std::vector<uint8_t>& out) {
    return compress(c, in, out, level_default(c));
}

int level_default(codec c) {
    switch (c) {
        case codec::gzip:
            return Z_DEFAULT_COMPRESSION;
        case codec::lz4:
            return lz4_level_default;
        case codec::zstd:
            return zstd_level_default;
        case codec::none:
        case codec::snappy:
            return 0;
    }
    return 0;
}

int level_min(codec c) {
    switch (c) {
        case codec::gzip:
            return Z_DEFAULT_COMPRESSION;
        case codec::lz4:
            return 0;
        case codec::zstd:
            return ZSTD_minCLevel();
        case codec::none:
        case codec::snappy:
            return 0;
    }
    return 0;
}

int level_max(codec c) {
    switch (c) {
        case codec::gzip:
            return Z_BEST_COMPRESSION;
        case codec::lz4:
            return LZ4HC_CLEVEL_MAX;
        case codec::zstd:
            return ZSTD_maxCLevel();
        case codec::none:
        case codec::snappy:
            return 0;
    }
    return 0;
}

std::optional<codec> codec_from_id(uint8_t id) {
    if (id > static_cast<uint8_t>(codec::zstd)) return std::nullopt;
    return static_cast<codec>(id);
}

const char* name(codec c) {
    switch (c) {
        case codec::none:
            return "none";
        case codec::gzip:
            return "gzip";
        case codec::snappy:
            return "snappy";
        case codec::lz4:
            return "lz4";
        case codec::zstd:
            return "zstd";
    }
    return "unknown";
}

std::optional<codec> parse_codec(std::string_view s) {
    if (s == "uncompressed" || s == "none") return codec::none;
    if (s == "gzip") return codec::gzip;
    if (s == "snappy") return codec::snappy;
    if (s == "lz4") return codec::lz4;
    if (s == "zstd") return codec::zstd;
    return std::nullopt;
}

}  // namespace sluice::compression
