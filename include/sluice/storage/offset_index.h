#pragma once
// The sparse offset index of one segment: the `.index` file beside its `.log`, in
// Kafka's format (Kafka's OffsetIndex / AbstractIndex). Byte layout, the zero-tail rule
// and the recovery rule: src/storage/README.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "sluice/storage/errc.h"
#include "sluice/storage/file_util.h"

namespace sluice::storage {

/// Maps a logical offset to the byte position in the segment's `.log` of a batch at or
/// before it, so that a fetch scans at most `index.interval.bytes` of log.
///
/// Owned by its segment, on the partition's shard; not thread-safe. Lifecycle:
/// - active segment: open(writable) preallocates the file to max_index_bytes (zeros)
///   and maps it; append() as the log grows; truncate_to() when the log is truncated.
/// - roll or clean close: trim() cuts the file to its entries, fsyncs it, and the index
///   is read-only from then on.
/// - retention: remove(). The destructor only unmaps.
/// Durability: append() stores into the shared mapping, so an entry is in the page cache
/// at once and on disk after flush() (or whenever the kernel writes the page back). The
/// index is a cache of the `.log`: after an unclean stop it is checked with
/// sanity_check() and rebuilt from the log if it fails, so it never needs to be fsynced
/// before the log data it points into.
class offset_index {
  public:
    /// One entry: a batch starting at or before `offset` begins at `position` in the .log.
    struct index_entry {
        int64_t offset;
        uint32_t position;
        bool operator==(const index_entry&) const = default;
    };

    /// Bytes per entry on disk: relative offset u32, position u32, big-endian.
    static constexpr size_t entry_bytes = 8;

    /// `writable` (active segment): create if missing, keep the entries already there
    /// (counted up to the zero tail), set the length to max_index_bytes rounded down to
    /// a multiple of 8. Read-only (rolled segment): map the file at its length.
    [[nodiscard]] static result<offset_index> open(const std::filesystem::path& path,
                                                   int64_t base_offset, size_t max_index_bytes,
                                                   bool writable);

    offset_index(offset_index&&) noexcept = default;
    offset_index& operator=(offset_index&&) noexcept = default;
    offset_index(const offset_index&) = delete;
    offset_index& operator=(const offset_index&) = delete;
    ~offset_index() = default;

    /// Adds an entry. The caller guarantees that offset and position both strictly grow
    /// and that the index is writable and not full(); anything else is a bug and aborts.
    /// When the disk has no room for the entry's page (mapped_file::reserve) the entry is
    /// skipped: the index is sparse anyway, so lookups stay right and scan further.
    void append(int64_t offset, uint32_t position);

    /// The entry with the largest offset <= target, or {base_offset, 0} if there is none
    /// (the first batch of a segment is at position 0). O(log entries).
    index_entry lookup(int64_t target) const;
    /// The entry with the largest position <= max_position whose offset is <= max_offset,
    /// if any (positions grow with offsets, so both bounds are one binary search each).
    std::optional<index_entry> floor_by_position(uint64_t max_position, int64_t max_offset) const;

    index_entry entry(size_t i) const;
    std::optional<index_entry> last() const;
    size_t entries() const { return _entries; }
    size_t max_entries() const { return _file.size() / entry_bytes; }
    bool full() const { return _entries >= max_entries(); }
    bool writable() const { return _file.writable(); }
    int64_t base_offset() const { return _base_offset; }
    const std::filesystem::path& path() const { return _file.path(); }

    /// Removes every entry with offset >= `offset`, zeroing them so that a reopen counts
    /// the right number. Writable index only (the log reopens a rolled segment's indexes
    /// writable before it truncates into it, as Kafka makes it the active segment).
    void truncate_to(int64_t offset);

    /// Cuts the file to exactly entries() * 8 bytes, fsyncs it and maps it read-only.
    /// Called on roll and at clean close. A no-op on a read-only index.
    [[nodiscard]] result<void> trim();

    /// msync + fsync: every entry appended so far is durable on success.
    [[nodiscard]] result<void> flush();

    /// corrupt_index (logged with the reason) when the file length was not a multiple
    /// of 8, offsets or positions do not strictly grow, or a position is not inside a
    /// log of `log_file_bytes` bytes. Run after an unclean stop, before trusting lookup().
    [[nodiscard]] result<void> sanity_check(uint64_t log_file_bytes) const;

    /// Unmaps and unlinks the file (segment deletion or index rebuild).
    [[nodiscard]] result<void> remove();

  private:
    offset_index(mapped_file file, int64_t base_offset, size_t entries)
        : _file(std::move(file)), _base_offset(base_offset), _entries(entries) {}
    uint32_t relative(int64_t offset) const;
    /// Index of the last entry with offset <= target, or nullopt.
    std::optional<size_t> floor_slot(int64_t target) const;

    mapped_file _file;
    int64_t _base_offset;
    size_t _entries;
};

}  // namespace sluice::storage
