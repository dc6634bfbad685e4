#pragma once
// DescribeCluster (key 60). Versions 0-1, flexible from 0. v1 adds the endpoint type
// (KIP-919: 1 = brokers, 2 = controllers).

#include <cstdint>

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct describe_cluster_request {
    static constexpr int16_t api_key = 60;
    static constexpr versions valid = between(0, 1);
    static constexpr versions flexible = since(0);

    bool include_cluster_authorized_operations = false;
    int8_t endpoint_type = 1;

    static constexpr auto fields() {
        using T = describe_cluster_request;
        return std::tuple{
            field<&T::include_cluster_authorized_operations>("IncludeClusterAuthorizedOperations",
                                                             since(0)),
            field<&T::endpoint_type>("EndpointType", since(1)),
        };
    }
};

struct describe_cluster_broker {
    int32_t broker_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;

    static constexpr auto fields() {
        using T = describe_cluster_broker;
        return std::tuple{
            field<&T::broker_id>("BrokerId", since(0)),
            field<&T::host>("Host", since(0)),
            field<&T::port>("Port", since(0)),
            field<&T::rack>("Rack", since(0), since(0)),
        };
    }
};

struct describe_cluster_response {
    static constexpr int16_t api_key = 60;
    static constexpr versions valid = between(0, 1);
    static constexpr versions flexible = since(0);

    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t endpoint_type = 1;
    std::string cluster_id;
    int32_t controller_id = -1;
    std::vector<describe_cluster_broker> brokers;
    int32_t cluster_authorized_operations = INT32_MIN;  // not requested / not computed

    static constexpr auto fields() {
        using T = describe_cluster_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(0)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::error_message>("ErrorMessage", since(0), since(0)),
            field<&T::endpoint_type>("EndpointType", since(1)),
            field<&T::cluster_id>("ClusterId", since(0)),
            field<&T::controller_id>("ControllerId", since(0)),
            field<&T::brokers>("Brokers", since(0)),
            field<&T::cluster_authorized_operations>("ClusterAuthorizedOperations", since(0)),
        };
    }
};

}  // namespace sluice::protocol
