#include "report.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace sluice::perf {

namespace {

double ms(uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

struct file_closer {
    void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

meter_totals totals_of(meter& m) {
    meter_totals t;
    t.name = m.name();
    t.state = m.snapshot();
    if (t.state.last_ns > t.state.first_ns && t.state.first_ns != 0) {
        t.seconds = static_cast<double>(t.state.last_ns - t.state.first_ns) / 1e9;
        t.records_per_s = static_cast<double>(t.state.records) / t.seconds;
        t.mb_per_s = static_cast<double>(t.state.bytes) / t.seconds / 1e6;
    }
    return t;
}

void print_progress(const std::vector<meter*>& meters, const timeline_row& row) {
    std::string line;
    char buf[256];
    std::snprintf(buf, sizeof buf, "[%5.1f s]", row.t_s);
    line += buf;
    for (size_t i = 0; i < meters.size(); ++i) {
        const auto& s = row.samples[i];
        const std::string& label = meters[i]->first_label();
        std::snprintf(buf, sizeof buf,
                      "%s %s %9.0f rec/s %8.1f MB/s  %s p99 %.2f ms (run %.2f, max %.2f)",
                      i ? " |" : "", meters[i]->name().c_str(), s.records_per_s, s.mb_per_s,
                      label.c_str(), s.p99_ms, s.p99_total_ms, s.max_ms);
        line += buf;
    }
    std::fprintf(stderr, "%s\n", line.c_str());
}

void print_totals(const std::vector<meter_totals>& totals) {
    for (const auto& t : totals) {
        std::printf("%s: %llu records, %.1f MB in %.2f s: %.0f records/s, %.1f MB/s\n",
                    t.name.c_str(), static_cast<unsigned long long>(t.state.records),
                    static_cast<double>(t.state.bytes) / 1e6, t.seconds, t.records_per_s,
                    t.mb_per_s);
        for (const auto& l : t.state.latencies) {
            if (l.total.count() == 0) continue;
            std::printf(
                "  %-10s latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f  "
                "(%llu samples)\n",
                l.label.c_str(), ms(l.total.percentile(50)), ms(l.total.percentile(99)),
                ms(l.total.percentile(99.9)), ms(l.total.max()), l.total.mean() / 1e6,
                static_cast<unsigned long long>(l.total.count()));
        }
    }
}

bool write_json(const std::string& path, const perf_options& o,
                const std::vector<meter_totals>& totals, const std::vector<timeline_row>& timeline,
                std::string* why) {
    std::unique_ptr<FILE, file_closer> f(std::fopen(path.c_str(), "w"));
    if (!f) {
        *why = "cannot write " + path;
        return false;
    }
    FILE* out = f.get();
    std::fprintf(out, "{\n  \"tool\": \"sluice-perf\",\n  \"mode\": %s,\n",
                 json_string(o.mode).c_str());
    std::fprintf(out,
                 "  \"config\": {\"bootstrap\": %s, \"topic\": %s, \"records\": %lld, "
                 "\"record_size\": %zu, \"partitions\": %d, \"acks\": %s, \"batch_size\": %zu, "
                 "\"linger_ms\": %g, \"rate\": %g, \"inflight\": %d, \"connections\": %d, "
                 "\"compression\": %s, \"fetch_partition_bytes\": %zu, \"fetch_inflight\": %d},\n",
                 json_string(o.bootstrap).c_str(), json_string(o.topic).c_str(),
                 static_cast<long long>(o.records), o.record_size, o.partitions,
                 json_string(o.acks).c_str(), o.batch_bytes, o.linger_ms, o.rate, o.inflight,
                 o.connections, json_string(o.compression).c_str(), o.fetch_partition_bytes,
                 o.fetch_inflight);
    std::fprintf(out, "  \"results\": {");
    for (size_t i = 0; i < totals.size(); ++i) {
        const auto& t = totals[i];
        std::fprintf(out,
                     "%s\n    %s: {\"records\": %llu, \"bytes\": %llu, \"seconds\": %.6f, "
                     "\"records_per_s\": %.1f, \"mb_per_s\": %.3f, \"latency_ms\": {",
                     i ? "," : "", json_string(t.name).c_str(),
                     static_cast<unsigned long long>(t.state.records),
                     static_cast<unsigned long long>(t.state.bytes), t.seconds, t.records_per_s,
                     t.mb_per_s);
        bool first = true;
        for (const auto& l : t.state.latencies) {
            if (l.total.count() == 0) continue;
            std::fprintf(out,
                         "%s\n      %s: {\"p50\": %.4f, \"p99\": %.4f, \"p999\": %.4f, "
                         "\"max\": %.4f, \"mean\": %.4f, \"count\": %llu}",
                         first ? "" : ",", json_string(l.name).c_str(), ms(l.total.percentile(50)),
                         ms(l.total.percentile(99)), ms(l.total.percentile(99.9)),
                         ms(l.total.max()), l.total.mean() / 1e6,
                         static_cast<unsigned long long>(l.total.count()));
            first = false;
        }
        std::fprintf(out, "}}");
    }
    std::fprintf(out, "\n  },\n  \"timeline\": [");
    for (size_t r = 0; r < timeline.size(); ++r) {
        std::fprintf(out, "%s\n    {\"t\": %.3f", r ? "," : "", timeline[r].t_s);
        for (size_t i = 0; i < totals.size() && i < timeline[r].samples.size(); ++i) {
            const auto& s = timeline[r].samples[i];
            std::fprintf(out,
                         ", %s: {\"records_per_s\": %.1f, \"mb_per_s\": %.3f, \"p50_ms\": %.4f, "
                         "\"p99_ms\": %.4f, \"max_ms\": %.4f}",
                         json_string(totals[i].name).c_str(), s.records_per_s, s.mb_per_s, s.p50_ms,
                         s.p99_ms, s.max_ms);
        }
        std::fprintf(out, "}");
    }
    std::fprintf(out, "\n  ]\n}\n");
    if (std::ferror(out)) {
        *why = "error writing " + path;
        return false;
    }
    return true;
}

bool write_plot(const std::string& path, const perf_options& o,
                const std::vector<meter_totals>& totals,
                const std::vector<timeline_row>& timeline) {
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
        std::fprintf(stderr,
                     "sluice-perf: gnuplot is not installed (Debian: apt-get install "
                     "gnuplot-nox); no plot written to %s\n",
                     path.c_str());
        return false;
    }
    char data_path[] = "/tmp/sluice-perf-plot-XXXXXX";
    int fd = ::mkstemp(data_path);
    if (fd < 0) {
        std::fprintf(stderr, "sluice-perf: cannot create a temporary file for the plot\n");
        return false;
    }
    {
        std::unique_ptr<FILE, file_closer> d(::fdopen(fd, "w"));
        for (const auto& row : timeline) {
            std::fprintf(d.get(), "%.3f", row.t_s);
            for (const auto& s : row.samples) {
                std::fprintf(d.get(), " %.1f %.3f %.4f %.4f %.4f", s.records_per_s, s.mb_per_s,
                             s.p50_ms, s.p99_ms, s.max_ms);
            }
            std::fprintf(d.get(), "\n");
        }
    }
    std::string script = "set terminal pngcairo size 1100,800 font ',10'\n";
    script += "set output " + json_string(path) + "\n";
    const std::string rate =
        o.rate > 0 ? ", rate " + std::to_string(static_cast<long long>(o.rate)) + " rec/s" : "";
    char title[512];
    std::snprintf(title, sizeof title,
                  "sluice-perf %s: %s, %zu-byte records, acks=%s, batch %zu B, linger %g ms%s",
                  o.mode.c_str(), o.topic.c_str(), o.record_size, o.acks.c_str(), o.batch_bytes,
                  o.linger_ms, rate.c_str());
    script += "set multiplot layout 2,1 title " + json_string(title) + "\n";
    script += "set grid\nset key outside right top\nset xlabel 'time (s)'\n";
    script += "set ylabel 'MB/s'\nset yrange [0:*]\n";
    // One colour per meter; in the latency panel p50 solid, p99 dashed, max dotted.
    const char* colours[] = {"#1f77b4", "#2ca02c", "#d62728"};
    std::string top = "plot", bottom = "plot";
    const std::string d = json_string(data_path);
    for (size_t i = 0; i < totals.size(); ++i) {
        const size_t c = 2 + 5 * i;  // records/s, MB/s, p50, p99, max
        const std::string colour = json_string(colours[i % 3]);
        const std::string n = totals[i].name;
        const std::string label =
            totals[i].state.latencies.empty() ? n : n + " " + totals[i].state.latencies[0].label;
        top += (i ? ", " : " ") + d + " using 1:" + std::to_string(c + 1) +
               " with linespoints lw 2 lc rgb " + colour + " title " + json_string(n);
        for (auto [k, what] : {std::pair{2, "p50"}, {3, "p99"}, {4, "max"}}) {
            const std::string col = std::to_string(c + static_cast<size_t>(k));
            bottom += std::string(i || k != 2 ? ", " : " ") + d + " using 1:($" + col + ">0?$" +
                      col + ":1/0) with lines lw 2 dt " + std::to_string(k - 1) + " lc rgb " +
                      colour + " title " + json_string(label + " " + what);
        }
    }
    script += top + "\nset ylabel 'latency in each second (ms)'\nset yrange [*:*]\n";
    script += "set logscale y\n" + bottom + "\nunset multiplot\n";
    FILE* g = ::popen("gnuplot", "w");
    bool ok = g != nullptr;
    if (g) {
        std::fputs(script.c_str(), g);
        ok = ::pclose(g) == 0;
    }
    ::unlink(data_path);
    if (!ok) std::fprintf(stderr, "sluice-perf: gnuplot failed; no plot in %s\n", path.c_str());
    return ok;
}

}  // namespace sluice::perf
