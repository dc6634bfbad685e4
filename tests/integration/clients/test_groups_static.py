#!/usr/bin/python3
"""Static membership (KIP-345) with confluent-kafka: a restarted static member gets its
assignment back without a rebalance.

StaticMemberTest: members A (the leader, it joins first) and B (group.instance.id static-a /
static-b, each its own process, group_member_ck.py) share a 4-partition topic, committing
by hand after processing. One of them closes (librdkafka's static members send no
LeaveGroup) and a new process with its instance id joins within session.timeout.ms:
 - it gets the old partitions back, and joins the old generation (JoinGroup answer in its
   librdkafka debug log);
 - the other member sees no rebalance: no on_revoke/on_assign after the group first became
   stable, and no JoinGroup of its own after that either (its debug log);
 - records produced while it was away are read by the new process, from the old one's
   commits: every record consumed exactly once, each partition by one owner at a time.
test_restart_follower_without_rebalance restarts B, test_restart_leader_without_rebalance
restarts A. When the broker lists DescribeGroups, kafka-python's describe_consumer_groups
also shows the group Stable with two members and the other member's id unchanged.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_groups_static.py
"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import group_members as gm  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
from test_groups_mixed import log_ends, produce  # noqa: E402

PARTITIONS = 4
TOPIC = "static-group"
GROUP = "static-g"
SESSION_MS = 10000
SETTINGS = ("num.partitions=%d" % PARTITIONS, "group.initial.rebalance.delay.ms=0",
            "offsets.topic.num.partitions=3")
JOIN_RE = re.compile(r"JoinGroup response: GenerationId (-?\d+)")


def join_generations(member):
    """Generations in the JoinGroup answers librdkafka logged (debug=cgrp), in order."""
    return [int(g) for g in JOIN_RE.findall(member.log_tail(max_bytes=10 ** 8))]


class StaticMemberTest(unittest.TestCase):
    def setUp(self):
        self.rng = harness.seeded_random(self.id())
        self.broker = harness.Broker(*SETTINGS, name="sluiced")
        missing = self.broker.missing_apis(harness.GROUP_APIS)
        if missing:
            self.broker.close()
            self.skipTest("the broker does not list %s in ApiVersions yet" % ", ".join(missing))
        self.events = gm.Events(budget_s=40)  # two tests share ctest's 90 s TIMEOUT
        self.members = {}

    def tearDown(self):
        for m in self.members.values():
            m.kill()
        failed = gm.case_failed(self)
        if failed or os.environ.get("SLUICE_GROUP_EVENTS"):
            sys.stderr.write("\n==== member events ====\n%s\n" % self.events.summary())
        for m in self.members.values():
            if failed:
                sys.stderr.write("\n" + m.log_tail() + "\n")
            m.remove_log()
        self.broker.close()

    def start(self, name, instance_id):
        m = gm.ck_member(self.events, name, self.broker.bootstrap, TOPIC, GROUP,
                         instance_id=instance_id, session_ms=SESSION_MS)
        self.members[name] = m
        return m

    def wait_consumed(self, expected, timeout, what):
        ends = log_ends(expected)

        def done():
            consumed = self.events.consumed()
            committed = self.events.committed()
            return (all(k in consumed for k in expected)
                    and all(committed.get(p, -1) >= e for p, e in ends.items()))

        self.events.wait_for(done, timeout, "every record of %s consumed and committed" % what,
                             lambda: "log ends %s" % ends)

    def describe_group(self):
        d = gm.describe_group(self.broker, GROUP)
        return None if d is None else (d[0], {mid: cid for mid, (cid, _) in d[1].items()})

    def test_restart_follower_without_rebalance(self):
        self.restart_scenario(restarted="B")

    def test_restart_leader_without_rebalance(self):
        # The leader's restart: Kafka answers its JoinGroup with the current generation and
        # no member list (it keeps being the leader but has nothing to assign), so the
        # group still does not rebalance.
        self.restart_scenario(restarted="A")

    def restart_scenario(self, restarted):
        """A (static-a) joins first and leads, B (static-b) follows; `restarted` closes and
        comes back as `restarted`2 with the same instance id; `other` must see nothing."""
        other = "B" if restarted == "A" else "A"
        back = restarted + "2"
        b = self.broker.bootstrap
        expected = produce(b, TOPIC, self.rng, "a", 800, PARTITIONS)
        self.start("A", "static-a")
        self.events.wait_for(lambda: self.events.current_assignment("A") == set(range(PARTITIONS)),
                             20, "A alone to own every partition")
        self.start("B", "static-b")
        sets = self.events.wait_for(lambda: gm.stable_assignment(self.events, {"A", "B"},
                                                                 PARTITIONS, quiet_s=2.0),
                                    30, "A and B to share the partitions")
        old_parts = sets[restarted]
        self.wait_consumed(expected, 20, "the first 800")
        expected.update(produce(b, TOPIC, self.rng, "b", 400, PARTITIONS))
        self.wait_consumed(expected, 20, "400 more")
        o = self.members[other]
        o_rebalances = len(self.events.of(other, "assign")) + len(self.events.of(other, "revoke"))
        o_joins = join_generations(o)
        r_gens = join_generations(self.members[restarted])
        self.assertTrue(r_gens, "no 'JoinGroup response: GenerationId' in %s's librdkafka log"
                        % restarted)
        before = self.describe_group()
        if before is not None:
            self.assertEqual(before[0], "Stable", "DescribeGroups state with A and B: %s" % (before,))
            self.assertEqual(len(before[1]), 2, "DescribeGroups members: %s" % (before,))

        # The restart, within the session timeout.
        t_stop = time.monotonic()
        self.members[restarted].leave()
        expected.update(produce(b, TOPIC, self.rng, "c", 400, PARTITIONS))
        self.start(back, "static-a" if restarted == "A" else "static-b")
        got = self.events.wait_for(lambda: self.events.current_assignment(back), 15,
                                   "the restarted static member %s to get an assignment" % back)
        t_back = time.monotonic() - t_stop
        self.assertLess(t_back, SESSION_MS / 1000.0,
                        "%s came back only after session.timeout.ms (the test needs it sooner)"
                        % back)
        self.assertEqual(got, old_parts, "%s gets %s's partitions back" % (back, restarted))
        self.wait_consumed(expected, 20, "the records produced while %s was away" % restarted)
        expected.update(produce(b, TOPIC, self.rng, "d", 400, PARTITIONS))
        self.wait_consumed(expected, 20, "records produced after %s came back" % back)
        time.sleep(3.0)  # heartbeats every 500 ms: a rebalance would have reached everyone

        problems = []
        o_after = len(self.events.of(other, "assign")) + len(self.events.of(other, "revoke"))
        if o_after != o_rebalances:
            problems.append("%s saw a rebalance when the static member %s restarted: %d assign/"
                            "revoke callbacks before, %d after"
                            % (other, restarted, o_rebalances, o_after))
        if join_generations(o) != o_joins:
            problems.append("%s joined again: JoinGroup generations %s before %s's restart, %s "
                            "after" % (other, o_joins, restarted, join_generations(o)))
        if re.search(r"\|LEAVE\|", self.members[restarted].log_tail(max_bytes=10 ** 8)):
            problems.append("%s sent LeaveGroup on close (librdkafka's static members should "
                            "not), so its restart was bound to rebalance" % restarted)
        back_gens = join_generations(self.members[back])
        # (-1: a JoinGroup answered with an error, e.g. MEMBER_ID_REQUIRED for a dynamic member)
        if [g for g in back_gens if g >= 0][:1] != [g for g in r_gens if g >= 0][-1:]:
            problems.append("%s joined generation %s, %s was in generation %s (a static "
                            "member's restart keeps the generation)"
                            % (back, back_gens, restarted, r_gens))
        if len(self.events.of(back, "assign")) != 1 or self.events.of(back, "revoke"):
            problems.append("%s's assignment changed after it came back: %s"
                            % (back, [e for e in self.events.of(back)
                                      if e["ev"] in ("assign", "revoke")]))
        after = self.describe_group()
        if before is not None and after is not None:
            if after[0] != "Stable" or len(after[1]) != 2:
                problems.append("DescribeGroups after %s's restart: %s (before: %s)"
                                % (restarted, after, before))
            kept = set(before[1]) & set(after[1])
            if len(kept) != 1:
                problems.append("DescribeGroups: exactly %s's member id should be in both "
                                "before %s and after %s" % (other, before[1], after[1]))
        problems += gm.check_exactly_once(expected, self.events.consumed(), TOPIC)
        problems += gm.check_ownership(self.events)
        if self.events.errors():
            problems.append("member errors: %s" % self.events.errors())
        if problems:
            self.fail("\n".join(problems))
        print("static member %s back in %.1f s with partitions %s; generation %s kept; %s saw "
              "no rebalance; DescribeGroups %s"
              % (restarted, t_back, sorted(got), r_gens[-1], other,
                 "checked" if before else "not listed"), flush=True)
        for m in (other, back):
            self.members[m].leave()


if __name__ == "__main__":
    harness.main()
