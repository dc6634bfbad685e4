// libFuzzer target: the bytes are one request frame after its 4-byte size, as
// broker::handle receives it. The prefix's api version picks the version at which every
// request the broker knows is decoded (taken into each message's valid range), header
// first, then the body. Whatever decodes is encoded again, decoded again and encoded once
// more: the two encodings must be identical (the codec is its own inverse on its output).
// Decoding must never crash, read out of bounds or allocate beyond the input's size.
//
// Built two ways (tests/fuzz/CMakeLists.txt): as a libFuzzer executable with clang, and
// into the fuzz_corpus_replay test with SLUICE_FUZZ_ENTRY renamed, with any compiler.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sluice/common/assert.h"
#include "sluice/protocol/header.h"
#include "sluice/protocol/messages/api_versions.h"
#include "sluice/protocol/messages/create_partitions.h"
#include "sluice/protocol/messages/create_topics.h"
#include "sluice/protocol/messages/delete_records.h"
#include "sluice/protocol/messages/delete_topics.h"
#include "sluice/protocol/messages/describe_cluster.h"
#include "sluice/protocol/messages/describe_configs.h"
#include "sluice/protocol/messages/fetch.h"
#include "sluice/protocol/messages/list_offsets.h"
#include "sluice/protocol/messages/metadata.h"
#include "sluice/protocol/messages/produce.h"
#include "sluice/protocol/schema.h"

#ifndef SLUICE_FUZZ_ENTRY
#define SLUICE_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

namespace {

using namespace sluice::protocol;

/// `raw` folded into M's valid range, so that every input exercises every message.
template <kafka_message M>
int16_t version_in_range(int16_t raw) {
    const int range = M::valid.max - M::valid.min + 1;
    return static_cast<int16_t>(M::valid.min + ((raw % range) + range) % range);
}

void check_header_round_trip(const request_header& h, bool flexible) {
    std::vector<uint8_t> again;
    encode_request_header(h, flexible, again);
    auto decoded = decode_request_header(again, flexible);
    SLUICE_ASSERT(decoded.has_value(), "re-encoded request header does not decode: %s",
                  describe(decoded.error()));
    const request_header& d = decoded->first;
    SLUICE_ASSERT(decoded->second == again.size(), "header took %zu of %zu bytes", decoded->second,
                  again.size());
    SLUICE_ASSERT(d.api_key == h.api_key && d.api_version == h.api_version &&
                      d.correlation_id == h.correlation_id && d.client_id == h.client_id,
                  "request header changed in a round trip (key %d v%d)", h.api_key, h.api_version);
}

template <kafka_message M>
void round_trip(std::span<const uint8_t> frame, int16_t raw_version) {
    const int16_t version = version_in_range<M>(raw_version);
    const bool flexible = is_flexible<M>(version);
    auto header = decode_request_header(frame, flexible);
    if (!header) return;
    check_header_round_trip(header->first, flexible);
    auto first = decode_message<M>(frame.subspan(header->second), version);
    if (!first) return;
    std::vector<uint8_t> once;
    encode_message(*first, version, once);
    auto second = decode_message<M>(once, version);
    SLUICE_ASSERT(second.has_value(), "api %d v%d: re-encoded message does not decode: %s",
                  M::api_key, version, describe(second.error()));
    std::vector<uint8_t> twice;
    encode_message(*second, version, twice);
    SLUICE_ASSERT(once == twice, "api %d v%d: encodings differ (%zu vs %zu bytes)", M::api_key,
                  version, once.size(), twice.size());
}

}  // namespace

extern "C" int SLUICE_FUZZ_ENTRY(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> frame(data, size);
    auto prefix = peek_request_prefix(frame);
    if (!prefix) return 0;
    const int16_t v = prefix->api_version;
    round_trip<produce_request>(frame, v);
    round_trip<fetch_request>(frame, v);
    round_trip<list_offsets_request>(frame, v);
    round_trip<metadata_request>(frame, v);
    round_trip<api_versions_request>(frame, v);
    round_trip<create_topics_request>(frame, v);
    round_trip<delete_topics_request>(frame, v);
    round_trip<describe_configs_request>(frame, v);
    round_trip<create_partitions_request>(frame, v);
    round_trip<delete_records_request>(frame, v);
    round_trip<describe_cluster_request>(frame, v);
    return 0;
}
