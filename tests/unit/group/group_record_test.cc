// group_record: a group's record in __consumer_offsets in Kafka's byte layout, and a group
// restored from it.

#include "group/group_record.h"

#include <gtest/gtest.h>

#include "group/offset_store.h"
#include "unit/group/group_test_util.h"

namespace sluice::group::testing {
namespace {

group_snapshot one_member_group() {
    group_snapshot s;
    s.protocol_type = "consumer";
    s.generation = 2;
    s.protocol_name = "range";
    s.leader = "m-1";
    group_snapshot::member_record m;
    m.member_id = "m-1";
    m.client_id = "c";
    m.client_host = "/127.0.0.1";
    m.rebalance_timeout_ms = 300000;
    m.session_timeout_ms = 10000;
    m.subscription = {1, 2};
    m.assignment = {3};
    s.members.push_back(m);
    return s;
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& p : parts) {
        for (uint8_t b : p) out.push_back(b);
    }
    return out;
}
std::vector<uint8_t> str(const std::string& s) {
    std::vector<uint8_t> out;
    out.push_back(uint8_t(s.size() >> 8));
    out.push_back(uint8_t(s.size()));
    for (char c : s) out.push_back(uint8_t(c));
    return out;
}

TEST(group_record, key_and_value_have_kafkas_layout) {
    // GroupMetadataKey v2: version, group.
    EXPECT_EQ(group_record_key("g1"), (std::vector<uint8_t>{0, 2, 0, 2, 'g', '1'}));
    EXPECT_TRUE(is_group_record_key(group_record_key("g1")));
    EXPECT_FALSE(is_group_record_key(offset_store::record_key("g1", {"t", 0})));

    // GroupMetadataValue v3, worked by hand from GroupMetadataValue.json.
    const int64_t ts = 0x0102030405060708;
    const auto expected = cat({
        {0, 3},  // version
        str("consumer"),
        {0, 0, 0, 2},  // protocolType, generation
        str("range"),
        str("m-1"),                // protocol, leader
        {1, 2, 3, 4, 5, 6, 7, 8},  // currentStateTimestamp
        {0, 0, 0, 1},              // one member
        str("m-1"),
        {0xff, 0xff},  // memberId, groupInstanceId null
        str("c"),
        str("/127.0.0.1"),  // clientId, clientHost
        {0, 4, 0x93, 0xe0},
        {0, 0, 0x27, 0x10},  // rebalance 300000, session 10000
        {0, 0, 0, 2, 1, 2},
        {0, 0, 0, 1, 3},  // subscription, assignment
    });
    EXPECT_EQ(group_record_value(one_member_group(), ts), expected);

    // An empty group: protocol and leader null, no members.
    group_snapshot empty;
    empty.protocol_type = "consumer";
    empty.generation = 7;
    const auto empty_expected = cat({{0, 3},
                                     str("consumer"),
                                     {0, 0, 0, 7},
                                     {0xff, 0xff},
                                     {0xff, 0xff},
                                     {1, 2, 3, 4, 5, 6, 7, 8},
                                     {0, 0, 0, 0}});
    EXPECT_EQ(group_record_value(empty, ts), empty_expected);
}

TEST(group_record, loader_keeps_the_last_record_and_honours_tombstones) {
    group_record_loader l;
    const auto key = group_record_key("g");
    group_snapshot first = one_member_group();
    group_snapshot second = first;
    second.generation = 3;
    const auto v1 = group_record_value(first, 1);
    const auto v2 = group_record_value(second, 2);
    ASSERT_TRUE(l.apply(key, std::span<const uint8_t>(v1)));
    ASSERT_TRUE(l.apply(key, std::span<const uint8_t>(v2)));
    ASSERT_EQ(l.groups().size(), 1u);
    EXPECT_EQ(l.groups().at("g"), second);
    ASSERT_TRUE(l.apply(key, std::nullopt));
    EXPECT_TRUE(l.groups().empty());

    // Bad bytes are refused, not half-applied.
    std::vector<uint8_t> cut(v1.begin(), v1.end() - 3);
    EXPECT_FALSE(l.apply(key, std::span<const uint8_t>(cut)));
    EXPECT_TRUE(l.groups().empty());
}

TEST(group_record, version_0_value_takes_the_session_timeout_as_rebalance_timeout) {
    // v0 has no rebalanceTimeout, currentStateTimestamp or groupInstanceId.
    const auto v0 = cat({{0, 0},
                         str("consumer"),
                         {0, 0, 0, 1},
                         str("range"),
                         str("m"),
                         {0, 0, 0, 1},
                         str("m"),
                         str("c"),
                         str("h"),
                         {0, 0, 0x75, 0x30},
                         {0, 0, 0, 0},
                         {0, 0, 0, 0}});
    group_record_loader l;
    ASSERT_TRUE(l.apply(group_record_key("old"), std::span<const uint8_t>(v0)));
    const auto& s = l.groups().at("old");
    ASSERT_EQ(s.members.size(), 1u);
    EXPECT_EQ(s.members[0].session_timeout_ms, 30000);
    EXPECT_EQ(s.members[0].rebalance_timeout_ms, 30000);
}

TEST(group_record, restored_group_is_stable_and_keeps_its_members) {
    group_settings settings;
    settings.member_id_nonce = "n2";
    group_stm g("g", settings);
    g.restore(one_member_group(), 1000);
    EXPECT_EQ(g.state(), group_state::stable);
    EXPECT_EQ(g.generation_id(), 2);
    EXPECT_EQ(g.snapshot(), one_member_group());
    // The member carries on: heartbeats with its generation, its sync gets the assignment.
    EXPECT_EQ(g.heartbeat("m-1", std::nullopt, 2, 2000), group_error::none);
    sync_request s;
    s.member_id = "m-1";
    s.generation_id = 2;
    g.sync(1, s, 2000);
    auto out = g.take_deliveries();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].sync);
    EXPECT_EQ(out[0].sync->assignment, std::vector<uint8_t>{3});
    // Silent for a session timeout after its last sign of life, it is removed.
    g.tick(2000 + 10000 - 1);
    EXPECT_TRUE(g.has_member("m-1"));
    g.tick(2000 + 10000 + 1);
    EXPECT_FALSE(g.has_member("m-1"));

    // A member that never comes back after the load: its session started at the load.
    group_stm quiet("q", settings);
    quiet.restore(one_member_group(), 1000);
    quiet.tick(1000 + 10000 + 1);
    EXPECT_FALSE(quiet.has_member("m-1"));

    // A record a stable group could not be loaded from gives an empty group.
    group_snapshot broken = one_member_group();
    broken.leader = "someone-else";
    group_stm h("h", settings);
    h.restore(broken, 0);
    EXPECT_EQ(h.state(), group_state::empty);
    EXPECT_EQ(h.generation_id(), 2);
    EXPECT_TRUE(h.members().empty());
}

TEST(group_record, member_ids_carry_the_nonce) {
    group_settings settings;
    settings.member_id_nonce = "ab12";
    group_stm g("g", settings);
    auto req = make_join("client", "", std::nullopt, protos({"range"}));
    req.require_known_member_id = true;
    g.join(1, req, 0);
    auto out = g.take_deliveries();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].join->member_id, "client-ab12-1");
}

}  // namespace
}  // namespace sluice::group::testing
