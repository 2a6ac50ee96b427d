"""The disk's physical limit, measured in the work directory's filesystem.

Two sequential-write patterns into a fresh file, each write followed by fdatasync:
1 KiB per fdatasync (how many durable flushes per second the disk does) and
1 MiB per fdatasync (the bandwidth of durable writes)."""
import os
import time


def _run(path, record_size, seconds, max_bytes):
    record = os.urandom(record_size)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    count = 0
    try:
        start = time.monotonic()
        deadline = start + seconds
        while True:
            os.write(fd, record)
            os.fdatasync(fd)
            count += 1
            now = time.monotonic()
            if now >= deadline or count * record_size >= max_bytes:
                break
        elapsed = now - start
    finally:
        os.close(fd)
        os.unlink(path)
    return count, elapsed


def measure(directory, seconds=3.0):
    """{"fsyncs_per_s_1k": ..., "mb_per_s_1m": ...} plus the raw counts."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "disk-probe.dat")
    n_small, t_small = _run(path, 1024, seconds, 1 << 30)
    n_big, t_big = _run(path, 1 << 20, seconds, 4 << 30)
    return {
        "seconds": seconds,
        "records_1k": n_small,
        "fsyncs_per_s_1k": n_small / t_small,
        "mb_per_s_1k": n_small * 1024 / t_small / 1e6,
        "records_1m": n_big,
        "fsyncs_per_s_1m": n_big / t_big,
        "mb_per_s_1m": n_big * (1 << 20) / t_big / 1e6,
    }
