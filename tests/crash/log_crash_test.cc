// kill -9 crash test of the partition log (leveldb fault_injection_test style, with a real
// process death): each round forks a child that opens the log in a shared directory (an
// unclean open, recovery point 0) and appends continuously, reporting every durable end
// offset it learns through a pipe; the parent SIGKILLs it after a random short delay, then
// reopens the log itself and checks that everything acknowledged as durable is there,
// byte for byte, that offsets are dense and batches whole, and that appends continue.
//
// Every batch's content is a function of its base offset (expected_batch), so the parent
// can check any recovered batch without knowing what the child managed to write.
// SLUICE_CRASH_ROUNDS sets the number of rounds (default 10); SLUICE_SEED the delays.

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>

#include "sluice/common/endian.h"
#include "sluice/storage/log.h"
#include "unit/storage/log_test_util.h"

namespace sluice::storage::testing {
namespace {

constexpr int64_t base_timestamp = 1'700'000'000'000;
constexpr size_t child_bytes_max = 4u << 20;  // the child stops appending past this per round

/// log.write.mode of the current test (set before the fork, so the child shares it).
bool g_direct_io = false;

log_config crash_config() {
    log_config c;
    c.direct_io = g_direct_io;
    c.segment_bytes = 256 << 10;  // rolls happen, so kills land in rolls too
    c.segment_index_bytes = 64 << 10;
    return c;
}

/// The batch that belongs at `base`: 1..8 records whose keys are their own offsets
/// (big-endian) and whose values and timestamps derive from them too.
std::vector<uint8_t> expected_batch(int64_t base) {
    uint64_t h = static_cast<uint64_t>(base) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    const int records = 1 + static_cast<int>(h % 8);
    const size_t value_bytes = (h >> 8) % 300;
    record_batch_builder b(base, base_timestamp + base);
    for (int i = 0; i < records; ++i) {
        const int64_t offset = base + i;
        uint8_t key[8];
        common::store_be64(key, static_cast<uint64_t>(offset));
        std::vector<uint8_t> value(value_bytes);
        for (size_t k = 0; k < value.size(); ++k) value[k] = static_cast<uint8_t>(offset * 31 + k);
        b.add(std::span<const uint8_t>(key), std::span<const uint8_t>(value),
              base_timestamp + offset);
    }
    return b.build();
}

void report(int fd, int64_t durable_end) {
    uint8_t buf[8];
    common::store_be64(buf, static_cast<uint64_t>(durable_end));
    if (::write(fd, buf, sizeof buf) != sizeof buf) _exit(20);
}

/// The child: its own reactor (io_uring rings are not shared across fork), an unclean
/// open, then appends until killed. Never returns; never touches gtest.
[[noreturn]] void child_main(const std::filesystem::path& dir, int report_fd) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a parent that died mid-test
    std::string why;
    auto r = io::reactor::create(io::reactor_config{}, &why);
    if (!r) _exit(10);
    io::reactor& reactor = *r.value();
    auto opened = log::open(reactor, dir, crash_config(), {false, 0, 0}, base_timestamp);
    if (!opened) _exit(11);
    log& l = *opened.value();
    report(report_fd, l.durable_end_offset());  // recovered, and synced by recovery
    struct in_flight {
        std::vector<uint8_t> bytes;
        recording_waiter waiter;
    };
    std::deque<in_flight> queue;  // stable addresses; popped once durable
    int64_t reported = l.durable_end_offset();
    size_t appended = 0;
    for (;;) {
        while (queue.size() < 32 && appended < child_bytes_max) {
            in_flight& f = queue.emplace_back();
            f.bytes = expected_batch(l.log_end_offset());
            if (!l.append(f.bytes, &f.waiter, base_timestamp)) _exit(12);
            appended += f.bytes.size();
        }
        if (queue.empty()) ::pause();  // done for this round: wait for the kill
        reactor.run_once(true);
        while (!queue.empty() && queue.front().waiter.durable > 0) {
            if (queue.front().waiter.error) _exit(13);
            queue.pop_front();
        }
        if (l.durable_end_offset() > reported) {
            reported = l.durable_end_offset();
            report(report_fd, reported);
        }
    }
}

class log_crash : public log_test, public ::testing::WithParamInterface<bool> {
  protected:
    /// Reads every report available now (or until EOF / `timeout_ms`).
    bool read_reports(int fd, int timeout_ms) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        uint8_t buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return false;
        _pending.insert(_pending.end(), buf, buf + n);
        size_t used = 0;
        for (; used + 8 <= _pending.size(); used += 8) {
            _reports++;
            _durable = std::max(_durable, static_cast<int64_t>(common::load_be64(&_pending[used])));
        }
        _pending.erase(_pending.begin(), _pending.begin() + static_cast<ptrdiff_t>(used));
        return true;
    }

    /// Every batch from 0 to the end is whole, dense and exactly expected_batch(base).
    void check_content() {
        int64_t next = 0;
        const int64_t end = _log->log_end_offset();
        while (next < end) {
            auto s = _log->read(next, end, 1 << 20);
            ASSERT_TRUE(s);
            ASSERT_NE(s->file, nullptr) << "nothing readable at " << next;
            std::vector<uint8_t> bytes(s->bytes);
            ASSERT_EQ(::pread(s->file->fd.get(), bytes.data(), bytes.size(),
                              static_cast<off_t>(s->position)),
                      static_cast<ssize_t>(bytes.size()));
            for (size_t at = 0; at < bytes.size();) {
                ASSERT_GE(bytes.size() - at, batch_header_bytes);
                record_batch_view v({bytes.data() + at, batch_header_bytes});
                ASSERT_EQ(v.base_offset(), next) << "offsets not dense";
                const size_t size = v.size_bytes();
                ASSERT_LE(at + size, bytes.size()) << "batch at " << next << " not whole";
                const auto want = expected_batch(next);
                ASSERT_TRUE(std::equal(want.begin(), want.end(), bytes.begin() + at,
                                       bytes.begin() + at + size) &&
                            want.size() == size)
                    << "batch at offset " << next << " differs";
                next = v.last_offset() + 1;
                at += size;
            }
            ASSERT_EQ(next, s->next_offset);
        }
    }

    std::vector<uint8_t> _pending;
    int64_t _durable = 0;
    uint64_t _reports = 0;
};

TEST_P(log_crash, kill_9_never_loses_a_durable_append) {
    g_direct_io = GetParam();
    const char* rounds_env = std::getenv("SLUICE_CRASH_ROUNDS");
    const int rounds = rounds_env ? std::atoi(rounds_env) : 10;
    const char* seed_env = std::getenv("SLUICE_SEED");
    const uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
    SCOPED_TRACE("seed=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::filesystem::create_directories(_dir);
    uint64_t acked = 0, torn = 0, reports = 0;
    int64_t end = 0;  // what the previous round left
    for (int round = 0; round < rounds && !HasFailure(); ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        // No ring may exist across fork(): the parent's is rebuilt after the child dies.
        _log.reset();
        _reactor.reset();
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            child_main(_dir, fds[1]);
        }
        ::close(fds[1]);
        _pending.clear();
        _durable = 0;
        _reports = 0;
        // Let the child recover first (its first report), then kill it mid-append.
        const bool started = read_reports(fds[0], 30'000);
        const auto delay =
            std::chrono::milliseconds(std::uniform_int_distribution<int>(3, 100)(rng));
        const auto deadline = std::chrono::steady_clock::now() + delay;
        while (started && std::chrono::steady_clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            read_reports(fds[0], static_cast<int>(std::max<int64_t>(left.count(), 0)));
        }
        ::kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        while (read_reports(fds[0], 0)) {
        }
        ::close(fds[0]);
        ASSERT_TRUE(started) << "the child never finished recovery";
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the child exited by itself with code " << WEXITSTATUS(status);
        ASSERT_GE(_durable, end) << "the child recovered less than the last round left";

        std::string why;
        auto r = io::reactor::create(io::reactor_config{}, &why);
        ASSERT_TRUE(r) << why;
        _reactor = std::move(r).value();
        // Recovery point = the largest durable end reported: damage below it would be
        // corruption (open fails), not a torn tail.
        auto opened = open_log(crash_config(), {false, _durable, 0});
        ASSERT_TRUE(opened) << describe(opened.error());
        _log = std::move(opened).value();
        ASSERT_GE(_log->log_end_offset(), _durable) << "an acknowledged append was lost";
        check_content();
        if (HasFatalFailure()) return;
        torn += _log->counters().torn_bytes;
        acked += static_cast<uint64_t>(_durable - end);
        reports += _reports;
        // Appends continue where recovery left off.
        auto next = expected_batch(_log->log_end_offset());
        recording_waiter w;
        auto a = _log->append(next, &w, base_timestamp);
        ASSERT_TRUE(a);
        drain();
        ASSERT_EQ(w.durable, 1);
        ASSERT_FALSE(w.error);
        end = _log->durable_end_offset();
        ASSERT_EQ(end, a->last_offset + 1);
    }
    std::printf(
        "crash (%s writes) rounds=%d durable records acked=%llu reports=%llu torn bytes=%llu "
        "log end=%lld\n",
        g_direct_io ? "O_DIRECT" : "buffered", rounds, static_cast<unsigned long long>(acked),
        static_cast<unsigned long long>(reports), static_cast<unsigned long long>(torn),
        static_cast<long long>(end));
    RecordProperty("rounds", rounds);
    RecordProperty("acked_records", std::to_string(acked));
    RecordProperty("torn_bytes", std::to_string(torn));
}

INSTANTIATE_TEST_SUITE_P(write_modes, log_crash, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                             return p.param ? "direct" : "buffered";
                         });

}  // namespace
}  // namespace sluice::storage::testing
