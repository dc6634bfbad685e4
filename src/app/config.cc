#include "config.h"

#include <fstream>
#include <sstream>

#include "topic_config.h"

namespace sluice::app {

namespace {

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

int64_t parse_int(const std::string& key, const std::string& value, int64_t min) {
    size_t used = 0;
    int64_t v = 0;
    try {
        v = std::stoll(value, &used);
    } catch (...) {
        used = 0;
    }
    if (used == 0 || used != value.size()) {
        throw config_error("setting " + key + "=" + value + ": not an integer");
    }
    if (v < min) {
        throw config_error("setting " + key + "=" + value + ": must be at least " +
                           std::to_string(min));
    }
    return v;
}

/// PLAINTEXT://HOST:PORT (one listener; HOST may be empty for all interfaces, or [v6]).
void parse_listener(const std::string& key, const std::string& value, std::string& host,
                    uint16_t& port) {
    const std::string scheme = "PLAINTEXT://";
    if (value.find(',') != std::string::npos) {
        throw config_error(key + "=" + value + ": only one listener is supported so far");
    }
    if (value.rfind(scheme, 0) != 0) {
        throw config_error(key + "=" + value +
                           ": expected PLAINTEXT://HOST:PORT (no TLS or SASL yet)");
    }
    std::string rest = value.substr(scheme.size());
    auto colon = rest.rfind(':');
    if (colon == std::string::npos) throw config_error(key + "=" + value + ": missing :PORT");
    host = rest.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int64_t p = parse_int(key, rest.substr(colon + 1), 0);
    if (p > 65535) throw config_error(key + "=" + value + ": port must be 0..65535");
    port = static_cast<uint16_t>(p);
}

/// metrics.listener=HOST:PORT (HOST may be empty for all interfaces, or [v6]); empty: off.
void parse_metrics_listener(const std::string& key, const std::string& value,
                            broker::broker_options& b) {
    b.metrics_enabled = !value.empty();
    b.metrics_host.clear();
    b.metrics_port = 0;
    if (value.empty()) return;
    if (value.find("://") != std::string::npos) {
        throw config_error(key + "=" + value + ": expected HOST:PORT (plain HTTP, no scheme)");
    }
    auto colon = value.rfind(':');
    if (colon == std::string::npos) throw config_error(key + "=" + value + ": missing :PORT");
    std::string host = value.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int64_t p = parse_int(key, value.substr(colon + 1), 0);
    if (p > 65535) throw config_error(key + "=" + value + ": port must be 0..65535");
    b.metrics_host = host;
    b.metrics_port = static_cast<uint16_t>(p);
}

bool parse_bool(const std::string& key, const std::string& value) {
    if (value == "true") return true;
    if (value == "false") return false;
    throw config_error("setting " + key + "=" + value + ": must be true or false");
}

}  // namespace

std::map<std::string, std::string> parse_properties(const std::string& text,
                                                    const std::string& origin) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == '!') continue;
        auto eq = t.find('=');
        if (eq == std::string::npos) {
            throw config_error(origin + " line " + std::to_string(n) + ": expected KEY=VALUE");
        }
        out[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
    }
    return out;
}

void apply_setting(broker_config& cfg, const std::string& key, const std::string& value) {
    auto& b = cfg.broker;
    auto& l = cfg.broker.log;
    if (key == "log.dirs" || key == "log.dir") {
        // Kafka's JBOD: a comma-separated list; new partitions go to the directory with
        // the fewest (storage/log_manager.h).
        cfg.log_dirs.clear();
        size_t start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            std::string dir = value.substr(start, comma - start);
            dir.erase(0, dir.find_first_not_of(" \t"));
            dir.erase(dir.find_last_not_of(" \t") + 1);
            if (dir.empty()) throw config_error(key + "=" + value + ": an empty directory name");
            cfg.log_dirs.emplace_back(dir);
            start = comma + 1;
        }
    } else if (key == "node.id" || key == "broker.id") {
        b.node_id = static_cast<int32_t>(parse_int(key, value, 0));
    } else if (key == "listeners") {
        parse_listener(key, value, b.listen_host, b.listen_port);
    } else if (key == "advertised.listeners") {
        parse_listener(key, value, b.advertised_host, b.advertised_port);
    } else if (key == "metrics.listener") {
        parse_metrics_listener(key, value, b);
    } else if (key == "num.partitions") {
        b.num_partitions = static_cast<int32_t>(parse_int(key, value, 1));
    } else if (key == "auto.create.topics.enable") {
        b.auto_create_topics = parse_bool(key, value);
    } else if (key == "socket.request.max.bytes") {
        b.socket_request_max_bytes = static_cast<int32_t>(parse_int(key, value, 64));
    } else if (key == "offsets.topic.num.partitions") {
        b.offsets_topic_partitions = static_cast<int32_t>(parse_int(key, value, 1));
    } else if (key == "offsets.retention.minutes") {
        b.offsets_retention_ms = parse_int(key, value, 1) * 60'000;
    } else if (key == "producer.id.expiration.ms") {
        b.producer_id_expiration_ms = parse_int(key, value, 1);
    } else if (key == "producer.id.expiration.check.interval.ms") {
        b.producer_id_expiration_check_interval_ms = parse_int(key, value, 1);
    } else if (key == "log.cleaner.backoff.ms") {
        b.log_cleaner_backoff_ms = parse_int(key, value, 1);
    } else if (key == "offsets.retention.check.interval.ms") {
        b.offsets_retention_check_interval_ms = parse_int(key, value, 1);
    } else if (key == "group.initial.rebalance.delay.ms") {
        b.group_initial_rebalance_delay_ms = static_cast<int32_t>(parse_int(key, value, 0));
    } else if (key == "group.min.session.timeout.ms") {
        b.group_min_session_timeout_ms = static_cast<int32_t>(parse_int(key, value, 1));
    } else if (key == "group.max.session.timeout.ms") {
        b.group_max_session_timeout_ms = static_cast<int32_t>(parse_int(key, value, 1));
    } else if (key == "compression.type") {
        if (value != "producer" && broker::compression_type_id(value) < 0) {
            throw config_error("setting " + key + "=" + value +
                               ": must be producer, uncompressed, gzip, snappy, lz4 or zstd");
        }
        l.compression = broker::compression_type_id(value);
    } else if (key == "compression.gzip.level") {
        l.compression_gzip_level = static_cast<int>(parse_int(key, value, -1));
        if (l.compression_gzip_level == 0 || l.compression_gzip_level > 9) {
            throw config_error("setting " + key + "=" + value + ": 1 to 9, or -1");
        }
    } else if (key == "compression.zstd.level") {
        l.compression_zstd_level = static_cast<int>(parse_int(key, value, -131072));
        if (l.compression_zstd_level > 22) {
            throw config_error("setting " + key + "=" + value + ": -131072 to 22");
        }
    } else if (key == "log.write.mode") {
        if (value != "buffered" && value != "direct") {
            throw config_error("setting " + key + "=" + value + ": must be buffered or direct");
        }
        l.direct_io = value == "direct";
    } else if (key == "log.write.direct.cache.bytes") {
        l.direct_cache_bytes = static_cast<size_t>(parse_int(key, value, 0));
    } else if (key == "log.message.timestamp.type") {
        if (value != "CreateTime" && value != "LogAppendTime") {
            throw config_error("setting " + key + "=" + value +
                               ": must be CreateTime or LogAppendTime");
        }
        l.log_append_time = value == "LogAppendTime";
    } else if (key == "log.segment.bytes") {
        l.segment_bytes = static_cast<uint64_t>(parse_int(key, value, 14));
    } else if (key == "log.cleanup.policy") {
        if (value != "delete" && value != "compact" && value != "compact,delete" &&
            value != "delete,compact") {
            throw config_error(key + "=" + value + ": delete, compact or both");
        }
        l.cleanup_policy_compact = value.find("compact") != std::string::npos;
        l.cleanup_policy_delete = value.find("delete") != std::string::npos;
    } else if (key == "log.roll.ms") {
        l.segment_ms = parse_int(key, value, 1);
    } else if (key == "log.roll.hours") {
        l.segment_ms = parse_int(key, value, 1) * 3600'000;
    } else if (key == "log.retention.ms") {
        l.retention_ms = parse_int(key, value, -1);
    } else if (key == "log.retention.minutes") {
        l.retention_ms = parse_int(key, value, -1) * 60'000;
    } else if (key == "log.retention.hours") {
        l.retention_ms = parse_int(key, value, -1) * 3600'000;
    } else if (key == "log.retention.bytes") {
        l.retention_bytes = parse_int(key, value, -1);
    } else if (key == "log.index.interval.bytes") {
        l.index_interval_bytes = static_cast<size_t>(parse_int(key, value, 0));
    } else if (key == "log.index.size.max.bytes") {
        l.segment_index_bytes = static_cast<size_t>(parse_int(key, value, 12));
    } else if (key == "message.max.bytes") {
        l.max_message_bytes = static_cast<size_t>(parse_int(key, value, 0));
    } else if (key == "log.retention.check.interval.ms") {
        cfg.retention_check_interval_ms = parse_int(key, value, 1);
    } else if (key == "log.flush.offset.checkpoint.interval.ms") {
        cfg.checkpoint_interval_ms = parse_int(key, value, 1);
    } else {
        throw config_error("unknown setting " + key +
                           " (see systemd/server.properties for the settings sluiced knows)");
    }
}

broker_config load_config(const std::string& file, const std::vector<std::string>& overrides) {
    broker_config cfg;
    if (!file.empty()) {
        std::ifstream in(file);
        if (!in) throw config_error("cannot read config file " + file);
        std::stringstream ss;
        ss << in.rdbuf();
        for (const auto& [k, v] : parse_properties(ss.str(), file)) apply_setting(cfg, k, v);
    }
    for (const auto& kv : overrides) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw config_error("--set " + kv + ": expected KEY=VALUE");
        }
        apply_setting(cfg, kv.substr(0, eq), kv.substr(eq + 1));
    }
    return cfg;
}

}  // namespace sluice::app
