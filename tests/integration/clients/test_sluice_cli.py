#!/usr/bin/python3
"""The sluice CLI against the real sluiced.

TopicTest: topic create/list/describe/delete, and lines produced with a key separator
consumed back exactly (from the beginning, from an offset, with a count). GroupTest: a
confluent-kafka consumer group seen through `sluice group list|describe|reset-offsets|
delete`: members while it runs, committed offsets and lag after, a reset refused while
the member is active and accepted once it has left (a new member then re-reads from 0),
and the group deleted at the end. GroupTest is skipped with the reason when
confluent-kafka is missing.

Run: SLUICED=.../sluiced SLUICE_CLI=.../sluice /usr/bin/python3 test_sluice_cli.py [Class]
"""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

try:
    import confluent_kafka
except ImportError as e:  # only GroupTest needs it
    confluent_kafka = None
    confluent_missing = ("cannot import confluent_kafka (Debian package "
                         "python3-confluent-kafka): %s" % e)

CLI_TIMEOUT = 30  # seconds for one sluice command


def cli_path():
    path = os.environ.get("SLUICE_CLI")
    if not path:
        # Not a skip: ctest always sets it, so its absence is a broken setup.
        sys.exit("SLUICE_CLI is not set: give the path of the sluice binary (ctest sets it)")
    if not os.access(path, os.X_OK):
        sys.exit("SLUICE_CLI=%s is not an executable file" % path)
    return path


def start_broker(name):
    return harness.Broker("group.initial.rebalance.delay.ms=0", "offsets.topic.num.partitions=3",
                          name=name)


class CliCase(unittest.TestCase):
    broker = None

    def sluice(self, *args, stdin=None, rc=0):
        """Runs `sluice -b BROKER args...`; asserts its exit code; returns (stdout, stderr)."""
        argv = [cli_path(), "-b", self.broker.bootstrap] + list(args)
        p = subprocess.run(argv, input=stdin, capture_output=True, encoding="utf-8",
                           timeout=CLI_TIMEOUT)
        self.assertEqual(p.returncode, rc, "%s\nstdout:\n%s\nstderr:\n%s"
                         % (" ".join(argv[1:]), p.stdout, p.stderr))
        return p.stdout, p.stderr


class TopicTest(CliCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker("sluiced-topics")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def test_create_list_describe_delete(self):
        out, _ = self.sluice("topic", "create", "cli-topic", "-p", "3")
        self.assertIn("created topic cli-topic", out)
        _, err = self.sluice("topic", "create", "cli-topic", "-p", "3", rc=1)
        self.assertIn("TOPIC_ALREADY_EXISTS", err)
        out, _ = self.sluice("topic", "list")
        self.assertIn("cli-topic\t3 partition(s)", out.splitlines())
        out, _ = self.sluice("topic", "describe", "cli-topic")
        self.assertIn("topic cli-topic: 3 partition(s)", out)
        rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
        parts = [r for r in rows if r and r[0].isdigit()]
        self.assertEqual([r[0] for r in parts], ["0", "1", "2"], out)
        self.assertTrue(all(r[2:4] == ["0", "0"] for r in parts), out)  # start, end offsets
        out, _ = self.sluice("topic", "delete", "cli-topic")
        self.assertIn("deleted topic cli-topic", out)
        out, _ = self.sluice("topic", "list")
        self.assertNotIn("cli-topic", out)
        _, err = self.sluice("topic", "describe", "cli-topic", rc=1)
        self.assertIn("UNKNOWN_TOPIC_OR_PARTITION", err)

    def test_produce_consume_exactly(self):
        self.sluice("topic", "create", "cli-lines", "-p", "1")
        # Values may hold the separator again and other bytes; only the first one splits.
        lines = ["k%d|value %d|with|pipes \u00e9" % (i, i) for i in range(200)]
        _, err = self.sluice("produce", "cli-lines", "-k", "|", stdin="\n".join(lines) + "\n")
        self.assertIn("produced 200 record(s)", err)
        out, _ = self.sluice("consume", "cli-lines", "--from", "beginning", "-k", "|",
                             "--no-offsets")
        self.assertEqual(out.splitlines(), lines)
        out, _ = self.sluice("consume", "cli-lines", "--from", "150", "--count", "7", "-k", "|")
        self.assertEqual(out.splitlines(),
                         ["0:%d\t%s" % (150 + i, lines[150 + i]) for i in range(7)])
        out, _ = self.sluice("consume", "cli-lines", "--from", "end")
        self.assertEqual(out, "")
        # Keys spread over partitions: every line once, each partition's offsets dense.
        self.sluice("topic", "create", "cli-spread", "-p", "3")
        self.sluice("produce", "cli-spread", "-k", "=", stdin="".join(
            "key-%d=v%d\n" % (i, i) for i in range(90)))
        out, _ = self.sluice("consume", "cli-spread", "-k", "=")
        got = {}
        for line in out.splitlines():
            where, record = line.split("\t", 1)
            partition, offset = map(int, where.split(":"))
            got.setdefault(partition, []).append((offset, record))
        self.assertEqual(sorted(r for recs in got.values() for _, r in recs),
                         sorted("key-%d=v%d" % (i, i) for i in range(90)))
        for recs in got.values():
            self.assertEqual([o for o, _ in recs], list(range(len(recs))))
        self.assertGreater(len(got), 1, "90 keys all landed on one partition")


def table(out, header):
    """The rows (lists of cells) of the table in `out` whose header starts with `header`."""
    rows, inside = [], False
    for line in out.splitlines():
        if line.startswith(header):
            inside = True
        elif inside and not line.strip():
            break
        elif inside:
            rows.append(line.split())
    return rows


class GroupTest(CliCase):
    TOPIC = "cli-group"
    PARTITIONS = 3

    @classmethod
    def setUpClass(cls):
        if confluent_kafka is None:
            raise unittest.SkipTest(confluent_missing)
        cls.broker = start_broker("sluiced-groups")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def consumer(self, group):
        c = confluent_kafka.Consumer({
            "bootstrap.servers": self.broker.bootstrap, "group.id": group,
            "client.id": "cli-test-consumer", "auto.offset.reset": "earliest",
            "enable.auto.commit": False})
        c.subscribe([self.TOPIC])
        return c

    def consume(self, c, n):
        """n records (partition, offset) from c, within a deadline."""
        got = []
        deadline = time.monotonic() + 20
        while len(got) < n and time.monotonic() < deadline:
            for m in c.consume(n - len(got), 0.5):
                self.assertIsNone(m.error())
                got.append((m.partition(), m.offset()))
        self.assertEqual(len(got), n, "consumed %d of %d records" % (len(got), n))
        return got

    def offsets(self, group):
        """{partition: (committed, log end, lag, member)} from `group describe`."""
        out, _ = self.sluice("group", "describe", group)
        rows = table(out, "TOPIC")
        self.assertTrue(rows, out)
        return {int(r[1]): tuple(r[2:6]) for r in rows if r[0] == self.TOPIC}, out

    def produce(self, lines):
        self.sluice("produce", self.TOPIC, "-k", ":", stdin="".join(l + "\n" for l in lines))

    def test_group_lifecycle(self):
        self.broker.skip_unless_apis(self, {15: "DescribeGroups", 16: "ListGroups",
                                            42: "DeleteGroups"}, "sluice group")
        self.sluice("topic", "create", self.TOPIC, "-p", str(self.PARTITIONS))
        self.produce("k%d:v%d" % (i, i) for i in range(60))
        c = self.consumer("g")
        try:
            self.consume(c, 60)
            c.commit(asynchronous=False)
            out, _ = self.sluice("group", "list")
            self.assertIn(["g", "Stable", "consumer"], table(out, "GROUP"))
            offsets, out = self.offsets("g")
            members = table(out, "MEMBER")
            self.assertEqual(len(members), 1, out)
            self.assertEqual(members[0][2:4], ["cli-test-consumer", "/127.0.0.1"], out)
            self.assertEqual(members[0][4], "%s:0,1,2" % self.TOPIC, out)
            member_id = members[0][0]
            self.assertEqual(sorted(offsets), list(range(self.PARTITIONS)), out)
            for committed, end, lag, owner in offsets.values():
                self.assertEqual((committed, lag, owner), (end, "0", member_id), out)
            self.assertEqual(sum(int(o[0]) for o in offsets.values()), 60, out)
            # New records show up as lag.
            self.produce("late%d:x" % i for i in range(9))
            offsets, out = self.offsets("g")
            self.assertEqual(sum(int(o[2]) for o in offsets.values()), 9, out)
            # While the member is there: no reset, no delete.
            _, err = self.sluice("group", "reset-offsets", "g", "--topic", self.TOPIC,
                                 "--to-earliest", rc=1)
            self.assertIn("group g is Stable with 1 active member(s)", err)
            self.assertIn("Stop its consumers", err)
            _, err = self.sluice("group", "delete", "g", rc=1)
            self.assertIn("NON_EMPTY_GROUP", err)
        finally:
            c.close()  # LeaveGroup: the group is Empty at once
        offsets, out = self.offsets("g")
        self.assertIn("group g: Empty", out)
        self.assertEqual(table(out, "MEMBER"), [], out)
        self.assertEqual(sum(int(o[2]) for o in offsets.values()), 9, out)
        self.assertTrue(all(o[3] == "-" for o in offsets.values()), out)
        out, _ = self.sluice("group", "list")
        self.assertIn(["g", "Empty", "consumer"], table(out, "GROUP"))

        out, _ = self.sluice("group", "reset-offsets", "g", "--topic", self.TOPIC, "--to-earliest")
        self.assertEqual(len(table(out, "TOPIC")), self.PARTITIONS, out)
        offsets, out = self.offsets("g")
        self.assertTrue(all(o[0] == "0" for o in offsets.values()), out)
        self.assertEqual(sum(int(o[2]) for o in offsets.values()), 69, out)
        # A new member starts where the reset put the group: at 0 everywhere.
        c = self.consumer("g")
        try:
            got = self.consume(c, 69)
            for p in range(self.PARTITIONS):
                mine = [o for q, o in got if q == p]
                self.assertEqual(mine, list(range(len(mine))), "partition %d" % p)
            c.commit(asynchronous=False)
        finally:
            c.close()
        offsets, out = self.offsets("g")
        self.assertTrue(all(o[2] == "0" for o in offsets.values()), out)

        # One partition to an offset, the rest stay; a dry run commits nothing.
        out, _ = self.sluice("group", "reset-offsets", "g", "-t", self.TOPIC, "-p", "1",
                             "--to-offset", "2", "--dry-run")
        self.assertIn("dry run", out)
        self.assertEqual(self.offsets("g")[0], offsets)
        self.sluice("group", "reset-offsets", "g", "-t", self.TOPIC, "-p", "1", "--to-offset", "2")
        after, out = self.offsets("g")
        self.assertEqual(after[1][0], "2", out)
        self.assertEqual({p: o for p, o in after.items() if p != 1},
                         {p: o for p, o in offsets.items() if p != 1}, out)
        _, err = self.sluice("group", "reset-offsets", "g", "-t", self.TOPIC, rc=2)
        self.assertIn("--to-earliest, --to-latest or --to-offset", err)

        out, _ = self.sluice("group", "delete", "g")
        self.assertIn("deleted group g", out)
        out, _ = self.sluice("group", "list")
        self.assertNotIn("g", [r[0] for r in table(out, "GROUP")])
        _, err = self.sluice("group", "describe", "g", rc=1)
        self.assertIn("group g does not exist", err)
        _, err = self.sluice("group", "delete", "g", rc=1)
        self.assertIn("GROUP_ID_NOT_FOUND", err)


if __name__ == "__main__":
    harness.main()
