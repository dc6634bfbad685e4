#pragma once
// OffsetDelete (key 47, KIP-496). Version 0 only, never flexible. Deletes committed offsets
// of a group; a partition of a topic the group still consumes is refused with
// GROUP_SUBSCRIBED_TO_TOPIC.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct offset_delete_request_partition {
    int32_t partition_index = 0;

    static constexpr auto fields() {
        using T = offset_delete_request_partition;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
        };
    }
};

struct offset_delete_request_topic {
    std::string name;
    std::vector<offset_delete_request_partition> partitions;

    static constexpr auto fields() {
        using T = offset_delete_request_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// OffsetDeleteRequest: key 47, valid 0, not flexible.
struct offset_delete_request {
    static constexpr int16_t api_key = 47;
    static constexpr versions valid = between(0, 0);
    static constexpr versions flexible = never();

    std::string group_id;
    std::vector<offset_delete_request_topic> topics;

    static constexpr auto fields() {
        using T = offset_delete_request;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

struct offset_delete_response_partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = offset_delete_response_partition;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
        };
    }
};

struct offset_delete_response_topic {
    std::string name;
    std::vector<offset_delete_response_partition> partitions;

    static constexpr auto fields() {
        using T = offset_delete_response_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// OffsetDeleteResponse: key 47, valid 0, not flexible.
struct offset_delete_response {
    static constexpr int16_t api_key = 47;
    static constexpr versions valid = between(0, 0);
    static constexpr versions flexible = never();

    int16_t error_code = 0;  // group-level: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, ...
    int32_t throttle_time_ms = 0;
    std::vector<offset_delete_response_topic> topics;

    static constexpr auto fields() {
        using T = offset_delete_response;
        return std::tuple{
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(0)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

}  // namespace sluice::protocol
