#pragma once
// sluiced's configuration: a server.properties-style file (Kafka's key names) plus
// repeatable --set KEY=VALUE overrides, applied in order. An unknown key or a bad value is
// a startup error naming the key.
// Throws config_error (startup only; STYLE.md allows exceptions there).

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "broker_options.h"

namespace sluice::app {

struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct broker_config {
    std::vector<std::filesystem::path> log_dirs{"data"};  // log.dirs (comma-separated)
    broker::broker_options broker;                        // node.id, listeners, log.* defaults...
    int64_t retention_check_interval_ms = 300'000;        // log.retention.check.interval.ms
    int64_t checkpoint_interval_ms = 60'000;              // log.flush.offset.checkpoint.interval.ms
};

/// key=value lines; '#' and '!' start comments; blank lines ignored.
std::map<std::string, std::string> parse_properties(const std::string& text,
                                                    const std::string& origin);

/// Apply one setting. Throws config_error for a bad value.
void apply_setting(broker_config& cfg, const std::string& key, const std::string& value);

/// Build the configuration from an optional file and KEY=VALUE overrides.
broker_config load_config(const std::string& file, const std::vector<std::string>& overrides);

}  // namespace sluice::app
