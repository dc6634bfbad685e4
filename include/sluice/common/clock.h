#pragma once
// Wall-clock and monotonic time in milliseconds. Components that make decisions from
// time take `now_ms` as a parameter (so tests control it); only the edges call these.

#include <chrono>
#include <cstdint>

namespace sluice::common {

/// Milliseconds since the Unix epoch (Kafka timestamps, retention, segment.ms).
inline int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Milliseconds on a clock that never jumps (durations, timeouts).
inline int64_t monotonic_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Nanoseconds on the same never-jumping clock (latency histograms).
inline int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace sluice::common
