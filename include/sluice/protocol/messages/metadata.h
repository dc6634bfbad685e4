#pragma once
// Metadata (key 3). Versions 0-12, flexible from 9. Topic ids (KIP-516) from 10.
//
// Which topics a request asks for: v0 an empty list means all topics; v1+ null means all
// topics and an empty list means none.
//
// Nested structs keep Kafka's name in snake_case (MetadataRequest.json,
// MetadataResponse.json).

#include <climits>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct metadata_request_topic {
    uuid topic_id{};
    std::optional<std::string> name = std::string();  // null (v10+) when asked by id

    static constexpr auto fields() {
        using T = metadata_request_topic;
        return std::tuple{
            field<&T::topic_id>("TopicId", since(10)),
            field<&T::name>("Name", since(0), since(10)),
        };
    }
};

// MetadataRequest: key 3, valid 0-12, flexible 9+.
struct metadata_request {
    static constexpr int16_t api_key = 3;
    static constexpr versions valid = between(0, 12);
    static constexpr versions flexible = since(9);

    std::optional<std::vector<metadata_request_topic>> topics =
        std::vector<metadata_request_topic>{};
    bool allow_auto_topic_creation = true;
    bool include_cluster_authorized_operations = false;
    bool include_topic_authorized_operations = false;

    static constexpr auto fields() {
        using T = metadata_request;
        return std::tuple{
            field<&T::topics>("Topics", since(0), since(1)),
            field<&T::allow_auto_topic_creation>("AllowAutoTopicCreation", since(4)),
            field<&T::include_cluster_authorized_operations>("IncludeClusterAuthorizedOperations",
                                                             between(8, 10)),
            field<&T::include_topic_authorized_operations>("IncludeTopicAuthorizedOperations",
                                                           since(8)),
        };
    }
};

struct metadata_response_broker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;

    static constexpr auto fields() {
        using T = metadata_response_broker;
        return std::tuple{
            field<&T::node_id>("NodeId", since(0)),
            field<&T::host>("Host", since(0)),
            field<&T::port>("Port", since(0)),
            field<&T::rack>("Rack", since(1), since(1)),
        };
    }
};

struct metadata_response_partition {
    int16_t error_code = 0;
    int32_t partition_index = 0;
    int32_t leader_id = 0;
    int32_t leader_epoch = -1;
    std::vector<int32_t> replica_nodes;
    std::vector<int32_t> isr_nodes;
    std::vector<int32_t> offline_replicas;

    static constexpr auto fields() {
        using T = metadata_response_partition;
        return std::tuple{
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::leader_id>("LeaderId", since(0)),
            field<&T::leader_epoch>("LeaderEpoch", since(7)),
            field<&T::replica_nodes>("ReplicaNodes", since(0)),
            field<&T::isr_nodes>("IsrNodes", since(0)),
            field<&T::offline_replicas>("OfflineReplicas", since(5)),
        };
    }
};

struct metadata_response_topic {
    int16_t error_code = 0;
    std::optional<std::string> name = std::string();  // null (v12+) for an unknown id
    uuid topic_id{};
    bool is_internal = false;
    std::vector<metadata_response_partition> partitions;
    int32_t topic_authorized_operations = INT32_MIN;

    static constexpr auto fields() {
        using T = metadata_response_topic;
        return std::tuple{
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::name>("Name", since(0), since(12)),
            field<&T::topic_id>("TopicId", since(10)),
            field<&T::is_internal>("IsInternal", since(1)),
            field<&T::partitions>("Partitions", since(0)),
            field<&T::topic_authorized_operations>("TopicAuthorizedOperations", since(8)),
        };
    }
};

// MetadataResponse: key 3, valid 0-12, flexible 9+.
struct metadata_response {
    static constexpr int16_t api_key = 3;
    static constexpr versions valid = between(0, 12);
    static constexpr versions flexible = since(9);

    int32_t throttle_time_ms = 0;
    std::vector<metadata_response_broker> brokers;
    std::optional<std::string> cluster_id;
    int32_t controller_id = -1;
    std::vector<metadata_response_topic> topics;
    int32_t cluster_authorized_operations = INT32_MIN;

    static constexpr auto fields() {
        using T = metadata_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(3)),
            field<&T::brokers>("Brokers", since(0)),
            field<&T::cluster_id>("ClusterId", since(2), since(2)),
            field<&T::controller_id>("ControllerId", since(1)),
            field<&T::topics>("Topics", since(0)),
            field<&T::cluster_authorized_operations>("ClusterAuthorizedOperations", between(8, 10)),
        };
    }
};

}  // namespace sluice::protocol
