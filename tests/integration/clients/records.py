"""Record sets for the client tests: random keys, binary values and headers made from a
seeded Random, and an exact comparison that names the first difference."""

import collections
import time

Record = collections.namedtuple("Record", "partition key value headers timestamp")


def now_ms():
    return int(time.time() * 1000)


def random_bytes(rng, n):
    return rng.randbytes(n)


def make_records(rng, count, partitions, base_ts=None, null_keys=True, null_values=True,
                 null_header_values=True, max_value=2000, big_every=1000):
    """`count` records spread over `partitions` at random. Timestamps increase by 1 ms per
    record from base_ts (an hour ago by default). Keys are binary or text, sometimes null
    or empty; values are random bytes (every `big_every`-th is ~100 KiB), sometimes null
    or empty; 0-3 headers with repeated names, binary values, sometimes null."""
    if base_ts is None:
        base_ts = now_ms() - 3_600_000
    out = []
    for i in range(count):
        r = rng.random()
        if null_keys and r < 0.03:
            key = None
        elif r < 0.06:
            key = b""
        elif r < 0.5:
            key = b"key-%d" % rng.randrange(200)
        else:
            key = random_bytes(rng, rng.randrange(1, 40))
        r = rng.random()
        if null_values and r < 0.02:
            value = None
        elif r < 0.04:
            value = b""
        elif big_every and i % big_every == big_every - 1:
            value = random_bytes(rng, 100_000 + rng.randrange(5000))
        else:
            value = random_bytes(rng, rng.randrange(1, max_value))
        if key is None and value is None:
            value = b""  # kafka-python refuses a record with neither
        headers = []
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            name = "h%d" % rng.randrange(3)  # repeats happen, and their order matters
            if null_header_values and rng.random() < 0.05:
                hv = None
            else:
                hv = random_bytes(rng, rng.randrange(0, 30))
            headers.append((name, hv))
        out.append(Record(rng.randrange(partitions), key, value, headers, base_ts + i))
    return out


def by_partition(records, partitions):
    out = {p: [] for p in range(partitions)}
    for r in records:
        out[r.partition].append(r)
    return out


def _short(v):
    if v is None:
        return "None"
    if isinstance(v, (bytes, bytearray)):
        return "%d bytes %r%s" % (len(v), bytes(v[:24]), "..." if len(v) > 24 else "")
    return repr(v)


def compare(test, expected, got, what, check_timestamps=True):
    """expected and got: {partition: [Record...]} in offset order. Fails on the first
    difference, naming partition, offset and field."""
    test.assertEqual(sorted(expected), sorted(got), "%s: partitions" % what)
    for p in sorted(expected):
        e, g = expected[p], got[p]
        for off, (er, gr) in enumerate(zip(e, g)):
            fields = ("key", "value", "headers") + (("timestamp",) if check_timestamps else ())
            for field in fields:
                ev, gv = getattr(er, field), getattr(gr, field)
                if ev != gv:
                    test.fail("%s: partition %d offset %d: %s differs: expected %s, got %s"
                              % (what, p, off, field, _short(ev), _short(gv)))
        test.assertEqual(len(e), len(g), "%s: partition %d record count" % (what, p))
