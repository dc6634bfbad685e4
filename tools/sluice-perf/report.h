#pragma once
// What sluice-perf prints and writes: the progress line every second, the totals, the
// JSON result and the gnuplot chart.

#include <string>
#include <vector>

#include "meter.h"
#include "options.h"

namespace sluice::perf {

/// One progress tick: a sample of every meter at the same time.
struct timeline_row {
    double t_s = 0;
    std::vector<meter::sample> samples;  // in the order of the meters
};

/// Whole-run figures of one meter.
struct meter_totals {
    std::string name;
    meter_state state;
    double seconds = 0;  // first record started -> last record counted
    double records_per_s = 0;
    double mb_per_s = 0;  // 10^6 bytes/s
};
meter_totals totals_of(meter& m);

void print_progress(const std::vector<meter*>& meters, const timeline_row& row);
void print_totals(const std::vector<meter_totals>& totals);

/// Write the result as JSON: the options, the totals and the timeline.
bool write_json(const std::string& path, const perf_options& o,
                const std::vector<meter_totals>& totals, const std::vector<timeline_row>& timeline,
                std::string* why);

/// Draw throughput and latency over time with gnuplot into a PNG. Prints why and returns
/// false if gnuplot is missing or fails (the run itself still counts).
bool write_plot(const std::string& path, const perf_options& o,
                const std::vector<meter_totals>& totals, const std::vector<timeline_row>& timeline);

}  // namespace sluice::perf
