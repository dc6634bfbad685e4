// kill -9 crash test of log compaction (log_cleaner.cc), in the style of log_crash_test.cc:
// each round forks a child that opens a compacted log in a shared directory (an unclean
// open) and loops: append a burst of keyed batches over a small key space (some records
// are tombstones), wait until they are durable, report the durable end through a pipe,
// then run log::compact, announcing the start and end of each pass. The parent SIGKILLs
// the child at a seeded random moment (3 in 8 rounds aim just after a pass started,
// 1 in 8 hits the child's own recovery), reopens the log as recovery would,
// and checks what compaction may and may not have done:
//
// - the log opens, no `.cleaned` / `.swap` file is left, and log_end >= the durable end;
// - every batch starts at a base offset the log handed out, keeps its lastOffsetDelta,
//   and every record in it is exactly the one appended at its offset (offsets strictly
//   increase);
// - for every key, the record of its latest durable write is still there, unless a later
//   (not yet reported) write of the key is; a tombstone may instead be gone entirely, but
//   only once some pass ran at a time past its timestamp + delete.retention.ms. An older
//   value in its place, or no record at all, is a lost write;
// - the log appends, compacts and passes the same checks again.
//
// Record contents are functions of their offset (key_at, value_at, tombstone_at), and a
// batch's record count a function of its base offset, so the parent knows every durable
// record from the durable end alone. Record timestamps are base_timestamp + offset, and
// each pass runs at "now" = base_timestamp + log end, so delete.retention.ms counts offsets.
// SLUICE_CRASH_ROUNDS sets the number of rounds (default 10); SLUICE_SEED replays a run.

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "sluice/common/endian.h"
#include "sluice/common/logger.h"
#include "sluice/storage/log.h"
#include "sluice/storage/record_reader.h"
#include "unit/storage/log_test_util.h"

namespace sluice::storage::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t base_timestamp = 1'700'000'000'000;
constexpr uint64_t key_count = 48;
constexpr int64_t delete_retention_ms = 150;  // = offsets, see the header comment
constexpr size_t child_bytes_max = 96 << 10;  // the child stops appending past this per round

log_config compaction_config() {
    log_config c;
    c.cleanup_policy_compact = true;
    c.cleanup_policy_delete = false;
    c.segment_bytes = 4 << 10;  // a few bursts per segment: many closed segments
    c.segment_index_bytes = 8 << 10;
    c.index_interval_bytes = 512;  // index entries inside the small segments too
    c.min_cleanable_dirty_ratio = 0.01;
    c.min_compaction_lag_ms = 0;
    c.delete_retention_ms = delete_retention_ms;
    return c;
}

uint64_t mix(uint64_t x) {  // one splitmix64 step
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t key_index_at(int64_t offset) {
    return mix(static_cast<uint64_t>(offset)) % key_count;
}
std::string key_at(int64_t offset) {
    return "key-" + std::to_string(key_index_at(offset));
}
bool tombstone_at(int64_t offset) {
    return (mix(static_cast<uint64_t>(offset)) >> 20) % 6 == 0;
}
std::string value_at(int64_t offset) {
    const uint64_t h = mix(static_cast<uint64_t>(offset));
    std::string v = "value-" + std::to_string(offset) + "-";
    v.append((h >> 32) % 120, static_cast<char>('a' + offset % 26));
    return v;
}
int64_t timestamp_at(int64_t offset) {
    return base_timestamp + offset;
}
int64_t records_at(int64_t base) {  // records in the batch appended at `base`
    return 1 + static_cast<int64_t>(mix(static_cast<uint64_t>(base) ^ 0xC0FFEEull) % 8);
}

std::span<const uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/// The batch appended at `base`.
std::vector<uint8_t> expected_batch(int64_t base) {
    record_batch_builder b(base, timestamp_at(base));
    for (int64_t o = base; o < base + records_at(base); ++o) {
        const std::string key = key_at(o), value = value_at(o);  // add() copies them
        b.add(bytes_of(key), tombstone_at(o) ? std::nullopt : std::optional(bytes_of(value)),
              timestamp_at(o));
    }
    return b.build();
}

// Child -> parent messages: a tag byte and a big-endian u64.
enum class msg : uint8_t {
    durable = 'D',        // the durable end offset (first one: after recovery)
    compact_start = 'C',  // a pass starts; the value is its now_ms
    compact_end = 'E',    // it ended; the value is the segments it rewrote
};
constexpr size_t msg_bytes = 9;

void report(int fd, msg m, uint64_t value) {
    uint8_t buf[msg_bytes];
    buf[0] = static_cast<uint8_t>(m);
    common::store_be64(buf + 1, value);
    if (::write(fd, buf, sizeof buf) != sizeof buf) _exit(20);
}

/// The child: its own reactor (io_uring rings are not shared across fork), an unclean
/// open, then bursts of appends and compaction passes until killed. Never returns.
[[noreturn]] void child_main(const fs::path& dir, int report_fd, uint64_t seed) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);               // never outlive a parent that died mid-test
    common::set_log_level(common::log_level::error);  // one info line per pass otherwise
    std::mt19937_64 rng(seed);
    std::string why;
    auto r = io::reactor::create(io::reactor_config{}, &why);
    if (!r) _exit(10);
    io::reactor& reactor = *r.value();
    auto opened = log::open(reactor, dir, compaction_config(), {false, 0, 0}, base_timestamp);
    if (!opened) _exit(11);
    log& l = *opened.value();
    report(report_fd, msg::durable, static_cast<uint64_t>(l.durable_end_offset()));
    struct in_flight {
        std::vector<uint8_t> bytes;
        recording_waiter waiter;
    };
    std::deque<in_flight> queue;  // stable addresses; popped once durable
    size_t appended = 0;
    size_t segments_at_last_pass = 0;
    auto compact = [&] {
        const int64_t now = base_timestamp + l.log_end_offset();
        report(report_fd, msg::compact_start, static_cast<uint64_t>(now));
        auto st = l.compact(now);
        if (!st) _exit(14);
        report(report_fd, msg::compact_end, st->segments_rewritten);
        segments_at_last_pass = l.segment_count();
    };
    for (;;) {
        const int burst = std::uniform_int_distribution<int>(1, 24)(rng);
        for (int i = 0; i < burst && appended < child_bytes_max; ++i) {
            in_flight& f = queue.emplace_back();
            f.bytes = expected_batch(l.log_end_offset());
            if (!l.append(f.bytes, &f.waiter, base_timestamp)) _exit(12);
            appended += f.bytes.size();
        }
        if (queue.empty()) ::pause();  // done for this round: wait for the kill
        // Now and then a pass while the burst's writes and fdatasyncs are in flight.
        if (rng() % 4 == 0) {
            reactor.run_once(false);
            compact();
        }
        while (!queue.empty()) {
            reactor.run_once(true);
            while (!queue.empty() && queue.front().waiter.durable > 0) {
                if (queue.front().waiter.error) _exit(13);
                queue.pop_front();
            }
        }
        report(report_fd, msg::durable, static_cast<uint64_t>(l.durable_end_offset()));
        // A pass whenever a segment closed since the last one: each does real work.
        if (l.segment_count() != segments_at_last_pass) compact();
    }
}

/// What the parent learnt from one child.
struct child_reports {
    bool recovered = false;      // the first durable report arrived
    int64_t durable = 0;         // largest durable end reported
    int64_t max_now = 0;         // largest now_ms of a pass started
    uint64_t passes = 0;         // passes started
    uint64_t passes_done = 0;    // passes ended
    uint64_t rewritten = 0;      // segments swapped by the passes that ended
    bool in_compaction = false;  // a pass had started and not ended
};

class log_compaction_crash : public log_test {
  protected:
    /// Reads the reports available now (or until EOF / `timeout_ms`); false on nothing.
    bool read_reports(int fd, int timeout_ms) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        uint8_t buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return false;
        _pending.insert(_pending.end(), buf, buf + n);
        size_t used = 0;
        for (; used + msg_bytes <= _pending.size(); used += msg_bytes) {
            const int64_t v = static_cast<int64_t>(common::load_be64(&_pending[used + 1]));
            switch (static_cast<msg>(_pending[used])) {
                case msg::durable:
                    _child.recovered = true;
                    _child.durable = std::max(_child.durable, v);
                    break;
                case msg::compact_start:
                    _child.max_now = std::max(_child.max_now, v);
                    _child.passes++;
                    _child.in_compaction = true;
                    break;
                case msg::compact_end:
                    _child.passes_done++;
                    _child.rewritten += static_cast<uint64_t>(v);
                    _child.in_compaction = false;
                    break;
                default:
                    ADD_FAILURE() << "bad report tag " << int{_pending[used]};
            }
        }
        _pending.erase(_pending.begin(), _pending.begin() + static_cast<ptrdiff_t>(used));
        return true;
    }

    /// Checks the whole log against what was appended (see the header comment), given
    /// the durable end the children reported and the latest now_ms any pass ran at.
    void check_log(int64_t durable, int64_t max_now) {
        const int64_t end = _log->log_end_offset();
        ASSERT_GE(end, durable) << "a durable append was lost";
        // The batch chain every appended batch belongs to: base -> record count.
        std::map<int64_t, int64_t> batches;
        std::vector<int64_t> latest_durable(key_count, -1);
        for (int64_t base = 0; base < end; base += records_at(base)) {
            batches[base] = records_at(base);
            for (int64_t o = base; o < base + records_at(base) && o < durable; ++o) {
                latest_durable[key_index_at(o)] = o;
            }
        }
        std::vector<int64_t> latest_present(key_count, -1);
        int64_t prev = -1, next = _log->log_start_offset();
        while (next < end) {
            auto s = _log->read(next, end, 1 << 20);
            ASSERT_TRUE(s);
            if (!s->file) break;  // nothing but removed records up to the end
            std::vector<uint8_t> bytes(s->bytes);
            ASSERT_EQ(::pread(s->file->fd.get(), bytes.data(), bytes.size(),
                              static_cast<off_t>(s->position)),
                      static_cast<ssize_t>(bytes.size()));
            for (size_t at = 0; at < bytes.size();) {
                auto size = peek_batch_size({bytes.data() + at, bytes.size() - at});
                ASSERT_TRUE(size && at + *size <= bytes.size()) << "batch not whole";
                std::span<const uint8_t> batch(bytes.data() + at, *size);
                auto info = validate_batch(batch, SIZE_MAX, offset_rule::compacted);
                ASSERT_TRUE(info) << "batch at " << record_batch_view(batch).base_offset();
                auto it = batches.find(info->base_offset);
                ASSERT_NE(it, batches.end()) << "no batch was appended at " << info->base_offset;
                ASSERT_EQ(info->last_offset(), it->first + it->second - 1)
                    << "batch at " << info->base_offset << " lost its lastOffsetDelta";
                auto walked = for_each_record(batch, [&](const record_view& r) {
                    EXPECT_GT(r.offset, prev) << "offsets do not increase";
                    prev = r.offset;
                    ++_records_checked;
                    ASSERT_TRUE(r.key);
                    const std::string key(r.key->begin(), r.key->end());
                    ASSERT_EQ(key, key_at(r.offset)) << "at offset " << r.offset;
                    EXPECT_EQ(r.timestamp, timestamp_at(r.offset));
                    if (tombstone_at(r.offset)) {
                        EXPECT_FALSE(r.value) << "at offset " << r.offset;
                    } else {
                        ASSERT_TRUE(r.value) << "at offset " << r.offset;
                        EXPECT_EQ(std::string(r.value->begin(), r.value->end()),
                                  value_at(r.offset));
                    }
                    latest_present[key_index_at(r.offset)] = r.offset;
                });
                ASSERT_TRUE(walked);
                if (HasFatalFailure()) return;
                at += *size;
            }
            ASSERT_GT(s->next_offset, next);
            next = s->next_offset;
        }
        for (uint64_t k = 0; k < key_count; ++k) {
            const int64_t want = latest_durable[k], got = latest_present[k];
            SCOPED_TRACE("key-" + std::to_string(k) + ", latest durable write at " +
                         std::to_string(want) + ", latest record in the log at " +
                         std::to_string(got));
            if (got > want) {
                // Only a write the child had not reported durable yet may follow it.
                EXPECT_GE(got, durable);
                continue;
            }
            if (got == want) {
                if (want >= 0) ++_keys_checked;
                continue;
            }
            // Fewer records than written: only a tombstone, the key's latest write, may
            // be gone, and only once a pass ran past its delete retention.
            EXPECT_EQ(got, -1) << "an older record replaced the latest durable one";
            EXPECT_TRUE(tombstone_at(want)) << "the latest durable value is lost";
            EXPECT_GT(max_now - timestamp_at(want), delete_retention_ms)
                << "a tombstone went before delete.retention.ms";
            ++_tombstones_gone;
        }
        for (const auto& e : fs::directory_iterator(_dir)) {
            EXPECT_NE(e.path().extension(), ".cleaned") << e.path();
            EXPECT_NE(e.path().extension(), ".swap") << e.path();
        }
    }

    std::vector<uint8_t> _pending;
    child_reports _child;
    uint64_t _records_checked = 0, _keys_checked = 0, _tombstones_gone = 0;
};

TEST_F(log_compaction_crash, kill_9_during_compaction_keeps_every_latest_value) {
    const char* rounds_env = std::getenv("SLUICE_CRASH_ROUNDS");
    const int rounds = rounds_env ? std::atoi(rounds_env) : 10;
    const char* seed_env = std::getenv("SLUICE_SEED");
    const uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
    std::printf("log_compaction_crash seed=%llu (SLUICE_SEED replays)\n",
                static_cast<unsigned long long>(seed));
    SCOPED_TRACE("seed=" + std::to_string(seed));
    const common::log_level level_before = common::current_log_level();
    common::set_log_level(common::log_level::error);  // swaps log a line each
    std::mt19937_64 rng(seed);
    fs::create_directories(_dir);
    const auto started_at = std::chrono::steady_clock::now();
    int64_t end = 0, max_now = 0;
    uint64_t left_cleaned = 0, left_swap = 0;  // kills that left such files behind
    uint64_t kills_in_open = 0, kills_aimed = 0, kills_in_compaction = 0, passes = 0,
             passes_done = 0, rewritten = 0;
    for (int round = 0; round < rounds && !HasFailure(); ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        // No ring may exist across fork(): the parent's is rebuilt after the child dies.
        _log.reset();
        _reactor.reset();
        // How this round's kill is timed: during the child's recovery (1 in 8), just
        // after a compaction pass started (3 in 8), or after a random delay.
        const int mode = std::uniform_int_distribution<int>(0, 7)(rng);
        const bool kill_in_open = mode == 0;
        const bool aim_at_pass = mode >= 5;
        const uint64_t child_seed = rng();
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            child_main(_dir, fds[1], child_seed);
        }
        ::close(fds[1]);
        _pending.clear();
        _child = {};
        bool recovered = false;
        if (kill_in_open) {
            std::this_thread::sleep_for(
                std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
        } else {
            recovered = read_reports(fds[0], 30'000) && _child.recovered;
            if (aim_at_pass) {
                // The n-th pass, then a moment into it (a pass takes tens of milliseconds:
                // an fdatasync per cleaned file, then directory fsyncs at every swap).
                const uint64_t n = std::uniform_int_distribution<uint64_t>(1, 4)(rng);
                const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
                while (recovered && _child.passes < n &&
                       std::chrono::steady_clock::now() < give_up) {
                    read_reports(fds[0], 10);
                }
                std::this_thread::sleep_for(
                    std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20'000)(rng)));
            } else {
                const auto deadline =
                    std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 200)(rng));
                while (recovered && std::chrono::steady_clock::now() < deadline) {
                    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now());
                    read_reports(fds[0], static_cast<int>(std::max<int64_t>(left.count(), 0)));
                }
            }
        }
        ::kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        while (read_reports(fds[0], 0)) {
        }
        ::close(fds[0]);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the child exited by itself with code " << WEXITSTATUS(status);
        if (kill_in_open) {
            ++kills_in_open;
        } else {
            ASSERT_TRUE(recovered) << "the child never finished recovery";
            ASSERT_GE(_child.durable, end) << "the child recovered less than the last round left";
            kills_aimed += aim_at_pass;
            kills_in_compaction += _child.in_compaction;
        }
        // Where in the swap protocol the kill landed, as the files show it.
        bool cleaned = false, swap = false;
        for (const auto& e : fs::directory_iterator(_dir)) {
            cleaned |= e.path().extension() == ".cleaned";
            swap |= e.path().extension() == ".swap";
        }
        left_cleaned += cleaned;
        left_swap += swap;
        passes += _child.passes;
        passes_done += _child.passes_done;
        rewritten += _child.rewritten;
        const int64_t durable = std::max(end, _child.durable);
        max_now = std::max(max_now, _child.max_now);

        std::string why;
        auto r = io::reactor::create(io::reactor_config{}, &why);
        ASSERT_TRUE(r) << why;
        _reactor = std::move(r).value();
        // Recovery point: the durable end (what the last checkpoint could say), or 0 so
        // that every segment is scanned.
        const int64_t recovery_point = rng() % 2 ? durable : 0;
        auto opened = open_log(compaction_config(), {false, recovery_point, 0});
        ASSERT_TRUE(opened) << describe(opened.error());
        _log = std::move(opened).value();
        check_log(durable, max_now);
        if (HasFailure()) break;

        // Appends and compaction continue from there, and the result checks out too.
        auto next = expected_batch(_log->log_end_offset());
        recording_waiter w;
        auto a = _log->append(next, &w, base_timestamp);
        ASSERT_TRUE(a);
        drain();
        ASSERT_EQ(w.durable, 1);
        ASSERT_FALSE(w.error);
        end = _log->durable_end_offset();
        ASSERT_EQ(end, a->last_offset + 1);
        const int64_t now = base_timestamp + end;
        max_now = std::max(max_now, now);
        auto st = _log->compact(now);
        ASSERT_TRUE(st) << describe(st.error());
        rewritten += st->segments_rewritten;
        check_log(end, max_now);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
    common::set_log_level(level_before);
    std::printf(
        "log_compaction_crash rounds=%d seconds=%.1f kills: in recovery=%llu aimed at a "
        "pass=%llu inside a pass=%llu leaving .cleaned=%llu .swap=%llu; passes started=%llu "
        "ended=%llu segments swapped=%llu; "
        "records checked=%llu latest values checked=%llu tombstones gone=%llu log end=%lld "
        "segments=%zu\n",
        rounds, seconds, static_cast<unsigned long long>(kills_in_open),
        static_cast<unsigned long long>(kills_aimed),
        static_cast<unsigned long long>(kills_in_compaction),
        static_cast<unsigned long long>(left_cleaned), static_cast<unsigned long long>(left_swap),
        static_cast<unsigned long long>(passes), static_cast<unsigned long long>(passes_done),
        static_cast<unsigned long long>(rewritten),
        static_cast<unsigned long long>(_records_checked),
        static_cast<unsigned long long>(_keys_checked),
        static_cast<unsigned long long>(_tombstones_gone), static_cast<long long>(end),
        _log ? _log->segment_count() : size_t{0});
    RecordProperty("rounds", rounds);
    RecordProperty("kills_inside_compaction", std::to_string(kills_in_compaction));
    RecordProperty("kills_leaving_swap", std::to_string(left_swap));
    RecordProperty("segments_swapped", std::to_string(rewritten));
    RecordProperty("records_checked", std::to_string(_records_checked));
    // A pass takes tens of milliseconds of fsyncs and most kills land in one (typically
    // over half of the rounds); asking for a tenth keeps a slow or loaded machine green.
    if (!HasFailure() && rounds >= 8) {
        EXPECT_GE(kills_in_compaction * 10, static_cast<uint64_t>(rounds))
            << "too few kills landed inside a compaction pass";
        EXPECT_GT(rewritten, 0u) << "no pass ever swapped a segment";
    }
}

}  // namespace
}  // namespace sluice::storage::testing
