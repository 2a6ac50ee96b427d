"""Runs herald-loadgen (bench/LoadGen) and reads the JSON object it prints."""
import json
import os
import subprocess

from . import procs
from .util import BenchError, log


class LoadGen:
    def __init__(self, binary, workdir, threads=1):
        self.binary = binary
        self.workdir = workdir
        self.threads = threads
        self.runs = 0

    def argv(self, system, endpoints, payload, duration, connections, inflight, rate=None,
             warmup=0.0, ack_log=None, record_acks=None, extra=()):
        argv = [self.binary, "--system", system, "--endpoints", ",".join(endpoints),
                "--connections", str(connections), "--inflight", str(inflight),
                "--payload", str(payload), "--duration", f"{duration:g}", "--json",
                # the loadgen's own warm-up (default 2 s) is not counted in "acked" but its
                # CPU time and disk writes would be: warm-ups are separate runs here
                "--warmup", f"{warmup:g}", "--threads", str(self.threads), "--progress", "0"]
        if rate:
            argv += ["--rate", f"{rate:g}"]
        if ack_log:
            argv += ["--ack-log", ack_log]
        if record_acks:
            argv += ["--record-acks", record_acks]
        return argv + list(extra)

    def start(self, tag, **kwargs):
        """Starts a run in the background; returns (proc, stdout path)."""
        self.runs += 1
        stem = os.path.join(self.workdir, f"loadgen-{self.runs:03d}-{tag}")
        argv = self.argv(**kwargs)
        with open(stem + ".cmd", "w") as f:
            f.write(" ".join(argv) + "\n")
        proc = procs.spawn(f"loadgen {tag}", argv, stem + ".log", stdout_path=stem + ".json")
        return proc, stem

    def finish(self, proc, stem, timeout):
        """Waits for a run started with start() and returns its parsed JSON."""
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.stop(grace=5)
            raise BenchError(f"{proc.name} did not finish within {timeout:g} s; log {stem}.log")
        result = _last_json(stem + ".json")
        if result is None:
            raise BenchError(f"{proc.name} exited {code} without a JSON result:\n{proc.log_tail()}")
        result["exit_code"] = code
        return result

    def run(self, tag, timeout=None, **kwargs):
        """One run to completion; returns the loadgen's JSON object (plus exit_code)."""
        proc, stem = self.start(tag, **kwargs)
        limit = timeout or (kwargs["duration"] + (kwargs.get("warmup") or 0) + 90)
        return self.finish(proc, stem, limit)

    def simple(self, tag, args, timeout=120):
        """A one-off command (create a stream, verify acks): (exit code, JSON or None, text)."""
        self.runs += 1
        stem = os.path.join(self.workdir, f"loadgen-{self.runs:03d}-{tag}")
        argv = [self.binary] + args
        with open(stem + ".cmd", "w") as f:
            f.write(" ".join(argv) + "\n")
        proc = procs.spawn(f"loadgen {tag}", argv, stem + ".log", stdout_path=stem + ".json")
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.stop(grace=5)
            raise BenchError(f"{proc.name} did not finish within {timeout:g} s")
        with open(stem + ".json", errors="replace") as f:
            text = f.read()
        with open(stem + ".log", errors="replace") as f:
            text += f.read()
        return code, _last_json(stem + ".json"), text


def _last_json(path):
    """The last line of the file that parses as a JSON object."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    try:  # a pretty-printed object
        return json.loads("\n".join(lines))
    except ValueError:
        return None
