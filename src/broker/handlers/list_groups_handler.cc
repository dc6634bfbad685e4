// ListGroups (key 16): every group this coordinator knows, with its protocol type, state
// (v4+, KIP-518) and type (v5+, KIP-848), filtered by state and type.
//
// A group is known when it has a state machine (members now or since the start) or
// committed offsets; one with only offsets is "Empty" with protocol type "", as in
// DescribeGroups. Every group here is a classic group. Filters compare without case, as
// Kafka's group coordinator lowercases both sides (ClassicGroup.isInStates).

#include <algorithm>
#include <cctype>
#include <map>

#include "../broker.h"
#include "handlers.h"
#include "sluice/protocol/messages/list_groups.h"

namespace sluice::broker {

namespace {

constexpr const char* classic_group_type = "classic";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

/// An empty filter matches every value.
bool matches(const std::vector<std::string>& filter, const std::string& value) {
    if (filter.empty()) return true;
    const std::string v = lower(value);
    return std::any_of(filter.begin(), filter.end(),
                       [&](const std::string& f) { return lower(f) == v; });
}

}  // namespace

void handle_list_groups(request_context& ctx) {
    auto req = decode_or_reject<protocol::list_groups_request>(ctx);
    if (!req) return;
    group_coordinator& gc = ctx.owner->groups();
    // group id -> (protocol type, state), sorted by id.
    std::map<std::string, std::pair<std::string, std::string>> known;
    for (const auto& id : gc.offsets().groups()) {
        known[id] = {"", group::to_string(group::group_state::empty)};
    }
    for (const auto& [id, g] : gc.groups()) {
        if (g->state() == group::group_state::dead) continue;
        known[id] = {g->protocol_type(), group::to_string(g->state())};
    }
    protocol::list_groups_response resp;
    if (!matches(req->types_filter, classic_group_type)) {
        ctx.respond(resp);
        return;
    }
    for (auto& [id, info] : known) {
        if (!matches(req->states_filter, info.second)) continue;
        auto& out = resp.groups.emplace_back();
        out.group_id = id;
        out.protocol_type = std::move(info.first);
        out.group_state = std::move(info.second);
        out.group_type = classic_group_type;
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
