#include "connection.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "broker.h"
#include "sluice/common/endian.h"
#include "sluice/common/logger.h"

namespace sluice::broker {

connection::connection(broker& b, io::reactor& r, int fd, uint64_t id, std::string peer)
    : _broker(b), _reactor(r), _fd(fd), _id(id), _peer(std::move(peer)) {
    _recv.c = this;
    _write_done.c = this;
    _splice_in.c = this;
    _splice_out.c = this;
}

connection::~connection() {
    if (_fd >= 0) ::close(_fd);
    if (_pipe[0] >= 0) ::close(_pipe[0]);
    if (_pipe[1] >= 0) ::close(_pipe[1]);
}

void connection::start() {
    _self = shared_from_this();
    arm_recv();
}

void connection::close(const std::string& reason) {
    if (_closed) return;
    _closed = true;
    SLUICE_LOG(debug, "broker", "closing connection %s: %s", _peer.c_str(), reason.c_str());
    // Wakes a pending receive (0 bytes) and fails a pending send; the completions then
    // see _closed and stop.
    ::shutdown(_fd, SHUT_RDWR);
    if (_recv.in_flight()) _reactor.cancel(&_recv);
    if (_splice_in.in_flight()) _reactor.cancel(&_splice_in);
    if (_splice_out.in_flight()) _reactor.cancel(&_splice_out);
    maybe_finish_close();
}

void connection::maybe_finish_close() {
    if (!_closed || _recv.in_flight() || _writer.busy() || _splice_in.in_flight() ||
        _splice_out.in_flight()) {
        return;
    }
    if (!_self) return;
    auto keep = std::move(_self);
    _slots.clear();
    _rx.reset();
    _broker.forget(_id);
}

// ---- receiving -------------------------------------------------------------------------

void connection::arm_recv() {
    if (_closed || _paused || _recv.in_flight()) return;
    const size_t have = _rx_end - _rx_begin;
    const size_t want = std::max(_rx_need, have + 1);
    if (!_rx || _rx_begin + want > _rx->capacity) {
        if (_rx && _rx.use_count() == 1 && want <= _rx->capacity) {
            // Nobody else holds this chunk: slide the partial frame to its start.
            std::memmove(_rx->data.get(), _rx->data.get() + _rx_begin, have);
        } else {
            // Room for several frames of the size this client sends, so that the next
            // ones land whole in this chunk rather than straddling into another (and being
            // copied there, as the start of this one is now).
            buffer_pool& pool = _broker.pool();
            const size_t roomy = std::min(_largest_frame * 4, pool.largest_class_bytes());
            chunk_ptr fresh = pool.get(std::max(want, roomy));
            if (have > 0) std::memcpy(fresh->data.get(), _rx->data.get() + _rx_begin, have);
            _rx = std::move(fresh);
        }
        _rx_begin = 0;
        _rx_end = have;
    }
    _reactor.recv(_fd, _rx->data.get() + _rx_end, static_cast<uint32_t>(_rx->capacity - _rx_end), 0,
                  &_recv);
}

void connection::on_recv(int32_t res) {
    // Closing may drop the broker's last reference to this connection; keep it alive
    // until this function returns.
    auto keep = shared_from_this();
    if (_closed) return maybe_finish_close();
    if (res == -EINTR || res == -EAGAIN) return arm_recv();
    if (res <= 0) {
        close(res == 0 ? "client closed the connection"
                       : std::string("receive failed: ") + std::strerror(-res));
        return;
    }
    _rx_end += static_cast<size_t>(res);
    parse_frames();
    arm_recv();
}

void connection::parse_frames() {
    const int32_t max = _broker.options().socket_request_max_bytes;
    while (!_closed && !_paused) {
        const size_t have = _rx_end - _rx_begin;
        if (have < 4) {
            _rx_need = 4;
            return;
        }
        const auto size = static_cast<int32_t>(common::load_be32(_rx->data.get() + _rx_begin));
        if (size < 8 || size > max) {
            // A lying or hostile length: Kafka closes the connection without reading on.
            SLUICE_LOG(warn, "broker",
                       "closing connection %s: request size %d is outside 8..%d "
                       "(socket.request.max.bytes)",
                       _peer.c_str(), size, max);
            close("invalid request size");
            return;
        }
        const size_t frame_end = 4 + static_cast<size_t>(size);
        _largest_frame = std::max(_largest_frame, frame_end);
        if (have < frame_end) {
            _rx_need = frame_end;
            return;
        }
        std::span<uint8_t> frame(_rx->data.get() + _rx_begin + 4, static_cast<size_t>(size));
        _rx_begin += frame_end;
        _rx_need = 4;
        _inflight_bytes += size;
        dispatch(frame);
        if (over_limits()) _paused = true;
    }
}

bool connection::over_limits() const {
    const auto& o = _broker.options();
    return _slots.size() >= static_cast<size_t>(o.connection_inflight_requests_max) ||
           _inflight_bytes >= o.connection_inflight_bytes_max;
}

void connection::dispatch(std::span<uint8_t> frame) {
    auto slot = std::make_unique<response_slot>();
    slot->request_bytes = frame.size();
    request_context ctx;
    ctx.owner = &_broker;
    ctx.conn = shared_from_this();
    ctx.slot = slot.get();
    ctx.body = frame;  // the broker cuts the header off once it knows the api
    ctx.memory = _rx;
    _slots.push_back(std::move(slot));
    _broker.handle(std::move(ctx));
}

// ---- sending ---------------------------------------------------------------------------

void connection::slot_ready(response_slot* slot) {
    slot->ready = true;
    if (!_closed) pump_send();
}

void connection::pump_send() {
    // Closing may drop the broker's last reference to this connection; keep it alive
    // until this function returns.
    auto keep = shared_from_this();
    if (_sending || _closed) return;
    while (!_slots.empty() && _slots.front()->ready && _slots.front()->none) {
        _inflight_bytes -= static_cast<int64_t>(_slots.front()->request_bytes);
        _slots.pop_front();
    }
    if (_paused && !over_limits()) {
        _paused = false;
        parse_frames();  // frames already received may be waiting
        arm_recv();
        // Requests answered at once while parsing called back into pump_send, which may
        // have started sending: never start the same slot twice.
        if (_sending || _closed) return;
    }
    if (_slots.empty() || !_slots.front()->ready || _closed) return;
    _sending = true;
    _send_part = 0;
    _send_pos = 0;
    send_next();
}

void connection::send_next() {
    response_slot& s = *_slots.front();
    if (_send_part < s.parts.size()) {
        const auto& part = s.parts[_send_part];
        if (_send_pos < part.offset) {
            _iov = {s.frame.data() + _send_pos, part.offset - _send_pos};
            _send_pos = part.offset;
            _writer.start(_reactor, _fd, {&_iov, 1}, UINT64_MAX, &_write_done);
            return;
        }
        const storage::read_slice& file = s.files.at(part.id);
        if (!file.mem.empty()) {
            // The bytes are in the log's tail cache (direct writes): send them from there.
            ++_send_part;
            _writer.start(_reactor, _fd, file.mem, UINT64_MAX, &_write_done);
            return;
        }
        if (!ensure_pipe()) return close("cannot create a pipe for splicing");
        _file_pos = file.position;
        _file_left = part.length;
        _pipe_bytes = 0;
        on_spliced_out(0);  // starts the file -> pipe -> socket loop
        return;
    }
    if (_send_pos < s.frame.size()) {
        _iov = {s.frame.data() + _send_pos, s.frame.size() - _send_pos};
        _send_pos = s.frame.size();
        _writer.start(_reactor, _fd, {&_iov, 1}, UINT64_MAX, &_write_done);
        return;
    }
    // The whole response is out.
    _inflight_bytes -= static_cast<int64_t>(s.request_bytes);
    _slots.pop_front();
    _sending = false;
    pump_send();
}

void connection::on_written(int32_t res) {
    // Closing may drop the broker's last reference to this connection; keep it alive
    // until this function returns.
    auto keep = shared_from_this();
    if (_closed) return maybe_finish_close();
    if (res < 0) return close(std::string("send failed: ") + std::strerror(-res));
    send_next();
}

bool connection::ensure_pipe() {
    if (_pipe[0] >= 0) return true;
    if (::pipe2(_pipe, O_CLOEXEC) != 0) return false;
    // A bigger pipe means fewer splice round trips per fetch.
    int cap = ::fcntl(_pipe[1], F_SETPIPE_SZ, 1 << 20);
    if (cap < 0) cap = ::fcntl(_pipe[1], F_GETPIPE_SZ);
    _pipe_capacity = cap > 0 ? static_cast<uint32_t>(cap) : 65536;
    return true;
}

void connection::on_spliced_in(int32_t res) {
    // Closing may drop the broker's last reference to this connection; keep it alive
    // until this function returns.
    auto keep = shared_from_this();
    if (_closed) return maybe_finish_close();
    if (res <= 0) {
        // The file is shorter than the range we promised in the length prefix (0), or
        // unreadable: the response cannot be completed, so the stream is lost.
        SLUICE_LOG(error, "broker", "splice from segment failed for %s: %s", _peer.c_str(),
                   res == 0 ? "end of file" : std::strerror(-res));
        return close("cannot read record data");
    }
    _file_pos += static_cast<uint64_t>(res);
    _file_left -= static_cast<uint64_t>(res);
    _pipe_bytes += static_cast<uint32_t>(res);
    _reactor.splice(_pipe[0], -1, _fd, -1, _pipe_bytes, SPLICE_F_MOVE, &_splice_out);
}

void connection::on_spliced_out(int32_t res) {
    // Closing may drop the broker's last reference to this connection; keep it alive
    // until this function returns.
    auto keep = shared_from_this();
    if (_closed) return maybe_finish_close();
    if (res < 0) return close(std::string("send failed: ") + std::strerror(-res));
    _pipe_bytes -= static_cast<uint32_t>(res);
    if (_pipe_bytes > 0) {
        _reactor.splice(_pipe[0], -1, _fd, -1, _pipe_bytes, SPLICE_F_MOVE, &_splice_out);
        return;
    }
    if (_file_left > 0) {
        const response_slot& s = *_slots.front();
        const storage::read_slice& file = s.files.at(s.parts[_send_part].id);
        uint32_t chunk = static_cast<uint32_t>(std::min<uint64_t>(_file_left, _pipe_capacity));
        _reactor.splice(file.file->fd.get(), static_cast<int64_t>(_file_pos), _pipe[1], -1, chunk,
                        SPLICE_F_MOVE, &_splice_in);
        return;
    }
    ++_send_part;
    send_next();
}

}  // namespace sluice::broker
