#pragma once
// Helpers shared by the storage benchmarks: where their files go, a reactor per benchmark
// run, and the 1 KiB-record batches they write.
//
// Files go under $SLUICE_BENCH_DIR, else under the build tree (SLUICE_BENCH_DEFAULT_DIR,
// set by perf/CMakeLists.txt), so that they land on the same filesystem as the checkout and
// as the fio runs of perf/run-storage. Each benchmark run gets a fresh directory, removed
// when the run ends, so every run writes into new page-cache pages and new disk blocks.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "sluice/io/reactor.h"

namespace sluice::perf {

/// Every record is ~1 KiB on disk: a 1000-byte value plus key, varints and attributes.
inline constexpr size_t record_value_bytes = 1000;
inline constexpr int64_t bench_now_ms = 1'700'000'000'000;

/// A RecordBatch v2 of `records` 1 KiB records (16 -> ~16 KiB, 1024 -> ~1 MiB).
std::vector<uint8_t> make_batch(int records);

/// A fresh directory under the benchmark root, removed (with everything in it) on
/// destruction.
class scratch_dir {
  public:
    scratch_dir();
    ~scratch_dir();
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    const std::filesystem::path& path() const { return _path; }

  private:
    std::filesystem::path _path;
};

/// The benchmark root: $SLUICE_BENCH_DIR or the build-tree default.
std::filesystem::path bench_root();

/// A reactor for one benchmark run; null (and the run marked as an error) when io_uring
/// cannot be set up here.
std::unique_ptr<io::reactor> make_reactor(benchmark::State& state);

/// Puts the page cache into the state perf/run-storage asked for, before a run's timed
/// loop. On these VMs a buffered write into a new page-cache folio is slow when the folio
/// comes from memory the host has taken back (virtio-balloon free page reporting hands
/// free 2 MiB blocks to the host; the first write to each page then faults into the host),
/// and large writes get large folios, carved from exactly those blocks: ~0.25 GB/s for
/// 1 MiB writes against ~3.5 GB/s into recycled memory. So every run starts from a state:
///   SLUICE_BENCH_PAGES=cold  sleep 8 s, so the blocks freed by earlier runs are reported;
///   SLUICE_BENCH_PAGES=hot   write a 1.25 GiB file with 4 MiB writes and delete it, so
///                            the run's folios are recycled ones the host still backs (a
///                            broker whose page cache has filled memory and recycles it);
///   unset                    do nothing (whatever the previous run left).
void prepare_pages();

/// Turn the reactor until nothing is in flight and `done()` holds.
template <class Pred>
void run_until(io::reactor& r, Pred done) {
    while (!done()) r.run_once(true);
}

}  // namespace sluice::perf
