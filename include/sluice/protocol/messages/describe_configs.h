#pragma once
// DescribeConfigs (key 32). Versions 0-4, flexible from 4. v1 replaces is_default with
// config_source and adds synonyms, v3 adds config types and documentation.

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct describe_configs_resource {
    int8_t resource_type = 0;  // 2 = topic, 4 = broker, 8 = broker logger
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys = std::vector<std::string>{};

    static constexpr auto fields() {
        using T = describe_configs_resource;
        return std::tuple{
            field<&T::resource_type>("ResourceType", since(0)),
            field<&T::resource_name>("ResourceName", since(0)),
            field<&T::configuration_keys>("ConfigurationKeys", since(0), since(0)),
        };
    }
};

struct describe_configs_request {
    static constexpr int16_t api_key = 32;
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(4);

    std::vector<describe_configs_resource> resources;
    bool include_synonyms = false;
    bool include_documentation = false;

    static constexpr auto fields() {
        using T = describe_configs_request;
        return std::tuple{
            field<&T::resources>("Resources", since(0)),
            field<&T::include_synonyms>("IncludeSynonyms", since(1)),
            field<&T::include_documentation>("IncludeDocumentation", since(3)),
        };
    }
};

struct describe_configs_synonym {
    std::string name;
    std::optional<std::string> value = "";
    int8_t source = 0;

    static constexpr auto fields() {
        using T = describe_configs_synonym;
        return std::tuple{
            field<&T::name>("Name", since(1)),
            field<&T::value>("Value", since(1), since(0)),
            field<&T::source>("Source", since(1)),
        };
    }
};

struct describe_configs_resource_result {
    std::string name;
    std::optional<std::string> value = "";
    bool read_only = false;
    bool is_default = false;    // v0 only
    int8_t config_source = -1;  // v1+
    bool is_sensitive = false;
    std::vector<describe_configs_synonym> synonyms;
    int8_t config_type = 0;
    std::optional<std::string> documentation = "";

    static constexpr auto fields() {
        using T = describe_configs_resource_result;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::value>("Value", since(0), since(0)),
            field<&T::read_only>("ReadOnly", since(0)),
            field<&T::is_default>("IsDefault", between(0, 0)),
            field<&T::config_source>("ConfigSource", since(1)),
            field<&T::is_sensitive>("IsSensitive", since(0)),
            field<&T::synonyms>("Synonyms", since(1)),
            field<&T::config_type>("ConfigType", since(3)),
            field<&T::documentation>("Documentation", since(3), since(0)),
        };
    }
};

struct describe_configs_result {
    int16_t error_code = 0;
    std::optional<std::string> error_message = "";
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<describe_configs_resource_result> configs;

    static constexpr auto fields() {
        using T = describe_configs_result;
        return std::tuple{
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::error_message>("ErrorMessage", since(0), since(0)),
            field<&T::resource_type>("ResourceType", since(0)),
            field<&T::resource_name>("ResourceName", since(0)),
            field<&T::configs>("Configs", since(0)),
        };
    }
};

struct describe_configs_response {
    static constexpr int16_t api_key = 32;
    static constexpr versions valid = between(0, 4);
    static constexpr versions flexible = since(4);

    int32_t throttle_time_ms = 0;
    std::vector<describe_configs_result> results;

    static constexpr auto fields() {
        using T = describe_configs_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(0)),
            field<&T::results>("Results", since(0)),
        };
    }
};

}  // namespace sluice::protocol
