"""Small helpers: deadline-based waiting, free loopback ports, HTTP JSON."""
import json
import math
import socket
import sys
import time
import urllib.request


class BenchError(Exception):
    """A benchmark step failed; the message says which and why."""


def log(message):
    """One progress line on stderr, with the wall-clock time."""
    print(time.strftime("%H:%M:%S") + " " + message, file=sys.stderr, flush=True)


def wait_until(what, check, timeout, interval=0.05, on_timeout=None):
    """Calls check() until it returns a truthy value (returned) or `timeout` seconds pass.

    Exceptions from check() count as "not yet". On timeout raises BenchError naming
    `what` and the last exception or value seen; on_timeout() may add context."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = check()
            if value:
                return value
            last = value
        except Exception as error:  # not ready yet
            last = error
        if time.monotonic() >= deadline:
            detail = on_timeout() if on_timeout else ""
            raise BenchError(f"timed out after {timeout:g} s waiting for {what} (last: {last!r}) {detail}".rstrip())
        time.sleep(interval)


def free_ports(count):
    """`count` distinct free TCP ports on 127.0.0.1 (bound together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def http_json(url, timeout=1.0):
    """GET url and parse the body as JSON."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode())


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list (fraction in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return None
    index = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]
