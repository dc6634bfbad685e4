// metrics_text: the Prometheus text format (label escaping, cumulative histogram buckets
// ending with +Inf, HELP escaping), and metrics_server::answer's HTTP routing.

#include "metrics/metrics_text.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "metrics/metrics_http.h"

namespace sluice::broker {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(metrics_text, escapes_label_values) {
    metrics_text out;
    out.family("sluice_produce_bytes_total", metrics_text::kind::counter, "bytes");
    out.sample("sluice_produce_bytes_total", {{"topic", "a\"b\\c\nd"}}, uint64_t{42});
    EXPECT_EQ(out.text(),
              "# HELP sluice_produce_bytes_total bytes\n"
              "# TYPE sluice_produce_bytes_total counter\n"
              "sluice_produce_bytes_total{topic=\"a\\\"b\\\\c\\nd\"} 42\n");
}

TEST(metrics_text, help_escapes_only_backslash_and_newline) {
    metrics_text out;
    out.family("x", metrics_text::kind::gauge, "a \"q\" \\ b\nc");
    EXPECT_EQ(out.text(), "# HELP x a \"q\" \\\\ b\\nc\n# TYPE x gauge\n");
}

TEST(metrics_text, samples_without_labels_and_several_labels) {
    metrics_text out;
    out.sample("g", {}, int64_t{-3});
    out.sample("h", {{"a", "1"}, {"b", ""}}, uint64_t{0});
    EXPECT_EQ(out.text(), "g -3\nh{a=\"1\",b=\"\"} 0\n");
}

TEST(metrics_text, doubles_in_prometheus_spelling) {
    std::string s;
    metrics_text::format_double(0.25, s);
    s += ' ';
    metrics_text::format_double(1.0 / 0.0, s);
    s += ' ';
    metrics_text::format_double(-1.0 / 0.0, s);
    s += ' ';
    metrics_text::format_double(0.0 / 0.0, s);
    EXPECT_EQ(s, "0.25 +Inf -Inf NaN");
}

TEST(metrics_text, histogram_buckets_are_cumulative_and_end_with_inf) {
    common::latency_histogram h;
    h.observe(0);               // first bucket (le 25 us)
    h.observe(25'000);          // le is inclusive: still the first bucket
    h.observe(25'001);          // second bucket (le 50 us)
    h.observe(3'000'000);       // le 5 ms
    h.observe(60'000'000'000);  // a minute: only +Inf
    metrics_text out;
    out.histogram("lat_seconds", {{"api", "Produce"}}, h);
    const auto lines = lines_of(out.text());
    ASSERT_EQ(lines.size(), common::latency_histogram::bucket_count + 2);
    EXPECT_EQ(lines[0], "lat_seconds_bucket{api=\"Produce\",le=\"0.000025\"} 2");
    EXPECT_EQ(lines[1], "lat_seconds_bucket{api=\"Produce\",le=\"0.00005\"} 3");
    uint64_t last = 0;
    for (size_t i = 0; i < common::latency_histogram::bucket_count; ++i) {
        const std::string& l = lines[i];
        ASSERT_EQ(l.rfind("lat_seconds_bucket{api=\"Produce\",le=\"", 0), 0u) << l;
        const uint64_t v = std::stoull(l.substr(l.rfind(' ') + 1));
        EXPECT_GE(v, last) << "buckets must be cumulative: " << l;
        last = v;
    }
    EXPECT_EQ(lines[common::latency_histogram::bucket_count - 2],
              "lat_seconds_bucket{api=\"Produce\",le=\"10\"} 4");
    EXPECT_EQ(lines[common::latency_histogram::bucket_count - 1],
              "lat_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 5");
    EXPECT_EQ(lines[common::latency_histogram::bucket_count],
              "lat_seconds_sum{api=\"Produce\"} 60.003050001");
    EXPECT_EQ(lines[common::latency_histogram::bucket_count + 1],
              "lat_seconds_count{api=\"Produce\"} 5");
}

TEST(metrics_text, empty_histogram_has_zero_buckets) {
    metrics_text out;
    out.histogram("x_seconds", {}, common::latency_histogram{});
    const auto lines = lines_of(out.text());
    ASSERT_EQ(lines.size(), common::latency_histogram::bucket_count + 2);
    EXPECT_EQ(lines.front(), "x_seconds_bucket{le=\"0.000025\"} 0");
    EXPECT_EQ(lines[common::latency_histogram::bucket_count - 1],
              "x_seconds_bucket{le=\"+Inf\"} 0");
    EXPECT_EQ(lines.back(), "x_seconds_count 0");
}

std::string status_of(const std::string& reply) {
    return reply.substr(0, reply.find("\r\n"));
}

TEST(metrics_http, routes_by_method_and_path) {
    int renders = 0;
    auto render = [&] {
        ++renders;
        return std::string("up 1\n");
    };
    const std::string ok = metrics_server::answer("GET /metrics HTTP/1.1\r\nHost: x", render);
    EXPECT_EQ(status_of(ok), "HTTP/1.1 200 OK");
    EXPECT_NE(ok.find("\r\nContent-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(ok.find("\r\nContent-Length: 5\r\n"), std::string::npos);
    EXPECT_NE(ok.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_EQ(ok.substr(ok.size() - 5), "up 1\n");
    EXPECT_EQ(status_of(metrics_server::answer("GET /metrics?x=1 HTTP/1.0", render)),
              "HTTP/1.1 200 OK");
    EXPECT_EQ(renders, 2);
    EXPECT_EQ(status_of(metrics_server::answer("GET /other HTTP/1.1", render)),
              "HTTP/1.1 404 Not Found");
    EXPECT_EQ(status_of(metrics_server::answer("GET / HTTP/1.1", render)),
              "HTTP/1.1 404 Not Found");
    const std::string post = metrics_server::answer("POST /metrics HTTP/1.1", render);
    EXPECT_EQ(status_of(post), "HTTP/1.1 405 Method Not Allowed");
    EXPECT_NE(post.find("\r\nAllow: GET\r\n"), std::string::npos);
    for (const char* bad : {"", "GET", "GET /metrics", "GET  HTTP/1.1", "\x16\x03\x01 junk",
                            "GET /metrics SPDY/3", " /metrics HTTP/1.1"}) {
        EXPECT_EQ(status_of(metrics_server::answer(bad, render)), "HTTP/1.1 400 Bad Request")
            << bad;
    }
    EXPECT_EQ(renders, 2) << "only GET /metrics renders";
}

}  // namespace
}  // namespace sluice::broker
