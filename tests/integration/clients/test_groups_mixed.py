#!/usr/bin/python3
"""One consumer group, two clients: 3 confluent-kafka members (group_member_ck.py) and 3
kafkajs members (node/group_member.js), each its own process, on a 6-partition topic,
committing by hand after processing.

MixedGroupTest.test_share_leave_resume:
 1. 3000 records, then the six members start (a kafkajs member first: it leads, so
    kafkajs assigns partitions to librdkafka members); once the group is stable with one
    partition each, 3000 more: every member consumes, every partition has exactly one
    owner at a time, every record is consumed exactly once. DescribeGroups (when listed)
    shows the same six members and assignments.
 2. A confluent-kafka member leaves (close: LeaveGroup) while 1500 more records stream in;
    the other five rebalance and read them. Then the kafkajs leader leaves (disconnect)
    the same way. With commit after processing and clean leaves, still exactly once
    overall (no loss, no duplicate).
 3. The last four leave (DescribeGroups: Empty); the committed offsets are the log ends;
    600 records; broker restart (clean); the committed offsets are still the log ends;
    600 more; a new member reads exactly the 1200 records produced after the last
    commits, starting at the committed offsets.

Members report assignments and records as JSON lines (group_members.py); their client
logs (librdkafka debug=cgrp, kafkajs INFO) are printed when the test fails.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_groups_mixed.py
"""

import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import group_members as gm  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

PARTITIONS = 6
TOPIC = "mixed-group"
GROUP = "mixed-g"
GROUP_SETTINGS = ("num.partitions=%d" % PARTITIONS, "group.initial.rebalance.delay.ms=0",
                  "offsets.topic.num.partitions=3")


def produce(bootstrap, topic, rng, tag, count, partitions, pace_s=0.0):
    """`count` records with keys "<tag>-<i>", random values, spread over the partitions
    round-robin from a random start; returns {(p, offset): (key, vhash)} from the delivery
    reports (acks=all, all checked). pace_s: a pause after every 50 records (a steady
    stream rather than a burst)."""
    out = {}
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            out[(msg.partition(), msg.offset())] = (msg.key().decode(), gm.vhash(msg.value()))

    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "log.connection.close": False})
    first = rng.randrange(partitions)
    for i in range(count):
        value = rng.randbytes(rng.randrange(1, 300))
        while True:
            try:
                p.produce(topic, key=b"%s-%d" % (tag.encode(), i), value=value,
                          partition=(first + i) % partitions, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
        if pace_s and i % 50 == 49:
            time.sleep(pace_s)
    left = p.flush(30)
    if left or errors or len(out) != count:
        raise AssertionError("produce %s: %d undelivered, %d delivered of %d, errors %s"
                             % (tag, left, len(out), count, errors[:5]))
    return out


def log_ends(expected):
    ends = {}
    for p, off in expected:
        ends[p] = max(ends.get(p, 0), off + 1)
    return ends


def committed_offsets(bootstrap, topic, group, partitions, timeout=15):
    """OffsetFetch through a consumer that does not join: {p: offset or None}."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "enable.auto.commit": False, "log.connection.close": False})
    try:
        res = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=timeout)
        return {tp.partition: (tp.offset if tp.offset >= 0 else None) for tp in res}
    finally:
        c.close()


class MixedGroupTest(unittest.TestCase):
    def setUp(self):
        self.rng = harness.seeded_random(self.id())
        if gm.node_program() is None:
            self.skipTest("node or kafkajs (tests/integration/clients/node/node_modules) missing")
        self.broker = harness.Broker(*GROUP_SETTINGS, name="sluiced")
        missing = self.broker.missing_apis(harness.GROUP_APIS)
        if missing:
            self.broker.close()
            self.skipTest("the broker does not list %s in ApiVersions yet" % ", ".join(missing))
        self.events = gm.Events(budget_s=75)  # ctest's TIMEOUT is 90 s for the file
        self.members = {}

    def tearDown(self):
        for m in self.members.values():
            m.kill()
        failed = gm.case_failed(self)
        if failed or os.environ.get("SLUICE_GROUP_EVENTS"):
            sys.stderr.write("\n==== member events ====\n%s\n" % self.events.summary(max_lines=2000))
        for m in self.members.values():
            if failed:
                sys.stderr.write("\n" + m.log_tail() + "\n")
            m.remove_log()
        self.broker.close()

    def start(self, name, kind):
        b = self.broker.bootstrap
        if kind == "ck":
            m = gm.ck_member(self.events, name, b, TOPIC, GROUP)
        else:
            m = gm.kjs_member(self.events, name, b, TOPIC, GROUP)
        self.members[name] = m
        return m

    def wait_stable(self, live, timeout, what):
        return self.events.wait_for(lambda: gm.stable_assignment(self.events, live, PARTITIONS),
                                    timeout, "a stable assignment of %d partitions over %s (%s)"
                                    % (PARTITIONS, sorted(live), what))

    def wait_consumed(self, expected, timeout, what):
        ends = log_ends(expected)

        def done():
            consumed = self.events.consumed()
            if any(k not in consumed for k in expected):
                return False
            committed = self.events.committed()
            return all(committed.get(p, -1) >= e for p, e in ends.items())

        def describe():
            consumed = self.events.consumed()
            missing = [k for k in expected if k not in consumed]
            per = {}
            for p, _ in missing:
                per[p] = per.get(p, 0) + 1
            return ("%d of %d records not consumed yet (per partition %s); log ends %s"
                    % (len(missing), len(expected), per, ends))

        self.events.wait_for(done, timeout, "every record of %s consumed and committed" % what,
                             describe)

    def assert_clean(self, expected, what):
        problems = gm.check_exactly_once(expected, self.events.consumed(), what)
        problems += gm.check_ownership(self.events)
        errs = self.events.errors()
        if errs:
            problems.append("member errors: %s" % errs[:20])
        if problems:
            self.fail("\n".join(problems))

    def check_described(self, sets, what):
        """The broker's view (DescribeGroups, when listed): Stable, one member per client,
        three of each client, the assignments the members reported (kafkajs members name
        their member ids)."""
        described = gm.describe_group(self.broker, GROUP)
        if described is None:
            return "not listed"
        state, members = described
        self.assertEqual(state, "Stable", "DescribeGroups state (%s): %s" % (what, described))
        self.assertEqual(sorted(cid for cid, _ in members.values()),
                         ["ck-member"] * 3 + ["kjs-member"] * 3,
                         "DescribeGroups client ids (%s): %s" % (what, described))
        self.assertEqual(sorted(tuple(p) for _, p in members.values()),
                         sorted(tuple(sorted(s)) for s in sets.values()),
                         "DescribeGroups assignments vs the members' (%s): %s" % (what, described))
        for name in sets:
            if name.startswith("kjs"):
                mid = self.events.of(name, "assign")[-1]["member_id"]
                self.assertEqual(members.get(mid, (None, None))[1], sorted(sets[name]),
                                 "DescribeGroups assignment of %s (%s)" % (name, mid))
        return "checked"

    def test_share_leave_resume(self):
        t_start = time.monotonic()
        b = self.broker.bootstrap
        expected = produce(b, TOPIC, self.rng, "a", 3000, PARTITIONS)

        # 1. Six members, one partition each, then records for all of them.
        # kjs0 first, so that it leads the group: kafkajs computes the assignment of the
        # librdkafka members, until it leaves in phase 2 and a new leader takes over.
        names = [("kjs%d" % i, "kjs") for i in range(3)] + [("ck%d" % i, "ck") for i in range(3)]
        self.start(*names[0])
        self.events.wait_for(lambda: self.events.current_assignment("kjs0"), 20,
                             "kjs0 to join the group alone")
        for name, kind in names[1:]:
            self.start(name, kind)
        live = {n for n, _ in names}
        sets = self.wait_stable(live, 45, "six members")
        self.assertTrue(all(len(s) == 1 for s in sets.values()),
                        "one partition per member: %s" % sets)
        self.wait_consumed(expected, 20, "the first 3000")
        phase_b = produce(b, TOPIC, self.rng, "b", 3000, PARTITIONS)
        expected.update(phase_b)
        self.wait_consumed(expected, 30, "the second 3000")
        consumed = self.events.consumed()
        by_member = {n: 0 for n in live}
        for k in phase_b:
            for m, *_ in consumed.get(k, []):
                by_member[m] += 1
        self.assertTrue(all(by_member.values()),
                        "every member consumes records produced once the group is stable: %s"
                        % by_member)
        self.assert_clean(expected, "six members")
        described = self.check_described(sets, "six members")
        print("phase 1: six members stable, 6000 records exactly once, DescribeGroups %s "
              "(%.1f s)" % (described, time.monotonic() - t_start), flush=True)

        # 2. Members leave one by one while records keep coming (1500 over ~1.5 s, the
        #    leave in the middle); the rest take over and lose nothing.
        for leaver, tag in (("ck0", "c"), ("kjs0", "d")):
            stream = {}
            seed = self.rng.randrange(2**31)
            producer = threading.Thread(target=lambda: stream.update(produce(
                b, TOPIC, random.Random(seed), tag, 1500, PARTITIONS, pace_s=0.05)))
            producer.start()
            time.sleep(0.7)
            self.members[leaver].leave()
            live.discard(leaver)
            producer.join(self.events.clamp(60, at_least=5.0))
            self.assertEqual(len(stream), 1500, "the producer thread delivered everything")
            expected.update(stream)
            self.wait_stable(live, 30, "after %s left" % leaver)
            self.wait_consumed(expected, 30, "records produced while %s left" % leaver)
            self.assert_clean(expected, "after %s left" % leaver)
            print("phase 2: %s left, %d members took over (%.1f s)"
                  % (leaver, len(live), time.monotonic() - t_start), flush=True)

        # 3. Everyone leaves; a restart later a new member resumes at the commits.
        for name in sorted(live):
            self.members[name].leave()
        self.assert_clean(expected, "after all left")
        described = gm.describe_group(self.broker, GROUP)
        if described is not None:
            self.assertEqual(described, ("Empty", {}), "DescribeGroups once every member left")
        ends = log_ends(expected)
        want = {p: ends.get(p) for p in range(PARTITIONS)}
        self.assertEqual(committed_offsets(b, TOPIC, GROUP, PARTITIONS), want,
                         "committed offsets once every member left (log ends expected)")
        tail = produce(b, TOPIC, self.rng, "e", 600, PARTITIONS)
        self.broker.restart()
        self.assertEqual(committed_offsets(b, TOPIC, GROUP, PARTITIONS), want,
                         "committed offsets after the broker restart")
        tail.update(produce(b, TOPIC, self.rng, "f", 600, PARTITIONS))
        before = set(self.events.consumed())
        self.start("ck-new", "ck")
        self.wait_consumed({**expected, **tail}, 40, "the 1200 records after the restart")
        time.sleep(1.0)  # anything more would show up now
        self.members["ck-new"].leave()
        new = {k: v for k, v in self.events.consumed().items() if k not in before}
        stray = [(k, v) for k, v in self.events.consumed().items()
                 if k in before and any(m == "ck-new" for m, *_ in v)]
        problems = gm.check_exactly_once(tail, new, "new member after the restart")
        if stray:
            problems.append("the new member re-read %d committed records, e.g. %s"
                            % (len(stray), sorted(k for k, _ in stray)[:20]))
        firsts = {}
        for (p, off), v in new.items():
            firsts[p] = min(firsts.get(p, off), off)
        if firsts != {p: want[p] for p in firsts}:
            problems.append("the new member started at %s, committed offsets were %s"
                            % (dict(sorted(firsts.items())), want))
        problems += gm.check_ownership(self.events)
        if self.events.errors():
            problems.append("member errors: %s" % self.events.errors()[:20])
        if problems:
            self.fail("\n".join(problems))
        print("phase 3: restart, new member resumed at the committed offsets (%.1f s)"
              % (time.monotonic() - t_start), flush=True)


if __name__ == "__main__":
    harness.main()
