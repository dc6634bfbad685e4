#pragma once
// group_record: a classic group's record in __consumer_offsets in Kafka's layout (key
// GroupMetadataKey v2, value GroupMetadataValue v3; a null value deletes the group), so a
// group's members, generation and assignments survive a broker restart.
//
// Written by the group coordinator after the transitions group_stm::store_seq() counts;
// read back at startup in offset order, the last record of a group winning (as compaction
// keeps it). Value versions 0-4 are read; a member without a rebalance timeout (v0) gets
// its session timeout, as Kafka does.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "group_stm.h"

namespace sluice::group {

/// True when a __consumer_offsets record key is a group's (version 2), not an offset's.
bool is_group_record_key(std::span<const uint8_t> key);

std::vector<uint8_t> group_record_key(const std::string& group);
std::vector<uint8_t> group_record_value(const group_snapshot& s, int64_t now_wall_ms);

/// Groups read back from __consumer_offsets: the last record of each group wins; a
/// tombstone removes the group.
class group_record_loader {
  public:
    /// Apply one record whose key is_group_record_key(); false when it cannot be decoded.
    bool apply(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value);
    const std::map<std::string, group_snapshot>& groups() const { return _groups; }

  private:
    std::map<std::string, group_snapshot> _groups;
};

}  // namespace sluice::group
