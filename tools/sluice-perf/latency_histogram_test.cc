#include "latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sluice::perf {
namespace {

TEST(latency_histogram, buckets_tile_the_range_with_bounded_width) {
    uint64_t next = 0;
    for (size_t b = 0; b < latency_histogram::bucket_count(); ++b) {
        ASSERT_EQ(latency_histogram::bucket_low(b), next) << "bucket " << b;
        ASSERT_EQ(latency_histogram::bucket_of(next), b);
        const uint64_t width = latency_histogram::bucket_width(b);
        ASSERT_EQ(latency_histogram::bucket_of(next + width - 1), b);
        if (next >= 128) {
            ASSERT_LE(static_cast<double>(width) / static_cast<double>(next), 0.0079);
        }
        next += width;
    }
    EXPECT_EQ(next, uint64_t{1} << latency_histogram::value_bits);
    EXPECT_EQ(latency_histogram::bucket_of(~uint64_t{0}), latency_histogram::bucket_count() - 1);
}

TEST(latency_histogram, small_values_are_exact) {
    latency_histogram h;
    for (uint64_t v = 1; v <= 100; ++v) h.record(v);
    EXPECT_EQ(h.count(), 100u);
    EXPECT_EQ(h.percentile(50), 50u);
    EXPECT_EQ(h.percentile(99), 99u);
    EXPECT_EQ(h.percentile(100), 100u);
    EXPECT_EQ(h.min(), 1u);
    EXPECT_EQ(h.max(), 100u);
    EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(latency_histogram, percentiles_of_random_values_are_within_one_percent) {
    const uint32_t seed = 20261122;
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> dist(13.0, 1.5);  // ~0.4 ms median, long tail, in ns
    std::vector<uint64_t> values;
    latency_histogram h;
    for (int i = 0; i < 200000; ++i) {
        auto v = static_cast<uint64_t>(dist(rng));
        values.push_back(v);
        h.record(v);
    }
    std::sort(values.begin(), values.end());
    for (double p : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
        auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
        const double exact = static_cast<double>(values[rank - 1]);
        const double got = static_cast<double>(h.percentile(p));
        EXPECT_NEAR(got, exact, exact * 0.01) << "p" << p << " seed " << seed;
    }
    EXPECT_EQ(h.max(), values.back());
    EXPECT_EQ(h.percentile(100), values.back());
}

TEST(latency_histogram, weighted_records_merge_and_reset) {
    latency_histogram a, b;
    a.record(1000, 90);  // 90 records acknowledged 1 us after their request was sent
    b.record(5000000, 10);
    a.merge(b);
    EXPECT_EQ(a.count(), 100u);
    EXPECT_NEAR(static_cast<double>(a.percentile(90)), 1000.0, 10.0);
    EXPECT_NEAR(static_cast<double>(a.percentile(91)), 5e6, 5e4);
    EXPECT_EQ(a.max(), 5000000u);
    EXPECT_EQ(a.min(), 1000u);
    a.reset();
    EXPECT_EQ(a.count(), 0u);
    EXPECT_EQ(a.percentile(99), 0u);
    EXPECT_EQ(a.max(), 0u);
}

}  // namespace
}  // namespace sluice::perf
