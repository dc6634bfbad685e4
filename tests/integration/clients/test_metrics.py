#!/usr/bin/python3
"""The metrics endpoint (metrics.listener) of the real sluiced, read with the Prometheus
client's own parser (Debian package python3-prometheus-client).

Scrapes /metrics, produces several thousand records to two topics with kcat (acks=all),
fetches one of them back, scrapes again, and checks that the counters moved by exactly
what was sent (records) or at least the payload (bytes), that every histogram is
well-formed (cumulative buckets, +Inf == _count), the committed-offset lag of a group,
404/405/400/431 answers, and that neither a garbage request nor a client that connects
and sends nothing disturbs the broker or later scrapes.

Run: SLUICED=build/.../sluiced /usr/bin/python3 test_metrics.py
"""

import http.client
import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

KCAT = harness.require_program("kcat", "Debian package kcat")
harness.require_module("prometheus_client", "Debian package python3-prometheus-client")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

PARTITIONS = 2
TOPICS = {"metrics-a": 3000, "metrics-b": 2000}  # topic -> records produced


def kcat(*args, input=None, timeout=60):
    return harness.run_program(KCAT, *args, input=input, timeout=timeout)


class Scrape:
    """One parsed /metrics answer: samples by (name, labels) and the families' types."""

    def __init__(self, text):
        self.text = text
        self.types = {}
        self.samples = {}
        self.families = list(text_string_to_metric_families(text))
        for f in self.families:
            self.types[f.name] = f.type
            for s in f.samples:
                key = (s.name, frozenset(s.labels.items()))
                if key in self.samples:
                    raise AssertionError("duplicate sample %s %s" % (s.name, s.labels))
                self.samples[key] = s.value

    def get(self, name, default=None, **labels):
        return self.samples.get((name, frozenset(labels.items())), default)

    def total(self, name, **match):
        """Sum over every sample of `name` whose labels include `match`."""
        out = 0.0
        for (n, labels), v in self.samples.items():
            d = dict(labels)
            if n == name and all(d.get(k) == val for k, val in match.items()):
                out += v
        return out

    def series(self, name):
        return [dict(labels) for (n, labels) in self.samples if n == name]


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = harness.Broker("metrics.listener=127.0.0.1:0",
                                    "num.partitions=%d" % PARTITIONS,
                                    "group.initial.rebalance.delay.ms=0")
        m = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", cls.broker.log_text())
        if not m:
            raise AssertionError("no metrics port in the log:\n" + cls.broker.log_text())
        cls.port = int(m.group(1))

    @classmethod
    def tearDownClass(cls):
        cls.broker.close()

    def http(self, method, path, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path)
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def scrape(self):
        status, headers, body = self.http("GET", "/metrics")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("Content-Type", "").split(";")[:2],
                         ["text/plain", " version=0.0.4"])
        self.assertEqual(headers.get("Connection"), "close")
        scrape = Scrape(body.decode("utf-8"))
        self.check_histograms(scrape)
        return scrape

    def check_histograms(self, scrape):
        """Every histogram: buckets cumulative in le order, +Inf bucket == _count."""
        for f in scrape.families:
            if f.type != "histogram":
                continue
            by_series = {}
            for s in f.samples:
                labels = {k: v for k, v in s.labels.items() if k != "le"}
                key = frozenset(labels.items())
                entry = by_series.setdefault(key, {"buckets": [], "count": None, "sum": None})
                if s.name == f.name + "_bucket":
                    entry["buckets"].append((float(s.labels["le"]), s.value))
                elif s.name == f.name + "_count":
                    entry["count"] = s.value
                elif s.name == f.name + "_sum":
                    entry["sum"] = s.value
            self.assertTrue(by_series, "histogram %s has no series" % f.name)
            for key, e in by_series.items():
                where = "%s %s" % (f.name, dict(key))
                les = [le for le, _ in e["buckets"]]
                self.assertEqual(les, sorted(les), where)
                self.assertEqual(les[-1], float("inf"), where)
                counts = [c for _, c in e["buckets"]]
                self.assertEqual(counts, sorted(counts), "buckets not cumulative: " + where)
                self.assertEqual(counts[-1], e["count"], "+Inf bucket != _count: " + where)
                self.assertIsNotNone(e["sum"], where)
                self.assertGreaterEqual(e["sum"], 0, where)

    def produce(self, topic, n):
        lines = [("%s record %06d " % (topic, i)).encode() + b"x" * (i % 50) for i in range(n)]
        kcat("-b", self.broker.bootstrap, "-P", "-t", topic, "-X", "acks=all",
             "-X", "linger.ms=5", input=b"\n".join(lines) + b"\n")
        return sum(len(v) for v in lines)

    def test_counters_move_by_what_was_sent(self):
        before = self.scrape()
        for name in ("sluice_produce_records_total", "sluice_produce_bytes_total",
                     "sluice_fetch_bytes_total", "sluice_requests_total",
                     "sluice_connections_accepted_total", "sluice_io_uring_submissions_total",
                     "sluice_io_uring_completions_total", "sluice_isr_shrinks_total",
                     "sluice_isr_expands_total"):
            self.assertEqual(before.types.get(name[:-len("_total")]), "counter", name)
        for name in ("sluice_requests_in_flight", "sluice_produce_waiting",
                     "sluice_fetch_waiting", "sluice_connections_open", "sluice_partitions",
                     "sluice_log_size_bytes", "sluice_consumer_group_lag",
                     "sluice_under_replicated_partitions", "sluice_io_uring_in_flight"):
            self.assertEqual(before.types.get(name), "gauge", name)
        for name in ("sluice_request_latency_seconds", "sluice_fdatasync_latency_seconds"):
            self.assertEqual(before.types.get(name), "histogram", name)

        payload = {t: self.produce(t, n) for t, n in TOPICS.items()}
        # Fetch all of the first topic back.
        out = kcat("-b", self.broker.bootstrap, "-C", "-t", "metrics-a", "-o", "beginning",
                   "-e", "-q", "-f", "%s\n").stdout
        self.assertEqual(out.count(b"\n"), TOPICS["metrics-a"])
        after = self.scrape()

        for t, n in TOPICS.items():
            self.assertEqual(after.get("sluice_produce_records_total", 0, topic=t)
                             - before.get("sluice_produce_records_total", 0, topic=t), n, t)
            self.assertGreaterEqual(after.get("sluice_produce_bytes_total", 0, topic=t)
                                    - before.get("sluice_produce_bytes_total", 0, topic=t),
                                    payload[t], t)
            log_bytes = after.total("sluice_log_size_bytes", topic=t)
            self.assertGreaterEqual(log_bytes, payload[t], t)
            self.assertEqual(len([s for s in after.series("sluice_log_size_bytes")
                                  if s["topic"] == t]), PARTITIONS, t)
        self.assertGreaterEqual(after.get("sluice_fetch_bytes_total", 0, topic="metrics-a")
                                - before.get("sluice_fetch_bytes_total", 0, topic="metrics-a"),
                                payload["metrics-a"])
        self.assertEqual(after.get("sluice_fetch_bytes_total", 0, topic="metrics-b"),
                         before.get("sluice_fetch_bytes_total", 0, topic="metrics-b"))
        # Every record of the first topic went out at least once (a batch holding the
        # fetch offset goes whole, so some may go twice); none of the second.
        self.assertGreaterEqual(after.get("sluice_fetch_records_total", 0, topic="metrics-a")
                                - before.get("sluice_fetch_records_total", 0, topic="metrics-a"),
                                TOPICS["metrics-a"])
        self.assertEqual(after.get("sluice_fetch_records_total", 0, topic="metrics-b"),
                         before.get("sluice_fetch_records_total", 0, topic="metrics-b"))

        produce_requests = (after.total("sluice_requests_total", api="Produce")
                            - before.total("sluice_requests_total", api="Produce"))
        self.assertGreaterEqual(produce_requests, 2)  # at least one per topic
        self.assertGreater(after.total("sluice_requests_total", api="Fetch"),
                           before.total("sluice_requests_total", api="Fetch"))
        self.assertGreater(after.total("sluice_requests_total", api="Metadata"), 0)
        # Every Produce was answered before kcat exited (acks=all): one latency each.
        self.assertEqual(after.total("sluice_request_latency_seconds_count", api="Produce"),
                         after.total("sluice_requests_total", api="Produce"))
        for labels in after.series("sluice_requests_total"):
            self.assertRegex(labels["version"], r"^\d+$")
        # acks=all: fdatasyncs covered the appends.
        self.assertGreater(after.get("sluice_fdatasync_latency_seconds_count"),
                           before.get("sluice_fdatasync_latency_seconds_count"))
        self.assertGreater(after.get("sluice_io_uring_submissions_total"),
                           before.get("sluice_io_uring_submissions_total"))
        self.assertGreater(after.get("sluice_io_uring_completions_total"),
                           before.get("sluice_io_uring_completions_total"))
        self.assertGreaterEqual(after.get("sluice_connections_accepted_total")
                                - before.get("sluice_connections_accepted_total"), 2)
        self.assertGreaterEqual(after.get("sluice_partitions"), 2 * PARTITIONS)
        self.assertGreaterEqual(after.get("sluice_topics"), 2)
        self.assertEqual(after.get("sluice_under_replicated_partitions"), 0)
        self.assertEqual(after.get("sluice_isr_shrinks_total"), 0)
        self.assertEqual(after.get("sluice_isr_expands_total"), 0)
        for gauge in ("sluice_requests_in_flight", "sluice_produce_waiting",
                      "sluice_fetch_waiting", "sluice_connections_open"):
            self.assertGreaterEqual(after.get(gauge), 0, gauge)
        self.assertGreater(after.get("sluice_metrics_scrapes_total"),
                           before.get("sluice_metrics_scrapes_total"))

    def test_consumer_group_lag(self):
        ck = harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
        topic, group = "metrics-lag", "metrics-group"
        self.produce(topic, 100)
        consumer = ck.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": group,
                                "enable.auto.commit": False})
        try:
            # Standalone commits (no subscription): partition 0 at 40, partition 1 at 0.
            consumer.commit(offsets=[ck.TopicPartition(topic, 0, 40),
                                     ck.TopicPartition(topic, 1, 0)], asynchronous=False)
        finally:
            consumer.close()
        scrape = self.scrape()
        hw = {}
        for p in range(PARTITIONS):
            low, high = self.watermarks(ck, topic, p)
            hw[p] = high
        self.assertEqual(sum(hw.values()), 100)
        self.assertEqual(scrape.get("sluice_consumer_group_lag", group=group, topic=topic,
                                    partition="0"), max(0, hw[0] - 40))
        self.assertEqual(scrape.get("sluice_consumer_group_lag", group=group, topic=topic,
                                    partition="1"), hw[1])

    def watermarks(self, ck, topic, partition):
        c = ck.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "wm"})
        try:
            return c.get_watermark_offsets(ck.TopicPartition(topic, partition), timeout=10)
        finally:
            c.close()

    def test_other_paths_and_methods(self):
        status, _, _ = self.http("GET", "/other")
        self.assertEqual(status, 404)
        status, _, _ = self.http("GET", "/")
        self.assertEqual(status, 404)
        status, headers, _ = self.http("POST", "/metrics")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("Allow"), "GET")
        self.assertEqual(self.http("GET", "/metrics?name[]=x")[0], 200)

    def raw(self, data, timeout=10):
        """Sends `data` on a fresh connection and reads until the server closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                out += chunk
            return out

    def test_hostile_clients_do_not_disturb_the_broker(self):
        silent = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        half = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        half.sendall(b"GET /metr")  # a request head that never ends
        try:
            garbage = self.raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n")
            self.assertTrue(garbage.startswith(b"HTTP/1.1 400 "), garbage[:80])
            huge = self.raw(b"GET /metrics HTTP/1.1\r\nX-Long: " + b"a" * 20000)
            # 431 once 8 KiB are read without the end of the head (or a reset, if the
            # client's unread bytes made the close abortive).
            self.assertTrue(huge == b"" or huge.startswith(b"HTTP/1.1 431 "), huge[:80])
            # Scrapes and Kafka clients carry on meanwhile.
            self.scrape()
            self.produce("metrics-hostile", 10)
            out = kcat("-b", self.broker.bootstrap, "-C", "-t", "metrics-hostile", "-o",
                       "beginning", "-e", "-q", "-f", "%s\n").stdout
            self.assertEqual(out.count(b"\n"), 10)
            self.assertEqual(harness.api_versions(self.broker.bootstrap).get(0)[0], 0)
        finally:
            silent.close()
            half.close()
        self.scrape()

    def test_silent_client_is_closed_after_the_timeout(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=20) as s:
            start = time.monotonic()
            self.assertEqual(s.recv(1), b"")  # closed by the broker, nothing sent
            self.assertLess(time.monotonic() - start, 15)
        self.scrape()


if __name__ == "__main__":
    harness.main()
