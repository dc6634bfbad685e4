#pragma once
// buffer_pool: receive chunks for connections, recycled so that the steady state does not
// allocate per request. A chunk is shared (shared_ptr) by every request whose frame it
// holds; it returns to the pool when the last one is done.
//
// Chunks come in power-of-two size classes from the standard size (256 KiB) up to 16 MiB;
// a connection that sends large frames asks for a class several frames large (see
// connection::arm_recv), so that a frame rarely straddles two chunks and has to be copied.
// Each class keeps a bounded number of free chunks: the standard one `keep_max`, larger
// ones fewer (their bytes count the same). Requests above the largest class are allocated
// and freed each time.
//
// Owned by the broker on its shard; chunks must not outlive the pool.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

namespace sluice::broker {

struct buffer_chunk {
    std::unique_ptr<uint8_t[]> data;
    size_t capacity = 0;
};
using chunk_ptr = std::shared_ptr<buffer_chunk>;

class buffer_pool {
  public:
    static constexpr size_t classes = 7;  // 256 KiB << 0..6 = 256 KiB .. 16 MiB

    explicit buffer_pool(size_t chunk_bytes = 256 * 1024, size_t keep_max = 256)
        : _chunk_bytes(std::bit_ceil(chunk_bytes)), _keep_max(keep_max) {}
    buffer_pool(const buffer_pool&) = delete;
    buffer_pool& operator=(const buffer_pool&) = delete;

    /// A chunk of at least `bytes`: the smallest size class that holds them.
    chunk_ptr get(size_t bytes) {
        const size_t cls = class_of(bytes);
        std::unique_ptr<buffer_chunk> c;
        if (cls < classes && !_free[cls].empty()) {
            c = std::move(_free[cls].back());
            _free[cls].pop_back();
        } else {
            c = std::make_unique<buffer_chunk>();
            c->capacity = cls < classes ? _chunk_bytes << cls : bytes;
            c->data.reset(new uint8_t[c->capacity]);
        }
        return chunk_ptr(c.release(), [this](buffer_chunk* raw) { put(raw); });
    }
    size_t chunk_bytes() const { return _chunk_bytes; }
    size_t largest_class_bytes() const { return _chunk_bytes << (classes - 1); }
    size_t pooled() const {
        size_t n = 0;
        for (const auto& f : _free) n += f.size();
        return n;
    }

  private:
    size_t class_of(size_t bytes) const {
        if (bytes <= _chunk_bytes) return 0;
        const size_t cls = static_cast<size_t>(std::countr_zero(std::bit_ceil(bytes))) -
                           static_cast<size_t>(std::countr_zero(_chunk_bytes));
        return std::min(cls, classes);  // `classes`: too large for any class
    }
    void put(buffer_chunk* raw) {
        std::unique_ptr<buffer_chunk> c(raw);
        const size_t cls = class_of(c->capacity);
        if (cls >= classes || (_chunk_bytes << cls) != c->capacity) return;
        // The same byte budget per class: half as many chunks twice as large, at least 2.
        const size_t keep = std::max<size_t>(2, _keep_max >> cls);
        if (_free[cls].size() < keep) _free[cls].push_back(std::move(c));
    }
    size_t _chunk_bytes;
    size_t _keep_max;
    std::array<std::vector<std::unique_ptr<buffer_chunk>>, classes> _free;
};

}  // namespace sluice::broker
