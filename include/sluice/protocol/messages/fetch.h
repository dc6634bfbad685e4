#pragma once
// Fetch (key 1). Versions 0-16, flexible from 12. From 13 on, topics are named by their
// TopicId (KIP-516) instead of their name; a broker must then know the ids Metadata returned.
//
// Nested structs keep Kafka's name in snake_case (FetchRequest.json, FetchResponse.json),
// prefixed with fetch_ where Kafka's name alone would not say which message it belongs to.

#include "sluice/protocol/messages/produce.h"  // leader_id_and_epoch, node_endpoint
#include "sluice/protocol/schema.h"

namespace sluice::protocol {

/// Who is fetching (KIP-903), replacing ReplicaId from v15.
struct fetch_replica_state {
    int32_t replica_id = -1;
    int64_t replica_epoch = -1;

    static constexpr auto fields() {
        using T = fetch_replica_state;
        return std::tuple{
            field<&T::replica_id>("ReplicaId", since(15)),
            field<&T::replica_epoch>("ReplicaEpoch", since(15)),
        };
    }
};

struct fetch_partition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;
    int64_t fetch_offset = 0;
    int32_t last_fetched_epoch = -1;
    int64_t log_start_offset = -1;
    int32_t partition_max_bytes = 0;

    static constexpr auto fields() {
        using T = fetch_partition;
        return std::tuple{
            field<&T::partition>("Partition", since(0)),
            field<&T::current_leader_epoch>("CurrentLeaderEpoch", since(9)),
            field<&T::fetch_offset>("FetchOffset", since(0)),
            field<&T::last_fetched_epoch>("LastFetchedEpoch", since(12)),
            field<&T::log_start_offset>("LogStartOffset", since(5)),
            field<&T::partition_max_bytes>("PartitionMaxBytes", since(0)),
        };
    }
};

struct fetch_topic {
    std::string topic;
    uuid topic_id{};
    std::vector<fetch_partition> partitions;

    static constexpr auto fields() {
        using T = fetch_topic;
        return std::tuple{
            field<&T::topic>("Topic", between(0, 12)),
            field<&T::topic_id>("TopicId", since(13)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

/// Partitions an incremental fetch session (KIP-227) stops fetching.
struct fetch_forgotten_topic {
    std::string topic;
    uuid topic_id{};
    std::vector<int32_t> partitions;

    static constexpr auto fields() {
        using T = fetch_forgotten_topic;
        return std::tuple{
            field<&T::topic>("Topic", between(7, 12)),
            field<&T::topic_id>("TopicId", since(13)),
            field<&T::partitions>("Partitions", since(7)),
        };
    }
};

// FetchRequest: key 1, valid 0-16, flexible 12+.
struct fetch_request {
    static constexpr int16_t api_key = 1;
    static constexpr versions valid = between(0, 16);
    static constexpr versions flexible = since(12);

    std::optional<std::string> cluster_id;  // tag 0
    int32_t replica_id = -1;
    std::optional<fetch_replica_state> replica_state;  // tag 1
    int32_t max_wait_ms = 0;
    int32_t min_bytes = 0;
    int32_t max_bytes = 0x7fffffff;
    int8_t isolation_level = 0;
    int32_t session_id = 0;
    int32_t session_epoch = -1;
    std::vector<fetch_topic> topics;
    std::vector<fetch_forgotten_topic> forgotten_topics_data;
    std::string rack_id;

    static constexpr auto fields() {
        using T = fetch_request;
        return std::tuple{
            tagged<&T::cluster_id>("ClusterId", 0, since(12)),
            field<&T::replica_id>("ReplicaId", between(0, 14)),
            tagged<&T::replica_state>("ReplicaState", 1, since(15)),
            field<&T::max_wait_ms>("MaxWaitMs", since(0)),
            field<&T::min_bytes>("MinBytes", since(0)),
            field<&T::max_bytes>("MaxBytes", since(3)),
            field<&T::isolation_level>("IsolationLevel", since(4)),
            field<&T::session_id>("SessionId", since(7)),
            field<&T::session_epoch>("SessionEpoch", since(7)),
            field<&T::topics>("Topics", since(0)),
            field<&T::forgotten_topics_data>("ForgottenTopicsData", since(7)),
            field<&T::rack_id>("RackId", since(11)),
        };
    }
};

/// The end of the leader's epoch that the follower's log diverges from (KIP-595).
struct fetch_epoch_end_offset {
    int32_t epoch = -1;
    int64_t end_offset = -1;

    static constexpr auto fields() {
        using T = fetch_epoch_end_offset;
        return std::tuple{
            field<&T::epoch>("Epoch", since(12)),
            field<&T::end_offset>("EndOffset", since(12)),
        };
    }
};

struct fetch_snapshot_id {
    int64_t end_offset = -1;
    int32_t epoch = -1;

    static constexpr auto fields() {
        using T = fetch_snapshot_id;
        return std::tuple{
            field<&T::end_offset>("EndOffset", since(0)),
            field<&T::epoch>("Epoch", since(0)),
        };
    }
};

struct fetch_aborted_transaction {
    int64_t producer_id = 0;
    int64_t first_offset = 0;

    static constexpr auto fields() {
        using T = fetch_aborted_transaction;
        return std::tuple{
            field<&T::producer_id>("ProducerId", since(4)),
            field<&T::first_offset>("FirstOffset", since(4)),
        };
    }
};

struct fetch_partition_data {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t high_watermark = 0;
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;
    std::optional<fetch_epoch_end_offset> diverging_epoch;  // tag 0
    std::optional<leader_id_and_epoch> current_leader;      // tag 1
    std::optional<fetch_snapshot_id> snapshot_id;           // tag 2
    std::optional<std::vector<fetch_aborted_transaction>> aborted_transactions =
        std::vector<fetch_aborted_transaction>{};
    int32_t preferred_read_replica = -1;
    external_records records;  // spliced from the segment file by the connection

    static constexpr auto fields() {
        using T = fetch_partition_data;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::high_watermark>("HighWatermark", since(0)),
            field<&T::last_stable_offset>("LastStableOffset", since(4)),
            field<&T::log_start_offset>("LogStartOffset", since(5)),
            tagged<&T::diverging_epoch>("DivergingEpoch", 0, since(12)),
            tagged<&T::current_leader>("CurrentLeader", 1, since(12)),
            tagged<&T::snapshot_id>("SnapshotId", 2, since(12)),
            field<&T::aborted_transactions>("AbortedTransactions", since(4), since(4)),
            field<&T::preferred_read_replica>("PreferredReadReplica", since(11)),
            field<&T::records>("Records", since(0), since(0)),
        };
    }
};

struct fetchable_topic_response {
    std::string topic;
    uuid topic_id{};
    std::vector<fetch_partition_data> partitions;

    static constexpr auto fields() {
        using T = fetchable_topic_response;
        return std::tuple{
            field<&T::topic>("Topic", between(0, 12)),
            field<&T::topic_id>("TopicId", since(13)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// FetchResponse: key 1, valid 0-16, flexible 12+.
struct fetch_response {
    static constexpr int16_t api_key = 1;
    static constexpr versions valid = between(0, 16);
    static constexpr versions flexible = since(12);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    int32_t session_id = 0;
    std::vector<fetchable_topic_response> responses;
    std::vector<node_endpoint> node_endpoints;  // tag 0

    static constexpr auto fields() {
        using T = fetch_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::error_code>("ErrorCode", since(7)),
            field<&T::session_id>("SessionId", since(7)),
            field<&T::responses>("Responses", since(0)),
            tagged<&T::node_endpoints>("NodeEndpoints", 0, since(16)),
        };
    }
};

}  // namespace sluice::protocol
