// Fetch (key 1) against an independent encoder (kafka-python) for v0-11, and against bytes
// worked out by hand from FetchRequest.json / FetchResponse.json for the flexible versions
// (tagged fields, topic ids); the external (spliced) records path; every version round-trips;
// truncated input fails cleanly.

#include "sluice/protocol/messages/fetch.h"

#include <gtest/gtest.h>

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

const std::vector<uint8_t> records = {1, 2, 3, 4, 5};
const uuid topic_uuid = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

fetch_partition partition(int32_t index, int64_t offset, int32_t max_bytes) {
    fetch_partition p;
    p.partition = index;
    p.current_leader_epoch = 5;
    p.fetch_offset = offset;
    p.partition_max_bytes = max_bytes;
    return p;
}

fetch_request sample_request() {
    fetch_request m;
    m.max_wait_ms = 500;
    m.min_bytes = 1;
    m.max_bytes = 52428800;
    m.isolation_level = 1;
    m.topics = {{"orders", {}, {partition(0, 100, 1048576), partition(2, 7, 65536)}}};
    m.rack_id = "rack-a";
    return m;
}

fetch_response sample_response() {
    fetch_partition_data p0;
    p0.high_watermark = 120;
    p0.last_stable_offset = 118;
    p0.log_start_offset = 4;
    p0.aborted_transactions = std::vector<fetch_aborted_transaction>{{9, 101}};
    p0.records.inline_bytes = records;
    fetch_partition_data p2;
    p2.partition_index = 2;
    p2.error_code = 1;
    p2.high_watermark = -1;
    p2.aborted_transactions.reset();
    p2.records.inline_bytes = std::span<const uint8_t>();
    fetch_response m;
    m.throttle_time_ms = 3;
    m.session_id = 77;
    m.responses = {{"orders", {}, {p0, p2}}};
    return m;
}

// Reference vectors from kafka-python 2.0.2 (Debian python3-kafka 2.0.2-3), made offline with
// /usr/bin/python3 (`r = ...; r.encode().hex()`):
//   from kafka.protocol.fetch import FetchRequest, FetchResponse
//   FetchRequest[0](replica_id=-1, max_wait_time=500, min_bytes=1,
//                   topics=[('orders', [(0, 100, 1048576), (2, 7, 65536)])])
//   FetchRequest[4](<v0 fields>, max_bytes=52428800, isolation_level=1, topics=<as v0>)
//   FetchRequest[7](<v4 fields>, session_id=0, session_epoch=-1, forgotten_topics_data=[],
//                   topics=[('orders', [(0, 100, -1, 1048576), (2, 7, -1, 65536)])])
//   FetchRequest[11](<v7 fields>, rack_id='rack-a',
//                    topics=[('orders', [(0, 5, 100, -1, 1048576), (2, 5, 7, -1, 65536)])])
//   R = bytes.fromhex('0102030405')
//   FetchResponse[0](topics=[('orders', [(0, 0, 120, R), (2, 1, -1, b'')])])
//   FetchResponse[4](throttle_time_ms=3, topics=[('orders',
//       [(0, 0, 120, 118, [(9, 101)], R), (2, 1, -1, -1, None, b'')])])
//   FetchResponse[7](throttle_time_ms=3, error_code=0, session_id=77, topics=[('orders',
//       [(0, 0, 120, 118, 4, [(9, 101)], R), (2, 1, -1, -1, -1, None, b'')])])
//   FetchResponse[11](<as v7>, with preferred_read_replica -1 before the records)
constexpr std::string_view py_request_v0 =
    "ffffffff000001f4000000010000000100066f7264657273000000020000000000000000000000640010000000"
    "000002000000000000000700010000";
constexpr std::string_view py_request_v4 =
    "ffffffff000001f40000000103200000010000000100066f726465727300000002000000000000000000000064"
    "0010000000000002000000000000000700010000";
constexpr std::string_view py_request_v7 =
    "ffffffff000001f400000001032000000100000000ffffffff0000000100066f72646572730000000200000000"
    "0000000000000064ffffffffffffffff00100000000000020000000000000007ffffffffffffffff00010000000"
    "00000";
constexpr std::string_view py_request_v11 =
    "ffffffff000001f400000001032000000100000000ffffffff0000000100066f72646572730000000200000000"
    "000000050000000000000064ffffffffffffffff0010000000000002000000050000000000000007ffffffffff"
    "ffffff000100000000000000067261636b2d61";
constexpr std::string_view py_response_v0 =
    "0000000100066f7264657273000000020000000000000000000000000078000000050102030405000000020001"
    "ffffffffffffffff00000000";
constexpr std::string_view py_response_v4 =
    "000000030000000100066f726465727300000002000000000000000000000000007800000000000000760000000"
    "100000000000000090000000000000065000000050102030405000000020001ffffffffffffffffffffffffffff"
    "ffffffffffff00000000";
constexpr std::string_view py_response_v7 =
    "0000000300000000004d0000000100066f72646572730000000200000000000000000000000000780000000000"
    "00007600000000000000040000000100000000000000090000000000000065000000050102030405000000020001"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000";
constexpr std::string_view py_response_v11 =
    "0000000300000000004d0000000100066f72646572730000000200000000000000000000000000780000000000"
    "00007600000000000000040000000100000000000000090000000000000065ffffffff0000000501020304050000"
    "00020001ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000";

TEST(fetch, request_matches_kafka_python) {
    const std::pair<int16_t, std::string_view> cases[] = {
        {0, py_request_v0}, {4, py_request_v4}, {7, py_request_v7}, {11, py_request_v11}};
    for (auto [v, hex] : cases) {
        auto expected = h(hex);
        EXPECT_EQ(encode(sample_request(), v), expected) << "v" << v;
        auto m = round_trip<fetch_request>(expected, v);
        EXPECT_EQ(m.replica_id, -1);
        EXPECT_EQ(m.max_bytes, v >= 3 ? 52428800 : 0x7fffffff);
        EXPECT_EQ(m.isolation_level, v >= 4 ? 1 : 0);
        ASSERT_EQ(m.topics.size(), 1u);
        EXPECT_EQ(m.topics[0].topic, "orders");
        ASSERT_EQ(m.topics[0].partitions.size(), 2u);
        EXPECT_EQ(m.topics[0].partitions[1].fetch_offset, 7);
        EXPECT_EQ(m.topics[0].partitions[1].current_leader_epoch, v >= 9 ? 5 : -1);
        EXPECT_EQ(m.rack_id, v >= 11 ? "rack-a" : "");
    }
}

TEST(fetch, response_matches_kafka_python) {
    const std::pair<int16_t, std::string_view> cases[] = {
        {0, py_response_v0}, {4, py_response_v4}, {7, py_response_v7}, {11, py_response_v11}};
    for (auto [v, hex] : cases) {
        auto expected = h(hex);
        EXPECT_EQ(encode(sample_response(), v), expected) << "v" << v;
        auto m = round_trip<fetch_response>(expected, v);
        EXPECT_EQ(m.session_id, v >= 7 ? 77 : 0);
        const auto& p0 = m.responses[0].partitions[0];
        EXPECT_EQ(p0.high_watermark, 120);
        ASSERT_TRUE(p0.records.inline_bytes);
        EXPECT_TRUE(std::ranges::equal(*p0.records.inline_bytes, records));
        EXPECT_EQ(p0.records.length, 5u);
        ASSERT_TRUE(p0.aborted_transactions);
        EXPECT_EQ(p0.aborted_transactions->size(), v >= 4 ? 1u : 0u);
        EXPECT_EQ(m.responses[0].partitions[1].aborted_transactions.has_value(), v < 4);
    }
}

// The broker's path: records stay in the segment file; the codec writes their length and
// says where they go. Splicing them in must give kafka-python's bytes.
TEST(fetch, external_records_are_spliced_where_the_codec_says) {
    auto m = sample_response();
    m.responses[0].partitions[0].records = external_records{5, 7, std::nullopt};
    m.responses[0].partitions[1].records = external_records{};  // nothing to send
    for (auto [v, hex] : {std::pair{int16_t{4}, py_response_v4}, {int16_t{11}, py_response_v11}}) {
        std::vector<uint8_t> out;
        std::vector<external_part> parts;
        encode_message(m, v, out, &parts);
        ASSERT_EQ(parts.size(), 1u);
        EXPECT_EQ(parts[0].length, 5u);
        EXPECT_EQ(parts[0].id, 7u);
        out.insert(out.begin() + static_cast<ptrdiff_t>(parts[0].offset), records.begin(),
                   records.end());
        EXPECT_EQ(out, h(hex)) << "v" << v;
    }
}

// Worked out by hand from FetchRequest.json: flexible v12 with the ClusterId tag.
TEST(fetch, request_v12_flexible_bytes) {
    fetch_request m;
    m.cluster_id = "c";
    m.max_wait_ms = 500;
    m.min_bytes = 1;
    m.max_bytes = 1024;
    auto p = partition(0, 100, 1024);
    p.last_fetched_epoch = 4;
    m.topics = {{"t", {}, {p}}};
    const std::vector<uint8_t> expected = {
        0xff, 0xff, 0xff, 0xff,                          // replica_id -1
        0x00, 0x00, 0x01, 0xf4,                          // max_wait_ms 500
        0x00, 0x00, 0x00, 0x01,                          // min_bytes 1
        0x00, 0x00, 0x04, 0x00,                          // max_bytes 1024
        0x00,                                            // isolation_level 0
        0x00, 0x00, 0x00, 0x00,                          // session_id 0
        0xff, 0xff, 0xff, 0xff,                          // session_epoch -1
        0x02, 0x02, 't',  0x02,                          // topics: 1, "t", partitions: 1
        0x00, 0x00, 0x00, 0x00,                          //   partition 0
        0x00, 0x00, 0x00, 0x05,                          //   current_leader_epoch 5
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,  //   fetch_offset 100
        0x00, 0x00, 0x00, 0x04,                          //   last_fetched_epoch 4
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //   log_start_offset -1
        0x00, 0x00, 0x04, 0x00,                          //   partition_max_bytes 1024
        0x00, 0x00,                                      //   tagged fields: partition, topic
        0x01,                                            // forgotten_topics_data: empty
        0x01,                                            // rack_id ""
        0x01, 0x00, 0x02, 0x02, 'c',                     // 1 tagged field: tag 0, 2 bytes, "c"
    };
    EXPECT_EQ(encode(m, 12), expected);
    auto back = round_trip<fetch_request>(expected, 12);
    EXPECT_EQ(back.cluster_id, "c");
    EXPECT_EQ(back.topics[0].partitions[0].last_fetched_epoch, 4);
}

// By hand: v15 names the topic by id (KIP-516), drops ReplicaId for the ReplicaState tag
// (KIP-903) and carries two tags, written in ascending order.
TEST(fetch, request_v15_topic_id_and_two_tags_bytes) {
    fetch_request m;
    m.cluster_id = "c";
    m.replica_state = fetch_replica_state{1, 7};
    m.max_wait_ms = 500;
    m.min_bytes = 1;
    m.max_bytes = 1024;
    m.topics = {{"ignored from v13", topic_uuid, {partition(0, 100, 1024)}}};
    std::vector<uint8_t> expected = {
        0x00, 0x00, 0x01, 0xf4, 0x00, 0x00, 0x00, 0x01,  // max_wait_ms 500, min_bytes 1
        0x00, 0x00, 0x04, 0x00, 0x00,                    // max_bytes 1024, isolation_level 0
        0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,  // session_id 0, session_epoch -1
        0x02,                                            // topics: 1
    };
    expected.insert(expected.end(), topic_uuid.begin(), topic_uuid.end());  // topic_id
    const std::vector<uint8_t> tail = {
        0x02,                                            // partitions: 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  //   partition 0, leader epoch 5
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,  //   fetch_offset 100
        0xff, 0xff, 0xff, 0xff,                          //   last_fetched_epoch -1
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //   log_start_offset -1
        0x00, 0x00, 0x04, 0x00, 0x00, 0x00,              //   max bytes 1024, tags, tags
        0x01, 0x01,                                      // forgotten_topics_data: [], rack ""
        0x02,                                            // 2 tagged fields
        0x00, 0x02, 0x02, 'c',                           //   tag 0, 2 bytes: cluster_id "c"
        0x01, 0x0d,                                      //   tag 1, 13 bytes: replica_state
        0x00, 0x00, 0x00, 0x01,                          //     replica_id 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  //     replica_epoch 7
        0x00,                                            //     tagged fields
    };
    expected.insert(expected.end(), tail.begin(), tail.end());
    EXPECT_EQ(encode(m, 15), expected);
    auto back = round_trip<fetch_request>(expected, 15);
    EXPECT_EQ(back.topics[0].topic, "");
    EXPECT_EQ(back.topics[0].topic_id, topic_uuid);
    ASSERT_TRUE(back.replica_state);
    EXPECT_EQ(back.replica_state->replica_epoch, 7);
    EXPECT_EQ(back.replica_id, -1);  // not on the wire from v15
}

// By hand from FetchResponse.json: v16 with the DivergingEpoch tag on a partition, a null
// AbortedTransactions, and the NodeEndpoints tag on the response.
TEST(fetch, response_v16_tagged_fields_bytes) {
    fetch_partition_data p;
    p.high_watermark = 10;
    p.last_stable_offset = 10;
    p.log_start_offset = 0;
    p.diverging_epoch = fetch_epoch_end_offset{3, 8};
    p.aborted_transactions.reset();
    static const std::vector<uint8_t> rec = {0xab, 0xcd};
    p.records.inline_bytes = rec;
    fetch_response m;
    m.responses = {{"", topic_uuid, {p}}};
    m.node_endpoints = {{1, "b1", 9092, "r"}};
    std::vector<uint8_t> expected = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // throttle_time_ms 0, error_code 0
        0x00, 0x00, 0x00, 0x00, 0x02,        // session_id 0, responses: 1
    };
    expected.insert(expected.end(), topic_uuid.begin(), topic_uuid.end());  // topic_id
    const std::vector<uint8_t> tail = {
        0x02,                                            // partitions: 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,              //   partition_index 0, error_code 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,  //   high_watermark 10
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,  //   last_stable_offset 10
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //   log_start_offset 0
        0x00,                                            //   aborted_transactions: null
        0xff, 0xff, 0xff, 0xff,                          //   preferred_read_replica -1
        0x03, 0xab, 0xcd,                                //   records: 2 bytes
        0x01, 0x00, 0x0d,                                //   1 tagged field: tag 0, 13 bytes
        0x00, 0x00, 0x00, 0x03,                          //     epoch 3
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,  //     end_offset 8
        0x00,                                            //     tagged fields
        0x00,                                            // tagged fields (topic)
        0x01, 0x00, 0x0f,                                // 1 tagged field: tag 0, 15 bytes
        0x02, 0x00, 0x00, 0x00, 0x01,                    //   node_endpoints: 1, node_id 1
        0x03, 'b',  '1',  0x00, 0x00, 0x23, 0x84,        //   host "b1", port 9092
        0x02, 'r',  0x00,                                //   rack "r", tagged fields
    };
    expected.insert(expected.end(), tail.begin(), tail.end());
    EXPECT_EQ(encode(m, 16), expected);
    auto back = round_trip<fetch_response>(expected, 16);
    const auto& bp = back.responses[0].partitions[0];
    ASSERT_TRUE(bp.diverging_epoch);
    EXPECT_EQ(bp.diverging_epoch->end_offset, 8);
    EXPECT_FALSE(bp.current_leader);
    EXPECT_FALSE(bp.snapshot_id);
    EXPECT_FALSE(bp.aborted_transactions);
    EXPECT_EQ(back.node_endpoints.at(0).rack, "r");
}

fetch_request full_request() {
    auto m = sample_request();
    m.cluster_id = "cluster";
    m.replica_state = fetch_replica_state{3, 11};
    m.topics[0].topic_id = topic_uuid;
    m.forgotten_topics_data = {{"old", topic_uuid, {1, 2}}};
    m.topics[0].partitions[0].last_fetched_epoch = 4;
    return m;
}

fetch_response full_response() {
    auto m = sample_response();
    m.responses[0].topic_id = topic_uuid;
    auto& p = m.responses[0].partitions[1];
    p.diverging_epoch = fetch_epoch_end_offset{2, 50};
    p.current_leader = leader_id_and_epoch{1, 6};
    p.snapshot_id = fetch_snapshot_id{40, 2};
    m.node_endpoints = {{1, "b1", 9092, std::nullopt}};
    return m;
}

TEST(fetch, every_version_round_trips) {
    for (int16_t v = 0; v <= 16; ++v) {
        auto req = round_trip<fetch_request>(encode(full_request(), v), v);
        EXPECT_EQ(req.topics[0].topic, v <= 12 ? "orders" : "") << "v" << v;
        EXPECT_EQ(req.topics[0].topic_id, v >= 13 ? topic_uuid : uuid{}) << "v" << v;
        EXPECT_EQ(req.forgotten_topics_data.size(), v >= 7 ? 1u : 0u) << "v" << v;
        EXPECT_EQ(req.cluster_id.has_value(), v >= 12) << "v" << v;
        EXPECT_EQ(req.replica_state.has_value(), v >= 15) << "v" << v;
        auto resp = round_trip<fetch_response>(encode(full_response(), v), v);
        const auto& p = resp.responses[0].partitions[1];
        EXPECT_EQ(p.diverging_epoch.has_value(), v >= 12) << "v" << v;
        EXPECT_EQ(p.current_leader.has_value(), v >= 12) << "v" << v;
        EXPECT_EQ(p.snapshot_id.has_value(), v >= 12) << "v" << v;
        EXPECT_EQ(resp.node_endpoints.size(), v >= 16 ? 1u : 0u) << "v" << v;
        if (v >= 12) {
            EXPECT_EQ(p.snapshot_id->end_offset, 40);
        }
    }
}

TEST(fetch, truncation_at_every_length_fails_cleanly) {
    for (int16_t v : {0, 4, 11, 12, 13, 16}) {
        auto req = encode(full_request(), v);
        for (size_t cut = 0; cut < req.size(); ++cut) {
            EXPECT_FALSE(decode_message<fetch_request>({req.data(), cut}, v)) << v << " " << cut;
        }
        auto resp = encode(full_response(), v);
        for (size_t cut = 0; cut < resp.size(); ++cut) {
            EXPECT_FALSE(decode_message<fetch_response>({resp.data(), cut}, v)) << v << " " << cut;
        }
    }
}

TEST(fetch, null_topics_and_unknown_versions_are_refused) {
    std::vector<uint8_t> null_topics = {0xff, 0xff, 0xff, 0xff};
    EXPECT_EQ(decode_message<fetch_response>(null_topics, 0).error(), errc::null_not_allowed);
    EXPECT_EQ(decode_message<fetch_request>({}, 17).error(), errc::unsupported_version);
}

}  // namespace
}  // namespace sluice::protocol::testing
