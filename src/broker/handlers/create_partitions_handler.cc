// CreatePartitions (key 37): raise a topic's partition count through
// topic_manager::add_partitions. Explicit assignments for the new partitions are legal on
// one broker only when each places its partition on this node alone (Kafka's
// ReplicationControlManager.createPartitions checks the same things against the
// registered brokers). validate_only checks everything and adds nothing; timeout_ms is
// ignored because new partitions exist as soon as their files do.

#include <map>
#include <set>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/messages/create_partitions.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

/// Checked only once the count is known to be an increase, so that a bad count is
/// reported first (as Kafka does).
std::optional<topic_error> check_assignments(const protocol::create_partitions_topic& t,
                                             int32_t current, int32_t node) {
    if (!t.assignments || t.count <= current) return std::nullopt;
    const auto added = static_cast<size_t>(t.count - current);
    if (t.assignments->size() != added) {
        return topic_error{kafka_error::invalid_replica_assignment,
                           "adding " + std::to_string(added) + " partition(s) but " +
                               std::to_string(t.assignments->size()) + " assignment(s) were given"};
    }
    for (size_t i = 0; i < added; ++i) {
        if ((*t.assignments)[i].broker_ids != std::vector<int32_t>{node}) {
            return topic_error{kafka_error::invalid_replica_assignment,
                               "new partition " + std::to_string(current + static_cast<int>(i)) +
                                   " must have exactly one replica, on broker " +
                                   std::to_string(node) + ", the only broker in the cluster"};
        }
    }
    return std::nullopt;
}

std::optional<topic_error> add_one(broker& b, const protocol::create_partitions_topic& t,
                                   bool validate_only, int64_t now_ms) {
    if (const topic_info* info = b.topics().find(t.name)) {
        const auto current = static_cast<int32_t>(info->partitions.size());
        if (auto e = check_assignments(t, current, b.options().node_id)) return e;
    }
    return b.topics().add_partitions(t.name, t.count, validate_only, now_ms);
}

}  // namespace

void handle_create_partitions(request_context& ctx) {
    auto req = decode_or_reject<protocol::create_partitions_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    const int64_t now_ms = common::wall_clock_ms();
    std::map<std::string, int> mentions;
    for (const auto& t : req->topics) ++mentions[t.name];
    std::set<std::string> refused;

    protocol::create_partitions_response resp;
    for (const auto& t : req->topics) {
        std::optional<topic_error> err;
        if (mentions[t.name] > 1) {
            // Refused once, and neither entry applied (Kafka: "Duplicate topic in request").
            if (!refused.insert(t.name).second) continue;
            err = topic_error{kafka_error::invalid_request,
                              "topic " + t.name + " appears more than once in the request"};
        } else {
            err = add_one(b, t, req->validate_only, now_ms);
        }
        auto& r = resp.results.emplace_back();
        r.name = t.name;
        if (err) {
            r.error_code = code(err->code);
            r.error_message =
                err->message.empty() ? protocol::kafka_error_message(err->code) : err->message;
        }
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
