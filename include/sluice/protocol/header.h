#pragma once
// Request and response headers (Kafka's RequestHeader / ResponseHeader).
//
// Request header v1: api_key, api_version, correlation_id, client_id (nullable, always an
// int16-length string, even in v2). v2 (used by flexible request versions) adds a
// tagged-field section. Response header v0: correlation_id; v1 adds a tagged-field section,
// except that ApiVersions responses always use v0 (KIP-511).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sluice/protocol/errc.h"

namespace sluice::protocol {

struct request_header {
    int16_t api_key = 0;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    std::optional<std::string> client_id;
};

/// The first 8 bytes (api key, version, correlation id), readable for any request; a
/// broker uses them to answer even a request it cannot parse further.
struct request_prefix {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
};
std::optional<request_prefix> peek_request_prefix(std::span<const uint8_t> frame);

/// Decode the header; `flexible` says whether the api version uses header v2. Returns the
/// header and the number of bytes it took.
result<std::pair<request_header, size_t>> decode_request_header(std::span<const uint8_t> frame,
                                                                bool flexible);

/// Append a request header (clients: the CLI, perf tool, replication fetchers).
void encode_request_header(const request_header& h, bool flexible, std::vector<uint8_t>& out);

/// Append a response header: correlation id, plus an empty tagged section when `flexible`.
void encode_response_header(int32_t correlation_id, bool flexible, std::vector<uint8_t>& out);

}  // namespace sluice::protocol
