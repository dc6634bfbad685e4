#pragma once
// latency_histogram: how many durations fell into each of a fixed set of buckets, plus
// their count and sum, for the metrics endpoint (Prometheus `_seconds` histograms).
//
// Owned by one shard and touched only on its thread: plain integers, no atomics.
// observe() is a binary search over 18 bounds and three adds. Every histogram uses the
// same bounds, 25 us to 10 s, so that dashboards can add histograms of different
// components and different broker versions together.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::common {

class latency_histogram {
  public:
    /// Inclusive upper bounds in nanoseconds (Prometheus `le`), ascending. A last bucket
    /// past them takes everything longer (`le="+Inf"`).
    static constexpr std::array<uint64_t, 18> bounds_ns = {
        25'000,      50'000,      100'000,       250'000,       500'000,       1'000'000,
        2'500'000,   5'000'000,   10'000'000,    25'000'000,    50'000'000,    100'000'000,
        250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000,
    };
    static constexpr size_t bucket_count = bounds_ns.size() + 1;

    void observe(uint64_t ns) {
        const size_t i = static_cast<size_t>(
            std::lower_bound(bounds_ns.begin(), bounds_ns.end(), ns) - bounds_ns.begin());
        ++_buckets[i];
        ++_count;
        _sum_ns += ns;
    }
    /// A negative duration (a clock that went backwards) counts as zero.
    void observe_signed(int64_t ns) { observe(ns > 0 ? static_cast<uint64_t>(ns) : 0); }

    /// Observations in bucket i alone (not cumulative); i == bounds_ns.size() is +Inf.
    uint64_t bucket(size_t i) const { return _buckets[i]; }
    uint64_t count() const { return _count; }
    uint64_t sum_ns() const { return _sum_ns; }

  private:
    std::array<uint64_t, bucket_count> _buckets{};
    uint64_t _count = 0;
    uint64_t _sum_ns = 0;
};

}  // namespace sluice::common
