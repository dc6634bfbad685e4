#include "sluice/storage/file_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "sluice/common/assert.h"
#include "sluice/common/logger.h"

namespace sluice::storage {

namespace {

// Logs once with the errno text and returns io_error; `err` is captured by the caller
// right after the failing call, before anything else can overwrite errno.
errc io_fail(const char* what, const std::filesystem::path& path, int err) {
    SLUICE_LOG(warn, "storage", "%s %s: %s", what, path.c_str(), std::strerror(err));
    return errc::io_error;
}

result<void> write_all(int fd, const std::filesystem::path& path, std::span<const uint8_t> bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(io_fail("write", path, errno));
        }
        done += static_cast<size_t>(n);
    }
    return {};
}

std::filesystem::path parent_dir(const std::filesystem::path& p) {
    auto dir = p.parent_path();
    return dir.empty() ? std::filesystem::path(".") : dir;
}

}  // namespace

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
}

int unique_fd::release() {
    return std::exchange(_fd, -1);
}

void unique_fd::reset(int fd) {
    if (_fd >= 0) ::close(_fd);
    _fd = fd;
}

result<unique_fd> open_file(const std::filesystem::path& path, int flags, unsigned mode) {
    int fd;
    do {
        fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == ENOENT) return fail(errc::not_found);
        return fail(io_fail("open", path, errno));
    }
    return unique_fd(fd);
}

result<void> fsync_dir(const std::filesystem::path& dir) {
    auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
    if (!fd) {
        if (fd.error() == errc::not_found) return fail(io_fail("open dir", dir, ENOENT));
        return fail(fd.error());
    }
    if (::fsync(fd->get()) != 0) return fail(io_fail("fsync dir", dir, errno));
    return {};
}

result<void> write_file_atomic(const std::filesystem::path& target,
                               std::span<const uint8_t> bytes) {
    auto tmp = target;
    tmp += ".tmp";
    {
        auto fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
        if (!fd) {
            // A missing parent directory is an environment problem, not "no such entry".
            if (fd.error() == errc::not_found) return fail(io_fail("create", tmp, ENOENT));
            return fail(fd.error());
        }
        if (auto w = write_all(fd->get(), tmp, bytes); !w) return w;
        // Without this fsync the rename could reach the disk before the data, and a crash
        // would leave `target` empty or torn: the classic ext4 zero-length-file bug.
        if (::fsync(fd->get()) != 0) return fail(io_fail("fsync", tmp, errno));
        int raw = fd->release();
        if (::close(raw) != 0) return fail(io_fail("close", tmp, errno));
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) return fail(io_fail("rename", tmp, errno));
    // The rename itself is durable only once the directory entry is.
    return fsync_dir(parent_dir(target));
}

bool reserve_file_space(int fd, uint64_t pos, uint64_t len) {
    if (len == 0) return true;
    int rc;
    do {
        rc = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(pos), static_cast<off_t>(len));
    } while (rc != 0 && errno == EINTR);
    return rc == 0 || errno == EOPNOTSUPP || errno == ENOSYS;
}

result<std::vector<uint8_t>> read_file(const std::filesystem::path& path) {
    auto fd = open_file(path, O_RDONLY);
    if (!fd) return fail(fd.error());
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return fail(io_fail("stat", path, errno));
    std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
    size_t done = 0;
    for (;;) {
        // Read until EOF rather than trusting st_size, in case the file grew meanwhile.
        if (done == out.size()) out.resize(out.size() + 4096);
        ssize_t n =
            ::pread(fd->get(), out.data() + done, out.size() - done, static_cast<off_t>(done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(io_fail("read", path, errno));
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    out.resize(done);
    return out;
}

size_t count_entries_before_zero_tail(std::span<const uint8_t> bytes, size_t entry_bytes) {
    SLUICE_ASSERT(entry_bytes > 0, "entry size 0");
    size_t n = bytes.size() / entry_bytes;
    auto all_zero = [&](size_t i) {
        const uint8_t* e = bytes.data() + i * entry_bytes;
        for (size_t k = 0; k < entry_bytes; ++k) {
            if (e[k] != 0) return false;
        }
        return true;
    };
    size_t i = 1;
    while (i < n && !all_zero(i)) ++i;
    if (n == 0 || (i == 1 && all_zero(0))) return 0;
    return i;
}

// ---------------------------------------------------------------------------------------
// mapped_file

bool pread_all(int fd, uint8_t* buf, size_t len, uint64_t pos) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = ::pread(fd, buf + done, len - done, static_cast<off_t>(pos + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

result<mapped_file> mapped_file::open(const std::filesystem::path& path, bool writable,
                                      size_t size_bytes) {
    auto fd = writable ? open_file(path, O_RDWR | O_CREAT) : open_file(path, O_RDONLY);
    if (!fd) return fail(fd.error());
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return fail(io_fail("stat", path, errno));
    mapped_file f(path, std::move(fd).value(), writable);
    f._size_at_open = static_cast<size_t>(st.st_size);
    const off_t hole = ::lseek(f._fd.get(), 0, SEEK_HOLE);
    f._data_bytes_at_open =
        hole < 0 ? f._size_at_open : std::min(f._size_at_open, static_cast<size_t>(hole));
    size_t want = writable && size_bytes > 0 ? size_bytes : f._size_at_open;
    if (want != f._size_at_open && ::ftruncate(f._fd.get(), static_cast<off_t>(want)) != 0) {
        return fail(io_fail("ftruncate", path, errno));
    }
    if (auto m = f.map(want); !m) return fail(m.error());
    // The mapping keeps the file; the descriptor is opened again for the rare calls that
    // need one (resize, reserve, seal, sync), so a partition holds only its .log open.
    f._fd.reset();
    return f;
}

result<void> mapped_file::open_fd() {
    if (_fd.valid()) return {};
    auto fd = open_file(_path, _writable ? O_RDWR : O_RDONLY);
    if (!fd) return fail(fd.error());
    _fd = std::move(fd).value();
    return {};
}

mapped_file::mapped_file(mapped_file&& other) noexcept
    : _path(std::move(other._path)),
      _fd(std::move(other._fd)),
      _writable(other._writable),
      _data(std::exchange(other._data, nullptr)),
      _size(std::exchange(other._size, 0)),
      _size_at_open(other._size_at_open),
      _data_bytes_at_open(other._data_bytes_at_open),
      _reserved(std::exchange(other._reserved, 0)),
      _reserve_failed(other._reserve_failed),
      _removed(other._removed) {}

mapped_file& mapped_file::operator=(mapped_file&& other) noexcept {
    if (this != &other) {
        unmap();
        _path = std::move(other._path);
        _fd = std::move(other._fd);
        _writable = other._writable;
        _data = std::exchange(other._data, nullptr);
        _size = std::exchange(other._size, 0);
        _size_at_open = other._size_at_open;
        _data_bytes_at_open = other._data_bytes_at_open;
        _reserved = std::exchange(other._reserved, 0);
        _reserve_failed = other._reserve_failed;
        _removed = other._removed;
    }
    return *this;
}

result<void> mapped_file::map(size_t size_bytes) {
    unmap();
    if (size_bytes == 0) return {};  // mmap(2) refuses length 0; an empty file maps nothing
    int prot = _writable ? PROT_READ | PROT_WRITE : PROT_READ;
    void* p = ::mmap(nullptr, size_bytes, prot, MAP_SHARED, _fd.get(), 0);
    if (p == MAP_FAILED) return fail(io_fail("mmap", _path, errno));
    // Index access is random (binary search) or one new entry at the end: no readahead.
    // Without this, each first touch of an entry's page read ahead (and, in a sparse
    // file, zeroed) a large folio on the reactor thread; with thousands of partitions
    // that dominated the broker's time.
    (void)::madvise(p, size_bytes, MADV_RANDOM);
    _data = static_cast<uint8_t*>(p);
    _size = size_bytes;
    return {};
}

void mapped_file::unmap() {
    if (_data != nullptr) ::munmap(_data, _size);
    _data = nullptr;
    _size = 0;
}

result<void> mapped_file::resize(size_t size_bytes) {
    SLUICE_ASSERT(_writable, "resize of read-only %s", _path.c_str());
    if (size_bytes == _size) return {};
    if (auto r = open_fd(); !r) return r;
    unmap();
    _reserved = std::min(_reserved, size_bytes);
    if (::ftruncate(_fd.get(), static_cast<off_t>(size_bytes)) != 0) {
        _fd.reset();
        return fail(io_fail("ftruncate", _path, errno));
    }
    auto r = map(size_bytes);
    _fd.reset();
    return r;
}

bool mapped_file::reserve(size_t end_bytes) {
    SLUICE_ASSERT(_writable && end_bytes <= _size, "reserve %zu bytes of %s (%zu, %s)", end_bytes,
                  _path.c_str(), _size, _writable ? "writable" : "read-only");
    if (end_bytes <= _reserved) return true;
    // Ahead in steps, so that an index pays one call per 8192 offset entries. Blocks that
    // already exist (entries kept from before) are left as they are.
    constexpr size_t step = 64 * 1024;
    const size_t target = std::min(_size, (end_bytes + step - 1) / step * step);
    int err = EBADF;
    if (open_fd()) {
        err = ::posix_fallocate(_fd.get(), static_cast<off_t>(_reserved),
                                static_cast<off_t>(target - _reserved));
        _fd.reset();
    }
    if (err != 0) {
        if (!_reserve_failed) {
            SLUICE_LOG(warn, "storage",
                       "cannot allocate index space in %s: %s; entries are "
                       "skipped until there is room (the index is sparser, never wrong)",
                       _path.c_str(), std::strerror(err));
        }
        _reserve_failed = true;
        return false;
    }
    if (_reserve_failed) SLUICE_LOG(info, "storage", "index %s has room again", _path.c_str());
    _reserve_failed = false;
    _reserved = target;
    return true;
}

result<void> mapped_file::seal(size_t size_bytes) {
    if (_writable && _data != nullptr && ::msync(_data, _size, MS_SYNC) != 0) {
        return fail(io_fail("msync", _path, errno));
    }
    if (auto r = open_fd(); !r) return r;
    unmap();
    auto r = seal_open(size_bytes);
    _fd.reset();
    return r;
}

result<void> mapped_file::seal_open(size_t size_bytes) {
    struct stat st {};
    if (::fstat(_fd.get(), &st) != 0) return fail(io_fail("stat", _path, errno));
    if (static_cast<size_t>(st.st_size) != size_bytes) {
        SLUICE_ASSERT(_writable, "seal would change the length of read-only %s", _path.c_str());
        if (::ftruncate(_fd.get(), static_cast<off_t>(size_bytes)) != 0) {
            return fail(io_fail("ftruncate", _path, errno));
        }
    }
    if (_writable && ::fsync(_fd.get()) != 0) return fail(io_fail("fsync", _path, errno));
    _writable = false;
    _reserved = 0;
    return map(size_bytes);
}

result<void> mapped_file::sync() {
    if (_writable && _data != nullptr && ::msync(_data, _size, MS_SYNC) != 0) {
        return fail(io_fail("msync", _path, errno));
    }
    if (_removed || _path.empty()) return {};
    if (auto r = open_fd(); !r) return r;
    const bool ok = ::fsync(_fd.get()) == 0;
    const int err = errno;
    _fd.reset();
    if (!ok) return fail(io_fail("fsync", _path, err));
    return {};
}

result<void> mapped_file::remove() {
    unmap();
    _fd.reset();
    _writable = false;
    _reserved = 0;
    _removed = true;
    if (::unlink(_path.c_str()) != 0 && errno != ENOENT) {
        return fail(io_fail("unlink", _path, errno));
    }
    return {};
}

}  // namespace sluice::storage
