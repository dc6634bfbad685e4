#pragma once
// OffsetFetch (key 9). Versions 0-9, flexible from 6. v1 reads Kafka-stored offsets (v0
// ZooKeeper); v2 (KIP-88) lets topics be null for "every partition the group has an offset
// for" and adds a top-level error; v3 the throttle time, v5 the leader epoch (KIP-320), v7
// require_stable (KIP-447: wait out pending transactional commits). v8 (KIP-709) asks for
// many groups at once: `groups` replaces the top-level group_id/topics in the request and
// topics/error_code in the response. v9 adds the KIP-848 member id and epoch.
//
// Kafka declares separate structs for the v0-7 top-level topics and the v8+ per-group
// topics (OffsetFetchRequestTopic/Topics, OffsetFetchResponseTopic/Topics,
// OffsetFetchResponsePartition/Partitions). Their layouts are the same at every version
// where they appear, so one struct serves both here and a handler builds one kind of
// answer for either form.
//
// Defaults are Kafka's: a nullable string or array without a "default" in Kafka's schema
// starts ""/{} (as in Kafka's generated classes); only `"default": "null"` ones start null.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct offset_fetch_request_topic {
    std::string name;
    std::vector<int32_t> partition_indexes;

    static constexpr auto fields() {
        using T = offset_fetch_request_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partition_indexes>("PartitionIndexes", since(0)),
        };
    }
};

/// One group of a batched (v8+) request. Null topics: all of the group's offsets.
struct offset_fetch_request_group {
    std::string group_id;
    std::optional<std::string> member_id;
    int32_t member_epoch = -1;
    std::optional<std::vector<offset_fetch_request_topic>> topics =
        std::vector<offset_fetch_request_topic>{};

    static constexpr auto fields() {
        using T = offset_fetch_request_group;
        return std::tuple{
            field<&T::group_id>("GroupId", since(8)),
            field<&T::member_id>("MemberId", since(9), since(9)),
            field<&T::member_epoch>("MemberEpoch", since(9)),
            field<&T::topics>("Topics", since(8), since(8)),
        };
    }
};

// OffsetFetchRequest: key 9, valid 0-9, flexible 6+.
struct offset_fetch_request {
    static constexpr int16_t api_key = 9;
    static constexpr versions valid = between(0, 9);
    static constexpr versions flexible = since(6);

    std::string group_id;  // v0-7
    std::optional<std::vector<offset_fetch_request_topic>> topics =
        std::vector<offset_fetch_request_topic>{};   // v0-7; null (v2+): all
    std::vector<offset_fetch_request_group> groups;  // v8+
    bool require_stable = false;

    static constexpr auto fields() {
        using T = offset_fetch_request;
        return std::tuple{
            field<&T::group_id>("GroupId", between(0, 7)),
            field<&T::topics>("Topics", between(0, 7), between(2, 7)),
            field<&T::groups>("Groups", since(8)),
            field<&T::require_stable>("RequireStable", since(7)),
        };
    }
};

struct offset_fetch_response_partition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;  // -1: no committed offset
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata = "";
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = offset_fetch_response_partition;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::committed_offset>("CommittedOffset", since(0)),
            field<&T::committed_leader_epoch>("CommittedLeaderEpoch", since(5)),
            field<&T::metadata>("Metadata", since(0), since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
        };
    }
};

struct offset_fetch_response_topic {
    std::string name;
    std::vector<offset_fetch_response_partition> partitions;

    static constexpr auto fields() {
        using T = offset_fetch_response_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::partitions>("Partitions", since(0)),
        };
    }
};

/// One group of a batched (v8+) response.
struct offset_fetch_response_group {
    std::string group_id;
    std::vector<offset_fetch_response_topic> topics;
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = offset_fetch_response_group;
        return std::tuple{
            field<&T::group_id>("GroupId", since(8)),
            field<&T::topics>("Topics", since(8)),
            field<&T::error_code>("ErrorCode", since(8)),
        };
    }
};

// OffsetFetchResponse: key 9, valid 0-9, flexible 6+.
struct offset_fetch_response {
    static constexpr int16_t api_key = 9;
    static constexpr versions valid = between(0, 9);
    static constexpr versions flexible = since(6);

    int32_t throttle_time_ms = 0;
    std::vector<offset_fetch_response_topic> topics;  // v0-7
    int16_t error_code = 0;                           // v2-7
    std::vector<offset_fetch_response_group> groups;  // v8+

    static constexpr auto fields() {
        using T = offset_fetch_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(3)),
            field<&T::topics>("Topics", between(0, 7)),
            field<&T::error_code>("ErrorCode", between(2, 7)),
            field<&T::groups>("Groups", since(8)),
        };
    }
};

}  // namespace sluice::protocol
