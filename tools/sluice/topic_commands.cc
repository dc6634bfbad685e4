// sluice topic create|list|describe|delete.

#include <cinttypes>

#include "cli.h"
#include "sluice/protocol/messages/create_topics.h"
#include "sluice/protocol/messages/delete_topics.h"
#include "sluice/protocol/messages/describe_configs.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"

namespace sluice::cli {

using namespace protocol;

int topic_create(const common_options& o, const std::string& name, int32_t partitions,
                 int16_t replication, const std::vector<std::string>& configs) {
    client::kafka_connection c;
    if (!connect(c, o, topic_admin_timeout_ms)) return 1;
    create_topics_request req;
    req.timeout_ms = topic_admin_timeout_ms;
    creatable_topic t;
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = replication;
    for (const auto& kv : configs) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) {
            std::fprintf(stderr, "sluice: --config %s: expected KEY=VALUE\n", kv.c_str());
            return 2;
        }
        t.configs.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
    }
    req.topics.push_back(std::move(t));
    std::string why;
    auto resp = c.call<create_topics_request, create_topics_response>(req, &why);
    if (!resp) {
        std::fprintf(stderr,
                     "sluice: create topic %s: %s (after %d s the broker may still be "
                     "creating it: see `sluice topic describe %s`)\n",
                     name.c_str(), why.c_str(), topic_admin_timeout_ms / 1000, name.c_str());
        return 1;
    }
    for (const auto& r : resp->topics) {
        if (!check(r.error_code, r.error_message, "create topic " + r.name)) return 1;
    }
    std::printf("created topic %s\n", name.c_str());
    return 0;
}

namespace {
std::optional<metadata_response> fetch_metadata(client::kafka_connection& c,
                                                std::optional<std::vector<std::string>> names) {
    metadata_request req;
    req.allow_auto_topic_creation = false;
    if (names) {
        req.topics = std::vector<metadata_request_topic>{};
        for (auto& n : *names) {
            metadata_request_topic t;
            t.name = n;
            req.topics->push_back(t);
        }
    } else {
        req.topics = std::nullopt;
    }
    std::string why;
    auto resp = c.call<metadata_request, metadata_response>(req, &why);
    if (!resp) std::fprintf(stderr, "sluice: metadata: %s\n", why.c_str());
    return resp;
}
}  // namespace

int topic_list(const common_options& o) {
    client::kafka_connection c;
    if (!connect(c, o)) return 1;
    auto md = fetch_metadata(c, std::nullopt);
    if (!md) return 1;
    for (const auto& t : md->topics) {
        std::printf("%s\t%zu partition(s)\n", t.name.value_or("?").c_str(), t.partitions.size());
    }
    return 0;
}

int topic_describe(const common_options& o, const std::string& name) {
    client::kafka_connection c;
    if (!connect(c, o)) return 1;
    auto md = fetch_metadata(c, std::vector<std::string>{name});
    if (!md || md->topics.empty()) return 1;
    const auto& t = md->topics[0];
    if (!check(t.error_code, std::nullopt, "topic " + name)) return 1;
    std::printf("topic %s: %zu partition(s)\n", name.c_str(), t.partitions.size());
    list_offsets_request lo;
    lo.replica_id = -1;
    for (int64_t ts : {-2LL, -1LL}) {
        list_offsets_topic lt;
        lt.name = name;
        for (const auto& p : t.partitions) {
            list_offsets_partition lp;
            lp.partition_index = p.partition_index;
            lp.timestamp = ts;
            lt.partitions.push_back(lp);
        }
        lo.topics.push_back(lt);
    }
    std::string why;
    auto offs = c.call<list_offsets_request, list_offsets_response>(lo, &why);
    std::printf("  %-10s %-8s %-14s %-14s\n", "partition", "leader", "start offset", "end offset");
    for (size_t i = 0; i < t.partitions.size(); ++i) {
        int64_t start = -1, end = -1;
        if (offs && offs->topics.size() == 2) {
            start = offs->topics[0].partitions.at(i).offset;
            end = offs->topics[1].partitions.at(i).offset;
        }
        std::printf("  %-10d %-8d %-14" PRId64 " %-14" PRId64 "\n", t.partitions[i].partition_index,
                    t.partitions[i].leader_id, start, end);
    }
    describe_configs_request dc;
    describe_configs_resource r;
    r.resource_type = 2;
    r.resource_name = name;
    r.configuration_keys = std::nullopt;
    dc.resources.push_back(r);
    auto cfg = c.call<describe_configs_request, describe_configs_response>(dc, &why);
    if (cfg && !cfg->results.empty() && cfg->results[0].error_code == 0) {
        std::printf("  configs:\n");
        for (const auto& e : cfg->results[0].configs) {
            std::printf("    %s=%s\n", e.name.c_str(), e.value.value_or("").c_str());
        }
    }
    return 0;
}

int topic_delete(const common_options& o, const std::string& name) {
    client::kafka_connection c;
    if (!connect(c, o, topic_admin_timeout_ms)) return 1;
    delete_topics_request req;
    req.topic_names.push_back(name);
    delete_topic_state s;
    s.name = name;
    req.topics.push_back(s);
    req.timeout_ms = topic_admin_timeout_ms;
    std::string why;
    auto resp = c.call<delete_topics_request, delete_topics_response>(req, &why);
    if (!resp) {
        std::fprintf(stderr, "sluice: delete topic %s: %s\n", name.c_str(), why.c_str());
        return 1;
    }
    for (const auto& r : resp->responses) {
        if (!check(r.error_code, r.error_message, "delete topic " + name)) return 1;
    }
    std::printf("deleted topic %s\n", name.c_str());
    return 0;
}

}  // namespace sluice::cli
