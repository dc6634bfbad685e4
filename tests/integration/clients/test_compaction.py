#!/usr/bin/python3
"""Log compaction through the real sluiced (its cleaner thread) with confluent-kafka.

CompactionTest.test_compacted_topic_keeps_latest_value_per_key: a topic with
cleanup.policy=compact, small segments and min.cleanable.dirty.ratio=0.01 gets 4000
records over 40 keys (every key written many times, some keys deleted with a tombstone
at the end), produced in batches so segments roll. With log.cleaner.backoff.ms=200 the
cleaner runs while the producer still writes. Once the log shrinks, a consumer reads the
whole partition: every key's last record is its latest value (or its tombstone, kept for
delete.retention.ms = 1 hour), offsets increase, fewer records remain than were written,
and the broker went on answering produce requests throughout. Then sluiced restarts and
the same holds.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_compaction.py
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "compacted"
KEYS = 40
RECORDS = 4000


def read_partition(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "compaction-check",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        low, high = c.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
        c.assign([TopicPartition(TOPIC, 0, low)])
        out = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                if out and out[-1][0] >= high - 1:
                    break
                continue
            out.append((m.offset(), m.key().decode(), m.value()))
            if m.offset() >= high - 1:
                break
        return out, high
    finally:
        c.close()


class CompactionTest(unittest.TestCase):
    def setUp(self):
        self.broker = harness.Broker("log.cleaner.backoff.ms=200", name="sluiced")

    def tearDown(self):
        self.broker.close()

    def check(self, recs, latest, what):
        offsets = [o for o, _, _ in recs]
        self.assertEqual(offsets, sorted(set(offsets)), "%s: offsets not increasing" % what)
        last = {}
        for _, k, v in recs:
            last[k] = v
        self.assertEqual(last, latest, "%s: the last record per key is not the latest value"
                         % what)

    def test_compacted_topic_keeps_latest_value_per_key(self):
        b = self.broker.bootstrap
        admin = AdminClient({"bootstrap.servers": b})
        fs = admin.create_topics([NewTopic(TOPIC, 1, 1, config={
            "cleanup.policy": "compact", "segment.bytes": "8192",
            "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "3600000"})])
        fs[TOPIC].result(10)
        p = Producer({"bootstrap.servers": b, "acks": "all", "linger.ms": 1,
                      "batch.num.messages": 20})
        latest = {}
        errors = []

        def on_delivery(err, msg):
            if err:
                errors.append(str(err))

        for i in range(RECORDS):
            k = "key-%02d" % (i % KEYS)
            tombstone = i >= RECORDS - KEYS and (i % KEYS) % 5 == 0
            v = None if tombstone else ("value-%d" % i).encode()
            p.produce(TOPIC, key=k.encode(), value=v, partition=0, on_delivery=on_delivery)
            latest[k] = v
            if i % 100 == 99:
                p.flush(10)  # spread over time and segments: the cleaner runs meanwhile
                time.sleep(0.02)
        self.assertEqual(p.flush(30), 0)
        self.assertEqual(errors, [])

        # The cleaner thread works in the background: wait for the log to shrink.
        deadline = time.monotonic() + 30
        while True:
            recs, high = read_partition(b)
            if len(recs) < RECORDS // 2 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(high, RECORDS, "the log end moved")
        self.assertLess(len(recs), RECORDS // 2, "compaction did not run (%d records of %d left)"
                        % (len(recs), RECORDS))
        self.check(recs, latest, "after compaction")
        tombstones = sum(1 for _, _, v in recs if v is None)
        self.assertEqual(tombstones, sum(1 for v in latest.values() if v is None),
                         "tombstones younger than delete.retention.ms must stay")
        self.assertIn("compacted", self.broker.log_text())

        self.broker.restart()
        recs2, high2 = read_partition(b)
        self.assertEqual(high2, RECORDS)
        self.check(recs2, latest, "after a restart")
        print("%d records over %d keys compacted to %d (%d tombstones kept)"
              % (RECORDS, KEYS, len(recs), tombstones), flush=True)


if __name__ == "__main__":
    harness.main()
