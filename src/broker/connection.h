#pragma once
// connection: one client socket on the broker's shard.
//
// Reading: receives into a pooled chunk and cuts Kafka frames out of it (4-byte size,
// checked against socket.request.max.bytes before any body byte is read); each complete
// frame is dispatched with a reference to its chunk. A frame cut by the chunk's end is
// moved to a fresh chunk big enough for it.
// Pipelining: many requests may be in flight; each gets a response slot at dispatch, and
// slots are sent strictly in request order whatever order handlers finish in. Reading
// pauses while connection_inflight_requests_max requests or connection_inflight_bytes_max
// request bytes wait for their responses (back-pressure instead of unbounded memory).
// Writing: response bytes from memory with write_all_op; record ranges from segment
// files with splice file -> pipe -> socket, never through user space.
// Lifecycle: start() -> ... -> close(reason) (idempotent) shuts the socket down; once no
// operation is in flight the fd and pipe are closed and the broker forgets the connection.
// Handlers may still hold the shared_ptr; responding to a closed connection does nothing.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "buffer_pool.h"
#include "request_context.h"
#include "sluice/io/completion.h"
#include "sluice/io/reactor.h"
#include "sluice/io/write_all_op.h"

namespace sluice::broker {

struct response_slot {
    bool ready = false;
    bool none = false;  // acks=0: nothing to send
    size_t request_bytes = 0;
    std::vector<uint8_t> frame;
    std::vector<protocol::external_part> parts;
    std::vector<storage::read_slice> files;
};

class connection : public std::enable_shared_from_this<connection> {
  public:
    connection(broker& b, io::reactor& r, int fd, uint64_t id, std::string peer);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start();
    void close(const std::string& reason);
    bool closed() const { return _closed; }
    uint64_t id() const { return _id; }
    const std::string& peer() const { return _peer; }

    /// Called by request_context when a slot's response is complete.
    void slot_ready(response_slot* slot);
    size_t inflight_requests() const { return _slots.size(); }

  private:
    struct recv_op final : io::completion {
        connection* c;
        void complete(int32_t res, uint32_t) override { c->on_recv(res); }
    };
    struct write_op final : io::completion {
        connection* c;
        void complete(int32_t res, uint32_t) override { c->on_written(res); }
    };
    struct splice_in_op final : io::completion {
        connection* c;
        void complete(int32_t res, uint32_t) override { c->on_spliced_in(res); }
    };
    struct splice_out_op final : io::completion {
        connection* c;
        void complete(int32_t res, uint32_t) override { c->on_spliced_out(res); }
    };

    void arm_recv();
    void on_recv(int32_t res);
    void parse_frames();
    void dispatch(std::span<uint8_t> frame);
    bool over_limits() const;
    void pump_send();
    void send_next();
    void on_written(int32_t res);
    void on_spliced_in(int32_t res);
    void on_spliced_out(int32_t res);
    bool ensure_pipe();
    void maybe_finish_close();

    broker& _broker;
    io::reactor& _reactor;
    int _fd;
    uint64_t _id;
    std::string _peer;
    bool _closed = false;
    std::shared_ptr<connection> _self;  // keeps us alive while operations are in flight

    // Receive side.
    chunk_ptr _rx;
    size_t _rx_begin = 0, _rx_end = 0;
    size_t _rx_need = 4;        // bytes from _rx_begin needed for the next step
    size_t _largest_frame = 0;  // the largest request seen (sizes the next chunk)
    bool _paused = false;
    recv_op _recv;
    int64_t _inflight_bytes = 0;

    // Send side.
    std::deque<std::unique_ptr<response_slot>> _slots;
    bool _sending = false;
    size_t _send_part = 0;    // next external part of the front slot
    size_t _send_pos = 0;     // next byte of the front slot's frame
    uint64_t _file_left = 0;  // bytes of the current file part not yet in the pipe
    uint64_t _file_pos = 0;
    uint32_t _pipe_bytes = 0;  // bytes in the pipe not yet sent to the socket
    iovec _iov{};
    io::write_all_op _writer;
    write_op _write_done;
    splice_in_op _splice_in;
    splice_out_op _splice_out;
    int _pipe[2] = {-1, -1};
    uint32_t _pipe_capacity = 0;
};

}  // namespace sluice::broker
