#pragma once
// offset_store: the committed offsets of every consumer group, and their records in
// __consumer_offsets in Kafka's own layout (key OffsetCommitKey v1, value
// OffsetCommitValue v3; a null value deletes), so Kafka's tools could read them.
//
// Owned by the group coordinator on its shard; not thread-safe. In memory only: the
// coordinator writes the records to the log, and calls apply_record() for every record
// it reads back at startup, in offset order (later records win, as compaction keeps).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sluice::group {

struct committed_offset {
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    std::string metadata;
    int64_t commit_timestamp_ms = 0;
};

struct partition_key {
    std::string topic;
    int32_t partition = 0;
    auto operator<=>(const partition_key&) const = default;
};

using group_offsets = std::map<partition_key, committed_offset>;

class offset_store {
  public:
    void put(const std::string& group, const partition_key& tp, committed_offset o);
    void erase(const std::string& group, const partition_key& tp);
    void erase_group(const std::string& group);
    std::optional<committed_offset> get(const std::string& group, const partition_key& tp) const;
    /// Every committed offset of a group (nullptr when it has none).
    const group_offsets* offsets_of(const std::string& group) const;
    std::vector<std::string> groups() const;
    /// The group's offsets committed before `now_ms - retention_ms` (Kafka's
    /// offsets.retention.minutes: the offsets of a group without members expire).
    std::vector<partition_key> expired(const std::string& group, int64_t now_ms,
                                       int64_t retention_ms) const;

    /// Record key and value for one commit (value nullopt: a tombstone).
    static std::vector<uint8_t> record_key(const std::string& group, const partition_key& tp);
    static std::vector<uint8_t> record_value(const committed_offset& o);
    /// Apply a record read back from __consumer_offsets. Group-metadata records and unknown
    /// versions are skipped; returns false for a record that cannot be decoded.
    bool apply_record(std::optional<std::span<const uint8_t>> key,
                      std::optional<std::span<const uint8_t>> value);

  private:
    std::map<std::string, group_offsets> _groups;
};

/// The __consumer_offsets partition that coordinates `group`: Kafka's
/// Utils.abs(groupId.hashCode) % partitions, with Java's String.hashCode over UTF-16.
int32_t partition_for_group(const std::string& group, int32_t partitions);

}  // namespace sluice::group
