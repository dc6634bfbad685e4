#pragma once
// listener: the broker's listening socket and its accept loop on the reactor.
//
// Owned by the broker. Each accepted socket becomes a connection (TCP_NODELAY: Kafka
// responses are small and latency-bound). stop() cancels the pending accept. Out of file
// descriptors (EMFILE/ENFILE), accepting pauses for 100 ms at a time rather than spinning,
// and says so once a second; the waiting clients are accepted once descriptors free up.

#include <cstdint>
#include <functional>
#include <string>

#include "sluice/io/completion.h"
#include "sluice/io/reactor.h"

namespace sluice::broker {

class listener final : public io::completion {
  public:
    using on_accept_fn = std::function<void(int fd)>;
    listener(io::reactor& r, on_accept_fn on_accept)
        : _reactor(r), _on_accept(std::move(on_accept)) {
        _backoff.owner = this;
    }
    ~listener() override;

    /// Bind and listen; on failure *why says what went wrong. Port 0 picks a free port.
    bool open(const std::string& host, uint16_t port, std::string* why);
    uint16_t port() const { return _port; }
    void start() { arm(); }
    void stop();

    void complete(int32_t res, uint32_t flags) override;

  private:
    struct backoff final : io::completion {
        listener* owner = nullptr;
        __kernel_timespec ts{0, 100'000'000};
        void complete(int32_t, uint32_t) override { owner->arm(); }
    };
    void arm();
    io::reactor& _reactor;
    backoff _backoff;
    int64_t _last_fd_warning_ms = -1'000'000;
    on_accept_fn _on_accept;
    int _fd = -1;
    uint16_t _port = 0;
    bool _stopped = false;
};

}  // namespace sluice::broker
