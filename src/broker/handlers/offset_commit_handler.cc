// OffsetCommit (key 8): checks membership with the group's state machine, then writes the
// offsets to __consumer_offsets and answers once they are durable.

#include <memory>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/messages/offset_commit.h"

namespace sluice::broker {

void handle_offset_commit(request_context& ctx) {
    auto req = decode_or_reject<protocol::offset_commit_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    group_coordinator& gc = b.groups();
    // The response lives on the heap until the commit is durable; errors are written into
    // it in place.
    auto state = std::make_shared<std::pair<request_context, protocol::offset_commit_response>>();
    auto& resp = state->second;
    group::group_error membership = group::group_error::none;
    if (req->group_id.empty()) {
        membership = static_cast<group::group_error>(code(protocol::kafka_error::invalid_group_id));
    } else if (group::group_stm* g = gc.find(req->group_id)) {
        membership = g->validate_commit(req->member_id, req->group_instance_id,
                                        req->generation_id_or_member_epoch);
    } else if (req->generation_id_or_member_epoch >= 0) {
        // A member of a group this coordinator does not know (e.g. after a restart): it
        // must rejoin.
        membership = group::group_error::illegal_generation;
    } else {
        gc.find_or_create(req->group_id);  // a simple commit creates an empty group
    }
    const int64_t now = common::wall_clock_ms();
    std::vector<group_coordinator::commit_entry> entries;
    for (const auto& t : req->topics) {
        auto& rt = resp.topics.emplace_back();
        rt.name = t.name;
        rt.partitions.reserve(t.partitions.size());
    }
    for (size_t i = 0; i < req->topics.size(); ++i) {
        const auto& t = req->topics[i];
        auto& rt = resp.topics[i];
        for (const auto& p : t.partitions) {
            auto& rp = rt.partitions.emplace_back();
            rp.partition_index = p.partition_index;
            if (membership != group::group_error::none) {
                rp.error_code = static_cast<int16_t>(membership);
                continue;
            }
            if (!b.topics().find_partition(t.name, p.partition_index)) {
                rp.error_code = code(protocol::kafka_error::unknown_topic_or_partition);
                continue;
            }
            const std::string metadata = p.committed_metadata.value_or("");
            if (metadata.size() > 4096) {  // offset.metadata.max.bytes
                rp.error_code = code(protocol::kafka_error::offset_metadata_too_large);
                continue;
            }
            group::committed_offset o{
                p.committed_offset, p.committed_leader_epoch, metadata,
                ctx.version() == 1 && p.commit_timestamp >= 0 ? p.commit_timestamp : now};
            entries.push_back({{t.name, p.partition_index}, std::move(o), &rp.error_code});
        }
    }
    state->first = std::move(ctx);
    const std::string group_id = req->group_id;
    gc.commit(group_id, std::move(entries), [state] { state->first.respond(state->second); });
}

}  // namespace sluice::broker
