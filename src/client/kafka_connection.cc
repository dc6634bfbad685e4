#include "sluice/client/kafka_connection.h"

#include "connection_util.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sluice/common/endian.h"
#include "sluice/protocol/messages/api_versions.h"
#include "sluice/protocol/wire.h"

namespace sluice::client {

kafka_connection::~kafka_connection() {
    close();
}

void kafka_connection::close() {
    if (_fd >= 0) ::close(_fd);
    _fd = -1;
}

bool kafka_connection::connect(const std::string& address, std::string* why, int timeout_ms) {
    _fd = connect_tcp(address, why);
    if (_fd < 0) return false;
    int one = 1;
    ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    // Learn the broker's versions (ApiVersions v0 is understood by every broker).
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

bool kafka_connection::send_frame(std::vector<uint8_t>& frame, int32_t) {
    if (_fd < 0) return false;
    common::store_be32(frame.data(), static_cast<uint32_t>(frame.size() - 4));
    size_t done = 0;
    while (done < frame.size()) {
        ssize_t n = ::send(_fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

namespace {
bool read_exact(int fd, uint8_t* p, size_t n, std::string* why) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = ::recv(fd, p + done, n - done, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) {
            *why = "the broker closed the connection";
            return false;
        }
        if (r < 0) {
            *why = errno == EAGAIN ? "timed out waiting for the broker"
                                   : std::string("receive failed: ") + std::strerror(errno);
            return false;
        }
        done += static_cast<size_t>(r);
    }
    return true;
}
}  // namespace

std::optional<std::span<const uint8_t>> kafka_connection::receive_frame(int32_t correlation_id,
                                                                        bool flexible_header,
                                                                        std::vector<uint8_t>& frame,
                                                                        std::string* why) {
    if (_fd < 0) {
        *why = "not connected";
        return std::nullopt;
    }
    uint8_t size_bytes[4];
    if (!read_exact(_fd, size_bytes, 4, why)) return std::nullopt;
    auto size = static_cast<int32_t>(common::load_be32(size_bytes));
    if (size < 4 || size > (1 << 30)) {
        *why = "invalid response size " + std::to_string(size);
        return std::nullopt;
    }
    frame.resize(static_cast<size_t>(size));
    if (!read_exact(_fd, frame.data(), frame.size(), why)) return std::nullopt;
    return response_body(frame, correlation_id, flexible_header, why);
}

}  // namespace sluice::client
