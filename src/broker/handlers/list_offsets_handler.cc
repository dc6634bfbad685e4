// ListOffsets (key 2): earliest (-2), latest (-1: the high watermark), max timestamp (-3),
// or the first offset whose timestamp is at or after a time, through the time index.

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/list_offsets.h"

namespace sluice::broker {

namespace {

constexpr int64_t latest_timestamp = -1;
constexpr int64_t earliest_timestamp = -2;
constexpr int64_t max_timestamp = -3;

void lookup(partition& p, int64_t ts, protocol::list_offsets_partition_response& out) {
    const int64_t hw = p.high_watermark();
    if (ts == earliest_timestamp) {
        out.offset = p.log_start_offset();
    } else if (ts == latest_timestamp) {
        out.offset = hw;
    } else if (ts == max_timestamp) {
        auto m = p.log().max_timestamp();
        if (m && m->second < hw) {
            out.timestamp = m->first;
            out.offset = m->second;
        }
    } else if (ts >= 0) {
        auto found = p.log().record_for_timestamp(ts);
        if (found && found->offset < hw) {
            out.offset = found->offset;
            out.timestamp = found->timestamp;
        }
    } else {
        out.error_code = code(protocol::kafka_error::invalid_request);
    }
}

}  // namespace

void handle_list_offsets(request_context& ctx) {
    auto req = decode_or_reject<protocol::list_offsets_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    protocol::list_offsets_response resp;
    for (const auto& t : req->topics) {
        auto& tr = resp.topics.emplace_back();
        tr.name = t.name;
        for (const auto& rp : t.partitions) {
            auto& out = tr.partitions.emplace_back();
            out.partition_index = rp.partition_index;
            partition* p = b.topics().find_partition(t.name, rp.partition_index);
            if (!p) {
                out.error_code = code(protocol::kafka_error::unknown_topic_or_partition);
                continue;
            }
            lookup(*p, rp.timestamp, out);
            out.leader_epoch = 0;
            // v0 answers with a list of offsets (at most max_num_offsets).
            if (ctx.version() == 0 && out.offset >= 0 && rp.max_num_offsets > 0) {
                out.old_style_offsets = {out.offset};
            }
        }
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
