// Pipes, sockets and timers on the real kernel: short writes continued, EAGAIN resubmitted,
// cancellation on stop, timers, accept + provided-buffer receive + send, splice.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "io_test_util.h"
#include "sluice/io/buffer_ring.h"
#include "sluice/io/write_all_op.h"

namespace sluice::io::testing {
namespace {

using reactor_stream = reactor_test;

std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    return v;
}

// A pipe holds 64 KiB by default. Writing 4 MiB into a non-blocking pipe that another
// thread drains makes the kernel accept part of a write (a short write) and answer EAGAIN
// when the pipe is full; write_all_op must continue and retry until every byte is through.
TEST_F(reactor_stream, short_writes_and_eagain_are_continued_on_a_pipe) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    const auto data = pattern(4 << 20);
    std::vector<uint8_t> received;
    std::thread reader([&] {
        int flags = ::fcntl(fds[0], F_GETFL);
        ::fcntl(fds[0], F_SETFL, flags & ~O_NONBLOCK);
        std::vector<uint8_t> buf(16384);
        while (received.size() < data.size()) {
            ssize_t n = ::read(fds[0], buf.data(), buf.size());
            if (n <= 0) break;
            received.insert(received.end(), buf.begin(), buf.begin() + n);
            // Drain slowly at first so that the writer meets a full pipe.
            if (received.size() < (1u << 20))
                std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    iovec v{const_cast<uint8_t*>(data.data()), data.size()};
    write_all_op op;
    result_sink done;
    op.start(*_reactor, fds[1], {&v, 1}, UINT64_MAX, &done, /*nowait=*/true);
    ASSERT_TRUE(run_until([&] { return done.calls == 1; }));
    reader.join();
    EXPECT_EQ(done.res, static_cast<int32_t>(data.size()));
    EXPECT_EQ(op.written(), data.size());
    EXPECT_EQ(received, data);
    EXPECT_GT(op.short_writes() + op.eagain_retries(), 0u)
        << "the pipe never pushed back, so continuation was not exercised";
    RecordProperty("short_writes", static_cast<int>(op.short_writes()));
    RecordProperty("eagain_retries", static_cast<int>(op.eagain_retries()));
    ::close(fds[0]);
    ::close(fds[1]);
}

// A full pipe makes a RWF_NOWAIT write fail with EAGAIN at once; write_all_op waits for
// POLLOUT and resubmits, and completes once a reader makes room.
TEST_F(reactor_stream, eagain_on_full_pipe_is_resubmitted) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    // Fill the pipe completely.
    std::vector<uint8_t> fill(1 << 16, 0xAB);
    size_t filled = 0;
    while (true) {
        ssize_t n = ::write(fds[1], fill.data(), fill.size());
        if (n <= 0) break;
        filled += static_cast<size_t>(n);
    }
    ASSERT_GT(filled, 0u);
    std::string msg = "after-the-wait";
    iovec v{msg.data(), msg.size()};
    write_all_op op;
    result_sink done;
    op.start(*_reactor, fds[1], {&v, 1}, UINT64_MAX, &done, /*nowait=*/true);
    for (int i = 0; i < 20; ++i) _reactor->run_once(false);
    EXPECT_EQ(done.calls, 0) << "write completed although the pipe is full";
    EXPECT_GE(op.eagain_retries(), 1u);
    // Make room; the poll fires and the write is resubmitted.
    std::vector<uint8_t> drain(filled);
    size_t drained = 0;
    while (drained < filled) {
        ssize_t n = ::read(fds[0], drain.data(), filled - drained);
        ASSERT_GT(n, 0);
        drained += static_cast<size_t>(n);
    }
    ASSERT_TRUE(run_until([&] { return done.calls == 1; }));
    EXPECT_EQ(done.res, static_cast<int32_t>(msg.size()));
    std::string back(msg.size(), '\0');
    ASSERT_EQ(::read(fds[0], back.data(), back.size()), static_cast<ssize_t>(msg.size()));
    EXPECT_EQ(back, msg);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_F(reactor_stream, stop_cancels_everything_in_flight) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    char buf[16];
    result_sink recv_done, timer_done, poll_done;
    __kernel_timespec ts{.tv_sec = 3600, .tv_nsec = 0};
    _reactor->recv(sv[0], buf, sizeof buf, 0, &recv_done);
    _reactor->timeout(&ts, &timer_done);
    _reactor->poll(sv[1], POLLIN, &poll_done);
    _reactor->run_once(false);
    EXPECT_EQ(_reactor->in_flight(), 3u);
    _reactor->stop();
    _reactor->run();  // returns only when all three have completed
    EXPECT_EQ(_reactor->in_flight(), 0u);
    EXPECT_EQ(recv_done.calls, 1);
    EXPECT_EQ(timer_done.calls, 1);
    EXPECT_EQ(poll_done.calls, 1);
    EXPECT_EQ(recv_done.res, -ECANCELED);
    EXPECT_EQ(timer_done.res, -ECANCELED);
    EXPECT_EQ(poll_done.res, -ECANCELED);
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST_F(reactor_stream, cancel_one_operation) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    char buf[16];
    result_sink a, b;
    _reactor->recv(sv[0], buf, sizeof buf, 0, &a);
    _reactor->poll(sv[0], POLLIN, &b);
    _reactor->run_once(false);
    _reactor->cancel(&a);
    ASSERT_TRUE(run_until([&] { return a.calls == 1; }));
    EXPECT_EQ(a.res, -ECANCELED);
    EXPECT_EQ(b.calls, 0);
    ASSERT_EQ(::write(sv[1], "z", 1), 1);
    ASSERT_TRUE(run_until([&] { return b.calls == 1; }));
    EXPECT_TRUE(b.res & POLLIN);
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST_F(reactor_stream, timer_fires_after_its_delay) {
    __kernel_timespec ts{.tv_sec = 0, .tv_nsec = 20'000'000};
    result_sink t;
    auto start = std::chrono::steady_clock::now();
    _reactor->timeout(&ts, &t);
    ASSERT_TRUE(run_until([&] { return t.calls == 1; }));
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(t.res, -ETIME);
    EXPECT_GE(elapsed, std::chrono::milliseconds(20));  // never early
}

int listen_loopback(uint16_t* port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
    if (::listen(fd, 16) != 0) return -1;
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    *port = ntohs(a.sin_port);
    return fd;
}

int connect_loopback(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
    return fd;
}

TEST_F(reactor_stream, accept_recv_with_provided_buffers_and_send) {
    uint16_t port = 0;
    int lfd = listen_loopback(&port);
    ASSERT_GE(lfd, 0);
    result_sink accepted;
    _reactor->accept(lfd, &accepted);
    int client = connect_loopback(port);
    ASSERT_GE(client, 0);
    ASSERT_TRUE(run_until([&] { return accepted.calls == 1; }));
    ASSERT_GE(accepted.res, 0);
    int server = accepted.res;

    auto ring = buffer_ring::create(*_reactor, 7, 8, 4096);
    ASSERT_TRUE(ring) << "buffer ring registration failed";
    std::string msg = "produce-request-bytes";
    ASSERT_EQ(::send(client, msg.data(), msg.size(), 0), static_cast<ssize_t>(msg.size()));
    result_sink got;
    _reactor->recv_provided(server, 7, &got);
    ASSERT_TRUE(run_until([&] { return got.calls == 1; }));
    ASSERT_EQ(got.res, static_cast<int32_t>(msg.size()));
    ASSERT_TRUE(buffer_ring::has_buffer(got.flags));
    uint16_t id = buffer_ring::buffer_id(got.flags);
    auto buf = ring.value()->buffer(id);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buf.data()), msg.size()), msg);
    ring.value()->recycle(id);

    std::string reply = "response";
    result_sink sent;
    _reactor->send(server, reply.data(), static_cast<uint32_t>(reply.size()), 0, &sent);
    ASSERT_TRUE(run_until([&] { return sent.calls == 1; }));
    EXPECT_EQ(sent.res, static_cast<int32_t>(reply.size()));
    std::string back(reply.size(), '\0');
    ASSERT_EQ(::recv(client, back.data(), back.size(), MSG_WAITALL),
              static_cast<ssize_t>(reply.size()));
    EXPECT_EQ(back, reply);

    // Peer close: a provided-buffer receive completes with 0 bytes.
    ::close(client);
    result_sink eof;
    _reactor->recv_provided(server, 7, &eof);
    ASSERT_TRUE(run_until([&] { return eof.calls == 1; }));
    EXPECT_EQ(eof.res, 0);
    ring.value().reset();
    ::close(server);
    ::close(lfd);
}

// The fetch path: bytes go file -> pipe -> socket with two splices, never through a
// user-space buffer.
TEST_F(reactor_stream, splice_file_range_to_socket) {
    const auto data = pattern(200000);
    int file = ::open((_dir / "seg").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(file, 0);
    ASSERT_EQ(::pwrite(file, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);

    const uint64_t from = 1234, len = 100000;
    std::vector<uint8_t> received;
    std::thread reader([&] {
        std::vector<uint8_t> buf(65536);
        while (received.size() < len) {
            ssize_t n = ::read(sv[1], buf.data(), buf.size());
            if (n <= 0) break;
            received.insert(received.end(), buf.begin(), buf.begin() + n);
        }
    });
    uint64_t moved = 0;
    while (moved < len) {
        result_sink in, out;
        uint32_t chunk = static_cast<uint32_t>(std::min<uint64_t>(len - moved, 65536));
        _reactor->splice(file, static_cast<int64_t>(from + moved), p[1], -1, chunk, 0, &in);
        ASSERT_TRUE(run_until([&] { return in.calls == 1; }));
        ASSERT_GT(in.res, 0);
        uint32_t in_pipe = static_cast<uint32_t>(in.res);
        uint32_t drained = 0;
        while (drained < in_pipe) {
            result_sink o;
            _reactor->splice(p[0], -1, sv[0], -1, in_pipe - drained, 0, &o);
            ASSERT_TRUE(run_until([&] { return o.calls == 1; }));
            ASSERT_GT(o.res, 0);
            drained += static_cast<uint32_t>(o.res);
        }
        moved += in_pipe;
    }
    reader.join();
    ASSERT_EQ(received.size(), len);
    EXPECT_TRUE(std::equal(received.begin(), received.end(), data.begin() + from));
    ::close(file);
    ::close(sv[0]);
    ::close(sv[1]);
    ::close(p[0]);
    ::close(p[1]);
}

}  // namespace
}  // namespace sluice::io::testing
