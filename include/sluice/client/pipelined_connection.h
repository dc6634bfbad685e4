#pragma once
// pipelined_connection: a Kafka client connection for callers that keep many requests in
// flight and must not block while waiting for answers (sluice-perf; the replication
// fetchers have the same shape).
//
// Same wire behaviour as kafka_connection (ApiVersions on connect, newest common version),
// plus what pipelining needs: poll() says whether a whole response has arrived without
// blocking, requests are encoded into one reused buffer, and responses are read into one
// reused buffer, as many bytes per recv as the kernel has, so a burst of small Produce
// responses costs one system call rather than two each. Steady state allocates nothing
// here (the decoded response structs are the caller's).
//
// One TCP connection, owned by one thread; nothing is shared. send() blocks until the
// kernel has taken the whole request; receive() blocks until the next response is whole.
// Responses come back in request order (Kafka guarantees it per connection).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sluice/protocol/header.h"
#include "sluice/protocol/schema.h"

namespace sluice::client {

class pipelined_connection {
  public:
    pipelined_connection() = default;
    ~pipelined_connection();
    pipelined_connection(const pipelined_connection&) = delete;
    pipelined_connection& operator=(const pipelined_connection&) = delete;

    /// Connect to "host:port" and learn the broker's API versions; *why says what failed.
    bool connect(const std::string& address, std::string* why, int timeout_ms = 10000);
    void close();

    /// The version to use for api `M`: the newest both sides support, or -1.
    template <protocol::kafka_message M>
    int16_t version_for() const {
        auto it = _broker_versions.find(M::api_key);
        if (it == _broker_versions.end()) return -1;
        int16_t v = std::min(it->second.max, M::valid.max);
        return v >= std::max(it->second.min, M::valid.min) ? v : -1;
    }

    /// Encode `req` at `version` into the reused output buffer and write it; returns the
    /// correlation id, or -1 if the socket failed.
    template <protocol::kafka_message M>
    int32_t send(const M& req, int16_t version) {
        _out.resize(4);
        protocol::request_header h{M::api_key, version, _next_correlation++, _client_id};
        protocol::encode_request_header(h, protocol::is_flexible<M>(version), _out);
        protocol::encode_message(req, version, _out);
        return write_frame() ? h.correlation_id : -1;
    }

    enum class poll_result { ready, timeout, failed };
    /// Wait up to `timeout_ns` (0: just look, negative: forever) for a whole response to
    /// be buffered. On failed, *why says why (the broker closed, a socket error).
    poll_result poll(int64_t timeout_ns, std::string* why);

    /// Receive the next response, which must answer `correlation_id`, decoded as `R` at
    /// `version`. Byte views in the result (Fetch records) stay valid until the next
    /// receive() or poll(), which reuse the input buffer.
    template <protocol::kafka_message R>
    std::optional<R> receive(int32_t correlation_id, int16_t version, std::string* why) {
        const bool flexible_header = protocol::is_flexible<R>(version) && R::api_key != 18;
        auto body = receive_frame(correlation_id, flexible_header, why);
        if (!body) return std::nullopt;
        auto r = protocol::decode_message<R>(*body, version);
        if (!r) {
            *why = std::string("malformed response: ") + protocol::describe(r.error());
            return std::nullopt;
        }
        return std::move(r).value();
    }

    /// send + receive at the newest common version; only with nothing else in flight.
    template <protocol::kafka_message Req, protocol::kafka_message Resp>
    std::optional<Resp> call(const Req& req, std::string* why) {
        int16_t v = version_for<Req>();
        if (v < 0) {
            *why = "the broker does not support this API";
            return std::nullopt;
        }
        int32_t id = send(req, v);
        if (id < 0) {
            *why = "cannot send to the broker";
            return std::nullopt;
        }
        return receive<Resp>(id, v, why);
    }

    /// Bytes written and read on this connection, frames included.
    uint64_t bytes_sent() const { return _bytes_sent; }
    uint64_t bytes_received() const { return _bytes_received; }

    void set_client_id(std::string id) { _client_id = std::move(id); }

  private:
    bool write_frame();
    /// Size of the buffered frame at _head (4-byte length included), or 0 if incomplete.
    size_t buffered_frame_bytes() const;
    /// One recv into the free end of the input buffer (after compacting it so that `want`
    /// bytes from _head fit). False on EOF or error; a non-blocking call that finds
    /// nothing returns true.
    bool fill(size_t want, bool block, std::string* why);
    std::optional<std::span<const uint8_t>> receive_frame(int32_t correlation_id,
                                                          bool flexible_header, std::string* why);

    int _fd = -1;
    int32_t _next_correlation = 1;
    std::optional<std::string> _client_id = std::string("sluice-perf");
    std::map<int16_t, protocol::versions> _broker_versions;
    std::vector<uint8_t> _out;  // the request being written
    std::vector<uint8_t> _in;   // received bytes: [_head, _tail) not yet consumed
    size_t _head = 0;
    size_t _tail = 0;
    uint64_t _bytes_sent = 0;
    uint64_t _bytes_received = 0;
};

}  // namespace sluice::client
