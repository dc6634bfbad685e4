#pragma once
// CreateTopics (key 19). Versions 0-7, flexible from 5. v1 adds validate_only and the
// per-topic error message, v5 returns the created topic's settings, v7 its topic id.
//
// Defaults are Kafka's: a nullable string or array without a "default" in Kafka's schema
// starts empty ("" / {}), as in Kafka's generated classes; only `"default": "null"` ones
// start null. The same holds in the other admin messages.

#include "sluice/protocol/schema.h"

namespace sluice::protocol {

struct creatable_replica_assignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;

    static constexpr auto fields() {
        using T = creatable_replica_assignment;
        return std::tuple{
            field<&T::partition_index>("PartitionIndex", since(0)),
            field<&T::broker_ids>("BrokerIds", since(0)),
        };
    }
};

struct creatable_topic_config {
    std::string name;
    std::optional<std::string> value = "";

    static constexpr auto fields() {
        using T = creatable_topic_config;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::value>("Value", since(0), since(0)),
        };
    }
};

struct creatable_topic {
    std::string name;
    int32_t num_partitions = 0;      // -1: broker default, or given by assignments
    int16_t replication_factor = 0;  // -1: broker default, or given by assignments
    std::vector<creatable_replica_assignment> assignments;
    std::vector<creatable_topic_config> configs;

    static constexpr auto fields() {
        using T = creatable_topic;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::num_partitions>("NumPartitions", since(0)),
            field<&T::replication_factor>("ReplicationFactor", since(0)),
            field<&T::assignments>("Assignments", since(0)),
            field<&T::configs>("Configs", since(0)),
        };
    }
};

struct create_topics_request {
    static constexpr int16_t api_key = 19;
    static constexpr versions valid = between(0, 7);
    static constexpr versions flexible = since(5);

    std::vector<creatable_topic> topics;
    int32_t timeout_ms = 60000;
    bool validate_only = false;

    static constexpr auto fields() {
        using T = create_topics_request;
        return std::tuple{
            field<&T::topics>("Topics", since(0)),
            field<&T::timeout_ms>("timeoutMs", since(0)),
            field<&T::validate_only>("validateOnly", since(1)),
        };
    }
};

/// One configuration of a created topic, as DescribeConfigs would report it (v5+).
struct creatable_topic_result_config {
    std::string name;
    std::optional<std::string> value = "";
    bool read_only = false;
    int8_t config_source = -1;
    bool is_sensitive = false;

    static constexpr auto fields() {
        using T = creatable_topic_result_config;
        return std::tuple{
            field<&T::name>("Name", since(5)),
            field<&T::value>("Value", since(5), since(5)),
            field<&T::read_only>("ReadOnly", since(5)),
            field<&T::config_source>("ConfigSource", since(5)),
            field<&T::is_sensitive>("IsSensitive", since(5)),
        };
    }
};

struct creatable_topic_result {
    std::string name;
    uuid topic_id{};
    int16_t error_code = 0;
    std::optional<std::string> error_message = "";
    int16_t topic_config_error_code = 0;  // tag 0
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::optional<std::vector<creatable_topic_result_config>> configs =
        std::vector<creatable_topic_result_config>{};

    static constexpr auto fields() {
        using T = creatable_topic_result;
        return std::tuple{
            field<&T::name>("Name", since(0)),
            field<&T::topic_id>("TopicId", since(7)),
            field<&T::error_code>("ErrorCode", since(0)),
            field<&T::error_message>("ErrorMessage", since(1), since(0)),
            tagged<&T::topic_config_error_code>("TopicConfigErrorCode", 0, since(5)),
            field<&T::num_partitions>("NumPartitions", since(5)),
            field<&T::replication_factor>("ReplicationFactor", since(5)),
            field<&T::configs>("Configs", since(5), since(5)),
        };
    }
};

struct create_topics_response {
    static constexpr int16_t api_key = 19;
    static constexpr versions valid = between(0, 7);
    static constexpr versions flexible = since(5);

    int32_t throttle_time_ms = 0;
    std::vector<creatable_topic_result> topics;

    static constexpr auto fields() {
        using T = create_topics_response;
        return std::tuple{
            field<&T::throttle_time_ms>("ThrottleTimeMs", since(2)),
            field<&T::topics>("Topics", since(0)),
        };
    }
};

}  // namespace sluice::protocol
