#pragma once
// metrics_registry: the broker's own counters for the metrics endpoint (metrics_http.h).
//
// Owned by the broker on its shard and touched only on the reactor thread: plain
// integers, no atomics, no locks, no allocation once the request table is built. The
// data path only adds to them; a scrape (metrics_render.h) walks them together with the
// state the broker already keeps (connections, partitions, committed offsets) and the
// probes of the other modules (io::reactor's counters, storage::storage_probe).

#include <cstdint>
#include <vector>

#include "sluice/common/latency_histogram.h"

namespace sluice::broker {

/// Per partition, kept in the partition: what producers appended and fetches sent.
/// Summed per topic at a scrape; a deleted topic's counts go with it.
struct partition_probe {
    uint64_t bytes_in = 0;    // Produce batch bytes appended (as received)
    uint64_t records_in = 0;  // records in those batches
    uint64_t bytes_out = 0;   // record bytes in Fetch responses sent
    // Records in the batches sent, counted by the offsets they span (a compacted batch's
    // gaps count too; Kafka counts no records out at all).
    uint64_t records_out = 0;
};

/// Requests of one API at one version: how many were dispatched, and the time from
/// dispatch to the answer being queued on the connection (or dropped, acks=0).
struct request_probe {
    uint64_t requests = 0;
    common::latency_histogram latency;
};

class metrics_registry {
  public:
    /// Builds the request table from the API table (every served key and version).
    metrics_registry();

    /// nullptr for a key or version the broker does not serve.
    request_probe* request(int16_t api_key, int16_t api_version);
    const request_probe* request(int16_t api_key, int16_t api_version) const;
    /// Indexed by api key, then version (empty where nothing is served).
    const std::vector<std::vector<request_probe>>& requests() const { return _requests; }

    uint64_t connections_accepted = 0;
    int64_t produce_waiting = 0;  // Produce requests whose appends are not all durable yet
    int64_t fetch_waiting = 0;    // Fetch requests waiting for data (min_bytes, max_wait_ms)
    uint64_t scrapes = 0;         // GET /metrics answered

  private:
    std::vector<std::vector<request_probe>> _requests;
};

}  // namespace sluice::broker
