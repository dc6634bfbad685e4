#include "topic_config.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace sluice::broker {

namespace {

enum class kind { long_int, int32, string, list, boolean };

struct known_config {
    const char* name;
    kind type;
    const char* doc;
    // Accepted values for strings (empty: any).
    std::vector<std::string> choices;
};

const std::vector<known_config>& topic_configs() {
    static const std::vector<known_config> configs = {
        {"cleanup.policy",
         kind::list,
         "delete (retention by time and size) and/or compact (keep the latest record per key)",
         {"delete", "compact", "compact,delete", "delete,compact"}},
        {"compression.type",
         kind::string,
         "codec batches are stored in: producer keeps them as sent, a codec (or uncompressed) "
         "makes the broker recompress batches that arrive in another",
         {"producer", "uncompressed", "zstd", "gzip", "lz4", "snappy"}},
        {"compression.gzip.level",
         kind::int32,
         "gzip level when recompressing (1-9, -1 default)",
         {}},
        {"compression.zstd.level", kind::int32, "zstd level when recompressing (-131072-22)", {}},
        {"max.message.bytes", kind::int32, "largest record batch accepted", {}},
        {"message.timestamp.type",
         kind::string,
         "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the "
         "broker's clock",
         {"CreateTime", "LogAppendTime"}},
        {"retention.bytes",
         kind::long_int,
         "delete old segments while a partition is larger (-1: no limit)",
         {}},
        {"retention.ms",
         kind::long_int,
         "delete segments whose newest record is older (-1: keep forever)",
         {}},
        {"segment.bytes", kind::int32, "roll the active segment at this size", {}},
        {"segment.ms", kind::long_int, "roll the active segment after this long", {}},
        {"segment.index.bytes", kind::int32, "size of each segment's offset and time index", {}},
        {"index.interval.bytes", kind::int32, "log bytes between two index entries", {}},
        {"delete.retention.ms",
         kind::long_int,
         "how long compaction keeps a tombstone (null value)",
         {}},
        {"min.cleanable.dirty.ratio",
         kind::string,
         "compact once this share of a log's closed segments is uncleaned (0..1)",
         {}},
        {"min.compaction.lag.ms", kind::long_int, "keep records this young uncompacted", {}},
        {"min.insync.replicas",
         kind::int32,
         "replicas that must have a record before acks=all succeeds",
         {}},
    };
    return configs;
}

const known_config* find_config(const std::string& key) {
    for (const auto& c : topic_configs()) {
        if (key == c.name) return &c;
    }
    return nullptr;
}

std::optional<int64_t> parse_long(const std::string& v) {
    int64_t out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
    return out;
}

// A ratio in [0, 1], as Kafka's min.cleanable.dirty.ratio (a double config).
std::optional<double> parse_ratio(const std::string& v) {
    if (v.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(v.c_str(), &end);
    if (errno != 0 || end != v.c_str() + v.size() || !(d >= 0.0 && d <= 1.0)) return std::nullopt;
    return d;
}

std::string default_value(const broker_options& b, const std::string& key) {
    const auto& l = b.log;
    if (key == "cleanup.policy") return "delete";
    if (key == "compression.type") return compression_type_name(l.compression);
    if (key == "compression.gzip.level") return std::to_string(l.compression_gzip_level);
    if (key == "compression.zstd.level") return std::to_string(l.compression_zstd_level);
    if (key == "max.message.bytes") return std::to_string(l.max_message_bytes);
    if (key == "message.timestamp.type") return l.log_append_time ? "LogAppendTime" : "CreateTime";
    if (key == "retention.bytes") return std::to_string(l.retention_bytes);
    if (key == "retention.ms") return std::to_string(l.retention_ms);
    if (key == "segment.bytes") return std::to_string(l.segment_bytes);
    if (key == "segment.ms") return std::to_string(l.segment_ms);
    if (key == "segment.index.bytes") return std::to_string(l.segment_index_bytes);
    if (key == "index.interval.bytes") return std::to_string(l.index_interval_bytes);
    if (key == "min.insync.replicas") return "1";
    if (key == "delete.retention.ms") return std::to_string(l.delete_retention_ms);
    if (key == "min.cleanable.dirty.ratio") {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", l.min_cleanable_dirty_ratio);
        return buf;
    }
    if (key == "min.compaction.lag.ms") return std::to_string(l.min_compaction_lag_ms);
    return "";
}

int8_t type_code(kind k) {
    switch (k) {
        case kind::boolean:
            return 1;
        case kind::string:
            return 2;
        case kind::int32:
            return 3;
        case kind::long_int:
            return 5;
        case kind::list:
            return 7;
    }
    return 0;
}

}  // namespace

int8_t compression_type_id(const std::string& name) {
    if (name == "uncompressed") return 0;
    if (name == "gzip") return 1;
    if (name == "snappy") return 2;
    if (name == "lz4") return 3;
    if (name == "zstd") return 4;
    return -1;  // producer
}

std::string compression_type_name(int8_t id) {
    static const char* names[] = {"uncompressed", "gzip", "snappy", "lz4", "zstd"};
    return id >= 0 && id <= 4 ? names[id] : "producer";
}

std::optional<std::string> validate_topic_config(const std::string& key, const std::string& value) {
    const known_config* c = find_config(key);
    if (!c) return "unknown topic config " + key;
    if (key == "min.cleanable.dirty.ratio") {
        auto v = parse_ratio(value);
        if (!v) return key + "=" + value + " is not a number between 0 and 1";
        return std::nullopt;
    }
    switch (c->type) {
        case kind::long_int:
        case kind::int32: {
            auto v = parse_long(value);
            if (!v) return key + "=" + value + " is not an integer";
            int64_t min = (key == "retention.ms" || key == "retention.bytes") ? -1 : 0;
            if (key == "compression.gzip.level") {
                if (*v != -1 && (*v < 1 || *v > 9)) return key + "=" + value + ": 1 to 9, or -1";
                return std::nullopt;
            }
            if (key == "compression.zstd.level") {
                if (*v < -131072 || *v > 22) return key + "=" + value + ": -131072 to 22";
                return std::nullopt;
            }
            if (key == "segment.bytes") min = 14;
            if (key == "min.insync.replicas" || key == "segment.ms" || key == "segment.index.bytes")
                min = 1;
            if (*v < min) return key + "=" + value + " must be at least " + std::to_string(min);
            if (c->type == kind::int32 && *v > INT32_MAX)
                return key + "=" + value + " is too large";
            return std::nullopt;
        }
        case kind::string:
        case kind::list:
        case kind::boolean:
            if (c->choices.empty()) return std::nullopt;
            for (const auto& choice : c->choices) {
                if (value == choice) return std::nullopt;
            }
            return key + "=" + value + " is not one of the accepted values";
    }
    return std::nullopt;
}

storage::log_config effective_log_config(const broker_options& broker, const config_map& topic) {
    storage::log_config l = broker.log;
    auto num = [&](const char* key) -> std::optional<int64_t> {
        auto it = topic.find(key);
        if (it == topic.end()) return std::nullopt;
        return parse_long(it->second);
    };
    if (auto v = num("max.message.bytes")) l.max_message_bytes = static_cast<size_t>(*v);
    if (auto v = num("retention.bytes")) l.retention_bytes = *v;
    if (auto v = num("retention.ms")) l.retention_ms = *v;
    if (auto v = num("segment.bytes")) l.segment_bytes = static_cast<uint64_t>(*v);
    if (auto v = num("segment.ms")) l.segment_ms = *v;
    if (auto v = num("segment.index.bytes")) l.segment_index_bytes = static_cast<size_t>(*v);
    if (auto v = num("index.interval.bytes")) l.index_interval_bytes = static_cast<size_t>(*v);
    if (auto it = topic.find("message.timestamp.type"); it != topic.end()) {
        l.log_append_time = it->second == "LogAppendTime";
    }
    if (auto it = topic.find("compression.type"); it != topic.end()) {
        l.compression = compression_type_id(it->second);
    }
    if (auto v = num("compression.gzip.level")) l.compression_gzip_level = static_cast<int>(*v);
    if (auto v = num("compression.zstd.level")) l.compression_zstd_level = static_cast<int>(*v);
    if (auto it = topic.find("cleanup.policy"); it != topic.end()) {
        l.cleanup_policy_compact = it->second.find("compact") != std::string::npos;
        l.cleanup_policy_delete = it->second.find("delete") != std::string::npos;
    }
    if (auto v = num("delete.retention.ms")) l.delete_retention_ms = *v;
    if (auto v = num("min.compaction.lag.ms")) l.min_compaction_lag_ms = *v;
    if (auto it = topic.find("min.cleanable.dirty.ratio"); it != topic.end()) {
        if (auto d = parse_ratio(it->second)) l.min_cleanable_dirty_ratio = *d;
    }
    return l;
}

std::vector<config_entry> describe_topic_config(const broker_options& broker,
                                                const config_map& topic) {
    std::vector<config_entry> out;
    for (const auto& c : topic_configs()) {
        auto it = topic.find(c.name);
        bool overridden = it != topic.end();
        out.push_back({c.name, overridden ? it->second : default_value(broker, c.name), !overridden,
                       static_cast<int8_t>(overridden ? 1 : 5), type_code(c.type), c.doc});
    }
    return out;
}

std::vector<config_entry> describe_broker_config(const broker_options& b) {
    auto entry = [](const char* name, std::string value, kind k, const char* doc) {
        // Broker settings come from server.properties or --set: STATIC_BROKER_CONFIG.
        return config_entry{name, std::move(value), false, 4, type_code(k), doc};
    };
    return {
        entry("node.id", std::to_string(b.node_id), kind::int32, "this broker's id"),
        entry("num.partitions", std::to_string(b.num_partitions), kind::int32,
              "partitions of an auto-created topic"),
        entry("auto.create.topics.enable", b.auto_create_topics ? "true" : "false", kind::boolean,
              "create unknown topics on produce or metadata request"),
        entry("socket.request.max.bytes", std::to_string(b.socket_request_max_bytes), kind::int32,
              "largest request accepted"),
        entry("message.max.bytes", std::to_string(b.log.max_message_bytes), kind::int32,
              "largest record batch accepted (topic default)"),
        entry("log.segment.bytes", std::to_string(b.log.segment_bytes), kind::int32,
              "segment size (topic default)"),
        entry("log.retention.ms", std::to_string(b.log.retention_ms), kind::long_int,
              "retention time (topic default)"),
        entry("log.retention.bytes", std::to_string(b.log.retention_bytes), kind::long_int,
              "retention size (topic default)"),
    };
}

}  // namespace sluice::broker
