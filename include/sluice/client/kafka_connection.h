#pragma once
// kafka_connection: a blocking Kafka client connection, the project's own client code
// for tools (the sluice CLI now, sluice-perf and the replication fetchers to build on).
//
// One TCP connection, owned by one thread. connect() negotiates versions with ApiVersions;
// call() sends one request at the newest version both sides support (within the range
// the caller accepts) and waits for its response. send()/receive() split the two so that
// a caller can pipeline many requests; responses come back in request order.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/protocol/header.h"
#include "sluice/protocol/schema.h"

namespace sluice::client {

class kafka_connection {
  public:
    kafka_connection() = default;
    ~kafka_connection();
    kafka_connection(const kafka_connection&) = delete;
    kafka_connection& operator=(const kafka_connection&) = delete;

    /// Connect to "host:port" and learn the broker's API versions. On failure *why says
    /// what went wrong in words.
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

    /// Send `req` at `version`; returns the correlation id (or -1 if the socket failed).
    template <protocol::kafka_message M>
    int32_t send(const M& req, int16_t version) {
        std::vector<uint8_t> frame(4);
        protocol::request_header h{M::api_key, version, _next_correlation++, _client_id};
        // Flexible request versions use request header v2 (ApiVersions included).
        protocol::encode_request_header(h, protocol::is_flexible<M>(version), frame);
        protocol::encode_message(req, version, frame);
        return send_frame(frame, h.correlation_id) ? h.correlation_id : -1;
    }

    /// Receive the next response, which must answer `correlation_id`, and decode it as
    /// `R` at `version`. nullopt (with *why) on socket errors or a malformed response.
    /// Byte views in the result (Fetch records) stay valid until the next receive.
    template <protocol::kafka_message R>
    std::optional<R> receive(int32_t correlation_id, int16_t version, std::string* why) {
        // ApiVersions responses always use header v0 (KIP-511).
        const bool flexible_header = protocol::is_flexible<R>(version) && R::api_key != 18;
        auto body = receive_frame(correlation_id, flexible_header, _frame, why);
        if (!body) return std::nullopt;
        auto r = protocol::decode_message<R>(*body, version);
        if (!r) {
            *why = std::string("malformed response: ") + protocol::describe(r.error());
            return std::nullopt;
        }
        return std::move(r).value();
    }

    /// send + receive at the newest common version.
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

    void set_client_id(std::string id) { _client_id = std::move(id); }

  private:
    bool send_frame(std::vector<uint8_t>& frame, int32_t correlation_id);
    std::optional<std::span<const uint8_t>> receive_frame(int32_t correlation_id,
                                                          bool flexible_header,
                                                          std::vector<uint8_t>& frame,
                                                          std::string* why);

    int _fd = -1;
    int32_t _next_correlation = 1;
    std::optional<std::string> _client_id = std::string("sluice");
    std::map<int16_t, protocol::versions> _broker_versions;
    std::vector<uint8_t> _frame;  // the last response received
};

}  // namespace sluice::client
