#pragma once
// Settings of one sluice-perf run, filled from the command line (main.cc).

#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::perf {

struct perf_options {
    std::string mode;  // produce | consume | e2e
    std::string bootstrap = "127.0.0.1:9092";
    std::string topic = "sluice-perf";
    int64_t records = 1000000;
    size_t record_size = 1024;
    int32_t partitions = 8;  // when the topic has to be created
    std::string acks = "all";
    size_t batch_bytes = 65536;
    double linger_ms = 5;
    double rate = 0;  // records/s over all connections; 0: as fast as possible
    int inflight = 5;
    int connections = 1;
    std::string compression = "none";
    size_t fetch_partition_bytes = 1 << 20;
    // Fetches in flight; 0: 2 for consume, 1 for e2e. Responses come back in request order,
    // so a fetch parked at the broker waiting for data (long poll) holds back the answers
    // behind it: pipelining pays only while catching up.
    int fetch_inflight = 0;
    double timeout_s = 600;  // give up if the run has not finished by then
    std::string json_file;
    std::string plot_file;
    bool quiet = false;  // no progress lines

    /// acks as Kafka's int16: -1 (all), 1 or 0.
    int16_t acks_value() const { return acks == "all" || acks == "-1" ? -1 : acks == "1" ? 1 : 0; }
};

/// CLOCK_MONOTONIC in nanoseconds: every duration sluice-perf reports, and the send time
/// an e2e record carries in its value (producer and consumer run in one process).
int64_t now_ns();

}  // namespace sluice::perf
