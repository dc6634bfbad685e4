"""Consumer-group members for the group tests, and the checks over what they report.

A member is a child process (group_member_ck.py: confluent-kafka; node/group_member.js:
kafkajs) or, for in-process clients (kafka-python), a thread that calls Events.add. Every
member reports JSON-line events with wall-clock times "t" (ms): assign, revoke, recs,
commit, commit_error, leaving, closed, error (see group_member_ck.py). Events collects
them; the checks derive from them:

- ownership: member M owns partition p from its "assign" that lists p until its next
  "revoke"/"leaving"/"assign" without p, or its exit. Two members' ownerships of one
  partition must not overlap in time, and a member reports records of p only while it
  owns p. (Member processes share the machine's clock; a hand-over is causal: the old
  owner reports its revoke before it rejoins, the new owner its assign after SyncGroup.)
- records: every produced record is reported exactly once, with its key and value hash.
"""

import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "node")


def vhash(v):
    return hashlib.sha1(v or b"").hexdigest()[:16]


def node_program():
    """The node binary, or None when node or kafkajs (node/node_modules) is missing."""
    node = shutil.which("node")
    if not node or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        return None
    return node


class Events:
    """Every member's events, in arrival order, with a condition to wait on."""

    def __init__(self, budget_s=None):
        """budget_s: every wait_for ends by then (from now), so that a failing test reports
        what it saw before ctest's TIMEOUT kills it."""
        self.deadline = None if budget_s is None else time.monotonic() + budget_s
        self.cond = threading.Condition()
        self.all = []  # (member, event dict, monotonic arrival time)
        self.last_assignment_change = time.monotonic()

    def add(self, member, ev):
        with self.cond:
            ev.setdefault("t", time.time() * 1000.0)
            self.all.append((member, ev, time.monotonic()))
            if ev["ev"] in ("assign", "revoke", "leaving", "closed", "exit"):
                self.last_assignment_change = time.monotonic()
            self.cond.notify_all()

    def snapshot(self):
        with self.cond:
            return list(self.all)

    def clamp(self, timeout, at_least=0.0):
        """`timeout`, cut to what is left of the test's budget (but at least `at_least`)."""
        if self.deadline is None:
            return timeout
        return max(at_least, min(timeout, self.deadline - time.monotonic()))

    def wait_for(self, pred, timeout, what, describe=None):
        """Waits until pred() (called under the lock) is true; fails with `what`, the
        state and `describe()` when `timeout` s (or the test's budget) pass first."""
        asked = timeout
        timeout = self.clamp(timeout)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                r = pred()
                if r:
                    return r
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(min(left, 0.2))
        raise AssertionError("timed out after %.0f s%s waiting for %s\n%s%s"
                             % (timeout, "" if timeout >= asked else
                                " (the rest of the test's time budget)", what, self.summary(),
                                ("\n" + describe()) if describe else ""))

    # -- derived state (call with or without the lock; they take a snapshot) --

    def of(self, member, kind=None):
        return [e for m, e, _ in self.snapshot() if m == member and (kind is None or e["ev"] == kind)]

    def current_assignment(self, member):
        """The partitions `member` owns now (None: none / not in a generation)."""
        cur = None
        for m, e, _ in self.snapshot():
            if m != member:
                continue
            if e["ev"] == "assign":
                cur = set(e["parts"])
            elif e["ev"] in ("revoke", "leaving", "closed", "exit"):
                cur = None
        return cur

    def consumed(self):
        """{(p, offset): [(member, t, key, vhash)]} over every 'recs' event."""
        out = collections.defaultdict(list)
        for m, e, _ in self.snapshot():
            if e["ev"] == "recs":
                for p, off, key, vh in e["recs"]:
                    out[(p, off)].append((m, e["t"], key, vh))
        return out

    def committed(self, members=None):
        """Highest committed next-offset per partition from 'commit' events."""
        out = {}
        for m, e, _ in self.snapshot():
            if e["ev"] == "commit" and (members is None or m in members):
                for p, off in e["offsets"].items():
                    out[int(p)] = max(out.get(int(p), -1), off)
        return out

    def errors(self, kinds=("error", "commit_error")):
        return [(m, e) for m, e, _ in self.snapshot() if e["ev"] in kinds]

    def summary(self, max_lines=400):
        """Every member's assignment timeline, record counts, commits and errors."""
        snap = self.snapshot()
        if not snap:
            return "(no member events)"
        t0 = min(e["t"] for _, e, _ in snap)
        lines = ["member events (t in ms from the first event):"]
        counts = collections.Counter()
        for m, e, _ in snap:
            kind = e["ev"]
            if kind == "recs":
                counts[m] += len(e["recs"])
                continue
            if kind == "commit":
                continue
            rest = {k: v for k, v in e.items() if k not in ("ev", "t")}
            lines.append("  %9.1f %-6s %-12s %s" % (e["t"] - t0, m, kind,
                                                    json.dumps(rest) if rest else ""))
        if len(lines) > max_lines:
            lines = lines[:max_lines // 2] + ["  ..."] + lines[-max_lines // 2:]
        lines.append("records reported per member: %s" % dict(sorted(counts.items())))
        lines.append("committed next offsets (all members): %s" % dict(sorted(self.committed().items())))
        return "\n".join(lines)


class MemberProcess:
    """A member running as a child process; its stderr (client debug log) goes to a file."""

    def __init__(self, events, name, argv, cwd=None):
        self.events = events
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(tempfile.gettempdir(), "sluice-member-%d-%s-%s.log"
                                     % (os.getpid(), name, time.strftime("%H%M%S")))
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, cwd=cwd)
        self.bad_lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                self.bad_lines.append(line)
                continue
            self.events.add(self.name, ev)
        code = self.proc.wait()
        self.proc.stdout.close()
        self.events.add(self.name, {"ev": "exit", "code": code})

    def exited(self):
        return self.proc.poll() is not None

    def leave(self, timeout=30.0):
        """stdin 'leave': the member commits, closes and exits; asserts exit code 0."""
        try:
            self.proc.stdin.write(b"leave\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        try:
            code = self.proc.wait(self.events.clamp(timeout, at_least=5.0))
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("member %s did not exit within %.0f s of 'leave'\n%s"
                                 % (self.name, timeout, self.log_tail()))
        self._reader.join(5)
        if code != 0:
            raise AssertionError("member %s exited with code %d after 'leave'\n%s"
                                 % (self.name, code, self.log_tail()))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        for f in (self.proc.stdin, self._log):
            try:
                f.close()
            except OSError:
                pass

    def log_tail(self, max_bytes=60000):
        try:
            if not self._log.closed:
                self._log.flush()
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError as e:
            return "(no log: %s)" % e
        if len(data) > max_bytes:
            data = b"...\n" + data[-max_bytes:]
        return "---- %s client log (%s) ----\n%s" % (self.name, self.log_path,
                                                   data.decode("utf-8", "replace"))

    def remove_log(self):
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


def ck_member(events, name, bootstrap, topic, group, instance_id=None, session_ms=10000,
              debug="cgrp"):
    argv = [sys.executable, os.path.join(HERE, "group_member_ck.py"), "--bootstrap", bootstrap,
            "--topic", topic, "--group", group, "--session-ms", str(session_ms),
            "--debug", debug]
    if instance_id:
        argv += ["--instance-id", instance_id]
    return MemberProcess(events, name, argv)


def kjs_member(events, name, bootstrap, topic, group, session_ms=10000):
    argv = [node_program(), os.path.join(NODE_DIR, "group_member.js"), "--bootstrap",
            bootstrap, "--topic", topic, "--group", group, "--session-ms", str(session_ms)]
    return MemberProcess(events, name, argv, cwd=NODE_DIR)


DESCRIBE_GROUPS = {15: "DescribeGroups"}


def describe_group(broker, group):
    """kafka-python's describe_consumer_groups (DescribeGroups): (state, {member_id:
    (client_id, sorted partitions)}), or None when the broker does not list DescribeGroups
    or kafka-python is missing."""
    if broker.missing_apis(DESCRIBE_GROUPS):
        return None
    try:
        with warnings.catch_warnings():  # kafka-python's vendored six on Python 3.11
            warnings.simplefilter("ignore", ImportWarning)
            from kafka import KafkaAdminClient
    except ImportError:
        return None
    a = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=10000)
    try:
        (info,) = a.describe_consumer_groups([group])
        members = {}
        for m in info.members:
            parts = sorted(tp.partition for tp in m.member_assignment.partitions()) \
                if m.member_assignment else []
            members[m.member_id] = (m.client_id, parts)
        return info.state, members
    finally:
        a.close()


def case_failed(case):
    """Inside tearDown: did this unittest test fail or error? (Python 3.11 records it in
    the result at once; older versions keep it in the outcome until after tearDown.)"""
    outcome = getattr(case, "_outcome", None)
    result = getattr(outcome, "result", None)
    if result is not None and any(t is case for t, _ in result.failures + result.errors):
        return True
    return any(exc for _, exc in getattr(outcome, "errors", []))


# -- checks --

def stable_assignment(events, members, partitions, quiet_s=1.5):
    """True when every member in `members` owns a non-empty set of partitions, the sets
    are disjoint and cover range(partitions), and no assignment changed for quiet_s."""
    sets = {m: events.current_assignment(m) for m in members}
    if any(not s for s in sets.values()):
        return False
    seen = []
    for s in sets.values():
        seen += list(s)
    if sorted(seen) != list(range(partitions)):
        return False
    return time.monotonic() - events.last_assignment_change >= quiet_s and sets


def ownership_intervals(events):
    """{partition: [(start_t, end_t or None, member, start_event_index)]}."""
    out = collections.defaultdict(list)
    open_ = {}  # (member, p) -> start t
    for m, e, _ in events.snapshot():
        kind = e["ev"]
        if kind == "assign":
            new = set(e["parts"])
            for (mm, p) in [k for k in open_ if k[0] == m]:
                if p not in new:
                    out[p].append((open_.pop((mm, p)), e["t"], m))
            for p in new:
                open_.setdefault((m, p), e["t"])
        elif kind in ("revoke", "leaving", "closed", "exit"):
            for (mm, p) in [k for k in open_ if k[0] == m]:
                out[p].append((open_.pop((mm, p)), e["t"], m))
    for (m, p), start in open_.items():
        out[p].append((start, None, m))
    for p in out:
        out[p].sort(key=lambda x: x[0])
    return out


def check_ownership(events):
    """Problems (strings): overlapping ownership of a partition, records reported by a
    member outside its ownership of their partition."""
    problems = []
    iv = ownership_intervals(events)
    for p, lst in sorted(iv.items()):
        for a, b in zip(lst, lst[1:]):
            a_end = a[1] if a[1] is not None else float("inf")
            if b[0] < a_end:
                problems.append("partition %d owned by %s from %.1f to %s and by %s from %.1f "
                                "(overlap)" % (p, a[2], a[0], "now" if a[1] is None else
                                               "%.1f" % a[1], b[2], b[0]))
    for (p, off), seen in sorted(events.consumed().items()):
        for m, t, _, _ in seen:
            ok = any(mm == m and s <= t and (e is None or t <= e) for s, e, mm in iv.get(p, []))
            if not ok:
                problems.append("%s reported partition %d offset %d at %.1f without owning the "
                                "partition then (its ownerships: %s)"
                                % (m, p, off, t, [(s, e) for s, e, mm in iv.get(p, []) if mm == m]))
    return problems


def check_exactly_once(expected, consumed, what):
    """expected: {(p, off): (key, vhash)}. Problems: missing, duplicated, unexpected or
    different records, each named (at most 20 of each kind listed)."""
    problems = []
    missing = sorted(k for k in expected if k not in consumed)
    dups = sorted((k, v) for k, v in consumed.items() if k in expected and len(v) > 1)
    extra = sorted(k for k in consumed if k not in expected)
    wrong = sorted((k, expected[k], v[0][2:]) for k, v in consumed.items()
                   if k in expected and tuple(v[0][2:]) != tuple(expected[k]))
    if missing:
        problems.append("%s: %d records never consumed, e.g. (partition, offset) %s"
                        % (what, len(missing), missing[:20]))
    if dups:
        problems.append("%s: %d records consumed more than once, e.g. %s"
                        % (what, len(dups), ["p%d@%d by %s" % (k[0], k[1], [(m, round(t, 1)) for m, t, _, _ in v])
                                             for k, v in dups[:20]]))
    if extra:
        problems.append("%s: %d records consumed that were not expected here, e.g. %s"
                        % (what, len(extra), extra[:20]))
    if wrong:
        problems.append("%s: %d records with a different key/value, e.g. %s"
                        % (what, len(wrong), wrong[:5]))
    return problems
