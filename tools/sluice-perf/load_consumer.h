#pragma once
// load_consumer: reads a topic's partitions from given offsets with pipelined Fetch
// requests on one connection, for sluice-perf consume and e2e.
//
// The partitions are split into `inflight` groups (partition i in group i % inflight);
// each group has one Fetch in flight, and a group's next Fetch goes out as soon as its
// answer has been read, so the broker serves one group while the tool digests another
// (a partition's next offset depends on the previous answer, so one partition cannot
// have two fetches in flight).
//
// Counting: plain consume counts records from the batch headers without decoding them;
// e2e decodes every record and reads the creation time the producer put in the first
// 8 bytes of its value. Latency series of the meter: consume: 0 "fetch" = response time -
// request time; e2e: 0 "e2e" = response time - record creation time, 1 "fetch".
//
// Runs on its own thread with its own connection; shares only the meter and the abort flag.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "meter.h"
#include "options.h"
#include "sluice/client/pipelined_connection.h"
#include "sluice/protocol/messages/fetch.h"

namespace sluice::perf {

struct consumer_config {
    std::string topic;
    std::map<int32_t, int64_t> start;  // partition -> first offset to read
    std::map<int32_t, int64_t> end;    // stop when every partition reached this (may be empty)
    int64_t records = 0;               // stop after this many (0: only by `end`)
    size_t partition_bytes = 1 << 20;
    int inflight = 2;
    int32_t max_wait_ms = 500;
    bool e2e = false;
    int64_t deadline_ns = 0;
};

class load_consumer {
  public:
    load_consumer(client::pipelined_connection& c, consumer_config cfg, meter& m,
                  const std::atomic<bool>& abort);

    bool run(std::string* why);
    int64_t consumed() const { return _consumed; }

  private:
    struct group {
        std::vector<int32_t> partitions;
        int32_t correlation_id = 0;
        int64_t sent_ns = 0;
        bool in_flight = false;
    };

    bool done() const;
    bool send_fetch(group& g, std::string* why);
    bool handle_response(group& g, std::string* why);

    client::pipelined_connection& _c;
    consumer_config _cfg;
    meter& _meter;
    const std::atomic<bool>& _abort;
    int16_t _version = -1;
    std::vector<group> _groups;
    std::deque<size_t> _order;  // groups in flight, in send order
    std::map<int32_t, int64_t> _next;
    protocol::fetch_request _req;
    std::vector<int64_t> _e2e_ns;  // scratch: e2e latencies of one response
    int64_t _consumed = 0;
};

}  // namespace sluice::perf
