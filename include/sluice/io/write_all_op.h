#pragma once
// write_all_op: writes every byte of an iovec list to a file, pipe or socket through the
// reactor, continuing after short writes and resubmitting after EAGAIN (waiting for POLLOUT
// first) or EINTR, then completes the caller's completion once with the total byte count
// or the first hard -errno.
//
// For a plain write to a pipe or socket io_uring waits for room itself (it arms a poll), so
// EAGAIN reaches us only in `nowait` mode (RWF_NOWAIT), which a writer uses when it would
// rather see the back-pressure than park the request in the kernel.
//
// Owned by the caller, like any completion; reusable after it has completed. The iovec list
// is copied into an internal vector whose capacity is kept across uses, so a long-lived op
// allocates nothing in the steady state. The buffers themselves must stay valid until done.

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <vector>

#include "sluice/io/completion.h"
#include "sluice/io/reactor.h"

namespace sluice::io {

class write_all_op final : public completion {
  public:
    /// offset == UINT64_MAX writes at the file position (pipes, sockets); otherwise the
    /// data goes to [offset, offset + total) and each continuation advances the offset.
    void start(reactor& r, int fd, std::span<const iovec> iov, uint64_t offset, completion* done,
               bool nowait = false);

    bool busy() const { return _done != nullptr; }
    /// Bytes written so far (the completion result is clamped to INT32_MAX).
    uint64_t written() const { return _written; }
    /// Counters of the last/current use: how often the kernel wrote less than asked and
    /// how often it answered EAGAIN (tests check that both paths really ran).
    unsigned short_writes() const { return _short_writes; }
    unsigned eagain_retries() const { return _eagain_retries; }

    void complete(int32_t res, uint32_t flags) override;

  private:
    void submit();
    void finish(int32_t res);

    reactor* _reactor = nullptr;
    int _fd = -1;
    uint64_t _offset = 0;
    std::vector<iovec> _iov;
    size_t _first = 0;  // index of the first iovec not fully written
    uint64_t _written = 0;
    bool _polling = false;
    bool _nowait = false;
    unsigned _short_writes = 0;
    unsigned _eagain_retries = 0;
    completion* _done = nullptr;
};

}  // namespace sluice::io
