#pragma once
// Test helpers for talking Kafka to a real sluiced over plain sockets, byte for byte, so a
// test can send exactly the malformed, truncated or slow input it means to:
//
//   sluiced_broker      starts sluiced on a free loopback port in a fresh log directory
//   raw_kafka_client    one TCP connection; every wait is bounded (poll, 5 s by default)
//   request_frame()     size + request header + body, encoded with the protocol codec
//   decode_response()   a response body at a version, after its header
//
// Single-threaded: a test owns its clients; nothing here is shared.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sluice/common/endian.h"
#include "sluice/protocol/header.h"
#include "sluice/protocol/messages/api_versions.h"
#include "sluice/protocol/schema.h"
#include "sluiced_process.h"

namespace sluice::testing {

inline constexpr int io_timeout_ms = 5000;

/// A whole request frame for `m`: size, header (v2 for flexible versions, else v1), body.
template <protocol::kafka_message M>
std::vector<uint8_t> request_frame(const M& m, int16_t version, int32_t correlation_id,
                                   std::string client_id = "bad-input") {
    std::vector<uint8_t> out(4);
    protocol::request_header h{M::api_key, version, correlation_id, std::move(client_id)};
    protocol::encode_request_header(h, protocol::is_flexible<M>(version), out);
    protocol::encode_message(m, version, out);
    common::store_be32(out.data(), static_cast<uint32_t>(out.size() - 4));
    return out;
}

/// A frame with any header values and any body bytes after a v1 header (v2, with an empty
/// tagged section, when `flexible_header`): for unknown api keys, impossible versions and
/// garbage bodies.
inline std::vector<uint8_t> raw_frame(int16_t api_key, int16_t version, int32_t correlation_id,
                                      std::span<const uint8_t> body = {},
                                      bool flexible_header = false) {
    std::vector<uint8_t> out(4);
    protocol::request_header h{api_key, version, correlation_id, std::string("bad-input")};
    protocol::encode_request_header(h, flexible_header, out);
    out.insert(out.end(), body.begin(), body.end());
    common::store_be32(out.data(), static_cast<uint32_t>(out.size() - 4));
    return out;
}

/// One response frame: the correlation id and the bytes after it.
struct response_frame {
    int32_t correlation_id = 0;
    std::vector<uint8_t> rest;
};

/// Decodes a response body of `version`; flexible versions have a tagged section in the
/// response header, except ApiVersions (KIP-511). The result may view into `f.rest`.
template <protocol::kafka_message M>
std::optional<M> decode_response(const response_frame& f, int16_t version) {
    std::span<const uint8_t> body(f.rest);
    if (protocol::is_flexible<M>(version) && M::api_key != 18) {
        if (body.empty() || body[0] != 0) return std::nullopt;  // we expect no header tags
        body = body.subspan(1);
    }
    auto m = protocol::decode_message<M>(body, version);
    if (!m) return std::nullopt;
    return std::move(m).value();
}

enum class read_status { frame, closed, timeout };

class raw_kafka_client {
  public:
    /// Connects to 127.0.0.1:port. `rcvbuf`/`sndbuf` (bytes, 0 = kernel default) are set
    /// before connecting so that they bound the TCP window.
    explicit raw_kafka_client(uint16_t port, int rcvbuf = 0, int sndbuf = 0) {
        _fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (_fd < 0) return;
        if (rcvbuf > 0) ::setsockopt(_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        if (sndbuf > 0) ::setsockopt(_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        int one = 1;
        ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close();
            return;
        }
        ::fcntl(_fd, F_SETFL, ::fcntl(_fd, F_GETFL) | O_NONBLOCK);
    }
    ~raw_kafka_client() { close(); }
    raw_kafka_client(const raw_kafka_client&) = delete;
    raw_kafka_client& operator=(const raw_kafka_client&) = delete;
    raw_kafka_client(raw_kafka_client&& o) noexcept : _fd(o._fd), _in(std::move(o._in)) {
        o._fd = -1;
    }

    bool connected() const { return _fd >= 0; }
    int fd() const { return _fd; }
    void close() {
        if (_fd >= 0) ::close(_fd);
        _fd = -1;
    }

    /// Sends what the socket takes now; returns the bytes sent (0 when it would block),
    /// or -1 on an error such as a reset.
    ssize_t send_some(std::span<const uint8_t> b) {
        ssize_t n = ::send(_fd, b.data(), b.size(), MSG_NOSIGNAL);
        if (n >= 0) return n;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    }
    /// Sends all of `b` within the timeout.
    bool send_all(std::span<const uint8_t> b, int timeout_ms = io_timeout_ms) {
        const auto deadline = now() + std::chrono::milliseconds(timeout_ms);
        while (!b.empty()) {
            ssize_t n = send_some(b);
            if (n < 0) return false;
            b = b.subspan(static_cast<size_t>(n));
            if (!b.empty() && !wait(POLLOUT, deadline)) return false;
        }
        return true;
    }

    /// Reads the next response frame within the timeout.
    read_status read_frame(response_frame& out, int timeout_ms = io_timeout_ms) {
        const auto deadline = now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            if (_in.size() >= 4) {
                const size_t size = common::load_be32(_in.data());
                if (size >= 4 && _in.size() >= 4 + size) {
                    out.correlation_id = static_cast<int32_t>(common::load_be32(_in.data() + 4));
                    out.rest.assign(_in.begin() + 8, _in.begin() + 4 + static_cast<long>(size));
                    _in.erase(_in.begin(), _in.begin() + 4 + static_cast<long>(size));
                    return read_status::frame;
                }
            }
            if (!wait(POLLIN, deadline)) return read_status::timeout;
            if (!fill()) return read_status::closed;
        }
    }

    /// True if the peer closes the connection (end of stream or reset) within the timeout;
    /// bytes that arrive first are kept for read_frame.
    bool closed_by_peer(int timeout_ms = io_timeout_ms) {
        const auto deadline = now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            if (!wait(POLLIN, deadline)) return false;
            if (!fill()) return true;
        }
    }

    /// Sends a request and reads its response; nullopt on close, timeout or a response
    /// that does not decode or carries another correlation id.
    template <protocol::kafka_message Req, protocol::kafka_message Resp>
    std::optional<Resp> call(const Req& req, int16_t version, int32_t correlation_id,
                             response_frame& keep) {
        if (!send_all(request_frame(req, version, correlation_id))) return std::nullopt;
        if (read_frame(keep) != read_status::frame) return std::nullopt;
        if (keep.correlation_id != correlation_id) return std::nullopt;
        return decode_response<Resp>(keep, version);
    }

  private:
    static std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }
    bool wait(short events, std::chrono::steady_clock::time_point deadline) {
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now());
            pollfd p{_fd, events, 0};
            int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
            if (r > 0) return true;
            if (r == 0 || errno != EINTR) return false;
        }
    }
    /// Reads what is there; false on end of stream or an error (a reset).
    bool fill() {
        uint8_t buf[65536];
        ssize_t n = ::recv(_fd, buf, sizeof buf, 0);
        if (n > 0) {
            _in.insert(_in.end(), buf, buf + n);
            return true;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
        return false;
    }

    int _fd = -1;
    std::vector<uint8_t> _in;
};

/// sluiced on 127.0.0.1 with an ephemeral port and its own temporary log directory, plus
/// any `settings` (KEY=VALUE, passed with --set). Removes the directory when destroyed.
class sluiced_broker {
  public:
    explicit sluiced_broker(const std::vector<std::string>& settings = {}) {
        char tmpl[] = "/tmp/sluiced-bad-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) return;
        _dir = tmpl;
        std::vector<std::string> args = {"--set", "listeners=PLAINTEXT://127.0.0.1:0", "--set",
                                         "log.dirs=" + (_dir / "data").string()};
        for (const auto& s : settings) {
            args.push_back("--set");
            args.push_back(s);
        }
        _process = std::make_unique<sluiced_process>(args);
        if (!_process->wait_for("ready")) return;
        const std::string& out = _process->output();
        const std::string needle = "listening on 127.0.0.1:";
        auto at = out.find(needle);
        if (at != std::string::npos)
            _port = static_cast<uint16_t>(std::atoi(&out[at + needle.size()]));
    }
    ~sluiced_broker() {
        _process.reset();
        if (!_dir.empty()) std::filesystem::remove_all(_dir);
    }

    /// Nonzero once the broker is ready and its port known.
    uint16_t port() const { return _port; }
    sluiced_process& process() { return *_process; }

    /// A fresh connection gets an ApiVersions v3 answer with error 0 within the timeout.
    bool serving(int timeout_ms = io_timeout_ms) {
        raw_kafka_client c(_port);
        if (!c.connected()) return false;
        protocol::api_versions_request req;
        req.client_software_name = "bad-input";
        req.client_software_version = "1";
        if (!c.send_all(request_frame(req, 3, 7), timeout_ms)) return false;
        response_frame f;
        if (c.read_frame(f, timeout_ms) != read_status::frame || f.correlation_id != 7)
            return false;
        auto resp = decode_response<protocol::api_versions_response>(f, 3);
        return resp && resp->error_code == 0 && !resp->api_keys.empty();
    }
    /// SIGTERM and the exit code (0 is a clean stop).
    int stop() {
        _process->signal(SIGTERM);
        return _process->wait_exit();
    }

  private:
    std::filesystem::path _dir;
    std::unique_ptr<sluiced_process> _process;
    uint16_t _port = 0;
};

}  // namespace sluice::testing
