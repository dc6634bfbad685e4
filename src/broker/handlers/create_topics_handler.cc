// CreateTopics (key 19): create each topic through topic_manager, as Kafka's controller
// does (ReplicationControlManager.createTopics) with one broker. validate_only checks
// everything and creates nothing; timeout_ms is ignored because a topic exists here as
// soon as its files do. From v5 a result carries the topic's partition count, replication
// factor and configs (KIP-525), from v7 its topic id.

#include <map>
#include <set>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/messages/create_topics.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

/// Manual assignments: with one broker the only legal placement is partitions 0..n-1,
/// each on this node alone (Kafka's INVALID_REPLICA_ASSIGNMENT cases: unknown broker,
/// gaps in the partition ids, duplicate replicas, uneven replication factors).
std::optional<topic_error> check_assignments(const protocol::creatable_topic& t, int32_t node) {
    if (t.num_partitions != -1 || t.replication_factor != -1) {
        return topic_error{kafka_error::invalid_request,
                           "numPartitions and replicationFactor must be -1 when replica "
                           "assignments are given"};
    }
    std::vector<bool> seen(t.assignments.size(), false);
    for (const auto& a : t.assignments) {
        const auto p = static_cast<size_t>(a.partition_index);
        if (a.partition_index < 0 || p >= seen.size() || seen[p]) {
            return topic_error{kafka_error::invalid_replica_assignment,
                               "partition " + std::to_string(a.partition_index) +
                                   " is out of place: assignments must number the partitions 0 "
                                   "to " +
                                   std::to_string(seen.size() - 1) + " once each"};
        }
        seen[p] = true;
        if (a.broker_ids != std::vector<int32_t>{node}) {
            return topic_error{kafka_error::invalid_replica_assignment,
                               "partition " + std::to_string(a.partition_index) +
                                   " must have exactly one replica, on broker " +
                                   std::to_string(node) + ", the only broker in the cluster"};
        }
    }
    return std::nullopt;
}

/// The request's configs as a map; a null value is refused as Kafka refuses it.
std::optional<topic_error> collect_configs(const protocol::creatable_topic& t, config_map& out) {
    for (const auto& c : t.configs) {
        if (!c.value) {
            return topic_error{kafka_error::invalid_config,
                               "null value not supported for topic config " + c.name};
        }
        out[c.name] = *c.value;
    }
    return std::nullopt;
}

protocol::creatable_topic_result failed(const std::string& name, topic_error e) {
    protocol::creatable_topic_result r;
    r.name = name;
    r.error_code = code(e.code);
    r.error_message = e.message.empty() ? protocol::kafka_error_message(e.code) : e.message;
    return r;
}

/// The settings of a created (or validated) topic, as DescribeConfigs would list them.
void fill_settings(const broker& b, int32_t partitions, const config_map& configs,
                   protocol::creatable_topic_result& r) {
    r.num_partitions = partitions;
    r.replication_factor = 1;
    r.configs.emplace();
    for (const auto& e : describe_topic_config(b.options(), configs)) {
        protocol::creatable_topic_result_config c;
        c.name = e.name;
        c.value = e.value;
        c.read_only = false;
        c.config_source = e.source;
        c.is_sensitive = false;
        r.configs->push_back(std::move(c));
    }
}

protocol::creatable_topic_result create_one(broker& b, const protocol::creatable_topic& t,
                                            bool validate_only, int64_t now_ms) {
    int32_t partitions = t.num_partitions;
    int16_t replication_factor = t.replication_factor;
    if (!t.assignments.empty()) {
        if (auto e = check_assignments(t, b.options().node_id)) return failed(t.name, *e);
        partitions = static_cast<int32_t>(t.assignments.size());
        replication_factor = 1;
    }
    config_map configs;
    if (auto e = collect_configs(t, configs)) return failed(t.name, *e);
    if (auto e = b.topics().create(t.name, partitions, replication_factor, configs, validate_only,
                                   now_ms)) {
        return failed(t.name, *e);
    }
    protocol::creatable_topic_result r;
    r.name = t.name;
    r.error_message = std::nullopt;
    if (validate_only) {
        // Nothing exists, so there is no topic id; report what would have been created.
        fill_settings(b, partitions == -1 ? b.options().num_partitions : partitions, configs, r);
        return r;
    }
    const topic_info* created = b.topics().find(t.name);
    r.topic_id = created->id;
    fill_settings(b, static_cast<int32_t>(created->partitions.size()), created->configs, r);
    return r;
}

}  // namespace

void handle_create_topics(request_context& ctx) {
    auto req = decode_or_reject<protocol::create_topics_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    const int64_t now_ms = common::wall_clock_ms();
    // A name given twice is refused once and neither entry is created (Kafka: results
    // are keyed by name).
    std::map<std::string, int> mentions;
    for (const auto& t : req->topics) ++mentions[t.name];
    std::set<std::string> refused;

    protocol::create_topics_response resp;
    for (const auto& t : req->topics) {
        if (mentions[t.name] > 1) {
            if (refused.insert(t.name).second) {
                resp.topics.push_back(
                    failed(t.name, {kafka_error::invalid_request,
                                    "topic " + t.name + " appears more than once in the request"}));
            }
            continue;
        }
        resp.topics.push_back(create_one(b, t, req->validate_only, now_ms));
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
