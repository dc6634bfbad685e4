#pragma once
// ListGroups (key 16). Versions 0-5, flexible from 3. v1 adds the throttle time, v4 a
// filter on group states and each group's state (KIP-518), v5 a filter on group types and
// each group's type (KIP-848: "classic" or "consumer"). Empty filters match every group.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

// ListGroupsRequest: key 16, valid 0-5, flexible 3+.
struct list_groups_request {
    static constexpr int16_t api_key = 16;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(3);

    std::vector<std::string> states_filter;
    std::vector<std::string> types_filter;

    static constexpr auto fields() {
        using T = list_groups_request;
        return std::tuple{
            field<&T::states_filter>("StatesFilter", since(4)),
            field<&T::types_filter>("TypesFilter", since(5)),
        };
    }
};

struct listed_group {
    std::string group_id;
    std::string protocol_type;
    std::string group_state;
    std::string group_type;

    static constexpr auto fields() {
        using T = listed_group;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::protocol_type>("ProtocolType", since(0)),
            field<&T::group_state>("GroupState", since(4)),
            field<&T::group_type>("GroupType", since(5)),
        };
    }
};

// ListGroupsResponse: key 16, valid 0-5, flexible 3+.
struct list_groups_response {
    static constexpr int16_t api_key = 16;
    static constexpr versions valid = between(0, 5);
    static constexpr versions flexible = since(3);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::vector<listed_group> groups;

    static constexpr auto fields() {
        using T = list_groups_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::groups>("Groups", since(0)),
        };
    }
};

}  // namespace sluice::protocol
