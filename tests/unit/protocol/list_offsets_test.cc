// ListOffsets (key 2) against an independent encoder (kafka-python) for the classic versions,
// and against bytes worked out by hand from ListOffsetsRequest.json /
// ListOffsetsResponse.json for the first flexible version; every version round-trips;
// truncated input fails cleanly.

#include "sluice/protocol/messages/list_offsets.h"

#include <gtest/gtest.h>

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

list_offsets_request sample_request() {
    list_offsets_partition latest;
    latest.current_leader_epoch = 3;
    latest.timestamp = -1;
    list_offsets_partition earliest;
    earliest.partition_index = 1;
    earliest.timestamp = -2;
    list_offsets_request m;
    m.replica_id = -1;
    m.isolation_level = 1;
    m.topics = {{"orders", {latest, earliest}}};
    return m;
}

list_offsets_response sample_response() {
    list_offsets_partition_response found;
    found.old_style_offsets = {42};
    found.offset = 42;
    found.leader_epoch = 3;
    list_offsets_partition_response unknown;
    unknown.partition_index = 1;
    unknown.error_code = 3;
    list_offsets_response m;
    m.topics = {{"orders", {found, unknown}}};
    return m;
}

// Reference vectors from kafka-python 2.0.2 (Debian python3-kafka 2.0.2-3), made offline with
// /usr/bin/python3 (`r = ...; r.encode().hex()`):
//   from kafka.protocol.offset import OffsetRequest, OffsetResponse
//   OffsetRequest[0](replica_id=-1, topics=[('orders', [(0, -1, 1), (1, -2, 1)])])
//   OffsetRequest[1](replica_id=-1, topics=[('orders', [(0, -1), (1, -2)])])
//   OffsetRequest[v](replica_id=-1, isolation_level=1, topics=<as v1>)       # v = 2, 3
//   OffsetResponse[0](topics=[('orders', [(0, 0, [42]), (1, 3, [])])])
//   OffsetResponse[1](topics=[('orders', [(0, 0, -1, 42), (1, 3, -1, -1)])])
//   OffsetResponse[2](throttle_time_ms=0, topics=<as v1>)
//   OffsetResponse[v](throttle_time_ms=0,
//                     topics=[('orders', [(0, 0, -1, 42, 3), (1, 3, -1, -1, -1)])])  # v = 4, 5
// v2 and v3 requests encode identically, as do v4 and v5 responses. kafka-python's
// OffsetRequest_v4/v5 declare current_leader_epoch as Int64 (Kafka: int32), so they are not
// used as references; v4+ requests are covered by the round trips below.
constexpr std::string_view py_request_v0 =
    "ffffffff0000000100066f72646572730000000200000000ffffffffffffffff0000000100000001ffffffff"
    "fffffffe00000001";
constexpr std::string_view py_request_v1 =
    "ffffffff0000000100066f72646572730000000200000000ffffffffffffffff00000001fffffffffffffffe";
constexpr std::string_view py_request_v2_v3 =
    "ffffffff010000000100066f72646572730000000200000000ffffffffffffffff00000001fffffffffffffffe";
constexpr std::string_view py_response_v0 =
    "0000000100066f72646572730000000200000000000000000001000000000000002a00000001000300000000";
constexpr std::string_view py_response_v1 =
    "0000000100066f726465727300000002000000000000ffffffffffffffff000000000000002a000000010003ff"
    "ffffffffffffffffffffffffffffff";
constexpr std::string_view py_response_v2 =
    "000000000000000100066f726465727300000002000000000000ffffffffffffffff000000000000002a000000"
    "010003ffffffffffffffffffffffffffffffff";
constexpr std::string_view py_response_v4_v5 =
    "000000000000000100066f726465727300000002000000000000ffffffffffffffff000000000000002a000000"
    "03000000010003ffffffffffffffffffffffffffffffffffffffff";

TEST(list_offsets, request_matches_kafka_python) {
    const std::pair<int16_t, std::string_view> cases[] = {
        {0, py_request_v0}, {1, py_request_v1}, {2, py_request_v2_v3}, {3, py_request_v2_v3}};
    for (auto [v, hex] : cases) {
        auto expected = h(hex);
        EXPECT_EQ(encode(sample_request(), v), expected) << "v" << v;
        auto m = round_trip<list_offsets_request>(expected, v);
        EXPECT_EQ(m.replica_id, -1);
        EXPECT_EQ(m.isolation_level, v >= 2 ? 1 : 0);
        ASSERT_EQ(m.topics.size(), 1u);
        ASSERT_EQ(m.topics[0].partitions.size(), 2u);
        EXPECT_EQ(m.topics[0].partitions[0].timestamp, -1);
        EXPECT_EQ(m.topics[0].partitions[1].timestamp, -2);
        EXPECT_EQ(m.topics[0].partitions[0].current_leader_epoch, -1);  // absent before v4
        EXPECT_EQ(m.topics[0].partitions[1].max_num_offsets, 1);
    }
}

TEST(list_offsets, response_matches_kafka_python) {
    const std::pair<int16_t, std::string_view> cases[] = {{0, py_response_v0},
                                                          {1, py_response_v1},
                                                          {2, py_response_v2},
                                                          {4, py_response_v4_v5},
                                                          {5, py_response_v4_v5}};
    for (auto [v, hex] : cases) {
        auto expected = h(hex);
        EXPECT_EQ(encode(sample_response(), v), expected) << "v" << v;
        auto m = round_trip<list_offsets_response>(expected, v);
        const auto& p = m.topics.at(0).partitions.at(0);
        EXPECT_EQ(p.old_style_offsets, v == 0 ? std::vector<int64_t>{42} : std::vector<int64_t>{});
        EXPECT_EQ(p.offset, v >= 1 ? 42 : -1);
        EXPECT_EQ(p.leader_epoch, v >= 4 ? 3 : -1);
        EXPECT_EQ(m.topics[0].partitions[1].error_code, 3);
    }
}

// Worked out by hand from ListOffsetsRequest.json: the first flexible version.
TEST(list_offsets, request_v6_flexible_bytes) {
    list_offsets_partition p;
    p.timestamp = -2;
    list_offsets_request m;
    m.replica_id = -1;
    m.topics = {{"t", {p}}};
    const std::vector<uint8_t> expected = {
        0xff, 0xff, 0xff, 0xff,                          // replica_id -1
        0x00,                                            // isolation_level 0
        0x02, 0x02, 't',  0x02,                          // topics: 1, "t", partitions: 1
        0x00, 0x00, 0x00, 0x00,                          //   partition_index 0
        0xff, 0xff, 0xff, 0xff,                          //   current_leader_epoch -1
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,  //   timestamp -2 (earliest)
        0x00, 0x00, 0x00,                                // tagged: partition, topic, request
    };
    EXPECT_EQ(encode(m, 6), expected);
    auto back = round_trip<list_offsets_request>(expected, 6);
    EXPECT_EQ(back.topics[0].partitions[0].timestamp, -2);
}

// By hand from ListOffsetsResponse.json.
TEST(list_offsets, response_v6_flexible_bytes) {
    list_offsets_partition_response p;
    p.offset = 42;
    p.leader_epoch = 3;
    list_offsets_response m;
    m.topics = {{"t", {p}}};
    const std::vector<uint8_t> expected = {
        0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms 0
        0x02, 0x02, 't',  0x02,                          // topics: 1, "t", partitions: 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,              //   partition_index 0, error_code 0
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //   timestamp -1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //   offset 42
        0x00, 0x00, 0x00, 0x03,                          //   leader_epoch 3
        0x00, 0x00, 0x00,                                // tagged: partition, topic, response
    };
    EXPECT_EQ(encode(m, 6), expected);
    EXPECT_EQ(round_trip<list_offsets_response>(expected, 6).topics[0].partitions[0].offset, 42);
}

TEST(list_offsets, every_version_round_trips) {
    for (int16_t v = 0; v <= 8; ++v) {
        auto req = round_trip<list_offsets_request>(encode(sample_request(), v), v);
        EXPECT_EQ(req.topics[0].partitions[0].current_leader_epoch, v >= 4 ? 3 : -1) << "v" << v;
        auto resp = round_trip<list_offsets_response>(encode(sample_response(), v), v);
        EXPECT_EQ(resp.topics[0].partitions[0].leader_epoch, v >= 4 ? 3 : -1) << "v" << v;
    }
}

TEST(list_offsets, truncation_at_every_length_fails_cleanly) {
    for (int16_t v : {0, 1, 5, 6, 8}) {
        auto req = encode(sample_request(), v);
        for (size_t cut = 0; cut < req.size(); ++cut) {
            EXPECT_FALSE(decode_message<list_offsets_request>({req.data(), cut}, v)) << v << cut;
        }
        auto resp = encode(sample_response(), v);
        for (size_t cut = 0; cut < resp.size(); ++cut) {
            EXPECT_FALSE(decode_message<list_offsets_response>({resp.data(), cut}, v)) << v << cut;
        }
    }
}

TEST(list_offsets, versions_outside_0_to_8_are_refused) {
    EXPECT_EQ(decode_message<list_offsets_request>({}, 9).error(), errc::unsupported_version);
}

}  // namespace
}  // namespace sluice::protocol::testing
