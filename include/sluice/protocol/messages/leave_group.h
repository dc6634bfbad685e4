#pragma once
// LeaveGroup (key 13). Versions 0-5, flexible from 4. v1 adds the throttle time; v3
// (KIP-345) replaces the single member_id with a batch of members, each with its own error
// in the response; v5 adds a reason per member (KIP-800).
//
// Defaults are Kafka's: a nullable string without a "default" in Kafka's schema starts ""
// (as in Kafka's generated classes); only `"default": "null"` ones start null.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

/// One member leaving (Kafka's MemberIdentity), v3+.
struct leave_group_member_identity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> reason;

    static constexpr auto fields() {
        using T = leave_group_member_identity;
        return std::tuple{
            field<&T::member_id>("MemberId", since(3)),
            field<&T::group_instance_id>("GroupInstanceId", since(3), since(3)),
            field<&T::reason>("Reason", since(5), since(5)),
        };
    }
};

// LeaveGroupRequest: key 13, valid 0-5, flexible 4+.
struct leave_group_request {
    static constexpr int16_t api_key = 13;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(4);

    std::string group_id;
    std::string member_id;                             // v0-2
    std::vector<leave_group_member_identity> members;  // v3+

    static constexpr auto fields() {
        using T = leave_group_request;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::member_id>("MemberId", between(0, 2)),
            field<&T::members>("Members", since(3)),
        };
    }
};

/// One member's outcome (Kafka's MemberResponse), v3+.
struct leave_group_member_response {
    std::string member_id;
    std::optional<std::string> group_instance_id = "";
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = leave_group_member_response;
        return std::tuple{
            field<&T::member_id>("MemberId", since(3)),
            field<&T::group_instance_id>("GroupInstanceId", since(3), since(3)),
            field<&T::error_code>("ErrorCode", since(3)),
        };
    }
};

// LeaveGroupResponse: key 13, valid 0-5, flexible 4+.
struct leave_group_response {
    static constexpr int16_t api_key = 13;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(4);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::vector<leave_group_member_response> members;  // v3+

    static constexpr auto fields() {
        using T = leave_group_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::members>("Members", since(3)),
        };
    }
};

}  // namespace sluice::protocol
