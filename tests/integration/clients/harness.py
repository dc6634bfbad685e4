"""Starts the real sluiced for the client tests (Python standard library only).

A test file imports this module first, calls require_module()/require_program() to
skip cleanly (exit 77, "SKIPPED: why") when its client is missing, and ends with
harness.main(). Each Broker runs in its own temporary directory on its own free loopback
port, so test files may run in parallel.
"""

import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests

# Kafka API keys the guarded tests look for in ApiVersions.
ADMIN_APIS = {
    19: "CreateTopics",
    20: "DeleteTopics",
    21: "DeleteRecords",
    32: "DescribeConfigs",
    37: "CreatePartitions",
    60: "DescribeCluster",
}
GROUP_APIS = {
    8: "OffsetCommit",
    9: "OffsetFetch",
    10: "FindCoordinator",
    11: "JoinGroup",
    12: "Heartbeat",
    13: "LeaveGroup",
    14: "SyncGroup",
}

_brokers = []  # every broker started, for their logs when a test fails


def skip_file(why):
    """Ends the test file as skipped: ctest shows it as skipped, never as passed."""
    print("SKIPPED: " + why, flush=True)
    sys.exit(SKIP)


def require_module(name, why_package):
    try:
        return __import__(name)
    except ImportError as e:
        skip_file("cannot import %s (%s): %s" % (name, why_package, e))


def require_program(name, why_package):
    path = shutil.which(name)
    if not path:
        skip_file("%s not found on PATH (%s)" % (name, why_package))
    return path


def run_program(path, *args, input=None, timeout=60):
    """Runs a client program (kcat, say) to completion; its CompletedProcess, or an
    AssertionError with its stderr when it exits non-zero."""
    r = subprocess.run([path, *args], input=input, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError("%s %s exited %d: %s"
                             % (os.path.basename(path), " ".join(args), r.returncode,
                                r.stderr.decode(errors="replace")))
    return r


def sluiced_path():
    path = os.environ.get("SLUICED")
    if not path:
        # Not a skip: ctest always sets it, so its absence is a broken setup.
        sys.exit("SLUICED is not set: give the path of the sluiced binary (ctest sets it)")
    if not os.access(path, os.X_OK):
        sys.exit("SLUICED=%s is not an executable file" % path)
    return path


def seeded_random(name):
    """A Random whose seed is printed, and can be forced with SLUICE_TEST_SEED."""
    seed = int(os.environ.get("SLUICE_TEST_SEED", "0")) or random.SystemRandom().randrange(1, 2**31)
    print("%s: seed %d (rerun with SLUICE_TEST_SEED=%d)" % (name, seed, seed), flush=True)
    return random.Random(seed)


class Broker:
    """One sluiced process: a fresh log directory, a free loopback port kept across
    restarts, stderr collected for failure reports."""

    def __init__(self, *settings, name="sluiced", log_dir=None):
        self.name = name
        self.settings = list(settings)
        self.dir = tempfile.mkdtemp(prefix="sluice-client-")
        # log_dir: somewhere else than <dir>/data (a size-limited filesystem, say).
        self.log_dir = log_dir or os.path.join(self.dir, "data")
        self.port = 0  # chosen by the first start, then given explicitly
        self.proc = None
        self.log = []  # lines of every run, with a marker line per start
        self._lock = threading.Lock()
        self.starts = 0
        _brokers.append(self)
        self.start()

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def start(self, timeout=30.0):
        """Starts sluiced; on the same port as before when there was a before."""
        deadline = time.monotonic() + timeout
        while True:
            err = self._try_start(deadline)
            if err is None:
                return
            # The fixed port can be briefly held by someone else's connection on a
            # parallel run: try again for a while.
            if "in use" in err.lower() and self.port and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise AssertionError("%s did not start: %s\n%s" % (self.name, err, self.log_text()))

    def _try_start(self, deadline):
        argv = [
            sluiced_path(),
            "--set", "log.dirs=" + self.log_dir,
            "--set", "listeners=PLAINTEXT://127.0.0.1:%d" % self.port,
        ]
        # SLUICE_BROKER_SETTINGS: settings for every broker of a test run (space-separated
        # KEY=VALUE), e.g. the same client test again with log.write.mode=direct.
        extra = os.environ.get("SLUICE_BROKER_SETTINGS", "").split()
        for s in extra + self.settings:
            argv += ["--set", s]
        self.starts += 1
        with self._lock:
            self.log.append("---- start #%d: %s" % (self.starts, " ".join(argv)))
        listening = threading.Event()
        ready = threading.Event()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        self.proc = proc

        def reader():
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                with self._lock:
                    self.log.append(line)
                m = re.search(r"sluiced: listening on 127\.0\.0\.1:(\d+)", line)
                if m:
                    self._seen_port = int(m.group(1))
                    listening.set()
                if "sluiced: ready" in line:
                    ready.set()

        self._seen_port = None
        self._reader = threading.Thread(target=reader, daemon=True)
        self._reader.start()
        while not ready.is_set():
            if proc.poll() is not None:
                self._reader.join(5)
                proc.stdout.close()
                return "exited with code %d before it was ready" % proc.returncode + (
                    " (address in use)" if "in use" in self.log_text(last_start=True).lower()
                    else "")
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                return "not ready within the timeout"
            ready.wait(0.05)
        if self.port == 0:
            self.port = self._seen_port
        elif self._seen_port != self.port:
            return "listening on port %s, not %d" % (self._seen_port, self.port)
        return None

    def stop(self, timeout=30.0):
        """SIGTERM; the broker must exit 0 (clean shutdown)."""
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            self.proc = None
            if code not in (None, 0):
                raise AssertionError("%s had already exited with code %d\n%s"
                                     % (self.name, code, self.log_text()))
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%s did not stop within %.0f s of SIGTERM\n%s"
                                 % (self.name, timeout, self.log_text()))
        self._reader.join(5)
        self.proc.stdout.close()
        self.proc = None
        if code != 0:
            raise AssertionError("%s exited with code %d after SIGTERM (expected 0)\n%s"
                                 % (self.name, code, self.log_text()))

    def restart(self):
        """Clean stop (exit 0 asserted), then start again on the same port and directory."""
        self.stop()
        self.start()

    def kill9(self):
        """SIGKILL, no clean shutdown. start() brings it back on the same port and dir."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self._reader.join(5)
            self.proc.stdout.close()
            self.proc = None

    def close(self):
        """stop() and remove the directory (kept when stop() fails, for a look)."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self, last_start=False):
        with self._lock:
            lines = list(self.log)
        if last_start:
            for i in range(len(lines) - 1, -1, -1):
                if lines[i].startswith("---- start #"):
                    lines = lines[i:]
                    break
        return "\n".join(lines)

    def api_versions(self, timeout=10.0):
        return api_versions(self.bootstrap, timeout)

    def missing_apis(self, wanted):
        """Names of the APIs in `wanted` ({key: name}) that ApiVersions does not list."""
        have = self.api_versions()
        return [("%s (%d)" % (name, key)) for key, name in sorted(wanted.items())
                if key not in have]

    def skip_unless_apis(self, test, wanted, what):
        missing = self.missing_apis(wanted)
        if missing:
            test.skipTest("%s: the broker does not list %s in ApiVersions yet"
                          % (what, ", ".join(missing)))


def api_versions(bootstrap, timeout=10.0):
    """The broker's ApiVersions (v0) answer: {api_key: (min_version, max_version)}."""
    host, port = bootstrap.rsplit(":", 1)
    client_id = b"sluice-harness"
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(body)) + body)

        def read(n):
            buf = b""
            while len(buf) < n:
                chunk = s.recv(n - len(buf))
                if not chunk:
                    raise ConnectionError("broker closed the connection during ApiVersions")
                buf += chunk
            return buf

        (size,) = struct.unpack(">i", read(4))
        resp = read(size)
    corr, error, count = struct.unpack_from(">ihi", resp, 0)
    if corr != 7:
        raise AssertionError("ApiVersions: correlation id %d, expected 7" % corr)
    if error != 0:
        raise AssertionError("ApiVersions v0 answered error %d" % error)
    out = {}
    for i in range(count):
        key, lo, hi = struct.unpack_from(">hhh", resp, 10 + 6 * i)
        out[key] = (lo, hi)
    return out


def main(argv=None):
    """Runs the tests named on the command line (or all). Exit 0 when they pass, 1 when
    one fails (the brokers' logs are printed), 77 when every test was skipped."""
    prog = unittest.main(argv=argv, exit=False, verbosity=2)
    result = prog.result
    failed = not result.wasSuccessful()
    if failed:
        for b in _brokers:
            sys.stderr.write("\n==== %s log (%s) ====\n%s\n" % (b.name, b.dir, b.log_text()))
    for b in _brokers:
        if b.proc is not None:
            try:
                b.kill9()
            except Exception:
                pass
    if failed:
        sys.exit(1)
    if result.testsRun == 0:
        print("no test ran", flush=True)
        sys.exit(1)
    if len(result.skipped) == result.testsRun:
        reasons = sorted({why for _, why in result.skipped})
        skip_file("all %d tests skipped: %s" % (result.testsRun, "; ".join(reasons)))
    sys.exit(0)
