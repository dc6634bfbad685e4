#!/usr/bin/python3
"""A full disk (ENOSPC) under the real sluiced, with confluent-kafka as the client.

The log directory is on a tmpfs of 24 MiB mounted for the test (needs root); a filler
file takes the space the broker has not used. Small segments (256 KiB) and a dense index
(an entry per 512 bytes of log) make the broker roll segments and grow its indexes while
the disk is full.

DiskFullTest:
 - test_fill_then_free: records acked with room to spare; then the disk fills in the
   middle of a stream (retries=0, so every failure reaches the delivery report): some
   records are acked, the rest fail with KAFKA_STORAGE_ERROR (56) and nothing else. With
   the disk completely full, batches larger than a page all fail with 56, a group's offset
   commit and a CreateTopics fail (with an error, not a crash), while a fresh consumer
   still reads every acked record and the broker answers Metadata. The filler is deleted:
   produce, commit and topic creation work again without a restart. Every acked record is
   then present exactly once, at the offset its ack named, in the order sent; no failed
   record is. A clean restart (exit 0) keeps all of it, and produce goes on after it.
 - test_restart_while_full: with the disk full, sluiced is killed with SIGKILL and
   started again (recovery on a full disk), then stopped with SIGTERM (it must exit by
   itself; a failed checkpoint write may make that exit 1, never a crash) and started
   again, still full; produce fails with 56, reads work. Space freed: produce works, a
   clean restart exits 0, every acked record once, in order.

TwoLogDirsTest: log.dirs names the tmpfs and a directory on the ordinary disk; a topic's
two partitions land one in each; with the tmpfs full, produce to its partition fails with
56 while the other partition takes every record, reads of both go on, and both take
records again after the space returns and after a restart.

OutOfInodesTest: the tmpfs runs out of inodes instead (ENOSPC on create): segment rolls
fail, produce that needs one fails with 56, reads go on; inodes freed, produce works;
every acked record survives a clean restart and a kill -9.

Not root, or no tmpfs mount possible: "SKIPPED: why" and exit 77 (ctest shows a skip).
Run: SLUICED=build/.../sluiced /usr/bin/python3 test_disk_full.py
"""

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

harness.require_module("confluent_kafka", "Debian package python3-confluent-kafka")
from confluent_kafka import (  # noqa: E402
    Consumer, KafkaError, KafkaException, Producer, TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

FS_SIZE = "24m"
PARTITIONS = 2
STORAGE_ERROR = KafkaError.KAFKA_STORAGE_ERROR  # 56
SETTINGS = (
    "num.partitions=%d" % PARTITIONS,
    "log.segment.bytes=262144",
    "log.index.interval.bytes=512",
    "offsets.topic.num.partitions=1",
    "log.flush.offset.checkpoint.interval.ms=300",
)


def run(*argv):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)


def mount_tmpfs(size):
    """A fresh directory with a tmpfs of `size` on it; (path, None) or (None, why)."""
    where = tempfile.mkdtemp(prefix="sluice-diskfull-")
    r = run("mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", where)
    if r.returncode != 0:
        os.rmdir(where)
        return None, "mount -t tmpfs failed: %s" % r.stdout.decode(errors="replace").strip()
    return where, None


def unmount(where):
    for _ in range(50):
        if run("umount", where).returncode == 0:
            break
        time.sleep(0.1)
    else:
        run("umount", "-l", where)  # still busy after 5 s: detach it at least
    try:
        os.rmdir(where)
    except OSError:
        pass


def probe_mount():
    if os.geteuid() != 0:
        harness.skip_file("not root: mounting a size-limited tmpfs needs root (CAP_SYS_ADMIN)")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        harness.skip_file("mount/umount not found (Debian package mount)")
    where, why = mount_tmpfs("1m")
    if where is None:
        harness.skip_file(why)
    unmount(where)


def value(n, size):
    head = b"%08d|" % n
    return head + b"x" * max(0, size - len(head))


def number(v):
    return int(v[:8])


class Filler:
    """A file that takes the filesystem's free space: fill() until ENOSPC, leave(n) gives
    n bytes back, remove() gives all of it back."""

    def __init__(self, path):
        self.path = path

    def fill(self):
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
                block = b"\xa5" * chunk
                while True:
                    try:
                        os.write(fd, block)
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break
            os.fsync(fd)
        finally:
            os.close(fd)

    def leave(self, nbytes):
        size = os.path.getsize(self.path)
        os.truncate(self.path, max(0, size - nbytes))

    def remove(self):
        os.unlink(self.path)


class Tally:
    """Delivery reports of one or more produce() calls: n -> (partition, offset) for
    acked records, n -> error code for failed ones."""

    def __init__(self):
        self.acked = {}
        self.failed = {}

    def merge(self, other):
        self.acked.update(other.acked)
        self.failed.update(other.failed)

    def codes(self):
        return sorted(set(self.failed.values()))


def produce(bootstrap, topic, numbers, size, retries=0, timeout=90):
    """Sends records numbered `numbers` (record n to partition n % PARTITIONS), acks=all,
    and waits for every delivery report. retries=0: a broker error reaches the report."""
    t = Tally()

    def on_delivery(err, msg):
        n = number(msg.value())
        if err is not None:
            t.failed[n] = err.code()
        else:
            t.acked[n] = (msg.partition(), msg.offset())

    p = Producer({
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "enable.idempotence": False,
        "retries": retries,
        "linger.ms": 5,
        "message.timeout.ms": 60000,
        "request.timeout.ms": 30000,
        "log.connection.close": False,
    })
    for n in numbers:
        while True:
            try:
                p.produce(topic, value=value(n, size), partition=n % PARTITIONS,
                          on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    left = p.flush(timeout)
    if left:
        raise AssertionError("%d record(s) without a delivery report after %d s" % (left, timeout))
    return t


def consume_all(bootstrap, topic, timeout=60):
    """{partition: [(offset, n)]} of everything in the topic, read with assign()."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "diskfull-reader",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    out = {}
    try:
        for p in range(PARTITIONS):
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=20)
            got = []
            if high > low:
                c.assign([TopicPartition(topic, p, low)])
                deadline = time.monotonic() + timeout
                while (not got or got[-1][0] < high - 1) and time.monotonic() < deadline:
                    m = c.poll(0.5)
                    if m is None:
                        continue
                    if m.error():
                        raise AssertionError("fetch from %s-%d: %s" % (topic, p, m.error()))
                    got.append((m.offset(), number(m.value())))
                if not got or got[-1][0] != high - 1:
                    raise AssertionError("%s-%d: read up to %s of high watermark %d in %d s"
                                         % (topic, p, got[-1][0] if got else None, high, timeout))
            out[p] = got
    finally:
        c.close()
    return out


def problems_of(tally, contents):
    """What is wrong with `contents` given every delivery report so far: each acked record
    exactly once, where its ack said, in the order sent; no failed record present."""
    problems = []
    seen = {}
    for p, recs in contents.items():
        offsets = [o for o, _ in recs]
        if offsets != sorted(set(offsets)):
            problems.append("partition %d: offsets not strictly increasing" % p)
        ns = [n for _, n in recs]
        if ns != sorted(ns):
            bad = [(a, b) for a, b in zip(ns, ns[1:]) if b < a][:3]
            problems.append("partition %d: records out of order, e.g. %s" % (p, bad))
        for o, n in recs:
            if n in seen:
                problems.append("record %d stored twice (%s and %s)" % (n, seen[n], (p, o)))
            seen[n] = (p, o)
    lost = sorted(n for n in tally.acked if n not in seen)
    if lost:
        problems.append("%d acked record(s) missing, e.g. %s" % (len(lost), lost[:10]))
    moved = [(n, po, seen[n]) for n, po in tally.acked.items() if n in seen and seen[n] != po]
    if moved:
        problems.append("%d record(s) not at their acked offset, e.g. %s" % (len(moved), moved[:5]))
    ghosts = sorted(n for n in tally.failed if n in seen)
    if ghosts:
        problems.append("%d record(s) whose produce failed are stored, e.g. %s"
                        % (len(ghosts), ghosts[:10]))
    strangers = sorted(n for n in seen if n not in tally.acked and n not in tally.failed)
    if strangers:
        problems.append("%d record(s) stored that were never sent: %s"
                        % (len(strangers), strangers[:10]))
    return problems


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.mnt, why = mount_tmpfs(FS_SIZE)
        if self.mnt is None:
            self.fail(why)  # the probe mount worked, so this is a real failure
        self.addCleanup(unmount, self.mnt)
        self.filler = Filler(os.path.join(self.mnt, "filler"))
        self.broker = harness.Broker(*SETTINGS, name="sluiced",
                                     log_dir=os.path.join(self.mnt, "data"))
        self.addCleanup(self.cleanup_broker)
        self.next_n = 0
        self.committer = None  # one group member's Consumer for commit()
        self.tally = Tally()

    def cleanup_broker(self):
        if self.committer is not None:
            self.committer.close()
        self.broker.kill9()  # before the unmount, which a running broker would block
        shutil.rmtree(self.broker.dir, ignore_errors=True)

    def send(self, topic, count, size, retries=0):
        ns = range(self.next_n, self.next_n + count)
        self.next_n += count
        t = produce(self.broker.bootstrap, topic, ns, size, retries)
        self.tally.merge(t)
        self.assert_alive()
        return t

    def assert_alive(self):
        code = self.broker.proc.poll() if self.broker.proc else None
        if code is not None:
            self.fail("sluiced died: %s" % ("signal %s" % signal.Signals(-code).name
                                            if code < 0 else "exit code %d" % code))

    def check_contents(self, topic, what):
        contents = consume_all(self.broker.bootstrap, topic)
        problems = problems_of(self.tally, contents)
        if problems:
            self.fail("%s:\n%s" % (what, "\n".join(problems)))
        return sum(len(r) for r in contents.values())

    def assert_all_storage_errors(self, t, what):
        self.assertFalse(t.acked, "%s: %d record(s) acked on a full disk" % (what, len(t.acked)))
        self.assertEqual(t.codes(), [STORAGE_ERROR],
                         "%s: expected only KAFKA_STORAGE_ERROR (56), got %s" % (what, t.codes()))

    def create_topic(self, name):
        """None when created, else the KafkaError."""
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        fut = admin.create_topics([NewTopic(name, PARTITIONS, 1)], request_timeout=20)[name]
        try:
            fut.result(timeout=30)
            return None
        except KafkaException as e:
            return e.args[0]

    def commit(self, topic, offset):
        """None when the group's commit of `offset` for partition 0 succeeded, else the error."""
        if self.committer is None:
            self.committer = Consumer({"bootstrap.servers": self.broker.bootstrap,
                                       "group.id": "diskfull-group",
                                       "enable.auto.commit": False})
        try:
            self.committer.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
            return None
        except KafkaException as e:
            return e.args[0]

    def committed(self, topic):
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "diskfull-group",
                      "enable.auto.commit": False})
        try:
            return c.committed([TopicPartition(topic, 0)], timeout=20)[0].offset
        finally:
            c.close()

    def stop_any(self):
        """SIGTERM and wait; returns the exit code (the harness insists on 0)."""
        proc = self.broker.proc
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            self.fail("sluiced did not stop within 30 s of SIGTERM on a full disk")
        self.broker._reader.join(5)
        proc.stdout.close()
        self.broker.proc = None
        return code

    def test_fill_then_free(self):
        topic = "full"
        self.assertIsNone(self.create_topic(topic))
        # Room to spare: everything is acked, and a group has committed an offset.
        t = self.send(topic, 400, 1000)
        self.assertEqual(len(t.acked), 400, "before the disk filled: %s" % t.codes())
        self.assertIsNone(self.commit(topic, 7))

        # The disk fills in the middle of a stream.
        self.filler.fill()
        self.filler.leave(1 << 20)
        t = self.send(topic, 4000, 1000)
        print("filling: %d acked, %d failed with %s" % (len(t.acked), len(t.failed), t.codes()),
              flush=True)
        self.assertTrue(t.acked, "nothing acked with 1 MiB free")
        self.assertTrue(t.failed, "4 MB of records fitted into 1 MiB")
        self.assertEqual(t.codes(), [STORAGE_ERROR], "errors other than KAFKA_STORAGE_ERROR")

        # Completely full: nothing that needs a new page fits.
        self.filler.fill()
        for round_ in range(3):
            t = self.send(topic, 20, 20000)
            self.assert_all_storage_errors(t, "full disk, round %d" % round_)
        # A commit is small and may fit in the partly used last page of __consumer_offsets'
        # segment; commits go on until one fails, which must be within a few pages' worth.
        last_ok, err = 7, None
        for offset in range(100, 400):
            err = self.commit(topic, offset)
            if err is not None:
                break
            last_ok = offset
        print("offset commits on a full disk: %d succeeded, then %s"
              % (last_ok - 99 if last_ok >= 100 else 0, err), flush=True)
        self.assertIsNotNone(err, "300 offset commits succeeded on a full disk")
        self.assert_alive()
        err = self.create_topic("born-on-full-disk")
        print("CreateTopics on a full disk: %s" % err, flush=True)
        self.assertIsNotNone(err, "CreateTopics succeeded on a full disk")
        # Reads go on.
        stored = self.check_contents(topic, "reading on a full disk")
        self.assertEqual(stored, len(self.tally.acked))
        self.assertEqual(self.committed(topic), last_ok)

        # Space comes back: no restart needed.
        self.filler.remove()
        t = self.send(topic, 500, 1000)
        self.assertEqual(len(t.acked), 500, "after freeing space: failures %s" % t.codes())
        t = self.send(topic, 20, 20000)
        self.assertEqual(len(t.acked), 20, "large records after freeing space: %s" % t.codes())
        self.assertIsNone(self.commit(topic, 11))
        self.assertEqual(self.committed(topic), 11)
        self.assertIsNone(self.create_topic("born-after-full-disk"))
        stored = self.check_contents(topic, "after freeing space")
        self.assertEqual(stored, len(self.tally.acked))

        # A clean restart keeps everything.
        self.broker.restart()
        self.check_contents(topic, "after a clean restart")
        self.assertEqual(self.committed(topic), 11)
        t = self.send(topic, 100, 1000)
        self.assertEqual(len(t.acked), 100, "after the restart: %s" % t.codes())
        stored = self.check_contents(topic, "after the restart and more produce")
        print("%d records acked, %d failed (codes %s), %d stored: every acked record once, "
              "in order, no failed one" % (len(self.tally.acked), len(self.tally.failed),
                                          self.tally.codes(), stored), flush=True)

    def test_restart_while_full(self):
        topic = "restart-full"
        self.assertIsNone(self.create_topic(topic))
        t = self.send(topic, 300, 1000)
        self.assertEqual(len(t.acked), 300)
        self.filler.fill()
        self.filler.leave(200 << 10)
        self.send(topic, 1000, 1000)
        self.filler.fill()
        t = self.send(topic, 20, 20000)
        self.assert_all_storage_errors(t, "full disk")

        # kill -9 and recovery on a full disk.
        self.broker.kill9()
        self.broker.start()
        self.check_contents(topic, "after kill -9 and a start on a full disk")
        t = self.send(topic, 20, 20000)
        self.assert_all_storage_errors(t, "full disk after kill -9")

        # SIGTERM on a full disk: checkpoints may not fit, but it stops by itself.
        code = self.stop_any()
        print("SIGTERM on a full disk: exit code %d" % code, flush=True)
        self.assertIn(code, (0, 1), "sluiced crashed stopping on a full disk")
        self.broker.start()
        self.check_contents(topic, "after a stop and a start on a full disk")
        t = self.send(topic, 20, 20000)
        self.assert_all_storage_errors(t, "full disk after a restart")

        self.filler.remove()
        t = self.send(topic, 300, 1000)
        self.assertEqual(len(t.acked), 300, "after freeing space: %s" % t.codes())
        self.broker.restart()  # exit 0 asserted
        t = self.send(topic, 50, 20000)
        self.assertEqual(len(t.acked), 50, "after freeing space and a restart: %s" % t.codes())
        stored = self.check_contents(topic, "at the end")
        print("%d acked, %d failed (codes %s), %d stored: every acked record once, in order"
              % (len(self.tally.acked), len(self.tally.failed), self.tally.codes(), stored),
              flush=True)


class TwoLogDirsTest(DiskFullTest):
    """log.dirs names two directories: the tmpfs (which fills) and one on the ordinary
    disk. A topic's partitions are spread over both; while the tmpfs is full, produce to
    the partition on it fails with 56 and produce to the other goes on, reads of both
    continue, and after the space returns both take records again, through a restart."""

    # Only this class's own test: the inherited ones run with one directory.
    test_fill_then_free = None
    test_restart_while_full = None

    def setUp(self):
        super().setUp()
        self.other_dir = os.path.join(self.broker.dir, "second-dir")
        self.full_dir = os.path.join(self.mnt, "data")
        # The base class started a broker on the tmpfs alone: start over with both.
        self.broker.kill9()
        shutil.rmtree(self.full_dir)
        self.broker.log_dir = self.full_dir + "," + self.other_dir
        self.broker.start()

    def dir_of(self, topic, partition):
        name = "%s-%d" % (topic, partition)
        found = [d for d in (self.full_dir, self.other_dir)
                 if os.path.isdir(os.path.join(d, name))]
        self.assertEqual(len(found), 1, "%s is in %s" % (name, found))
        return found[0]

    def test_one_full_dir_leaves_the_other_writable(self):
        topic = "spread"
        self.assertIsNone(self.create_topic(topic))
        dirs = {p: self.dir_of(topic, p) for p in range(PARTITIONS)}
        print("partitions by directory: %s" % dirs, flush=True)
        self.assertEqual(sorted(dirs.values()), sorted([self.full_dir, self.other_dir]),
                         "the two partitions were not spread over the two directories")
        on_full = [p for p, d in dirs.items() if d == self.full_dir][0]
        t = self.send(topic, 200, 1000)
        self.assertEqual(len(t.acked), 200, "before the disk filled: %s" % t.codes())

        self.filler.fill()
        for round_ in range(3):
            t = self.send(topic, 40, 20000)
            failed_parts = {n % PARTITIONS for n in t.failed}
            acked_parts = {p for p, _ in t.acked.values()}
            self.assertEqual(failed_parts, {on_full},
                             "round %d: failures on partitions %s" % (round_, failed_parts))
            self.assertEqual(t.codes(), [STORAGE_ERROR], "round %d: %s" % (round_, t.codes()))
            self.assertEqual(acked_parts, {1 - on_full},
                             "round %d: the other directory's partition took nothing"
                             % round_)
        stored = self.check_contents(topic, "reading with one directory full")
        self.assertEqual(stored, len(self.tally.acked))

        self.filler.remove()
        t = self.send(topic, 200, 1000)
        self.assertEqual(len(t.acked), 200, "after freeing space: %s" % t.codes())
        self.broker.restart()
        self.assertEqual({p: self.dir_of(topic, p) for p in range(PARTITIONS)}, dirs)
        t = self.send(topic, 100, 1000)
        self.assertEqual(len(t.acked), 100, "after the restart: %s" % t.codes())
        stored = self.check_contents(topic, "after the restart")
        print("two log dirs: %d acked, %d failed (codes %s), %d stored"
              % (len(self.tally.acked), len(self.tally.failed), self.tally.codes(), stored),
              flush=True)


class OutOfInodesTest(unittest.TestCase):
    """ENOSPC from a filesystem out of inodes (nr_inodes) while there is space: every roll
    fails (a new segment needs files), and so every produce that needs one, with 56; the
    broker stays up, produces again once inodes are freed, and restarts with every acked
    record once, in order."""

    def test_rolls_fail_then_recover(self):
        mnt, why = mount_tmpfs("64m,nr_inodes=2000")
        if mnt is None:
            self.fail(why)
        self.addCleanup(unmount, mnt)
        broker = harness.Broker(*SETTINGS, name="sluiced", log_dir=os.path.join(mnt, "data"))
        self.addCleanup(broker.kill9)
        tally = Tally()
        topic = "inodes"
        tally.merge(produce(broker.bootstrap, topic, range(0, 300), 1000))
        self.assertEqual(len(tally.acked), 300)
        fill = os.path.join(mnt, "fill")
        os.mkdir(fill)
        count = 0
        while True:
            try:
                open(os.path.join(fill, str(count)), "w").close()
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
            count += 1
        # 2 MB into 256 KiB segments: rolls are needed, and none can happen.
        t = produce(broker.bootstrap, topic, range(1000, 3000), 1000)
        tally.merge(t)
        print("out of inodes: %d acked, %d failed with %s" % (len(t.acked), len(t.failed),
                                                             t.codes()), flush=True)
        self.assertIsNone(broker.proc.poll(), "sluiced died out of inodes")
        self.assertTrue(t.failed, "2 MB went into 256 KiB segments without a roll")
        self.assertEqual(t.codes(), [STORAGE_ERROR])
        problems = problems_of(tally, consume_all(broker.bootstrap, topic))
        self.assertFalse(problems, "reading out of inodes:\n" + "\n".join(problems))
        for i in range(count):
            os.unlink(os.path.join(fill, str(i)))
        t = produce(broker.bootstrap, topic, range(5000, 6000), 1000)
        tally.merge(t)
        self.assertEqual(len(t.acked), 1000, "after freeing inodes: %s" % t.codes())
        broker.restart()
        broker.kill9()
        broker.start()
        problems = problems_of(tally, consume_all(broker.bootstrap, topic))
        self.assertFalse(problems, "after restarts:\n" + "\n".join(problems))
        broker.stop()
        shutil.rmtree(broker.dir, ignore_errors=True)


if __name__ == "__main__":
    probe_mount()
    harness.main()
