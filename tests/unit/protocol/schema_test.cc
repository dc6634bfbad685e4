// The generic codec on a real message: ApiVersions in every version, against bytes worked
// out by hand from Kafka's schema, plus bounded decoding of hostile input.

#include "sluice/protocol/schema.h"

#include <gtest/gtest.h>

#include "sluice/protocol/header.h"
#include "sluice/protocol/messages/api_versions.h"

namespace sluice::protocol {
namespace {

std::vector<uint8_t> encode(const api_versions_response& m, int16_t v) {
    std::vector<uint8_t> out;
    encode_message(m, v, out);
    return out;
}

api_versions_response sample() {
    api_versions_response m;
    m.error_code = 0;
    m.api_keys = {{18, 0, 3}, {3, 0, 12}};
    m.throttle_time_ms = 7;
    return m;
}

TEST(schema, api_versions_response_v0_bytes) {
    std::vector<uint8_t> expected = {0, 0, 0, 0, 0, 2, 0, 18, 0, 0, 0, 3, 0, 3, 0, 0, 0, 12};
    EXPECT_EQ(encode(sample(), 0), expected);
}

TEST(schema, api_versions_response_v1_adds_throttle) {
    auto b = encode(sample(), 1);
    ASSERT_EQ(b.size(), 22u);
    EXPECT_EQ(std::vector<uint8_t>(b.end() - 4, b.end()), (std::vector<uint8_t>{0, 0, 0, 7}));
}

TEST(schema, api_versions_response_v3_is_compact_with_tagged_section) {
    // error 0 | compact array len 2+1 | 2 x (key, min, max, empty tags) | throttle | tags: 0
    std::vector<uint8_t> expected = {0, 0, 3, 0, 18, 0, 0, 0, 3, 0, 0,
                                     3, 0, 0, 0, 12, 0, 0, 0, 0, 7, 0};
    EXPECT_EQ(encode(sample(), 3), expected);
}

TEST(schema, tagged_field_round_trip) {
    auto m = sample();
    m.supported_features = std::vector<supported_feature_key>{{"metadata.version", 1, 20}};
    auto b = encode(m, 3);
    auto back = decode_message<api_versions_response>(b, 3);
    ASSERT_TRUE(back);
    ASSERT_TRUE(back->supported_features);
    EXPECT_EQ(back->supported_features->at(0).name, "metadata.version");
    EXPECT_EQ(back->supported_features->at(0).max_version, 20);
    // The tagged field does not exist before v3 and is simply not written.
    EXPECT_EQ(encode(m, 2).size(), 22u);
}

TEST(schema, every_version_round_trips) {
    for (int16_t v = 0; v <= 3; ++v) {
        auto b = encode(sample(), v);
        auto back = decode_message<api_versions_response>(b, v);
        ASSERT_TRUE(back) << "v" << v;
        EXPECT_EQ(back->api_keys.size(), 2u);
        EXPECT_EQ(back->api_keys[1].max_version, 12);
        EXPECT_EQ(back->throttle_time_ms, v >= 1 ? 7 : 0);
    }
}

TEST(schema, truncation_at_every_length_fails_cleanly) {
    for (int16_t v = 0; v <= 3; ++v) {
        auto b = encode(sample(), v);
        for (size_t cut = 0; cut < b.size(); ++cut) {
            auto r = decode_message<api_versions_response>({b.data(), cut}, v);
            EXPECT_FALSE(r) << "v" << v << " cut " << cut;
        }
    }
}

TEST(schema, lying_array_count_is_refused_before_allocating) {
    // Count 0x7fffffff with 4 bytes after it.
    std::vector<uint8_t> b = {0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 1, 2, 3};
    auto r = decode_message<api_versions_response>(b, 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_length);
    std::vector<uint8_t> neg = {0, 0, 0xff, 0xff, 0xff, 0xfe};
    EXPECT_EQ(decode_message<api_versions_response>(neg, 0).error(), errc::invalid_length);
}

TEST(schema, null_for_a_non_nullable_array_is_refused) {
    std::vector<uint8_t> b = {0, 0, 0xff, 0xff, 0xff, 0xff};
    EXPECT_EQ(decode_message<api_versions_response>(b, 0).error(), errc::null_not_allowed);
}

TEST(schema, unsupported_version_is_refused) {
    EXPECT_EQ(decode_message<api_versions_request>({}, 4).error(), errc::unsupported_version);
}

TEST(header, request_header_v1_and_v2) {
    request_header h{18, 3, 42, "rdkafka"};
    std::vector<uint8_t> b;
    encode_request_header(h, true, b);
    auto d = decode_request_header(b, true);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->first.correlation_id, 42);
    EXPECT_EQ(d->first.client_id, "rdkafka");
    EXPECT_EQ(d->second, b.size());
    auto p = peek_request_prefix(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->api_key, 18);
    EXPECT_EQ(p->api_version, 3);
    std::vector<uint8_t> nullid;
    encode_request_header({3, 4, 1, std::nullopt}, false, nullid);
    auto n = decode_request_header(nullid, false);
    ASSERT_TRUE(n);
    EXPECT_FALSE(n->first.client_id);
    EXPECT_FALSE(decode_request_header({nullid.data(), 9}, false));
}

}  // namespace
}  // namespace sluice::protocol
