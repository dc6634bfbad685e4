// Append throughput of storage::log, the partition log (DESIGN.md "Storage": "Append").
//
// Batches of 1 KiB records (16 -> ~16 KiB, 1024 -> ~1 MiB) are built once and appended
// again and again: make_test_batch builds them with base offset 0 and log::append patches
// the offset in place, so a buffer can be appended again as soon as its on_written fired.
//
// Two durability modes, the two ends of what a producer can ask for:
// - group_commit: keep a window of batches queued or in flight, the way many producers
//   with acks=all keep a partition busy. The log coalesces whatever is queued into one
//   writev and runs fdatasync continuously; an iteration ends when durable_end_offset
//   reaches the log end, so bytes/s is bytes made durable per second. Compare with fio
//   buffered sequential write with --end_fsync=1.
// - fdatasync_per_batch: one producer, one batch at a time, waiting for on_durable before
//   the next (acks=all with max.in.flight=1). Compare with fio --fdatasync=1.
//
// Each run writes into a fresh directory under bench_root() (same filesystem as fio in
// perf/run-storage), removed afterwards; the amount written per run is fixed, 1 GiB for
// group commit (fio in perf/run-storage writes as much), so runs are bounded and comparable.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "bench_util.h"
#include "sluice/storage/log.h"

namespace sluice::perf {
namespace {

constexpr uint64_t mib = 1ull << 20;
constexpr uint64_t group_round_bytes = 64 * mib;  // one iteration of group_commit
constexpr int group_rounds = 16;                  // 1 GiB per run

/// One reusable batch buffer of the window.
struct slot {
    std::vector<uint8_t> bytes;
    bool busy = false;  // appended and not yet written: the log still reads these bytes
};

/// A waiter lives until on_durable, which can come long after its slot was reused, so
/// waiters come from their own pool.
class waiter_pool;

struct pooled_waiter final : storage::append_waiter {
    slot* owner = nullptr;
    waiter_pool* pool = nullptr;
    void on_written(storage::result<void> r) override;
    void on_durable(storage::result<void> r) override;
};

class waiter_pool {
  public:
    pooled_waiter* take() {
        if (_free.empty()) {
            _all.emplace_back();
            _all.back().pool = this;
            return &_all.back();
        }
        pooled_waiter* w = _free.back();
        _free.pop_back();
        return w;
    }
    void give_back(pooled_waiter* w) { _free.push_back(w); }
    bool failed = false;

  private:
    std::deque<pooled_waiter> _all;  // stable addresses
    std::vector<pooled_waiter*> _free;
};

void pooled_waiter::on_written(storage::result<void> r) {
    if (!r) pool->failed = true;
    owner->busy = false;
}

void pooled_waiter::on_durable(storage::result<void> r) {
    if (!r) pool->failed = true;
    pool->give_back(this);
}

/// A log in a fresh directory, plus the reactor that drives it.
struct bench_log {
    std::unique_ptr<io::reactor> reactor;
    scratch_dir dir;
    std::unique_ptr<storage::log> log;

    /// `direct`: log.write.mode=direct (O_DIRECT from staging copies), else buffered.
    bool open(benchmark::State& state, bool direct) {
        reactor = make_reactor(state);
        if (!reactor) return false;
        storage::log_config cfg;
        cfg.direct_io = direct;
        auto l = storage::log::open(*reactor, dir.path() / "bench-0", cfg, {}, bench_now_ms);
        if (!l) {
            state.SkipWithError(storage::describe(l.error()));
            return false;
        }
        log = std::move(l).value();
        return true;
    }
    void drain() {
        run_until(*reactor, [&] { return log->idle() && reactor->in_flight() == 0; });
    }
    ~bench_log() {
        if (log) drain();
    }
};

void report(benchmark::State& state, uint64_t bytes, uint64_t batches, int records,
            const storage::log& log) {
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.SetItemsProcessed(static_cast<int64_t>(batches) * records);
    const auto& c = log.counters();
    state.counters["batch_bytes"] = static_cast<double>(bytes) / static_cast<double>(batches);
    state.counters["batches_per_write"] =
        static_cast<double>(c.batches) / static_cast<double>(c.writes ? c.writes : 1);
    state.counters["batches_per_sync"] =
        static_cast<double>(c.batches) / static_cast<double>(c.syncs ? c.syncs : 1);
    state.counters["direct_writes"] = static_cast<double>(c.direct_writes);
}

/// Args: records per batch, window bytes (batches queued or in flight at once), direct.
void BM_append_group_commit(benchmark::State& state) {
    const int records = static_cast<int>(state.range(0));
    const uint64_t window_bytes = static_cast<uint64_t>(state.range(1));
    bench_log b;
    if (!b.open(state, state.range(2) != 0)) return;
    const std::vector<uint8_t> batch = make_batch(records);
    const size_t slot_count = std::max<uint64_t>(1, window_bytes / batch.size());
    std::vector<slot> slots(slot_count, slot{batch, false});
    waiter_pool pool;
    size_t next = 0;
    uint64_t bytes = 0, batches = 0;
    prepare_pages();
    for (auto _ : state) {
        uint64_t appended = 0;
        while (appended < group_round_bytes && !pool.failed) {
            slot& s = slots[next];
            if (s.busy) {
                // The window is full: one loop turn submits what was queued and reaps.
                b.reactor->run_once(true);
                continue;
            }
            pooled_waiter* w = pool.take();
            w->owner = &s;
            s.busy = true;
            auto r = b.log->append(s.bytes, w, bench_now_ms);
            if (!r) {
                state.SkipWithError(storage::describe(r.error()));
                break;
            }
            appended += s.bytes.size();
            ++batches;
            next = (next + 1) % slot_count;
        }
        bytes += appended;
        run_until(*b.reactor, [&] {
            return pool.failed || b.log->durable_end_offset() == b.log->log_end_offset();
        });
    }
    if (pool.failed) state.SkipWithError("an append failed");
    report(state, bytes, batches, records, *b.log);
}

struct sync_waiter final : storage::append_waiter {
    bool durable = false;
    bool failed = false;
    void on_durable(storage::result<void> r) override {
        durable = true;
        if (!r) failed = true;
    }
};

/// Args: records per batch, direct.
void BM_append_fdatasync_per_batch(benchmark::State& state) {
    const int records = static_cast<int>(state.range(0));
    bench_log b;
    if (!b.open(state, state.range(1) != 0)) return;
    std::vector<uint8_t> batch = make_batch(records);
    sync_waiter w;
    uint64_t bytes = 0, batches = 0;
    prepare_pages();
    for (auto _ : state) {
        w.durable = false;
        auto r = b.log->append(batch, &w, bench_now_ms);
        if (!r) {
            state.SkipWithError(storage::describe(r.error()));
            break;
        }
        run_until(*b.reactor, [&] { return w.durable; });
        if (w.failed) {
            state.SkipWithError("an append failed");
            break;
        }
        bytes += batch.size();
        ++batches;
    }
    report(state, bytes, batches, records, *b.log);
}

// Windows: 1 MiB of 16 KiB batches (a few producers), 8 MiB of them (many), and 8 MiB of
// 1 MiB batches (big producer batches); each written buffered (direct:0) and with O_DIRECT.
BENCHMARK(BM_append_group_commit)
    ->ArgNames({"records", "window", "direct"})
    ->ArgsProduct({{16}, {1 << 20, 8 << 20}, {0, 1}})
    ->ArgsProduct({{1024}, {8 << 20}, {0, 1}})
    ->Iterations(group_rounds)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// 2048 x 16 KiB = 32 MiB and 256 x 1 MiB = 256 MiB: a few seconds each here.
BENCHMARK(BM_append_fdatasync_per_batch)
    ->ArgNames({"records", "direct"})
    ->ArgsProduct({{16}, {0, 1}})
    ->Iterations(2048)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_append_fdatasync_per_batch)
    ->ArgNames({"records", "direct"})
    ->ArgsProduct({{1024}, {0, 1}})
    ->Iterations(256)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sluice::perf

BENCHMARK_MAIN();
