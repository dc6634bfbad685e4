#include "listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sluice/common/clock.h"
#include "sluice/common/logger.h"

namespace sluice::broker {

listener::~listener() {
    if (_fd >= 0) ::close(_fd);
}

bool listener::open(const std::string& host, uint16_t port, std::string* why) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
    if (rc != 0) {
        *why = "cannot resolve listener host " + host + ": " + gai_strerror(rc);
        return false;
    }
    std::string last_error = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
            sockaddr_storage ss{};
            socklen_t len = sizeof ss;
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
            _port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                   : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
            _fd = fd;
            ::freeaddrinfo(res);
            return true;
        }
        last_error = std::strerror(errno);
        ::close(fd);
    }
    ::freeaddrinfo(res);
    *why = "cannot listen on " + host + ":" + service + ": " + last_error;
    return false;
}

void listener::arm() {
    if (_stopped || _fd < 0 || in_flight() || _backoff.in_flight()) return;
    _reactor.accept(_fd, this);
}

void listener::stop() {
    _stopped = true;
    if (in_flight()) _reactor.cancel(this);
    if (_backoff.in_flight()) _reactor.cancel(&_backoff);
}

void listener::complete(int32_t res, uint32_t) {
    if (res >= 0) {
        if (_stopped) {
            ::close(res);
            return;
        }
        int one = 1;
        ::setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        _on_accept(res);
    } else if (res == -EMFILE || res == -ENFILE) {
        const int64_t now = common::monotonic_ms();
        if (now - _last_fd_warning_ms >= 1000) {
            _last_fd_warning_ms = now;
            SLUICE_LOG(error, "broker",
                       "cannot accept connections: out of file descriptors (%s); new clients "
                       "wait until some close. Raise LimitNOFILE (systemd) or ulimit -n.",
                       std::strerror(-res));
        }
        if (!_stopped) _reactor.timeout(&_backoff.ts, &_backoff);
        return;
    } else if (res != -ECANCELED && res != -EINTR && res != -EAGAIN && res != -ECONNABORTED) {
        SLUICE_LOG(warn, "broker", "accept failed: %s", std::strerror(-res));
    }
    arm();
}

}  // namespace sluice::broker
