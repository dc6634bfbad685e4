// Metadata (key 3) against an independent encoder (kafka-python) for v0-5, and against bytes
// worked out by hand from MetadataRequest.json / MetadataResponse.json for the flexible
// versions and topic ids; the null rules of each version; every version round-trips;
// truncated input fails cleanly.

#include "sluice/protocol/messages/metadata.h"

#include <gtest/gtest.h>

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

const uuid topic_uuid = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

metadata_request sample_request() {
    metadata_request m;
    m.topics = std::vector<metadata_request_topic>{{{}, "orders"}, {{}, "t2"}};
    m.allow_auto_topic_creation = false;
    return m;
}

metadata_response_partition partition(int32_t index, int32_t leader, std::vector<int32_t> isr) {
    metadata_response_partition p;
    p.partition_index = index;
    p.leader_id = leader;
    p.replica_nodes = {leader, 3 - leader};
    p.isr_nodes = std::move(isr);
    return p;
}

metadata_response sample_response() {
    metadata_response_topic orders;
    orders.name = "orders";
    orders.partitions = {partition(0, 1, {1, 2}), partition(1, 2, {2})};
    orders.partitions[1].offline_replicas = {1};
    metadata_response_topic missing;
    missing.error_code = 3;
    missing.name = "missing";
    metadata_response m;
    m.brokers = {{1, "b1", 9092, "r1"}, {2, "b2", 9093, std::nullopt}};
    m.cluster_id = "clu";
    m.controller_id = 1;
    m.topics = {orders, missing};
    return m;
}

// Reference vectors from kafka-python 2.0.2 (Debian python3-kafka 2.0.2-3), made offline with
// /usr/bin/python3 (`r = ...; r.encode().hex()`):
//   from kafka.protocol.metadata import MetadataRequest, MetadataResponse
//   MetadataRequest[v](topics=['orders', 't2'])                               # v = 0, 1
//   MetadataRequest[1](topics=None)
//   MetadataRequest[4](topics=['orders', 't2'], allow_auto_topic_creation=False)
//   MetadataRequest[5](topics=None, allow_auto_topic_creation=True)
//   P = [(0, 0, 1, [1, 2], [1, 2]), (0, 1, 2, [2, 1], [2])]
//   MetadataResponse[0](brokers=[(1, 'b1', 9092), (2, 'b2', 9093)],
//                       topics=[(0, 'orders', P), (3, 'missing', [])])
//   MetadataResponse[1](brokers=[(1, 'b1', 9092, 'r1'), (2, 'b2', 9093, None)],
//       controller_id=1, topics=[(0, 'orders', False, P), (3, 'missing', False, [])])
//   MetadataResponse[2](<as v1>, cluster_id='clu')
//   MetadataResponse[5](throttle_time_ms=0, <as v2>, with P's partitions given the offline
//                       replicas [] and [1])
constexpr std::string_view py_request_v0_v1 = "0000000200066f726465727300027432";
constexpr std::string_view py_request_v1_all = "ffffffff";
constexpr std::string_view py_request_v4 = "0000000200066f72646572730002743200";
constexpr std::string_view py_request_v5_all = "ffffffff01";
constexpr std::string_view py_response_v0 =
    "0000000200000001000262310000238400000002000262320000238500000002000000066f7264657273000000"
    "0200000000000000000001000000020000000100000002000000020000000100000002000000000001000000020"
    "000000200000002000000010000000100000002000300076d697373696e6700000000";
constexpr std::string_view py_response_v1 =
    "0000000200000001000262310000238400027231000000020002623200002385ffff0000000100000002000000"
    "066f7264657273000000000200000000000000000001000000020000000100000002000000020000000100000002"
    "000000000001000000020000000200000002000000010000000100000002000300076d697373696e670000000000";
constexpr std::string_view py_response_v2 =
    "0000000200000001000262310000238400027231000000020002623200002385ffff0003636c75000000010000"
    "0002000000066f726465727300000000020000000000000000000100000002000000010000000200000002000000"
    "0100000002000000000001000000020000000200000002000000010000000100000002000300076d697373696e67"
    "0000000000";
constexpr std::string_view py_response_v5 =
    "000000000000000200000001000262310000238400027231000000020002623200002385ffff0003636c750000"
    "000100000002000000066f72646572730000000002000000000000000000010000000200000001000000020000"
    "000200000001000000020000000000000000000100000002000000020000000200000001000000010000000200"
    "00000100000001000300076d697373696e670000000000";

TEST(metadata, request_matches_kafka_python) {
    const std::pair<int16_t, std::string_view> cases[] = {
        {0, py_request_v0_v1}, {1, py_request_v0_v1}, {4, py_request_v4}};
    for (auto [v, hex] : cases) {
        auto expected = h(hex);
        EXPECT_EQ(encode(sample_request(), v), expected) << "v" << v;
        auto m = round_trip<metadata_request>(expected, v);
        ASSERT_TRUE(m.topics);
        ASSERT_EQ(m.topics->size(), 2u);
        EXPECT_EQ(m.topics->at(1).name, "t2");
        EXPECT_EQ(m.allow_auto_topic_creation, v < 4);  // absent before v4: default true
    }
}

TEST(metadata, request_null_topics_means_all_from_v1) {
    metadata_request all;
    all.topics.reset();
    EXPECT_EQ(encode(all, 1), h(py_request_v1_all));
    EXPECT_EQ(encode(all, 5), h(py_request_v5_all));
    EXPECT_FALSE(round_trip<metadata_request>(h(py_request_v1_all), 1).topics);
    EXPECT_FALSE(round_trip<metadata_request>(h(py_request_v5_all), 5).topics);
    // v0 has no null: an empty list means all topics there.
    EXPECT_EQ(decode_message<metadata_request>(h(py_request_v1_all), 0).error(),
              errc::null_not_allowed);
    EXPECT_TRUE(metadata_request{}.topics && metadata_request{}.topics->empty());
}

TEST(metadata, response_matches_kafka_python) {
    const std::pair<int16_t, std::string_view> cases[] = {
        {0, py_response_v0}, {1, py_response_v1}, {2, py_response_v2}, {5, py_response_v5}};
    for (auto [v, hex] : cases) {
        auto expected = h(hex);
        EXPECT_EQ(encode(sample_response(), v), expected) << "v" << v;
        auto m = round_trip<metadata_response>(expected, v);
        ASSERT_EQ(m.brokers.size(), 2u);
        EXPECT_EQ(m.brokers[0].rack, v >= 1 ? std::optional<std::string>("r1") : std::nullopt);
        EXPECT_FALSE(m.brokers[1].rack);
        EXPECT_EQ(m.cluster_id, v >= 2 ? std::optional<std::string>("clu") : std::nullopt);
        EXPECT_EQ(m.controller_id, v >= 1 ? 1 : -1);
        ASSERT_EQ(m.topics.size(), 2u);
        EXPECT_EQ(m.topics[0].partitions.at(1).isr_nodes, std::vector<int32_t>{2});
        EXPECT_EQ(m.topics[0].partitions[1].offline_replicas.size(), v >= 5 ? 1u : 0u);
        EXPECT_EQ(m.topics[1].name, "missing");
        EXPECT_EQ(m.topics[1].topic_authorized_operations, INT32_MIN);
    }
}

// Worked out by hand from MetadataRequest.json: the first flexible version.
TEST(metadata, request_v9_flexible_bytes) {
    metadata_request m;
    m.topics = std::vector<metadata_request_topic>{{{}, "t"}};
    const std::vector<uint8_t> expected = {
        0x02, 0x02, 't', 0x00,  // topics: 1, name "t", tagged fields
        0x01,                   // allow_auto_topic_creation true
        0x00,                   // include_cluster_authorized_operations false (v8-10)
        0x00,                   // include_topic_authorized_operations false
        0x00,                   // tagged fields
    };
    EXPECT_EQ(encode(m, 9), expected);
    EXPECT_EQ(round_trip<metadata_request>(expected, 9).topics->at(0).name, "t");
}

// By hand: v12 asks for a topic by id only, with a null name.
TEST(metadata, request_v12_by_topic_id_bytes) {
    metadata_request m;
    m.topics = std::vector<metadata_request_topic>{{topic_uuid, std::nullopt}};
    m.allow_auto_topic_creation = false;
    std::vector<uint8_t> expected = {0x02};  // topics: 1
    expected.insert(expected.end(), topic_uuid.begin(), topic_uuid.end());
    const std::vector<uint8_t> tail = {
        0x00, 0x00,  //   name: null, tagged fields
        0x00,        // allow_auto_topic_creation false
        0x00,        // include_topic_authorized_operations false
        0x00,        // tagged fields
    };
    expected.insert(expected.end(), tail.begin(), tail.end());
    EXPECT_EQ(encode(m, 12), expected);
    auto back = round_trip<metadata_request>(expected, 12);
    EXPECT_EQ(back.topics->at(0).topic_id, topic_uuid);
    EXPECT_FALSE(back.topics->at(0).name);
}

// By hand from MetadataResponse.json: v12 answers an unknown topic id (UNKNOWN_TOPIC_ID, 100)
// with a null name.
TEST(metadata, response_v12_unknown_topic_id_bytes) {
    metadata_response_topic t;
    t.error_code = 100;
    t.name.reset();
    t.topic_id = topic_uuid;
    metadata_response m;
    m.brokers = {{1, "b", 9092, std::nullopt}};
    m.cluster_id = "c";
    m.controller_id = 1;
    m.topics = {t};
    std::vector<uint8_t> expected = {
        0x00, 0x00, 0x00, 0x00,  // throttle_time_ms 0
        0x02,                    // brokers: 1
        0x00, 0x00, 0x00, 0x01,  //   node_id 1
        0x02, 'b',               //   host "b"
        0x00, 0x00, 0x23, 0x84,  //   port 9092
        0x00, 0x00,              //   rack: null, tagged fields
        0x02, 'c',               // cluster_id "c"
        0x00, 0x00, 0x00, 0x01,  // controller_id 1
        0x02,                    // topics: 1
        0x00, 0x64,              //   error_code 100
        0x00,                    //   name: null
    };
    expected.insert(expected.end(), topic_uuid.begin(), topic_uuid.end());  // topic_id
    const std::vector<uint8_t> tail = {
        0x00,                    //   is_internal false
        0x01,                    //   partitions: empty
        0x80, 0x00, 0x00, 0x00,  //   topic_authorized_operations INT32_MIN
        0x00,                    //   tagged fields
        0x00,                    // tagged fields (no cluster_authorized_operations after v10)
    };
    expected.insert(expected.end(), tail.begin(), tail.end());
    EXPECT_EQ(encode(m, 12), expected);
    auto back = round_trip<metadata_response>(expected, 12);
    EXPECT_FALSE(back.topics[0].name);
    EXPECT_EQ(back.topics[0].topic_id, topic_uuid);
    // Before v12 the name may not be null.
    EXPECT_EQ(decode_message<metadata_response>(encode(m, 11), 11).error(), errc::null_not_allowed);
}

TEST(metadata, request_topic_name_may_be_null_from_v10) {
    metadata_request m;
    m.topics = std::vector<metadata_request_topic>{{topic_uuid, std::nullopt}};
    EXPECT_EQ(decode_message<metadata_request>(encode(m, 9), 9).error(), errc::null_not_allowed);
    EXPECT_TRUE(decode_message<metadata_request>(encode(m, 10), 10));
}

metadata_response full_response() {
    auto m = sample_response();
    m.throttle_time_ms = 9;
    m.cluster_authorized_operations = 0x0f;
    m.topics[0].topic_id = topic_uuid;
    m.topics[0].is_internal = true;
    m.topics[0].topic_authorized_operations = 0x1f;
    m.topics[0].partitions[0].leader_epoch = 4;
    return m;
}

TEST(metadata, every_version_round_trips) {
    for (int16_t v = 0; v <= 12; ++v) {
        auto req_in = sample_request();
        req_in.topics->at(0).topic_id = topic_uuid;
        req_in.include_cluster_authorized_operations = true;
        req_in.include_topic_authorized_operations = true;
        auto req = round_trip<metadata_request>(encode(req_in, v), v);
        EXPECT_EQ(req.include_cluster_authorized_operations, v >= 8 && v <= 10) << "v" << v;
        EXPECT_EQ(req.topics->at(0).topic_id, v >= 10 ? topic_uuid : uuid{}) << "v" << v;
        auto resp = round_trip<metadata_response>(encode(full_response(), v), v);
        const auto& t = resp.topics[0];
        EXPECT_EQ(t.topic_id, v >= 10 ? topic_uuid : uuid{}) << "v" << v;
        EXPECT_EQ(t.is_internal, v >= 1) << "v" << v;
        EXPECT_EQ(t.partitions[0].leader_epoch, v >= 7 ? 4 : -1) << "v" << v;
        EXPECT_EQ(t.topic_authorized_operations, v >= 8 ? 0x1f : INT32_MIN) << "v" << v;
        EXPECT_EQ(resp.cluster_authorized_operations, v >= 8 && v <= 10 ? 0x0f : INT32_MIN)
            << "v" << v;
    }
}

TEST(metadata, truncation_at_every_length_fails_cleanly) {
    for (int16_t v : {0, 1, 4, 9, 10, 12}) {
        auto req = encode(sample_request(), v);
        for (size_t cut = 0; cut < req.size(); ++cut) {
            EXPECT_FALSE(decode_message<metadata_request>({req.data(), cut}, v)) << v << " " << cut;
        }
        auto resp = encode(full_response(), v);
        for (size_t cut = 0; cut < resp.size(); ++cut) {
            EXPECT_FALSE(decode_message<metadata_response>({resp.data(), cut}, v)) << v << cut;
        }
    }
}

// The array bound (a count must fit the bytes left, at the smallest size of an element in
// any version) still refuses a lying count before allocating.
TEST(metadata, lying_topic_count_is_refused) {
    std::vector<uint8_t> b = {0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 'a'};  // 3 topics, 1 sent
    EXPECT_EQ(decode_message<metadata_request>(b, 0).error(), errc::invalid_length);
    b[3] = 0x01;
    EXPECT_TRUE(decode_message<metadata_request>(b, 0));
}

}  // namespace
}  // namespace sluice::protocol::testing
