// Heartbeat (key 12): keeps a member's session alive; tells it when to rejoin.

#include "../broker.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/messages/heartbeat.h"

namespace sluice::broker {

void handle_heartbeat(request_context& ctx) {
    auto req = decode_or_reject<protocol::heartbeat_request>(ctx);
    if (!req) return;
    protocol::heartbeat_response resp;
    group::group_stm* g = ctx.owner->groups().find(req->group_id);
    if (!g) {
        resp.error_code = static_cast<int16_t>(group::group_error::unknown_member_id);
    } else {
        resp.error_code = static_cast<int16_t>(g->heartbeat(
            req->member_id, req->group_instance_id, req->generation_id, common::monotonic_ms()));
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
