#pragma once
// buffer_ring: a group of equal-sized receive buffers the kernel picks from
// (io_uring provided-buffer ring, IORING_REGISTER_PBUF_RING). A recv_provided() operation
// names the group; its CQE carries the id of the buffer the kernel filled. The owner hands
// the buffer back with recycle() once done with the bytes.
//
// Owned by one reactor's thread; must be destroyed before its reactor. Memory is allocated
// once at creation, so receiving allocates nothing.

#include <cstdint>
#include <memory>
#include <span>

#include "sluice/io/reactor.h"

struct io_uring_buf_ring;

namespace sluice::io {

class buffer_ring {
  public:
    /// count must be a power of two (kernel rule), at most 32768.
    static result<std::unique_ptr<buffer_ring>> create(reactor& r, uint16_t group, uint32_t count,
                                                       uint32_t buffer_bytes);
    ~buffer_ring();
    buffer_ring(const buffer_ring&) = delete;
    buffer_ring& operator=(const buffer_ring&) = delete;

    uint16_t group() const { return _group; }
    uint32_t buffer_bytes() const { return _buffer_bytes; }
    /// True when the CQE says a buffer was picked (IORING_CQE_F_BUFFER).
    static bool has_buffer(uint32_t cqe_flags);
    /// The buffer id carried in a CQE's flags.
    static uint16_t buffer_id(uint32_t cqe_flags);
    std::span<uint8_t> buffer(uint16_t id);
    /// Return buffer `id` to the kernel.
    void recycle(uint16_t id);

  private:
    buffer_ring() = default;
    reactor* _reactor = nullptr;
    io_uring_buf_ring* _ring = nullptr;
    size_t _ring_bytes = 0;
    std::unique_ptr<uint8_t[]> _memory;
    uint32_t _count = 0;
    uint32_t _buffer_bytes = 0;
    uint16_t _group = 0;
};

}  // namespace sluice::io
