#pragma once
// What both client connections (blocking kafka_connection, pipelined_connection) share:
// opening the TCP connection and checking a response's header.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sluice::client {

/// Connect to "host:port" (IPv6 hosts may be in brackets); the fd, or -1 with *why set.
int connect_tcp(const std::string& address, std::string* why);

/// The body of a response frame (after its 4-byte size): checks that it answers
/// `correlation_id` and skips the tagged fields of a flexible (v1) header.
std::optional<std::span<const uint8_t>> response_body(std::span<const uint8_t> frame,
                                                      int32_t correlation_id, bool flexible_header,
                                                      std::string* why);

}  // namespace sluice::client
