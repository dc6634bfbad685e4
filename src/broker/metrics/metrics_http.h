#pragma once
// metrics_server: the HTTP listener of the metrics endpoint (metrics.listener=HOST:PORT).
// Serves `GET /metrics` (Prometheus text format 0.0.4), 404 for any other path, 405 for
// any other method, 400 for what is not an HTTP request line; one request per
// connection, answered with `Connection: close`.
//
// Runs on the broker's reactor like the Kafka listener (it reuses `listener`): no thread
// and no lock of its own; a scrape renders on the reactor thread between requests.
// Hostile clients are bounded: at most `sessions_max` connections at once (later ones are
// closed at accept), a request head of at most `request_bytes_max` bytes (a longer one
// gets 431 and the connection closes), and `session_timeout_ms` from accept to the end of
// the answer (a client that sends nothing, or never reads, is closed then).
//
// Owned by the broker. Lifecycle: open() -> start() -> stop() (no more accepts, every
// session shut down) -> the reactor drains -> destroy. Sessions delete themselves once
// their last operation has completed.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "../listener.h"
#include "sluice/io/reactor.h"

namespace sluice::broker {

class metrics_server {
  public:
    static constexpr size_t request_bytes_max = 8192;
    static constexpr size_t sessions_max = 64;
    static constexpr int64_t session_timeout_ms = 10'000;

    /// `render` produces the body of GET /metrics.
    metrics_server(io::reactor& r, std::function<std::string()> render);
    ~metrics_server();
    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    bool open(const std::string& host, uint16_t port, std::string* why);
    uint16_t port() const { return _listener.port(); }
    void start() { _listener.start(); }
    void stop();
    size_t sessions() const { return _sessions.size(); }

    /// The whole HTTP answer (status line, headers, body) to a request head; `render` is
    /// called only for GET /metrics. Public for tests.
    static std::string answer(std::string_view head, const std::function<std::string()>& render);

  private:
    class session;
    void on_accept(int fd);
    void forget(session* s);

    io::reactor& _reactor;
    std::function<std::string()> _render;
    listener _listener;
    std::unordered_map<session*, std::unique_ptr<session>> _sessions;
    bool _stopped = false;
};

}  // namespace sluice::broker
