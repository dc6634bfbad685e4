#pragma once
// ListOffsets (key 2). Versions 0-8, flexible from 6. Timestamp -1 asks for the latest
// offset (high watermark, or last stable offset under read_committed), -2 the earliest,
// -3 (v7+, KIP-734) the offset of the largest timestamp, -4 (v8+, KIP-405) the earliest
// local offset.
//
// Nested structs keep Kafka's name in snake_case (ListOffsetsRequest.json,
// ListOffsetsResponse.json).

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct list_offsets_partition {
    int32_t partition_index = 0;
    int32_t current_leader_epoch = -1;
    int64_t timestamp = 0;
    int32_t max_num_offsets = 1;

    static constexpr auto fields() {
        using T = list_offsets_partition;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::current_leader_epoch>("CurrentLeaderEpoch", since(4)),
            field<&T::timestamp>("Timestamp", since(0)),
            field<&T::max_num_offsets>("MaxNumOffsets", between(0, 0)),
        };
    }
};

struct list_offsets_topic {
    std::string name;
    std::vector<list_offsets_partition> partitions;

    static constexpr auto fields() {
        using T = list_offsets_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// ListOffsetsRequest: key 2, valid 0-8, flexible 6+.
struct list_offsets_request {
    static constexpr int16_t api_key = 2;
    static constexpr versions valid = between(0, 8);
    static constexpr versions flexible = since(6);

    int32_t replica_id = 0;  // Kafka's schema default; consumers send -1
    int8_t isolation_level = 0;
    std::vector<list_offsets_topic> topics;

    static constexpr auto fields() {
        using T = list_offsets_request;
        return std::tuple{
            field<&T::replica_id>("ReplicaId", since(0)),
            field<&T::isolation_level>("IsolationLevel", since(2)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

struct list_offsets_partition_response {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    std::vector<int64_t> old_style_offsets;
    int64_t timestamp = -1;
    int64_t offset = -1;
    int32_t leader_epoch = -1;

    static constexpr auto fields() {
        using T = list_offsets_partition_response;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::old_style_offsets>("OldStyleOffsets", between(0, 0)),
            field<&T::timestamp>("Timestamp", since(1)),
            field<&T::offset>("Offset", since(1)),
            field<&T::leader_epoch>("LeaderEpoch", since(4)),
        };
    }
};

struct list_offsets_topic_response {
    std::string name;
    std::vector<list_offsets_partition_response> partitions;

    static constexpr auto fields() {
        using T = list_offsets_topic_response;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// ListOffsetsResponse: key 2, valid 0-8, flexible 6+.
struct list_offsets_response {
    static constexpr int16_t api_key = 2;
    static constexpr versions valid = between(0, 8);
    static constexpr versions flexible = since(6);

    int32_t throttle_time_ms = 0;
    std::vector<list_offsets_topic_response> topics;

    static constexpr auto fields() {
        using T = list_offsets_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(2)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

}  // namespace sluice::protocol
