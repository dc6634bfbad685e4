#pragma once
// Topic-level configuration with Kafka's names: validation, the effective log_config, and
// the entries DescribeConfigs lists (value, whether it is a default, and its source).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker_options.h"
#include "sluice/storage/log_config.h"

namespace sluice::broker {

using config_map = std::map<std::string, std::string>;

/// compression.type values <-> log_config::compression (-1 producer, 0 uncompressed, 1 gzip,
/// 2 snappy, 3 lz4, 4 zstd). An unknown name is "producer".
int8_t compression_type_id(const std::string& name);
std::string compression_type_name(int8_t id);

/// Why a topic config is refused, in words for the error_message field; nullopt if valid.
std::optional<std::string> validate_topic_config(const std::string& key, const std::string& value);

/// The log settings of a topic: broker defaults overridden by the topic's configs (which
/// must have been validated).
storage::log_config effective_log_config(const broker_options& broker, const config_map& topic);

struct config_entry {
    std::string name;
    std::string value;
    bool is_default;  // true when the topic does not override it
    int8_t source;    // DescribeConfigs ConfigSource: 1 topic, 4 static broker, 5 default
    int8_t type;      // ConfigType: 1 boolean, 2 string, 3 int, 5 long, 7 list
    std::string documentation;
};

/// Every topic config Sluice knows, with the topic's value or the default.
std::vector<config_entry> describe_topic_config(const broker_options& broker,
                                                const config_map& topic);

/// Broker-level entries for DescribeConfigs on the broker resource.
std::vector<config_entry> describe_broker_config(const broker_options& broker);

}  // namespace sluice::broker
