// The APIs this broker serves and the versions it advertises in ApiVersions. Ranges start
// at the oldest version the target clients need (see the protocol reference README:
// Produce from 0 so that librdkafka keeps its codecs on) and end at Kafka 3.8's newest
// where the semantics exist here.

#include "../broker.h"
#include "handlers.h"
#include "sluice/protocol/messages/api_versions.h"
#include "sluice/protocol/messages/create_partitions.h"
#include "sluice/protocol/messages/create_topics.h"
#include "sluice/protocol/messages/delete_groups.h"
#include "sluice/protocol/messages/delete_records.h"
#include "sluice/protocol/messages/delete_topics.h"
#include "sluice/protocol/messages/describe_cluster.h"
#include "sluice/protocol/messages/describe_configs.h"
#include "sluice/protocol/messages/describe_groups.h"
#include "sluice/protocol/messages/fetch.h"
#include "sluice/protocol/messages/find_coordinator.h"
#include "sluice/protocol/messages/heartbeat.h"
#include "sluice/protocol/messages/init_producer_id.h"
#include "sluice/protocol/messages/join_group.h"
#include "sluice/protocol/messages/leave_group.h"
#include "sluice/protocol/messages/list_groups.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"
#include "sluice/protocol/messages/offset_commit.h"
#include "sluice/protocol/messages/offset_delete.h"
#include "sluice/protocol/messages/offset_fetch.h"
#include "sluice/protocol/messages/produce.h"
#include "sluice/protocol/messages/sync_group.h"

namespace sluice::broker {

namespace {
template <class M>
constexpr api_entry entry(const char* name, protocol::versions supported,
                          void (*handler)(request_context&)) {
    return {M::api_key, name, supported, M::flexible, handler};
}
}  // namespace

const std::vector<api_entry>& api_table() {
    using namespace protocol;
    static const std::vector<api_entry> table = {
        // v0-2 carry magic 0/1 message sets, refused per partition
        // (UNSUPPORTED_FOR_MESSAGE_FORMAT).
        entry<produce_request>("Produce", between(0, 11), handle_produce),
        entry<fetch_request>("Fetch", between(4, 16), handle_fetch),
        // v8 adds tiered-storage timestamps (-4, -5), which have no meaning here.
        entry<list_offsets_request>("ListOffsets", between(0, 7), handle_list_offsets),
        entry<metadata_request>("Metadata", between(0, 12), handle_metadata),
        entry<api_versions_request>("ApiVersions", between(0, 3), handle_api_versions),
        // Admin APIs: every version of Kafka 3.8. CreateTopics v6 and CreatePartitions v3
        // only add THROTTLING_QUOTA_EXCEEDED, which is never sent (no quotas here).
        entry<create_topics_request>("CreateTopics", between(0, 7), handle_create_topics),
        entry<delete_topics_request>("DeleteTopics", between(0, 6), handle_delete_topics),
        entry<delete_records_request>("DeleteRecords", between(0, 2), handle_delete_records),
        entry<describe_configs_request>("DescribeConfigs", between(0, 4), handle_describe_configs),
        entry<create_partitions_request>("CreatePartitions", between(0, 3),
                                         handle_create_partitions),
        entry<describe_cluster_request>("DescribeCluster", between(0, 1), handle_describe_cluster),
        // Consumer groups, classic protocol. OffsetCommit/OffsetFetch v9 belong to the new
        // consumer protocol (KIP-848, member epochs), which is not served.
        entry<find_coordinator_request>("FindCoordinator", between(0, 4), handle_find_coordinator),
        entry<join_group_request>("JoinGroup", between(0, 9), handle_join_group),
        entry<sync_group_request>("SyncGroup", between(0, 5), handle_sync_group),
        entry<heartbeat_request>("Heartbeat", between(0, 4), handle_heartbeat),
        entry<leave_group_request>("LeaveGroup", between(0, 5), handle_leave_group),
        entry<offset_commit_request>("OffsetCommit", between(0, 8), handle_offset_commit),
        entry<offset_fetch_request>("OffsetFetch", between(0, 8), handle_offset_fetch),
        // Group admin. DescribeGroups v6 and ListGroups' "consumer" type belong to KIP-848;
        // every group here is "classic", which ListGroups v5's types filter can ask for.
        entry<describe_groups_request>("DescribeGroups", between(0, 5), handle_describe_groups),
        entry<list_groups_request>("ListGroups", between(0, 5), handle_list_groups),
        entry<delete_groups_request>("DeleteGroups", between(0, 2), handle_delete_groups),
        entry<offset_delete_request>("OffsetDelete", between(0, 0), handle_offset_delete),
        // Idempotent producers (no transactions): from v0, which librdkafka's idempotence
        // needs; v3+ carries the producer's id and epoch (KIP-360).
        entry<init_producer_id_request>("InitProducerId", between(0, 4), handle_init_producer_id),
    };
    return table;
}

}  // namespace sluice::broker
