#pragma once
// direct_writer: turns a log's queued batches into one O_DIRECT write (log.write.mode=direct).
//
// O_DIRECT wants the memory, the file position and the length aligned to the device's
// block. Batches are neither, so each write copies them into an aligned staging buffer
// behind the segment's partial last block, pads to the block with zeros, and writes whole
// blocks from the block that holds the segment's written end. The partial block is written
// again, completed, by the next write; the zero padding past the data is what the file
// holds beyond its written end meanwhile (recovery reads it as a clean end, and the
// segment trims it when it is sealed or closed: segment::trim_padding).
//
// The copy replaces the kernel's copy into page-cache pages that buffered writes make; on
// VMs whose free memory goes back to the host, those fresh pages are what buffered writes
// pay for (perf/README.md). Reads still go through the page cache (splice, pread).
//
// One per log, on the log's shard; not thread-safe. Staging buffers come from a per-thread
// pool and go back to it when the write completes, so only the partial block (4 KiB) stays
// with each log between writes.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "sluice/storage/errc.h"

namespace sluice::storage {

class segment;

/// An aligned heap buffer (free()d, not delete[]d).
struct aligned_free {
    void operator()(uint8_t* p) const;
};
using aligned_bytes = std::unique_ptr<uint8_t, aligned_free>;

class direct_writer {
  public:
    static constexpr size_t block_bytes = 4096;
    /// Bytes of batches one write takes at most (a larger single batch goes alone).
    static constexpr size_t max_write_bytes = 4u << 20;

    /// One aligned write: `data` at file offset `position`; `logical_bytes` of batch data
    /// follow the segment's written end.
    struct prepared {
        iovec data;
        uint64_t position;
        uint64_t logical_bytes;
    };

    direct_writer() = default;
    direct_writer(const direct_writer&) = delete;
    direct_writer& operator=(const direct_writer&) = delete;
    ~direct_writer();

    /// Copy the segment's partial last block and `batches` into staging. Reads the partial
    /// block from the file when this writer did not write it (first write after open, a
    /// truncation, or a buffered write in between). One write at a time.
    result<prepared> prepare(const segment& seg, std::span<const iovec> batches);
    /// What a completed write leaves: its staging copy of file bytes [start, end), when
    /// the caller asked to keep it (the segment's tail cache), else null.
    struct copy {
        std::shared_ptr<const uint8_t> bytes;
        uint64_t start = 0;
        uint64_t end = 0;
    };
    /// The write completed: keep its partial last block; the staging buffer goes back to
    /// the pool, or to the caller when `keep_copy`.
    copy written(bool keep_copy);
    /// The write failed, or the segment changed under the writer: forget what it holds.
    void reset();

    static uint64_t align_down(uint64_t n) { return n & ~static_cast<uint64_t>(block_bytes - 1); }
    static uint64_t align_up(uint64_t n) { return align_down(n + block_bytes - 1); }

  private:
    aligned_bytes _staging;
    size_t _staging_capacity = 0;
    aligned_bytes _tail;  // the partial last block, kept between writes
    size_t _tail_len = 0;
    // Which segment end `_tail` belongs to (compared by identity, base offset and end).
    const segment* _tail_segment = nullptr;
    int64_t _tail_base_offset = -1;
    uint64_t _tail_end = 0;
    // The write in flight.
    const segment* _inflight_segment = nullptr;
    uint64_t _inflight_end = 0;
    uint64_t _staging_start = 0;  // file position of the staging buffer's first byte
};

}  // namespace sluice::storage
