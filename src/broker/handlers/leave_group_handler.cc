// LeaveGroup (key 13): one member (v0-2) or a batch of members (v3+) leave; the rest
// rebalance.

#include "../broker.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/messages/leave_group.h"

namespace sluice::broker {

void handle_leave_group(request_context& ctx) {
    auto req = decode_or_reject<protocol::leave_group_request>(ctx);
    if (!req) return;
    protocol::leave_group_response resp;
    group_coordinator& gc = ctx.owner->groups();
    group::group_stm* g = gc.find(req->group_id);
    const int64_t now = common::monotonic_ms();
    auto leave = [&](const std::string& member, const std::optional<std::string>& instance) {
        if (!g) return group::group_error::unknown_member_id;
        return g->leave(member, instance, now);
    };
    if (ctx.version() >= 3) {
        for (const auto& m : req->members) {
            auto& out = resp.members.emplace_back();
            out.member_id = m.member_id;
            out.group_instance_id = m.group_instance_id;
            out.error_code = static_cast<int16_t>(leave(m.member_id, m.group_instance_id));
        }
    } else {
        resp.error_code = static_cast<int16_t>(leave(req->member_id, std::nullopt));
    }
    // Members still waiting in a join may now be answered (the rebalance can complete).
    if (g) gc.deliver(*g);
    ctx.respond(resp);
}

}  // namespace sluice::broker
