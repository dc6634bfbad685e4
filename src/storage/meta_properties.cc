#include "sluice/storage/meta_properties.h"

#include <random>
#include <sstream>

#include "sluice/common/logger.h"
#include "sluice/storage/file_util.h"

namespace sluice::storage {

namespace {

/// 16 random bytes in URL-safe base64 without padding (22 characters), the shape of a
/// Kafka cluster id.
std::string random_cluster_id() {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::random_device rd;
    std::string id;
    for (int i = 0; i < 22; ++i) id.push_back(alphabet[rd() % 64]);
    return id;
}

}  // namespace

result<meta_properties> ensure_meta_properties(const std::filesystem::path& dir, int32_t node_id) {
    const auto path = dir / "meta.properties";
    auto bytes = read_file(path);
    if (!bytes && bytes.error() == errc::not_found) {
        meta_properties m{node_id, random_cluster_id()};
        std::string text =
            "# Written by sluiced when this log directory was first used.\n"
            "version=1\nnode.id=" +
            std::to_string(node_id) + "\ncluster.id=" + m.cluster_id + "\n";
        auto r =
            write_file_atomic(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
        if (!r) return fail(r.error());
        return m;
    }
    if (!bytes) return fail(bytes.error());
    std::istringstream in(std::string(bytes->begin(), bytes->end()));
    std::string line;
    meta_properties m;
    bool have_node = false;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "node.id" || key == "broker.id") {
            try {
                m.node_id = std::stoi(value);
                have_node = true;
            } catch (...) {
                have_node = false;
            }
        } else if (key == "cluster.id") {
            m.cluster_id = value;
        }
    }
    if (!have_node) {
        SLUICE_LOG(error, "storage", "%s has no valid node.id; fix or remove the file",
                   path.c_str());
        return fail(errc::corrupt_index);
    }
    if (m.node_id != node_id) {
        SLUICE_LOG(error, "storage",
                   "%s belongs to node.id %d but this broker is node.id %d; use the right "
                   "log.dirs or node.id",
                   path.c_str(), m.node_id, node_id);
        return fail(errc::corrupt_index);
    }
    return m;
}

}  // namespace sluice::storage
