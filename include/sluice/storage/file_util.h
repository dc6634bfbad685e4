#pragma once
// Small POSIX file helpers for storage metadata: indexes, checkpoints, markers.
//
// These use blocking syscalls (open, pread, pwrite, mmap, fsync, rename) on purpose: they
// run only at open, roll, close and checkpoint time, never on the append or fetch path,
// which goes through the shard's io_uring (src/io). Every failure logs the path and the
// errno text once, here, and returns errc::io_error, so callers only decide what to do.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "sluice/storage/errc.h"

namespace sluice::storage {

/// Owns one file descriptor and closes it on destruction. Move-only; a moved-from
/// unique_fd holds nothing. Not thread-safe: one owner at a time, like the fd itself.
class unique_fd {
  public:
    unique_fd() = default;
    explicit unique_fd(int fd) : _fd(fd) {}
    unique_fd(unique_fd&& other) noexcept : _fd(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept;
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const { return _fd; }
    bool valid() const { return _fd >= 0; }
    /// Gives up ownership without closing.
    [[nodiscard]] int release();
    /// Closes the current fd (if any) and takes `fd`. A close error is ignored: by then
    /// every write we care about has been fsynced and checked.
    void reset(int fd = -1);

  private:
    int _fd = -1;
};

/// Opens `path` with open(2) flags and mode (O_CLOEXEC is added). ENOENT gives not_found
/// without a log line, since a missing file is often expected (first start).
[[nodiscard]] result<unique_fd> open_file(const std::filesystem::path& path, int flags,
                                          unsigned mode = 0644);

/// fsync(2) on a directory, so that a create, rename or unlink inside it survives a crash.
[[nodiscard]] result<void> fsync_dir(const std::filesystem::path& dir);

/// Replaces `target` so that after a crash it holds either its old content or `bytes`,
/// never a mix: write `<target>.tmp`, fsync it, rename it over `target`, fsync the
/// directory. A stale `.tmp` left by an earlier crash is overwritten. Durable on return.
[[nodiscard]] result<void> write_file_atomic(const std::filesystem::path& target,
                                             std::span<const uint8_t> bytes);

/// Asks the filesystem for the blocks of bytes [pos, pos + len) of `fd` without changing
/// its length (fallocate FALLOC_FL_KEEP_SIZE), so that a write there will find room.
/// False when the filesystem has none (ENOSPC, EDQUOT, EFBIG, or another error); true
/// also when it cannot say (no fallocate support): then only the write will tell.
/// Not logged: the caller asks again and again while a disk is full.
[[nodiscard]] bool reserve_file_space(int fd, uint64_t pos, uint64_t len);

/// Reads exactly `len` bytes at `pos` (continuing after short reads and EINTR); false at
/// end of file or on an error (errno says which). Not logged: callers say what failed.
[[nodiscard]] bool pread_all(int fd, uint8_t* buf, size_t len, uint64_t pos);

/// Reads a whole file. not_found when it does not exist.
[[nodiscard]] result<std::vector<uint8_t>> read_file(const std::filesystem::path& path);

/// The number of valid fixed-size entries at the start of a preallocated index file:
/// the file was extended with zeros, and no valid entry after the first is all zeros, so
/// the entries end at the first all-zero entry after entry 0. A lone all-zero entry 0 is
/// not counted: it cannot be told from an empty file, and it says nothing a lookup on an
/// empty index would not answer anyway (see src/storage/README.md).
size_t count_entries_before_zero_tail(std::span<const uint8_t> bytes, size_t entry_bytes);

/// A whole file mapped MAP_SHARED, the storage under offset_index and time_index.
///
/// Owned by the index that opened it (so by the segment, so by the partition's shard);
/// not thread-safe. Lifecycle: open -> (resize | seal)* -> destroyed or remove(). Stores
/// into data() reach the page cache at once and the disk only at sync() (msync + fsync)
/// or whenever the kernel writes the pages back, in any order, hence the recovery rules
/// in src/storage/README.md. A zero-length file has no mapping.
class mapped_file {
  public:
    /// `writable`: open read-write, create if missing, and set the length to `size_bytes`
    /// if that is larger than 0 (extending with zeros or cutting). Otherwise open
    /// read-only and map the file at its current length.
    [[nodiscard]] static result<mapped_file> open(const std::filesystem::path& path, bool writable,
                                                  size_t size_bytes);

    mapped_file(mapped_file&& other) noexcept;
    mapped_file& operator=(mapped_file&& other) noexcept;
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    ~mapped_file() { unmap(); }

    uint8_t* data() { return _data; }
    const uint8_t* data() const { return _data; }
    size_t size() const { return _size; }
    bool writable() const { return _writable; }
    const std::filesystem::path& path() const { return _path; }
    /// Length of the file as found before open() changed it: the sanity checks judge the
    /// file as it was on disk, not as we re-sized it.
    size_t size_at_open() const { return _size_at_open; }
    /// Bytes from the start up to the first hole as found at open (SEEK_HOLE; the whole
    /// length when the filesystem cannot say). A preallocated index's zero tail is a hole,
    /// and touching a hole through a MAP_SHARED mapping on a full tmpfs is SIGBUS even for
    /// a read, so the indexes look for entries only before it.
    size_t data_bytes_at_open() const { return _data_bytes_at_open; }

    /// Writable only: ftruncate to `size_bytes` and map again at that length.
    [[nodiscard]] result<void> resize(size_t size_bytes);
    /// Writable only: makes sure disk blocks back bytes [0, end_bytes) (end_bytes <=
    /// size()), allocating ahead in 64 KiB steps with posix_fallocate. A store into a hole
    /// of a MAP_SHARED file that the filesystem cannot back (ENOSPC, EDQUOT) kills the
    /// process with SIGBUS, so the indexes reserve before they store. False (logged once
    /// until an allocation succeeds again) when the blocks cannot be had.
    [[nodiscard]] bool reserve(size_t end_bytes);
    /// ftruncate to `size_bytes`, fsync, and map read-only from then on.
    [[nodiscard]] result<void> seal(size_t size_bytes);
    /// msync (if writable) and fsync: durable on success.
    [[nodiscard]] result<void> sync();
    /// Unmaps, closes and unlinks the file. The object is empty afterwards.
    [[nodiscard]] result<void> remove();

  private:
    mapped_file(std::filesystem::path path, unique_fd fd, bool writable)
        : _path(std::move(path)), _fd(std::move(fd)), _writable(writable) {}
    result<void> map(size_t size_bytes);
    void unmap();
    /// Open `_fd` again (closed between calls: the mapping does not need it).
    result<void> open_fd();
    result<void> seal_open(size_t size_bytes);

    std::filesystem::path _path;
    unique_fd _fd;
    bool _writable = false;
    uint8_t* _data = nullptr;
    size_t _size = 0;
    size_t _size_at_open = 0;
    size_t _data_bytes_at_open = 0;
    size_t _reserved = 0;  // bytes from the start known to have blocks (reserve())
    bool _reserve_failed = false;
    bool _removed = false;
};

}  // namespace sluice::storage
