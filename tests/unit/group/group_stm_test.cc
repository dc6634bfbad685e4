// Scenario tests of group_stm: joins, protocol selection, SyncGroup, heartbeats, leaves,
// session and rebalance timeouts, MEMBER_ID_REQUIRED. Kafka's GroupCoordinatorTest covers
// the same ground; the expectations here come from GroupCoordinator.scala.

#include <gtest/gtest.h>

#include "unit/group/group_test_util.h"

namespace sluice::group::testing {
namespace {

group_settings no_delay() {
    group_settings s;
    s.initial_rebalance_delay_ms = 0;
    return s;
}

struct formed {
    std::vector<std::string> ids;
    int32_t generation = 0;
};

// n dynamic members join an empty group together and the leader assigns nothing.
formed form_stable(harness& h, int n) {
    std::vector<uint64_t> ts;
    for (int i = 0; i < n; ++i) ts.push_back(h.join(make_join("c" + std::to_string(i))));
    h.advance(0);
    formed f;
    for (auto t : ts) f.ids.push_back(h.join_answer(t).member_id);
    f.generation = h.g.generation_id();
    EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
    std::vector<uint64_t> syncs;
    for (const auto& id : f.ids) {
        if (id != h.g.leader()) syncs.push_back(h.sync(id, f.generation));
    }
    syncs.push_back(h.sync(h.g.leader(), f.generation));
    for (auto t : syncs) EXPECT_EQ(h.sync_answer(t).error, group_error::none);
    EXPECT_EQ(h.g.state(), group_state::stable);
    return f;
}

TEST(group_stm, three_members_join_then_leader_assigns) {
    harness h;  // group.initial.rebalance.delay.ms = 3000
    auto t0 = h.join(make_join("c0"));
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    h.advance(100);
    auto t1 = h.join(make_join("c1"));
    auto t2 = h.join(make_join("c2"));
    h.advance(2900);  // the initial delay passed, but newcomers extend it by one more delay
    EXPECT_FALSE(h.answered(t0));
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    h.advance(3000);
    ASSERT_EQ(h.g.state(), group_state::completing_rebalance);
    EXPECT_EQ(h.g.generation_id(), 1);
    EXPECT_EQ(h.g.protocol_type(), "consumer");
    EXPECT_EQ(h.g.protocol_name(), "range");

    const auto& j0 = h.join_answer(t0);
    const auto& j1 = h.join_answer(t1);
    const auto& j2 = h.join_answer(t2);
    EXPECT_EQ(j0.member_id, "c0-1");
    EXPECT_EQ(j1.member_id, "c1-2");
    EXPECT_EQ(j2.member_id, "c2-3");
    for (const auto* j : {&j0, &j1, &j2}) {
        EXPECT_EQ(j->error, group_error::none);
        EXPECT_EQ(j->generation_id, 1);
        EXPECT_EQ(j->leader, "c0-1");  // the first member leads
        EXPECT_EQ(j->protocol_name, "range");
    }
    ASSERT_EQ(j0.members.size(), 3u);
    EXPECT_EQ(j0.members[1].member_id, "c1-2");
    EXPECT_EQ(j0.members[1].metadata, bytes({'r', 'a', 'n', 'g', 'e'}));
    EXPECT_TRUE(j1.members.empty());
    EXPECT_TRUE(j2.members.empty());

    // Followers wait for the leader; c2 gets no entry from the leader and so an empty one.
    auto s1 = h.sync("c1-2", 1);
    auto s2 = h.sync("c2-3", 1);
    EXPECT_FALSE(h.answered(s1));
    EXPECT_EQ(h.heartbeat("c1-2", 1), group_error::none);  // ok while completing
    auto s0 = h.sync("c0-1", 1, {{"c0-1", bytes({0, 1})}, {"c1-2", bytes({2})}, {"zz", {9}}});
    EXPECT_EQ(h.g.state(), group_state::stable);
    EXPECT_EQ(h.sync_answer(s0).assignment, bytes({0, 1}));
    EXPECT_EQ(h.sync_answer(s1).assignment, bytes({2}));
    EXPECT_EQ(h.sync_answer(s2).assignment, bytes({}));
    EXPECT_EQ(h.sync_answer(s1).protocol_name, "range");
    // Stable: a sync is answered at once with the stored assignment.
    auto again = h.sync("c1-2", 1, {{"c1-2", bytes({7})}});
    EXPECT_EQ(h.sync_answer(again).assignment, bytes({2}));
    auto members = h.g.members();
    ASSERT_EQ(members.size(), 3u);
    EXPECT_EQ(members[0].assignment, bytes({0, 1}));
    EXPECT_EQ(members[0].client_id, "c0");
    EXPECT_EQ(h.unanswered(), 0u);
}

TEST(group_stm, initial_delay_extensions_stop_at_the_rebalance_timeout) {
    group_settings s;
    s.initial_rebalance_delay_ms = 3000;
    harness h(s);
    auto req = make_join("c");
    req.rebalance_timeout_ms = 10000;
    auto first = h.join(req);
    for (int i = 0; i < 20 && !h.answered(first); ++i) {
        h.join(req);  // a newcomer every second
        h.advance(1000);
    }
    ASSERT_TRUE(h.answered(first));
    EXPECT_EQ(h.now, 10000);  // 3000 + 3000 + 3000 + 1000
}

TEST(group_stm, protocol_is_chosen_by_votes_among_common_ones) {
    harness h(no_delay());
    auto a = h.join(make_join("a", "", std::nullopt, protos({"roundrobin", "range"})));
    h.join(make_join("b", "", std::nullopt, protos({"roundrobin", "range", "sticky"})));
    h.join(make_join("c", "", std::nullopt, protos({"range", "roundrobin"})));
    h.advance(0);
    EXPECT_EQ(h.g.protocol_name(), "roundrobin");
    EXPECT_EQ(h.join_answer(a).protocol_name, "roundrobin");
    EXPECT_EQ(h.join_answer(a).members[2].metadata,
              bytes({'r', 'o', 'u', 'n', 'd', 'r', 'o', 'b', 'i', 'n'}));

    harness h2(no_delay());
    h2.join(make_join("a", "", std::nullopt, protos({"sticky", "range"})));
    h2.join(make_join("b", "", std::nullopt, protos({"sticky", "range"})));
    // Not sharing "sticky" with the others: only "range" is common, whatever the votes.
    h2.join(make_join("c", "", std::nullopt, protos({"range"})));
    h2.advance(0);
    EXPECT_EQ(h2.g.protocol_name(), "range");
}

TEST(group_stm, join_errors) {
    harness h(no_delay());
    auto bad = make_join("c");
    bad.session_timeout_ms = 1000;
    EXPECT_EQ(h.join_answer(h.join(bad)).error, group_error::invalid_session_timeout);
    bad.session_timeout_ms = 2000000;
    EXPECT_EQ(h.join_answer(h.join(bad)).error, group_error::invalid_session_timeout);
    auto none = make_join("c", "", std::nullopt, {});
    EXPECT_EQ(h.join_answer(h.join(none)).error, group_error::inconsistent_group_protocol);
    auto unknown = h.join(make_join("c", "c-99"));
    EXPECT_EQ(h.join_answer(unknown).error, group_error::unknown_member_id);
    EXPECT_EQ(h.join_answer(unknown).member_id, "c-99");
    EXPECT_EQ(h.g.state(), group_state::empty);

    form_stable(h, 1);
    auto other_type = make_join("d");
    other_type.protocol_type = "connect";
    EXPECT_EQ(h.join_answer(h.join(other_type)).error, group_error::inconsistent_group_protocol);
    auto other_proto = h.join(make_join("d", "", std::nullopt, protos({"roundrobin"})));
    EXPECT_EQ(h.join_answer(other_proto).error, group_error::inconsistent_group_protocol);
    EXPECT_EQ(h.g.state(), group_state::stable);
}

TEST(group_stm, heartbeat_answers_by_state) {
    harness h(no_delay());
    auto f = form_stable(h, 2);
    const auto& leader = f.ids[0];
    const auto& follower = f.ids[1];
    EXPECT_EQ(h.heartbeat(follower, 1), group_error::none);
    EXPECT_EQ(h.heartbeat("nobody", 1), group_error::unknown_member_id);
    EXPECT_EQ(h.heartbeat(follower, 0), group_error::illegal_generation);
    EXPECT_EQ(h.heartbeat(follower, 1, "inst"), group_error::unknown_member_id);

    // A new member starts a rebalance: heartbeats say REBALANCE_IN_PROGRESS, and still keep
    // the sessions alive (the rebalance timeout is longer than the session timeout).
    auto newcomer = h.join(make_join("c2"));
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    for (int i = 0; i < 5; ++i) {
        h.advance(3000);
        EXPECT_EQ(h.heartbeat(leader, 1), group_error::rebalance_in_progress);
        EXPECT_EQ(h.heartbeat(follower, 1), group_error::rebalance_in_progress);
    }
    EXPECT_TRUE(h.g.has_member(follower));
    auto sync_now = h.sync(follower, 1);
    EXPECT_EQ(h.sync_answer(sync_now).error, group_error::rebalance_in_progress);
    auto j0 = h.join(make_join("c0", leader));
    auto j1 = h.join(make_join("c1", follower));
    ASSERT_EQ(h.g.state(), group_state::completing_rebalance);  // everybody is back
    EXPECT_EQ(h.join_answer(j0).leader, leader);                // the leader stays
    EXPECT_EQ(h.join_answer(j1).generation_id, 2);
    EXPECT_EQ(h.join_answer(newcomer).generation_id, 2);
    EXPECT_EQ(h.heartbeat(follower, 2), group_error::none);
    EXPECT_EQ(h.heartbeat(follower, 1), group_error::illegal_generation);
    auto stale = h.sync(follower, 1);
    EXPECT_EQ(h.sync_answer(stale).error, group_error::illegal_generation);
    auto nobody = h.sync("nobody", 2);
    EXPECT_EQ(h.sync_answer(nobody).error, group_error::unknown_member_id);
}

TEST(group_stm, leave_starts_a_rebalance_without_the_member) {
    harness h(no_delay());
    auto f = form_stable(h, 3);
    EXPECT_EQ(h.leave(f.ids[0]), group_error::none);  // the leader leaves
    EXPECT_EQ(h.leave(f.ids[0]), group_error::unknown_member_id);
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    EXPECT_FALSE(h.g.has_member(f.ids[0]));
    EXPECT_EQ(h.g.leader(), f.ids[1]);
    auto j1 = h.join(make_join("c1", f.ids[1]));
    EXPECT_FALSE(h.answered(j1));
    auto j2 = h.join(make_join("c2", f.ids[2]));
    ASSERT_EQ(h.g.state(), group_state::completing_rebalance);
    EXPECT_EQ(h.g.generation_id(), 2);
    EXPECT_EQ(h.join_answer(j1).members.size(), 2u);
    EXPECT_TRUE(h.join_answer(j2).members.empty());
    // The last members leave: the rebalance completes at once into an empty generation.
    EXPECT_EQ(h.leave(f.ids[1]), group_error::none);
    EXPECT_EQ(h.leave(f.ids[2]), group_error::none);
    EXPECT_EQ(h.g.state(), group_state::empty);
    EXPECT_EQ(h.g.generation_id(), 3);
    EXPECT_EQ(h.g.leader(), "");
    EXPECT_EQ(h.g.protocol_name(), "");
}

TEST(group_stm, leaving_while_others_wait_for_the_assignment) {
    harness h(no_delay());
    auto t0 = h.join(make_join("c0"));
    auto t1 = h.join(make_join("c1"));
    auto t2 = h.join(make_join("c2"));
    h.advance(0);
    auto id1 = h.join_answer(t1).member_id;
    auto s1 = h.sync(id1, 1);
    auto s2 = h.sync(h.join_answer(t2).member_id, 1);
    EXPECT_EQ(h.leave(id1), group_error::none);
    EXPECT_EQ(h.sync_answer(s1).error, group_error::unknown_member_id);
    EXPECT_EQ(h.sync_answer(s2).error, group_error::rebalance_in_progress);
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    (void)t0;
}

TEST(group_stm, session_expiry_removes_the_member) {
    harness h(no_delay());
    auto f = form_stable(h, 2);
    EXPECT_EQ(h.g.next_deadline_ms(), h.now + 10000);
    for (int i = 0; i < 2; ++i) {
        h.advance(4000);
        EXPECT_EQ(h.heartbeat(f.ids[0], 1), group_error::none);  // only the leader beats
    }
    h.advance(4000);
    EXPECT_EQ(h.heartbeat(f.ids[0], 1), group_error::rebalance_in_progress);
    EXPECT_FALSE(h.g.has_member(f.ids[1]));
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    EXPECT_EQ(h.heartbeat(f.ids[1], 1), group_error::unknown_member_id);
    auto j = h.join(make_join("c0", f.ids[0]));
    EXPECT_EQ(h.join_answer(j).generation_id, 2);
    EXPECT_EQ(h.join_answer(j).members.size(), 1u);
    // Nobody beats any more: the last member expires and the group is empty.
    h.advance(10000);
    EXPECT_EQ(h.g.state(), group_state::empty);
    EXPECT_EQ(h.g.generation_id(), 3);
    EXPECT_EQ(h.g.next_deadline_ms(), INT64_MAX);
}

TEST(group_stm, rebalance_timeout_drops_members_that_did_not_rejoin) {
    harness h(no_delay());
    auto f = form_stable(h, 2);
    auto j0 = h.join(make_join("c0", f.ids[0]));  // the leader rejoins: a rebalance
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    // c1 keeps beating but never rejoins.
    for (int i = 0; i < 9; ++i) {
        h.advance(3000);
        EXPECT_EQ(h.heartbeat(f.ids[1], 1), group_error::rebalance_in_progress);
    }
    EXPECT_FALSE(h.answered(j0));
    h.advance(3000);  // the rebalance timeout (30 s) passed
    EXPECT_TRUE(h.answered(j0));
    EXPECT_EQ(h.join_answer(j0).generation_id, 2);
    EXPECT_FALSE(h.g.has_member(f.ids[1]));
    EXPECT_EQ(h.heartbeat(f.ids[1], 2), group_error::unknown_member_id);
}

TEST(group_stm, members_that_never_sync_are_dropped) {
    harness h(no_delay());
    auto t0 = h.join(make_join("c0"));
    auto t1 = h.join(make_join("c1"));
    h.advance(0);
    auto s0 = h.sync(h.join_answer(t0).member_id, 1);
    EXPECT_EQ(h.sync_answer(s0).error, group_error::none);
    EXPECT_EQ(h.g.state(), group_state::stable);
    EXPECT_EQ(h.g.next_deadline_ms(), h.now + 10000);  // sessions first, sync deadline later
    for (int i = 0; i < 10; ++i) {
        h.advance(3000);
        h.heartbeat(h.join_answer(t0).member_id, h.g.generation_id());
        h.heartbeat(h.join_answer(t1).member_id, 1);
    }
    EXPECT_FALSE(h.g.has_member(h.join_answer(t1).member_id));
    EXPECT_TRUE(h.g.has_member(h.join_answer(t0).member_id));
}

TEST(group_stm, member_id_required_round) {
    harness h(no_delay());
    auto req = make_join("c");
    req.require_known_member_id = true;
    auto first = h.join(req);
    const auto& a = h.join_answer(first);
    EXPECT_EQ(a.error, group_error::member_id_required);
    EXPECT_EQ(a.member_id, "c-1");
    EXPECT_FALSE(h.g.has_member("c-1"));
    EXPECT_EQ(h.g.state(), group_state::empty);
    EXPECT_EQ(h.g.next_deadline_ms(), h.now + 10000);  // the pending id expires
    EXPECT_EQ(h.heartbeat("c-1", 0), group_error::unknown_member_id);

    req.member_id = "c-1";
    auto second = h.join(req);
    h.advance(0);
    EXPECT_EQ(h.join_answer(second).error, group_error::none);
    EXPECT_EQ(h.join_answer(second).member_id, "c-1");
    EXPECT_EQ(h.join_answer(second).leader, "c-1");

    // A pending id not used within the session timeout is forgotten.
    auto other = make_join("d");
    other.require_known_member_id = true;
    auto t = h.join(other);
    auto pending = h.join_answer(t).member_id;
    h.advance(10000);
    other.member_id = pending;
    EXPECT_EQ(h.join_answer(h.join(other)).error, group_error::unknown_member_id);
}

TEST(group_stm, rebalance_waits_for_pending_members) {
    harness h(no_delay());
    auto f = form_stable(h, 1);
    auto req = make_join("d");
    req.require_known_member_id = true;
    auto pending = h.join_answer(h.join(req)).member_id;
    EXPECT_EQ(h.g.state(), group_state::stable);  // a pending id alone changes nothing
    auto j0 = h.join(make_join("c0", f.ids[0]));  // the leader rejoins
    EXPECT_FALSE(h.answered(j0));                 // waits for the pending member
    req.member_id = pending;
    auto j1 = h.join(req);
    EXPECT_EQ(h.join_answer(j0).generation_id, 2);
    EXPECT_EQ(h.join_answer(j1).generation_id, 2);
    EXPECT_EQ(h.join_answer(j0).members.size(), 2u);
    // A pending member can also leave; then nobody is waited for.
    auto third = make_join("e");
    third.require_known_member_id = true;
    auto p2 = h.join_answer(h.join(third)).member_id;
    EXPECT_EQ(h.leave(p2), group_error::none);
}

TEST(group_stm, a_rejoin_with_new_protocols_cancels_the_pending_syncs) {
    harness h(no_delay());
    auto t0 = h.join(make_join("c0", "", std::nullopt, protos({"range", "roundrobin"})));
    auto t1 = h.join(make_join("c1", "", std::nullopt, protos({"range", "roundrobin"})));
    h.advance(0);
    auto id0 = h.join_answer(t0).member_id;
    auto id1 = h.join_answer(t1).member_id;
    auto s1 = h.sync(id1, 1);
    // The same protocols again while completing: the answer is repeated, nothing changes.
    auto again = h.join(make_join("c0", id0, std::nullopt, protos({"range", "roundrobin"})));
    EXPECT_EQ(h.join_answer(again).members.size(), 2u);
    EXPECT_EQ(h.g.state(), group_state::completing_rebalance);
    auto changed = h.join(make_join("c0", id0, std::nullopt, protos({"roundrobin", "range"})));
    EXPECT_FALSE(h.answered(changed));
    EXPECT_EQ(h.sync_answer(s1).error, group_error::rebalance_in_progress);
    EXPECT_EQ(h.g.state(), group_state::preparing_rebalance);
    auto r1 = h.join(make_join("c1", id1, std::nullopt, protos({"roundrobin"})));
    EXPECT_EQ(h.join_answer(r1).protocol_name, "roundrobin");
    EXPECT_EQ(h.join_answer(changed).generation_id, 2);
}

TEST(group_stm, a_second_join_while_waiting_answers_the_first) {
    harness h(no_delay());
    auto f = form_stable(h, 3);
    // A follower rejoining unchanged while stable just gets the current generation.
    auto same = h.join(make_join("c1", f.ids[1]));
    EXPECT_EQ(h.join_answer(same).generation_id, 1);
    EXPECT_EQ(h.g.state(), group_state::stable);
    h.join(make_join("c0", f.ids[0]));  // the leader's join: a rebalance
    auto j1 = h.join(make_join("c1", f.ids[1]));
    auto j2 = h.join(make_join("c1", f.ids[1]));
    EXPECT_EQ(h.join_answer(j1).error, group_error::rebalance_in_progress);
    EXPECT_FALSE(h.answered(j2));
    h.join(make_join("c2", f.ids[2]));
    EXPECT_EQ(h.join_answer(j2).error, group_error::none);
    EXPECT_EQ(h.join_answer(j2).generation_id, 2);
}

}  // namespace
}  // namespace sluice::group::testing
