// Group admin APIs: DescribeGroups (15), ListGroups (16), DeleteGroups (42). Classic versions
// against kafka-python's encoder, flexible versions against bytes worked out by hand from
// Kafka 3.8's JSON schemas, every version round-trips, truncated input fails cleanly.
//
// Reference vectors from kafka-python 2.0.2 (Debian python3-kafka 2.0.2-3), made offline with
// /usr/bin/python3 (.encode().hex() of each, the object bound to a name first):
//   from kafka.protocol.admin import *
//   from kafka.coordinator.protocol import ConsumerProtocolMemberMetadata as MM
//   from kafka.coordinator.protocol import ConsumerProtocolMemberAssignment as MA
//   m1 = MM(0, ['orders', 't2'], b'').encode(); a1 = MA(0, [('orders', [0, 1])], b'').encode()
//   DescribeGroupsRequest[v](groups=['my-group', 'g2'])                          # v = 0-2
//   DescribeGroupsRequest[3](groups=['my-group', 'g2'], include_authorized_operations=True)
//   g0 = (0, 'my-group', 'Stable', 'consumer', 'range',
//         [('m-1', 'client-1', '/10.0.0.1', m1, a1)])
//   g1 = (16, 'g2', 'Dead', '', '', [])
//   DescribeGroupsResponse[0](groups=[g0, g1])
//   DescribeGroupsResponse[v](throttle_time_ms=7, groups=[g0, g1])               # v = 1, 2
//   ListGroupsRequest[v]()                                                       # empty body
//   ListGroupsResponse[0](error_code=0, groups=[('my-group', 'consumer'), ('connect-x',
//   'connect')]) ListGroupsResponse[v](throttle_time_ms=7, error_code=0, groups=<as v0>)      # v =
//   1, 2 DeleteGroupsRequest[v](groups_names=['my-group', 'g2'])                      # v = 0, 1
//   DeleteGroupsResponse[v](throttle_time_ms=7, results=[('my-group', 0), ('g2', 68)])
// kafka-python's DescribeGroupsResponse_v3 puts authorized_operations outside the group (a
// bracket slip in admin.py), so v3 responses are covered by the round trips only.

#include <gtest/gtest.h>

#include "sluice/protocol/messages/delete_groups.h"
#include "sluice/protocol/messages/describe_groups.h"
#include "sluice/protocol/messages/list_groups.h"

#include "wire_test_util.h"

namespace sluice::protocol::testing {
namespace {

const bytes meta1 = h("0000 00000002 0006 6f7264657273 0002 7432 00000000");
const bytes assign1 = h("0000 00000001 0006 6f7264657273 00000002 00000000 00000001 00000000");

// --- DescribeGroups --------------------------------------------------------------------

describe_groups_response dg_response() {
    describe_groups_response m;
    m.throttle_time_ms = 7;
    m.groups = {{0,
                 "my-group",
                 "Stable",
                 "consumer",
                 "range",
                 {{"m-1", "i-1", "client-1", "/10.0.0.1", meta1, assign1}},
                 INT32_MIN},
                {16, "g2", "Dead", "", "", {}, INT32_MIN}};
    return m;
}

constexpr std::string_view py_dg_resp_v0 =
    "00000002000000086d792d67726f75700006537461626c650008636f6e73756d6572000572616e676500000001"
    "00036d2d310008636c69656e742d3100092f31302e302e302e310000001600000000000200066f726465727300"
    "027432000000000000001e00000000000100066f72646572730000000200000000000000010000000000100002"
    "67320004446561640000000000000000";

TEST(describe_groups, matches_kafka_python) {
    const describe_groups_request req{{"my-group", "g2"}, true};
    const std::string groups = "00000002 0008 6d792d67726f7570 0002 6732";
    for (int16_t v = 0; v <= 2; ++v) {
        EXPECT_FALSE(check_reference(req, v, groups).include_authorized_operations);
    }
    EXPECT_TRUE(check_reference(req, 3, groups + "01").include_authorized_operations);
    auto r0 = check_reference(dg_response(), 0, py_dg_resp_v0);
    ASSERT_EQ(r0.groups.size(), 2u);
    EXPECT_EQ(r0.groups[0].members[0].client_host, "/10.0.0.1");
    EXPECT_EQ(r0.groups[0].members[0].member_metadata, meta1);
    EXPECT_EQ(r0.groups[0].members[0].member_assignment, assign1);
    EXPECT_EQ(r0.groups[1].error_code, 16);
    for (int16_t v : {1, 2}) {
        check_reference(dg_response(), v, "00000007" + std::string(py_dg_resp_v0));
    }
}

TEST(describe_groups, v5_flexible_bytes) {
    const describe_groups_request req{{"g", "h"}, true};
    EXPECT_EQ(encode(req, 5), cat({h("03"), h("02"), s("g"), h("02"), s("h"), h("01 00")}));
    describe_groups_response resp;
    resp.groups = {{0,
                    "g",
                    "Stable",
                    "consumer",
                    "range",
                    {{"m-1", std::nullopt, "c-1", "/10.0.0.1", {0xaa}, {0xbb}}},
                    INT32_MIN}};
    const auto response = cat({
        h("00000000"),                  // throttle_time_ms
        h("02"),                        // groups: 1
        h("0000"),                      //   error_code
        h("02"),       s("g"),          //   group_id
        h("07"),       s("Stable"),     //   group_state
        h("09"),       s("consumer"),   //   protocol_type
        h("06"),       s("range"),      //   protocol_data
        h("02"),                        //   members: 1
        h("04"),       s("m-1"),        //     member_id
        h("00"),                        //     group_instance_id null
        h("04"),       s("c-1"),        //     client_id
        h("0a"),       s("/10.0.0.1"),  //     client_host
        h("02aa"),     h("02bb"),       //     member_metadata, member_assignment
        h("00"),                        //     tagged fields
        h("80000000"),                  //   authorized_operations: not asked for
        h("00"),                        //   tagged fields
        h("00"),                        // tagged fields
    });
    EXPECT_EQ(encode(resp, 5), response);
    EXPECT_EQ(round_trip<describe_groups_response>(response, 5).groups[0].members[0].client_id,
              "c-1");
}

TEST(describe_groups, every_version_round_trips) {
    auto ops = dg_response();
    ops.groups[0].authorized_operations = 0x0f8;
    for (int16_t v = 0; v <= 5; ++v) {
        auto resp = round_trip<describe_groups_response>(encode(ops, v), v);
        EXPECT_EQ(resp.groups[0].authorized_operations, v >= 3 ? 0x0f8 : INT32_MIN) << v;
        EXPECT_EQ(resp.groups[0].members[0].group_instance_id.has_value(), v >= 4) << v;
        EXPECT_EQ(resp.groups[0].members[0].member_assignment, assign1) << v;
        round_trip<describe_groups_request>(encode(describe_groups_request{{"g"}, true}, v), v);
    }
    expect_truncations_fail(describe_groups_request{{"my-group", "g2"}, true});
    expect_truncations_fail(dg_response());
}

// --- ListGroups ------------------------------------------------------------------------

list_groups_response lsg_response() {
    return {7,
            0,
            {{"my-group", "consumer", "Stable", "classic"},
             {"connect-x", "connect", "Empty", "classic"}}};
}

TEST(list_groups, matches_kafka_python) {
    const list_groups_request req{{"Stable"}, {"classic"}};
    for (int16_t v = 0; v <= 2; ++v) EXPECT_TRUE(encode(req, v).empty()) << v;
    const std::string groups =
        "0000 00000002 0008 6d792d67726f7570 0008 636f6e73756d6572 0009 636f6e6e6563742d78 0007 "
        "636f6e6e656374";
    auto r0 = check_reference(lsg_response(), 0, groups);
    EXPECT_EQ(r0.groups[1].protocol_type, "connect");
    EXPECT_EQ(r0.groups[1].group_state, "");
    for (int16_t v : {1, 2}) check_reference(lsg_response(), v, "00000007" + groups);
}

TEST(list_groups, v3_to_v5_flexible_bytes) {
    const list_groups_request req{{"Stable"}, {"classic"}};
    EXPECT_EQ(encode(req, 3), h("00"));  // only the tagged-field section
    EXPECT_EQ(encode(req, 4), cat({h("02 07"), s("Stable"), h("00")}));
    EXPECT_EQ(encode(req, 5), cat({h("02 07"), s("Stable"), h("02 08"), s("classic"), h("00")}));
    EXPECT_EQ(round_trip<list_groups_request>(encode(req, 5), 5).types_filter[0], "classic");
    const list_groups_response resp{0, 0, {{"g", "consumer", "Stable", "classic"}}};
    const auto v3 = cat({
        h("00000000 0000"),      // throttle_time_ms, error_code
        h("02"),                 // groups: 1
        h("02"), s("g"),         //   group_id
        h("09"), s("consumer"),  //   protocol_type
        h("00"),                 //   tagged fields
        h("00"),                 // tagged fields
    });
    EXPECT_EQ(encode(resp, 3), v3);
    const auto v5 = cat({
        h("00000000 0000 02"),
        h("02"),
        s("g"),
        h("09"),
        s("consumer"),
        h("07"),
        s("Stable"),  //   group_state (v4+)
        h("08"),
        s("classic"),  //   group_type (v5+)
        h("00 00"),
    });
    EXPECT_EQ(encode(resp, 5), v5);
    EXPECT_EQ(round_trip<list_groups_response>(v5, 5).groups[0].group_type, "classic");
}

TEST(list_groups, every_version_round_trips) {
    const list_groups_request req{{"Stable", "Empty"}, {"classic"}};
    for (int16_t v = 0; v <= 5; ++v) {
        auto r = round_trip<list_groups_request>(encode(req, v), v);
        EXPECT_EQ(r.states_filter.size(), v >= 4 ? 2u : 0u) << v;
        EXPECT_EQ(r.types_filter.size(), v >= 5 ? 1u : 0u) << v;
        auto resp = round_trip<list_groups_response>(encode(lsg_response(), v), v);
        EXPECT_EQ(resp.groups[0].group_state, v >= 4 ? "Stable" : "") << v;
    }
    expect_truncations_fail(lsg_response());
    expect_truncations_fail(list_groups_request{{"Stable"}, {"classic"}});
}

// --- DeleteGroups ----------------------------------------------------------------------

TEST(delete_groups, matches_kafka_python_and_v2_flexible_bytes) {
    const delete_groups_request req{{"my-group", "g2"}};
    const delete_groups_response resp{7, {{"my-group", 0}, {"g2", 68}}};
    for (int16_t v : {0, 1}) {
        check_reference(req, v, "00000002 0008 6d792d67726f7570 0002 6732");
        auto r =
            check_reference(resp, v, "00000007 00000002 0008 6d792d67726f7570 0000 0002 6732 0044");
        EXPECT_EQ(r.results[1].error_code, 68);  // NON_EMPTY_GROUP
    }
    const delete_groups_request small{{"g", "h"}};
    EXPECT_EQ(encode(small, 2), cat({h("03 02"), s("g"), h("02"), s("h"), h("00")}));
    const delete_groups_response small_resp{0, {{"g", 0}, {"h", 68}}};
    const auto response = cat({
        h("00000000"),                  // throttle_time_ms
        h("03"),                        // results: 2
        h("02"), s("g"), h("0000 00"),  //   "g": ok, tagged fields
        h("02"), s("h"), h("0044 00"),  //   "h": NON_EMPTY_GROUP, tagged fields
        h("00"),                        // tagged fields
    });
    EXPECT_EQ(encode(small_resp, 2), response);
    EXPECT_EQ(round_trip<delete_groups_response>(response, 2).results[1].group_id, "h");
    for (int16_t v = 0; v <= 2; ++v) {
        EXPECT_EQ(round_trip<delete_groups_request>(encode(req, v), v).groups_names.size(), 2u);
    }
    expect_truncations_fail(req);
    expect_truncations_fail(resp);
}

}  // namespace
}  // namespace sluice::protocol::testing
