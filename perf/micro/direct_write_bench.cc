// Buffered vs O_DIRECT appends: a measurement, not production code.
//
// The log writes the producer's batch bytes with buffered writes (no copy, the kernel
// copies them into the page cache). The alternative measured here is an appender prototype
// that copies batches into a 4 KiB-aligned staging buffer and writes whole aligned blocks
// with O_DIRECT through the reactor. A batch rarely ends on a block boundary, so the
// partial tail block is kept in the staging buffer and written again, completed, by the
// next write (its zero padding past the data is overwritten then). A real appender would
// also have to ftruncate the padding away at close and teach recovery about it.
//
// Each iteration writes `per_write` batches in one write and waits for it (queue depth 1,
// like fio psync and like the log, which has one write in flight), then, in the
// sync_each_write variants, fdatasyncs and waits. Otherwise the last iteration ends with
// one fdatasync (fio --end_fsync=1). Variants:
//   direct=0  the same batches written buffered from the caller's buffer (what log does);
//   direct=1  the staging-buffer O_DIRECT prototype;
//   alloc=0   the file grows with every write (what log does);
//   alloc=1   fallocate 64 MiB ahead of the write position (unwritten extents);
//   alloc=2   overwrite a file written and synced before the timed part (no block
//             allocation, no size change: fdatasync is a bare device flush).

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sluice/io/write_all_op.h"
#include "sluice/storage/file_util.h"

namespace sluice::perf {
namespace {

constexpr uint64_t block_bytes = 4096;
constexpr uint64_t fallocate_step_bytes = 64ull << 20;

uint64_t round_up(uint64_t n) {
    return (n + block_bytes - 1) / block_bytes * block_bytes;
}

/// Completion that remembers its result.
struct wait_done final : io::completion {
    bool done = false;
    int32_t res = 0;
    void complete(int32_t r, uint32_t) override {
        done = true;
        res = r;
    }
};

struct aligned_free {
    void operator()(uint8_t* p) const { std::free(p); }
};

/// Staging buffer for O_DIRECT: [0, fill) holds file bytes [base, base + fill), base is
/// block-aligned. After a write, the whole blocks leave and the partial one moves to 0.
class direct_stage {
  public:
    explicit direct_stage(size_t capacity)
        : _cap(round_up(capacity + block_bytes)),
          _buf(static_cast<uint8_t*>(std::aligned_alloc(block_bytes, _cap))) {
        std::memset(_buf.get(), 0, _cap);
    }
    void add(std::span<const uint8_t> bytes) {
        std::memcpy(_buf.get() + _fill, bytes.data(), bytes.size());
        _fill += bytes.size();
    }
    const uint8_t* data() const { return _buf.get(); }
    uint64_t base() const { return _base; }
    uint64_t write_bytes() const { return round_up(_fill); }
    uint64_t end() const { return _base + _fill; }
    /// The write of [base, base + write_bytes()) completed.
    void written() {
        const uint64_t whole = _fill / block_bytes * block_bytes;
        const uint64_t tail = _fill - whole;
        if (tail != 0 && whole != 0) std::memmove(_buf.get(), _buf.get() + whole, tail);
        std::memset(_buf.get() + tail, 0, block_bytes - tail);
        _base += whole;
        _fill = tail;
    }

  private:
    size_t _cap;
    std::unique_ptr<uint8_t, aligned_free> _buf;
    uint64_t _base = 0;
    uint64_t _fill = 0;
};

struct write_case {
    int records;    // per batch
    int per_write;  // batches per write
    bool direct;
    bool sync_each_write;
    int alloc;  // 0 grow, 1 fallocate ahead, 2 overwrite a prewritten file
    uint64_t total_bytes;
};

bool wait_for(io::reactor& r, wait_done& d, benchmark::State& state, const char* what) {
    run_until(r, [&] { return d.done; });
    if (d.res < 0) {
        state.SkipWithError((std::string(what) + ": " + std::strerror(-d.res)).c_str());
        return false;
    }
    return true;
}

/// Write and sync `bytes` of zeros into fd (the alloc=2 case), untimed.
bool prewrite(int fd, uint64_t bytes) {
    // Aligned, so that the same code serves an O_DIRECT fd.
    constexpr size_t chunk = 1 << 20;
    std::unique_ptr<uint8_t, aligned_free> zeros(
        static_cast<uint8_t*>(std::aligned_alloc(block_bytes, chunk)));
    std::memset(zeros.get(), 0, chunk);
    for (uint64_t at = 0; at < bytes; at += chunk) {
        if (::pwrite(fd, zeros.get(), chunk, static_cast<off_t>(at)) != static_cast<ssize_t>(chunk))
            return false;
    }
    return ::fdatasync(fd) == 0;
}

void BM_write(benchmark::State& state, write_case c) {
    auto reactor = make_reactor(state);
    if (!reactor) return;
    scratch_dir dir;
    const auto path = dir.path() / "00000000000000000000.log";
    auto fd = storage::open_file(path, O_RDWR | O_CREAT | O_TRUNC | (c.direct ? O_DIRECT : 0));
    if (!fd) {
        state.SkipWithError("open failed (O_DIRECT refused by this filesystem?)");
        return;
    }
    const std::vector<uint8_t> batch = make_batch(c.records);
    const uint64_t write_payload = batch.size() * static_cast<uint64_t>(c.per_write);
    std::vector<iovec> iov(static_cast<size_t>(c.per_write),
                           iovec{const_cast<uint8_t*>(batch.data()), batch.size()});
    direct_stage stage(c.direct ? write_payload : 0);
    if (c.alloc == 2 && !prewrite(fd->get(), c.total_bytes + fallocate_step_bytes)) {
        state.SkipWithError("prewrite failed");
        return;
    }
    io::write_all_op op;
    wait_done wrote, synced;
    uint64_t pos = 0, allocated = 0, device_bytes = 0;
    int64_t n = 0;
    prepare_pages();
    for (auto _ : state) {
        if (c.alloc == 1 && pos + write_payload + block_bytes > allocated) {
            if (::fallocate(fd->get(), 0, static_cast<off_t>(allocated),
                            static_cast<off_t>(fallocate_step_bytes)) != 0) {
                state.SkipWithError("fallocate failed");
                break;
            }
            allocated += fallocate_step_bytes;
        }
        wrote.done = false;
        if (c.direct) {
            for (int i = 0; i < c.per_write; ++i) stage.add(batch);
            iovec one{const_cast<uint8_t*>(stage.data()), stage.write_bytes()};
            device_bytes += one.iov_len;
            op.start(*reactor, fd->get(), {&one, 1}, stage.base(), &wrote);
        } else {
            device_bytes += write_payload;
            op.start(*reactor, fd->get(), iov, pos, &wrote);
        }
        if (!wait_for(*reactor, wrote, state, "write")) break;
        if (c.direct) stage.written();
        pos += write_payload;
        if (c.sync_each_write || ++n == static_cast<int64_t>(state.max_iterations)) {
            synced.done = false;
            reactor->fsync(fd->get(), true, &synced);
            if (!wait_for(*reactor, synced, state, "fdatasync")) break;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(pos));
    state.SetItemsProcessed(static_cast<int64_t>(pos / batch.size()) * c.records);
    state.counters["write_bytes"] =
        static_cast<double>(device_bytes) / static_cast<double>(state.iterations());
    state.counters["amplification"] = static_cast<double>(device_bytes) / static_cast<double>(pos);
}

void register_cases() {
    constexpr uint64_t mib = 1ull << 20;
    std::vector<write_case> cases;
    for (bool direct : {false, true}) {
        // No sync per write: 1 GiB (as fio in perf/run-storage), one fdatasync at the end.
        cases.push_back({16, 1, direct, false, 0, 1024 * mib});
        cases.push_back({1024, 1, direct, false, 0, 1024 * mib});
        // The log coalesces queued batches: 64 x 16 KiB in one write.
        cases.push_back({16, 64, direct, false, 0, 1024 * mib});
        // fdatasync per write, growing file, then the two ways to avoid growing it.
        for (int alloc : {0, 1, 2}) {
            cases.push_back({16, 1, direct, true, alloc, 32 * mib});
            cases.push_back({1024, 1, direct, true, alloc, 256 * mib});
        }
    }
    for (const write_case& c : cases) {
        std::string name = std::string("BM_write/") + (c.direct ? "direct" : "buffered") +
                           "/records:" + std::to_string(c.records) +
                           "/per_write:" + std::to_string(c.per_write) +
                           (c.sync_each_write ? "/fdatasync_each" : "/fdatasync_end") +
                           "/alloc:" + std::to_string(c.alloc);
        const uint64_t write_payload = make_batch(c.records).size() * c.per_write;
        benchmark::RegisterBenchmark(name.c_str(), BM_write, c)
            ->Iterations(static_cast<int64_t>(c.total_bytes / write_payload))
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace
}  // namespace sluice::perf

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    sluice::perf::register_cases();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
