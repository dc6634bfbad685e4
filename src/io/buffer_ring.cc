#include "sluice/io/buffer_ring.h"

#include <liburing.h>
#include <sys/mman.h>

#include <cstring>

#include "sluice/common/assert.h"
#include "sluice/common/logger.h"

namespace sluice::io {

result<std::unique_ptr<buffer_ring>> buffer_ring::create(reactor& r, uint16_t group, uint32_t count,
                                                         uint32_t buffer_bytes) {
    SLUICE_ASSERT(count > 0 && count <= 32768 && (count & (count - 1)) == 0,
                  "buffer count %u is not a power of two <= 32768", count);
    std::unique_ptr<buffer_ring> br(new buffer_ring());
    br->_reactor = &r;
    br->_count = count;
    br->_buffer_bytes = buffer_bytes;
    br->_group = group;
    br->_ring_bytes = count * sizeof(io_uring_buf);
    // The ring itself must be page aligned; mmap gives that.
    void* mem =
        mmap(nullptr, br->_ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED) {
        SLUICE_LOG(error, "io", "buffer ring mmap failed: %s", std::strerror(errno));
        return common::fail(errc::setup_failed);
    }
    br->_ring = static_cast<io_uring_buf_ring*>(mem);
    io_uring_buf_ring_init(br->_ring);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(mem);
    reg.ring_entries = count;
    reg.bgid = group;
    int rc = io_uring_register_buf_ring(r.ring(), &reg, 0);
    if (rc < 0) {
        SLUICE_LOG(error, "io", "registering buffer ring %u failed: %s", group, std::strerror(-rc));
        munmap(mem, br->_ring_bytes);
        br->_ring = nullptr;
        return common::fail(errc::setup_failed);
    }
    br->_memory = std::make_unique<uint8_t[]>(static_cast<size_t>(count) * buffer_bytes);
    int mask = io_uring_buf_ring_mask(count);
    for (uint32_t i = 0; i < count; ++i) {
        io_uring_buf_ring_add(br->_ring, br->_memory.get() + static_cast<size_t>(i) * buffer_bytes,
                              buffer_bytes, static_cast<uint16_t>(i), mask, static_cast<int>(i));
    }
    io_uring_buf_ring_advance(br->_ring, static_cast<int>(count));
    return br;
}

buffer_ring::~buffer_ring() {
    if (_ring == nullptr) return;
    io_uring_unregister_buf_ring(_reactor->ring(), _group);
    munmap(_ring, _ring_bytes);
}

bool buffer_ring::has_buffer(uint32_t cqe_flags) {
    return (cqe_flags & IORING_CQE_F_BUFFER) != 0;
}

uint16_t buffer_ring::buffer_id(uint32_t cqe_flags) {
    return static_cast<uint16_t>(cqe_flags >> IORING_CQE_BUFFER_SHIFT);
}

std::span<uint8_t> buffer_ring::buffer(uint16_t id) {
    SLUICE_ASSERT(id < _count, "buffer id %u out of range %u", id, _count);
    return {_memory.get() + static_cast<size_t>(id) * _buffer_bytes, _buffer_bytes};
}

void buffer_ring::recycle(uint16_t id) {
    SLUICE_ASSERT(id < _count, "buffer id %u out of range %u", id, _count);
    io_uring_buf_ring_add(_ring, _memory.get() + static_cast<size_t>(id) * _buffer_bytes,
                          _buffer_bytes, id, io_uring_buf_ring_mask(_count), 0);
    io_uring_buf_ring_advance(_ring, 1);
}

}  // namespace sluice::io
