// File operations on the real kernel: read/write/writev/fsync/fallocate, write_all_op, and
// the durability order (fdatasync issued after the writes it covers have completed).

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>
#include <string>
#include <vector>

#include "io_test_util.h"
#include "sluice/io/probe.h"
#include "sluice/io/write_all_op.h"

namespace sluice::io::testing {
namespace {

TEST(probe, io_uring_usable_or_explained) {
    probe_report report = probe_io_uring();
    if (!report.usable) {
        EXPECT_FALSE(report.problem.empty());
        GTEST_SKIP() << "io_uring unavailable: " << report.problem;
    }
    EXPECT_TRUE(report.missing_ops.empty());
}

using reactor_file = reactor_test;

TEST_F(reactor_file, write_then_read_back) {
    int fd = ::open((_dir / "f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    std::string data = "hello, io_uring";
    result_sink w;
    _reactor->write(fd, data.data(), static_cast<uint32_t>(data.size()), 100, &w);
    ASSERT_TRUE(run_until([&] { return w.calls == 1; }));
    EXPECT_EQ(w.res, static_cast<int32_t>(data.size()));
    std::vector<char> back(data.size());
    result_sink r;
    _reactor->read(fd, back.data(), static_cast<uint32_t>(back.size()), 100, &r);
    ASSERT_TRUE(run_until([&] { return r.calls == 1; }));
    EXPECT_EQ(r.res, static_cast<int32_t>(data.size()));
    EXPECT_EQ(std::string(back.begin(), back.end()), data);
    ::close(fd);
}

TEST_F(reactor_file, fallocate_extends_file) {
    int fd = ::open((_dir / "f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    result_sink a;
    _reactor->fallocate(fd, 0, 0, 1 << 20, &a);
    ASSERT_TRUE(run_until([&] { return a.calls == 1; }));
    if (a.res == -EOPNOTSUPP) GTEST_SKIP() << "filesystem has no fallocate";
    EXPECT_EQ(a.res, 0);
    struct stat st {};
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_EQ(st.st_size, 1 << 20);
    ::close(fd);
}

TEST_F(reactor_file, write_all_many_iovecs_then_fdatasync_in_order) {
    int fd = ::open((_dir / "f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    // More iovecs than IOV_MAX forces write_all_op to continue in several submissions.
    std::vector<std::string> chunks;
    std::vector<iovec> iov;
    for (int i = 0; i < 3000; ++i) chunks.push_back("chunk-" + std::to_string(i) + ";");
    for (auto& c : chunks) iov.push_back({c.data(), c.size()});
    std::string expected;
    for (auto& c : chunks) expected += c;

    std::vector<std::string> events;
    write_all_op op;
    result_sink fsync_done;
    callback_completion write_done([&](int32_t res, uint32_t) {
        events.push_back("write " + std::to_string(res));
        // The durability rule: fdatasync only after the write completion has been seen.
        _reactor->fsync(fd, true, &fsync_done);
        events.push_back("fdatasync submitted");
    });
    op.start(*_reactor, fd, iov, 0, &write_done);
    ASSERT_TRUE(run_until([&] { return fsync_done.calls == 1; }));
    events.push_back("fdatasync " + std::to_string(fsync_done.res));
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0], "write " + std::to_string(expected.size()));
    EXPECT_EQ(events[1], "fdatasync submitted");
    EXPECT_EQ(events[2], "fdatasync 0");

    std::string back(expected.size(), '\0');
    ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
    EXPECT_EQ(back, expected);
    ::close(fd);
}

TEST_F(reactor_file, write_error_is_reported_not_retried) {
    int fd = ::open((_dir / "f").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    std::string data = "x";
    iovec v{data.data(), 1};
    write_all_op op;
    result_sink done;
    op.start(*_reactor, fd, {&v, 1}, 0, &done);
    ASSERT_TRUE(run_until([&] { return done.calls == 1; }));
    EXPECT_EQ(done.res, -EBADF);
    ::close(fd);
}

TEST_F(reactor_file, deferred_tasks_run_once_per_turn_in_order) {
    struct record_task final : task {
        std::vector<int>* out;
        int id;
        void run() override { out->push_back(id); }
    };
    std::vector<int> out;
    record_task a, b;
    a.out = b.out = &out;
    a.id = 1;
    b.id = 2;
    _reactor->defer(&a);
    _reactor->defer(&b);
    _reactor->defer(&a);  // already queued: runs once
    EXPECT_TRUE(a.queued());
    _reactor->run_once(false);
    EXPECT_EQ(out, (std::vector<int>{1, 2}));
    EXPECT_FALSE(a.queued());
}

}  // namespace
}  // namespace sluice::io::testing
