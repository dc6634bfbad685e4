#pragma once
// reactor: one io_uring per thread (a shard), and the loop that drives it.
//
// Ownership and threading: a reactor is created, used and destroyed on one thread. The
// ring is set up with SINGLE_ISSUER (+ DEFER_TASKRUN, else COOP_TASKRUN, where the kernel
// has them), so no other thread may touch it; later issues add cross-shard messages.
//
// Operations take a caller-owned completion (see completion.h) and only queue an SQE;
// everything queued in one loop turn is submitted with one io_uring_enter, and completions
// are reaped in batches. Every completion sees the raw CQE result; helpers in write_all.h
// continue short writes and resubmit EAGAIN/EINTR.
//
// Lifecycle: create() -> operations and run()/run_once() -> stop() cancels every in-flight
// operation (their completions get -ECANCELED, or their real result if they had already
// finished) -> run() returns when nothing is in flight -> destroy.

#include <linux/time_types.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>

#include "sluice/common/result.h"
#include "sluice/io/completion.h"

struct io_uring;
struct io_uring_sqe;

namespace sluice::io {

enum class errc {
    unavailable = 1,  // io_uring cannot be set up here (see probe.h for the reason)
    setup_failed,     // a registration (buffer ring...) failed
};
template <class T>
using result = common::result<T, errc>;

struct reactor_config {
    /// Submission queue entries; the completion queue gets twice as many.
    unsigned sq_entries = 256;
};

class reactor {
  public:
    /// Sets up the ring on the calling thread. On failure, *why says what went wrong.
    static result<std::unique_ptr<reactor>> create(const reactor_config& cfg, std::string* why);
    ~reactor();
    reactor(const reactor&) = delete;
    reactor& operator=(const reactor&) = delete;

    // --- files ------------------------------------------------------------------------
    /// offset == UINT64_MAX (-1) means the file position, as for read(2)/write(2); needed
    /// for pipes and sockets.
    void read(int fd, void* buf, uint32_t len, uint64_t offset, completion* c);
    void write(int fd, const void* buf, uint32_t len, uint64_t offset, completion* c);
    /// iov must stay valid until the completion runs. rw_flags are pwritev2's (RWF_NOWAIT:
    /// answer -EAGAIN instead of letting the kernel wait for room).
    void writev(int fd, const iovec* iov, unsigned iov_count, uint64_t offset, completion* c,
                int rw_flags = 0);
    /// fdatasync when datasync, else fsync. Ordered only after completions already seen:
    /// io_uring runs SQEs concurrently, so callers issue it after their writes complete.
    void fsync(int fd, bool datasync, completion* c);
    void fallocate(int fd, int mode, uint64_t offset, uint64_t len, completion* c);

    // --- timers -----------------------------------------------------------------------
    /// Completes with -ETIME when *ts (relative) has elapsed; ts must outlive the op.
    void timeout(__kernel_timespec* ts, completion* c);

    // --- sockets and pipes ------------------------------------------------------------
    void accept(int listen_fd, completion* c);
    /// Receive into a buffer picked by the kernel from provided-buffer group `group`
    /// (buffer_ring.h); the buffer id is in the CQE flags (buffer_ring::buffer_id).
    void recv_provided(int fd, uint16_t group, completion* c);
    void recv(int fd, void* buf, uint32_t len, int flags, completion* c);
    void send(int fd, const void* buf, uint32_t len, int flags, completion* c);
    /// offsets of -1 mean "no offset" (pipes, sockets). One side must be a pipe.
    void splice(int fd_in, int64_t off_in, int fd_out, int64_t off_out, uint32_t len,
                unsigned flags, completion* c);
    /// One-shot poll for `events` (POLLIN, POLLOUT...); res is the ready mask.
    void poll(int fd, unsigned events, completion* c);

    // --- control ----------------------------------------------------------------------
    /// Ask the kernel to cancel c (if still in flight). c's completion still runs, with
    /// -ECANCELED or its real result.
    void cancel(completion* c);
    /// Queue t to run at the end of this loop turn (before the next submission). Tasks
    /// queued while tasks run go to the next turn's batch.
    void defer(task* t);

    /// One loop turn: run deferred tasks, submit, wait for at least one completion if
    /// `wait` and something is in flight, reap all available completions.
    /// Returns the number of completions handled.
    unsigned run_once(bool wait);
    /// Loop until nothing is in flight and no task is queued (after stop(), or when the
    /// owner has nothing left to wait for).
    void run();
    /// Cancel everything in flight and make run() return once it has all completed.
    void stop();
    bool stopping() const { return _stopping; }

    /// Operations submitted and not yet completed.
    unsigned in_flight() const { return _in_flight; }
    /// Counters for the metrics endpoint (plain integers: only this thread touches them).
    /// SQEs queued (operations and cancels), CQEs reaped, submit calls (io_uring_enter).
    uint64_t sqes_queued() const { return _sqes_queued; }
    uint64_t cqes_reaped() const { return _cqes_reaped; }
    uint64_t enter_calls() const { return _enter_calls; }
    /// For the buffer ring registration (only src/io uses it).
    io_uring* ring() { return _ring.get(); }

  private:
    reactor() = default;
    ::io_uring_sqe* next_sqe();
    void arm(::io_uring_sqe* sqe, completion* c);
    void run_deferred();
    unsigned reap();

    std::unique_ptr<io_uring> _ring;
    unsigned _in_flight = 0;
    uint64_t _sqes_queued = 0;
    uint64_t _cqes_reaped = 0;
    uint64_t _enter_calls = 0;
    bool _stopping = false;
    task* _deferred_head = nullptr;
    task* _deferred_tail = nullptr;
};

}  // namespace sluice::io
