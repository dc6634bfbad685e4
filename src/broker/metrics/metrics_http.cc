#include "metrics_http.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <vector>

#include "sluice/common/logger.h"
#include "sluice/io/write_all_op.h"

namespace sluice::broker {

namespace {

std::string reply(std::string_view status, std::string_view content_type, std::string_view body,
                  std::string_view extra_headers = {}) {
    std::string out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 ";
    out += status;
    out += "\r\nContent-Type: ";
    out += content_type;
    out += "\r\nContent-Length: ";
    out += std::to_string(body.size());
    out += "\r\nConnection: close\r\n";
    out += extra_headers;
    out += "\r\n";
    out += body;
    return out;
}

std::string plain(std::string_view status, std::string_view body,
                  std::string_view extra_headers = {}) {
    return reply(status, "text/plain; charset=utf-8", body, extra_headers);
}

/// Where the request head ends (the blank line), or npos. Bare LF line ends are accepted
/// too, as most servers do.
size_t head_end(std::string_view have) {
    const size_t crlf = have.find("\r\n\r\n");
    const size_t lf = have.find("\n\n");
    return std::min(crlf, lf);
}

}  // namespace

std::string metrics_server::answer(std::string_view head,
                                   const std::function<std::string()>& render) {
    // Request line: METHOD SP request-target SP HTTP-version (RFC 9112 section 3).
    const std::string_view line = head.substr(0, head.find_first_of("\r\n"));
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1 ||
        line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0) {
        return plain("400 Bad Request", "not an HTTP/1.x request line\n");
    }
    const std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));  // a scraper's query string is ignored
    if (target != "/metrics") return plain("404 Not Found", "only /metrics is served here\n");
    if (method != "GET") {
        return plain("405 Method Not Allowed", "only GET is allowed\n", "Allow: GET\r\n");
    }
    return reply("200 OK", "text/plain; version=0.0.4; charset=utf-8", render());
}

// ---- one HTTP connection ---------------------------------------------------------------

class metrics_server::session {
  public:
    session(metrics_server& s, int fd) : _server(s), _fd(fd) {
        _recv.s = this;
        _timer.s = this;
        _sent.s = this;
    }
    ~session() {
        if (_fd >= 0) ::close(_fd);
    }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void start() {
        _ts.tv_sec = session_timeout_ms / 1000;
        _ts.tv_nsec = (session_timeout_ms % 1000) * 1'000'000;
        _server._reactor.timeout(&_ts, &_timer);
        arm_recv();
    }

    /// Idempotent. May delete this session: call it last.
    void close() {
        if (!_closing) {
            _closing = true;
            ::shutdown(_fd, SHUT_RDWR);  // wakes a pending receive, fails a pending send
            io::reactor& r = _server._reactor;
            if (_recv.in_flight()) r.cancel(&_recv);
            if (_timer.in_flight()) r.cancel(&_timer);
            if (_writer.in_flight()) r.cancel(&_writer);
        }
        maybe_done();
    }

  private:
    struct recv_op final : io::completion {
        session* s = nullptr;
        void complete(int32_t res, uint32_t) override { s->on_recv(res); }
    };
    struct timer_op final : io::completion {
        session* s = nullptr;
        void complete(int32_t, uint32_t) override { s->close(); }
    };
    struct sent_op final : io::completion {
        session* s = nullptr;
        void complete(int32_t res, uint32_t) override { s->on_sent(res); }
    };

    void arm_recv() {
        // Once answered, what the client still sends is read and dropped until it closes
        // (closing with unread bytes would reset the connection and could lose the
        // answer on the way); the head itself never exceeds request_bytes_max.
        const size_t used = _answered ? 0 : _len;
        _server._reactor.recv(_fd, _buf.data() + used, static_cast<uint32_t>(_buf.size() - used), 0,
                              &_recv);
    }

    void on_recv(int32_t res) {
        if (_closing) return maybe_done();
        if (res == -EINTR || res == -EAGAIN) return arm_recv();
        if (res <= 0) return close();  // the client is gone, or has read the answer
        if (_answered) return arm_recv();
        _len += static_cast<size_t>(res);
        const std::string_view have(_buf.data(), _len);
        const size_t end = head_end(have);
        if (end != std::string_view::npos) {
            respond(answer(have.substr(0, end), _server._render));
        } else if (_len == _buf.size()) {
            respond(plain("431 Request Header Fields Too Large", "request head over 8 KiB\n"));
        } else {
            arm_recv();
        }
    }

    void respond(std::string text) {
        _answered = true;
        _reply = std::move(text);
        _iov = {_reply.data(), _reply.size()};
        _writer.start(_server._reactor, _fd, {&_iov, 1}, UINT64_MAX, &_sent);
    }

    void on_sent(int32_t res) {
        if (_closing || res < 0) return close();
        // The answer is out: half-close, then wait (bounded by the timer) for the client to
        // close its side.
        ::shutdown(_fd, SHUT_WR);
        _reply = {};
        arm_recv();
    }

    void maybe_done() {
        if (_recv.in_flight() || _timer.in_flight() || _writer.busy() || _writer.in_flight())
            return;
        _server.forget(this);  // deletes this
    }

    metrics_server& _server;
    int _fd;
    bool _closing = false;
    bool _answered = false;
    std::array<char, request_bytes_max> _buf{};
    size_t _len = 0;
    std::string _reply;
    iovec _iov{};
    __kernel_timespec _ts{};
    recv_op _recv;
    timer_op _timer;
    sent_op _sent;
    io::write_all_op _writer;
};

// ---- the server ------------------------------------------------------------------------

metrics_server::metrics_server(io::reactor& r, std::function<std::string()> render)
    : _reactor(r), _render(std::move(render)), _listener(r, [this](int fd) { on_accept(fd); }) {}

metrics_server::~metrics_server() = default;

bool metrics_server::open(const std::string& host, uint16_t port, std::string* why) {
    if (_listener.open(host, port, why)) return true;
    *why = "metrics.listener: " + *why;
    return false;
}

void metrics_server::stop() {
    if (_stopped) return;
    _stopped = true;
    _listener.stop();
    std::vector<session*> all;
    all.reserve(_sessions.size());
    for (auto& [s, owned] : _sessions) all.push_back(s);
    for (session* s : all) s->close();
}

void metrics_server::on_accept(int fd) {
    if (_stopped || _sessions.size() >= sessions_max) {
        // Debug only: a flood of connections must not flood the log as well.
        if (!_stopped) {
            SLUICE_LOG(debug, "broker", "metrics: %zu connections at once already; closing one",
                       _sessions.size());
        }
        ::close(fd);
        return;
    }
    auto owned = std::make_unique<session>(*this, fd);
    session* s = owned.get();
    _sessions.emplace(s, std::move(owned));
    s->start();
}

void metrics_server::forget(session* s) {
    _sessions.erase(s);
}

}  // namespace sluice::broker
