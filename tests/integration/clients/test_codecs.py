#!/usr/bin/python3
"""Compression codecs end to end: every client, every codec, and broker recompression.

CodecTest:
 - test_every_codec_from_every_client: into one topic, each to its own partition,
   confluent-kafka produces with gzip, snappy, lz4 and zstd, kcat with -z zstd, kafka-python
   with gzip (binary keys and values, some null). confluent-kafka, kafka-python and kcat
   each consume every partition back, byte-exact, in order; kafkajs (which decodes only
   gzip without codec plugins) reads the gzip records from a topic of their own. `sluice
   dump-log` on the segment files shows each partition's batches stored in the codec they
   came in (compression.type=producer).
 - test_zstd_topic_recompresses: a topic with compression.type=zstd receives gzip,
   snappy and uncompressed batches; dump-log shows only zstd batches, and kafka-python and
   kcat read the records back byte-exact.
 - test_log_append_time_with_compressed_batches: a LogAppendTime topic stamps gzip and lz4
   batches with the broker's clock (CreateTime sent as an hour ago); consumers see
   LogAppendTime and a timestamp within the test's window.

Run: SLUICED=.../sluiced SLUICE_CLI=.../sluice /usr/bin/python3 test_codecs.py
"""

import base64
import glob
import json
import os
import re
import subprocess
import sys
import time
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import group_members  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
harness.require_module("kafka", "Debian package python3-kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from test_kcat import (  # noqa: E402
    CONSUME_FORMAT, KEY_DELIM, KEY_DELIM_BYTES, MSG_DELIM, MSG_DELIM_BYTES, kcat,
    parse_consumed)

with warnings.catch_warnings():  # kafka-python's vendored six on Python 3.11
    warnings.simplefilter("ignore", ImportWarning)
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KTopicPartition

SLUICE_CLI = os.environ.get("SLUICE_CLI")
if not SLUICE_CLI or not os.access(SLUICE_CLI, os.X_OK):
    sys.exit("SLUICE_CLI is not set to the sluice binary (ctest sets it)")

COUNT = 150


def make_records(rng, count, tag):
    out = []
    for i in range(count):
        key = None if i % 7 == 3 else b"%s-%d-" % (tag, i) + rng.randbytes(rng.randint(0, 12))
        value = None if i % 11 == 5 else rng.randbytes(rng.randint(0, 300)) + b"x" * 200
        if key is None and value is None:
            value = b""  # kafka-python refuses a record with neither
        out.append((key, value))
    return out


def codecs_in(data_dir, topic, partition):
    """{codec name: batch count} of the partition's segment files (sluice dump-log)."""
    files = sorted(glob.glob(os.path.join(data_dir, "%s-%d" % (topic, partition), "*.log")))
    r = subprocess.run([SLUICE_CLI, "dump-log", *files], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("sluice dump-log failed: %s%s" % (r.stdout[-2000:], r.stderr))
    counts = {}
    for codec in re.findall(r"compresscodec: (\w+)", r.stdout):
        counts[codec] = counts.get(codec, 0) + 1
    return counts


def ck_produce(bootstrap, topic, partition, recs, **conf):
    errors = []
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5, **conf})
    for k, v in recs:
        p.produce(topic, key=k, value=v, partition=partition,
                  on_delivery=lambda e, m: errors.append(str(e)) if e else None)
    left = p.flush(30)
    assert left == 0 and not errors, "confluent-kafka: %d left, errors %s" % (left, errors[:3])


def kp_produce(bootstrap, topic, partition, recs, codec):
    p = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=codec,
                      linger_ms=5)
    futures = [p.send(topic, key=k, value=v, partition=partition) for k, v in recs]
    for f in futures:
        f.get(timeout=30)
    p.close()


def ck_consume(bootstrap, topic, partition, count):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "codec-check-ck",
                  "enable.auto.commit": False})
    out = []
    try:
        c.assign([TopicPartition(topic, partition, 0)])
        deadline = time.monotonic() + 30
        while len(out) < count and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                out.append((m.key(), m.value(), m.timestamp()))
    finally:
        c.close()
    return out


def kp_consume(bootstrap, topic, partition, count):
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                      consumer_timeout_ms=10000)
    try:
        tp = KTopicPartition(topic, partition)
        c.assign([tp])
        c.seek_to_beginning(tp)
        out = []
        for m in c:
            out.append((m.key, m.value, (m.timestamp_type, m.timestamp)))
            if len(out) >= count:
                break
        return out
    finally:
        c.close()


def kcat_produce(bootstrap, topic, partition, recs, *extra):
    for k, v in recs:
        assert KEY_DELIM_BYTES not in k + v and MSG_DELIM_BYTES not in k + v
    kcat("-P", "-b", bootstrap, "-t", topic, "-p", str(partition), "-K", KEY_DELIM.decode(),
         "-D", MSG_DELIM.decode("latin-1"), *extra,
         input=MSG_DELIM_BYTES.join(k + KEY_DELIM_BYTES + v for k, v in recs))


def kcat_consume(bootstrap, topic, partition):
    out = kcat("-C", "-b", bootstrap, "-t", topic, "-p", str(partition), "-o", "beginning",
               "-e", "-f", CONSUME_FORMAT).stdout
    return [(m.key, m.value, m.timestamp) for m in parse_consumed(out)]


def kjs_consume(bootstrap, topic, partitions, count):
    """{partition: [(key, value)]} read by kafkajs (node/read_partitions.js), or None when
    node or kafkajs is not installed."""
    node = group_members.node_program()
    if node is None:
        return None
    r = subprocess.run([node, os.path.join(group_members.NODE_DIR, "read_partitions.js"),
                        "--bootstrap", bootstrap, "--topic", topic, "--partitions",
                        ",".join(map(str, partitions)), "--count", str(count)],
                       capture_output=True, text=True, timeout=60, cwd=group_members.NODE_DIR)
    if r.returncode != 0:
        raise AssertionError("kafkajs reader failed: %s" % r.stderr[-2000:])
    out = {p: [] for p in partitions}
    dec = lambda v: None if v is None else base64.b64decode(v)  # noqa: E731
    for line in r.stdout.splitlines():
        p, offset, k, v = json.loads(line)
        out[p].append((offset, dec(k), dec(v)))
    return {p: [(k, v) for _, k, v in sorted(recs, key=lambda x: x[0])] for p, recs in out.items()}


class CodecTest(unittest.TestCase):
    def setUp(self):
        self.rng = harness.seeded_random(self.id())
        self.broker = harness.Broker("num.partitions=6", name="sluiced")
        self.b = self.broker.bootstrap

    def tearDown(self):
        self.broker.close()

    def create(self, topic, partitions, **config):
        admin = AdminClient({"bootstrap.servers": self.b})
        fs = admin.create_topics([NewTopic(topic, partitions, 1, config=config)])
        fs[topic].result(10)

    def assert_same(self, got, expected, what):
        self.assertEqual(len(got), len(expected), "%s: %d records, expected %d"
                         % (what, len(got), len(expected)))
        for i, ((k, v), (gk, gv)) in enumerate(zip(expected, [(g[0], g[1]) for g in got])):
            if (k, v) != (gk, gv):
                self.fail("%s: record %d differs: key %r vs %r, value %s vs %s"
                          % (what, i, k, gk, None if v is None else len(v),
                             None if gv is None else len(gv)))

    def test_every_codec_from_every_client(self):
        topic = "codecs"
        self.create(topic, 6)
        plan = [  # (partition, producer, codec)
            (0, "confluent-kafka", "gzip"), (1, "confluent-kafka", "snappy"),
            (2, "confluent-kafka", "lz4"), (3, "confluent-kafka", "zstd"),
            (4, "kcat", "zstd"), (5, "kafka-python", "gzip")]
        expected = {}
        for p, client, codec in plan:
            recs = make_records(self.rng, COUNT, codec.encode())
            if client == "kcat":
                # kcat -K cannot send a null key or value: give every record both.
                recs = [(k or b"k", v or b"v") for k, v in recs]
                kcat_produce(self.b, topic, p, recs, "-z", codec)
            elif client == "kafka-python":
                kp_produce(self.b, topic, p, recs, codec)
            else:
                ck_produce(self.b, topic, p, recs, **{"compression.codec": codec})
            expected[p] = recs
        for p, client, codec in plan:
            what = "partition %d (%s, %s)" % (p, client, codec)
            self.assert_same(ck_consume(self.b, topic, p, COUNT), expected[p],
                             "confluent-kafka reading " + what)
            self.assert_same(kp_consume(self.b, topic, p, COUNT), expected[p],
                             "kafka-python reading " + what)
            self.assert_same(kcat_consume(self.b, topic, p), expected[p], "kcat reading " + what)
            stored = codecs_in(self.broker.log_dir, topic, p)
            self.assertEqual(list(stored), [codec], "%s stored as %s" % (what, stored))
        # kafkajs decodes gzip without plugins (snappy, lz4, zstd need codec packages that
        # are not installed, and one such batch in a fetch stops its consumer), so it reads a
        # topic of its own that the two gzip producers also wrote.
        self.create("codecs-gzip", 2)
        ck_produce(self.b, "codecs-gzip", 0, expected[0], **{"compression.codec": "gzip"})
        kp_produce(self.b, "codecs-gzip", 1, expected[5], "gzip")
        kjs = kjs_consume(self.b, "codecs-gzip", [0, 1], COUNT)
        if kjs is None:
            print("kafkajs reads not run: node or node_modules/kafkajs missing (tools/setup)",
                  flush=True)
        else:
            self.assert_same(kjs[0], expected[0], "kafkajs reading confluent-kafka's gzip")
            self.assert_same(kjs[1], expected[5], "kafkajs reading kafka-python's gzip")
        print("6 producers x 4 codecs, read back byte-exact by confluent-kafka, kafka-python and "
              "kcat%s; stored as sent" % ("" if kjs is None else " (gzip also by kafkajs)"),
              flush=True)

    def test_zstd_topic_recompresses(self):
        topic = "zstd-topic"
        self.create(topic, 1, **{"compression.type": "zstd", "compression.zstd.level": "5"})
        expected = []
        for codec in ("gzip", "none", "snappy"):
            recs = make_records(self.rng, COUNT, codec.encode())
            ck_produce(self.b, topic, 0, recs, **{"compression.codec": codec})
            expected += recs
        kp = make_records(self.rng, COUNT, b"kp")
        kp_produce(self.b, topic, 0, kp, None)
        expected += kp
        stored = codecs_in(self.broker.log_dir, topic, 0)
        self.assertEqual(list(stored), ["zstd"], "batches stored as %s" % stored)
        self.assert_same(kp_consume(self.b, topic, 0, len(expected)), expected,
                         "kafka-python reading the zstd topic")
        self.assert_same(kcat_consume(self.b, topic, 0), expected, "kcat reading the zstd topic")
        print("gzip, snappy and uncompressed batches stored as %d zstd batches"
              % stored["zstd"], flush=True)

    def test_log_append_time_with_compressed_batches(self):
        topic = "append-time"
        self.create(topic, 1, **{"message.timestamp.type": "LogAppendTime"})
        hour_ago = int(time.time() * 1000) - 3600 * 1000
        before = int(time.time() * 1000)
        for codec in ("gzip", "lz4"):
            p = Producer({"bootstrap.servers": self.b, "compression.codec": codec, "acks": "all"})
            for i in range(50):
                p.produce(topic, value=b"v%d" % i * 30, partition=0, timestamp=hour_ago + i)
            self.assertEqual(p.flush(30), 0)
        after = int(time.time() * 1000)
        got = ck_consume(self.b, topic, 0, 100)
        self.assertEqual(len(got), 100)
        for _, _, (ts_type, ts) in got:
            self.assertEqual(ts_type, 2, "timestamp type should be LogAppendTime")
            self.assertTrue(before - 1000 <= ts <= after + 1000,
                            "append time %d outside [%d, %d]" % (ts, before, after))
        stored = codecs_in(self.broker.log_dir, topic, 0)
        self.assertEqual(sorted(stored), ["gzip", "lz4"])


if __name__ == "__main__":
    harness.main()
