#include "metrics_text.h"

#include <charconv>
#include <cmath>

namespace sluice::broker {

namespace {

const char* kind_name(metrics_text::kind k) {
    switch (k) {
        case metrics_text::kind::counter:
            return "counter";
        case metrics_text::kind::gauge:
            return "gauge";
        case metrics_text::kind::histogram:
            return "histogram";
    }
    return "untyped";
}

template <class Int>
void append_int(Int v, std::string& out) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

/// A bucket bound in seconds, in fixed notation ("0.000025", "2.5", "10").
void append_bound_seconds(uint64_t ns, std::string& out) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<double>(ns) / 1e9,
                                   std::chars_format::fixed);
    out.append(buf, end);
}

}  // namespace

void metrics_text::escape_label_value(std::string_view v, std::string& out) {
    for (char c : v) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void metrics_text::escape_help(std::string_view v, std::string& out) {
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

void metrics_text::format_double(double v, std::string& out) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, end);
    }
}

void metrics_text::family(std::string_view name, kind k, std::string_view help) {
    _out += "# HELP ";
    _out += name;
    _out += ' ';
    escape_help(help, _out);
    _out += "\n# TYPE ";
    _out += name;
    _out += ' ';
    _out += kind_name(k);
    _out += '\n';
}

void metrics_text::start_sample(std::string_view name, labels ls, const metric_label* extra) {
    _out += name;
    if (ls.empty() && !extra) {
        _out += ' ';
        return;
    }
    _out += '{';
    bool first = true;
    auto put = [&](const metric_label& l) {
        if (!first) _out += ',';
        first = false;
        _out += l.name;
        _out += "=\"";
        escape_label_value(l.value, _out);
        _out += '"';
    };
    for (const auto& l : ls) put(l);
    if (extra) put(*extra);
    _out += "} ";
}

void metrics_text::sample(std::string_view name, labels ls, uint64_t value) {
    start_sample(name, ls);
    append_int(value, _out);
    _out += '\n';
}

void metrics_text::sample(std::string_view name, labels ls, int64_t value) {
    start_sample(name, ls);
    append_int(value, _out);
    _out += '\n';
}

void metrics_text::sample(std::string_view name, labels ls, double value) {
    start_sample(name, ls);
    format_double(value, _out);
    _out += '\n';
}

void metrics_text::histogram(std::string_view name, labels ls, const common::latency_histogram& h) {
    std::string series(name);
    series += "_bucket";
    std::string le;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < common::latency_histogram::bucket_count; ++i) {
        cumulative += h.bucket(i);
        le.clear();
        if (i < common::latency_histogram::bounds_ns.size()) {
            append_bound_seconds(common::latency_histogram::bounds_ns[i], le);
        } else {
            le = "+Inf";
        }
        const metric_label le_label{"le", le};
        start_sample(series, ls, &le_label);
        append_int(cumulative, _out);
        _out += '\n';
    }
    series.assign(name);
    series += "_sum";
    sample(series, ls, static_cast<double>(h.sum_ns()) / 1e9);
    series.assign(name);
    series += "_count";
    sample(series, ls, h.count());
}

}  // namespace sluice::broker
