#!/usr/bin/python3
"""Idempotent producers (confluent-kafka, enable.idempotence=true, acks=all) against a
sluiced that keeps going away.

IdempotenceTest:
 - test_clean_restarts_mid_stream: a producer thread sends 6000 numbered records to 4
   partitions while the broker is restarted (SIGTERM, then start) three times. Every
   record is delivered, and each partition holds exactly the records sent to it, once
   each, in the order they were sent: no duplicates from the retries librdkafka makes
   after the connection drops (the broker recognises them by producer id and sequence and
   answers with the original offsets), no gaps.
 - test_kill9_loop: the same producer while sluiced is killed with SIGKILL and restarted
   SLUICE_KILL_ROUNDS times (default 20). Every acknowledged record is present exactly
   once, at the offset its acknowledgement named, in order; no record at all appears
   twice. The counts are printed.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_idempotence.py
"""

import collections
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

PARTITIONS = 4
INIT_PRODUCER_ID = {22: "InitProducerId"}


class BackgroundProducer:
    """An idempotent acks=all producer sending "<n>" values, n = 0, 1, 2..., record n to
    partition n % PARTITIONS, until stop(); then it flushes everything it sent."""

    def __init__(self, bootstrap, topic, limit=None):
        self.topic = topic
        self.limit = limit
        self.sent = 0
        self.acked = {}  # n -> (partition, offset)
        self.failed = {}  # n -> error
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.p = Producer({
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 2,
            "batch.num.messages": 50,
            "message.timeout.ms": 60000,
            "reconnect.backoff.ms": 20,
            "reconnect.backoff.max.ms": 300,
            "log.connection.close": False,
        })
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def on_delivery(self, err, msg):
        n = int(msg.value())
        with self.lock:
            if err is not None:
                self.failed[n] = str(err)
            else:
                self.acked[n] = (msg.partition(), msg.offset())

    def run(self):
        while not self.stopping.is_set() and (self.limit is None or self.sent < self.limit):
            n = self.sent
            try:
                self.p.produce(self.topic, value=str(n).encode(), partition=n % PARTITIONS,
                               on_delivery=self.on_delivery)
                self.sent += 1
            except BufferError:
                self.p.poll(0.05)
                continue
            self.p.poll(0)
            if n % 50 == 49:
                time.sleep(0.002)  # a steady stream rather than one burst

    def finish(self, timeout=90):
        self.stopping.set()
        self.thread.join()
        left = self.p.flush(timeout)
        return left


def consume_all(bootstrap, topic):
    """{partition: [(offset, n)]} of everything in the topic, read with assign()."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "idem-check",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    out = {}
    try:
        for p in range(PARTITIONS):
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            got = []
            if high > low:
                c.assign([TopicPartition(topic, p, low)])
                deadline = time.monotonic() + 30
                while (not got or got[-1][0] < high - 1) and time.monotonic() < deadline:
                    m = c.poll(0.5)
                    if m is None or m.error():
                        continue
                    got.append((m.offset(), int(m.value())))
            out[p] = got
    finally:
        c.close()
    return out


class IdempotenceTest(unittest.TestCase):
    def setUp(self):
        self.broker = harness.Broker("num.partitions=%d" % PARTITIONS, name="sluiced")
        missing = self.broker.missing_apis(INIT_PRODUCER_ID)
        if missing:
            self.broker.close()
            self.skipTest("the broker does not list %s in ApiVersions yet" % ", ".join(missing))

    def tearDown(self):
        self.broker.close()

    def check(self, prod, contents, every_record_delivered):
        problems = []
        seen = collections.Counter()
        for p, recs in contents.items():
            offsets = [o for o, _ in recs]
            if offsets != sorted(set(offsets)):
                problems.append("partition %d: offsets not strictly increasing" % p)
            ns = [n for _, n in recs]
            for n in ns:
                seen[n] += 1
                if n % PARTITIONS != p:
                    problems.append("record %d found in partition %d" % (n, p))
            if ns != sorted(ns):
                firsts = [(a, b) for a, b in zip(ns, ns[1:]) if b < a][:3]
                problems.append("partition %d: records out of order, e.g. %s" % (p, firsts))
        dups = sorted(n for n, c in seen.items() if c > 1)
        if dups:
            problems.append("%d record(s) stored more than once, e.g. %s" % (len(dups), dups[:10]))
        where = {n: (p, o) for p, recs in contents.items() for o, n in recs}
        lost = sorted(n for n in prod.acked if n not in where)
        if lost:
            problems.append("%d acknowledged record(s) missing, e.g. %s" % (len(lost), lost[:10]))
        moved = sorted(n for n, po in prod.acked.items() if n in where and where[n] != po)
        if moved:
            problems.append("%d record(s) not at the offset their ack named, e.g. %s"
                            % (len(moved), [(n, prod.acked[n], where[n]) for n in moved[:5]]))
        if every_record_delivered:
            if prod.failed:
                problems.append("%d delivery failure(s), e.g. %s"
                                % (len(prod.failed), list(prod.failed.items())[:3]))
            gaps = sorted(set(range(prod.sent)) - set(where))[:10]
            if gaps:
                problems.append("records never stored (gaps): %s" % gaps)
        return problems

    def test_clean_restarts_mid_stream(self):
        prod = BackgroundProducer(self.broker.bootstrap, "idem-clean", limit=6000)
        for _ in range(3):
            time.sleep(0.5)
            self.broker.restart()
        left = prod.finish()
        self.assertEqual(left, 0, "%d records undelivered after flush" % left)
        contents = consume_all(self.broker.bootstrap, "idem-clean")
        problems = self.check(prod, contents, every_record_delivered=True)
        if problems:
            self.fail("\n".join(problems))
        print("6000 records through 3 restarts: all delivered once, in order", flush=True)

    def test_kill9_loop(self):
        rounds = int(os.environ.get("SLUICE_KILL_ROUNDS", "20"))
        rng = harness.seeded_random(self.id())
        prod = BackgroundProducer(self.broker.bootstrap, "idem-kill")
        acked_at_kill = []
        for _ in range(rounds):
            time.sleep(rng.uniform(0.15, 0.6))
            with prod.lock:
                acked_at_kill.append(len(prod.acked))
            self.broker.kill9()
            self.broker.start()
        time.sleep(0.5)
        left = prod.finish()
        contents = consume_all(self.broker.bootstrap, "idem-kill")
        problems = self.check(prod, contents, every_record_delivered=False)
        stored = sum(len(r) for r in contents.values())
        report = ("%d kill -9 rounds: %d records sent, %d acknowledged, %d failed, %d left "
                  "undelivered, %d stored; every acknowledged record present exactly once, "
                  "in order" % (rounds, prod.sent, len(prod.acked), len(prod.failed), left, stored))
        if problems:
            self.fail("\n".join(problems) + "\n" + report)
        self.assertGreater(len(prod.acked), rounds, "too few records acknowledged to mean much")
        print(report, flush=True)


if __name__ == "__main__":
    harness.main()
