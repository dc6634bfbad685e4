// OffsetDelete (key 47, KIP-496): deletes some committed offsets of a group, as Kafka's
// GroupCoordinator.handleDeleteOffsets. An empty group (or one known only by its offsets)
// may lose any of them. A consumer group with members keeps the offsets of the topics its
// members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC per partition); a group of another
// protocol type with members refuses the whole request (NON_EMPTY_GROUP).

#include <set>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/consumer_protocol.h"
#include "sluice/protocol/messages/offset_delete.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

/// The topics the members subscribe to, read from their ConsumerProtocolSubscription
/// metadata for the chosen protocol; nullopt when any member's cannot be read (or no
/// protocol is chosen yet), which Kafka takes as "subscribed to everything"
/// (GroupMetadata.isSubscribedToTopic with subscribedTopics None).
std::optional<std::set<std::string>> subscribed_topics(const group::group_stm& g) {
    if (g.protocol_name().empty()) return std::nullopt;
    std::set<std::string> topics;
    for (const auto& m : g.members()) {
        auto sub = protocol::decode_consumer_protocol<protocol::consumer_protocol_subscription>(
            m.metadata);
        if (!sub) return std::nullopt;
        topics.insert(sub->value.topics.begin(), sub->value.topics.end());
    }
    return topics;
}

}  // namespace

void handle_offset_delete(request_context& ctx) {
    auto req = decode_or_reject<protocol::offset_delete_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    group_coordinator& gc = b.groups();
    protocol::offset_delete_response resp;
    group::group_stm* g = gc.find(req->group_id);
    if (g && g->state() == group::group_state::dead) g = nullptr;
    if (req->group_id.empty()) {
        resp.error_code = code(kafka_error::invalid_group_id);
    } else if (!g && !gc.offsets().offsets_of(req->group_id)) {
        resp.error_code = code(kafka_error::group_id_not_found);
    } else if (g && g->state() != group::group_state::empty && g->protocol_type() != "consumer") {
        resp.error_code = code(kafka_error::non_empty_group);
    }
    if (resp.error_code != 0) {
        ctx.respond(resp);
        return;
    }
    // Members (if any) keep the offsets of what they consume.
    const bool has_members = g && g->state() != group::group_state::empty;
    std::optional<std::set<std::string>> subscribed = std::set<std::string>{};
    if (has_members) subscribed = subscribed_topics(*g);
    std::vector<group::partition_key> doomed;
    for (const auto& t : req->topics) {
        auto& rt = resp.topics.emplace_back();
        rt.name = t.name;
        for (const auto& p : t.partitions) {
            auto& rp = rt.partitions.emplace_back();
            rp.partition_index = p.partition_index;
            if (!b.topics().find_partition(t.name, p.partition_index)) {
                rp.error_code = code(kafka_error::unknown_topic_or_partition);
            } else if (!subscribed || subscribed->contains(t.name)) {
                rp.error_code = code(kafka_error::group_subscribed_to_topic);
            } else if (gc.offsets().get(req->group_id, {t.name, p.partition_index})) {
                doomed.push_back({t.name, p.partition_index});
            }
        }
    }
    gc.delete_offsets(req->group_id, doomed);
    // Kafka drops an empty group that has no offsets left (cleanupGroupMetadata).
    if (!has_members && !gc.offsets().offsets_of(req->group_id)) gc.remove_group(req->group_id);
    ctx.respond(resp);
}

}  // namespace sluice::broker
