#pragma once
// OffsetCommit (key 8). Versions 0-9, flexible from 8. v0 committed to ZooKeeper; v1 adds
// generation and member (and a per-partition commit timestamp, v1 only); v2-4 carry a
// retention time (-1: the broker's offsets.retention.minutes; dropped in v5, KIP-211); v3
// adds the throttle time, v6 the leader epoch (KIP-320), v7 static membership (KIP-345),
// v9 is used by the KIP-848 consumer protocol (the generation field then holds the member
// epoch).
//
// Defaults are Kafka's: a nullable string without a "default" in Kafka's schema starts ""
// (as in Kafka's generated classes); only `"default": "null"` ones start null.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct offset_commit_request_partition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    int64_t commit_timestamp = -1;  // v1 only
    std::optional<std::string> committed_metadata = "";

    static constexpr auto fields() {
        using T = offset_commit_request_partition;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::committed_offset>("CommittedOffset", since(0)),
            field<&T::committed_leader_epoch>("CommittedLeaderEpoch", since(6)),
            field<&T::commit_timestamp>("CommitTimestamp", between(1, 1)),
            field<&T::committed_metadata>("CommittedMetadata", since(0), since(0)),
        };
    }
};

struct offset_commit_request_topic {
    std::string name;
    std::vector<offset_commit_request_partition> partitions;

    static constexpr auto fields() {
        using T = offset_commit_request_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// OffsetCommitRequest: key 8, valid 0-9, flexible 8+.
struct offset_commit_request {
    static constexpr int16_t api_key = 8;
    static constexpr versions valid = between(0, 9);
    static constexpr versions flexible = since(8);

    std::string group_id;
    int32_t generation_id_or_member_epoch = -1;  // -1: a commit from outside the group
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int64_t retention_time_ms = -1;  // v2-4
    std::vector<offset_commit_request_topic> topics;

    static constexpr auto fields() {
        using T = offset_commit_request;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::generation_id_or_member_epoch>("GenerationIdOrMemberEpoch", since(1)),
            field<&T::member_id>("MemberId", since(1)),
            field<&T::group_instance_id>("GroupInstanceId", since(7), since(7)),
            field<&T::retention_time_ms>("RetentionTimeMs", between(2, 4)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

struct offset_commit_response_partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = offset_commit_response_partition;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
        };
    }
};

struct offset_commit_response_topic {
    std::string name;
    std::vector<offset_commit_response_partition> partitions;

    static constexpr auto fields() {
        using T = offset_commit_response_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

// OffsetCommitResponse: key 8, valid 0-9, flexible 8+.
struct offset_commit_response {
    static constexpr int16_t api_key = 8;
    static constexpr versions valid = between(0, 9);
    static constexpr versions flexible = since(8);

    int32_t throttle_time_ms = 0;
    std::vector<offset_commit_response_topic> topics;

    static constexpr auto fields() {
        using T = offset_commit_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(3)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

}  // namespace sluice::protocol
