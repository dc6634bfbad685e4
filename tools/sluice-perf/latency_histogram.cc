#include "latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace sluice::perf {

namespace {
constexpr uint64_t sub_count = uint64_t{1} << latency_histogram::sub_bits;
constexpr uint64_t value_limit = uint64_t{1} << latency_histogram::value_bits;
}  // namespace

size_t latency_histogram::bucket_count() {
    return static_cast<size_t>((value_bits - sub_bits + 1) * sub_count);
}

size_t latency_histogram::bucket_of(uint64_t value) {
    if (value >= value_limit) return bucket_count() - 1;
    if (value < sub_count) return static_cast<size_t>(value);
    const int h = 63 - __builtin_clzll(value);  // h >= sub_bits
    const int shift = h - sub_bits;
    const uint64_t mantissa = value >> shift;  // in [sub_count, 2 * sub_count)
    return static_cast<size_t>((static_cast<uint64_t>(shift) + 1) * sub_count +
                               (mantissa - sub_count));
}

uint64_t latency_histogram::bucket_low(size_t bucket) {
    if (bucket < sub_count) return bucket;
    const uint64_t shift = bucket / sub_count - 1;
    const uint64_t mantissa = sub_count + bucket % sub_count;
    return mantissa << shift;
}

uint64_t latency_histogram::bucket_width(size_t bucket) {
    return bucket < sub_count ? 1 : uint64_t{1} << (bucket / sub_count - 1);
}

latency_histogram::latency_histogram() : _counts(bucket_count(), 0) {}

void latency_histogram::record(uint64_t value, uint64_t count) {
    if (count == 0) return;
    _counts[bucket_of(value)] += count;
    if (_count == 0 || value < _min) _min = value;
    if (value > _max) _max = value;
    _count += count;
    _sum += static_cast<long double>(value) * static_cast<long double>(count);
}

void latency_histogram::merge(const latency_histogram& other) {
    if (other._count == 0) return;
    for (size_t i = 0; i < _counts.size(); ++i) _counts[i] += other._counts[i];
    if (_count == 0 || other._min < _min) _min = other._min;
    _max = std::max(_max, other._max);
    _count += other._count;
    _sum += other._sum;
}

void latency_histogram::reset() {
    std::fill(_counts.begin(), _counts.end(), 0);
    _count = _min = _max = 0;
    _sum = 0;
}

double latency_histogram::mean() const {
    return _count ? static_cast<double>(_sum / static_cast<long double>(_count)) : 0.0;
}

uint64_t latency_histogram::percentile(double p) const {
    if (_count == 0) return 0;
    p = std::clamp(p, 0.0, 100.0);
    auto target = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(_count)));
    target = std::clamp<uint64_t>(target, 1, _count);
    uint64_t seen = 0;
    for (size_t i = 0; i < _counts.size(); ++i) {
        seen += _counts[i];
        if (seen >= target) {
            const uint64_t mid = bucket_low(i) + bucket_width(i) / 2;
            return std::clamp(mid, min(), _max);
        }
    }
    return _max;
}

}  // namespace sluice::perf
