#pragma once
// buffer_pool: receive chunks for connections, recycled so that the steady state does not
// allocate per request. A chunk is shared (shared_ptr) by every request whose frame it
// holds; it returns to the pool when the last one is done.
//
// Owned by the broker on its shard; chunks must not outlive the pool.

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
    explicit buffer_pool(size_t chunk_bytes = 256 * 1024, size_t keep_max = 256)
        : _chunk_bytes(chunk_bytes), _keep_max(keep_max) {}
    buffer_pool(const buffer_pool&) = delete;
    buffer_pool& operator=(const buffer_pool&) = delete;

    /// A chunk of at least `bytes` (the standard size unless a frame needs more).
    chunk_ptr get(size_t bytes) {
        std::unique_ptr<buffer_chunk> c;
        if (bytes <= _chunk_bytes && !_free.empty()) {
            c = std::move(_free.back());
            _free.pop_back();
        } else {
            c = std::make_unique<buffer_chunk>();
            c->capacity = std::max(bytes, _chunk_bytes);
            c->data.reset(new uint8_t[c->capacity]);
        }
        return chunk_ptr(c.release(), [this](buffer_chunk* raw) { put(raw); });
    }
    size_t chunk_bytes() const { return _chunk_bytes; }
    size_t pooled() const { return _free.size(); }

  private:
    void put(buffer_chunk* raw) {
        std::unique_ptr<buffer_chunk> c(raw);
        if (c->capacity == _chunk_bytes && _free.size() < _keep_max) _free.push_back(std::move(c));
    }
    size_t _chunk_bytes;
    size_t _keep_max;
    std::vector<std::unique_ptr<buffer_chunk>> _free;
};

}  // namespace sluice::broker
