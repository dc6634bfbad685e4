#!/usr/bin/python3
"""kafka-python (pure Python protocol code) against the real sluiced.

ProduceTest: KafkaProducer with acks all/1/0 (and gzip), KafkaConsumer with assign() and
seek(), fetch limits smaller than a record, beginning/end offsets, offsets_for_times and
the timestamps it answers, topic metadata, null header values written by librdkafka; on
small segments; data survives a clean restart. AdminTest (KafkaAdminClient) and GroupTest (subscribe in a group) run once the
broker lists the APIs they need in ApiVersions, and are skipped with the reason until then.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_kafka_python.py [Class[.test]]
"""

import logging
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import records  # noqa: E402
from records import Record  # noqa: E402

harness.require_module("kafka", "Debian package python3-kafka")
import kafka.errors  # noqa: E402
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic  # noqa: E402

PARTITIONS = 5
TIMESTAMP_CREATE_TIME = 0  # kafka-python's ConsumerRecord.timestamp_type

# kafka-python logs every reconnect at ERROR/WARNING while the broker restarts.
logging.basicConfig(level=logging.CRITICAL)


def produce(test, bootstrap, topic, recs, acks, **conf):
    """Sends recs in order with explicit partitions and timestamps; returns the
    RecordMetadata of each, in send order."""
    p = KafkaProducer(bootstrap_servers=bootstrap, acks=acks, linger_ms=5,
                      max_request_size=4 << 20, request_timeout_ms=30000, **conf)
    try:
        futures = [p.send(topic, value=r.value, key=r.key, headers=r.headers,
                          partition=r.partition, timestamp_ms=r.timestamp) for r in recs]
        p.flush(30)
        return [f.get(timeout=30) for f in futures]
    finally:
        p.close(10)


def check_offsets(test, metas, recs, expected):
    """acks != 0: each partition's offsets are consecutive from 0 in send order, and each
    record's timestamp comes back."""
    per = {p: [] for p in expected}
    for m, r in zip(metas, recs):
        test.assertEqual(m.partition, r.partition)
        test.assertEqual(m.timestamp, r.timestamp, "RecordMetadata.timestamp (CreateTime)")
        per[m.partition].append(m.offset)
    for p, v in expected.items():
        test.assertEqual(per[p], list(range(len(v))), "partition %d: acknowledged offsets" % p)


def make_records(rng, count, partitions):
    # KafkaProducer.send() accepts only bytes header values (it asserts), so no nulls.
    return records.make_records(rng, count, partitions, null_header_values=False)


def new_consumer(bootstrap, **conf):
    conf.setdefault("max_partition_fetch_bytes", 1 << 20)
    return KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                         auto_offset_reset="none", request_timeout_ms=30000,
                         consumer_timeout_ms=1000, **conf)


def to_record(m):
    return Record(m.partition, m.key, m.value, list(m.headers), m.timestamp)


def consume(test, bootstrap, topic, ends, starts=None, timeout=60, **conf):
    """Reads each partition from starts[p] (default 0) until ends[p] with assign() +
    seek(); checks consecutive offsets and CreateTime; then a poll must bring nothing more."""
    starts = starts or {p: 0 for p in ends}
    c = new_consumer(bootstrap, **conf)
    try:
        tps = {p: TopicPartition(topic, p) for p in ends}
        c.assign(list(tps.values()))
        for p, tp in tps.items():
            c.seek(tp, starts[p])
        got = {p: [] for p in ends}
        next_off = dict(starts)
        deadline = time.monotonic() + timeout
        while next_off != ends:
            if time.monotonic() > deadline:
                test.fail("consume %s: timed out at %s, wanted %s" % (topic, next_off, ends))
            for tp, msgs in c.poll(timeout_ms=500, max_records=2000).items():
                for m in msgs:
                    test.assertEqual(m.offset, next_off[tp.partition],
                                     "partition %d: offsets must be consecutive" % tp.partition)
                    test.assertEqual(m.timestamp_type, TIMESTAMP_CREATE_TIME)
                    next_off[tp.partition] += 1
                    got[tp.partition].append(to_record(m))
        extra = c.poll(timeout_ms=300)
        test.assertEqual(sum(len(v) for v in extra.values()), 0, "records past the end")
        return got
    finally:
        c.close()


def ends_of(expected):
    return {p: len(v) for p, v in expected.items()}


class ProduceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = harness.seeded_random(cls.__name__)
        # Small segments and a dense index: reads, time lookups and the restart cross
        # many segment boundaries.
        cls.broker = harness.Broker("num.partitions=%d" % PARTITIONS,
                                    "log.segment.bytes=262144", "log.index.interval.bytes=1024",
                                    name="sluiced")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def roundtrip(self, topic, count, acks, **conf):
        recs = make_records(self.rng, count, PARTITIONS)
        expected = records.by_partition(recs, PARTITIONS)
        metas = produce(self, self.broker.bootstrap, topic, recs, acks, **conf)
        if acks != 0:
            check_offsets(self, metas, recs, expected)
        else:
            self.assertTrue(all(m.offset == -1 for m in metas), "acks=0 knows no offsets")
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, "%s (acks=%s)" % (topic, acks))
        return expected

    def test_acks_all_5000_records_survive_restart(self):
        topic = "kp-acks-all"
        expected = self.roundtrip(topic, 5000, "all")
        self.broker.restart()
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, topic + " after a clean restart")

    def test_acks_1(self):
        self.roundtrip("kp-acks-1", 3000, 1)

    def test_acks_0(self):
        self.roundtrip("kp-acks-0", 3000, 0)

    def test_gzip(self):
        # gzip is the only codec kafka-python has without extra modules here.
        self.roundtrip("kp-gzip", 1500, 1, compression_type="gzip")

    def test_null_header_values_written_by_librdkafka(self):
        # KafkaProducer cannot write a null header value, librdkafka can; kafka-python's
        # decoder must get None back for each.
        try:
            import confluent_kafka
        except ImportError as e:
            self.skipTest("needs confluent_kafka to write null header values: %s" % e)
        topic = "kp-null-headers"
        recs = records.make_records(self.rng, 1000, PARTITIONS, null_header_values=True)
        self.assertTrue(any(v is None for r in recs for _, v in r.headers))
        p = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all",
                                      "linger.ms": 5})
        errors = []
        for r in recs:
            p.produce(topic, value=r.value, key=r.key, partition=r.partition,
                      headers=r.headers or None, timestamp=r.timestamp,
                      on_delivery=lambda err, _: err and errors.append(str(err)))
            p.poll(0)
        self.assertEqual(p.flush(30), 0)
        self.assertEqual(errors, [])
        expected = records.by_partition(recs, PARTITIONS)
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, topic)

    def test_fetch_limits_smaller_than_a_record(self):
        # KIP-74: the first batch of a response comes whole even when it is larger than
        # max_partition_fetch_bytes and fetch_max_bytes, so the consumer gets past it.
        topic = "kp-small-fetches"
        recs = make_records(self.rng, 600, PARTITIONS)
        recs = [r._replace(value=self.rng.randbytes(40_000)) if i % 50 == 0 else r
                for i, r in enumerate(recs)]
        expected = records.by_partition(recs, PARTITIONS)
        check_offsets(self, produce(self, self.broker.bootstrap, topic, recs, "all"), recs,
                      expected)
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected),
                      max_partition_fetch_bytes=4096, fetch_max_bytes=8192)
        records.compare(self, expected, got, topic + " with 4 KiB fetches")

    def test_assign_and_seek(self):
        topic = "kp-seek"
        recs = make_records(self.rng, 2000, PARTITIONS)
        expected = records.by_partition(recs, PARTITIONS)
        check_offsets(self, produce(self, self.broker.bootstrap, topic, recs, 1), recs, expected)
        starts = {p: (len(v) * 2) // 3 for p, v in expected.items()}
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected), starts)
        records.compare(self, {p: v[starts[p]:] for p, v in expected.items()}, got,
                        topic + " from two thirds in")
        c = new_consumer(self.broker.bootstrap)
        try:
            part = max(expected, key=lambda p: len(expected[p]))
            tp = TopicPartition(topic, part)
            n = len(expected[part])
            c.assign([tp])
            for target in (n - 1, 0, n // 2, 3, n // 2 + 11):
                c.seek(tp, target)
                msgs = c.poll(timeout_ms=5000, max_records=1).get(tp, [])
                self.assertEqual(len(msgs), 1, "a record after seek(%d)" % target)
                self.assertEqual(msgs[0].offset, target)
                records.compare(self, {part: [expected[part][target]]},
                                {part: [to_record(msgs[0])]}, "%s seek to %d" % (topic, target))
                self.assertEqual(c.position(tp), target + 1)
            c.seek_to_beginning(tp)
            self.assertEqual(c.position(tp), 0)
            c.seek_to_end(tp)
            self.assertEqual(c.position(tp), n)
        finally:
            c.close()

    def times_topic(self):
        """A topic whose record timestamps are known, made once for the tests below."""
        if getattr(type(self), "_times", None) is None:
            topic = "kp-times"
            recs = make_records(self.rng, 2000, PARTITIONS)
            expected = records.by_partition(recs, PARTITIONS)
            check_offsets(self, produce(self, self.broker.bootstrap, topic, recs, "all"), recs,
                          expected)
            type(self)._times = (topic, expected)
        return type(self)._times

    def time_queries(self, prs):
        """(timestamp asked, offset expected or None) for a partition's records."""
        queries = [(0, 0), (prs[-1].timestamp, len(prs) - 1), (prs[-1].timestamp + 1, None)]
        for i in self.rng.sample(range(1, len(prs)), 15):
            queries.append((prs[i].timestamp, i))
            if prs[i - 1].timestamp < prs[i].timestamp - 1:
                queries.append((prs[i].timestamp - 1, i))  # between two records: the later
        return queries

    def test_beginning_end_offsets_and_offsets_for_times(self):
        topic, expected = self.times_topic()
        c = new_consumer(self.broker.bootstrap)
        try:
            tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
            self.assertEqual(c.beginning_offsets(tps), {tp: 0 for tp in tps})
            self.assertEqual(c.end_offsets(tps), {tp: len(expected[tp.partition]) for tp in tps})
            for tp in tps:
                for ts, want in self.time_queries(expected[tp.partition]):
                    got = c.offsets_for_times({tp: ts})[tp]
                    if want is None:
                        self.assertIsNone(got, "offsets_for_times(%d) past the last record" % ts)
                    else:
                        self.assertIsNotNone(got, "offsets_for_times(%d)" % ts)
                        self.assertEqual(got.offset, want, "partition %d: offsets_for_times(%d)"
                                         % (tp.partition, ts))
        finally:
            c.close()

    def test_offsets_for_times_answers_the_found_records_timestamp(self):
        # Kafka's ListOffsets (v1+) answers the timestamp of the record it found, which
        # kafka-python returns as OffsetAndTimestamp.timestamp; not the time asked for.
        topic, expected = self.times_topic()
        c = new_consumer(self.broker.bootstrap)
        try:
            wrong = []
            for p, prs in expected.items():
                tp = TopicPartition(topic, p)
                for ts, want in self.time_queries(prs):
                    got = c.offsets_for_times({tp: ts})[tp]
                    if want is not None and got is not None and got.offset == want and \
                            got.timestamp != prs[want].timestamp:
                        wrong.append("partition %d: asked %d, found offset %d whose timestamp "
                                     "is %d, answered timestamp %d"
                                     % (p, ts, want, prs[want].timestamp, got.timestamp))
            self.assertEqual(wrong[:5], [], "%d ListOffsets answers carry the wrong timestamp"
                             % len(wrong))
        finally:
            c.close()

    def test_metadata(self):
        topic = "kp-metadata"
        produce(self, self.broker.bootstrap, topic,
                make_records(self.rng, 20, PARTITIONS), 1)
        c = new_consumer(self.broker.bootstrap)
        try:
            self.assertIn(topic, c.topics())
            self.assertEqual(c.partitions_for_topic(topic), set(range(PARTITIONS)))
            self.assertIsNone(c.partitions_for_topic("kp-never-created"))
        finally:
            c.close()


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = harness.seeded_random(cls.__name__)
        cls.broker = harness.Broker("num.partitions=1", name="sluiced")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def need(self, *keys):
        self.broker.skip_unless_apis(self, {k: harness.ADMIN_APIS[k] for k in keys},
                                     "KafkaAdminClient")

    def admin(self):
        a = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap, request_timeout_ms=15000)
        self.addCleanup(a.close)
        return a

    def partitions(self, topic):
        for t in self.admin().describe_topics([topic]):
            if t["topic"] == topic and t["error_code"] == 0:
                return sorted(p["partition"] for p in t["partitions"])
        return None

    def test_create_topics_then_produce_and_consume(self):
        self.need(19)
        a = self.admin()
        topic = "kp-admin-created"
        a.create_topics([NewTopic(topic, 6, 1, topic_configs={"retention.ms": "86400000"})],
                        timeout_ms=10000)
        self.assertIn(topic, a.list_topics())
        self.assertEqual(self.partitions(topic), list(range(6)))
        with self.assertRaises(kafka.errors.TopicAlreadyExistsError):
            a.create_topics([NewTopic(topic, 6, 1)])
        a.create_topics([NewTopic("kp-admin-validate", 2, 1)], validate_only=True)
        self.assertNotIn("kp-admin-validate", a.list_topics())
        recs = make_records(self.rng, 1200, 6)
        expected = records.by_partition(recs, 6)
        check_offsets(self, produce(self, self.broker.bootstrap, topic, recs, "all"), recs,
                      expected)
        records.compare(self, expected,
                        consume(self, self.broker.bootstrap, topic, ends_of(expected)), topic)

    def test_describe_configs(self):
        self.need(19, 32)
        a = self.admin()
        topic = "kp-admin-configs"
        a.create_topics([NewTopic(topic, 2, 1, topic_configs={"retention.ms": "123456789"})])
        (resp,) = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        (res,) = resp.resources
        self.assertEqual(res[0], 0, "DescribeConfigs error code")
        configs = {e[0]: e[1] for e in res[4]}
        self.assertEqual(configs.get("retention.ms"), "123456789")
        self.assertIn("segment.bytes", configs)

    def test_create_partitions(self):
        self.need(19, 37)
        a = self.admin()
        topic = "kp-admin-grow"
        a.create_topics([NewTopic(topic, 2, 1)])
        a.create_partitions({topic: NewPartitions(4)})
        self.assertEqual(self.partitions(topic), list(range(4)))
        recs = make_records(self.rng, 400, 4)
        expected = records.by_partition(recs, 4)
        check_offsets(self, produce(self, self.broker.bootstrap, topic, recs, 1), recs, expected)
        records.compare(self, expected,
                        consume(self, self.broker.bootstrap, topic, ends_of(expected)), topic)

    def test_delete_topics(self):
        self.need(19, 20)
        a = self.admin()
        topic = "kp-admin-deleted"
        a.create_topics([NewTopic(topic, 3, 1)])
        produce(self, self.broker.bootstrap, topic, make_records(self.rng, 300, 3), 1)
        a.delete_topics([topic], timeout_ms=10000)
        self.assertNotIn(topic, a.list_topics())
        with self.assertRaises(kafka.errors.UnknownTopicOrPartitionError):
            a.delete_topics([topic])


class GroupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = harness.seeded_random(cls.__name__)
        cls.broker = harness.Broker("num.partitions=%d" % PARTITIONS, name="sluiced")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def test_subscribe_commit_resume(self):
        self.broker.skip_unless_apis(self, harness.GROUP_APIS, "KafkaConsumer.subscribe()")
        topic = "kp-group"
        recs = make_records(self.rng, 2000, PARTITIONS)
        produce(self, self.broker.bootstrap, topic, recs, "all")

        def read(n):
            c = KafkaConsumer(topic, bootstrap_servers=self.broker.bootstrap, group_id="kp-g1",
                              auto_offset_reset="earliest", enable_auto_commit=False)
            got = {p: [] for p in range(PARTITIONS)}
            total = 0
            deadline = time.monotonic() + 60
            while total < n and time.monotonic() < deadline:
                for tp, msgs in c.poll(timeout_ms=500).items():
                    got[tp.partition] += [to_record(m) for m in msgs]
                    total += len(msgs)
            c.commit()
            c.close()
            self.assertEqual(total, n)
            return got

        records.compare(self, records.by_partition(recs, PARTITIONS), read(2000),
                        topic + " via subscribe")
        more = make_records(self.rng, 300, PARTITIONS)
        produce(self, self.broker.bootstrap, topic, more, "all")
        records.compare(self, records.by_partition(more, PARTITIONS), read(300),
                        topic + " resumed from committed offsets")


if __name__ == "__main__":
    harness.main()
