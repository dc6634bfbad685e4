#pragma once
// DeleteGroups (key 42). Versions 0-2, flexible from 2 (v1 is v0 with KIP-219 throttling
// semantics: the broker answers first and then throttles). A group can be deleted only when
// it has no members.

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

// DeleteGroupsRequest: key 42, valid 0-2, flexible 2+.
struct delete_groups_request {
    static constexpr int16_t api_key = 42;
    static constexpr versions valid = between(0, 2);
    static constexpr versions flexible = since(2);

    std::vector<std::string> groups_names;

    static constexpr auto fields() {
        using T = delete_groups_request;
        return std::tuple{
            field<&T::groups_names>("GroupsNames", since(0)),
        };
    }
};

struct deletable_group_result {
    std::string group_id;
    int16_t error_code = 0;

    static constexpr auto fields() {
        using T = deletable_group_result;
        return std::tuple{
            field<&T::group_id>("GroupId", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
        };
    }
};

// DeleteGroupsResponse: key 42, valid 0-2, flexible 2+.
struct delete_groups_response {
    static constexpr int16_t api_key = 42;
    static constexpr versions valid = between(0, 2);
    static constexpr versions flexible = since(2);

    int32_t throttle_time_ms = 0;
    std::vector<deletable_group_result> results;

    static constexpr auto fields() {
        using T = delete_groups_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(0)),
            field<&T::results>("Results", since(0)),
        };
    }
};

}  // namespace sluice::protocol
