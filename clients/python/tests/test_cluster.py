"""The Python client against a real 3-node Herald cluster: `heraldd` processes on
loopback with free ports, a generated configuration and data in a temporary directory.

Needs the built daemon: HERALD_BIN_DIR, else <repo>/.build/debug/heraldd (run
`swift build` first). Run from the repository root:
python3 -m unittest discover -s clients/python/tests -v"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import herald_client as h  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def heraldd_path() -> str:
    directory = os.environ.get("HERALD_BIN_DIR") or os.path.join(REPO, ".build", "debug")
    return os.path.join(directory, "heraldd")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.05):
    """Polls ``condition`` until it returns something truthy or ``timeout`` seconds pass;
    returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def message(number: int) -> bytes:
    return ("From: sender@example.com\r\nTo: rcpt%d@example.org\r\nSubject: message %d\r\n\r\nbody %d\r\n"
            % (number, number, number)).encode()


class LocalCluster:
    """Three heraldd processes; the shape of Tests/ClusterTests/LocalCluster.swift."""

    def __init__(self, size: int = 3, name: str = "python") -> None:
        self.binary = heraldd_path()
        self.directory = tempfile.mkdtemp(prefix="herald-python-")
        self.nodes = [{"id": node, "peer": free_port(), "client": free_port(), "http": free_port()}
                      for node in range(1, size + 1)]
        config = {
            "clusterName": name,
            "dataDirectory": "data",
            "raft": {"tickMilliseconds": 100, "heartbeatTicks": 1, "electionTicks": 10},
            "nodes": [{"id": node["id"], "region": "r%d" % node["id"],
                       "peerAddress": "127.0.0.1:%d" % node["peer"],
                       "clientAddress": "127.0.0.1:%d" % node["client"],
                       "httpAddress": "127.0.0.1:%d" % node["http"]} for node in self.nodes],
        }
        self.config_path = os.path.join(self.directory, "cluster.json")
        with open(self.config_path, "w") as file:
            json.dump(config, file)
        self.processes = {}

    def start(self) -> None:
        for node in self.nodes:
            log = open(os.path.join(self.directory, "node-%d.log" % node["id"]), "ab")
            self.processes[node["id"]] = subprocess.Popen(
                [self.binary, "--config", self.config_path, "--node", str(node["id"]), "--log-level", "info"],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            log.close()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        shutil.rmtree(self.directory, ignore_errors=True)

    def addresses(self):
        return ["127.0.0.1:%d" % node["client"] for node in self.nodes]

    def status(self, node: dict):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/v1/status" % node["http"], timeout=2) as response:
                return json.loads(response.read())
        except (OSError, ValueError):
            return None

    def agreed_leader(self):
        """The leader every node names, when they all agree and it says it leads."""
        statuses = [self.status(node) for node in self.nodes]
        if any(status is None for status in statuses):
            return None
        leaders = {status.get("leader") for status in statuses}
        if len(leaders) != 1:
            return None
        leader = leaders.pop()
        for node, status in zip(self.nodes, statuses):
            if node["id"] == leader and status.get("role") == "leader":
                return leader
        return None

    def log_tails(self, lines: int = 15) -> str:
        out = []
        for node in self.nodes:
            try:
                with open(os.path.join(self.directory, "node-%d.log" % node["id"]), errors="replace") as file:
                    tail = file.read().splitlines()[-lines:]
            except OSError:
                tail = []
            out.append("--- node %d\n%s" % (node["id"], "\n".join(tail)))
        return "\n".join(out)


class ClusterTests(unittest.TestCase):
    cluster = None
    client = None

    @classmethod
    def setUpClass(cls) -> None:
        if not os.access(heraldd_path(), os.X_OK):
            raise AssertionError("heraldd not found at %s: run `swift build` first (or set HERALD_BIN_DIR)"
                                 % heraldd_path())
        cls.cluster = LocalCluster()
        try:
            cls.cluster.start()
            leader = wait_until(cls.cluster.agreed_leader, timeout=30)
            if not leader:
                raise AssertionError("no leader within 30 s\n" + cls.cluster.log_tails())
            cls.client = h.HeraldClient(cls.cluster.addresses(), timeout=20, client_name="python-cluster-test")
        except BaseException:
            cls.cluster.stop()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        if cls.client is not None:
            cls.client.close()
        if cls.cluster is not None:
            cls.cluster.stop()

    def test_pipelined_enqueue_many(self):
        envelopes = [h.Envelope("sender@example.com", ["rcpt%d@example.org" % n], message(n),
                                idempotency_key="many-%d" % n) for n in range(500)]
        results = self.client.enqueue_many(envelopes)
        self.assertEqual(len(results), 500)
        failures = [result for result in results if not isinstance(result, h.EnqueueAck)]
        self.assertEqual(failures, [])
        self.assertEqual(len({ack.id for ack in results}), 500, "ids are not unique")
        for ack in results:
            self.assertRegex(ack.id, "^[0-9a-f]{32}$")
            self.assertFalse(ack.duplicate)
            self.assertGreater(ack.index, 0)

    def test_idempotent_retry(self):
        first = self.client.enqueue("sender@example.com", ["retry@example.org"], message(1), idempotency_key="order-42")
        again = self.client.enqueue("sender@example.com", ["retry@example.org"], message(1), idempotency_key="order-42")
        self.assertFalse(first.duplicate)
        self.assertTrue(again.duplicate)
        self.assertEqual(again.id, first.id)

    def test_status_and_cancel(self):
        ack = self.client.enqueue("sender@example.com", ["a@example.org", "b@example.org"], message(2),
                                  not_before_ms=int(time.time() * 1000) + 3_600_000)
        status = self.client.message_status(ack.id)
        self.assertEqual(status.id, ack.id)
        self.assertGreater(status.enqueued_at_ms, 0)
        self.assertEqual(sorted(r.address for r in status.recipients), ["a@example.org", "b@example.org"])
        self.assertEqual({r.state for r in status.recipients}, {"queued"})
        self.assertEqual(self.client.cancel(ack.id), 2)
        cancelled = self.client.message_status(ack.id)
        self.assertEqual({r.state for r in cancelled.recipients}, {"cancelled"})
        self.assertEqual(self.client.cancel(ack.id), 0)
        with self.assertRaises(h.HeraldError) as raised:
            self.client.message_status("00" * 16)
        self.assertEqual(raised.exception.code, h.ErrorCode.NOT_FOUND)

    def test_suppression(self):
        address = "blocked@example.net"
        self.client.suppress_add(address, "complaint", "python-test")
        entry = self.client.suppress_check(address)
        self.assertIsNotNone(entry)
        self.assertEqual((entry.address, entry.reason, entry.source), (address, "complaint", "python-test"))
        self.assertGreater(entry.since_ms, 0)
        self.assertIn(address, [e.address for e in self.client.suppress_list()])
        self.assertEqual([e.address for e in self.client.suppress_list(after=address)
                          if e.address == address], [])

        ack = self.client.enqueue("sender@example.com", [address, "open@example.org"], message(3))
        self.assertEqual(ack.suppressed, [address])
        states = {r.address: r.state for r in self.client.message_status(ack.id).recipients}
        self.assertEqual(states, {address: "suppressed", "open@example.org": "queued"})

        self.assertTrue(self.client.suppress_remove(address))
        self.assertFalse(self.client.suppress_remove(address))
        self.assertIsNone(self.client.suppress_check(address))

    def test_invalid_address(self):
        with self.assertRaises(h.HeraldError) as raised:
            self.client.enqueue("sender@example.com", ["not an address"], message(4))
        self.assertEqual(raised.exception.code, 5)
        self.assertEqual(raised.exception.code, h.ErrorCode.INVALID_ADDRESS)
        self.assertFalse(raised.exception.retryable)

    def test_cluster_status_converges(self):
        self.client.enqueue("sender@example.com", ["status@example.org"], message(5))

        def converged():
            status = self.client.cluster_status()
            nodes = status.nodes
            same = (len(nodes) == 3 and all(node.reachable for node in nodes)
                    and len({(node.applied_index, node.digest) for node in nodes}) == 1
                    and all(node.commit_index >= node.applied_index > 0 for node in nodes))
            return status if same else None

        status = wait_until(converged, timeout=20, interval=0.1)
        self.assertIsNotNone(status, "cluster status never showed 3 reachable nodes with equal digests\n"
                             + self.cluster.log_tails())
        self.assertIn(status.leader, (1, 2, 3))
        self.assertGreater(status.term, 0)
        self.assertEqual(sorted(node.node for node in status.nodes), [1, 2, 3])
        self.assertEqual([node.role for node in status.nodes].count("leader"), 1)


if __name__ == "__main__":
    unittest.main()
