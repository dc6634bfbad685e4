#pragma once
// meter: what one side of a run (produce, consume, end to end) has measured so far:
// records, bytes, and one or more latency series, each as a whole-run histogram and a
// histogram of the current one-second interval.
//
// Shared between the engine thread that updates it and the main thread that prints the
// progress line and the totals: every access holds the meter's mutex (an engine updates it
// once per response, so the lock is cheap and uncontended in practice).

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "latency_histogram.h"

namespace sluice::perf {

struct latency_series {
    std::string name;   // JSON key, e.g. "ack_ns" (what minus what is in the README)
    std::string label;  // progress line and plot
    latency_histogram total;
    latency_histogram interval;
};

struct meter_state {
    uint64_t records = 0;
    uint64_t bytes = 0;
    int64_t first_ns = 0;  // monotonic time of the first counted record's start, 0 = none
    int64_t last_ns = 0;   // monotonic time the last record was counted
    std::vector<latency_series> latencies;

    void record(size_t series, uint64_t value_ns, uint64_t count = 1) {
        latencies[series].total.record(value_ns, count);
        latencies[series].interval.record(value_ns, count);
    }
};

class meter {
  public:
    meter(std::string name, std::vector<std::pair<std::string, std::string>> series);

    const std::string& name() const { return _name; }
    /// The label of latency series 0, the one the progress line shows.
    const std::string& first_label() const { return _first_label; }

    /// Run `f(meter_state&)` under the lock.
    template <class F>
    void update(F&& f) {
        std::lock_guard lock(_mutex);
        f(_state);
    }

    /// One second of progress: rates since the previous sample, interval percentiles of
    /// series 0; the interval histograms restart.
    struct sample {
        double t_s = 0;
        double records_per_s = 0;
        double mb_per_s = 0;
        double p50_ms = 0, p99_ms = 0, max_ms = 0;  // interval, series 0
        double p99_total_ms = 0;                    // whole run so far, series 0
        uint64_t records = 0;
    };
    sample take_sample(double t_s);

    /// A copy of the state (histograms included) for the totals.
    meter_state snapshot();

  private:
    std::string _name;
    std::string _first_label;
    std::mutex _mutex;
    meter_state _state;
    uint64_t _sampled_records = 0;
    uint64_t _sampled_bytes = 0;
    double _sampled_t_s = 0;
};

}  // namespace sluice::perf
