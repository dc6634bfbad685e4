// Range reads of storage::log (DESIGN.md "Storage": "Fetch").
//
// A log is prefilled once per batch size with 256 MiB of 1 KiB records and made durable;
// then a sequential consumer reads from offset 0 with max_bytes 1 MiB (a typical
// fetch.max.bytes per partition), wrapping to 0 at the end, so its pages are hot in the
// page cache.
// - locate: log.read() only, what a Fetch does before it splices the file range to the
//   socket. bytes/s counts the bytes of the slices located.
// - locate_and_pread: the same, then pread()s the slice into a user buffer, the copy that
//   a splice (or sendfile) avoids. The difference is the cost of that copy.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "bench_util.h"
#include "sluice/storage/log.h"

namespace sluice::perf {
namespace {

constexpr uint64_t prefill_bytes = 256ull << 20;
constexpr size_t fetch_max_bytes = 1 << 20;

/// A durable log of prefill_bytes, shared by every run with the same batch size.
struct prefilled_log {
    std::unique_ptr<io::reactor> reactor;
    scratch_dir dir;
    std::unique_ptr<storage::log> log;

    ~prefilled_log() {
        if (log) run_until(*reactor, [&] { return log->idle() && reactor->in_flight() == 0; });
    }
};

prefilled_log* get_log(benchmark::State& state, int records) {
    static std::map<int, std::unique_ptr<prefilled_log>> logs;
    if (auto it = logs.find(records); it != logs.end()) return it->second.get();
    auto p = std::make_unique<prefilled_log>();
    p->reactor = make_reactor(state);
    if (!p->reactor) return nullptr;
    auto l = storage::log::open(*p->reactor, p->dir.path() / "bench-0", storage::log_config{}, {},
                                bench_now_ms);
    if (!l) {
        state.SkipWithError(storage::describe(l.error()));
        return nullptr;
    }
    p->log = std::move(l).value();
    // A ring of buffers appended without waiters (acks=0); a buffer is reused once the
    // log's written end has passed the batch it last held.
    const std::vector<uint8_t> batch = make_batch(records);
    std::vector<std::vector<uint8_t>> ring(64, batch);
    std::vector<int64_t> ring_end(ring.size(), 0);
    size_t at = 0;
    for (uint64_t filled = 0; filled < prefill_bytes; filled += batch.size()) {
        run_until(*p->reactor, [&] {
            return p->log->offline() || p->log->written_end_offset() >= ring_end[at];
        });
        auto info = p->log->append(ring[at], nullptr, bench_now_ms);
        if (!info) {
            state.SkipWithError(storage::describe(info.error()));
            return nullptr;
        }
        ring_end[at] = info->last_offset + 1;
        at = (at + 1) % ring.size();
    }
    run_until(*p->reactor, [&] {
        return p->log->offline() ||
               (p->log->idle() && p->log->durable_end_offset() == p->log->log_end_offset());
    });
    if (p->log->offline()) {
        state.SkipWithError("prefill failed: the log went offline");
        return nullptr;
    }
    return logs.emplace(records, std::move(p)).first->second.get();
}

/// Args: records per batch. Reads the slices; with `copy`, preads them too.
void read_loop(benchmark::State& state, bool copy) {
    const int records = static_cast<int>(state.range(0));
    prefilled_log* p = get_log(state, records);
    if (p == nullptr) return;
    storage::log& log = *p->log;
    const int64_t end = log.durable_end_offset();
    std::vector<uint8_t> buf(copy ? 2 * fetch_max_bytes : 0);
    int64_t next = 0;
    uint64_t bytes = 0, reads = 0;
    for (auto _ : state) {
        auto s = log.read(next, end, fetch_max_bytes);
        if (!s || !s->file) {
            state.SkipWithError("read failed");
            break;
        }
        if (copy) {
            if (s->bytes > buf.size()) buf.resize(s->bytes);
            ssize_t n =
                ::pread(s->file->fd.get(), buf.data(), s->bytes, static_cast<off_t>(s->position));
            if (n != static_cast<ssize_t>(s->bytes)) {
                state.SkipWithError("pread failed");
                break;
            }
            benchmark::DoNotOptimize(buf.data());
        }
        bytes += s->bytes;
        ++reads;
        next = s->next_offset == end ? 0 : s->next_offset;
    }
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.counters["slice_bytes"] =
        static_cast<double>(bytes) / static_cast<double>(reads ? reads : 1);
}

void BM_read_locate(benchmark::State& state) {
    read_loop(state, false);
}
void BM_read_locate_and_pread(benchmark::State& state) {
    read_loop(state, true);
}

BENCHMARK(BM_read_locate)->ArgNames({"records"})->Arg(16)->Arg(1024)->MinTime(1.0);
BENCHMARK(BM_read_locate_and_pread)->ArgNames({"records"})->Arg(16)->Arg(1024)->MinTime(1.0);

}  // namespace
}  // namespace sluice::perf

BENCHMARK_MAIN();
