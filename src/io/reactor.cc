#include "sluice/io/reactor.h"

#include <liburing.h>

#include <cerrno>
#include <cstring>

#include "sluice/common/assert.h"
#include "sluice/common/logger.h"
#include "sluice/io/probe.h"

namespace sluice::io {

namespace {
// user_data of SQEs whose completions the reactor handles itself (cancel requests).
constexpr uint64_t internal_user_data = 0;

int try_setup(io_uring* ring, unsigned entries, unsigned flags) {
    io_uring_params p{};
    p.flags = flags | IORING_SETUP_CQSIZE;
    p.cq_entries = entries * 2;
    return io_uring_queue_init_params(entries, ring, &p);
}
}  // namespace

result<std::unique_ptr<reactor>> reactor::create(const reactor_config& cfg, std::string* why) {
    std::unique_ptr<reactor> r(new reactor());
    r->_ring = std::make_unique<io_uring>();
    // Newest flags first; older kernels reject them with EINVAL and we fall back.
    const unsigned attempts[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int rc = -EINVAL;
    for (unsigned flags : attempts) {
        rc = try_setup(r->_ring.get(), cfg.sq_entries, flags);
        if (rc != -EINVAL) break;
    }
    if (rc < 0) {
        if (why) {
            probe_report report = probe_io_uring();
            *why = report.usable ? std::string("io_uring_queue_init failed: ") + std::strerror(-rc)
                                 : report.problem;
        }
        return common::fail(errc::unavailable);
    }
    return r;
}

reactor::~reactor() {
    if (!_ring) return;
    SLUICE_ASSERT(_in_flight == 0, "reactor destroyed with %u operations in flight", _in_flight);
    io_uring_queue_exit(_ring.get());
}

io_uring_sqe* reactor::next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(_ring.get());
    if (sqe == nullptr) {
        // The SQ is full: hand what we have to the kernel and take a fresh slot.
        io_uring_submit(_ring.get());
        ++_enter_calls;
        sqe = io_uring_get_sqe(_ring.get());
    }
    SLUICE_ASSERT(sqe != nullptr, "no submission queue entry after submit");
    ++_sqes_queued;
    return sqe;
}

void reactor::arm(io_uring_sqe* sqe, completion* c) {
    SLUICE_ASSERT(c != nullptr, "operation without completion");
    SLUICE_ASSERT(!c->_in_flight, "completion reused while in flight");
    c->_in_flight = true;
    ++_in_flight;
    io_uring_sqe_set_data(sqe, c);
}

void reactor::read(int fd, void* buf, uint32_t len, uint64_t offset, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_read(sqe, fd, buf, len, offset);
    arm(sqe, c);
}

void reactor::write(int fd, const void* buf, uint32_t len, uint64_t offset, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_write(sqe, fd, buf, len, offset);
    arm(sqe, c);
}

void reactor::writev(int fd, const iovec* iov, unsigned iov_count, uint64_t offset, completion* c,
                     int rw_flags) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_writev(sqe, fd, iov, iov_count, offset);
    sqe->rw_flags = rw_flags;
    arm(sqe, c);
}

void reactor::fsync(int fd, bool datasync, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_fsync(sqe, fd, datasync ? IORING_FSYNC_DATASYNC : 0);
    arm(sqe, c);
}

void reactor::fallocate(int fd, int mode, uint64_t offset, uint64_t len, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_fallocate(sqe, fd, mode, static_cast<off_t>(offset), static_cast<off_t>(len));
    arm(sqe, c);
}

void reactor::timeout(__kernel_timespec* ts, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_timeout(sqe, ts, 0, 0);
    arm(sqe, c);
}

void reactor::accept(int listen_fd, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_accept(sqe, listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    arm(sqe, c);
}

void reactor::recv_provided(int fd, uint16_t group, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = group;
    arm(sqe, c);
}

void reactor::recv(int fd, void* buf, uint32_t len, int flags, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv(sqe, fd, buf, len, flags);
    arm(sqe, c);
}

void reactor::send(int fd, const void* buf, uint32_t len, int flags, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_send(sqe, fd, buf, len, flags | MSG_NOSIGNAL);
    arm(sqe, c);
}

void reactor::splice(int fd_in, int64_t off_in, int fd_out, int64_t off_out, uint32_t len,
                     unsigned flags, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_splice(sqe, fd_in, off_in, fd_out, off_out, len, flags);
    arm(sqe, c);
}

void reactor::poll(int fd, unsigned events, completion* c) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_poll_add(sqe, fd, events);
    arm(sqe, c);
}

void reactor::cancel(completion* c) {
    if (!c->_in_flight) return;
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel(sqe, c, 0);
    io_uring_sqe_set_data64(sqe, internal_user_data);
    ++_in_flight;
}

void reactor::defer(task* t) {
    if (t->_queued) return;
    t->_queued = true;
    t->_next = nullptr;
    if (_deferred_tail) {
        _deferred_tail->_next = t;
    } else {
        _deferred_head = t;
    }
    _deferred_tail = t;
}

void reactor::run_deferred() {
    // Take the whole list first: tasks may queue more tasks, which run next turn.
    task* t = _deferred_head;
    _deferred_head = _deferred_tail = nullptr;
    while (t) {
        task* next = t->_next;
        t->_queued = false;
        t->_next = nullptr;
        t->run();
        t = next;
    }
}

unsigned reactor::reap() {
    unsigned handled = 0;
    io_uring_cqe* cqe = nullptr;
    // Completions may submit new work (which only queues SQEs) but never reap, so the
    // CQ ring is consumed one entry at a time while callbacks run.
    while (io_uring_peek_cqe(_ring.get(), &cqe) == 0) {
        uint64_t data = io_uring_cqe_get_data64(cqe);
        int32_t res = cqe->res;
        uint32_t flags = cqe->flags;
        io_uring_cqe_seen(_ring.get(), cqe);
        ++handled;
        if (data == internal_user_data) {
            --_in_flight;
            continue;
        }
        auto* c = reinterpret_cast<completion*>(data);
        if (!(flags & IORING_CQE_F_MORE)) {
            c->_in_flight = false;
            --_in_flight;
        }
        c->complete(res, flags);
    }
    _cqes_reaped += handled;
    return handled;
}

unsigned reactor::run_once(bool wait) {
    run_deferred();
    int rc;
    ++_enter_calls;
    if (wait && _in_flight > 0 && _deferred_head == nullptr) {
        rc = io_uring_submit_and_wait(_ring.get(), 1);
    } else {
        rc = io_uring_submit_and_get_events(_ring.get());
    }
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) {
        SLUICE_LOG(error, "io", "io_uring_enter failed: %s", std::strerror(-rc));
    }
    return reap();
}

void reactor::run() {
    // With nothing in flight and nothing queued no event can arrive (only this thread
    // submits), so the loop ends: callers keep an accept or a timer armed to stay alive.
    while (_in_flight > 0 || _deferred_head != nullptr) {
        run_once(true);
    }
}

void reactor::stop() {
    if (_stopping) return;
    _stopping = true;
    if (_in_flight == 0) return;
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, internal_user_data);
    ++_in_flight;
}

}  // namespace sluice::io
