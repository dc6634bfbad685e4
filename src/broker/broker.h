#pragma once
// broker: the Kafka-speaking server on one shard: listener, connections, the API table,
// topics, and the requests waiting for data (delayed fetches).
//
// Owned by sluiced's main on the reactor's thread. Lifecycle: construct -> start() (topics
// loaded, listener bound) -> serve -> stop() (no more accepts, connections closed, waiting
// fetches answered) -> the reactor drains -> destroy.

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker_options.h"
#include "buffer_pool.h"
#include "group_coordinator.h"
#include "listener.h"
#include "metrics/metrics_http.h"
#include "metrics/metrics_registry.h"
#include "producer_ids.h"
#include "request_context.h"
#include "sluice/io/reactor.h"
#include "sluice/protocol/schema.h"
#include "sluice/storage/log_manager.h"
#include "topic_manager.h"

namespace sluice::broker {

class connection;

/// One Kafka API the broker serves: its key, the versions it accepts, and its handler.
struct api_entry {
    int16_t key;
    const char* name;
    protocol::versions supported;
    protocol::versions flexible;
    void (*handler)(request_context& ctx);
};
/// Every API served, in key order; ApiVersions answers from this table.
const std::vector<api_entry>& api_table();
const api_entry* find_api(int16_t key);

/// Something that must be told when the broker stops (delayed operations).
class stoppable {
  public:
    virtual ~stoppable() = default;
    virtual void on_broker_stop() = 0;
};

class broker {
  public:
    broker(io::reactor& r, storage::log_manager& logs, broker_options opts);
    ~broker();
    broker(const broker&) = delete;
    broker& operator=(const broker&) = delete;

    bool start(std::string* why);
    void stop();
    bool stopping() const { return _stopping; }
    uint16_t port() const { return _listener.port(); }
    /// The metrics endpoint's port, 0 when metrics.listener is not set.
    uint16_t metrics_port() const { return _metrics_server ? _metrics_server->port() : 0; }

    void handle(request_context&& ctx);
    void forget(uint64_t connection_id);

    io::reactor& reactor() { return _reactor; }
    buffer_pool& pool() { return _pool; }
    const broker_options& options() const { return _opts; }
    topic_manager& topics() { return _topics; }
    group_coordinator& groups() { return _groups; }
    class producer_ids& producer_ids() {
        return _producer_ids;
    }
    const std::string& cluster_id() const { return _cluster_id; }
    metrics_registry& metrics() { return _metrics; }
    size_t connection_count() const { return _connections.size(); }
    /// Requests read and not yet answered on the wire, over every connection (a scrape
    /// walks the connections; nothing is counted on the data path).
    size_t requests_in_flight() const;
    const std::string& advertised_host() const { return _advertised_host; }
    int32_t advertised_port() const { return _advertised_port; }

    void register_stoppable(stoppable* s) { _stoppables.insert(s); }
    void unregister_stoppable(stoppable* s) { _stoppables.erase(s); }

    /// A configuration reload (SIGHUP): take the settings that can change while running
    /// (log.* defaults for topics, auto-create, offsets and producer-id expiry, group
    /// session bounds, request and connection limits) and apply the log defaults to every
    /// open log at once. Returns the names of the settings that need a restart and differ.
    std::vector<std::string> apply_dynamic_options(const broker_options& next);

    /// Housekeeping: group timers, finished compaction passes, the files of deleted topics
    /// once their writes are done.
    void tick();

  private:
    void on_accept(int fd);

    io::reactor& _reactor;
    storage::log_manager& _logs;
    broker_options _opts;
    buffer_pool _pool;
    topic_manager _topics;
    group_coordinator _groups;
    class producer_ids _producer_ids;
    listener _listener;
    metrics_registry _metrics;
    std::unique_ptr<metrics_server> _metrics_server;  // when metrics.listener is set
    std::unordered_map<uint64_t, std::shared_ptr<connection>> _connections;
    std::set<stoppable*> _stoppables;
    uint64_t _next_connection_id = 1;
    bool _stopping = false;
    int64_t _next_offsets_expiry_ms = 0;
    int64_t _next_producer_expiry_ms = 0;
    std::string _cluster_id;
    std::string _advertised_host;
    int32_t _advertised_port = 0;
};

}  // namespace sluice::broker
