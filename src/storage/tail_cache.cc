#include "sluice/storage/tail_cache.h"

#include "sluice/common/assert.h"

namespace sluice::storage {

tail_cache& tail_cache::local() {
    thread_local tail_cache cache;
    return cache;
}

void tail_cache::add(copies& owner, std::shared_ptr<const uint8_t> bytes, uint64_t start,
                     uint64_t end, uint64_t budget) {
    SLUICE_ASSERT(end > start, "empty tail copy");
    _order.push_back({std::move(bytes), start, end, &owner});
    owner.push_back(std::prev(_order.end()));
    _bytes += end - start;
    while (_bytes > budget && !_order.empty()) {
        // The oldest copy overall is also the oldest of its segment: segments list theirs
        // in the order they were added here.
        copy& oldest = _order.front();
        SLUICE_ASSERT(!oldest.owner->empty() && oldest.owner->front() == _order.begin(),
                      "tail cache order broken");
        oldest.owner->pop_front();
        _bytes -= oldest.end - oldest.start;
        _order.pop_front();
    }
}

void tail_cache::drop(copies& owner) {
    for (handle h : owner) {
        _bytes -= h->end - h->start;
        _order.erase(h);
    }
    owner.clear();
}

bool tail_cache::gather(const copies& owner, uint64_t pos, uint64_t len, std::vector<iovec>& iov,
                        std::vector<std::shared_ptr<const uint8_t>>* owners) {
    const size_t iov_before = iov.size();
    const size_t owners_before = owners ? owners->size() : 0;
    uint64_t at = pos;
    const uint64_t end = pos + len;
    // Copies are in file order and overlap by less than a block (each direct write starts
    // at the block holding the previous end): take from each the bytes it holds from
    // `at` on.
    for (handle h : owner) {
        if (at >= end) break;
        if (h->end <= at || h->start > at) continue;
        const uint64_t take = std::min(end, h->end) - at;
        iov.push_back(
            {const_cast<uint8_t*>(h->bytes.get() + (at - h->start)), static_cast<size_t>(take)});
        if (owners) owners->push_back(h->bytes);
        at += take;
    }
    if (at >= end) return true;
    iov.resize(iov_before);
    if (owners) owners->resize(owners_before);
    return false;
}

}  // namespace sluice::storage
