#!/usr/bin/python3
"""confluent-kafka (librdkafka) against the real sluiced.

ProduceTest: Producer with acks all/1/0 and every codec, Consumer with assign() and
seek(), offsets_for_times (also with CreateTime going back and forth),
get_watermark_offsets, list_topics, a long-polling fetch woken by new data; data survives
a clean restart and a kill -9 (acks=all). LogAppendTimeTest: a broker that stamps append
times. AdminTest (AdminClient) and GroupTest (subscribe) run once the broker lists the
APIs they need in ApiVersions, and are skipped with the reason until then.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_confluent_kafka.py [Class[.test]]
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import records  # noqa: E402
from records import Record  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
from confluent_kafka import (  # noqa: E402
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import (  # noqa: E402
    AdminClient,
    ConfigResource,
    NewPartitions,
    NewTopic,
)

PARTITIONS = 4
TIMESTAMP_CREATE_TIME = 1
TIMESTAMP_LOG_APPEND_TIME = 2


def produce(test, bootstrap, topic, recs, acks, **conf):
    """Produces recs in order (explicit partitions and timestamps); returns the delivery
    reports [(partition, offset, (timestamp type, timestamp))] in delivery order, all
    checked error-free."""
    reports = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append("partition %s: %s" % (msg.partition(), err))
        else:
            reports.append((msg.partition(), msg.offset(), msg.timestamp()))

    p = Producer({
        "bootstrap.servers": bootstrap,
        "log.connection.close": False,
        "acks": str(acks),
        "linger.ms": 5,
        "message.timeout.ms": 30000,
        **conf,
    })
    for r in recs:
        while True:
            try:
                p.produce(topic, value=r.value, key=r.key, partition=r.partition,
                          headers=r.headers or None, timestamp=r.timestamp,
                          on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(30)
    test.assertEqual(left, 0, "%d messages still undelivered after 30 s" % left)
    test.assertEqual(errors, [], "delivery errors")
    test.assertEqual(len(reports), len(recs))
    return reports


def make_records(rng, count, partitions):
    # confluent-kafka 1.7.0 drops a reference to None for each consumed header whose value
    # is null, and the interpreter aborts later ("none_dealloc"); fixed in 1.8. Null
    # header values written by librdkafka are read back by test_kafka_python.py.
    return records.make_records(rng, count, partitions, null_header_values=False)


def new_consumer(bootstrap, **conf):
    # librdkafka wants a group.id even for assign(); nothing is committed with it.
    return Consumer({
        "bootstrap.servers": bootstrap,
        "log.connection.close": False,
        "group.id": "sluice-assign-only",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "error",
        **conf,
    })


def to_record(m):
    headers = m.headers() or []
    return Record(m.partition(), m.key(), m.value(), list(headers), m.timestamp()[1])


def consume(test, bootstrap, topic, ends, starts=None, timeout=60,
            timestamp_type=TIMESTAMP_CREATE_TIME):
    """Reads each partition p from starts[p] (default 0) to ends[p] with assign();
    returns {p: [Record]} after checking offsets are consecutive and the partition EOF
    came exactly at ends[p]."""
    starts = starts or {p: 0 for p in ends}
    c = new_consumer(bootstrap)
    try:
        c.assign([TopicPartition(topic, p, starts[p]) for p in ends])
        got = {p: [] for p in ends}
        next_off = dict(starts)
        at_end = set()
        deadline = time.monotonic() + timeout
        while len(at_end) < len(ends):
            if time.monotonic() > deadline:
                test.fail("consume %s: timed out; next offsets %s, wanted ends %s"
                          % (topic, next_off, ends))
            for m in c.consume(num_messages=1000, timeout=0.5):
                p = m.partition()
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        if next_off[p] >= ends[p]:
                            at_end.add(p)
                        continue
                    test.fail("consume %s: %s" % (topic, m.error()))
                test.assertEqual(m.offset(), next_off[p],
                                 "partition %d: offsets must be consecutive" % p)
                test.assertEqual(m.timestamp()[0], timestamp_type,
                                 "partition %d offset %d: timestamp type" % (p, m.offset()))
                next_off[p] += 1
                got[p].append(to_record(m))
        test.assertEqual(next_off, ends, "consume %s: read past the end" % topic)
        return got
    finally:
        c.close()


def check_reports(test, reports, expected):
    """Each partition's delivery reports carry consecutive offsets from 0 in produce order."""
    per = {p: [] for p in expected}
    for p, off, _ in reports:
        per[p].append(off)
    for p, recs in expected.items():
        test.assertEqual(per[p], list(range(len(recs))),
                         "partition %d: delivery report offsets" % p)


def ends_of(expected):
    return {p: len(v) for p, v in expected.items()}


class ProduceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = harness.seeded_random(cls.__name__)
        cls.broker = harness.Broker("num.partitions=%d" % PARTITIONS, name="sluiced")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def roundtrip(self, topic, count, acks, **conf):
        recs = make_records(self.rng, count, PARTITIONS)
        expected = records.by_partition(recs, PARTITIONS)
        reports = produce(self, self.broker.bootstrap, topic, recs, acks, **conf)
        if acks != 0:
            check_reports(self, reports, expected)
        else:
            # acks=0: nothing comes back, so librdkafka cannot know the offsets.
            self.assertTrue(all(off is None or off < 0 for _, off, _ in reports), reports[:5])
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, "%s (acks=%s)" % (topic, acks))
        return expected

    def test_acks_all_5000_records_survive_restart(self):
        topic = "ck-acks-all"
        expected = self.roundtrip(topic, 5000, "all")
        self.broker.restart()
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, topic + " after a clean restart")
        c = new_consumer(self.broker.bootstrap)
        try:
            for p, recs in expected.items():
                self.assertEqual(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10),
                                 (0, len(recs)), "watermarks of partition %d" % p)
        finally:
            c.close()

    def test_acks_1(self):
        self.roundtrip("ck-acks-1", 3000, 1)

    def test_acks_0(self):
        self.roundtrip("ck-acks-0", 3000, 0)

    def test_compression_codecs(self):
        for codec in ("gzip", "snappy", "lz4", "zstd"):
            with self.subTest(codec=codec):
                self.roundtrip("ck-codec-" + codec, 1000, "all", **{"compression.codec": codec})

    def test_assign_and_seek(self):
        topic = "ck-seek"
        recs = make_records(self.rng, 2000, PARTITIONS)
        expected = records.by_partition(recs, PARTITIONS)
        check_reports(self, produce(self, self.broker.bootstrap, topic, recs, 1), expected)
        # Start in the middle of each partition: exactly the tail comes back.
        starts = {p: len(v) // 3 for p, v in expected.items()}
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected), starts)
        records.compare(self, {p: v[starts[p]:] for p, v in expected.items()}, got,
                        topic + " from the middle")
        # seek() back and forth on an assigned partition.
        c = new_consumer(self.broker.bootstrap)
        try:
            part = max(expected, key=lambda p: len(expected[p]))
            n = len(expected[part])
            c.assign([TopicPartition(topic, part, OFFSET_END)])
            for target in (0, n - 1, n // 2, 1, n // 2 + 7):
                self._seek(c, TopicPartition(topic, part, target))
                m = self._next_message(c)
                self.assertEqual((m.partition(), m.offset()), (part, target), "after seek")
                records.compare(self, {part: [expected[part][target]]}, {part: [to_record(m)]},
                                "%s seek to %d" % (topic, target))
        finally:
            c.close()

    def _seek(self, c, tp):
        # seek() needs the partition to be fetching already (librdkafka answers "Erroneous
        # state" before that): poll and try again.
        deadline = time.monotonic() + 10
        while True:
            try:
                c.seek(tp)
                return
            except KafkaException:
                if time.monotonic() > deadline:
                    raise
                c.poll(0.1)

    def _next_message(self, c, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                self.fail(str(m.error()))
            return m
        self.fail("no message within %d s" % timeout)

    def test_offsets_for_times_and_watermarks(self):
        topic = "ck-times"
        recs = make_records(self.rng, 2000, PARTITIONS)
        expected = records.by_partition(recs, PARTITIONS)
        check_reports(self, produce(self, self.broker.bootstrap, topic, recs, "all"), expected)
        c = new_consumer(self.broker.bootstrap)
        try:
            for p, prs in expected.items():
                tp = lambda ts: TopicPartition(topic, p, ts)  # noqa: E731
                self.assertEqual(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10),
                                 (0, len(prs)))
                queries = [(0, 0), (prs[0].timestamp, 0), (prs[-1].timestamp, len(prs) - 1),
                           (prs[-1].timestamp + 1, -1)]
                for i in self.rng.sample(range(1, len(prs)), 20):
                    queries.append((prs[i].timestamp, i))
                    # Between the previous record's time and this one's: this one.
                    if prs[i - 1].timestamp < prs[i].timestamp - 1:
                        queries.append((prs[i].timestamp - 1, i))
                # One partition appears once per request: librdkafka merges duplicates.
                for ts, want in queries + [(OFFSET_END, len(prs)), (OFFSET_BEGINNING, 0)]:
                    (r,) = c.offsets_for_times([tp(ts)], timeout=10)
                    self.assertIsNone(r.error)
                    self.assertEqual(r.offset, want,
                                     "partition %d: offsets_for_times(%d)" % (p, ts))
        finally:
            c.close()

    def test_list_topics(self):
        topic = "ck-metadata"
        produce(self, self.broker.bootstrap, topic,
                make_records(self.rng, 10, PARTITIONS), 1)
        c = new_consumer(self.broker.bootstrap)
        try:
            md = c.list_topics(timeout=10)
            self.assertEqual(md.controller_id, 0)
            self.assertEqual(list(md.brokers), [0])
            self.assertEqual((md.brokers[0].host, md.brokers[0].port),
                             ("127.0.0.1", self.broker.port))
            self.assertTrue(md.cluster_id)
            self.assertIn(topic, md.topics)
            t = md.topics[topic]
            self.assertIsNone(t.error)
            self.assertEqual(sorted(t.partitions), list(range(PARTITIONS)))
            for p in t.partitions.values():
                self.assertEqual((p.leader, p.replicas, p.isrs, p.error), (0, [0], [0], None))
            # A single-topic request, and the same cluster id after a restart.
            one = c.list_topics(topic, timeout=10)
            self.assertEqual(list(one.topics), [topic])
        finally:
            c.close()

    def test_offsets_for_times_with_out_of_order_timestamps(self):
        # CreateTime is the producer's: in a partition it may go back and forth. ListOffsets
        # answers the first offset whose timestamp is at or after the time asked.
        topic = "ck-times-unordered"
        base = records.now_ms() - 600_000
        recs = [r._replace(partition=0, timestamp=base + self.rng.randrange(100_000))
                for r in make_records(self.rng, 3000, 1)]
        check_reports(self, produce(self, self.broker.bootstrap, topic, recs, "all"),
                      {0: recs})
        stamps = [r.timestamp for r in recs]
        c = new_consumer(self.broker.bootstrap)
        try:
            targets = [0, min(stamps), max(stamps), max(stamps) + 1]
            targets += [self.rng.randrange(base, base + 100_000) for _ in range(40)]
            for ts in targets:
                want = next((i for i, s in enumerate(stamps) if s >= ts), -1)
                (r,) = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)
                self.assertEqual(r.offset, want, "offsets_for_times(%d)" % ts)
        finally:
            c.close()
        records.compare(self, {0: recs},
                        consume(self, self.broker.bootstrap, topic, {0: len(recs)}), topic)

    def test_long_poll_wakes_on_new_data(self):
        # A consumer waiting at the end (fetch.wait.max.ms 10 s) gets records produced later
        # as soon as they are visible (acks=all answered: the high watermark has passed
        # them), well before its waiting fetch would time out.
        topic = "ck-long-poll"
        initial = make_records(self.rng, 10, PARTITIONS)
        produce(self, self.broker.bootstrap, topic, initial, "all")
        c = new_consumer(self.broker.bootstrap, **{"fetch.wait.max.ms": 10000})
        try:
            c.assign([TopicPartition(topic, p, OFFSET_END) for p in range(PARTITIONS)])
            # Poll for 2 s: the end offsets are looked up and the fetches start waiting on
            # the broker (no EOF comes: the first fetch at the end is still waiting).
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                m = c.poll(0.1)
                self.assertTrue(m is None or m.error(), "no records yet")
            recs = make_records(self.rng, 50, PARTITIONS)
            sent = {}

            def later():
                try:
                    produce(self, self.broker.bootstrap, topic, recs, "all")
                    sent["visible"] = time.monotonic()
                except BaseException as e:  # noqa: B036 (reported by the main thread)
                    sent["error"] = e

            t = threading.Thread(target=later)
            t.start()
            got = {p: [] for p in range(PARTITIONS)}
            n = last = 0
            deadline = time.monotonic() + 40
            while n < len(recs) and time.monotonic() < deadline:
                if "visible" in sent and time.monotonic() > sent["visible"] + 5:
                    break
                m = c.poll(0.1)
                if m is None or m.error():
                    continue
                got[m.partition()].append(to_record(m))
                n += 1
                last = time.monotonic()
            t.join()
            if "error" in sent:
                raise sent["error"]
            base = records.by_partition(initial, PARTITIONS)
            expected = records.by_partition(recs, PARTITIONS)
            self.assertEqual(n, len(recs), "records received within 5 s of being visible: %s"
                             % {p: "%d/%d" % (len(got[p]), len(expected[p])) for p in got})
            records.compare(self, expected, got, topic + " (after offsets %s)"
                            % {p: len(v) for p, v in base.items()})
            self.assertLess(last - sent["visible"], 3.0, "the waiting fetch was not woken "
                            "(it answered only when its 10 s wait ran out)")
        finally:
            c.close()

    def test_kill9_keeps_acknowledged_records(self):
        topic = "ck-kill9"
        recs = make_records(self.rng, 3000, PARTITIONS)
        expected = records.by_partition(recs, PARTITIONS)
        check_reports(self, produce(self, self.broker.bootstrap, topic, recs, "all"), expected)
        self.broker.kill9()
        self.broker.start()
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, topic + " after kill -9 (acks=all)")
        # And the broker goes on appending after the recovery.
        more = make_records(self.rng, 500, PARTITIONS)
        reports = produce(self, self.broker.bootstrap, topic, more, "all")
        for p, off, _ in reports:
            self.assertGreaterEqual(off, len(expected[p]))
        for r in more:
            expected[r.partition].append(r)
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, topic + " appended after recovery")


class LogAppendTimeTest(unittest.TestCase):
    """log.message.timestamp.type=LogAppendTime: the broker stamps each batch."""

    @classmethod
    def setUpClass(cls):
        cls.rng = harness.seeded_random(cls.__name__)
        cls.broker = harness.Broker("num.partitions=%d" % PARTITIONS,
                                    "log.message.timestamp.type=LogAppendTime", name="sluiced")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def test_broker_stamps_append_time(self):
        topic = "ck-log-append-time"
        recs = make_records(self.rng, 2000, PARTITIONS)  # with old CreateTime stamps
        expected = records.by_partition(recs, PARTITIONS)
        t0 = records.now_ms()
        reports = produce(self, self.broker.bootstrap, topic, recs, "all")
        t1 = records.now_ms()
        check_reports(self, reports, expected)
        for p, off, (ttype, ts) in reports:
            self.assertEqual(ttype, TIMESTAMP_LOG_APPEND_TIME,
                             "delivery report of partition %d offset %d: timestamp type" % (p, off))
            self.assertTrue(t0 <= ts <= t1, "delivery report: append time %d not in [%d, %d]"
                            % (ts, t0, t1))
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected),
                      timestamp_type=TIMESTAMP_LOG_APPEND_TIME)
        records.compare(self, expected, got, topic, check_timestamps=False)
        acked = {(p, off): ts for p, off, (_, ts) in reports}
        for p, msgs in got.items():
            for off, m in enumerate(msgs):
                self.assertEqual(m.timestamp, acked[(p, off)],
                                 "partition %d offset %d: the append time read back is not "
                                 "the one acknowledged" % (p, off))
        # offsets_for_times goes by the append times.
        c = new_consumer(self.broker.bootstrap)
        try:
            for p, msgs in got.items():
                stamps = [m.timestamp for m in msgs]
                for ts in (0, stamps[len(stamps) // 2], stamps[-1] + 1):
                    want = next((i for i, s in enumerate(stamps) if s >= ts), -1)
                    (r,) = c.offsets_for_times([TopicPartition(topic, p, ts)], timeout=10)
                    self.assertEqual(r.offset, want, "partition %d: offsets_for_times(%d)"
                                     % (p, ts))
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

    def admin(self):
        return AdminClient({"bootstrap.servers": self.broker.bootstrap,
                            "log.connection.close": False})

    def need(self, *keys):
        self.broker.skip_unless_apis(self, {k: harness.ADMIN_APIS[k] for k in keys},
                                     "AdminClient")

    def metadata(self, topic):
        a = self.admin()
        return a.list_topics(timeout=10).topics.get(topic)

    def test_create_topics_then_produce_and_consume(self):
        self.need(19)
        a = self.admin()
        topic = "ck-admin-created"
        fs = a.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1,
                                       config={"retention.ms": "86400000"})],
                             operation_timeout=10)
        self.assertIsNone(fs[topic].result(15))
        t = self.metadata(topic)
        self.assertIsNotNone(t, "created topic is not in metadata")
        self.assertEqual(sorted(t.partitions), list(range(6)))
        # Again: TOPIC_ALREADY_EXISTS.
        fs = a.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
        with self.assertRaises(Exception) as cm:
            fs[topic].result(15)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.TOPIC_ALREADY_EXISTS)
        # validate_only creates nothing.
        fs = a.create_topics([NewTopic("ck-admin-validate", num_partitions=2,
                                       replication_factor=1)], validate_only=True)
        self.assertIsNone(fs["ck-admin-validate"].result(15))
        self.assertIsNone(self.metadata("ck-admin-validate"))
        # The new topic carries data on all six partitions.
        recs = make_records(self.rng, 1200, 6)
        expected = records.by_partition(recs, 6)
        check_reports(self, produce(self, self.broker.bootstrap, topic, recs, "all"), expected)
        got = consume(self, self.broker.bootstrap, topic, ends_of(expected))
        records.compare(self, expected, got, topic)

    def test_describe_configs(self):
        self.need(19, 32)
        a = self.admin()
        topic = "ck-admin-configs"
        fs = a.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1,
                                       config={"retention.ms": "123456789",
                                               "cleanup.policy": "delete"})])
        fs[topic].result(15)
        res = ConfigResource(ConfigResource.Type.TOPIC, topic)
        configs = a.describe_configs([res])[res].result(15)
        self.assertIn("retention.ms", configs)
        self.assertEqual(configs["retention.ms"].value, "123456789")
        self.assertFalse(configs["retention.ms"].is_default)
        self.assertEqual(configs["cleanup.policy"].value, "delete")
        # A key left unset reports its default.
        self.assertIn("segment.bytes", configs)
        self.assertTrue(configs["segment.bytes"].is_default)
        # The topic's own settings are kept across a restart.
        self.broker.restart()
        a = self.admin()  # (a client must outlive its futures)
        configs = a.describe_configs([res])[res].result(15)
        self.assertEqual(configs["retention.ms"].value, "123456789", "after a restart")
        self.assertFalse(configs["retention.ms"].is_default)
        # The broker resource describes the broker's settings (num.partitions=1 here).
        broker_res = ConfigResource(ConfigResource.Type.BROKER, "0")
        configs = a.describe_configs([broker_res])[broker_res].result(15)
        self.assertEqual(configs["num.partitions"].value, "1")

    def test_create_topics_errors(self):
        self.need(19)
        a = self.admin()
        cases = [
            (NewTopic("ck-bad-partitions", num_partitions=0, replication_factor=1),
             KafkaError.INVALID_PARTITIONS),
            (NewTopic("ck-bad-replication", num_partitions=1, replication_factor=3),
             KafkaError.INVALID_REPLICATION_FACTOR),
            (NewTopic("ck-bad-config", num_partitions=1, replication_factor=1,
                      config={"retention.ms": "soon"}), KafkaError.INVALID_CONFIG),
            (NewTopic("ck-bad/name", num_partitions=1, replication_factor=1),
             KafkaError.TOPIC_EXCEPTION),
        ]
        for new_topic, code in cases:
            with self.subTest(topic=new_topic.topic):
                fs = a.create_topics([new_topic], operation_timeout=10)
                with self.assertRaises(Exception) as cm:
                    fs[new_topic.topic].result(15)
                err = cm.exception.args[0]
                self.assertEqual(err.code(), code, str(err))
                self.assertIsNone(self.metadata(new_topic.topic))

    def test_create_partitions(self):
        self.need(19, 37)
        a = self.admin()
        topic = "ck-admin-grow"
        a.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(15)
        a.create_partitions([NewPartitions(topic, 5)])[topic].result(15)
        self.assertEqual(sorted(self.metadata(topic).partitions), list(range(5)))
        # Shrinking is refused.
        with self.assertRaises(Exception) as cm:
            a.create_partitions([NewPartitions(topic, 3)])[topic].result(15)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.INVALID_PARTITIONS)
        recs = make_records(self.rng, 500, 5)
        expected = records.by_partition(recs, 5)
        check_reports(self, produce(self, self.broker.bootstrap, topic, recs, 1), expected)
        records.compare(self, expected,
                        consume(self, self.broker.bootstrap, topic, ends_of(expected)), topic)
        self.broker.restart()
        self.assertEqual(sorted(self.metadata(topic).partitions), list(range(5)),
                         "partitions after a restart")
        records.compare(self, expected,
                        consume(self, self.broker.bootstrap, topic, ends_of(expected)),
                        topic + " after a restart")

    def test_delete_topics(self):
        self.need(19, 20)
        a = self.admin()
        topic = "ck-admin-deleted"
        a.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(15)
        produce(self, self.broker.bootstrap, topic, make_records(self.rng, 300, 3), 1)
        self.assertIsNone(a.delete_topics([topic], operation_timeout=10)[topic].result(15))
        self.assertIsNone(self.metadata(topic), "deleted topic still in metadata")
        with self.assertRaises(Exception) as cm:
            a.delete_topics([topic])[topic].result(15)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.UNKNOWN_TOPIC_OR_PART)
        # Gone after a restart too.
        self.broker.restart()
        self.assertIsNone(self.metadata(topic), "deleted topic back after a restart")


class GroupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = harness.seeded_random(cls.__name__)
        cls.broker = harness.Broker("num.partitions=%d" % PARTITIONS, name="sluiced")

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def test_subscribe_commit_resume(self):
        self.broker.skip_unless_apis(self, harness.GROUP_APIS, "Consumer.subscribe()")
        topic = "ck-group"
        recs = make_records(self.rng, 2000, PARTITIONS)
        expected = records.by_partition(recs, PARTITIONS)
        check_reports(self, produce(self, self.broker.bootstrap, topic, recs, "all"), expected)

        def read(n):
            c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "ck-g1",
                          "auto.offset.reset": "earliest", "enable.auto.commit": False})
            c.subscribe([topic])
            got = {p: [] for p in range(PARTITIONS)}
            total = 0
            deadline = time.monotonic() + 60
            while total < n and time.monotonic() < deadline:
                for m in c.consume(500, 0.5):
                    self.assertIsNone(m.error())
                    got[m.partition()].append(to_record(m))
                    total += 1
            c.commit(asynchronous=False)
            c.close()
            self.assertEqual(total, n)
            return got

        records.compare(self, expected, read(2000), topic + " via subscribe")
        more = make_records(self.rng, 300, PARTITIONS)
        produce(self, self.broker.bootstrap, topic, more, "all")
        records.compare(self, records.by_partition(more, PARTITIONS), read(300),
                        topic + " resumed from committed offsets")


if __name__ == "__main__":
    harness.main()
