// DeleteGroups (key 42): removes empty groups and their committed offsets (tombstones in
// __consumer_offsets), as Kafka's GroupCoordinator.handleDeleteGroups: a group with
// members is NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND. A group known only by
// its committed offsets is empty and can go.

#include "../broker.h"
#include "handlers.h"
#include "sluice/protocol/messages/delete_groups.h"

namespace sluice::broker {

namespace {

group::group_error remove(group_coordinator& gc, const std::string& group_id) {
    group::group_stm* g = gc.find(group_id);
    if (g && g->state() == group::group_state::dead) g = nullptr;
    if (g) {
        if (auto err = g->remove(); err != group::group_error::none) return err;
    } else if (!gc.offsets().offsets_of(group_id)) {
        return group::group_error::group_id_not_found;
    }
    gc.remove_group(group_id);
    return group::group_error::none;
}

}  // namespace

void handle_delete_groups(request_context& ctx) {
    auto req = decode_or_reject<protocol::delete_groups_request>(ctx);
    if (!req) return;
    group_coordinator& gc = ctx.owner->groups();
    protocol::delete_groups_response resp;
    for (const auto& id : req->groups_names) {
        auto& r = resp.results.emplace_back();
        r.group_id = id;
        r.error_code = static_cast<int16_t>(remove(gc, id));
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
