#pragma once
// DescribeGroups (key 15). Versions 0-5, flexible from 5. v1 adds the throttle time, v3 the
// authorized operations (KIP-430), v4 each member's group_instance_id (KIP-345).
//
// Member metadata and assignment are the bytes the member sent in JoinGroup and received in
// SyncGroup; for protocol type "consumer" consumer_protocol.h decodes them.

#include <climits>
#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

// DescribeGroupsRequest: key 15, valid 0-5, flexible 5+.
struct describe_groups_request {
    static constexpr int16_t api_key = 15;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(5);

    std::vector<std::string> groups;
    bool include_authorized_operations = false;

    static constexpr auto fields() {
        using T = describe_groups_request;
        return std::tuple{
            field<&T::groups>("Groups", since(0)),
            field<&T::include_authorized_operations>("IncludeAuthorizedOperations", since(3)),
        };
    }
};

struct described_group_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    bytes member_metadata;
    bytes member_assignment;

    static constexpr auto fields() {
        using T = described_group_member;
        return std::tuple{
            field<&T::member_id>("MemberId", since(0)),
            field<&T::group_instance_id>("GroupInstanceId", since(4), since(4)),
            field<&T::client_id>("ClientId", since(0)),
            field<&T::client_host>("ClientHost", since(0)),
            field<&T::member_metadata>("MemberMetadata", since(0)),
            field<&T::member_assignment>("MemberAssignment", since(0)),
        };
    }
};

struct described_group {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;    // "Stable", "PreparingRebalance", "Dead", ...
    std::string protocol_type;  // "" when the group has no members
    std::string protocol_data;  // the chosen protocol (assignor) when Stable
    std::vector<described_group_member> members;
    int32_t authorized_operations = INT32_MIN;  // INT32_MIN: not asked for

    static constexpr auto fields() {
        using T = described_group;
        return std::tuple{
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::group_id>("GroupId", since(0)),
            field<&T::group_state>("GroupState", since(0)),
            field<&T::protocol_type>("ProtocolType", since(0)),
            field<&T::protocol_data>("ProtocolData", since(0)),
            field<&T::members>("Members", since(0)),
            field<&T::authorized_operations>("AuthorizedOperations", since(3)),
        };
    }
};

// DescribeGroupsResponse: key 15, valid 0-5, flexible 5+.
struct describe_groups_response {
    static constexpr int16_t api_key = 15;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(5);

    int32_t throttle_time_ms = 0;
    std::vector<described_group> groups;

    static constexpr auto fields() {
        using T = describe_groups_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::groups>("Groups", since(0)),
        };
    }
};

}  // namespace sluice::protocol
