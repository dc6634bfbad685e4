// DeleteRecords (key 21): move each partition's log start offset up to the requested
// offset (-1: the high watermark), as Kafka's Partition.deleteRecordsOnLeader does, then
// let retention delete the whole segments now below it. Records below the new start are
// gone for readers at once; their bytes go with their segment. The answer's low watermark
// is the new log start offset (one replica: no follower to wait for, so timeout_ms is
// ignored). An offset below the current start changes nothing and reports the start.

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/common/clock.h"
#include "sluice/common/logger.h"
#include "sluice/protocol/messages/delete_records.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

constexpr int64_t high_watermark_offset = -1;

/// Kafka refuses DeleteRecords on a topic whose cleanup.policy lacks "delete"
/// (POLICY_VIOLATION): a compacted topic keeps the latest value of every key.
bool deletion_allowed(const topic_info& t) {
    auto it = t.configs.find("cleanup.policy");
    return it == t.configs.end() || it->second.find("delete") != std::string::npos;
}

void delete_below(partition& p, int64_t requested, int64_t now_ms,
                  protocol::delete_records_partition_result& out) {
    const int64_t hw = p.high_watermark();
    const int64_t offset = requested == high_watermark_offset ? hw : requested;
    if (offset < 0 || offset > hw) {
        out.error_code = code(kafka_error::offset_out_of_range);
        return;
    }
    if (auto r = p.log().advance_log_start_offset(offset); !r) {
        out.error_code = code(to_kafka_error(r.error()));
        return;
    }
    // The new start stands even if a segment cannot be deleted now; the periodic
    // retention pass tries again.
    if (auto r = p.log().apply_retention(now_ms); !r) {
        SLUICE_LOG(warn, "broker", "%s-%d: deleting segments below offset %lld failed: %s",
                   p.topic().c_str(), p.index(), static_cast<long long>(offset),
                   storage::describe(r.error()));
    }
    out.low_watermark = p.log_start_offset();
}

}  // namespace

void handle_delete_records(request_context& ctx) {
    auto req = decode_or_reject<protocol::delete_records_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    const int64_t now_ms = common::wall_clock_ms();

    protocol::delete_records_response resp;
    for (const auto& t : req->topics) {
        auto& tr = resp.topics.emplace_back();
        tr.name = t.name;
        const topic_info* info = b.topics().find(t.name);
        for (const auto& rp : t.partitions) {
            auto& out = tr.partitions.emplace_back();
            out.partition_index = rp.partition_index;
            out.low_watermark = -1;
            partition* p = b.topics().find_partition(t.name, rp.partition_index);
            if (!p) {
                out.error_code = code(kafka_error::unknown_topic_or_partition);
            } else if (!deletion_allowed(*info)) {
                out.error_code = code(kafka_error::policy_violation);
            } else {
                delete_below(*p, rp.offset, now_ms, out);
            }
        }
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
