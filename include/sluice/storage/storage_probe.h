#pragma once
// storage_probe: the storage metrics of one shard: how long each fdatasync of a partition
// log took, and how many failed. Logs fill it on the reactor thread when the fdatasync
// completes; the broker's metrics endpoint reads it on the same thread at a scrape.
//
// One per thread (thread_local), so a log needs no pointer to it and shards never share
// one; the cleaner thread's own syncs (compaction.h) are not counted here.

#include <cstdint>

#include "sluice/common/latency_histogram.h"

namespace sluice::storage {

struct storage_probe {
    common::latency_histogram fdatasync_latency;  // submission to completion
    uint64_t fdatasync_errors = 0;

    /// The calling thread's probe.
    static storage_probe& local() {
        static thread_local storage_probe probe;
        return probe;
    }
};

}  // namespace sluice::storage
