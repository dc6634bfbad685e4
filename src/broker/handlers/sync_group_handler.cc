// SyncGroup (key 14): the leader hands out the assignment; everyone gets their part.

#include "../broker.h"
#include "handlers.h"
#include "sluice/protocol/messages/sync_group.h"

namespace sluice::broker {

void handle_sync_group(request_context& ctx) {
    auto req = decode_or_reject<protocol::sync_group_request>(ctx);
    if (!req) return;
    group::sync_request s;
    s.member_id = req->member_id;
    s.group_instance_id = req->group_instance_id;
    s.generation_id = req->generation_id;
    for (const auto& a : req->assignments) s.assignments.push_back({a.member_id, a.assignment});
    const std::string group_id = req->group_id;
    ctx.owner->groups().sync(std::move(ctx), group_id, s);
}

}  // namespace sluice::broker
