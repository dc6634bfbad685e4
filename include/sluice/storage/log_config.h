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
};

}  // namespace sluice::storage
