#pragma once
// SyncGroup (key 14). Versions 0-5, flexible from 4. v1 adds the throttle time, v3 static
// membership (group_instance_id, KIP-345), v5 the protocol type and name in both directions
// (KIP-559), so the coordinator can check them and the client need not remember them.
//
// Assignments are opaque to the broker; for protocol type "consumer" their layout is
// consumer_protocol_assignment (consumer_protocol.h).

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

/// The leader's assignment for one member.
struct sync_group_request_assignment {
    std::string member_id;
    bytes assignment;

    static constexpr auto fields() {
        using T = sync_group_request_assignment;
        return std::tuple{
            field<&T::member_id>("MemberId", since(0)),
            field<&T::assignment>("Assignment", since(0)),
        };
    }
};

// SyncGroupRequest: key 14, valid 0-5, flexible 4+.
struct sync_group_request {
    static constexpr int16_t api_key = 14;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(4);

    std::string group_id;
    int32_t generation_id = 0;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::vector<sync_group_request_assignment> assignments;  // empty unless from the leader

    static constexpr auto fields() {
        using T = sync_group_request;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::generation_id>("GenerationId", since(0)),
            field<&T::member_id>("MemberId", since(0)),
            field<&T::group_instance_id>("GroupInstanceId", since(3), since(3)),
            field<&T::protocol_type>("ProtocolType", since(5), since(5)),
            field<&T::protocol_name>("ProtocolName", since(5), since(5)),
            field<&T::assignments>("Assignments", since(0)),
        };
    }
};

// SyncGroupResponse: key 14, valid 0-5, flexible 4+.
struct sync_group_response {
    static constexpr int16_t api_key = 14;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(4);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    bytes assignment;

    static constexpr auto fields() {
        using T = sync_group_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::protocol_type>("ProtocolType", since(5), since(5)),
            field<&T::protocol_name>("ProtocolName", since(5), since(5)),
            field<&T::assignment>("Assignment", since(0)),
        };
    }
};

}  // namespace sluice::protocol
