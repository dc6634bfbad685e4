#pragma once
// compaction_job: one log compaction pass, split so that its heavy middle runs off the
// shard (log_cleaner.cc has the algorithm):
//
//   log::begin_compaction(now)   on the log's shard: picks the cleanable range (closed,
//                                durable segments older than min.compaction.lag.ms), checks
//                                the dirty ratio; nullptr when there is nothing to do
//   compaction_job::run()        on any thread: builds the key -> latest offset map over
//                                the range and writes `<base>.log.cleaned` files (fsynced)
//                                for the segments that lose records. It touches no log
//                                state: only the segment files it holds open and its dir.
//   log::finish_compaction(job)  on the shard again: if the range's segments are still
//                                the ones the job read (retention, truncation or deletion
//                                may have changed them meanwhile), writes the cleaner
//                                checkpoint and swaps the cleaned files in; otherwise
//                                deletes them.
//
// log::compact() runs the three in a row on the calling thread. A crash at any moment is
// safe: leftover `.cleaned` files are deleted at open, `.swap` files completed.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "sluice/storage/errc.h"
#include "sluice/storage/segment.h"

namespace sluice::storage {

/// What one compaction pass did.
struct cleaner_stats {
    double dirty_ratio = 0;         // of the cleanable range before the pass
    size_t segments_rewritten = 0;  // segments swapped for a cleaned copy
    uint64_t bytes_before = 0;      // of the rewritten segments
    uint64_t bytes_after = 0;
    uint64_t records_removed = 0;     // superseded by a later record with the same key
    uint64_t tombstones_removed = 0;  // past delete.retention.ms
};

/// A closed segment of the range, as the job reads it.
struct compaction_segment {
    int64_t base_offset = 0;
    std::shared_ptr<segment_file> file;  // keeps the file readable even if it is deleted
    uint64_t bytes = 0;
    int64_t max_timestamp = -1;
};

struct compaction_job {
    // Set by log::begin_compaction.
    std::filesystem::path dir;
    int64_t now_ms = 0;
    int64_t delete_retention_ms = 0;
    std::vector<compaction_segment> range;
    int64_t range_end = 0;  // base offset of the segment after the range
    cleaner_stats stats;
    /// Set by whoever runs the job to make run() give up early (errc::not_found).
    const std::atomic<bool>* cancel = nullptr;

    // Set by run().
    std::vector<int64_t> rewritten;  // base offsets with a `.cleaned` file
    std::optional<errc> error;

    void run();
    /// Delete the `.cleaned` files (a job that will not be finished).
    void discard();
};

}  // namespace sluice::storage
