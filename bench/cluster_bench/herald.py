"""A 3-node Herald cluster on loopback: release heraldd, config written to the work dir."""
import json
import os
import subprocess

from . import procs
from .util import BenchError, free_ports, http_json, log, wait_until

NAME = "herald"


def example_raft_timings():
    """The `raft` section of the repository's cluster.example.json."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "cluster.example.json")) as f:
        return json.load(f)["raft"]


class HeraldCluster:
    name = NAME
    failover_supported = True
    # Herald's client library moves to the leader named in `welcome` (HeraldClient's
    # followLeader, on by default); the load generator does the same.
    client_args = ("--follow-leader",)

    def __init__(self, workdir, heraldd_bin, herald_bin, size=3):
        self.workdir = workdir
        self.heraldd_bin = heraldd_bin
        self.herald_bin = herald_bin
        ports = free_ports(3 * size)
        self.nodes = []
        for i in range(size):
            self.nodes.append({
                "id": i + 1,
                "peer": f"127.0.0.1:{ports[3 * i]}",
                "client": f"127.0.0.1:{ports[3 * i + 1]}",
                "http": f"127.0.0.1:{ports[3 * i + 2]}",
                "log": os.path.join(workdir, f"node-{i + 1}.log"),
                "proc": None,
            })
        self.config_path = os.path.join(workdir, "cluster.json")
        # The Raft timings of cluster.example.json, the default for a local network
        # (etcd runs with its own defaults: 100 ms heartbeat, 1000 ms election).
        self.config = {
            "clusterName": "herald-bench",
            "dataDirectory": os.path.join(workdir, "data"),
            "raft": example_raft_timings(),
            "nodes": [{"id": n["id"], "region": f"local-{'abc'[i % 3]}{i // 3 or ''}",
                       "peerAddress": n["peer"], "clientAddress": n["client"], "httpAddress": n["http"]}
                      for i, n in enumerate(self.nodes)],
        }

    @property
    def endpoints(self):
        return [n["client"] for n in self.nodes]

    def _start_node(self, i):
        n = self.nodes[i]
        n["proc"] = procs.spawn(f"heraldd node {n['id']}",
                                [self.heraldd_bin, "--config", self.config_path, "--node", str(n["id"])],
                                n["log"])

    def start(self, timeout=60):
        os.makedirs(self.workdir, exist_ok=True)
        with open(self.config_path, "w") as f:
            json.dump(self.config, f, indent=2)
        for i in range(len(self.nodes)):
            self._start_node(i)
        self.wait_healthy(timeout)
        log(f"herald: 3 nodes up, leader node {self.leader()[0] + 1}")

    def stop(self):
        for n in self.nodes:
            if n["proc"]:
                n["proc"].stop()

    def server_pids(self):
        return [n["proc"].pid for n in self.nodes if n["proc"] and n["proc"].alive()]

    def status(self, i):
        return http_json(f"http://{self.nodes[i]['http']}/v1/status", timeout=1.0)

    def statuses(self):
        rows = []
        for i, n in enumerate(self.nodes):
            if not (n["proc"] and n["proc"].alive()):
                continue
            try:
                rows.append((i, self.status(i)))
            except (OSError, ValueError):
                pass
        return rows

    def leader(self):
        """(node index, term) when every live node names the same leader, else None."""
        rows = self.statuses()
        live = [n for n in self.nodes if n["proc"] and n["proc"].alive()]
        if not rows or len(rows) != len(live):
            return None
        leaders = {s.get("leader") for _, s in rows}
        if len(leaders) != 1 or None in leaders:
            return None
        leader_id = leaders.pop()
        for i, s in rows:
            if s["node"] == leader_id and s["role"] == "leader":
                return i, s["term"]
        return None

    def _healthy(self):
        for n in self.nodes:
            if not n["proc"].alive():
                raise BenchError(f"heraldd node {n['id']} exited:\n{n['proc'].log_tail()}")
        rows = self.statuses()
        if len(rows) != len(self.nodes):
            return False
        if len({s.get("leader") for _, s in rows}) != 1 or len({s["term"] for _, s in rows}) != 1:
            return False
        if not all(s.get("ready") for _, s in rows):
            return False
        leader = [s for _, s in rows if s["role"] == "leader"]
        if not leader:
            return False
        # the leader talks to every follower, and every follower has caught up to
        # within a second of traffic (at most 1000 entries behind the leader's commit)
        others = {n["id"] for n in self.nodes} - {leader[0]["node"]}
        if not others <= set(leader[0].get("connectedPeers", [])):
            return False
        commit = leader[0]["commitIndex"]
        return all(s["appliedIndex"] >= commit - 1000 for _, s in rows)

    def _test_write(self):
        if not (self.herald_bin and os.path.exists(self.herald_bin)):
            return True  # the loadgen's first run is the write test then
        result = subprocess.run(
            [self.herald_bin, "--cluster", self.config_path, "--timeout", "3", "enqueue",
             "--from", "bench@example.com", "--to", "probe@example.org",
             "--subject", "probe", "--body", "cluster benchmark probe", "--json"],
            capture_output=True, text=True, timeout=20)
        if result.returncode != 0:
            raise BenchError(f"herald enqueue: {result.stderr.strip()[:300]}")
        return True

    def wait_healthy(self, timeout=60):
        """Every node up and ready, one agreed leader connected to all, a write acknowledged."""
        wait_until("herald: all nodes ready with one leader", self._healthy, timeout, interval=0.1,
                   on_timeout=self._tails)
        wait_until("herald: a test enqueue", self._test_write, timeout, interval=0.2)

    def leader_pid(self):
        found = self.leader()
        if not found:
            raise BenchError("herald: no agreed leader")
        i, term = found
        return i, term, self.nodes[i]["proc"]

    def kill_member(self, i):
        return self.nodes[i]["proc"].kill9()

    def restart_member(self, i):
        self._start_node(i)

    def _tails(self):
        return "\n" + "\n".join(f"--- {n['log']}\n{n['proc'].log_tail() if n['proc'] else ''}" for n in self.nodes)

    def describe(self):
        return {"endpoints": self.endpoints, "config": self.config_path, "data": self.config["dataDirectory"]}
