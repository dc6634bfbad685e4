// Metadata (key 3): brokers, cluster id, controller, and topics with their partitions.
// Unknown topics are created here when auto.create.topics.enable and the client allows it
// (Kafka's behaviour), so a producer's first metadata request already sees the topic.

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/messages/metadata.h"

namespace sluice::broker {

namespace {

protocol::metadata_response_topic describe(broker& b, const topic_info& t) {
    protocol::metadata_response_topic out;
    out.name = t.name;
    out.topic_id = t.id;
    out.is_internal = t.name.starts_with("__");
    const int32_t node = b.options().node_id;
    for (const auto& p : t.partitions) {
        protocol::metadata_response_partition mp;
        mp.partition_index = p->index();
        mp.leader_id = node;
        mp.leader_epoch = 0;
        mp.replica_nodes = {node};
        mp.isr_nodes = {node};
        out.partitions.push_back(std::move(mp));
    }
    return out;
}

protocol::metadata_response_topic error_topic(std::optional<std::string> name, protocol::uuid id,
                                              protocol::kafka_error e) {
    protocol::metadata_response_topic out;
    out.error_code = code(e);
    out.name = std::move(name);
    out.topic_id = id;
    return out;
}

}  // namespace

void handle_metadata(request_context& ctx) {
    auto req = decode_or_reject<protocol::metadata_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    protocol::metadata_response resp;
    resp.brokers.push_back(
        {b.options().node_id, b.advertised_host(), b.advertised_port(), std::nullopt});
    resp.cluster_id = b.cluster_id();
    resp.controller_id = b.options().node_id;

    // v0: an empty list means every topic; v1+: null means every topic, empty means none.
    const bool all = !req->topics || (ctx.version() == 0 && req->topics->empty());
    if (all) {
        for (const auto& [name, t] : b.topics().topics()) resp.topics.push_back(describe(b, *t));
        ctx.respond(resp);
        return;
    }
    const bool may_create = b.options().auto_create_topics && req->allow_auto_topic_creation;
    for (const auto& rt : *req->topics) {
        topic_info* t = nullptr;
        if (rt.name) {
            t = b.topics().find(*rt.name);
        } else {
            t = b.topics().find(rt.topic_id);
            if (!t) {
                resp.topics.push_back(error_topic(std::nullopt, rt.topic_id,
                                                  protocol::kafka_error::unknown_topic_id));
                continue;
            }
        }
        if (!t && rt.name) {
            if (auto why = topic_manager::invalid_topic_name(*rt.name)) {
                resp.topics.push_back(
                    error_topic(rt.name, {}, protocol::kafka_error::invalid_topic_exception));
                continue;
            }
            if (!may_create) {
                resp.topics.push_back(
                    error_topic(rt.name, {}, protocol::kafka_error::unknown_topic_or_partition));
                continue;
            }
            auto err = b.topics().create(*rt.name, -1, -1, {}, false, common::wall_clock_ms());
            if (err) {
                resp.topics.push_back(error_topic(rt.name, {}, err->code));
                continue;
            }
            t = b.topics().find(*rt.name);
        }
        resp.topics.push_back(describe(b, *t));
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
