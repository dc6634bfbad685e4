#pragma once
// CreatePartitions (key 37). Versions 0-3, flexible from 2. The layout never changes
// otherwise; v3 may answer THROTTLING_QUOTA_EXCEEDED (KIP-599).

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

/// The replicas of one new partition.
struct create_partitions_assignment {
    std::vector<int32_t> broker_ids;

    static constexpr auto fields() {
        using T = create_partitions_assignment;
        return std::tuple{
            field<&T::broker_ids>("BrokerIds", since(0)),
        };
    }
};

struct create_partitions_topic {
    std::string name;
    int32_t count = 0;  // the new total partition count
    // Null: the broker places the new partitions; otherwise one entry per new partition.
    std::optional<std::vector<create_partitions_assignment>> assignments =
        std::vector<create_partitions_assignment>{};

    static constexpr auto fields() {
        using T = create_partitions_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::count>("Count", since(0)),
            field<&T::assignments>("Assignments", since(0), since(0)),
        };
    }
};

struct create_partitions_request {
    static constexpr int16_t api_key = 37;
    static constexpr versions valid = between(0, 3);
    static constexpr versions flexible = since(2);

    std::vector<create_partitions_topic> topics;
    int32_t timeout_ms = 0;
    bool validate_only = false;

    static constexpr auto fields() {
        using T = create_partitions_request;
        return std::tuple{
            field<&T::topics>("Topics", since(0)),
            field<&T::timeout_ms>("TimeoutMs", since(0)),
            field<&T::validate_only>("ValidateOnly", since(0)),
        };
    }
};

struct create_partitions_topic_result {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;

    static constexpr auto fields() {
        using T = create_partitions_topic_result;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::error_message>("ErrorMessage", since(0), since(0)),
        };
    }
};

struct create_partitions_response {
    static constexpr int16_t api_key = 37;
    static constexpr versions valid = between(0, 3);
    static constexpr versions flexible = since(2);

    int32_t throttle_time_ms = 0;
    std::vector<create_partitions_topic_result> results;

    static constexpr auto fields() {
        using T = create_partitions_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(0)),
            field<&T::results>("Results", since(0)),
        };
    }
};

}  // namespace sluice::protocol
