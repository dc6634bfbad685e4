#pragma once
// request_context: one request on its way through a handler, and the way to answer it.
//
// The frame's bytes live in a pooled receive chunk that the context keeps alive (a Produce
// appends them to the log without copying, so they must outlive the write). A handler
// answers exactly once with respond() (or no_response() for acks=0); it may do so later,
// from a completion, as long as it keeps the context. Responses go out in request order.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "buffer_pool.h"
#include "sluice/protocol/header.h"
#include "sluice/protocol/schema.h"
#include "sluice/storage/log.h"

namespace sluice::broker {

class broker;
class connection;
struct response_slot;

struct request_context {
    broker* owner = nullptr;
    std::shared_ptr<connection> conn;
    response_slot* slot = nullptr;
    protocol::request_header header;
    std::span<uint8_t> body;  // writable: Produce patches offsets in place
    chunk_ptr memory;         // keeps `body` alive
    int64_t received_ms = 0;
    int64_t received_ns = 0;  // dispatch time for the request latency histogram

    int16_t version() const { return header.api_version; }
    /// Close the connection because the request cannot be understood (Kafka does the same).
    void reject(const char* why);
    /// Answer with no bytes on the wire (Produce acks=0); keeps the response order.
    void no_response();
    /// Encode `msg` at the request's version with the right response header, and send it
    /// once every earlier response on the connection has gone. `files` are the segment
    /// ranges that external_records ids in `msg` refer to.
    template <protocol::kafka_message M>
    void respond(const M& msg, std::vector<storage::read_slice> files = {});

  private:
    /// Into the broker's request latency histogram, once.
    void observe_latency();
    void finish(std::vector<uint8_t> frame, std::vector<protocol::external_part> parts,
                std::vector<storage::read_slice> files);
};

template <protocol::kafka_message M>
void request_context::respond(const M& msg, std::vector<storage::read_slice> files) {
    std::vector<uint8_t> frame(4);
    // ApiVersions answers with header v0 even in flexible versions (KIP-511).
    const bool flexible_header = protocol::is_flexible<M>(version()) && M::api_key != 18;
    protocol::encode_response_header(header.correlation_id, flexible_header, frame);
    std::vector<protocol::external_part> parts;
    protocol::encode_message(msg, version(), frame, &parts);
    finish(std::move(frame), std::move(parts), std::move(files));
}

}  // namespace sluice::broker
