#pragma once
// metrics_text: writes the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): a HELP and a TYPE line
// per family, then its samples; label values escaped (backslash, double quote, newline);
// histograms as cumulative `_bucket{le=...}` lines ending with `le="+Inf"` (== `_count`),
// then `_sum` and `_count`.
//
// A value type used on the reactor thread at a scrape; it only appends to a string.
// The caller writes each family's samples right after family() (the format wants a
// family's lines together) and names counters with their `_total` suffix.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "sluice/common/latency_histogram.h"

namespace sluice::broker {

struct metric_label {
    std::string_view name;
    std::string_view value;
};

class metrics_text {
  public:
    enum class kind { counter, gauge, histogram };
    using labels = std::span<const metric_label>;

    /// `# HELP name help` and `# TYPE name kind`.
    void family(std::string_view name, kind k, std::string_view help);
    void sample(std::string_view name, labels ls, uint64_t value);
    void sample(std::string_view name, labels ls, int64_t value);
    void sample(std::string_view name, labels ls, double value);
    void sample(std::string_view name, std::initializer_list<metric_label> ls, uint64_t value) {
        sample(name, labels(ls.begin(), ls.size()), value);
    }
    void sample(std::string_view name, std::initializer_list<metric_label> ls, int64_t value) {
        sample(name, labels(ls.begin(), ls.size()), value);
    }
    /// name_bucket (cumulative, le in seconds), name_sum (seconds), name_count.
    void histogram(std::string_view name, labels ls, const common::latency_histogram& h);
    void histogram(std::string_view name, std::initializer_list<metric_label> ls,
                   const common::latency_histogram& h) {
        histogram(name, labels(ls.begin(), ls.size()), h);
    }

    const std::string& text() const { return _out; }
    std::string take() { return std::move(_out); }

    /// A label value as the format wants it inside double quotes.
    static void escape_label_value(std::string_view v, std::string& out);
    /// HELP text: only backslash and newline are escaped.
    static void escape_help(std::string_view v, std::string& out);
    /// A float the way Prometheus reads it: shortest round-trip form, NaN, +Inf, -Inf.
    static void format_double(double v, std::string& out);

  private:
    void start_sample(std::string_view name, labels ls, const metric_label* extra = nullptr);

    std::string _out;
};

}  // namespace sluice::broker
