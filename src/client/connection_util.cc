#include "connection_util.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sluice/protocol/wire.h"

namespace sluice::client {

int connect_tcp(const std::string& address, std::string* why) {
    auto colon = address.rfind(':');
    if (colon == std::string::npos) {
        *why = "address " + address + " has no :PORT";
        return -1;
    }
    std::string host = address.substr(0, colon), port = address.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        *why = "cannot resolve " + host + ": " + gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    std::string last = "no address";
    for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            last = std::strerror(errno);
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(res);
    if (fd < 0) *why = "cannot connect to " + address + ": " + last;
    return fd;
}

std::optional<std::span<const uint8_t>> response_body(std::span<const uint8_t> frame,
                                                      int32_t correlation_id, bool flexible_header,
                                                      std::string* why) {
    protocol::wire_reader r(frame);
    int32_t got = r.i32();
    if (r.ok() && got != correlation_id) {
        *why = "response for correlation id " + std::to_string(got) + ", expected " +
               std::to_string(correlation_id);
        return std::nullopt;
    }
    if (flexible_header) {
        uint32_t tags = r.uvarint();
        for (uint32_t i = 0; i < tags && r.ok(); ++i) {
            (void)r.uvarint();
            r.skip(r.uvarint());
        }
    }
    if (!r.ok()) {
        *why = "malformed response header";
        return std::nullopt;
    }
    return std::span<const uint8_t>(r.position(), r.remaining());
}

}  // namespace sluice::client
