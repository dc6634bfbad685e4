#!/usr/bin/env python3
"""Summarises one perf/run-storage run: pairs each Sluice figure with the fio figure for
the same write mode, prints the table and saves <out>.txt and <out>.json.

Raw inputs (in the run's scratch dir): <round>.fio.<key>.json (fio --output-format=json)
and <round>.sluice.<key>.json / 0.extra.<name>.json (Google Benchmark JSON).
Per key the best round counts, on both sides: interference only slows a run down.
MB/s are 10^6 bytes per second.
"""
import argparse
import glob
import json
import os
import platform
import time

# (label, sluice key, fio key, held to the 0.9x target)
ROWS = [
    ("log append, group commit, 16 KiB batches, 1 MiB window", "log-gc-16k-w1m", "buf-16k-end", True),
    ("log append, group commit, 16 KiB batches, 8 MiB window", "log-gc-16k-w8m", "buf-16k-end", True),
    ("  same, vs fio 1 MiB writes (~ the log's writev size)", "log-gc-16k-w1m", "buf-1m-end", False),
    ("log append, group commit, 1 MiB batches, 8 MiB window", "log-gc-1m-w8m", "buf-1m-end", True),
    ("log append, fdatasync per batch, 16 KiB", "log-fds-16k", "buf-16k-fds", True),
    ("log append, fdatasync per batch, 1 MiB", "log-fds-1m", "buf-1m-fds", True),
    ("log append O_DIRECT, group commit, 16 KiB batches, 1 MiB window", "log-dir-gc-16k-w1m", "dir-16k-end", True),
    ("log append O_DIRECT, group commit, 16 KiB batches, 8 MiB window", "log-dir-gc-16k-w8m", "dir-16k-end", True),
    ("  same, vs fio O_DIRECT 1 MiB writes", "log-dir-gc-16k-w1m", "dir-1m-end", False),
    ("log append O_DIRECT, group commit, 1 MiB batches, 8 MiB window", "log-dir-gc-1m-w8m", "dir-1m-end", True),
    ("log append O_DIRECT, fdatasync per batch, 16 KiB", "log-dir-fds-16k", "dir-16k-fds", True),
    ("log append O_DIRECT, fdatasync per batch, 1 MiB", "log-dir-fds-1m", "dir-1m-fds", True),
    ("prototype buffered, 16 KiB writes, end fdatasync", "proto-buf-16k-end", "buf-16k-end", False),
    ("prototype buffered, 64x16 KiB writes, end fdatasync", "proto-buf-16kx64-end", "buf-1m-end", False),
    ("prototype buffered, 1 MiB writes, end fdatasync", "proto-buf-1m-end", "buf-1m-end", False),
    ("prototype buffered, 16 KiB, fdatasync per write", "proto-buf-16k-fds", "buf-16k-fds", False),
    ("prototype buffered, 1 MiB, fdatasync per write", "proto-buf-1m-fds", "buf-1m-fds", False),
    ("prototype O_DIRECT, 16 KiB writes, end fdatasync", "proto-dir-16k-end", "dir-16k-end", False),
    ("prototype O_DIRECT, 64x16 KiB writes, end fdatasync", "proto-dir-16kx64-end", "dir-1m-end", False),
    ("prototype O_DIRECT, 1 MiB writes, end fdatasync", "proto-dir-1m-end", "dir-1m-end", False),
    ("prototype O_DIRECT, 16 KiB, fdatasync per write", "proto-dir-16k-fds", "dir-16k-fds", False),
    ("prototype O_DIRECT, 1 MiB, fdatasync per write", "proto-dir-1m-fds", "dir-1m-fds", False),
]

FIO_MODES = [("16 KiB, end fdatasync", "buf-16k-end", "dir-16k-end"),
             ("1 MiB, end fdatasync", "buf-1m-end", "dir-1m-end"),
             ("16 KiB, fdatasync per write", "buf-16k-fds", "dir-16k-fds"),
             ("1 MiB, fdatasync per write", "buf-1m-fds", "dir-1m-fds")]


def load(raw):
    fio, sluice, extra = {}, {}, []
    for path in sorted(glob.glob(os.path.join(raw, "*.json"))):
        _, kind, key = os.path.basename(path)[:-5].split(".", 2)
        with open(path) as f:
            doc = json.load(f)
        if kind == "fio":
            fio.setdefault(key, []).append(doc["jobs"][0]["write"]["bw_bytes"] / 1e6)
        elif kind == "sluice":
            b = doc["benchmarks"]
            ok = b and not b[0].get("error_occurred")
            sluice.setdefault(key, []).append(b[0]["bytes_per_second"] / 1e6 if ok else None)
        else:
            extra.extend(doc["benchmarks"])
    return fio, sluice, extra


def best(values):
    values = [v for v in values or [] if v is not None]
    return max(values) if values else None


def fmt(v):
    return "-" if v is None else "%.0f" % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("out")
    ap.add_argument("--pages", default="")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--fs", default="")
    ap.add_argument("--fio-version", default="")
    ap.add_argument("--seconds", type=int, default=0)
    a = ap.parse_args()
    fio, sluice, extra = load(a.raw)

    lines = [
        "Sluice storage vs fio, %s UTC, kernel %s, %d CPUs, %s" %
        (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), platform.release(), os.cpu_count(), a.fs),
        "%s; pages %s; best of %d rounds; load avg %s; %d s; MB/s = 10^6 B/s" %
        (a.fio_version, a.pages, a.rounds, " ".join("%.2f" % x for x in os.getloadavg()),
         a.seconds),
        "",
        "%-54s %8s %8s %6s" % ("mode (fio: same write size and sync, psync, QD1)", "Sluice", "fio",
                               "ratio"),
    ]
    rows = []
    for label, skey, fkey, target in ROWS:
        s, f = best(sluice.get(skey)), best(fio.get(fkey))
        ratio = s / f if s is not None and f else None
        mark = ""
        if target and ratio is not None:
            mark = "  ok" if ratio >= 0.9 else "  BELOW 0.9"
        lines.append("%-54s %8s %8s %6s%s" % (label, fmt(s), fmt(f),
                                              "-" if ratio is None else "%.2f" % ratio, mark))
        rows.append({"mode": label, "sluice_key": skey, "fio_key": fkey,
                     "sluice_mb_s": sluice.get(skey), "fio_mb_s": fio.get(fkey),
                     "sluice_best": s, "fio_best": f, "ratio": ratio, "target": target})

    lines += ["", "fio alone, O_DIRECT vs buffered (same size and sync):"]
    for label, buf, direct in FIO_MODES:
        b, d = best(fio.get(buf)), best(fio.get(direct))
        lines.append("  %-32s buffered %6s  O_DIRECT %6s  direct/buffered %s" %
                     (label, fmt(b), fmt(d), "%.2f" % (d / b) if b and d else "-"))

    lines += ["", "once (no fio counterpart):"]
    for b in extra:
        if b.get("error_occurred"):
            lines.append("  %-74s failed: %s" % (b["name"], b.get("error_message")))
            continue
        per = b["real_time"]
        lines.append("  %-74s %8.0f MB/s %10.1f %s/iter" %
                     (b["name"], b["bytes_per_second"] / 1e6, per, b["time_unit"]))

    text = "\n".join(lines) + "\n"
    with open(a.out + ".txt", "w") as f:
        f.write(text)
    with open(a.out + ".json", "w") as f:
        json.dump({"pages": a.pages, "rounds": a.rounds, "fs": a.fs, "fio_version": a.fio_version,
                   "kernel": platform.release(), "seconds": a.seconds, "rows": rows,
                   "fio_mb_s": fio, "sluice_mb_s": sluice,
                   "extra": [{k: b.get(k) for k in ("name", "real_time", "time_unit",
                                                     "bytes_per_second", "error_message")}
                             for b in extra]}, f, indent=1)


if __name__ == "__main__":
    main()
