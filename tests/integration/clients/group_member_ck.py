#!/usr/bin/python3
"""One confluent-kafka (librdkafka) consumer-group member, run as its own process by the
group tests (group_members.py). Not a test by itself.

It subscribes to one topic and reports on stdout, as JSON lines (see group_members.py):
  {"ev": "ready"}                                   subscribed
  {"ev": "assign", "parts": [p...]}                 on_assign (eager: the whole new set)
  {"ev": "recs", "recs": [[p, offset, key, sha1(value)[:16]]...]}
                                                    records processed, reported before
                                                    their offsets are committed
  {"ev": "commit", "offsets": {p: next_offset}}     a synchronous commit succeeded
  {"ev": "commit_error", "error": "...", ...}       a commit failed
  {"ev": "revoke", "parts": [p...]}                 on_revoke, after committing what was
                                                    processed of those partitions
  {"ev": "leaving"}, {"ev": "closed"}               around close() (stdin "leave"/EOF)
  {"ev": "error", "error": "..."}                   a consumer error
Every event carries "t", the wall-clock time in ms when it was printed.

Processing is "print the record": committed offsets never pass a record that was not
reported, and a revoke commits everything reported first, so with a clean hand-over each
record is reported exactly once across the group.

librdkafka's own log ('debug': 'cgrp' and more with --debug) goes to stderr.
"""

import argparse
import hashlib
import json
import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

_out_lock = threading.Lock()


def emit(ev, **fields):
    fields["ev"] = ev
    fields["t"] = time.time() * 1000.0
    line = json.dumps(fields, separators=(",", ":"))
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def vhash(v):
    return hashlib.sha1(v or b"").hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--instance-id", default=None, help="group.instance.id (static member)")
    ap.add_argument("--session-ms", type=int, default=10000)
    ap.add_argument("--commit-every", type=int, default=50,
                    help="commit after this many processed records (and when idle)")
    ap.add_argument("--debug", default="cgrp")
    ap.add_argument("--max-seconds", type=float, default=120.0,
                    help="give up (exit 3) after this long, whatever happens")
    args = ap.parse_args()

    conf = {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "client.id": "ck-member",
        "partition.assignment.strategy": "roundrobin",  # kafkajs members offer it too
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": args.session_ms,
        "heartbeat.interval.ms": 500,
        "max.poll.interval.ms": 20000,  # also librdkafka's JoinGroup rebalance timeout
        "fetch.wait.max.ms": 100,
        "log.connection.close": False,
        "debug": args.debug,
    }
    if args.instance_id:
        conf["group.instance.id"] = args.instance_id
    c = Consumer(conf)

    stop = threading.Event()

    def stdin_reader():
        for line in sys.stdin:
            if line.strip() in ("leave", "stop"):
                break
        stop.set()  # a command, or EOF (the test runner went away)

    threading.Thread(target=stdin_reader, daemon=True).start()

    pending = []  # processed (reported) records not yet committed: (p, offset)
    pending_recs = []  # not yet printed

    def flush(only=None):
        """Reports and commits what was processed (of partitions `only`, default all)."""
        nonlocal pending, pending_recs
        if pending_recs:
            emit("recs", recs=pending_recs)
            pending_recs = []
        take = [x for x in pending if only is None or x[0] in only]
        pending = [x for x in pending if not (only is None or x[0] in only)]
        if not take:
            return
        nxt = {}
        for p, off in take:
            nxt[p] = max(nxt.get(p, -1), off + 1)
        tps = [TopicPartition(args.topic, p, o) for p, o in sorted(nxt.items())]
        try:
            res = c.commit(offsets=tps, asynchronous=False)
            bad = [(tp.partition, str(tp.error)) for tp in (res or []) if tp.error]
            if bad:
                emit("commit_error", error="partition errors", partitions=bad,
                     offsets={str(p): o for p, o in nxt.items()})
            else:
                emit("commit", offsets={str(p): o for p, o in nxt.items()})
        except KafkaException as e:
            emit("commit_error", error=str(e), offsets={str(p): o for p, o in nxt.items()})

    def on_assign(consumer, parts):
        emit("assign", parts=sorted(tp.partition for tp in parts))

    def on_revoke(consumer, parts):
        revoked = {tp.partition for tp in parts}
        flush(revoked)
        emit("revoke", parts=sorted(revoked))

    c.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke)
    emit("ready", instance_id=args.instance_id)
    deadline = time.monotonic() + args.max_seconds
    code = 0
    try:
        while not stop.is_set():
            if time.monotonic() > deadline:
                emit("error", error="member ran for --max-seconds %.0f, giving up"
                     % args.max_seconds)
                code = 3
                break
            m = c.poll(0.1)
            if m is None:
                flush()
                continue
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    emit("error", error=str(m.error()))
                continue
            key = m.key()
            pending_recs.append([m.partition(), m.offset(),
                                 None if key is None else key.decode("utf-8", "replace"),
                                 vhash(m.value())])
            pending.append((m.partition(), m.offset()))
            if len(pending) >= args.commit_every:
                flush()
        flush()
        emit("leaving")
        c.close()
        emit("closed")
    except Exception as e:  # reported, then the non-zero exit says it too
        emit("error", error="%s: %s" % (type(e).__name__, e))
        code = 2
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
