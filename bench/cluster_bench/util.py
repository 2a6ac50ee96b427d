"""Small helpers: deadline-based waiting, free loopback ports, HTTP JSON."""
import json
import math
import random
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


# Ports the bench hands out, below the kernel's ephemeral range (32768 and up by
# default) and below the range the Swift tests use (20000-31999). NB: a port found with
# bind(0) comes from the ephemeral range; once released it can become the local port of
# some outgoing connection (a node dialling its peers) before the server meant to listen
# on it binds, and that server then fails with "address already in use".
_PORT_RANGE = range(12000, 20000)
_handed_out = set()


def free_ports(count):
    """`count` distinct TCP ports on 127.0.0.1 that are bindable now, never handed out
    before by this process, and outside the ephemeral range."""
    ports = []
    candidates = list(_PORT_RANGE)
    random.shuffle(candidates)
    for port in candidates:
        if len(ports) == count:
            break
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        ports.append(port)
    if len(ports) < count:
        raise BenchError(f"only {len(ports)} of {count} free ports in {_PORT_RANGE.start}-{_PORT_RANGE.stop - 1}")
    return ports


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
