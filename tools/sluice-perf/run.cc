// One sluice-perf run: set up the topic, start the producer and consumer threads, print
// progress every second, then the totals, the JSON result and the plot.

#include "run.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>

#include "load_consumer.h"
#include "load_producer.h"
#include "report.h"
#include "topic_setup.h"

namespace sluice::perf {

int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {

/// A thread running one engine on its own connection; why says what failed.
struct worker {
    std::thread thread;
    std::string why;
    bool ok = false;
};

bool validate(const perf_options& o, std::string* why) {
    if (o.compression != "none") {
        *why = "--compression " + o.compression +
               " is not supported yet: sluice-perf builds uncompressed batches";
    } else if (o.acks != "all" && o.acks != "-1" && o.acks != "1" && o.acks != "0") {
        *why = "--acks must be all, 1 or 0";
    } else if (o.records <= 0) {
        *why = "--records must be positive";
    } else if (o.mode == "e2e" && o.record_size < sizeof(int64_t)) {
        *why = "e2e needs --record-size >= 8 (each value carries its send time)";
    } else if (o.mode == "e2e" && o.acks == "0") {
        *why = "e2e needs acks 1 or all";
    } else if (o.inflight < 1 || o.connections < 1 || o.fetch_inflight < 0) {
        *why = "--inflight and --connections must be at least 1";
    } else if (o.batch_bytes < 256) {
        *why = "--batch-size must be at least 256 bytes";
    } else {
        return true;
    }
    return false;
}

}  // namespace

int run(const perf_options& o) {
    std::string why;
    if (!validate(o, &why)) {
        std::fprintf(stderr, "sluice-perf: %s\n", why.c_str());
        return 2;
    }
    client::pipelined_connection admin;
    if (!admin.connect(o.bootstrap, &why)) {
        std::fprintf(stderr, "sluice-perf: %s (is the broker running? --bootstrap HOST:PORT)\n",
                     why.c_str());
        return 1;
    }
    const bool produces = o.mode != "consume";
    auto partitions = find_or_create_topic(admin, o.topic, o.partitions, produces, &why);
    if (!partitions) {
        std::fprintf(stderr, "sluice-perf: %s\n", why.c_str());
        return 1;
    }
    if (produces && static_cast<int32_t>(partitions->size()) != o.partitions) {
        std::fprintf(stderr, "sluice-perf: topic %s exists with %zu partitions; using them\n",
                     o.topic.c_str(), partitions->size());
    }
    const int64_t deadline = now_ns() + static_cast<int64_t>(o.timeout_s * 1e9);

    std::vector<std::unique_ptr<meter>> meters;
    meter* produce_meter = nullptr;
    meter* consume_meter = nullptr;
    if (produces) {
        meters.push_back(
            std::make_unique<meter>("produce", std::vector<std::pair<std::string, std::string>>{
                                                   {"ack", "ack"}, {"delivery", "delivery"}}));
        produce_meter = meters.back().get();
    }
    consumer_config cc;
    if (o.mode != "produce") {
        std::vector<std::pair<std::string, std::string>> series = {{"fetch", "fetch"}};
        if (o.mode == "e2e") series.insert(series.begin(), {"e2e", "e2e"});
        meters.push_back(std::make_unique<meter>("consume", series));
        consume_meter = meters.back().get();
        auto start = list_offsets(admin, o.topic, *partitions, o.mode == "e2e" ? -1 : -2, &why);
        auto end = o.mode == "e2e"
                       ? std::optional<std::map<int32_t, int64_t>>(std::map<int32_t, int64_t>{})
                       : list_offsets(admin, o.topic, *partitions, -1, &why);
        if (!start || !end) {
            std::fprintf(stderr, "sluice-perf: %s\n", why.c_str());
            return 1;
        }
        cc.topic = o.topic;
        cc.start = *start;
        cc.end = *end;
        cc.records = o.records;
        cc.partition_bytes = o.fetch_partition_bytes;
        cc.inflight = o.fetch_inflight > 0 ? o.fetch_inflight : o.mode == "e2e" ? 1 : 2;
        cc.e2e = o.mode == "e2e";
        cc.deadline_ns = deadline;
    }
    admin.close();

    std::atomic<bool> abort{false};
    std::atomic<int> running{0};
    std::vector<std::unique_ptr<worker>> workers;
    auto start_worker = [&](auto body) {
        auto w = std::make_unique<worker>();
        worker* raw = w.get();
        ++running;
        raw->thread = std::thread([&, raw, body] {
            auto c = std::make_unique<client::pipelined_connection>();
            raw->ok = c->connect(o.bootstrap, &raw->why) && body(*c, &raw->why);
            if (!raw->ok) abort = true;
            --running;
        });
        workers.push_back(std::move(w));
    };
    if (consume_meter) {
        start_worker([&, cc](client::pipelined_connection& c, std::string* w) {
            return load_consumer(c, cc, *consume_meter, abort).run(w);
        });
    }
    if (produce_meter) {
        const auto n = static_cast<size_t>(o.connections);
        for (size_t i = 0; i < n && i < partitions->size(); ++i) {
            producer_config pc;
            pc.topic = o.topic;
            for (size_t p = i; p < partitions->size(); p += n)
                pc.partitions.push_back((*partitions)[p]);
            pc.records = o.records / static_cast<int64_t>(n) +
                         (static_cast<int64_t>(i) < o.records % static_cast<int64_t>(n) ? 1 : 0);
            pc.record_size = o.record_size;
            pc.acks = o.acks_value();
            pc.batch_bytes = o.batch_bytes;
            pc.linger_ns = static_cast<int64_t>(o.linger_ms * 1e6);
            pc.rate = o.rate / static_cast<double>(n);
            pc.inflight = o.inflight;
            pc.deadline_ns = deadline;
            start_worker([&, pc](client::pipelined_connection& c, std::string* w) {
                return load_producer(c, pc, *produce_meter, abort).run(w);
            });
        }
    }

    std::vector<meter*> raw_meters;
    for (auto& m : meters) raw_meters.push_back(m.get());
    std::vector<timeline_row> timeline;
    const int64_t t0 = now_ns();
    int64_t next_tick = t0 + 1'000'000'000;
    auto sample_all = [&](int64_t at) {
        timeline_row row;
        row.t_s = static_cast<double>(at - t0) / 1e9;
        for (meter* m : raw_meters) row.samples.push_back(m->take_sample(row.t_s));
        timeline.push_back(row);
        if (!o.quiet) print_progress(raw_meters, row);
    };
    while (running.load() > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const int64_t now = now_ns();
        if (now >= next_tick) {
            sample_all(now);
            next_tick += 1'000'000'000;
        }
    }
    for (auto& w : workers) w->thread.join();
    // The last partial second, when it saw anything.
    if (now_ns() - (next_tick - 1'000'000'000) > 100'000'000) sample_all(now_ns());

    int rc = 0;
    for (auto& w : workers) {
        if (!w->ok && w->why != "aborted") {
            std::fprintf(stderr, "sluice-perf: %s\n", w->why.c_str());
            rc = 1;
        }
    }
    std::vector<meter_totals> totals;
    for (meter* m : raw_meters) totals.push_back(totals_of(*m));
    print_totals(totals);
    if (!o.json_file.empty() && !write_json(o.json_file, o, totals, timeline, &why)) {
        std::fprintf(stderr, "sluice-perf: %s\n", why.c_str());
        rc = 1;
    }
    if (!o.plot_file.empty()) (void)write_plot(o.plot_file, o, totals, timeline);
    return rc;
}

}  // namespace sluice::perf
