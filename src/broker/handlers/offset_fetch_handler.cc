// OffsetFetch (key 9): the committed offsets of a group (v0-7), or of several groups (v8+).

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/offset_fetch.h"

namespace sluice::broker {

namespace {

using topics_t = std::optional<std::vector<protocol::offset_fetch_request_topic>>;

std::vector<protocol::offset_fetch_response_topic> lookup(group_coordinator& gc,
                                                          const std::string& group_id,
                                                          const topics_t& topics) {
    std::vector<protocol::offset_fetch_response_topic> out;
    auto add = [&](const std::string& topic, int32_t partition) {
        if (out.empty() || out.back().name != topic) out.push_back({topic, {}});
        auto& p = out.back().partitions.emplace_back();
        p.partition_index = partition;
        auto o = gc.offsets().get(group_id, {topic, partition});
        p.committed_offset = o ? o->offset : -1;
        p.committed_leader_epoch = o ? o->leader_epoch : -1;
        p.metadata = o ? o->metadata : std::string();
    };
    if (!topics) {
        // All of the group's committed offsets.
        if (const auto* offs = gc.offsets().offsets_of(group_id)) {
            for (const auto& [tp, o] : *offs) add(tp.topic, tp.partition);
        }
        return out;
    }
    for (const auto& t : *topics) {
        for (int32_t p : t.partition_indexes) add(t.name, p);
        if (t.partition_indexes.empty()) out.push_back({t.name, {}});
    }
    return out;
}

}  // namespace

void handle_offset_fetch(request_context& ctx) {
    auto req = decode_or_reject<protocol::offset_fetch_request>(ctx);
    if (!req) return;
    group_coordinator& gc = ctx.owner->groups();
    protocol::offset_fetch_response resp;
    if (ctx.version() >= 8) {
        for (const auto& g : req->groups) {
            auto& rg = resp.groups.emplace_back();
            rg.group_id = g.group_id;
            rg.topics = lookup(gc, g.group_id, g.topics);
        }
    } else {
        resp.topics = lookup(gc, req->group_id, req->topics);
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
