#include "sluice/storage/offset_index.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "sluice/common/assert.h"
#include "sluice/common/endian.h"
#include "sluice/common/logger.h"

namespace sluice::storage {

using common::load_be32;
using common::store_be32;

result<offset_index> offset_index::open(const std::filesystem::path& path, int64_t base_offset,
                                        size_t max_index_bytes, bool writable) {
    SLUICE_ASSERT(base_offset >= 0, "base offset %lld", static_cast<long long>(base_offset));
    auto file = mapped_file::open(path, writable, 0);
    if (!file) return fail(file.error());
    // Only the bytes before the first hole can hold entries (reading the hole could
    // fault on a full tmpfs; mapped_file::data_bytes_at_open).
    const size_t data_bytes = file->data_bytes_at_open();
    if (!writable) {
        // A rolled segment's index was trimmed to its entries: every slot is one.
        size_t entries = data_bytes / entry_bytes;
        return offset_index(std::move(file).value(), base_offset, entries);
    }
    size_t entries = count_entries_before_zero_tail({file->data(), data_bytes}, entry_bytes);
    // Never cut entries that are already there, even if max_index_bytes shrank since
    // they were written: the index is then simply full and the segment rolls.
    size_t bytes = std::max(max_index_bytes / entry_bytes, entries) * entry_bytes;
    if (auto r = file->resize(bytes); !r) return fail(r.error());
    return offset_index(std::move(file).value(), base_offset, entries);
}

uint32_t offset_index::relative(int64_t offset) const {
    int64_t rel = offset - _base_offset;
    SLUICE_ASSERT(rel >= 0 && rel <= std::numeric_limits<uint32_t>::max(),
                  "offset %lld outside segment with base %lld", static_cast<long long>(offset),
                  static_cast<long long>(_base_offset));
    return static_cast<uint32_t>(rel);
}

offset_index::index_entry offset_index::entry(size_t i) const {
    SLUICE_ASSERT(i < _entries, "entry %zu of %zu", i, _entries);
    const uint8_t* p = _file.data() + i * entry_bytes;
    return {_base_offset + load_be32(p), load_be32(p + 4)};
}

std::optional<offset_index::index_entry> offset_index::last() const {
    if (_entries == 0) return std::nullopt;
    return entry(_entries - 1);
}

void offset_index::append(int64_t offset, uint32_t position) {
    SLUICE_ASSERT(_file.writable(), "append to read-only index %s", path().c_str());
    SLUICE_ASSERT(!full(), "append to full index %s (%zu entries)", path().c_str(), _entries);
    uint32_t rel = relative(offset);
    if (auto prev = last()) {
        SLUICE_ASSERT(offset > prev->offset && position > prev->position,
                      "index %s: entry (%lld, %u) does not follow (%lld, %u)", path().c_str(),
                      static_cast<long long>(offset), position,
                      static_cast<long long>(prev->offset), prev->position);
    }
    // On a full disk the entry is skipped: a store into a page the filesystem cannot back
    // is SIGBUS, and a missing entry only makes lookups scan a little further.
    if (!_file.reserve((_entries + 1) * entry_bytes)) return;
    uint8_t* p = _file.data() + _entries * entry_bytes;
    store_be32(p, rel);
    store_be32(p + 4, position);
    ++_entries;
}

std::optional<size_t> offset_index::floor_slot(int64_t target) const {
    // Offsets strictly grow, so the entries are sorted: find the first entry above target.
    size_t lo = 0;
    size_t hi = _entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry(mid).offset <= target) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) return std::nullopt;
    return lo - 1;
}

offset_index::index_entry offset_index::lookup(int64_t target) const {
    auto slot = floor_slot(target);
    if (!slot) return {_base_offset, 0};
    return entry(*slot);
}

std::optional<offset_index::index_entry> offset_index::floor_by_position(uint64_t max_position,
                                                                         int64_t max_offset) const {
    size_t lo = 0;
    size_t hi = _entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry(mid).position <= max_position) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) return std::nullopt;
    size_t slot = lo - 1;
    auto by_offset = floor_slot(max_offset);
    if (!by_offset) return std::nullopt;
    return entry(std::min(slot, *by_offset));
}

void offset_index::truncate_to(int64_t offset) {
    SLUICE_ASSERT(_file.writable(), "truncate of read-only index %s", path().c_str());
    // offset > base_offset >= 0 before subtracting, so offset - 1 cannot overflow.
    auto slot = offset > _base_offset ? floor_slot(offset - 1) : std::nullopt;
    size_t keep = slot ? *slot + 1 : 0;
    if (keep >= _entries) return;
    std::memset(_file.data() + keep * entry_bytes, 0, (_entries - keep) * entry_bytes);
    _entries = keep;
}

result<void> offset_index::trim() {
    if (!_file.writable()) return {};
    return _file.seal(_entries * entry_bytes);
}

result<void> offset_index::flush() {
    return _file.sync();
}

result<void> offset_index::sanity_check(uint64_t log_file_bytes) const {
    if (_file.size_at_open() % entry_bytes != 0) {
        SLUICE_LOG(warn, "storage", "index %s: length %zu is not a multiple of %zu", path().c_str(),
                   _file.size_at_open(), entry_bytes);
        return fail(errc::corrupt_index);
    }
    for (size_t i = 0; i < _entries; ++i) {
        auto e = entry(i);
        if (e.position >= log_file_bytes) {
            SLUICE_LOG(warn, "storage", "index %s: entry %zu position %u is past the log end %llu",
                       path().c_str(), i, e.position,
                       static_cast<unsigned long long>(log_file_bytes));
            return fail(errc::corrupt_index);
        }
        if (i == 0) continue;
        auto prev = entry(i - 1);
        if (e.offset <= prev.offset || e.position <= prev.position) {
            SLUICE_LOG(warn, "storage", "index %s: entry %zu (%lld, %u) does not follow (%lld, %u)",
                       path().c_str(), i, static_cast<long long>(e.offset), e.position,
                       static_cast<long long>(prev.offset), prev.position);
            return fail(errc::corrupt_index);
        }
    }
    return {};
}

result<void> offset_index::remove() {
    _entries = 0;
    return _file.remove();
}

}  // namespace sluice::storage
