#!/usr/bin/python3
"""kafka-python's group consumer (KafkaConsumer with group_id, subscribe and commit) with
more than one member: its older protocol versions (JoinGroup v2, SyncGroup v1, OffsetCommit
v2, ...), the range assignor, a rebalance listener.

KafkaPythonGroupTest.test_two_members_leave_and_resume: two KafkaConsumers (threads of
this process) share a 4-partition topic, committing each polled batch after processing:
both consume once the group is stable, each partition has one owner at a time, every
record is consumed exactly once. One closes (LeaveGroup); the other takes over all four
partitions from the commits, nothing lost or repeated. The last one closes; the
committed offsets are the log ends, and a new member reads exactly the records produced
after them.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_groups_kafka_python.py
"""

import logging
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import group_members as gm  # noqa: E402

harness.require_module("kafka", "Debian package python3-kafka")
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.consumer.subscription_state import ConsumerRebalanceListener  # noqa: E402
from kafka.errors import KafkaError  # noqa: E402
from kafka.structs import OffsetAndMetadata  # noqa: E402

PARTITIONS = 4
TOPIC = "kp-group-members"
GROUP = "kp-members"
SETTINGS = ("num.partitions=%d" % PARTITIONS, "group.initial.rebalance.delay.ms=0",
            "offsets.topic.num.partitions=3")

# kafka-python logs reconnects and rebalances at WARNING/ERROR; the events tell the story.
logging.basicConfig(level=logging.CRITICAL)


def produce(bootstrap, rng, tag, count):
    """count records with keys "<tag>-<i>" round-robin over the partitions; returns
    {(p, offset): (key, vhash)} from the acknowledgements (acks=all)."""
    p = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                      request_timeout_ms=30000)
    try:
        first = rng.randrange(PARTITIONS)
        sent = []
        for i in range(count):
            key = "%s-%d" % (tag, i)
            value = rng.randbytes(rng.randrange(1, 300))
            f = p.send(TOPIC, key=key.encode(), value=value, partition=(first + i) % PARTITIONS)
            sent.append((f, key, value))
        p.flush(30)
        out = {}
        for f, key, value in sent:
            md = f.get(timeout=30)
            out[(md.partition, md.offset)] = (key, gm.vhash(value))
        return out
    finally:
        p.close(10)


class Member(threading.Thread):
    """One KafkaConsumer in the group, reporting to Events like the member processes."""

    def __init__(self, events, name, bootstrap):
        super().__init__(name=name, daemon=True)
        self.events = events
        self.member = name
        self.bootstrap = bootstrap
        self.stop_flag = threading.Event()
        self.error = None

    def emit(self, ev, **fields):
        fields["ev"] = ev
        self.events.add(self.member, fields)

    def run(self):
        try:
            self._run()
        except BaseException as e:  # noqa: B036 (reported through the events)
            self.error = e
            self.emit("error", error="%s: %s" % (type(e).__name__, e))
        finally:
            self.emit("exit", code=0 if self.error is None else 1)

    def _run(self):
        c = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=GROUP,
                          client_id=self.member, enable_auto_commit=False,
                          auto_offset_reset="earliest", session_timeout_ms=10000,
                          heartbeat_interval_ms=500, max_poll_interval_ms=20000,
                          fetch_max_wait_ms=100, request_timeout_ms=30000)
        member = self

        class Listener(ConsumerRebalanceListener):
            # Each polled batch is committed before the next poll, so nothing processed
            # is left uncommitted when partitions go.
            def on_partitions_revoked(self, revoked):
                member.emit("revoke", parts=sorted(tp.partition for tp in revoked))

            def on_partitions_assigned(self, assigned):
                member.emit("assign", parts=sorted(tp.partition for tp in assigned))

        c.subscribe([TOPIC], listener=Listener())
        self.emit("ready")
        deadline = time.monotonic() + 120
        while not self.stop_flag.is_set() and time.monotonic() < deadline:
            batch = c.poll(timeout_ms=100)
            if not batch:
                continue
            recs = []
            offsets = {}
            for tp, msgs in batch.items():
                for m in msgs:
                    recs.append([tp.partition, m.offset, m.key.decode(), gm.vhash(m.value)])
                offsets[tp] = OffsetAndMetadata(msgs[-1].offset + 1, "")
            self.emit("recs", recs=recs)
            plain = {str(tp.partition): om.offset for tp, om in offsets.items()}
            try:
                c.commit(offsets)
                self.emit("commit", offsets=plain)
            except KafkaError as e:
                self.emit("commit_error", error="%s: %s" % (type(e).__name__, e), offsets=plain)
        self.emit("leaving")
        c.close()  # LeaveGroup (nothing to auto-commit)
        self.emit("closed")

    def leave(self, timeout=30):
        self.stop_flag.set()
        self.join(self.events.clamp(timeout, at_least=5.0))
        if self.is_alive():
            raise AssertionError("member %s did not close within %d s" % (self.member, timeout))
        if self.error is not None:
            raise AssertionError("member %s failed: %r" % (self.member, self.error))


def committed(bootstrap):
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    try:
        return {p: c.committed(TopicPartition(TOPIC, p)) for p in range(PARTITIONS)}
    finally:
        c.close()


class KafkaPythonGroupTest(unittest.TestCase):
    def setUp(self):
        self.rng = harness.seeded_random(self.id())
        self.broker = harness.Broker(*SETTINGS, name="sluiced")
        missing = self.broker.missing_apis(harness.GROUP_APIS)
        if missing:
            self.broker.close()
            self.skipTest("the broker does not list %s in ApiVersions yet" % ", ".join(missing))
        self.events = gm.Events(budget_s=75)  # ctest's TIMEOUT is 90 s for the file
        self.members = {}

    def tearDown(self):
        for m in self.members.values():
            m.stop_flag.set()
        for m in self.members.values():
            m.join(15)
        if gm.case_failed(self) or os.environ.get("SLUICE_GROUP_EVENTS"):
            sys.stderr.write("\n==== member events ====\n%s\n" % self.events.summary())
        self.broker.close()

    def start(self, name):
        m = Member(self.events, name, self.broker.bootstrap)
        self.members[name] = m
        m.start()
        return m

    def wait_consumed(self, expected, timeout, what):
        ends = {}
        for p, off in expected:
            ends[p] = max(ends.get(p, 0), off + 1)

        def done():
            consumed = self.events.consumed()
            have = self.events.committed()
            return (all(k in consumed for k in expected)
                    and all(have.get(p, -1) >= e for p, e in ends.items()))

        self.events.wait_for(done, timeout, "every record of %s consumed and committed" % what,
                             lambda: "log ends %s" % ends)
        return ends

    def check(self, expected, what, consumed=None):
        problems = gm.check_exactly_once(expected, consumed or self.events.consumed(), what)
        problems += gm.check_ownership(self.events)
        if self.events.errors():
            problems.append("member errors: %s" % self.events.errors())
        if problems:
            self.fail("\n".join(problems))

    def test_two_members_leave_and_resume(self):
        b = self.broker.bootstrap
        expected = produce(b, self.rng, "a", 1000)
        self.start("kp1")
        self.events.wait_for(lambda: self.events.current_assignment("kp1") == set(range(PARTITIONS)),
                             30, "kp1 alone to own every partition")
        self.start("kp2")
        sets = self.events.wait_for(lambda: gm.stable_assignment(self.events, {"kp1", "kp2"},
                                                                 PARTITIONS), 30,
                                    "kp1 and kp2 to share the partitions")
        self.assertEqual(sorted(len(s) for s in sets.values()), [2, 2], sets)
        self.wait_consumed(expected, 30, "the first 1000")
        second = produce(b, self.rng, "b", 1000)
        expected.update(second)
        self.wait_consumed(expected, 30, "the second 1000")
        by = {m for k in second for m, *_ in self.events.consumed()[k]}
        self.assertEqual(by, {"kp1", "kp2"}, "both members consume once the group is stable")
        self.check(expected, "two members")

        self.members["kp1"].leave()
        self.events.wait_for(lambda: self.events.current_assignment("kp2") == set(range(PARTITIONS)),
                             30, "kp2 to take over every partition after kp1 left")
        expected.update(produce(b, self.rng, "c", 500))
        ends = self.wait_consumed(expected, 30, "records produced after kp1 left")
        self.check(expected, "after kp1 left")

        self.members["kp2"].leave()
        self.assertEqual(committed(b), {p: ends[p] for p in range(PARTITIONS)},
                         "committed offsets once both left (the log ends)")
        before = set(self.events.consumed())
        tail = produce(b, self.rng, "d", 300)
        self.start("kp3")
        self.wait_consumed({**expected, **tail}, 30, "the records after the commits")
        time.sleep(1.0)
        self.members["kp3"].leave()
        new = {k: v for k, v in self.events.consumed().items() if k not in before}
        reread = sorted(k for k, v in self.events.consumed().items()
                        if k in before and any(m == "kp3" for m, *_ in v))
        self.assertEqual(reread, [], "kp3 re-read committed records")
        self.check(tail, "kp3 from the committed offsets", consumed=new)
        self.check({**expected, **tail}, "overall")


if __name__ == "__main__":
    harness.main()
