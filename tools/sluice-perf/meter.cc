#include "meter.h"

namespace sluice::perf {

meter::meter(std::string name, std::vector<std::pair<std::string, std::string>> series)
    : _name(std::move(name)), _first_label(series.empty() ? "" : series[0].second) {
    for (auto& [key, label] : series) {
        _state.latencies.push_back(latency_series{key, label, {}, {}});
    }
}

meter::sample meter::take_sample(double t_s) {
    std::lock_guard lock(_mutex);
    sample s;
    s.t_s = t_s;
    const double dt = t_s - _sampled_t_s;
    if (dt > 0) {
        s.records_per_s = static_cast<double>(_state.records - _sampled_records) / dt;
        s.mb_per_s = static_cast<double>(_state.bytes - _sampled_bytes) / dt / 1e6;
    }
    s.records = _state.records;
    if (!_state.latencies.empty()) {
        auto& l = _state.latencies[0];
        s.p50_ms = static_cast<double>(l.interval.percentile(50)) / 1e6;
        s.p99_ms = static_cast<double>(l.interval.percentile(99)) / 1e6;
        s.max_ms = static_cast<double>(l.interval.max()) / 1e6;
        s.p99_total_ms = static_cast<double>(l.total.percentile(99)) / 1e6;
    }
    for (auto& l : _state.latencies) l.interval.reset();
    _sampled_records = _state.records;
    _sampled_bytes = _state.bytes;
    _sampled_t_s = t_s;
    return s;
}

meter_state meter::snapshot() {
    std::lock_guard lock(_mutex);
    return _state;
}

}  // namespace sluice::perf
