#pragma once
// The topic a run uses: find it, create it when missing, and learn where its partitions
// start and end.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/client/pipelined_connection.h"

namespace sluice::perf {

/// The partition ids of `topic`; creates it with `partitions` partitions (broker-default
/// replication) when it does not exist and `create` is set. nullopt with *why on failure.
std::optional<std::vector<int32_t>> find_or_create_topic(client::pipelined_connection& c,
                                                         const std::string& topic,
                                                         int32_t partitions, bool create,
                                                         std::string* why);

/// ListOffsets at `timestamp` (-2 earliest, -1 latest) for `partitions` of `topic`.
std::optional<std::map<int32_t, int64_t>> list_offsets(client::pipelined_connection& c,
                                                       const std::string& topic,
                                                       const std::vector<int32_t>& partitions,
                                                       int64_t timestamp, std::string* why);

}  // namespace sluice::perf
