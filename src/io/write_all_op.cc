#include "sluice/io/write_all_op.h"

#include <poll.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "sluice/common/assert.h"

namespace sluice::io {

namespace {
constexpr uint64_t stream_offset = UINT64_MAX;
}

void write_all_op::start(reactor& r, int fd, std::span<const iovec> iov, uint64_t offset,
                         completion* done, bool nowait) {
    SLUICE_ASSERT(_done == nullptr, "write_all_op started while busy");
    _reactor = &r;
    _fd = fd;
    _offset = offset;
    _iov.assign(iov.begin(), iov.end());
    _first = 0;
    _written = 0;
    _polling = false;
    _nowait = nowait;
    _short_writes = 0;
    _eagain_retries = 0;
    _done = done;
    // Skip empty entries so that "nothing left" is simply _first == size.
    while (_first < _iov.size() && _iov[_first].iov_len == 0) ++_first;
    if (_first == _iov.size()) {
        // Nothing to write: complete on the next loop turn through a zero-length write,
        // so completions never run inside start().
        _reactor->write(_fd, nullptr, 0, _offset, this);
        return;
    }
    submit();
}

void write_all_op::submit() {
    size_t count = std::min<size_t>(_iov.size() - _first, IOV_MAX);
    _reactor->writev(_fd, &_iov[_first], static_cast<unsigned>(count), _offset, this,
                     _nowait ? RWF_NOWAIT : 0);
}

void write_all_op::complete(int32_t res, uint32_t /*flags*/) {
    if (_polling) {
        // POLLOUT arrived (or the poll failed: then the write reports the real error).
        _polling = false;
        submit();
        return;
    }
    if (res == -EAGAIN) {
        ++_eagain_retries;
        _polling = true;
        _reactor->poll(_fd, POLLOUT, this);
        return;
    }
    if (res == -EINTR) {
        submit();
        return;
    }
    if (res < 0) {
        finish(res);
        return;
    }
    uint64_t n = static_cast<uint64_t>(res);
    _written += n;
    if (_offset != stream_offset) _offset += n;
    // Advance over fully written iovecs, then trim the partially written one.
    while (_first < _iov.size() && n >= _iov[_first].iov_len) {
        n -= _iov[_first].iov_len;
        ++_first;
    }
    if (_first < _iov.size() && n > 0) {
        _iov[_first].iov_base = static_cast<uint8_t*>(_iov[_first].iov_base) + n;
        _iov[_first].iov_len -= n;
    }
    while (_first < _iov.size() && _iov[_first].iov_len == 0) ++_first;
    if (_first == _iov.size()) {
        finish(static_cast<int32_t>(std::min<uint64_t>(_written, INT32_MAX)));
        return;
    }
    if (res == 0) {
        // The kernel accepted nothing and reported no error: treat as no space left
        // rather than spinning.
        finish(-ENOSPC);
        return;
    }
    ++_short_writes;
    submit();
}

void write_all_op::finish(int32_t res) {
    completion* done = _done;
    _done = nullptr;
    done->complete(res, 0);
}

}  // namespace sluice::io
