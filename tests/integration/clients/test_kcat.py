#!/usr/bin/python3
"""kcat (librdkafka's command-line client) against the real sluiced.

-P with binary keys (-K) and values split by a multi-byte delimiter (-D), headers (-H),
null keys and values (-Z), compression (-z); -C with a length-prefixed output format so
that every byte is compared; -L (JSON metadata); -Q (offsets for times); -o offsets; data
survives a clean restart.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_kcat.py
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import records  # noqa: E402

KCAT = harness.require_program("kcat", "Debian package kcat")

PARTITIONS = 3
# kcat parses \xNN greedily (strtoul), so no hex digit may follow an escape.
MSG_DELIM = rb"\xff\xfe|SEP|\xfe\xff"
MSG_DELIM_BYTES = b"\xff\xfe|SEP|\xfe\xff"
KEY_DELIM = rb"\x01|KEY|\x01"
KEY_DELIM_BYTES = b"\x01|KEY|\x01"
# %K and %S are -1 for null; the key and value bytes follow, then the headers (n=v CSV).
CONSUME_FORMAT = r"%p %o %T %K %S:%k%s|%h\n"


class Msg:
    __slots__ = ("partition", "offset", "timestamp", "key", "value", "headers")

    def __init__(self, partition, offset, timestamp, key, value, headers):
        self.partition, self.offset, self.timestamp = partition, offset, timestamp
        self.key, self.value, self.headers = key, value, headers

    def __repr__(self):
        return "Msg(p=%d o=%d key=%r value=%d bytes headers=%r)" % (
            self.partition, self.offset, self.key,
            -1 if self.value is None else len(self.value), self.headers)


def kcat(*args, input=None, timeout=60):
    return harness.run_program(KCAT, *args, input=input, timeout=timeout)


def parse_consumed(out):
    """Parses CONSUME_FORMAT output exactly, binary keys and values included."""
    msgs = []
    pos = 0
    head = re.compile(rb"(\d+) (\d+) (-?\d+) (-?\d+) (-?\d+):")
    while pos < len(out):
        m = head.match(out, pos)
        if not m:
            raise AssertionError("unparsable kcat output at byte %d: %r" % (pos, out[pos:pos + 80]))
        p, o, ts, klen, vlen = (int(x) for x in m.groups())
        pos = m.end()
        key = None if klen < 0 else out[pos:pos + klen]
        pos += max(klen, 0)
        value = None if vlen < 0 else out[pos:pos + vlen]
        pos += max(vlen, 0)
        if out[pos:pos + 1] != b"|":
            raise AssertionError("expected '|' after the value at byte %d" % pos)
        end = out.index(b"\n", pos)
        hs = out[pos + 1:end].decode()
        headers = [tuple(h.split("=", 1)) for h in hs.split(",")] if hs else []
        headers = [(n, v.encode()) for n, v in headers]
        pos = end + 1
        msgs.append(Msg(p, o, ts, key, value, headers))
    return msgs


def safe_bytes(rng, n):
    """Random bytes that never contain a delimiter (so kcat cannot split them)."""
    while True:
        b = rng.randbytes(n)
        if MSG_DELIM_BYTES not in b and KEY_DELIM_BYTES not in b and not b.endswith(b"\xff\xfe"):
            return b


def short(b):
    if b is None:
        return "null"
    return "%d bytes %r%s" % (len(b), b[:20], "..." if len(b) > 20 else "")


class KcatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = harness.seeded_random(cls.__name__)
        cls.broker = harness.Broker("num.partitions=%d" % PARTITIONS, name="sluiced")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    @property
    def b(self):
        return self.broker.bootstrap

    def produce(self, topic, recs, partition=None, headers=(), extra=()):
        """recs: [(key or None, value)] sent by one kcat -P. A None key is a message with
        no key delimiter; an empty key is a message that starts with it."""
        parts = []
        for key, value in recs:
            parts.append(value if key is None else key + KEY_DELIM_BYTES + value)
        args = ["-P", "-b", self.b, "-t", topic, "-K", KEY_DELIM.decode(), "-D",
                MSG_DELIM.decode("latin-1")]
        if partition is not None:
            args += ["-p", str(partition)]
        for h in headers:
            args += ["-H", "%s=%s" % h]
        kcat(*args, *extra, input=MSG_DELIM_BYTES.join(parts))

    def consume(self, topic, partition=None, *extra):
        args = ["-C", "-b", self.b, "-t", topic, "-e", "-f", CONSUME_FORMAT]
        if partition is not None:
            args += ["-p", str(partition)]
        if "-o" not in extra:
            args += ["-o", "beginning"]
        return parse_consumed(kcat(*args, *extra).stdout)

    def make(self, count):
        out = []
        for i in range(count):
            r = self.rng.random()
            key = (None if r < 0.05 else b"" if r < 0.1 else
                   b"key-%d" % self.rng.randrange(100) if r < 0.5 else
                   safe_bytes(self.rng, self.rng.randrange(1, 30)))
            r = self.rng.random()
            if r < 0.03 and key is not None:
                value = b""  # (kcat drops an empty message: no key, no value)
            elif r < 0.06 and key is not None:
                # Only the first key delimiter splits: later ones belong to the value.
                value = safe_bytes(self.rng, 5) + KEY_DELIM_BYTES + safe_bytes(self.rng, 5)
            elif i % 700 == 699:
                value = safe_bytes(self.rng, 200_000)
            else:
                value = safe_bytes(self.rng, self.rng.randrange(1, 1500))
            out.append((key, value))
        return out

    def check(self, msgs, expected, partition, t0, t1, what):
        for i, (m, (key, value, headers)) in enumerate(zip(msgs, expected)):
            where = "%s: partition %d offset %d" % (what, partition, i)
            self.assertEqual((m.partition, m.offset), (partition, i), where)
            if m.key != key:
                self.fail("%s: key %s, expected %s" % (where, short(m.key), short(key)))
            if m.value != value:
                self.fail("%s: value %s, expected %s" % (where, short(m.value), short(value)))
            self.assertEqual(m.headers, headers, where + ": headers")
            self.assertTrue(t0 <= m.timestamp <= t1, "%s: timestamp %d not in [%d, %d]"
                            % (where, m.timestamp, t0, t1))
        self.assertEqual(len(msgs), len(expected), "%s: partition %d record count"
                         % (what, partition))
        stamps = [m.timestamp for m in msgs]
        self.assertEqual(stamps, sorted(stamps), what + ": CreateTime goes back in a partition")

    def test_exact_bytes_keys_headers_5000_records_survive_restart(self):
        topic = "kcat-exact"
        header_sets = [(), (("h1", "a"),), (("h1", "x y"), ("h2", ""), ("h1", "z")),
                       (("trace", "0123456789abcdef"),)]
        expected = {p: [] for p in range(PARTITIONS)}
        t0 = records.now_ms()
        for batch in range(12):  # 12 kcat runs of ~420 records: 5000 in all
            p = batch % PARTITIONS
            hs = header_sets[batch % len(header_sets)]
            recs = self.make(417)
            self.produce(topic, recs, partition=p, headers=hs)
            hb = [(n, v.encode()) for n, v in hs]
            expected[p] += [(k, v, hb) for k, v in recs]
        t1 = records.now_ms()
        self.assertEqual(sum(len(v) for v in expected.values()), 5004)
        first = {}
        for p in range(PARTITIONS):
            first[p] = self.consume(topic, p)
            self.check(first[p], expected[p], p, t0, t1, topic)
        self.broker.restart()
        for p in range(PARTITIONS):
            again = self.consume(topic, p)
            self.check(again, expected[p], p, t0, t1, topic + " after a clean restart")
            self.assertEqual([m.timestamp for m in again], [m.timestamp for m in first[p]],
                             "timestamps after the restart")

    def test_null_keys_and_values(self):
        topic = "kcat-nulls"
        # -Z: an empty key or value is sent as null.
        # (kcat skips an empty input message, so there is no null key with empty value.)
        self.produce(topic, [(b"k", b""), (b"", b""), (b"", b"v"), (None, b"v2")], partition=0,
                     extra=["-Z"])
        self.produce(topic, [(b"k", b""), (b"", b""), (None, b"v3")], partition=0)
        got = [(m.key, m.value) for m in self.consume(topic, 0)]
        self.assertEqual(got, [(b"k", None), (None, None), (None, b"v"), (None, b"v2"),
                               (b"k", b""), (b"", b""), (None, b"v3")])

    def test_keyed_partitioning_keeps_order(self):
        topic = "kcat-keyed"
        recs = [(b"user-%d" % self.rng.randrange(40), b"%06d" % i) for i in range(3000)]
        self.produce(topic, recs)  # librdkafka's partitioner hashes the key
        msgs = self.consume(topic)
        self.assertEqual(sorted(m.value for m in msgs), [v for _, v in recs])
        where = {}
        for m in msgs:
            self.assertEqual(where.setdefault(m.key, m.partition), m.partition,
                             "key %r in two partitions" % m.key)
        for p in range(PARTITIONS):
            mine = [m for m in msgs if m.partition == p]
            self.assertEqual([m.offset for m in mine], list(range(len(mine))))
            self.assertEqual([m.value for m in mine], sorted(m.value for m in mine),
                             "partition %d is not in send order" % p)
        self.assertGreater(len(where), PARTITIONS)
        self.assertEqual({m.partition for m in msgs}, set(range(PARTITIONS)))

    def test_compression(self):
        for codec in ("gzip", "snappy", "lz4", "zstd"):
            with self.subTest(codec=codec):
                topic = "kcat-codec-" + codec
                recs = self.make(600)
                self.produce(topic, recs, partition=1, headers=[("codec", codec)],
                             extra=["-X", "compression.codec=" + codec])
                msgs = self.consume(topic, 1)
                self.check(msgs, [(k, v, [("codec", codec.encode())]) for k, v in recs], 1,
                           0, records.now_ms(), topic)

    def test_offsets(self):
        topic = "kcat-offsets"
        recs = [(b"k%d" % i, b"value-%d" % i) for i in range(1000)]
        self.produce(topic, recs, partition=2)
        values = lambda msgs: [m.value for m in msgs]  # noqa: E731
        self.assertEqual(values(self.consume(topic, 2, "-o", "400")),
                         [v for _, v in recs[400:]])
        self.assertEqual(values(self.consume(topic, 2, "-o", "-10")),
                         [v for _, v in recs[-10:]])
        self.assertEqual(values(self.consume(topic, 2, "-o", "123", "-c", "7")),
                         [v for _, v in recs[123:130]])
        self.assertEqual(values(self.consume(topic, 2, "-o", "end")), [])

    def test_query_offsets_for_times(self):
        topic = "kcat-times"
        for i in range(8):  # several runs, so that timestamps differ between records
            self.produce(topic, [(b"k", b"v%d-%d" % (i, j)) for j in range(150)], partition=0)
        msgs = self.consume(topic, 0)
        stamps = [m.timestamp for m in msgs]

        def query(ts):
            out = kcat("-Q", "-b", self.b, "-t", "%s:0:%d" % (topic, ts)).stdout.decode()
            m = re.search(r"%s \[0\] offset (-?\d+)" % re.escape(topic), out)
            self.assertIsNotNone(m, "kcat -Q output: %r" % out)
            return int(m.group(1))

        first_at_or_after = lambda ts: next(  # noqa: E731
            (i for i, s in enumerate(stamps) if s >= ts), -1)
        targets = {0, stamps[0], stamps[-1], stamps[-1] + 1}
        targets |= {stamps[i] for i in self.rng.sample(range(len(stamps)), 10)}
        targets |= {stamps[i] - 1 for i in range(1, len(stamps)) if stamps[i] != stamps[i - 1]}
        for ts in sorted(targets):
            self.assertEqual(query(ts), first_at_or_after(ts), "kcat -Q at %d" % ts)

    def test_metadata_list(self):
        topic = "kcat-metadata"
        self.produce(topic, [(b"k", b"v")], partition=0)
        md = json.loads(kcat("-L", "-J", "-b", self.b).stdout)
        self.assertEqual(md["brokers"], [{"id": 0, "name": self.b}])
        self.assertEqual(md["controllerid"], 0)
        topics = {t["topic"]: t for t in md["topics"]}
        self.assertIn(topic, topics)
        t = topics[topic]
        self.assertEqual(len(t["partitions"]), PARTITIONS)
        for i, p in enumerate(sorted(t["partitions"], key=lambda p: p["partition"])):
            self.assertEqual(p["partition"], i)
            self.assertEqual(p["leader"], 0)
            self.assertEqual(p["replicas"], [{"id": 0}])
            self.assertEqual(p["isrs"], [{"id": 0}])
            self.assertNotIn("error", p)
        one = json.loads(kcat("-L", "-J", "-b", self.b, "-t", topic).stdout)
        self.assertEqual([t["topic"] for t in one["topics"]], [topic])
        text = kcat("-L", "-b", self.b, "-t", topic).stdout.decode()
        self.assertIn('topic "%s" with %d partitions:' % (topic, PARTITIONS), text)
        self.assertIn("broker 0 at %s (controller)" % self.b, text)


if __name__ == "__main__":
    harness.main()
