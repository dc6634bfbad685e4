#include "sluice/storage/direct_writer.h"

#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "sluice/common/assert.h"
#include "sluice/common/logger.h"
#include "sluice/storage/segment.h"

namespace sluice::storage {

void aligned_free::operator()(uint8_t* p) const {
    std::free(p);
}

namespace {

aligned_bytes allocate_aligned(size_t bytes) {
    void* p = nullptr;
    if (::posix_memalign(&p, direct_writer::block_bytes, bytes) != 0) throw std::bad_alloc();
    return aligned_bytes(static_cast<uint8_t*>(p));
}

/// Staging buffers of the shard's logs, in power-of-two sizes: a log holds one only while
/// its write is in flight, so a shard with many partitions needs few.
class staging_pool {
  public:
    aligned_bytes take(size_t need, size_t& capacity) {
        capacity = std::bit_ceil(std::max<size_t>(need, min_bytes));
        for (auto it = _free.begin(); it != _free.end(); ++it) {
            if (it->capacity == capacity) {
                aligned_bytes b = std::move(it->bytes);
                _free.erase(it);
                return b;
            }
        }
        return allocate_aligned(capacity);
    }
    void give(aligned_bytes b, size_t capacity) {
        if (_free.size() < max_kept && capacity <= max_kept_bytes) {
            _free.push_back({std::move(b), capacity});
        }
    }

  private:
    static constexpr size_t min_bytes = 64u << 10;
    static constexpr size_t max_kept = 8;
    static constexpr size_t max_kept_bytes = 2 * direct_writer::max_write_bytes;
    struct entry {
        aligned_bytes bytes;
        size_t capacity;
    };
    std::vector<entry> _free;
};

thread_local staging_pool pool;

}  // namespace

direct_writer::~direct_writer() {
    reset();
}

result<direct_writer::prepared> direct_writer::prepare(const segment& seg,
                                                       std::span<const iovec> batches) {
    SLUICE_ASSERT(!_staging, "direct_writer: a write is already in flight");
    const uint64_t end = seg.written_bytes();
    const uint64_t start = align_down(end);
    const size_t head = static_cast<size_t>(end - start);
    if (_tail_segment != &seg || _tail_base_offset != seg.base_offset() || _tail_end != end) {
        if (!_tail) _tail = allocate_aligned(block_bytes);
        if (head > 0 && !pread_all(seg.fd(), _tail.get(), head, start)) {
            SLUICE_LOG(error, "storage", "cannot read the last block of %s: %s",
                       seg.file()->path.c_str(), errno ? std::strerror(errno) : "end of file");
            return fail(errc::io_error);
        }
        _tail_len = head;
    }
    SLUICE_ASSERT(_tail_len == head, "direct_writer: tail of %zu bytes, expected %zu", _tail_len,
                  head);
    uint64_t data = 0;
    for (const iovec& v : batches) data += v.iov_len;
    const size_t total = head + static_cast<size_t>(data);
    const size_t aligned = static_cast<size_t>(align_up(total));
    _staging = pool.take(aligned, _staging_capacity);
    uint8_t* p = _staging.get();
    if (head > 0) std::memcpy(p, _tail.get(), head);
    p += head;
    for (const iovec& v : batches) {
        std::memcpy(p, v.iov_base, v.iov_len);
        p += v.iov_len;
    }
    std::memset(p, 0, aligned - total);
    _inflight_segment = &seg;
    _inflight_end = end + data;
    _staging_start = start;
    return prepared{{_staging.get(), aligned}, start, data};
}

direct_writer::copy direct_writer::written(bool keep_copy) {
    SLUICE_ASSERT(_staging, "direct_writer: no write in flight");
    // The staging buffer began at the block that held the previous end; the new partial
    // block is the bytes from the last block boundary to the new end.
    const uint64_t start = align_down(_inflight_end);
    const size_t keep = static_cast<size_t>(_inflight_end - start);
    if (keep > 0) {
        if (!_tail) _tail = allocate_aligned(block_bytes);
        std::memcpy(_tail.get(), _staging.get() + (start - _staging_start), keep);
    }
    _tail_len = keep;
    _tail_segment = _inflight_segment;
    _tail_base_offset = _inflight_segment->base_offset();
    _tail_end = _inflight_end;
    _inflight_segment = nullptr;
    copy out;
    if (keep_copy) {
        out.bytes = std::shared_ptr<const uint8_t>(_staging.release(), aligned_free{});
        out.start = _staging_start;
        out.end = _inflight_end;
    } else {
        pool.give(std::move(_staging), _staging_capacity);
    }
    return out;
}

void direct_writer::reset() {
    if (_staging) pool.give(std::move(_staging), _staging_capacity);
    _inflight_segment = nullptr;
    _tail_segment = nullptr;
    _tail_base_offset = -1;
    _tail_len = 0;
}

}  // namespace sluice::storage
