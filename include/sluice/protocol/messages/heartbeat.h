#pragma once
// Heartbeat (key 12). Versions 0-4, flexible from 4. v1 adds the throttle time, v3 static
// membership (group_instance_id, KIP-345).

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

// HeartbeatRequest: key 12, valid 0-4, flexible 4+.
struct heartbeat_request {
    static constexpr int16_t api_key = 12;
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(4);

    std::string group_id;
    int32_t generation_id = 0;
    std::string member_id;
    std::optional<std::string> group_instance_id;

    static constexpr auto fields() {
        using T = heartbeat_request;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::generation_id>("GenerationId", since(0)),
            field<&T::member_id>("MemberId", since(0)),
            field<&T::group_instance_id>("GroupInstanceId", since(3), since(3)),
        };
    }
};

// HeartbeatResponse: key 12, valid 0-4, flexible 4+.
struct heartbeat_response {
    static constexpr int16_t api_key = 12;
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(4);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = heartbeat_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::error_code>("ErrorCode", since(0)),
        };
    }
};

}  // namespace sluice::protocol
