// Group offset APIs: OffsetCommit (8), OffsetFetch (9), OffsetDelete (47). Classic versions
// against kafka-python's encoder, flexible versions (and OffsetDelete, which kafka-python
// lacks) against bytes worked out by hand from Kafka 3.8's JSON schemas, every version
// round-trips, truncated input fails cleanly.
//
// Reference vectors from kafka-python 2.0.2 (Debian python3-kafka 2.0.2-3), made offline with
// /usr/bin/python3 (.encode().hex() of each, the object bound to a name first):
//   from kafka.protocol.commit import *
//   OffsetCommitRequest[0](consumer_group='my-group',
//       topics=[('orders', [(0, 42, ''), (1, 100, 'meta')])])
//   OffsetCommitRequest[1](consumer_group='my-group', consumer_group_generation_id=3,
//       consumer_id='m-1', topics=[('orders', [(0, 42, 1700000000000, ''), (1, 100, -1, 'meta')])])
//   OffsetCommitRequest[v](consumer_group='my-group', consumer_group_generation_id=3,
//       consumer_id='m-1', retention_time=-1, topics=<as v0>)                    # v = 2, 3
//   OffsetCommitResponse[v](topics=[('orders', [(0, 0), (1, 25)])])              # v = 0-2
//   OffsetCommitResponse[3](throttle_time_ms=7, topics=<as v0-2>)
//   OffsetFetchRequest[v](consumer_group='my-group',
//       topics=[('orders', [0, 1]), ('t2', [0])])                                # v = 0-3
//   OffsetFetchRequest[3](consumer_group='my-group', topics=None)
//   OffsetFetchResponse[v](topics=[('orders', [(0, 42, '', 0), (1, -1, None, 0)])])  # 0, 1
//   OffsetFetchResponse[2](topics=<as v0>, error_code=0)
//   OffsetFetchResponse[3](throttle_time_ms=7, topics=<as v0>, error_code=0)

#include <gtest/gtest.h>

#include "sluice/protocol/messages/offset_commit.h"
#include "sluice/protocol/messages/offset_delete.h"
#include "sluice/protocol/messages/offset_fetch.h"

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

// --- OffsetCommit ----------------------------------------------------------------------

offset_commit_request oc_request() {
    offset_commit_request m;
    m.group_id = "my-group";
    m.generation_id_or_member_epoch = 3;
    m.member_id = "m-1";
    m.group_instance_id = "i-1";
    m.topics = {{"orders", {{0, 42, 5, 1700000000000, ""}, {1, 100, -1, -1, "meta"}}}};
    return m;
}
offset_commit_response oc_response() {
    return {7, {{"orders", {{0, 0}, {1, 25}}}}};
}

constexpr std::string_view py_oc_req_v0 =
    "00086d792d67726f75700000000100066f72646572730000000200000000000000000000002a00000000000100"
    "0000000000006400046d657461";
constexpr std::string_view py_oc_req_v1 =
    "00086d792d67726f75700000000300036d2d310000000100066f72646572730000000200000000000000000000"
    "002a0000018bcfe568000000000000010000000000000064ffffffffffffffff00046d657461";
constexpr std::string_view py_oc_req_v2_v3 =
    "00086d792d67726f75700000000300036d2d31ffffffffffffffff0000000100066f7264657273000000020000"
    "0000000000000000002a000000000001000000000000006400046d657461";
constexpr std::string_view py_oc_resp_v0_v2 =
    "0000000100066f726465727300000002000000000000000000010019";
constexpr std::string_view py_oc_resp_v3 =
    "000000070000000100066f726465727300000002000000000000000000010019";

TEST(offset_commit, matches_kafka_python) {
    auto r0 = check_reference(oc_request(), 0, py_oc_req_v0);
    EXPECT_EQ(r0.generation_id_or_member_epoch, -1);  // Kafka's default where absent
    auto r1 = check_reference(oc_request(), 1, py_oc_req_v1);
    EXPECT_EQ(r1.topics[0].partitions[0].commit_timestamp, 1700000000000);
    EXPECT_EQ(r1.topics[0].partitions[1].committed_metadata, "meta");
    for (int16_t v : {2, 3}) {
        auto r = check_reference(oc_request(), v, py_oc_req_v2_v3);
        EXPECT_EQ(r.retention_time_ms, -1);
        EXPECT_EQ(r.topics[0].partitions[1].committed_offset, 100);
        EXPECT_EQ(r.topics[0].partitions[0].commit_timestamp, -1);
    }
    for (int16_t v : {0, 1, 2}) check_reference(oc_response(), v, py_oc_resp_v0_v2);
    EXPECT_EQ(check_reference(oc_response(), 3, py_oc_resp_v3).topics[0].partitions[1].error_code,
              25);
}

TEST(offset_commit, v8_flexible_bytes) {
    offset_commit_request req;
    req.group_id = "g";
    req.generation_id_or_member_epoch = 3;
    req.member_id = "m-1";
    req.topics = {{"t", {{0, 42, 5, -1, ""}}}};
    const auto request = cat({
        h("02"), s("g"),        // group_id
        h("00000003"),          // generation_id_or_member_epoch 3
        h("04"), s("m-1"),      // member_id
        h("00"),                // group_instance_id null (no retention time since v5)
        h("02"),                // topics: 1
        h("02"), s("t"),        //   name
        h("02"),                //   partitions: 1
        h("00000000"),          //     partition_index 0
        h("000000000000002a"),  //     committed_offset 42
        h("00000005"),          //     committed_leader_epoch 5
        h("01"),                //     committed_metadata ""
        h("00"),                //     tagged fields
        h("00"),                //   tagged fields
        h("00"),                // tagged fields
    });
    EXPECT_EQ(encode(req, 8), request);
    EXPECT_EQ(round_trip<offset_commit_request>(request, 8)
                  .topics[0]
                  .partitions[0]
                  .committed_leader_epoch,
              5);
    const offset_commit_response resp{0, {{"t", {{0, 0}}}}};
    const auto response = cat({
        h("00000000"),          // throttle_time_ms
        h("02"),                // topics: 1
        h("02"), s("t"),        //   name
        h("02"),                //   partitions: 1
        h("00000000 0000 00"),  //     partition_index 0, error_code 0, tagged fields
        h("00"),                //   tagged fields
        h("00"),                // tagged fields
    });
    EXPECT_EQ(encode(resp, 8), response);
    round_trip<offset_commit_response>(response, 8);
}

TEST(offset_commit, every_version_round_trips) {
    for (int16_t v = 0; v <= 9; ++v) {
        auto req = round_trip<offset_commit_request>(encode(oc_request(), v), v);
        const auto& p = req.topics[0].partitions[0];
        EXPECT_EQ(req.member_id, v >= 1 ? "m-1" : "") << v;
        EXPECT_EQ(req.group_instance_id.has_value(), v >= 7) << v;
        EXPECT_EQ(p.committed_leader_epoch, v >= 6 ? 5 : -1) << v;
        EXPECT_EQ(p.commit_timestamp, v == 1 ? 1700000000000 : -1) << v;
        auto resp = round_trip<offset_commit_response>(encode(oc_response(), v), v);
        EXPECT_EQ(resp.throttle_time_ms, v >= 3 ? 7 : 0) << v;
    }
    auto retention = oc_request();
    retention.retention_time_ms = 86400000;
    for (int16_t v = 0; v <= 9; ++v) {
        auto back = round_trip<offset_commit_request>(encode(retention, v), v);
        EXPECT_EQ(back.retention_time_ms, v >= 2 && v <= 4 ? 86400000 : -1) << v;
    }
    expect_truncations_fail(oc_request());
    expect_truncations_fail(oc_response());
}

// --- OffsetFetch -----------------------------------------------------------------------

offset_fetch_request of_request() {
    offset_fetch_request m;
    m.group_id = "my-group";
    m.topics = std::vector<offset_fetch_request_topic>{{"orders", {0, 1}}, {"t2", {0}}};
    m.groups = {{"my-group", "m-1", 4, std::vector<offset_fetch_request_topic>{{"orders", {0}}}},
                {"g2", std::nullopt, -1, std::nullopt}};
    m.require_stable = true;
    return m;
}
std::vector<offset_fetch_response_topic> of_topics() {
    return {{"orders", {{0, 42, 5, "", 0}, {1, -1, -1, std::nullopt, 0}}}};
}
offset_fetch_response of_response() {
    return {7, of_topics(), 0, {{"my-group", of_topics(), 0}, {"g2", {}, 69}}};
}

constexpr std::string_view py_of_req_v0_v3 =
    "00086d792d67726f75700000000200066f7264657273000000020000000000000001000274320000000100000000";
constexpr std::string_view py_of_req_v3_null = "00086d792d67726f7570ffffffff";
constexpr std::string_view py_of_resp_v0_v1 =
    "0000000100066f72646572730000000200000000000000000000002a0000000000000001ffffffffffffffffffff"
    "0000";
constexpr std::string_view py_of_resp_v2 =
    "0000000100066f72646572730000000200000000000000000000002a0000000000000001ffffffffffffffffffff"
    "00000000";
constexpr std::string_view py_of_resp_v3 =
    "000000070000000100066f72646572730000000200000000000000000000002a0000000000000001ffffffffffff"
    "ffffffff00000000";

TEST(offset_fetch, matches_kafka_python) {
    for (int16_t v = 0; v <= 3; ++v) {
        auto r = check_reference(of_request(), v, py_of_req_v0_v3);
        ASSERT_TRUE(r.topics);
        EXPECT_EQ(r.topics->at(0).partition_indexes, std::vector<int32_t>({0, 1}));
        EXPECT_TRUE(r.groups.empty());
        EXPECT_FALSE(r.require_stable);
    }
    auto all = of_request();
    all.topics = std::nullopt;  // KIP-88: every partition with a committed offset
    EXPECT_FALSE(check_reference(all, 3, py_of_req_v3_null).topics);
    // v0-1 cannot say "all topics".
    EXPECT_EQ(decode_message<offset_fetch_request>(h(py_of_req_v3_null), 1).error(),
              errc::null_not_allowed);
    for (int16_t v : {0, 1}) check_reference(of_response(), v, py_of_resp_v0_v1);
    check_reference(of_response(), 2, py_of_resp_v2);
    auto r3 = check_reference(of_response(), 3, py_of_resp_v3);
    EXPECT_EQ(r3.topics[0].partitions[0].committed_offset, 42);
    EXPECT_FALSE(r3.topics[0].partitions[1].metadata);
    EXPECT_EQ(r3.topics[0].partitions[0].committed_leader_epoch, -1);  // v5+
}

TEST(offset_fetch, v6_and_v8_flexible_bytes) {
    offset_fetch_request all;
    all.group_id = "g";
    all.topics = std::nullopt;
    EXPECT_EQ(encode(all, 6), cat({h("02"), s("g"), h("00"), h("00")}));  // id, null, tags

    offset_fetch_request batch;
    batch.groups = {{"g", std::nullopt, -1, std::vector<offset_fetch_request_topic>{{"t", {0, 1}}}},
                    {"h", std::nullopt, -1, std::nullopt}};
    batch.require_stable = true;
    const auto request = cat({
        h("03"),                    // groups: 2
        h("02"), s("g"),            //   group_id (member id/epoch only from v9)
        h("02"),                    //   topics: 1
        h("02"), s("t"),            //     name
        h("03 00000000 00000001"),  //     partition_indexes: [0, 1]
        h("00"),                    //     tagged fields
        h("00"),                    //   tagged fields
        h("02"), s("h"),            //   group_id
        h("00"),                    //   topics: null (all)
        h("00"),                    //   tagged fields
        h("01"),                    // require_stable
        h("00"),                    // tagged fields
    });
    EXPECT_EQ(encode(batch, 8), request);
    auto back = round_trip<offset_fetch_request>(request, 8);
    EXPECT_FALSE(back.groups[1].topics);

    offset_fetch_response resp;
    resp.groups = {{"g", {{"t", {{0, 42, 5, std::nullopt, 0}}}}, 0}};
    const auto response = cat({
        h("00000000"),          // throttle_time_ms
        h("02"),                // groups: 1
        h("02"), s("g"),        //   group_id
        h("02"),                //   topics: 1
        h("02"), s("t"),        //     name
        h("02"),                //     partitions: 1
        h("00000000"),          //       partition_index 0
        h("000000000000002a"),  //       committed_offset 42
        h("00000005"),          //       committed_leader_epoch 5
        h("00"),                //       metadata null
        h("0000"),              //       error_code
        h("00"),                //       tagged fields
        h("00"),                //     tagged fields
        h("0000"),              //   error_code
        h("00"),                //   tagged fields
        h("00"),                // tagged fields
    });
    EXPECT_EQ(encode(resp, 8), response);
    round_trip<offset_fetch_response>(response, 8);
}

TEST(offset_fetch, every_version_round_trips) {
    for (int16_t v = 0; v <= 9; ++v) {
        auto req = round_trip<offset_fetch_request>(encode(of_request(), v), v);
        EXPECT_EQ(req.group_id, v <= 7 ? "my-group" : "") << v;
        EXPECT_EQ(req.groups.size(), v >= 8 ? 2u : 0u) << v;
        EXPECT_EQ(req.require_stable, v >= 7) << v;
        if (v >= 8) {
            EXPECT_EQ(req.groups[0].member_epoch, v >= 9 ? 4 : -1) << v;
            EXPECT_FALSE(req.groups[1].topics) << v;
        }
        auto resp = round_trip<offset_fetch_response>(encode(of_response(), v), v);
        EXPECT_EQ(resp.topics.size(), v <= 7 ? 1u : 0u) << v;
        EXPECT_EQ(resp.groups.size(), v >= 8 ? 2u : 0u) << v;
        const auto& parts =
            v <= 7 ? resp.topics[0].partitions : resp.groups[0].topics[0].partitions;
        EXPECT_EQ(parts[0].committed_leader_epoch, v >= 5 ? 5 : -1) << v;
        if (v >= 8) {
            EXPECT_EQ(resp.groups[1].error_code, 69) << v;
        }
    }
    expect_truncations_fail(of_request());
    expect_truncations_fail(of_response());
}

// --- OffsetDelete ----------------------------------------------------------------------

TEST(offset_delete, v0_bytes) {
    const offset_delete_request req{"g", {{"t", {{0}, {1}}}}};
    const auto request = cat({
        h("0001"), s("g"),             // group_id
        h("00000001"),                 // topics: 1
        h("0001"), s("t"),             //   name
        h("00000002"),                 //   partitions: 2
        h("00000000"), h("00000001"),  //     partition_index 0, 1
    });
    EXPECT_EQ(encode(req, 0), request);
    EXPECT_EQ(round_trip<offset_delete_request>(request, 0).topics[0].partitions[1].partition_index,
              1);
    const offset_delete_response resp{0, 7, {{"t", {{0, 0}, {1, 86}}}}};
    const auto response = cat({
        h("0000"),           // error_code
        h("00000007"),       // throttle_time_ms
        h("00000001"),       // topics: 1
        h("0001"), s("t"),   //   name
        h("00000002"),       //   partitions: 2
        h("00000000 0000"),  //     0: ok
        h("00000001 0056"),  //     1: GROUP_SUBSCRIBED_TO_TOPIC (86)
    });
    EXPECT_EQ(encode(resp, 0), response);
    EXPECT_EQ(round_trip<offset_delete_response>(response, 0).topics[0].partitions[1].error_code,
              86);
    expect_truncations_fail(req);
    expect_truncations_fail(resp);
}

}  // namespace
}  // namespace sluice::protocol::testing
