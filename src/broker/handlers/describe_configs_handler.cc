// DescribeConfigs (key 32): the configs of topics (resource type 2) and of this broker
// (type 4), as Kafka's ConfigHelper.describeConfigs lists them: every known key when
// configuration_keys is null or empty, otherwise only the keys asked for (unknown keys
// are left out, not refused). v0 reports is_default, v1+ the config source and, on
// request, the synonyms; v3+ the config type and, on request, the documentation.

#include <charconv>

#include "../broker.h"
#include "../kafka_errors.h"
#include "handlers.h"
#include "sluice/protocol/messages/describe_configs.h"

namespace sluice::broker {

namespace {

using protocol::kafka_error;

constexpr int8_t resource_topic = 2;
constexpr int8_t resource_broker = 4;
constexpr int8_t source_topic = 1;

/// The broker setting a topic config falls back to (Kafka's LogConfig synonyms), named in
/// the synonyms list the way Kafka names them.
const char* broker_synonym(const std::string& topic_key) {
    static const std::pair<const char*, const char*> names[] = {
        {"cleanup.policy", "log.cleanup.policy"},
        {"max.message.bytes", "message.max.bytes"},
        {"message.timestamp.type", "log.message.timestamp.type"},
        {"retention.bytes", "log.retention.bytes"},
        {"retention.ms", "log.retention.ms"},
        {"segment.bytes", "log.segment.bytes"},
        {"segment.ms", "log.roll.ms"},
        {"segment.index.bytes", "log.index.size.max.bytes"},
        {"index.interval.bytes", "log.index.interval.bytes"},
    };
    for (const auto& [topic, broker] : names) {
        if (topic_key == topic) return broker;
    }
    return topic_key.c_str();  // same name at both levels (compression.type, ...)
}

bool wanted(const protocol::describe_configs_resource& res, const std::string& key) {
    if (!res.configuration_keys || res.configuration_keys->empty()) return true;
    for (const auto& k : *res.configuration_keys) {
        if (k == key) return true;
    }
    return false;
}

struct describe_options {
    bool synonyms;
    bool documentation;
};

protocol::describe_configs_resource_result to_wire(const config_entry& e, bool read_only,
                                                   const describe_options& o) {
    protocol::describe_configs_resource_result out;
    out.name = e.name;
    out.value = e.value;
    out.read_only = read_only;
    out.is_default = e.is_default;
    out.config_source = e.source;
    out.is_sensitive = false;
    out.config_type = e.type;
    out.documentation =
        o.documentation ? std::optional<std::string>(e.documentation) : std::nullopt;
    return out;
}

void describe_topic(broker& b, const protocol::describe_configs_resource& res,
                    const describe_options& o, protocol::describe_configs_result& out) {
    const std::string& name = res.resource_name;
    if (auto why = topic_manager::invalid_topic_name(name)) {
        out.error_code = code(kafka_error::invalid_topic_exception);
        out.error_message = *why;
        return;
    }
    const topic_info* t = b.topics().find(name);
    if (!t) {
        out.error_code = code(kafka_error::unknown_topic_or_partition);
        out.error_message = "topic " + name + " does not exist";
        return;
    }
    const auto defaults = describe_topic_config(b.options(), {});
    for (const auto& e : describe_topic_config(b.options(), t->configs)) {
        if (!wanted(res, e.name)) continue;
        auto& c = out.configs.emplace_back(to_wire(e, false, o));
        if (!o.synonyms) continue;
        // Most specific first: the topic's override, then the broker-wide default.
        if (e.source == source_topic) c.synonyms.push_back({e.name, e.value, e.source});
        for (const auto& d : defaults) {
            if (d.name == e.name) c.synonyms.push_back({broker_synonym(e.name), d.value, d.source});
        }
    }
}

void describe_broker(broker& b, const protocol::describe_configs_resource& res,
                     const describe_options& o, protocol::describe_configs_result& out) {
    const std::string& name = res.resource_name;
    // An empty name asks for the cluster-wide dynamic defaults, of which there are none.
    if (name.empty()) return;
    int32_t id = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec != std::errc() || end != name.data() + name.size()) {
        out.error_code = code(kafka_error::invalid_request);
        out.error_message = "broker id must be an integer, but it is: " + name;
        return;
    }
    const int32_t node = b.options().node_id;
    if (id != node) {
        out.error_code = code(kafka_error::invalid_request);
        out.error_message = "unexpected broker id, expected " + std::to_string(node) +
                            " or the empty string, but received " + name;
        return;
    }
    // Nothing here can be changed at run time (no AlterConfigs), so all are read-only.
    for (const auto& e : describe_broker_config(b.options())) {
        if (!wanted(res, e.name)) continue;
        auto& c = out.configs.emplace_back(to_wire(e, true, o));
        if (o.synonyms) c.synonyms.push_back({e.name, e.value, e.source});
    }
}

}  // namespace

void handle_describe_configs(request_context& ctx) {
    auto req = decode_or_reject<protocol::describe_configs_request>(ctx);
    if (!req) return;
    broker& b = *ctx.owner;
    const describe_options o{ctx.version() >= 1 && req->include_synonyms,
                             ctx.version() >= 3 && req->include_documentation};

    protocol::describe_configs_response resp;
    for (const auto& res : req->resources) {
        auto& out = resp.results.emplace_back();
        out.resource_type = res.resource_type;
        out.resource_name = res.resource_name;
        out.error_message = std::nullopt;
        if (res.resource_type == resource_topic) {
            describe_topic(b, res, o, out);
        } else if (res.resource_type == resource_broker) {
            describe_broker(b, res, o, out);
        } else {
            out.error_code = code(kafka_error::invalid_request);
            out.error_message =
                "resource type " + std::to_string(res.resource_type) +
                " is not supported; this broker describes topics (2) and brokers (4)";
        }
    }
    ctx.respond(resp);
}

}  // namespace sluice::broker
