#pragma once
// latency_histogram: an HDR-style log-linear histogram of non-negative integer values
// (sluice-perf records nanoseconds), ~1 % precision, fixed memory, O(1) record.
//
// Values below 2^sub_bits are counted exactly. Above, each power of two [2^h, 2^(h+1)) is
// split into 2^sub_bits equal buckets, so a bucket is at most 2^-sub_bits = 0.78 % of its
// values wide (HdrHistogram's scheme with 2 significant decimal digits, simplified:
// github.com/HdrHistogram/HdrHistogram_c). Values at or above 2^value_bits (~18 minutes in
// ns) land in the last bucket; max() stays exact.
//
// A plain value owned by one thread; merge() combines histograms from several threads.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::perf {

class latency_histogram {
  public:
    static constexpr int sub_bits = 7;
    static constexpr int value_bits = 40;

    latency_histogram();

    void record(uint64_t value, uint64_t count = 1);
    void merge(const latency_histogram& other);
    void reset();

    uint64_t count() const { return _count; }
    uint64_t min() const { return _count ? _min : 0; }
    uint64_t max() const { return _max; }
    double mean() const;

    /// The value at percentile `p` (0 < p <= 100): the smallest recorded value v such that
    /// at least p % of the values are <= v, to within one bucket (reported as the bucket's
    /// midpoint, clamped to [min(), max()]). 0 when empty.
    uint64_t percentile(double p) const;

    /// Bucket arithmetic, public for the tests.
    static size_t bucket_of(uint64_t value);
    static uint64_t bucket_low(size_t bucket);
    static uint64_t bucket_width(size_t bucket);
    static size_t bucket_count();

  private:
    std::vector<uint64_t> _counts;
    uint64_t _count = 0;
    uint64_t _min = 0;
    uint64_t _max = 0;
    long double _sum = 0;
};

}  // namespace sluice::perf
