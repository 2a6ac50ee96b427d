"""A 3-server NATS JetStream cluster on loopback (Debian's nats-server 2.9).

The benchmark stream (file storage, 3 replicas) is created by the loadgen
(`--nats-create-stream`); this module starts the servers and waits for the
JetStream meta leader."""
import os

from . import procs
from .util import free_ports, http_json, log, wait_until

NAME = "nats"


class NatsCluster:
    name = NAME
    client_args = ()
    failover_supported = False  # the issue asks for Herald and etcd only

    def __init__(self, workdir, nats_bin="nats-server", size=3):
        self.workdir = workdir
        self.nats_bin = nats_bin
        ports = free_ports(3 * size)
        self.servers = []
        for i in range(size):
            self.servers.append({
                "name": f"nats{i + 1}",
                "client": f"127.0.0.1:{ports[3 * i]}",
                "route": f"127.0.0.1:{ports[3 * i + 1]}",
                "monitor": f"127.0.0.1:{ports[3 * i + 2]}",
                "store": os.path.join(workdir, f"nats{i + 1}.data"),
                "config": os.path.join(workdir, f"nats{i + 1}.conf"),
                "log": os.path.join(workdir, f"nats{i + 1}.log"),
                "proc": None,
            })

    @property
    def endpoints(self):
        return [s["client"] for s in self.servers]

    def _write_config(self, s):
        routes = ",\n    ".join(f"nats-route://{o['route']}" for o in self.servers if o is not s)
        text = f"""# written by bench/run (herald cluster benchmark)
server_name: {s['name']}
listen: {s['client']}
http: {s['monitor']}
max_payload: 1MB
jetstream {{
  store_dir: "{s['store']}"
  max_memory_store: 1GB
  max_file_store: 20GB
}}
cluster {{
  name: herald-bench
  listen: {s['route']}
  routes: [
    {routes}
  ]
}}
"""
        with open(s["config"], "w") as f:
            f.write(text)

    def start(self, timeout=60):
        os.makedirs(self.workdir, exist_ok=True)
        for s in self.servers:
            self._write_config(s)
            s["proc"] = procs.spawn(s["name"], [self.nats_bin, "-js", "-c", s["config"]], s["log"])
        wait_until("nats: every server sees the JetStream meta leader", self._meta_ready, timeout,
                   interval=0.1, on_timeout=self._tails)
        log(f"nats: 3 servers up, JetStream meta leader {self.meta_leader()}")

    def _jsz(self, s):
        return http_json(f"http://{s['monitor']}/jsz", timeout=1.0)

    def meta_leader(self):
        return self._jsz(self.servers[0]).get("meta_cluster", {}).get("leader")

    def _meta_ready(self):
        leaders = set()
        for s in self.servers:
            if not s["proc"].alive():
                raise RuntimeError(f"{s['name']} exited")
            meta = self._jsz(s).get("meta_cluster", {})
            if meta.get("cluster_size") != len(self.servers):
                return False
            leaders.add(meta.get("leader"))
        return len(leaders) == 1 and None not in leaders and "" not in leaders

    def stop(self):
        for s in self.servers:
            if s["proc"]:
                s["proc"].stop()

    def server_pids(self):
        return [s["proc"].pid for s in self.servers if s["proc"] and s["proc"].alive()]

    def _tails(self):
        return "\n" + "\n".join(f"--- {s['log']}\n{s['proc'].log_tail() if s['proc'] else ''}" for s in self.servers)

    def describe(self):
        return {"endpoints": self.endpoints, "data": [s["store"] for s in self.servers]}
