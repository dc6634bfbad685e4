// Scenario tests of group_stm: static membership (KIP-345) and fencing, the offset commit
// check, DeleteGroups and group.max.size.

#include <gtest/gtest.h>

#include "unit/group/group_test_util.h"

namespace sluice::group::testing {
namespace {

group_settings no_delay() {
    group_settings s;
    s.initial_rebalance_delay_ms = 0;
    return s;
}

// Static members "ia" (the leader) and "ib" form generation 1; ia gets {0,1}, ib {2,3}.
struct static_pair {
    harness h{no_delay()};
    std::string a, b;

    static_pair() {
        auto ta = h.join(make_join("ca", "", "ia", protos({"range", "roundrobin"})));
        auto tb = h.join(make_join("cb", "", "ib", protos({"range", "roundrobin"})));
        h.advance(0);
        a = h.join_answer(ta).member_id;
        b = h.join_answer(tb).member_id;
        auto sb = h.sync(b, 1, {}, "ib");
        auto sa = h.sync(a, 1, {{a, bytes({0, 1})}, {b, bytes({2, 3})}}, "ia");
        EXPECT_EQ(h.sync_answer(sa).assignment, bytes({0, 1}));
        EXPECT_EQ(h.sync_answer(sb).assignment, bytes({2, 3}));
        EXPECT_EQ(h.g.state(), group_state::stable);
    }
};

TEST(group_stm_static, restart_gets_the_assignment_back_without_rebalance) {
    static_pair p;
    auto& h = p.h;
    EXPECT_EQ(p.a, "ia-1");
    EXPECT_EQ(p.b, "ib-2");
    h.advance(5000);
    auto j = h.join(make_join("cb", "", "ib", protos({"range", "roundrobin"})));
    const auto& r = h.join_answer(j);
    EXPECT_EQ(r.error, group_error::none);
    EXPECT_EQ(r.member_id, "ib-3");
    EXPECT_EQ(r.generation_id, 1);
    EXPECT_EQ(r.leader, "ia-1");
    EXPECT_TRUE(r.members.empty());
    EXPECT_EQ(h.g.state(), group_state::stable);
    EXPECT_EQ(h.g.generation_id(), 1);
    EXPECT_FALSE(h.g.has_member("ib-2"));
    auto s = h.sync("ib-3", 1, {}, "ib");
    EXPECT_EQ(h.sync_answer(s).assignment, bytes({2, 3}));

    // The old incarnation is fenced wherever it shows its instance id.
    EXPECT_EQ(h.heartbeat("ib-2", 1, "ib"), group_error::fenced_instance_id);
    EXPECT_EQ(h.heartbeat("ib-2", 1), group_error::unknown_member_id);
    auto old_join = h.join(make_join("cb", "ib-2", "ib", protos({"range", "roundrobin"})));
    EXPECT_EQ(h.join_answer(old_join).error, group_error::fenced_instance_id);
    auto old_sync = h.sync("ib-2", 1, {}, "ib");
    EXPECT_EQ(h.sync_answer(old_sync).error, group_error::fenced_instance_id);
    EXPECT_EQ(h.g.validate_commit("ib-2", "ib", 1), group_error::fenced_instance_id);
    EXPECT_EQ(h.leave("ib-2", "ib"), group_error::fenced_instance_id);
    EXPECT_EQ(h.g.state(), group_state::stable);
    EXPECT_EQ(h.heartbeat("ib-3", 1, "ib"), group_error::none);
}

TEST(group_stm_static, leader_restart_is_not_told_it_leads) {
    static_pair p;
    auto& h = p.h;
    auto j = h.join(make_join("ca", "", "ia", protos({"range", "roundrobin"})));
    const auto& r = h.join_answer(j);
    EXPECT_EQ(r.member_id, "ia-3");
    // The old leader id: the restarted leader does not run the assignor for a stable group.
    EXPECT_EQ(r.leader, "ia-1");
    EXPECT_TRUE(r.members.empty());
    EXPECT_EQ(h.g.leader(), "ia-3");
    EXPECT_EQ(h.g.state(), group_state::stable);
    auto s = h.sync("ia-3", 1, {{"ia-3", bytes({9})}}, "ia");
    EXPECT_EQ(h.sync_answer(s).assignment, bytes({0, 1}));  // stable: the stored one
}

TEST(group_stm_static, restart_that_changes_the_protocol_rebalances) {
    harness h(no_delay());
    auto t = h.join(make_join("c", "", "i", protos({"range", "roundrobin"})));
    h.advance(0);
    auto id = h.join_answer(t).member_id;
    h.sync(id, 1);
    ASSERT_EQ(h.g.state(), group_state::stable);
    auto j = h.join(make_join("c", "", "i", protos({"roundrobin", "range"})));
    // Alone in the group, it completes the rebalance at once, under a new generation.
    EXPECT_EQ(h.join_answer(j).generation_id, 2);
    EXPECT_EQ(h.join_answer(j).protocol_name, "roundrobin");
    EXPECT_EQ(h.join_answer(j).leader, h.join_answer(j).member_id);
}

TEST(group_stm_static, restart_while_rebalancing_fences_the_parked_join) {
    static_pair p;
    auto& h = p.h;
    auto old_join = h.join(make_join("ca", p.a, "ia", protos({"range", "roundrobin"})));
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    auto new_join = h.join(make_join("ca", "", "ia", protos({"range", "roundrobin"})));
    EXPECT_EQ(h.join_answer(old_join).error, group_error::fenced_instance_id);
    EXPECT_FALSE(h.answered(new_join));
    auto jb = h.join(make_join("cb", p.b, "ib", protos({"range", "roundrobin"})));
    const auto& r = h.join_answer(new_join);
    EXPECT_EQ(r.generation_id, 2);
    EXPECT_EQ(r.leader, r.member_id);  // the leadership moved with the instance
    EXPECT_EQ(r.members.size(), 2u);
    EXPECT_EQ(h.join_answer(jb).leader, r.member_id);
}

TEST(group_stm_static, restart_while_completing_starts_over) {
    harness h(no_delay());
    auto ta = h.join(make_join("ca", "", "ia"));
    auto tb = h.join(make_join("cb", "", "ib"));
    h.advance(0);
    auto sb = h.sync(h.join_answer(tb).member_id, 1, {}, "ib");
    auto restart = h.join(make_join("cb", "", "ib"));
    EXPECT_EQ(h.sync_answer(sb).error, group_error::fenced_instance_id);
    EXPECT_FALSE(h.answered(restart));
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    h.join(make_join("ca", h.join_answer(ta).member_id, "ia"));
    EXPECT_EQ(h.join_answer(restart).generation_id, 2);
}

TEST(group_stm_static, a_static_member_that_misses_a_rebalance_stays) {
    static_pair p;
    auto& h = p.h;
    auto ja = h.join(make_join("ca", p.a, "ia", protos({"range", "roundrobin"})));
    for (int i = 0; i < 10; ++i) {
        h.advance(3000);
        h.heartbeat(p.b, 1, "ib");
    }
    // Rebalance timeout: ib did not rejoin but, being static, is kept for generation 2.
    ASSERT_EQ(h.join_answer(ja).generation_id, 2);
    EXPECT_TRUE(h.g.has_member(p.b));
    EXPECT_EQ(h.join_answer(ja).members.size(), 2u);
    EXPECT_EQ(h.heartbeat(p.b, 1, "ib"), group_error::illegal_generation);
    auto jb = h.join(make_join("cb", p.b, "ib", protos({"range", "roundrobin"})));
    EXPECT_EQ(h.join_answer(jb).generation_id, 2);  // same metadata: just the answer
    EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
}

TEST(group_stm_static, leave_by_instance_id) {
    static_pair p;
    auto& h = p.h;
    EXPECT_EQ(h.leave("", "zz"), group_error::unknown_member_id);
    EXPECT_EQ(h.leave("", std::nullopt), group_error::unknown_member_id);
    EXPECT_EQ(h.leave("", "ib"), group_error::none);
    EXPECT_FALSE(h.g.has_member(p.b));
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    // The instance id is free again: it joins as a new member.
    auto j = h.join(make_join("cb", "", "ib", protos({"range", "roundrobin"})));
    EXPECT_FALSE(h.answered(j));
    h.join(make_join("ca", p.a, "ia", protos({"range", "roundrobin"})));
    EXPECT_EQ(h.join_answer(j).member_id, "ib-3");
    EXPECT_EQ(h.join_answer(j).generation_id, 2);
}

TEST(group_stm, validate_commit) {
    harness h(no_delay());
    EXPECT_EQ(h.g.validate_commit("", std::nullopt, -1), group_error::none);  // simple consumer
    EXPECT_EQ(h.g.validate_commit("x", std::nullopt, 3), group_error::unknown_member_id);
    auto t0 = h.join(make_join("c0"));
    auto t1 = h.join(make_join("c1"));
    h.advance(0);
    auto id0 = h.join_answer(t0).member_id;
    auto id1 = h.join_answer(t1).member_id;
    EXPECT_EQ(h.g.validate_commit(id0, std::nullopt, 1), group_error::rebalance_in_progress);
    h.sync(id0, 1);
    EXPECT_EQ(h.g.validate_commit(id1, std::nullopt, 1), group_error::none);
    EXPECT_EQ(h.g.validate_commit(id1, std::nullopt, 0), group_error::illegal_generation);
    EXPECT_EQ(h.g.validate_commit("nobody", std::nullopt, 1), group_error::unknown_member_id);
    // Kafka validateOffsetCommit: with members, only members may commit.
    EXPECT_EQ(h.g.validate_commit("", std::nullopt, -1), group_error::unknown_member_id);
    EXPECT_EQ(h.g.validate_commit(id1, std::nullopt, -1), group_error::illegal_generation);
    h.join(make_join("c0", id0));  // a rebalance: commits of the current generation still go
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    EXPECT_EQ(h.g.validate_commit(id1, std::nullopt, 1), group_error::none);
}

TEST(group_stm, delete_only_an_empty_group) {
    harness h(no_delay());
    auto f = h.join(make_join("c"));
    h.advance(0);
    auto id = h.join_answer(f).member_id;
    EXPECT_EQ(h.g.remove(), group_error::non_empty_group);
    EXPECT_EQ(h.leave(id), group_error::none);
    EXPECT_EQ(h.g.state(), group_state::empty);
    EXPECT_EQ(h.g.remove(), group_error::none);
    EXPECT_EQ(h.g.state(), group_state::dead);
    EXPECT_STREQ(to_string(h.g.state()), "Dead");
    EXPECT_EQ(h.g.remove(), group_error::group_id_not_found);
    EXPECT_EQ(h.join_answer(h.join(make_join("c"))).error, group_error::coordinator_not_available);
    EXPECT_EQ(h.sync_answer(h.sync(id, 1)).error, group_error::coordinator_not_available);
    EXPECT_EQ(h.heartbeat(id, 1), group_error::coordinator_not_available);
    EXPECT_EQ(h.leave(id), group_error::coordinator_not_available);
    EXPECT_EQ(h.g.validate_commit("", std::nullopt, -1), group_error::coordinator_not_available);
    EXPECT_EQ(h.g.next_deadline_ms(), INT64_MAX);
}

TEST(group_stm, max_size_sheds_members_that_did_not_rejoin) {
    group_settings s = no_delay();
    s.max_size = 2;
    harness h(s);
    auto ta = h.join(make_join("a"));
    auto tb = h.join(make_join("b"));
    auto tc = h.join(make_join("c"));
    EXPECT_EQ(h.join_answer(tc).error, group_error::group_max_size_reached);
    EXPECT_EQ(h.join_answer(tc).member_id, "");
    h.advance(0);
    auto a = h.join_answer(ta).member_id;
    auto b = h.join_answer(tb).member_id;
    h.sync(a, 1);
    EXPECT_EQ(h.join_answer(h.join(make_join("c"))).error, group_error::group_max_size_reached);
    h.join(make_join("a", a));  // the leader rejoins: a rebalance, one member awaiting
    auto tc2 = h.join(make_join("c"));
    EXPECT_FALSE(h.answered(tc2));  // accepted: fewer than max.size have rejoined
    // b comes back too late: the group has max.size members rejoined, b is shed.
    auto late = h.join(make_join("b", b));
    EXPECT_EQ(h.join_answer(late).error, group_error::group_max_size_reached);
    EXPECT_FALSE(h.g.has_member(b));
    EXPECT_EQ(h.join_answer(tc2).generation_id, 2);
    EXPECT_EQ(h.g.members().size(), 2u);
}

}  // namespace
}  // namespace sluice::group::testing
