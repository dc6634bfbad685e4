#pragma once
// load_producer: one connection's share of a sluice-perf produce load.
//
// Records (null key, a fixed pseudo-random value whose first 8 bytes are replaced by the
// record's creation time, CLOCK_MONOTONIC ns) are created at the target rate and appended
// to the open batch of the current partition; a batch is sealed when the next record would
// pass batch_bytes or when it has lingered linger_ns, and the next batch goes to the next
// partition (round robin, sticky per batch, as Kafka's sticky partitioner). Sealed batches
// (at most one per partition) go out together in one Produce request as soon as fewer than
// `inflight` requests are awaiting their responses; responses arrive in order.
//
// Latency series of the meter: 0 "ack": response time - the time the request containing
// the record was sent; 1 "delivery": response time - the record's creation time (what
// librdkafka's delivery reports measure: queueing in the producer included).
//
// Runs on its own thread with its own connection; shares only the meter and the abort
// flag. Steady state allocates nothing: batch writers, the request struct and the
// in-flight table are reused.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "batch_writer.h"
#include "meter.h"
#include "options.h"
#include "sluice/client/pipelined_connection.h"
#include "sluice/protocol/messages/produce.h"

namespace sluice::perf {

struct producer_config {
    std::string topic;
    std::vector<int32_t> partitions;  // this connection's partitions
    int64_t records = 0;              // this connection's share
    size_t record_size = 1024;
    int16_t acks = -1;
    size_t batch_bytes = 65536;
    int64_t linger_ns = 0;
    double rate = 0;  // records/s for this connection, 0: unlimited
    int inflight = 5;
    int64_t deadline_ns = 0;  // monotonic; give up after
};

class load_producer {
  public:
    load_producer(client::pipelined_connection& c, producer_config cfg, meter& m,
                  const std::atomic<bool>& abort);

    /// Produce every record and wait for every response; false with *why on failure.
    bool run(std::string* why);

  private:
    struct batch {
        int32_t partition = 0;
        int64_t first_ns = 0;
        batch_writer writer;
        std::vector<int64_t> created_ns;
    };
    struct request {
        int32_t correlation_id = 0;
        int64_t sent_ns = 0;
        std::vector<int64_t> created_ns;  // one per record
    };

    void generate(int64_t now);
    bool seal_open();
    bool send_ready(std::string* why);
    bool receive_one(std::string* why);
    bool drain_acks0(std::string* why);
    int64_t due_ns(int64_t record) const;

    client::pipelined_connection& _c;
    producer_config _cfg;
    meter& _meter;
    const std::atomic<bool>& _abort;
    int16_t _version = -1;
    size_t _ready_max = 1;

    std::vector<uint8_t> _payload;
    std::vector<std::unique_ptr<batch>> _batches;  // owns every batch
    std::vector<batch*> _free;
    std::deque<batch*> _ready;
    batch* _open = nullptr;
    size_t _next_partition = 0;

    std::vector<request> _inflight;  // ring of _cfg.inflight entries
    size_t _inflight_head = 0;
    size_t _inflight_count = 0;
    protocol::produce_request _req;

    int64_t _start_ns = 0;
    int64_t _wall_start_ms = 0;
    int64_t _generated = 0;
    int64_t _completed = 0;
};

}  // namespace sluice::perf
