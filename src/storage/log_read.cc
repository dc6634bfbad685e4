// log reads: byte ranges for Fetch, and lookups by timestamp for ListOffsets.

#include <algorithm>

#include "sluice/storage/log.h"

namespace sluice::storage {

result<read_slice> log::read(int64_t start, int64_t max_offset, size_t max_bytes) const {
    if (start < _log_start_offset || start > _next_offset) return fail(errc::offset_out_of_range);
    read_slice slice;
    slice.first_offset = slice.next_offset = start;
    if (start >= max_offset) return slice;
    // The segment holding `start`, then later ones if it has nothing at or after it.
    auto it = _segments.upper_bound(start);
    if (it != _segments.begin()) --it;
    for (; it != _segments.end(); ++it) {
        const segment& seg = *it->second;
        const uint64_t bound = seg.written_bytes();
        auto first = seg.find_batch(start, bound);
        if (!first) continue;
        if (first->last_offset >= max_offset) return slice;
        slice.file = seg.file();
        slice.position = first->position;
        slice.bytes = first->size_bytes;
        slice.first_offset = first->base_offset;
        slice.next_offset = first->last_offset + 1;
        // Whole batches after the first while they fit in max_bytes and stay below the
        // limit. The offset index jumps over most of them: every batch before an indexed
        // batch start ends there, below its base offset (one pread instead of one per batch).
        const uint64_t fits_until =
            std::min<uint64_t>(bound, slice.position + std::min<uint64_t>(max_bytes, UINT32_MAX));
        if (auto e = seg.indexed_batch_before(fits_until, max_offset);
            e && e->position > slice.position + slice.bytes) {
            slice.bytes = static_cast<uint32_t>(e->position - slice.position);
            slice.next_offset = e->offset;
        }
        while (auto h = seg.read_header(slice.position + slice.bytes, bound)) {
            if (h->last_offset >= max_offset || slice.bytes + h->size_bytes > max_bytes) break;
            slice.bytes += h->size_bytes;
            slice.next_offset = h->last_offset + 1;
        }
        (void)seg.cached(slice.position, slice.bytes, slice.mem, &slice.mem_owners);
        return slice;
    }
    return slice;
}

std::optional<int64_t> log::offset_for_timestamp(int64_t ts) const {
    auto found = record_for_timestamp(ts);
    if (!found) return std::nullopt;
    return found->offset;
}

std::optional<timestamp_and_offset> log::record_for_timestamp(int64_t ts) const {
    for (const auto& [base, seg] : _segments) {
        if (seg->max_timestamp() < ts) continue;
        if (auto o = seg->find_record_for_timestamp(ts, seg->written_bytes())) {
            o->offset = std::max(o->offset, _log_start_offset);
            return o;
        }
    }
    return std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> log::max_timestamp() const {
    std::optional<std::pair<int64_t, int64_t>> best;
    for (const auto& [base, seg] : _segments) {
        if (seg->max_timestamp() < 0) continue;
        if (!best || seg->max_timestamp() > best->first) {
            best = {seg->max_timestamp(), seg->offset_of_max_timestamp()};
        }
    }
    return best;
}

}  // namespace sluice::storage
