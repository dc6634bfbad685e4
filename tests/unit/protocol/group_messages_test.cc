// Group membership APIs: FindCoordinator (10), JoinGroup (11), Heartbeat (12), LeaveGroup
// (13), SyncGroup (14). Classic versions against kafka-python's encoder, one flexible
// version of each against bytes worked out by hand from Kafka 3.8's JSON schemas, every
// version round-trips, truncated input fails cleanly.
//
// Reference vectors from kafka-python 2.0.2 (Debian python3-kafka 2.0.2-3), made offline with
// /usr/bin/python3:
//   from kafka.protocol.group import *; from kafka.protocol.commit import *
//   from kafka.coordinator.protocol import ConsumerProtocolMemberMetadata as MM
//   from kafka.coordinator.protocol import ConsumerProtocolMemberAssignment as MA
//   m1 = MM(0, ['orders', 't2'], b'').encode(); m2 = MM(0, ['orders'], None).encode()
//   a1 = MA(0, [('orders', [0, 1])], b'').encode()
//   a2 = MA(0, [('orders', [2]), ('t2', [0])], None).encode()
//   GroupCoordinatorRequest[0](consumer_group='my-group')
//   GroupCoordinatorRequest[1](coordinator_key='my-group', coordinator_type=0)
//   GroupCoordinatorResponse[0](error_code=0, coordinator_id=1, host='broker-1', port=9092)
//   JoinGroupRequest[v](group='my-group', session_timeout=10000, rebalance_timeout=300000,
//       member_id='m-1', protocol_type='consumer',
//       group_protocols=[('range', m1), ('roundrobin', m1)])            # v0 without rebalance
//   JoinGroupResponse[v](throttle_time_ms=7, error_code=0, generation_id=3,
//       group_protocol='range', leader_id='m-1', member_id='m-1',
//       members=[('m-1', m1), ('m-2', m2)])                            # v0-1 without throttle
//   SyncGroupRequest[v](group='my-group', generation_id=3, member_id='m-1',
//       group_assignment=[('m-1', a1), ('m-2', a2)])
//   SyncGroupResponse[v](throttle_time_ms=7, error_code=0, member_assignment=a1)
//   HeartbeatRequest[v](group='my-group', generation_id=3, member_id='m-1')
//   HeartbeatResponse[v](throttle_time_ms=7, error_code=27)
//   LeaveGroupRequest[v](group='my-group', member_id='m-1')
//   LeaveGroupResponse[v](throttle_time_ms=7, error_code=25)
// (.encode().hex() of each; the object must be bound to a name first, kafka-python's encode
// holds only a weak reference). kafka-python's GroupCoordinatorResponse_v1 lacks Kafka's
// ThrottleTimeMs, so FindCoordinator responses are checked against it at v0 only.

#include <gtest/gtest.h>

#include "sluice/protocol/messages/find_coordinator.h"
#include "sluice/protocol/messages/heartbeat.h"
#include "sluice/protocol/messages/join_group.h"
#include "sluice/protocol/messages/leave_group.h"
#include "sluice/protocol/messages/sync_group.h"

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

const bytes meta1 = h("0000 00000002 0006 6f7264657273 0002 7432 00000000");
const bytes meta2 = h("0000 00000001 0006 6f7264657273 ffffffff");
const bytes assign1 = h("0000 00000001 0006 6f7264657273 00000002 00000000 00000001 00000000");
const bytes assign2 =
    h("0000 00000002 0006 6f7264657273 00000001 00000002 0002 7432 00000001 00000000 ffffffff");

// --- FindCoordinator -------------------------------------------------------------------

find_coordinator_request fc_request() {
    return {"my-group", 0, {"my-group", "g2"}};
}
find_coordinator_response fc_response() {
    find_coordinator_response m;
    m.throttle_time_ms = 7;
    m.error_message = std::nullopt;
    m.node_id = 1;
    m.host = "broker-1";
    m.port = 9092;
    m.coordinators = {{"my-group", 1, "broker-1", 9092, 0, std::nullopt},
                      {"g2", -1, "", -1, 15, "coordinator not available"}};
    return m;
}

TEST(find_coordinator, matches_kafka_python) {
    auto r0 = check_reference(fc_request(), 0, "0008 6d792d67726f7570");
    EXPECT_EQ(r0.key, "my-group");
    EXPECT_TRUE(r0.coordinator_keys.empty());
    check_reference(fc_request(), 1, "0008 6d792d67726f7570 00");
    auto p0 = check_reference(fc_response(), 0, "0000 00000001 0008 62726f6b65722d31 00002384");
    EXPECT_EQ(p0.host, "broker-1");
    EXPECT_EQ(p0.port, 9092);
}

TEST(find_coordinator, v4_batched_flexible_bytes) {
    const auto request = cat({
        h("00"),                 // key_type 0 (group)
        h("03"),                 // coordinator_keys: 2
        h("09"), s("my-group"),  //   "my-group"
        h("03"), s("g2"),        //   "g2"
        h("00"),                 // tagged fields
    });
    EXPECT_EQ(encode(fc_request(), 4), request);
    EXPECT_EQ(round_trip<find_coordinator_request>(request, 4).coordinator_keys.size(), 2u);
    const auto response = cat({
        h("00000007"),                                  // throttle_time_ms 7
        h("03"),                                        // coordinators: 2
        h("09"),       s("my-group"),                   //   key
        h("00000001"),                                  //   node_id 1
        h("09"),       s("broker-1"),                   //   host
        h("00002384"),                                  //   port 9092
        h("0000"),                                      //   error_code 0
        h("00"),                                        //   error_message null
        h("00"),                                        //   tagged fields
        h("03"),       s("g2"),                         //   key
        h("ffffffff"),                                  //   node_id -1
        h("01"),                                        //   host ""
        h("ffffffff"),                                  //   port -1
        h("000f"),                                      //   error_code 15
        h("1a"),       s("coordinator not available"),  //   error_message (25 bytes)
        h("00"),                                        //   tagged fields
        h("00"),                                        // tagged fields
    });
    EXPECT_EQ(encode(fc_response(), 4), response);
    auto back = round_trip<find_coordinator_response>(response, 4);
    EXPECT_EQ(back.coordinators[1].error_message, "coordinator not available");
    EXPECT_FALSE(back.coordinators[0].error_message);
}

TEST(find_coordinator, every_version_round_trips) {
    for (int16_t v = 0; v <= 5; ++v) {
        auto req = round_trip<find_coordinator_request>(encode(fc_request(), v), v);
        EXPECT_EQ(req.key, v <= 3 ? "my-group" : "") << v;
        EXPECT_EQ(req.coordinator_keys.size(), v >= 4 ? 2u : 0u) << v;
        auto resp = round_trip<find_coordinator_response>(encode(fc_response(), v), v);
        EXPECT_EQ(resp.host, v <= 3 ? "broker-1" : "") << v;
        EXPECT_EQ(resp.throttle_time_ms, v >= 1 ? 7 : 0) << v;
        // v1-3 carry the (null) error message; elsewhere it keeps Kafka's default "".
        EXPECT_EQ(resp.error_message.has_value(), v == 0 || v >= 4) << v;
        EXPECT_EQ(resp.coordinators.size(), v >= 4 ? 2u : 0u) << v;
    }
    expect_truncations_fail(fc_request());
    expect_truncations_fail(fc_response());
}

// --- JoinGroup -------------------------------------------------------------------------

join_group_request jg_request() {
    join_group_request m;
    m.group_id = "my-group";
    m.session_timeout_ms = 10000;
    m.rebalance_timeout_ms = 300000;
    m.member_id = "m-1";
    m.group_instance_id = "i-1";
    m.protocol_type = "consumer";
    m.protocols = {{"range", meta1}, {"roundrobin", meta1}};
    m.reason = "rejoin";
    return m;
}
join_group_response jg_response() {
    join_group_response m;
    m.throttle_time_ms = 7;
    m.generation_id = 3;
    m.protocol_type = "consumer";
    m.protocol_name = "range";
    m.leader = "m-1";
    m.member_id = "m-1";
    m.members = {{"m-1", "i-1", meta1}, {"m-2", std::nullopt, meta2}};
    return m;
}

constexpr std::string_view py_jg_protocols =
    "00000002 0005 72616e6765 00000016 00000000000200066f72646572730002743200000000"
    "000a 726f756e64726f62696e 00000016 00000000000200066f72646572730002743200000000";
constexpr std::string_view py_jg_resp_v0_v1 =
    "0000 00000003 0005 72616e6765 0003 6d2d31 0003 6d2d31 00000002"
    "0003 6d2d31 00000016 00000000000200066f72646572730002743200000000"
    "0003 6d2d32 00000012 00000000000100066f7264657273ffffffff";

TEST(join_group, matches_kafka_python) {
    const std::string head_v0 = "0008 6d792d67726f7570 00002710 0003 6d2d31 0008 636f6e73756d6572";
    const std::string head_v1 =
        "0008 6d792d67726f7570 00002710 000493e0 0003 6d2d31 0008 636f6e73756d6572";
    auto r0 = check_reference(jg_request(), 0, head_v0 + std::string(py_jg_protocols));
    EXPECT_EQ(r0.rebalance_timeout_ms, -1);  // Kafka's default where absent
    for (int16_t v : {1, 2}) {
        auto r = check_reference(jg_request(), v, head_v1 + std::string(py_jg_protocols));
        EXPECT_EQ(r.rebalance_timeout_ms, 300000);
        EXPECT_EQ(r.protocols[1].metadata, meta1);
        EXPECT_FALSE(r.group_instance_id);
    }
    for (int16_t v : {0, 1}) check_reference(jg_response(), v, py_jg_resp_v0_v1);
    auto p2 = check_reference(jg_response(), 2, "00000007" + std::string(py_jg_resp_v0_v1));
    EXPECT_EQ(p2.members[1].metadata, meta2);
    EXPECT_EQ(p2.protocol_name, "range");
}

TEST(join_group, v6_request_and_v9_response_flexible_bytes) {
    join_group_request req;
    req.group_id = "g";
    req.session_timeout_ms = 10000;
    req.rebalance_timeout_ms = 300000;
    req.protocol_type = "consumer";
    req.protocols = {{"range", {0xaa, 0xbb}}};
    const auto request = cat({
        h("02"), s("g"),         // group_id
        h("00002710"),           // session_timeout_ms 10000
        h("000493e0"),           // rebalance_timeout_ms 300000
        h("01"),                 // member_id ""
        h("00"),                 // group_instance_id null
        h("09"), s("consumer"),  // protocol_type
        h("02"),                 // protocols: 1
        h("06"), s("range"),     //   name
        h("03aabb"),             //   metadata: 2 bytes
        h("00"),                 //   tagged fields
        h("00"),                 // tagged fields
    });
    EXPECT_EQ(encode(req, 6), request);
    EXPECT_EQ(round_trip<join_group_request>(request, 6).protocols[0].metadata,
              bytes({0xaa, 0xbb}));

    // The first join of a v4+ member: MEMBER_ID_REQUIRED (79) with its new member id.
    join_group_response resp;
    resp.error_code = 79;
    resp.protocol_name = std::nullopt;
    resp.member_id = "m-1";
    const auto response = cat({
        h("00000000"),      // throttle_time_ms
        h("004f"),          // error_code 79
        h("ffffffff"),      // generation_id -1
        h("00"),            // protocol_type null
        h("00"),            // protocol_name null
        h("01"),            // leader ""
        h("00"),            // skip_assignment false
        h("04"), s("m-1"),  // member_id
        h("01"),            // members: 0
        h("00"),            // tagged fields
    });
    EXPECT_EQ(encode(resp, 9), response);
    auto back = round_trip<join_group_response>(response, 9);
    EXPECT_FALSE(back.protocol_name);
    EXPECT_EQ(back.member_id, "m-1");
}

TEST(join_group, every_version_round_trips) {
    for (int16_t v = 0; v <= 9; ++v) {
        auto req = round_trip<join_group_request>(encode(jg_request(), v), v);
        EXPECT_EQ(req.group_instance_id.has_value(), v >= 5) << v;
        EXPECT_EQ(req.reason.has_value(), v >= 8) << v;
        EXPECT_EQ(req.protocols[0].metadata, meta1) << v;
        auto resp = round_trip<join_group_response>(encode(jg_response(), v), v);
        EXPECT_EQ(resp.protocol_type.has_value(), v >= 7) << v;
        EXPECT_EQ(resp.members[0].group_instance_id.has_value(), v >= 5) << v;
        EXPECT_EQ(resp.members[1].metadata, meta2) << v;
    }
    auto skip = jg_response();
    skip.skip_assignment = true;
    EXPECT_TRUE(round_trip<join_group_response>(encode(skip, 9), 9).skip_assignment);
    // protocol_name may be null only from v7.
    join_group_response null_name;
    null_name.protocol_name = std::nullopt;
    EXPECT_EQ(decode_message<join_group_response>(encode(null_name, 6), 6).error(),
              errc::null_not_allowed);
    expect_truncations_fail(jg_request());
    expect_truncations_fail(jg_response());
}

// --- SyncGroup -------------------------------------------------------------------------

sync_group_request sg_request() {
    return {"my-group", 3, "m-1", "i-1", "consumer", "range", {{"m-1", assign1}, {"m-2", assign2}}};
}
sync_group_response sg_response() {
    return {7, 0, "consumer", "range", assign1};
}

TEST(sync_group, matches_kafka_python) {
    const std::string req =
        "0008 6d792d67726f7570 00000003 0003 6d2d31 00000002"
        "0003 6d2d31 0000001e 00000000000100066f726465727300000002000000000000000100000000"
        "0003 6d2d32 00000026 00000000000200066f72646572730000000100000002000274320000000100"
        "000000ffffffff";
    for (int16_t v : {0, 1}) {
        auto r = check_reference(sg_request(), v, req);
        EXPECT_EQ(r.assignments[1].assignment, assign2);
        EXPECT_FALSE(r.protocol_name);
    }
    const std::string resp =
        "0000 0000001e 00000000000100066f726465727300000002000000000000000100000000";
    check_reference(sg_response(), 0, resp);
    EXPECT_EQ(check_reference(sg_response(), 1, "00000007" + resp).assignment, assign1);
}

TEST(sync_group, v5_request_and_v4_response_flexible_bytes) {
    sync_group_request req{"g", 3, "m-1", std::nullopt, "consumer", "range", {{"m-1", {0xaa}}}};
    const auto request = cat({
        h("02"), s("g"),         // group_id
        h("00000003"),           // generation_id 3
        h("04"), s("m-1"),       // member_id
        h("00"),                 // group_instance_id null
        h("09"), s("consumer"),  // protocol_type
        h("06"), s("range"),     // protocol_name
        h("02"),                 // assignments: 1
        h("04"), s("m-1"),       //   member_id
        h("02aa"),               //   assignment: 1 byte
        h("00"),                 //   tagged fields
        h("00"),                 // tagged fields
    });
    EXPECT_EQ(encode(req, 5), request);
    EXPECT_EQ(round_trip<sync_group_request>(request, 5).protocol_name, "range");
    sync_group_response resp{0, 0, "consumer", "range", {0xaa, 0xbb}};
    const auto response = cat({
        h("00000000"),  // throttle_time_ms
        h("0000"),      // error_code
        h("03aabb"),    // assignment: 2 bytes (v4 has no protocol type/name)
        h("00"),        // tagged fields
    });
    EXPECT_EQ(encode(resp, 4), response);
    EXPECT_FALSE(round_trip<sync_group_response>(response, 4).protocol_type);
}

TEST(sync_group, every_version_round_trips) {
    for (int16_t v = 0; v <= 5; ++v) {
        auto req = round_trip<sync_group_request>(encode(sg_request(), v), v);
        EXPECT_EQ(req.group_instance_id.has_value(), v >= 3) << v;
        EXPECT_EQ(req.protocol_type.has_value(), v >= 5) << v;
        EXPECT_EQ(req.assignments[0].assignment, assign1) << v;
        auto resp = round_trip<sync_group_response>(encode(sg_response(), v), v);
        EXPECT_EQ(resp.protocol_name.has_value(), v >= 5) << v;
        EXPECT_EQ(resp.assignment, assign1) << v;
    }
    expect_truncations_fail(sg_request());
    expect_truncations_fail(sg_response());
}

// --- Heartbeat -------------------------------------------------------------------------

TEST(heartbeat, matches_kafka_python) {
    const heartbeat_request req{"my-group", 3, "m-1", "i-1"};
    for (int16_t v : {0, 1}) {
        auto r = check_reference(req, v, "0008 6d792d67726f7570 00000003 0003 6d2d31");
        EXPECT_EQ(r.generation_id, 3);
        EXPECT_FALSE(r.group_instance_id);
    }
    const heartbeat_response resp{7, 27};
    EXPECT_EQ(check_reference(resp, 0, "001b").error_code, 27);
    EXPECT_EQ(check_reference(resp, 1, "00000007 001b").throttle_time_ms, 7);
}

TEST(heartbeat, v4_flexible_bytes_and_every_version) {
    const heartbeat_request req{"g", 3, "m-1", "i-1"};
    const auto request = cat({
        h("02"), s("g"),    // group_id
        h("00000003"),      // generation_id 3
        h("04"), s("m-1"),  // member_id
        h("04"), s("i-1"),  // group_instance_id
        h("00"),            // tagged fields
    });
    EXPECT_EQ(encode(req, 4), request);
    EXPECT_EQ(round_trip<heartbeat_request>(request, 4).group_instance_id, "i-1");
    const heartbeat_response resp{0, 27};
    EXPECT_EQ(encode(resp, 4), h("00000000 001b 00"));
    for (int16_t v = 0; v <= 4; ++v) {
        auto r = round_trip<heartbeat_request>(encode(req, v), v);
        EXPECT_EQ(r.group_instance_id.has_value(), v >= 3) << v;
        EXPECT_EQ(round_trip<heartbeat_response>(encode(resp, v), v).error_code, 27) << v;
    }
    expect_truncations_fail(req);
    expect_truncations_fail(heartbeat_response{7, 27});
}

// --- LeaveGroup ------------------------------------------------------------------------

leave_group_request lg_request() {
    return {"my-group", "m-1", {{"m-1", "i-1", "bye"}, {"m-2", std::nullopt, std::nullopt}}};
}
leave_group_response lg_response() {
    return {7, 0, {{"m-1", "i-1", 0}, {"m-2", std::nullopt, 25}}};
}

TEST(leave_group, matches_kafka_python) {
    for (int16_t v : {0, 1}) {
        auto r = check_reference(lg_request(), v, "0008 6d792d67726f7570 0003 6d2d31");
        EXPECT_EQ(r.member_id, "m-1");
        EXPECT_TRUE(r.members.empty());
    }
    const leave_group_response resp{7, 25, {}};
    check_reference(resp, 0, "0019");
    check_reference(resp, 1, "00000007 0019");
}

TEST(leave_group, v5_request_and_v4_response_flexible_bytes) {
    const leave_group_request req{
        "g", "", {{"m-1", std::nullopt, "bye"}, {"m-2", "i-2", std::nullopt}}};
    const auto request = cat({
        h("02"), s("g"),    // group_id (v3+ has no top-level member_id)
        h("03"),            // members: 2
        h("04"), s("m-1"),  //   member_id
        h("00"),            //   group_instance_id null
        h("04"), s("bye"),  //   reason
        h("00"),            //   tagged fields
        h("04"), s("m-2"),  //   member_id
        h("04"), s("i-2"),  //   group_instance_id
        h("00"),            //   reason null
        h("00"),            //   tagged fields
        h("00"),            // tagged fields
    });
    EXPECT_EQ(encode(req, 5), request);
    auto back = round_trip<leave_group_request>(request, 5);
    EXPECT_EQ(back.members[0].reason, "bye");
    EXPECT_EQ(back.members[1].group_instance_id, "i-2");
    const leave_group_response resp{0, 0, {{"m-1", std::nullopt, 25}}};
    const auto response = cat({
        h("00000000"),      // throttle_time_ms
        h("0000"),          // error_code
        h("02"),            // members: 1
        h("04"), s("m-1"),  //   member_id
        h("00"),            //   group_instance_id null
        h("0019"),          //   error_code 25 (UNKNOWN_MEMBER_ID)
        h("00"),            //   tagged fields
        h("00"),            // tagged fields
    });
    EXPECT_EQ(encode(resp, 4), response);
    EXPECT_EQ(round_trip<leave_group_response>(response, 4).members[0].error_code, 25);
}

TEST(leave_group, every_version_round_trips) {
    for (int16_t v = 0; v <= 5; ++v) {
        auto req = round_trip<leave_group_request>(encode(lg_request(), v), v);
        EXPECT_EQ(req.member_id, v <= 2 ? "m-1" : "") << v;
        EXPECT_EQ(req.members.size(), v >= 3 ? 2u : 0u) << v;
        if (v >= 3) {
            EXPECT_EQ(req.members[0].reason.has_value(), v >= 5) << v;
        }
        auto resp = round_trip<leave_group_response>(encode(lg_response(), v), v);
        EXPECT_EQ(resp.members.size(), v >= 3 ? 2u : 0u) << v;
    }
    expect_truncations_fail(lg_request());
    expect_truncations_fail(lg_response());
}

}  // namespace
}  // namespace sluice::protocol::testing
