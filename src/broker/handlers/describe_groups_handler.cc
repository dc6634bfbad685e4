// DescribeGroups (key 15): each group's state, protocol and members, as Kafka's classic
// coordinator answers (GroupCoordinator.handleDescribeGroup, GroupMetadata.summary).
//
// An unknown group is "Dead" with no error: GROUP_ID_NOT_FOUND belongs to v6 and the new
// coordinator (KIP-848). A group known only by its committed offsets (after a restart, or
// one that only ever had simple commits) is "Empty" with protocol type "": the protocol
// type lives in Kafka's GroupMetadataValue records, which are not written here.

#include "../broker.h"
#include "handlers.h"
#include "sluice/protocol/messages/describe_groups.h"

namespace sluice::broker {

namespace {

/// Without an authorizer Kafka grants every operation a group supports
/// (AclEntry.supportedOperations(GROUP)), one bit per AclOperation code.
constexpr int32_t group_operations = (1 << 3)     // READ
                                     | (1 << 6)   // DELETE
                                     | (1 << 8);  // DESCRIBE

protocol::described_group describe(group_coordinator& gc, const std::string& group_id) {
    protocol::described_group out;
    out.group_id = group_id;
    const group::group_stm* g = gc.find(group_id);
    if (g && g->state() == group::group_state::dead) g = nullptr;
    if (!g) {
        out.group_state = gc.offsets().offsets_of(group_id)
                              ? group::to_string(group::group_state::empty)
                              : group::to_string(group::group_state::dead);
        return out;
    }
    out.group_state = group::to_string(g->state());
    out.protocol_type = g->protocol_type();
    // Kafka shows the protocol, member metadata and assignments only once they are
    // settled (Stable); in a rebalance they would be the previous generation's.
    const bool stable = g->state() == group::group_state::stable;
    if (stable) out.protocol_data = g->protocol_name();
    for (auto& m : g->members()) {
        auto& d = out.members.emplace_back();
        d.member_id = std::move(m.member_id);
        d.group_instance_id = std::move(m.group_instance_id);
        d.client_id = std::move(m.client_id);
        d.client_host = std::move(m.client_host);
        if (stable) {
            d.member_metadata = std::move(m.metadata);
            d.member_assignment = std::move(m.assignment);
        }
    }
    return out;
}

}  // namespace

void handle_describe_groups(request_context& ctx) {
    auto req = decode_or_reject<protocol::describe_groups_request>(ctx);
    if (!req) return;
    group_coordinator& gc = ctx.owner->groups();
    protocol::describe_groups_response resp;
    for (const auto& id : req->groups) {
        auto& d = resp.groups.emplace_back(describe(gc, id));
        if (req->include_authorized_operations) d.authorized_operations = group_operations;
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
