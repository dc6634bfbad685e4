#pragma once
// meta.properties: the identity of a log directory (Kafka's format: key=value lines with
// version, node.id, cluster.id). Written once when the directory is first used; later
// starts check that the configured node.id matches, so a directory is never served by
// the wrong broker.

#include <cstdint>
#include <filesystem>
#include <string>

#include "sluice/storage/errc.h"

namespace sluice::storage {

struct meta_properties {
    int32_t node_id = 0;
    std::string cluster_id;
};

/// Reads `<dir>/meta.properties`, or writes it (with a fresh random cluster id) if absent.
/// Fails with corrupt_index if the file is unreadable, or not_found-style errors are logged
/// and returned when node_id differs from the file's.
result<meta_properties> ensure_meta_properties(const std::filesystem::path& dir, int32_t node_id);

}  // namespace sluice::storage
