#include "sluice/storage/time_index.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "sluice/common/assert.h"
#include "sluice/common/endian.h"
#include "sluice/common/logger.h"

namespace sluice::storage {

using common::load_be32;
using common::load_be64;
using common::store_be32;
using common::store_be64;

result<time_index> time_index::open(const std::filesystem::path& path, int64_t base_offset,
                                    size_t max_index_bytes, bool writable) {
    SLUICE_ASSERT(base_offset >= 0, "base offset %lld", static_cast<long long>(base_offset));
    auto file = mapped_file::open(path, writable, 0);
    if (!file) return fail(file.error());
    // Only the bytes before the first hole can hold entries (reading the hole could
    // fault on a full tmpfs; mapped_file::data_bytes_at_open).
    const size_t data_bytes = file->data_bytes_at_open();
    if (!writable) {
        size_t entries = data_bytes / entry_bytes;
        return time_index(std::move(file).value(), base_offset, entries);
    }
    size_t entries = count_entries_before_zero_tail({file->data(), data_bytes}, entry_bytes);
    // As in offset_index: never cut entries that are already there.
    size_t bytes = std::max(max_index_bytes / entry_bytes, entries) * entry_bytes;
    if (auto r = file->resize(bytes); !r) return fail(r.error());
    return time_index(std::move(file).value(), base_offset, entries);
}

time_index::index_entry time_index::entry(size_t i) const {
    SLUICE_ASSERT(i < _entries, "entry %zu of %zu", i, _entries);
    const uint8_t* p = _file.data() + i * entry_bytes;
    return {static_cast<int64_t>(load_be64(p)), _base_offset + load_be32(p + 8)};
}

std::optional<time_index::index_entry> time_index::last() const {
    if (_entries == 0) return std::nullopt;
    return entry(_entries - 1);
}

bool time_index::maybe_append(int64_t timestamp, int64_t offset) {
    SLUICE_ASSERT(_file.writable(), "append to read-only index %s", path().c_str());
    int64_t rel = offset - _base_offset;
    SLUICE_ASSERT(rel >= 0 && rel <= std::numeric_limits<uint32_t>::max(),
                  "offset %lld outside segment with base %lld", static_cast<long long>(offset),
                  static_cast<long long>(_base_offset));
    auto prev = last();
    if (prev) {
        SLUICE_ASSERT(offset >= prev->offset, "time index %s: offset %lld before last %lld",
                      path().c_str(), static_cast<long long>(offset),
                      static_cast<long long>(prev->offset));
        if (timestamp <= prev->timestamp) return false;
        // An all-zero entry after entry 0 would read as the preallocated tail on reopen
        // and hide itself and every later entry. It can only follow a negative timestamp
        // at the base offset; skipping it loses nothing, the next larger timestamp
        // covers the same offsets.
        if (timestamp == 0 && rel == 0) return false;
    }
    SLUICE_ASSERT(!full(), "append to full index %s (%zu entries)", path().c_str(), _entries);
    // On a full disk the entry is skipped (a store into an unbacked page is SIGBUS).
    _last_skipped = !_file.reserve((_entries + 1) * entry_bytes);
    if (_last_skipped) return false;
    uint8_t* p = _file.data() + _entries * entry_bytes;
    store_be64(p, static_cast<uint64_t>(timestamp));
    store_be32(p + 8, static_cast<uint32_t>(rel));
    ++_entries;
    return true;
}

time_index::index_entry time_index::lookup(int64_t ts) const {
    // Timestamps strictly grow: find the first entry above ts, answer the one before it.
    size_t lo = 0;
    size_t hi = _entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry(mid).timestamp <= ts) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) return {no_timestamp, _base_offset};
    return entry(lo - 1);
}

void time_index::truncate_to(int64_t offset) {
    SLUICE_ASSERT(_file.writable(), "truncate of read-only index %s", path().c_str());
    // Offsets never go backwards: keep the entries before the first with offset >= offset.
    size_t lo = 0;
    size_t hi = _entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry(mid).offset < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo >= _entries) return;
    std::memset(_file.data() + lo * entry_bytes, 0, (_entries - lo) * entry_bytes);
    _entries = lo;
}

result<void> time_index::trim() {
    if (!_file.writable()) return {};
    if (_last_skipped) {
        // The segment's largest timestamp did not get its entry, and a sealed segment's
        // load() would take the last entry for it (retention would then find the segment
        // older than it is). An empty time index makes load() read every batch header.
        _entries = 0;
        _last_skipped = false;
    }
    return _file.seal(_entries * entry_bytes);
}

result<void> time_index::flush() {
    return _file.sync();
}

result<void> time_index::sanity_check() const {
    if (_file.size_at_open() % entry_bytes != 0) {
        SLUICE_LOG(warn, "storage", "time index %s: length %zu is not a multiple of %zu",
                   path().c_str(), _file.size_at_open(), entry_bytes);
        return fail(errc::corrupt_index);
    }
    for (size_t i = 1; i < _entries; ++i) {
        auto e = entry(i);
        auto prev = entry(i - 1);
        if (e.timestamp <= prev.timestamp || e.offset < prev.offset) {
            SLUICE_LOG(warn, "storage",
                       "time index %s: entry %zu (%lld, %lld) does not follow (%lld, %lld)",
                       path().c_str(), i, static_cast<long long>(e.timestamp),
                       static_cast<long long>(e.offset), static_cast<long long>(prev.timestamp),
                       static_cast<long long>(prev.offset));
            return fail(errc::corrupt_index);
        }
    }
    return {};
}

result<void> time_index::remove() {
    _entries = 0;
    _last_skipped = false;
    return _file.remove();
}

}  // namespace sluice::storage
