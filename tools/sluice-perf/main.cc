// sluice-perf: a Kafka load generator on the project's own client code (produce, consume,
// end to end). Usage and what each figure means: tools/sluice-perf/README.md.

#include <CLI/CLI.hpp>

#include "run.h"

int main(int argc, char** argv) {
    using sluice::perf::perf_options;
    CLI::App app{
        "sluice-perf: produce, consume or both against a Kafka broker; prints records/s, "
        "MB/s and latency percentiles"};
    app.require_subcommand(1);
    perf_options o;

    auto common = [&](CLI::App* c) {
        c->add_option("-b,--bootstrap", o.bootstrap, "broker HOST:PORT")->capture_default_str();
        c->add_option("-t,--topic", o.topic, "topic")->capture_default_str();
        c->add_option("-n,--records", o.records, "records to produce / consume")
            ->capture_default_str();
        c->add_option("--json", o.json_file, "write the result as JSON to this file");
        c->add_option("--plot", o.plot_file,
                      "draw throughput and latency over time into this PNG (needs gnuplot)");
        c->add_option("--timeout", o.timeout_s, "give up after this many seconds")
            ->capture_default_str();
        c->add_flag("-q,--quiet", o.quiet, "no progress line every second");
    };
    auto producing = [&](CLI::App* c) {
        c->add_option("-s,--record-size", o.record_size, "value bytes per record (null key)")
            ->capture_default_str();
        c->add_option("-p,--partitions", o.partitions, "partitions if the topic is created")
            ->capture_default_str();
        c->add_option("-a,--acks", o.acks, "all, 1 or 0")->capture_default_str();
        c->add_option("--batch-size", o.batch_bytes, "bytes per partition batch at most")
            ->capture_default_str();
        c->add_option("--linger-ms", o.linger_ms, "send a batch that is not full after this long")
            ->capture_default_str();
        c->add_option("-r,--rate", o.rate, "records/s to offer (0: as fast as possible)")
            ->capture_default_str();
        c->add_option("--inflight", o.inflight,
                      "Produce requests in flight per connection (pipelining)")
            ->capture_default_str();
        c->add_option("--connections", o.connections, "producer connections (partitions split)")
            ->capture_default_str();
        c->add_option("--compression", o.compression, "none (codecs not yet)")
            ->capture_default_str();
    };
    auto consuming = [&](CLI::App* c) {
        c->add_option("--fetch-bytes", o.fetch_partition_bytes, "partition_max_bytes per Fetch")
            ->capture_default_str();
        c->add_option("--fetch-inflight", o.fetch_inflight,
                      "Fetch requests in flight, partitions split into this many groups "
                      "(default: 2 for consume, 1 for e2e)");
    };

    auto* produce = app.add_subcommand("produce", "produce --records records as fast as allowed");
    common(produce);
    producing(produce);
    auto* consume = app.add_subcommand(
        "consume", "read --records records (or up to the end) of every partition from the start");
    common(consume);
    consuming(consume);
    auto* e2e = app.add_subcommand(
        "e2e", "produce and consume at once; end-to-end latency = consume time - send time");
    common(e2e);
    producing(e2e);
    consuming(e2e);

    CLI11_PARSE(app, argc, argv);
    o.mode = produce->parsed() ? "produce" : consume->parsed() ? "consume" : "e2e";
    return sluice::perf::run(o);
}
