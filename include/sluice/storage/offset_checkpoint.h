#pragma once
// Kafka's per-log-dir offset checkpoint files, in Kafka's text format (Kafka's
// CheckpointFile with OffsetCheckpointFile's formatter), so that a data directory reads
// the same to Kafka's own tools:
//   recovery-point-offset-checkpoint   offset up to which each partition's log is flushed
//   replication-offset-checkpoint      each partition's high watermark
//   log-start-offset-checkpoint        each partition's log start offset
// Format and replace procedure: src/storage/README.md.

#include <compare>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "sluice/storage/errc.h"

namespace sluice::storage {

/// A partition of a topic, named as in the checkpoint files and directory names.
struct topic_partition {
    std::string topic;
    int32_t partition = 0;
    auto operator<=>(const topic_partition&) const = default;
};

/// One checkpoint file's content: partition -> offset. Ordered, so the file is written in
/// a stable order and two writes of the same map give the same bytes.
using offset_checkpoint_map = std::map<topic_partition, int64_t>;

/// Replaces the file at `path` with `offsets`, atomically (write_file_atomic): after a
/// crash it holds either the previous map or this one. Durable on success. Written by
/// the log manager of the log dir, from one shard at a time; blocking I/O, so call it
/// at checkpoint intervals and at shutdown, not per request. Every topic name must be a
/// legal Kafka topic name (asserted: the broker validated it at creation).
[[nodiscard]] result<void> write_offset_checkpoint(const std::filesystem::path& path,
                                                   const offset_checkpoint_map& offsets);

/// Reads a checkpoint file. A missing file gives an empty map (first start, or a log dir
/// that never checkpointed). A malformed file gives corrupt_index, logged with the file
/// and the line; the caller then treats every partition as unchecked (full recovery).
[[nodiscard]] result<offset_checkpoint_map> read_offset_checkpoint(
    const std::filesystem::path& path);

}  // namespace sluice::storage
