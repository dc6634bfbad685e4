// JoinGroup (key 11): hands the request to the group's state machine; the answer comes
// when the rebalance completes (group_coordinator keeps the request until then).

#include "../broker.h"
#include "../connection.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/join_group.h"

namespace sluice::broker {

void handle_join_group(request_context& ctx) {
    auto req = decode_or_reject<protocol::join_group_request>(ctx);
    if (!req) return;
    if (req->group_id.empty()) {
        protocol::join_group_response resp;
        resp.error_code = code(protocol::kafka_error::invalid_group_id);
        ctx.respond(resp);
        return;
    }
    group::join_request j;
    j.member_id = req->member_id;
    j.group_instance_id = req->group_instance_id;
    j.client_id = ctx.header.client_id.value_or("");
    j.client_host = "/" + ctx.conn->peer().substr(0, ctx.conn->peer().rfind(':'));
    j.session_timeout_ms = req->session_timeout_ms;
    // v0 has no rebalance timeout: Kafka uses the session timeout.
    j.rebalance_timeout_ms =
        ctx.version() >= 1 ? req->rebalance_timeout_ms : req->session_timeout_ms;
    j.protocol_type = req->protocol_type;
    for (const auto& p : req->protocols) j.protocols.push_back({p.name, p.metadata});
    // KIP-394: from v4 a first join gets MEMBER_ID_REQUIRED and a member id to rejoin with.
    j.require_known_member_id = ctx.version() >= 4;
    const std::string group_id = req->group_id;
    ctx.owner->groups().join(std::move(ctx), group_id, j);
}

}  // namespace sluice::broker
