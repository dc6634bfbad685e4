#include "broker.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connection.h"
#include "handlers/handlers.h"
#include "metrics/metrics_render.h"
#include "sluice/common/clock.h"
#include "sluice/common/endian.h"
#include "sluice/common/logger.h"
#include "sluice/storage/meta_properties.h"

namespace sluice::broker {

broker::broker(io::reactor& r, storage::log_manager& logs, broker_options opts)
    : _reactor(r),
      _logs(logs),
      _opts(std::move(opts)),
      _topics(logs, _opts),
      _groups(*this),
      _listener(r, [this](int fd) { on_accept(fd); }) {}

broker::~broker() = default;

bool broker::start(std::string* why) {
    auto meta = storage::ensure_meta_properties(_logs.dir(), _opts.node_id);
    if (!meta) {
        *why = "cannot read meta.properties";
        return false;
    }
    _cluster_id = meta->cluster_id;
    if (!_topics.load(common::wall_clock_ms())) {
        *why = "cannot open the topics in " + _logs.dir().string();
        return false;
    }
    if (!_groups.load(common::wall_clock_ms(), why)) return false;
    if (!_producer_ids.load(_logs.dir(), why)) return false;
    if (!_listener.open(_opts.listen_host, _opts.listen_port, why)) return false;
    if (_opts.metrics_enabled) {
        _metrics_server =
            std::make_unique<metrics_server>(_reactor, [this] { return render_metrics(*this); });
        if (!_metrics_server->open(_opts.metrics_host, _opts.metrics_port, why)) return false;
    }
    _advertised_host = _opts.advertised_host.empty() ? _opts.listen_host : _opts.advertised_host;
    if (_advertised_host.empty() || _advertised_host == "0.0.0.0" || _advertised_host == "::") {
        char name[256] = {};
        ::gethostname(name, sizeof name - 1);
        _advertised_host = name;
    }
    _advertised_port = _opts.advertised_port != 0 ? _opts.advertised_port : _listener.port();
    _listener.start();
    if (_metrics_server) {
        _metrics_server->start();
        SLUICE_LOG(info, "broker", "metrics on http://%s:%u/metrics",
                   _opts.metrics_host.empty() ? "*" : _opts.metrics_host.c_str(),
                   static_cast<unsigned>(_metrics_server->port()));
    }
    return true;
}

void broker::stop() {
    if (_stopping) return;
    _stopping = true;
    _listener.stop();
    if (_metrics_server) _metrics_server->stop();
    // Waiting fetches answer now with what they have.
    auto waiting = _stoppables;
    for (stoppable* s : waiting) s->on_broker_stop();
    _groups.stop();
    auto conns = _connections;
    for (auto& [id, c] : conns) c->close("broker is shutting down");
}

void broker::on_accept(int fd) {
    if (_stopping) {
        ::close(fd);
        return;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    uint16_t port = 0;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        if (ss.ss_family == AF_INET) {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
            port = ntohs(a->sin6_port);
        }
    }
    const uint64_t id = _next_connection_id++;
    ++_metrics.connections_accepted;
    auto c = std::make_shared<connection>(*this, _reactor, fd, id,
                                          std::string(host) + ":" + std::to_string(port));
    _connections.emplace(id, c);
    c->start();
}

void broker::forget(uint64_t connection_id) {
    _connections.erase(connection_id);
}

size_t broker::requests_in_flight() const {
    size_t n = 0;
    for (const auto& [id, c] : _connections) n += c->inflight_requests();
    return n;
}

std::vector<std::string> broker::apply_dynamic_options(const broker_options& next) {
    std::vector<std::string> restart;
    if (next.node_id != _opts.node_id) restart.push_back("node.id");
    if (next.listen_host != _opts.listen_host || next.listen_port != _opts.listen_port) {
        restart.push_back("listeners");
    }
    if (next.advertised_host != _opts.advertised_host ||
        next.advertised_port != _opts.advertised_port) {
        restart.push_back("advertised.listeners");
    }
    if (next.metrics_enabled != _opts.metrics_enabled || next.metrics_host != _opts.metrics_host ||
        next.metrics_port != _opts.metrics_port) {
        restart.push_back("metrics.listener");
    }
    if (next.offsets_topic_partitions != _opts.offsets_topic_partitions) {
        restart.push_back("offsets.topic.num.partitions");
    }
    if (next.log_cleaner_backoff_ms != _opts.log_cleaner_backoff_ms) {
        restart.push_back("log.cleaner.backoff.ms");
    }
    const broker_options kept = _opts;
    _opts = next;
    // The restart-only ones stay as they are until then.
    _opts.node_id = kept.node_id;
    _opts.listen_host = kept.listen_host;
    _opts.listen_port = kept.listen_port;
    _opts.advertised_host = kept.advertised_host;
    _opts.advertised_port = kept.advertised_port;
    _opts.metrics_enabled = kept.metrics_enabled;
    _opts.metrics_host = kept.metrics_host;
    _opts.metrics_port = kept.metrics_port;
    _opts.offsets_topic_partitions = kept.offsets_topic_partitions;
    _opts.log_cleaner_backoff_ms = kept.log_cleaner_backoff_ms;
    _topics.refresh_log_configs();
    return restart;
}

void broker::tick() {
    _topics.finish_compactions();
    _topics.reap_doomed();
    const int64_t now = common::monotonic_ms();
    _groups.tick(now);
    if (now >= _next_offsets_expiry_ms) {
        _next_offsets_expiry_ms = now + _opts.offsets_retention_check_interval_ms;
        _groups.expire_offsets(common::wall_clock_ms());
    }
    if (now >= _next_producer_expiry_ms) {
        _next_producer_expiry_ms = now + _opts.producer_id_expiration_check_interval_ms;
        _topics.expire_producers(common::wall_clock_ms());
    }
}

const api_entry* find_api(int16_t key) {
    for (const auto& a : api_table()) {
        if (a.key == key) return &a;
    }
    return nullptr;
}

void broker::handle(request_context&& ctx) {
    auto prefix = protocol::peek_request_prefix(ctx.body);
    // Frames shorter than 8 bytes were refused by the connection.
    const api_entry* api = find_api(prefix->api_key);
    if (!api) {
        SLUICE_LOG(warn, "broker", "closing connection %s: unknown api key %d",
                   ctx.conn->peer().c_str(), prefix->api_key);
        ctx.reject("unknown api key");
        return;
    }
    if (!api->supported.has(prefix->api_version)) {
        if (api->key == 18) {
            // KIP-511: answer in the v0 layout so that any client can read the error.
            ctx.header.api_key = 18;
            ctx.header.api_version = 0;
            ctx.header.correlation_id = prefix->correlation_id;
            respond_api_versions_unsupported(ctx);
            return;
        }
        SLUICE_LOG(warn, "broker", "closing connection %s: %s version %d is not supported (%d-%d)",
                   ctx.conn->peer().c_str(), api->name, prefix->api_version, api->supported.min,
                   api->supported.max);
        ctx.reject("unsupported api version");
        return;
    }
    auto header = protocol::decode_request_header(ctx.body, api->flexible.has(prefix->api_version));
    if (!header) {
        SLUICE_LOG(warn, "broker", "closing connection %s: malformed request header",
                   ctx.conn->peer().c_str());
        ctx.reject("malformed request header");
        return;
    }
    ctx.header = std::move(header->first);
    ctx.body = ctx.body.subspan(header->second);
    ctx.received_ms = common::monotonic_ms();
    ctx.received_ns = common::monotonic_ns();
    if (request_probe* probe = _metrics.request(ctx.header.api_key, ctx.header.api_version))
        ++probe->requests;
    api->handler(ctx);
}

// ---- request_context -------------------------------------------------------------------

void request_context::reject(const char* why) {
    slot->none = true;
    conn->close(why);
}

void request_context::observe_latency() {
    if (received_ns == 0) return;  // answered before dispatch (KIP-511 fallback)
    if (request_probe* probe = owner->metrics().request(header.api_key, header.api_version))
        probe->latency.observe_signed(common::monotonic_ns() - received_ns);
    received_ns = 0;
}

void request_context::no_response() {
    observe_latency();
    slot->none = true;
    conn->slot_ready(slot);
}

void request_context::finish(std::vector<uint8_t> frame, std::vector<protocol::external_part> parts,
                             std::vector<storage::read_slice> files) {
    observe_latency();
    if (conn->closed()) return;
    uint64_t total = frame.size() - 4;
    for (const auto& p : parts) total += p.length;
    common::store_be32(frame.data(), static_cast<uint32_t>(total));
    slot->frame = std::move(frame);
    slot->parts = std::move(parts);
    slot->files = std::move(files);
    conn->slot_ready(slot);
}

}  // namespace sluice::broker
