#pragma once
// Broker-wide settings (server.properties keys), filled by the app's config loader.

#include <cstdint>
#include <string>

#include "sluice/storage/log_config.h"

namespace sluice::broker {

struct broker_options {
    int32_t node_id = 0;                    // node.id
    std::string listen_host = "127.0.0.1";  // listeners=PLAINTEXT://HOST:PORT
    uint16_t listen_port = 9092;
    std::string advertised_host;  // advertised.listeners (defaults to listen)
    uint16_t advertised_port = 0;
    /// metrics.listener=HOST:PORT: the Prometheus endpoint (GET /metrics); off if unset.
    bool metrics_enabled = false;
    std::string metrics_host;
    uint16_t metrics_port = 0;
    int32_t num_partitions = 1;                    // num.partitions
    bool auto_create_topics = true;                // auto.create.topics.enable
    int32_t socket_request_max_bytes = 104857600;  // socket.request.max.bytes
    /// Per-connection back-pressure: stop reading while this many requests, or this many
    /// request bytes, wait for their responses.
    int32_t connection_inflight_requests_max = 100;
    int64_t connection_inflight_bytes_max = 104857600;
    int32_t offsets_topic_partitions = 50;                  // offsets.topic.num.partitions
    int64_t offsets_retention_ms = 7ll * 24 * 3600 * 1000;  // offsets.retention.minutes
    int64_t offsets_retention_check_interval_ms = 600000;   // offsets.retention.check.interval.ms
    int64_t log_cleaner_backoff_ms = 15000;                 // log.cleaner.backoff.ms
    int64_t producer_id_expiration_ms = 86400000;           // producer.id.expiration.ms
    int64_t producer_id_expiration_check_interval_ms = 600000;  // ...check.interval.ms
    int32_t group_initial_rebalance_delay_ms = 3000;            // group.initial.rebalance.delay.ms
    int32_t group_min_session_timeout_ms = 6000;                // group.min.session.timeout.ms
    int32_t group_max_session_timeout_ms = 1800000;             // group.max.session.timeout.ms
    storage::log_config log;                                    // log.* defaults for topics
};

}  // namespace sluice::broker
