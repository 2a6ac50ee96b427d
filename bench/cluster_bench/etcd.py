"""A 3-member etcd cluster on loopback (Debian's etcd-server 3.4), default settings."""
import json
import os
import subprocess

from . import procs
from .util import BenchError, free_ports, log, wait_until

NAME = "etcd"


class EtcdCluster:
    name = NAME
    client_args = ()
    # The loadgen's --ack-log term for etcd is the raft_term of the response header.
    failover_supported = True

    def __init__(self, workdir, etcd_bin="etcd", etcdctl_bin="etcdctl", size=3):
        self.workdir = workdir
        self.etcd_bin = etcd_bin
        self.etcdctl_bin = etcdctl_bin
        ports = free_ports(2 * size)
        self.members = []
        for i in range(size):
            self.members.append({
                "name": f"etcd{i + 1}",
                "peer": f"127.0.0.1:{ports[2 * i]}",
                "client": f"127.0.0.1:{ports[2 * i + 1]}",
                "data": os.path.join(workdir, f"etcd{i + 1}.data"),
                "log": os.path.join(workdir, f"etcd{i + 1}.log"),
                "proc": None,
            })
        self.initial_cluster = ",".join(f"{m['name']}=http://{m['peer']}" for m in self.members)

    @property
    def endpoints(self):
        return [m["client"] for m in self.members]

    def _argv(self, m):
        return [
            self.etcd_bin,
            "--name", m["name"],
            "--data-dir", m["data"],
            "--initial-cluster", self.initial_cluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", "herald-bench",
            "--listen-peer-urls", f"http://{m['peer']}",
            "--initial-advertise-peer-urls", f"http://{m['peer']}",
            "--listen-client-urls", f"http://{m['client']}",
            "--advertise-client-urls", f"http://{m['client']}",
            # The one change from the defaults: the 2 GB backend quota would fill up
            # during the 10 KiB runs (every message is a new key); 8 GiB is etcd's
            # documented maximum recommendation.
            "--quota-backend-bytes", str(8 << 30),
        ]

    def _start_member(self, i):
        m = self.members[i]
        m["proc"] = procs.spawn(m["name"], self._argv(m), m["log"])

    def start(self, timeout=60):
        os.makedirs(self.workdir, exist_ok=True)
        for i in range(len(self.members)):
            self._start_member(i)
        self.wait_healthy(timeout)
        self._etcdctl(["put", "herald-bench-probe", "ok"], endpoints=self.endpoints, timeout=10)
        log(f"etcd: 3 members up, leader {self.leader()}")

    def stop(self):
        for m in self.members:
            if m["proc"]:
                m["proc"].stop()

    def server_pids(self):
        return [m["proc"].pid for m in self.members if m["proc"] and m["proc"].alive()]

    def _etcdctl(self, args, endpoints, timeout=5):
        env = dict(os.environ, ETCDCTL_API="3")
        result = subprocess.run(
            [self.etcdctl_bin, "--endpoints", ",".join(endpoints), "--dial-timeout", "1s",
             "--command-timeout", f"{max(1, int(timeout))}s"] + args,
            capture_output=True, text=True, env=env, timeout=timeout + 5)
        if result.returncode != 0:
            raise BenchError(f"etcdctl {' '.join(args)}: {result.stderr.strip()[:300]}")
        return result.stdout

    def statuses(self):
        """[(member index, status dict) ...] for the members that answer."""
        rows = []
        for i, m in enumerate(self.members):
            if not (m["proc"] and m["proc"].alive()):
                continue
            try:
                out = self._etcdctl(["endpoint", "status", "-w", "json"], endpoints=[m["client"]], timeout=2)
                rows.append((i, json.loads(out)[0]["Status"]))
            except (BenchError, subprocess.SubprocessError, ValueError, IndexError, KeyError):
                pass
        return rows

    def leader(self):
        """(member index, term) when every live member names the same leader, else None."""
        rows = self.statuses()
        live = [m for m in self.members if m["proc"] and m["proc"].alive()]
        if not rows or len(rows) != len(live):
            return None
        leaders = {s["leader"] for _, s in rows}
        if len(leaders) != 1 or 0 in leaders:
            return None
        leader_id = leaders.pop()
        for i, s in rows:
            if s["header"]["member_id"] == leader_id:
                return i, s["raftTerm"]
        return None

    def _healthy(self):
        rows = self.statuses()
        if len(rows) != len(self.members):
            return False
        leaders = {s["leader"] for _, s in rows}
        terms = {s["raftTerm"] for _, s in rows}
        if len(leaders) != 1 or 0 in leaders or len(terms) != 1:
            return False
        # caught up: every member has applied at least what the leader had committed a moment ago
        top = max(s["raftIndex"] for _, s in rows)
        return all(s.get("raftAppliedIndex", s["raftIndex"]) >= top - 1000 for _, s in rows)

    def wait_healthy(self, timeout=60):
        """All members up, one agreed leader, everyone caught up, a linearizable read works."""
        wait_until("etcd: all members agree on a leader", self._healthy, timeout, interval=0.1,
                   on_timeout=self._tails)
        wait_until("etcd: a linearizable read", lambda: self._etcdctl(
            ["get", "herald-bench-probe"], endpoints=self.endpoints, timeout=2) is not None, timeout)

    def leader_pid(self):
        found = self.leader()
        if not found:
            raise BenchError("etcd: no agreed leader")
        i, term = found
        return i, term, self.members[i]["proc"]

    def kill_member(self, i):
        return self.members[i]["proc"].kill9()

    def restart_member(self, i):
        self._start_member(i)

    def _tails(self):
        return "\n" + "\n".join(f"--- {m['log']}\n{m['proc'].log_tail() if m['proc'] else ''}" for m in self.members)

    def describe(self):
        return {"endpoints": self.endpoints, "data": [m["data"] for m in self.members]}
