#pragma once
// JoinGroup (key 11). Versions 0-9, flexible from 6. v1 adds the rebalance timeout, v2 the
// throttle time, v4 makes a new member join twice (MEMBER_ID_REQUIRED, KIP-394), v5 adds
// static membership (group_instance_id, KIP-345), v7 the protocol type in the response,
// v8 a reason (KIP-800), v9 skip_assignment (KIP-814).
//
// The protocol metadata is opaque to the broker; for protocol type "consumer" its layout is
// consumer_protocol_subscription (consumer_protocol.h).
//
// Defaults are Kafka's: a nullable string without a "default" in Kafka's schema starts ""
// (as in Kafka's generated classes); only `"default": "null"` ones start null.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct join_group_request_protocol {
    std::string name;
    bytes metadata;

    static constexpr auto fields() {
        using T = join_group_request_protocol;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::metadata>("Metadata", since(0)),
        };
    }
};

// JoinGroupRequest: key 11, valid 0-9, flexible 6+.
struct join_group_request {
    static constexpr int16_t api_key = 11;
    static constexpr versions valid = between(0, 9);
    static constexpr versions flexible = since(6);

    std::string group_id;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = -1;  // v1+; v0 members use the session timeout
    std::string member_id;              // "" on a member's first join
    std::optional<std::string> group_instance_id;
    std::string protocol_type;
    std::vector<join_group_request_protocol> protocols;
    std::optional<std::string> reason;

    static constexpr auto fields() {
        using T = join_group_request;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::session_timeout_ms>("SessionTimeoutMs", since(0)),
            field<&T::rebalance_timeout_ms>("RebalanceTimeoutMs", since(1)),
            field<&T::member_id>("MemberId", since(0)),
            field<&T::group_instance_id>("GroupInstanceId", since(5), since(5)),
            field<&T::protocol_type>("ProtocolType", since(0)),
            field<&T::protocols>("Protocols", since(0)),
            field<&T::reason>("Reason", since(8), since(8)),
        };
    }
};

struct join_group_response_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    bytes metadata;

    static constexpr auto fields() {
        using T = join_group_response_member;
        return std::tuple{
            field<&T::member_id>("MemberId", since(0)),
            field<&T::group_instance_id>("GroupInstanceId", since(5), since(5)),
            field<&T::metadata>("Metadata", since(0)),
        };
    }
};

// JoinGroupResponse: key 11, valid 0-9, flexible 6+.
struct join_group_response {
    static constexpr int16_t api_key = 11;
    static constexpr versions valid = between(0, 9);
    static constexpr versions flexible = since(6);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    int32_t generation_id = -1;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name = "";  // null only in v7+
    std::string leader;
    bool skip_assignment = false;
    std::string member_id;
    std::vector<join_group_response_member> members;  // filled for the leader only

    static constexpr auto fields() {
        using T = join_group_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(2)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::generation_id>("GenerationId", since(0)),
            field<&T::protocol_type>("ProtocolType", since(7), since(7)),
            field<&T::protocol_name>("ProtocolName", since(0), since(7)),
            field<&T::leader>("Leader", since(0)),
            field<&T::skip_assignment>("SkipAssignment", since(9)),
            field<&T::member_id>("MemberId", since(0)),
            field<&T::members>("Members", since(0)),
        };
    }
};

}  // namespace sluice::protocol
