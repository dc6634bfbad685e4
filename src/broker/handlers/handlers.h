#pragma once
// One handler per Kafka API, each in its own file (DESIGN.md "Protocol").
// A handler decodes its request, does the work, and answers through the context.

#include "../request_context.h"

namespace sluice::broker {

void handle_produce(request_context& ctx);
void handle_fetch(request_context& ctx);
void handle_list_offsets(request_context& ctx);
void handle_metadata(request_context& ctx);
void handle_api_versions(request_context& ctx);
void handle_create_topics(request_context& ctx);
void handle_delete_topics(request_context& ctx);
void handle_delete_records(request_context& ctx);
void handle_describe_configs(request_context& ctx);
void handle_create_partitions(request_context& ctx);
void handle_describe_cluster(request_context& ctx);
void handle_find_coordinator(request_context& ctx);
void handle_join_group(request_context& ctx);
void handle_sync_group(request_context& ctx);
void handle_heartbeat(request_context& ctx);
void handle_init_producer_id(request_context& ctx);
void handle_leave_group(request_context& ctx);
void handle_offset_commit(request_context& ctx);
void handle_offset_fetch(request_context& ctx);
void handle_describe_groups(request_context& ctx);
void handle_list_groups(request_context& ctx);
void handle_delete_groups(request_context& ctx);
void handle_offset_delete(request_context& ctx);

/// ApiVersions with a version above ours: error 35 and our ApiVersions range, v0 layout.
void respond_api_versions_unsupported(request_context& ctx);

/// Decode the request or close the connection (Kafka's answer to a malformed request).
template <protocol::kafka_message M>
std::optional<M> decode_or_reject(request_context& ctx) {
    auto m = protocol::decode_message<M>(ctx.body, ctx.version());
    if (!m) {
        ctx.reject(protocol::describe(m.error()));
        return std::nullopt;
    }
    return std::move(m).value();
}

}  // namespace sluice::broker
