#pragma once
// The sparse time index of one segment: the `.timeindex` file beside its `.log`, in
// Kafka's format (Kafka's TimeIndex). Byte layout, the zero-tail rule and the recovery
// rule: src/storage/README.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "sluice/storage/errc.h"
#include "sluice/storage/file_util.h"

namespace sluice::storage {

/// Maps a timestamp to the first offset whose batch reached it, for ListOffsets by time
/// and for time-based retention. Entries are only ever added when the segment's largest
/// timestamp grows, so timestamps strictly grow and offsets never go backwards.
///
/// Owned by its segment, on the partition's shard; not thread-safe. Lifecycle and
/// durability are those of offset_index: preallocated and mapped while the segment is
/// active, trim()med to its entries and read-only once rolled, entries in the page cache
/// as soon as maybe_append() returns and durable after flush(); after an unclean stop it
/// is sanity_check()ed and rebuilt from the `.log` if it fails.
class time_index {
  public:
    /// One entry: `timestamp` is the largest timestamp seen up to the batch at `offset`.
    struct index_entry {
        int64_t timestamp;
        int64_t offset;
        bool operator==(const index_entry&) const = default;
    };

    /// Bytes per entry on disk: timestamp i64, relative offset u32, big-endian.
    static constexpr size_t entry_bytes = 12;
    /// Kafka's RecordBatch.NO_TIMESTAMP, returned by lookup() when no entry qualifies.
    static constexpr int64_t no_timestamp = -1;

    /// As offset_index::open: writable preallocates to max_index_bytes rounded down to a
    /// multiple of 12 and keeps the entries found before the zero tail; read-only maps
    /// the file at its length.
    [[nodiscard]] static result<time_index> open(const std::filesystem::path& path,
                                                 int64_t base_offset, size_t max_index_bytes,
                                                 bool writable);

    time_index(time_index&&) noexcept = default;
    time_index& operator=(time_index&&) noexcept = default;
    time_index(const time_index&) = delete;
    time_index& operator=(const time_index&) = delete;
    ~time_index() = default;

    /// Appends (timestamp, offset) if timestamp is larger than the last entry's, and
    /// returns whether it did (Kafka's TimeIndex.maybeAppend). An offset below the last
    /// entry's, or an append to a full or read-only index, is a caller bug and aborts.
    /// When the disk has no room for the entry's page it is skipped (false); if the last
    /// entry offered was skipped, trim() empties the index (see there).
    bool maybe_append(int64_t timestamp, int64_t offset);

    /// The entry with the largest timestamp <= ts, or {no_timestamp, base_offset} if
    /// there is none. O(log entries).
    index_entry lookup(int64_t ts) const;

    index_entry entry(size_t i) const;
    std::optional<index_entry> last() const;
    size_t entries() const { return _entries; }
    size_t max_entries() const { return _file.size() / entry_bytes; }
    bool full() const { return _entries >= max_entries(); }
    bool writable() const { return _file.writable(); }
    int64_t base_offset() const { return _base_offset; }
    const std::filesystem::path& path() const { return _file.path(); }

    /// Removes every entry with offset >= `offset`, zeroing them. Writable index only.
    void truncate_to(int64_t offset);

    /// Cuts the file to exactly entries() * 12 bytes, fsyncs it and maps it read-only.
    /// If the last maybe_append() that should have added an entry was skipped for want of
    /// disk space, the entries go too: the last entry must carry the segment's largest
    /// timestamp, and an empty time index tells load() to find it in the batch headers.
    [[nodiscard]] result<void> trim();

    /// msync + fsync: every entry appended so far is durable on success.
    [[nodiscard]] result<void> flush();

    /// corrupt_index (logged with the reason) when the file length was not a multiple
    /// of 12, timestamps do not strictly grow, or offsets go backwards.
    [[nodiscard]] result<void> sanity_check() const;

    /// Unmaps and unlinks the file.
    [[nodiscard]] result<void> remove();

  private:
    time_index(mapped_file file, int64_t base_offset, size_t entries)
        : _file(std::move(file)), _base_offset(base_offset), _entries(entries) {}

    mapped_file _file;
    int64_t _base_offset;
    size_t _entries;
    bool _last_skipped = false;  // the last entry offered found no disk space
};

}  // namespace sluice::storage
