#include "sluice/client/pipelined_connection.h"

#include "connection_util.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "sluice/common/endian.h"
#include "sluice/protocol/messages/api_versions.h"
#include "sluice/protocol/wire.h"

namespace sluice::client {

namespace {

constexpr size_t input_buffer_bytes_min = 256 << 10;
constexpr int32_t response_bytes_max = 1 << 30;

int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

pipelined_connection::~pipelined_connection() {
    close();
}

void pipelined_connection::close() {
    if (_fd >= 0) ::close(_fd);
    _fd = -1;
    _head = _tail = 0;
}

bool pipelined_connection::connect(const std::string& address, std::string* why, int timeout_ms) {
    close();
    _fd = connect_tcp(address, why);
    if (_fd < 0) return false;
    int one = 1;
    ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    _in.resize(input_buffer_bytes_min);
    // ApiVersions v0 is understood by every broker.
    _broker_versions.clear();
    _broker_versions[18] = protocol::between(0, 0);
    protocol::api_versions_request req;
    int32_t id = send(req, 0);
    auto resp = id < 0 ? std::nullopt : receive<protocol::api_versions_response>(id, 0, why);
    if (!resp) {
        if (why->empty()) *why = "no ApiVersions answer from " + address;
        close();
        return false;
    }
    _broker_versions.clear();
    for (const auto& k : resp->api_keys)
        _broker_versions[k.api_key] = {k.min_version, k.max_version};
    return true;
}

bool pipelined_connection::write_frame() {
    if (_fd < 0) return false;
    common::store_be32(_out.data(), static_cast<uint32_t>(_out.size() - 4));
    size_t done = 0;
    while (done < _out.size()) {
        ssize_t n = ::send(_fd, _out.data() + done, _out.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    _bytes_sent += done;
    return true;
}

size_t pipelined_connection::buffered_frame_bytes() const {
    const size_t have = _tail - _head;
    if (have < 4) return 0;
    const auto size = static_cast<int32_t>(common::load_be32(_in.data() + _head));
    if (size < 4 || size > response_bytes_max) return 4;  // receive_frame reports it
    const size_t whole = 4 + static_cast<size_t>(size);
    return have >= whole ? whole : 0;
}

bool pipelined_connection::fill(size_t want, bool block, std::string* why) {
    if (_fd < 0) {
        *why = "not connected";
        return false;
    }
    if (_head + want > _in.size()) {
        std::memmove(_in.data(), _in.data() + _head, _tail - _head);
        _tail -= _head;
        _head = 0;
        if (want > _in.size()) _in.resize(std::max(want, _in.size() * 2));
    }
    for (;;) {
        ssize_t r = ::recv(_fd, _in.data() + _tail, _in.size() - _tail, block ? 0 : MSG_DONTWAIT);
        if (r > 0) {
            _tail += static_cast<size_t>(r);
            _bytes_received += static_cast<uint64_t>(r);
            return true;
        }
        if (r == 0) {
            *why = "the broker closed the connection";
            return false;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!block) return true;
            *why = "timed out waiting for the broker";
            return false;
        }
        *why = std::string("receive failed: ") + std::strerror(errno);
        return false;
    }
}

pipelined_connection::poll_result pipelined_connection::poll(int64_t timeout_ns, std::string* why) {
    const int64_t deadline = timeout_ns > 0 ? monotonic_ns() + timeout_ns : 0;
    for (;;) {
        if (buffered_frame_bytes() > 0) return poll_result::ready;
        const size_t have = _tail - _head;
        size_t want = 4;
        if (have >= 4) want = 4 + common::load_be32(_in.data() + _head);
        if (!fill(want, false, why)) return poll_result::failed;
        if (buffered_frame_bytes() > 0) return poll_result::ready;
        if (timeout_ns == 0) return poll_result::timeout;
        timespec ts{};
        timespec* tsp = nullptr;
        if (timeout_ns > 0) {
            const int64_t left = deadline - monotonic_ns();
            if (left <= 0) return poll_result::timeout;
            ts = {static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
            tsp = &ts;
        }
        pollfd p{_fd, POLLIN, 0};
        int n = ::ppoll(&p, 1, tsp, nullptr);
        if (n < 0 && errno != EINTR) {
            *why = std::string("poll failed: ") + std::strerror(errno);
            return poll_result::failed;
        }
        if (n == 0) return poll_result::timeout;
    }
}

std::optional<std::span<const uint8_t>> pipelined_connection::receive_frame(int32_t correlation_id,
                                                                            bool flexible_header,
                                                                            std::string* why) {
    while (_tail - _head < 4) {
        if (!fill(4, true, why)) return std::nullopt;
    }
    const auto size = static_cast<int32_t>(common::load_be32(_in.data() + _head));
    if (size < 4 || size > response_bytes_max) {
        *why = "invalid response size " + std::to_string(size);
        return std::nullopt;
    }
    const size_t whole = 4 + static_cast<size_t>(size);
    while (_tail - _head < whole) {
        if (!fill(whole, true, why)) return std::nullopt;
    }
    std::span<const uint8_t> frame(_in.data() + _head + 4, static_cast<size_t>(size));
    _head += whole;
    if (_head == _tail) _head = _tail = 0;
    return response_body(frame, correlation_id, flexible_header, why);
}

}  // namespace sluice::client
