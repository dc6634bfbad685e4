#!/usr/bin/python3
"""A consumer group survives its coordinator's restart without a rebalance: the group's
members, generation and assignments are records in __consumer_offsets (Kafka's
GroupMetadataValue), loaded back when sluiced starts.

BrokerRestartTest: a dynamic member D and a static member S (group.instance.id), both
confluent-kafka processes (group_member_ck.py), share a 4-partition topic, committing by
hand after processing. Once the group is stable and has consumed everything, sluiced is
killed with SIGKILL (no clean shutdown: the group record must already be durable) and
started again on the same port and directory, within session.timeout.ms. Then:
 - neither member sees a rebalance: no on_revoke/on_assign after the first stable
   assignment, and no JoinGroup of its own after the restart (librdkafka's debug log);
 - DescribeGroups (kafka-python) shows the group Stable with the same two member ids;
 - records produced after the restart are consumed exactly once, each partition by one
   owner at a time.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_groups_broker_restart.py
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import group_members as gm  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
from test_groups_mixed import log_ends, produce  # noqa: E402
from test_groups_static import join_generations  # noqa: E402

PARTITIONS = 4
TOPIC = "restart-group"
GROUP = "restart-g"
SESSION_MS = 15000
SETTINGS = ("num.partitions=%d" % PARTITIONS, "group.initial.rebalance.delay.ms=0",
            "offsets.topic.num.partitions=3")


class BrokerRestartTest(unittest.TestCase):
    def setUp(self):
        self.rng = harness.seeded_random(self.id())
        self.broker = harness.Broker(*SETTINGS, name="sluiced")
        missing = self.broker.missing_apis(harness.GROUP_APIS)
        if missing:
            self.broker.close()
            self.skipTest("the broker does not list %s in ApiVersions yet" % ", ".join(missing))
        self.events = gm.Events(budget_s=75)
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

    def wait_consumed(self, expected, timeout, what):
        ends = log_ends(expected)

        def done():
            consumed = self.events.consumed()
            committed = self.events.committed()
            return (all(k in consumed for k in expected)
                    and all(committed.get(p, -1) >= e for p, e in ends.items()))

        self.events.wait_for(done, timeout, "every record of %s consumed and committed" % what,
                             lambda: "log ends %s" % ends)

    def test_group_survives_kill9_of_the_broker_without_rebalance(self):
        b = self.broker.bootstrap
        expected = produce(b, TOPIC, self.rng, "a", 600, PARTITIONS)
        for name, instance in (("D", None), ("S", "static-s")):
            self.members[name] = gm.ck_member(self.events, name, b, TOPIC, GROUP,
                                              instance_id=instance, session_ms=SESSION_MS)
        self.events.wait_for(lambda: gm.stable_assignment(self.events, {"D", "S"}, PARTITIONS,
                                                          quiet_s=2.0),
                             40, "D and S to share the partitions")
        self.wait_consumed(expected, 20, "the first 600")
        callbacks = {m: len(self.events.of(m, "assign")) + len(self.events.of(m, "revoke"))
                     for m in self.members}
        joins = {m: join_generations(self.members[m]) for m in self.members}
        before = gm.describe_group(self.broker, GROUP)

        t_kill = time.monotonic()
        self.broker.kill9()
        self.broker.start()
        restarted_in = time.monotonic() - t_kill
        self.assertLess(restarted_in, SESSION_MS / 2000.0, "the broker took too long to restart")
        expected.update(produce(b, TOPIC, self.rng, "b", 600, PARTITIONS))
        self.wait_consumed(expected, 40, "the 600 produced after the restart")
        time.sleep(3.0)  # heartbeats every 500 ms: a rebalance would have reached everyone

        problems = []
        for m in self.members:
            after = len(self.events.of(m, "assign")) + len(self.events.of(m, "revoke"))
            if after != callbacks[m]:
                problems.append("%s saw a rebalance across the broker restart: %d assign/revoke "
                                "callbacks before, %d after" % (m, callbacks[m], after))
            if join_generations(self.members[m]) != joins[m]:
                problems.append("%s joined again: JoinGroup generations %s before the restart, "
                                "%s after" % (m, joins[m], join_generations(self.members[m])))
        after = gm.describe_group(self.broker, GROUP)
        if before is not None:
            if before[0] != "Stable" or after is None or after[0] != "Stable":
                problems.append("DescribeGroups state before %s, after %s" % (before, after))
            elif set(before[1]) != set(after[1]) or len(after[1]) != 2:
                problems.append("DescribeGroups members before the restart %s, after %s"
                                % (sorted(before[1]), sorted(after[1])))
            elif before[1] != after[1]:
                problems.append("assignments changed across the restart: %s -> %s"
                                % (before[1], after[1]))
        problems += gm.check_exactly_once(expected, self.events.consumed(), TOPIC)
        problems += gm.check_ownership(self.events)
        if self.events.errors():
            problems.append("member errors: %s" % self.events.errors())
        if "with members" not in self.broker.log_text(last_start=True):
            problems.append("sluiced did not say it loaded the group:\n%s"
                            % self.broker.log_text(last_start=True))
        if problems:
            self.fail("\n".join(problems))
        print("broker killed and back in %.1f s; D and S kept their member ids, generation and "
              "partitions; 1200 records consumed exactly once" % restarted_in, flush=True)
        for m in self.members.values():
            m.leave()


if __name__ == "__main__":
    harness.main()
