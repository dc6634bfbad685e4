#pragma once
// Settings of one partition log, with Kafka's topic-config names and defaults.

#include <cstddef>
#include <cstdint>

namespace sluice::storage {

struct log_config {
    /// segment.bytes: roll when the active segment would grow past this.
    uint64_t segment_bytes = 1ull << 30;
    /// segment.ms: roll when the active segment's first batch is older than this.
    int64_t segment_ms = 7ll * 24 * 3600 * 1000;
    /// segment.index.bytes: size of the preallocated .index/.timeindex; roll when full.
    size_t segment_index_bytes = 10u << 20;
    /// index.interval.bytes: bytes of log between two index entries.
    size_t index_interval_bytes = 4096;
    /// retention.ms (-1: keep forever) and retention.bytes (-1: no size limit).
    int64_t retention_ms = 7ll * 24 * 3600 * 1000;
    int64_t retention_bytes = -1;
    /// max.message.bytes: largest batch accepted (Kafka's default 1048588).
    size_t max_message_bytes = 1048588;
    /// message.timestamp.type=LogAppendTime: the broker stamps each batch's maxTimestamp
    /// with its clock at append (and sets the attribute bit, recomputing the CRC).
    bool log_append_time = false;
    /// cleanup.policy: "delete" (the default), "compact", or both. Time and size retention
    /// delete segments only with the delete policy (Kafka: a compact-only topic never
    /// deletes by retention); compaction runs only with the compact policy.
    bool cleanup_policy_compact = false;
    bool cleanup_policy_delete = true;
    /// delete.retention.ms: how long a tombstone (null value) survives compaction.
    int64_t delete_retention_ms = 86400000;
    /// min.cleanable.dirty.ratio: compact only when the uncleaned share of the closed
    /// segments' bytes is at least this.
    double min_cleanable_dirty_ratio = 0.5;
    /// min.compaction.lag.ms: a segment whose newest batch is younger stays uncompacted.
    int64_t min_compaction_lag_ms = 0;
    /// compression.type: -1 keeps batches in the codec the producer chose ("producer");
    /// 0..4 (none/uncompressed, gzip, snappy, lz4, zstd: Kafka's attribute ids) makes the
    /// log recompress every batch that arrives in another codec.
    int8_t compression = -1;
    /// compression.gzip.level (-1: zlib's default) and compression.zstd.level, used when
    /// recompressing; lz4 uses liblz4's fast mode, Kafka's default.
    int compression_gzip_level = -1;
    int compression_zstd_level = 3;
    /// log.write.mode=direct (a broker setting, not a topic one): segment writes go through
    /// O_DIRECT from an aligned staging copy (storage/direct_writer.h); buffered otherwise.
    bool direct_io = false;
    /// log.write.direct.cache.bytes: with direct writes, the newest written bytes kept in
    /// memory (their staging copies) for tail reads, since direct writes leave nothing in
    /// the page cache: one budget for all partitions of a shard, oldest out first
    /// (storage/tail_cache.h). 0: none.
    size_t direct_cache_bytes = 256u << 20;
};

}  // namespace sluice::storage
