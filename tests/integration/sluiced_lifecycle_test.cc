// The real sluiced binary: clean stop (exit 0, checkpoints, marker), kill -9 and recovery
// of a torn tail, corruption of flushed data reported with file and position, bad
// configuration and a locked log directory refused with a clear message.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "sluice/io/reactor.h"
#include "sluice/storage/log.h"
#include "sluice/storage/offset_checkpoint.h"
#include "sluice/storage/record_batch_builder.h"
#include "sluiced_process.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class sluiced_lifecycle : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluiced-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        _root = tmpl;
        _data = _root / "data";
    }
    void TearDown() override { fs::remove_all(_root); }

    /// Writes `batches` batches of 10 records into partition t-0 with the storage library,
    /// as a broker would have, and returns the log end offset.
    int64_t fill_partition(int batches) {
        std::string why;
        auto r = io::reactor::create({}, &why);
        if (!r) return -1;
        auto l = storage::log::open(*r.value(), _data / "t-0", {}, {}, 1'700'000'000'000);
        if (!l) return -1;
        std::vector<std::vector<uint8_t>> bufs;
        for (int i = 0; i < batches; ++i) {
            bufs.push_back(storage::make_test_batch(10, 200, 1'700'000'000'000 + i, i));
        }
        for (auto& b : bufs) (void)l.value()->append(b, nullptr, 1'700'000'000'000);
        while (!l.value()->idle() || r.value()->in_flight() > 0) r.value()->run_once(true);
        int64_t end = l.value()->log_end_offset();
        (void)l.value()->close();
        return end;
    }
    std::vector<std::string> args() {
        return {"--set", "log.dirs=" + _data.string(), "--set",
                "listeners=PLAINTEXT://127.0.0.1:0"};
    }

    fs::path _root, _data;
};

TEST_F(sluiced_lifecycle, sigterm_stops_cleanly_with_checkpoints_and_marker) {
    ASSERT_EQ(fill_partition(5), 50);
    sluiced_process p(args());
    ASSERT_TRUE(p.wait_for("ready")) << p.output();
    EXPECT_NE(p.output().find("1 partition(s)"), std::string::npos) << p.output();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(), 0) << p.output();
    EXPECT_NE(p.output().find("stopped cleanly"), std::string::npos);
    EXPECT_TRUE(fs::exists(_data / ".clean_shutdown"));
    auto cp = storage::read_offset_checkpoint(_data / "recovery-point-offset-checkpoint");
    ASSERT_TRUE(cp);
    EXPECT_EQ(cp.value().at({"t", 0}), 50);
    // The next start sees the clean stop.
    sluiced_process again(args());
    ASSERT_TRUE(again.wait_for("ready")) << again.output();
    EXPECT_NE(again.output().find("after a clean stop"), std::string::npos) << again.output();
    EXPECT_FALSE(fs::exists(_data / ".clean_shutdown")) << "marker must go while running";
    again.signal(SIGINT);
    EXPECT_EQ(again.wait_exit(), 0);
}

// systemd's notification protocol, with a datagram socket standing in for systemd:
// READY=1 with a STATUS line once serving, WATCHDOG=1 pings from the reactor at half of
// WATCHDOG_USEC, STOPPING=1 on SIGTERM.
TEST_F(sluiced_lifecycle, notifies_systemd_ready_status_watchdog_and_stopping) {
    const fs::path sock_path = _root / "notify.sock";
    int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(sock, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock_path.c_str());
    ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::setenv("NOTIFY_SOCKET", sock_path.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "200000", 1);  // 200 ms: pings every 100 ms
    sluiced_process p(args());
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ASSERT_TRUE(p.wait_for("ready")) << p.output();

    std::vector<std::string> got;
    auto receive_for = [&](int ms) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count();
            if (left <= 0) return;
            pollfd pfd{sock, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
            char buf[1024];
            ssize_t n = ::recv(sock, buf, sizeof buf, 0);
            if (n > 0) got.emplace_back(buf, static_cast<size_t>(n));
        }
    };
    receive_for(1000);
    auto count = [&](const std::string& needle) {
        return std::count_if(got.begin(), got.end(), [&](const std::string& m) {
            return m.find(needle) != std::string::npos;
        });
    };
    EXPECT_EQ(count("READY=1"), 1);
    EXPECT_GE(count("STATUS=serving"), 1);
    EXPECT_GE(count("STATUS=recovering"), 1);
    EXPECT_GE(count("WATCHDOG=1"), 5) << "pings in one second at a 200 ms watchdog";
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(), 0) << p.output();
    receive_for(200);
    EXPECT_EQ(count("STOPPING=1"), 1);
    ::close(sock);
}

TEST_F(sluiced_lifecycle, kill_9_then_torn_tail_is_truncated_on_restart) {
    ASSERT_EQ(fill_partition(5), 50);
    {
        sluiced_process p(args());
        ASSERT_TRUE(p.wait_for("ready")) << p.output();
        p.signal(SIGKILL);
        EXPECT_EQ(p.wait_exit(), 128 + SIGKILL);
    }
    EXPECT_FALSE(fs::exists(_data / ".clean_shutdown"));
    // Half a batch at the end, as a crash mid-write leaves it.
    auto seg = _data / "t-0" / "00000000000000000000.log";
    auto good_size = fs::file_size(seg);
    auto extra = storage::make_test_batch(3, 100, 0, 9);
    {
        std::ofstream out(seg, std::ios::app | std::ios::binary);
        out.write(reinterpret_cast<const char*>(extra.data()), static_cast<long>(extra.size() / 2));
    }
    sluiced_process p(args());
    ASSERT_TRUE(p.wait_for("ready")) << p.output();
    EXPECT_NE(p.output().find("torn tail"), std::string::npos) << p.output();
    EXPECT_EQ(fs::file_size(seg), good_size);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(), 0) << p.output();
}

TEST_F(sluiced_lifecycle, corruption_in_flushed_data_is_reported_with_file_and_position) {
    ASSERT_EQ(fill_partition(5), 50);
    // Recovery point 50 says all five batches were flushed; then damage the second one.
    ASSERT_TRUE(storage::write_offset_checkpoint(_data / "recovery-point-offset-checkpoint",
                                                 {{{"t", 0}, 50}}));
    auto seg = _data / "t-0" / "00000000000000000000.log";
    auto batch_size = storage::make_test_batch(10, 200, 0, 0).size();
    {
        std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<long>(batch_size + 100));
        f.put('\x5a');
    }
    sluiced_process p(args());
    EXPECT_EQ(p.wait_exit(), 1) << p.output();
    EXPECT_NE(p.output().find("00000000000000000000.log at byte " + std::to_string(batch_size)),
              std::string::npos)
        << p.output();
    EXPECT_NE(p.output().find("CRC"), std::string::npos) << p.output();
}

TEST_F(sluiced_lifecycle, example_config_file_is_accepted) {
    sluiced_process p({"--config", std::string(SLUICE_SOURCE_DIR) + "/systemd/server.properties",
                       "--set", "log.dirs=" + _data.string(), "--set",
                       "listeners=PLAINTEXT://127.0.0.1:0"});
    ASSERT_TRUE(p.wait_for("ready")) << p.output();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(), 0) << p.output();
}

TEST_F(sluiced_lifecycle, bad_configuration_is_refused_plainly) {
    sluiced_process p({"--set", "log.segment.bytes=huge", "--set", "log.dirs=" + _data.string()});
    EXPECT_EQ(p.wait_exit(), 2);
    EXPECT_NE(p.output().find("log.segment.bytes=huge: not an integer"), std::string::npos)
        << p.output();
    sluiced_process unknown({"--set", "no.such.key=1", "--set", "log.dirs=" + _data.string()});
    EXPECT_EQ(unknown.wait_exit(), 2);
    EXPECT_NE(unknown.output().find("unknown setting no.such.key"), std::string::npos)
        << unknown.output();
}

TEST_F(sluiced_lifecycle, unavailable_port_is_refused_plainly) {
    sluiced_process first(args());
    ASSERT_TRUE(first.wait_for("ready")) << first.output();
    auto at = first.output().find("listening on 127.0.0.1:");
    ASSERT_NE(at, std::string::npos);
    std::string port = first.output().substr(at + 23, first.output().find(' ', at + 23) - at - 23);
    auto other = _root / "other";
    sluiced_process p({"--set", "log.dirs=" + other.string(), "--set",
                       "listeners=PLAINTEXT://127.0.0.1:" + port});
    EXPECT_EQ(p.wait_exit(), 1) << p.output();
    EXPECT_NE(p.output().find("cannot listen on 127.0.0.1:" + port), std::string::npos)
        << p.output();
    first.signal(SIGTERM);
    EXPECT_EQ(first.wait_exit(), 0);
}

TEST_F(sluiced_lifecycle, second_broker_on_the_same_directory_is_refused) {
    sluiced_process first(args());
    ASSERT_TRUE(first.wait_for("ready")) << first.output();
    sluiced_process second(args());
    EXPECT_EQ(second.wait_exit(), 1);
    EXPECT_NE(second.output().find("locked by another process"), std::string::npos)
        << second.output();
    first.signal(SIGTERM);
    EXPECT_EQ(first.wait_exit(), 0);
}

TEST_F(sluiced_lifecycle, node_id_mismatch_is_refused) {
    {
        sluiced_process p(args());
        ASSERT_TRUE(p.wait_for("ready"));
        p.signal(SIGTERM);
        ASSERT_EQ(p.wait_exit(), 0);
    }
    auto a = args();
    a.push_back("--set");
    a.push_back("node.id=7");
    sluiced_process p(a);
    EXPECT_EQ(p.wait_exit(), 1);
    EXPECT_NE(p.output().find("belongs to node.id 0 but this broker is node.id 7"),
              std::string::npos)
        << p.output();
}

}  // namespace
}  // namespace sluice::testing
