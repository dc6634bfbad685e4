#pragma once
// ApiVersions (key 18). Versions 0-3, flexible from 3; the response header is always v0.

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct api_versions_request {
    static constexpr int16_t api_key = 18;
    static constexpr versions valid = between(0, 3);
    static constexpr versions flexible = since(3);

    std::string client_software_name;
    std::string client_software_version;

    static constexpr auto fields() {
        using T = api_versions_request;
        return std::tuple{
            field<&T::client_software_name>("ClientSoftwareName", since(3)),
            field<&T::client_software_version>("ClientSoftwareVersion", since(3)),
        };
    }
};

struct api_version_range {
    int16_t api_key = 0;
    int16_t min_version = 0;
    int16_t max_version = 0;

    static constexpr auto fields() {
        using T = api_version_range;
        return std::tuple{
            field<&T::api_key>("ApiKey", since(0)),
            field<&T::min_version>("MinVersion", since(0)),
            field<&T::max_version>("MaxVersion", since(0)),
        };
    }
};

struct supported_feature_key {
    std::string name;
    int16_t min_version = 0;
    int16_t max_version = 0;

    static constexpr auto fields() {
        using T = supported_feature_key;
        return std::tuple{
            field<&T::name>("Name", since(3)),
            field<&T::min_version>("MinVersion", since(3)),
            field<&T::max_version>("MaxVersion", since(3)),
        };
    }
};

struct api_versions_response {
    static constexpr int16_t api_key = 18;
    static constexpr versions valid = between(0, 3);
    static constexpr versions flexible = since(3);

    int16_t error_code = 0;
    std::vector<api_version_range> api_keys;
    int32_t throttle_time_ms = 0;
    std::optional<std::vector<supported_feature_key>> supported_features;  // tag 0

    static constexpr auto fields() {
        using T = api_versions_response;
        return std::tuple{
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::api_keys>("ApiKeys", since(0)),
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(1)),
            tagged<&T::supported_features>("SupportedFeatures", 0, since(3)),
        };
    }
};

}  // namespace sluice::protocol
