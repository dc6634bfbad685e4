#pragma once
// Kafka's four record-batch codecs, bounded. The compressed bytes of a RecordBatch v2 are
// everything after its 61-byte header (the records area); these functions turn that area
// into the plain records and back, in the exact wire formats Kafka clients produce and
// expect (formats, limits and the clients they were checked against: src/compression/README.md).
//
// Every function is stateless and thread-safe: each call creates and frees its own codec
// context, so any shard may call any function at any time. Nothing here throws on bad
// input; an allocation failure of std::vector itself is fatal as everywhere else.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sluice/compression/errc.h"

namespace sluice::compression {

/// Kafka's codec ids: bits 0-2 of a RecordBatch's attributes (zstd since KIP-110). Values 5-7
/// can arrive from the wire; every function answers them with errc::unsupported_codec.
enum class codec : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

/// Decompresses `in` and appends the result to `out`; returns the number of bytes appended.
///
/// Bounded: the call fails with errc::too_large as soon as the output would exceed
/// `max_out` bytes, having decoded at most max_out + 1 of them, so a zip bomb costs
/// O(max_out) time. `out` never grows by more than max_out + 1 bytes beyond its size at
/// entry, and the codec libraries' own state stays within a fixed size per codec (largest for
/// zstd frames that declare no content size: a window of at most max(max_out rounded up to a
/// power of two, 8 MiB), never above 128 MiB; frames needing more are refused with too_large).
///
/// Strict: anything that is not a complete, valid stream is errc::corrupt, including
/// truncation and bytes after the end of the last gzip member, lz4/zstd frame or snappy
/// block. On failure `out` is restored to its size at entry (its capacity may have grown).
result<size_t> decompress(codec c, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                          size_t max_out);

/// Compresses `in` and appends the compressed stream to `out`, in the framing Kafka's Java
/// client writes: a gzip member; xerial snappy-java framing with 32 KiB blocks; an LZ4 frame
/// with independent 64 KiB blocks and no content size or checksum; one zstd frame with its
/// content size. `level` is the codec library's own level, within [level_min, level_max]
/// (snappy and none ignore it); anything else is errc::invalid_level. On failure `out` is
/// restored to its size at entry.
result<void> compress(codec c, std::span<const uint8_t> in, std::vector<uint8_t>& out, int level);

/// compress() at the codec's default level.
result<void> compress(codec c, std::span<const uint8_t> in, std::vector<uint8_t>& out);

/// Library levels. gzip: zlib's -1 (Z_DEFAULT_COMPRESSION, which is 6) and 0..9.
/// zstd: ZSTD_minCLevel()..ZSTD_maxCLevel(), default 3. lz4: LZ4F's 0 (the fast compressor,
/// what Kafka's Java client uses at its default compression.lz4.level=9) and 1..12, where
/// 3..12 are LZ4 HC. snappy and none: 0 only. An unsupported codec answers 0.
int level_default(codec c);
int level_min(codec c);
int level_max(codec c);

/// The codec for a batch's attribute bits 0-2, if it is one of the five.
std::optional<codec> codec_from_id(uint8_t id);

/// Kafka's name of a codec: "none", "gzip", "snappy", "lz4", "zstd" ("unknown" otherwise).
const char* name(codec c);

/// Parses a codec name as Kafka's configs spell it (compression.type): "gzip", "snappy",
/// "lz4", "zstd", and "uncompressed" or "none" for codec::none. Case-sensitive, as Kafka's
/// config validation is. "producer" is not a codec and gives nullopt like any other string.
std::optional<codec> parse_codec(std::string_view name);

}  // namespace sluice::compression
