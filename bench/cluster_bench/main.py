"""bench/run: the command line, the profiles and the order of the scenarios."""
import argparse
import datetime
import importlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

from . import disk, failover, osstats, plot, procs, report
from .etcd import EtcdCluster
from .herald import HeraldCluster
from .loadgen import LoadGen
from .nats import NatsCluster
from .util import BenchError, log

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ALL_SYSTEMS = ["herald", "etcd", "nats"]
ALL_PARTS = ["disk", "throughput", "latency", "rounds", "sweep", "failover"]
BUILD_LOCK = "/tmp/herald-swift-build.lock"


def _csv(text, cast=str):
    return [cast(x) for x in text.split(",") if x.strip()]


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench/run",
        description="Enqueue benchmark: 3-member Herald, etcd and NATS JetStream clusters on loopback "
                    "(issue #6). Without options: the full profile (20-40 minutes), which also "
                    "rewrites the results section of docs/benchmarks.md and docs/benchmarks-latency.png.")
    p.add_argument("--quick", action="store_true",
                   help="smoke profile: 1 KiB only, 3 s runs, one alternated round, 2 leader kills, no sweep "
                        "(a couple of minutes)")
    p.add_argument("--workdir", default="/tmp/herald-bench", help="data, logs and results.json (default %(default)s)")
    p.add_argument("--systems", default=",".join(ALL_SYSTEMS), help="subset of %(default)s")
    p.add_argument("--only", default=",".join(ALL_PARTS), help="parts to run, subset of %(default)s")
    p.add_argument("--payloads", help="payload sizes in bytes (default 256,1024,10240; quick: 1024)")
    p.add_argument("--connections", type=int, default=8, help="loadgen connections (default %(default)s)")
    p.add_argument("--inflight", type=int, default=64, help="requests in flight per connection (default %(default)s)")
    p.add_argument("--duration", type=float, help="seconds per closed-loop throughput run (default 20; quick 3)")
    p.add_argument("--latency-duration", type=float, help="seconds per fixed-rate run (default 15; quick 3)")
    p.add_argument("--warmup", type=float, help="seconds of closed-loop warm-up on each fresh cluster (default 3; quick 1)")
    p.add_argument("--loadgen-threads", type=int, default=1,
                   help="event-loop threads of the load generator (default %(default)s; the machine is shared with the servers)")
    p.add_argument("--rounds", type=int,
                   help="alternated closed-loop rounds at the sweep payload, each system once per round on a "
                        "fresh cluster, for ratios that outside load shifts less (default 3; quick 1)")
    p.add_argument("--round-rate", type=float, default=10000,
                   help="in each alternated round, an open-loop run at this offered rate (sweep payload, "
                        "latency duration) before the closed loop, so p99 is compared round by round "
                        "(default %(default)g; 0 for none)")
    p.add_argument("--rates", default="1000,10000", help="fixed offered rates for the latency table (default %(default)s)")
    p.add_argument("--sweep-rates", default="1000,2000,5000,10000,20000,40000,80000,160000",
                   help="offered rates for the plot, in order (default %(default)s)")
    p.add_argument("--sweep-payload", type=int, default=1024, help="payload of the sweep (default %(default)s)")
    p.add_argument("--sweep-duration", type=float, help="seconds per sweep point (default 10)")
    p.add_argument("--kills", type=int, help="leader kills per system (default 20; quick 2)")
    p.add_argument("--failover-rate", type=float, default=1000, help="offered rate during the kills (default %(default)s)")
    p.add_argument("--disk-seconds", type=float, help="seconds per raw disk pattern (default 5; quick 1)")
    p.add_argument("--herald-bin", default=os.path.join(REPO, ".build/release/heraldd"))
    p.add_argument("--herald-cli-bin", default=os.path.join(REPO, ".build/release/herald"))
    p.add_argument("--loadgen-bin", default=os.path.join(REPO, ".build/release/herald-loadgen"))
    p.add_argument("--etcd-bin", default="etcd")
    p.add_argument("--etcdctl-bin", default="etcdctl")
    p.add_argument("--nats-bin", default="nats-server")
    p.add_argument("--no-build", action="store_true", help="never run swift build (fail if a binary is missing)")
    p.add_argument("--no-install", action="store_true", help="never apt-get install etcd / nats-server")
    p.add_argument("--report-only", metavar="RESULTS_JSON",
                   help="run nothing: rewrite results.md (and with --write-docs the docs) from a results.json")
    p.add_argument("--keep-data", action="store_true", help="keep each scenario's data directories")
    docs = p.add_mutually_exclusive_group()
    docs.add_argument("--write-docs", action="store_true",
                      help="update docs/benchmarks.md (+ plot) even for a quick or partial run")
    docs.add_argument("--no-docs", action="store_true", help="never touch docs/")
    args = p.parse_args(argv)
    args.systems = _csv(args.systems)
    args.only = _csv(args.only)
    for s in args.systems:
        if s not in ALL_SYSTEMS:
            p.error(f"--systems: unknown system {s!r} (use {','.join(ALL_SYSTEMS)})")
    for part in args.only:
        if part not in ALL_PARTS:
            p.error(f"--only: unknown part {part!r} (use {','.join(ALL_PARTS)})")
    q = args.quick
    args.payloads = _csv(args.payloads, int) if args.payloads else ([1024] if q else [256, 1024, 10240])
    args.duration = args.duration or (3 if q else 20)
    args.latency_duration = args.latency_duration or (3 if q else 15)
    args.warmup = args.warmup if args.warmup is not None else (1 if q else 3)
    args.sweep_duration = args.sweep_duration or 10
    args.kills = args.kills if args.kills is not None else (2 if q else 20)
    args.disk_seconds = args.disk_seconds or (1 if q else 5)
    args.rates = _csv(args.rates, float)
    args.sweep_rates = _csv(args.sweep_rates, float)
    args.rounds = args.rounds if args.rounds is not None else (1 if q else 3)
    if q and "sweep" in args.only and "--only" not in " ".join(argv):
        args.only.remove("sweep")
    args.profile = "quick" if q else "full"
    return args


# ---------------------------------------------------------------- preparation

def _run_quiet(argv, **kw):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30, **kw)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def ensure_packages(args):
    want = []
    if "etcd" in args.systems and not (shutil.which(args.etcd_bin) and shutil.which(args.etcdctl_bin)):
        want += ["etcd-server", "etcd-client"]
    if "nats" in args.systems and not shutil.which(args.nats_bin):
        want += ["nats-server"]
    if not want:
        return
    if args.no_install:
        raise BenchError(f"missing {' '.join(want)} (and --no-install given)")
    log(f"installing {' '.join(want)} with apt-get")
    r = _apt_install(want)
    if r.returncode != 0:
        raise BenchError(f"apt-get install {' '.join(want)} failed:\n{r.stderr[-1500:]}")


def _apt_install(packages):
    """`apt-get install -y packages` (through sudo unless root), once more after an
    `apt-get update` if it fails; the completed process of the last attempt."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    r = subprocess.run(prefix + ["apt-get", "install", "-y"] + packages, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(prefix + ["apt-get", "update", "-qq"], env=env, capture_output=True)
        r = subprocess.run(prefix + ["apt-get", "install", "-y"] + packages, env=env, capture_output=True, text=True)
    return r


def ensure_plotting(args):
    """matplotlib for the latency plot of the sweep: Debian's python3-matplotlib for
    Debian's own Python, pip (PyPI) for any other interpreter (pyenv, a venv)."""
    if "sweep" not in args.only or plot.available():
        return
    if args.no_install:
        log("matplotlib is missing (and --no-install given): the plot will be skipped")
        return
    if sys.prefix == "/usr":
        log("installing matplotlib for the plot: apt-get install python3-matplotlib")
        r = _apt_install(["python3-matplotlib"])
    else:
        argv = [sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"]
        log(f"installing matplotlib for the plot: {' '.join(argv)}")
        r = subprocess.run(argv, capture_output=True, text=True)
    importlib.invalidate_caches()
    if r.returncode != 0 or not plot.available():
        log(f"could not install matplotlib (the plot will be skipped): {(r.stderr or r.stdout)[-500:]}")


def ensure_binaries(args):
    needed = [args.loadgen_bin] if set(args.only) - {"disk"} else []
    if "herald" in args.systems and needed:
        needed += [args.herald_bin, args.herald_cli_bin]
    missing = [b for b in needed if not os.path.exists(b)]
    if not missing:
        return
    if args.no_build:
        raise BenchError(f"missing {', '.join(missing)} (and --no-build given)")
    env = dict(os.environ)
    if not shutil.which("swift") and os.path.exists("/opt/swift/usr/bin/swift"):
        env["PATH"] = "/opt/swift/usr/bin:" + env.get("PATH", "")
    # `swift build` honours only the last of several --product options, so one call per
    # product, each under the machine-wide build lock (others build here too).
    # Only what is missing is built (an existing binary is used as it is).
    products = {args.herald_bin: "heraldd", args.herald_cli_bin: "herald", args.loadgen_bin: "herald-loadgen"}
    for product in [products[b] for b in missing]:
        argv = ["flock", BUILD_LOCK, "swift", "build", "-c", "release", "--product", product]
        log(f"building: {' '.join(argv)}")
        r = subprocess.run(argv, cwd=REPO, env=env)
        if r.returncode != 0:
            raise BenchError(f"swift build --product {product} failed")
    still = [b for b in needed if not os.path.exists(b)]
    if still:
        raise BenchError(f"still missing after the build: {', '.join(still)} "
                         "(a custom --*-bin path is not where swift build puts it)")


def versions(args):
    v = {}
    if "herald" in args.systems:
        commit = _run_quiet(["git", "-C", REPO, "describe", "--always", "--dirty"])
        v["herald"] = commit or "?"
    if "etcd" in args.systems:
        first = (_run_quiet([args.etcd_bin, "--version"]).splitlines() or ["?"])[0]
        v["etcd"] = "etcd " + first.replace("etcd Version:", "").strip()
    if "nats" in args.systems:
        v["nats"] = _run_quiet([args.nats_bin, "--version"]).replace("nats-server: ", "nats-server ") or "nats-server ?"
    return v


# ---------------------------------------------------------------- clusters

def make_cluster(system, args, scenario_dir):
    if os.path.exists(scenario_dir):
        shutil.rmtree(scenario_dir)
    os.makedirs(scenario_dir)
    if system == "herald":
        return HeraldCluster(scenario_dir, args.herald_bin, args.herald_cli_bin)
    if system == "etcd":
        return EtcdCluster(scenario_dir, args.etcd_bin, args.etcdctl_bin)
    return NatsCluster(scenario_dir, args.nats_bin)


def prepare(cluster, loadgen):
    """System-specific setup after the servers are up: the NATS stream."""
    if cluster.name != "nats":
        return
    code, _, text = loadgen.simple("nats-create-stream", [
        "--system", "nats", "--endpoints", ",".join(cluster.endpoints), "--nats-create-stream",
        "--nats-replicas", "3", "--duration", "0", "--warmup", "0"], timeout=90)
    if code != 0:
        raise BenchError(f"creating the NATS stream failed (exit {code}): {text.strip()[-600:]}")


def remove_data(cluster, args):
    if args.keep_data:
        return
    for path in cluster.describe().get("data") if isinstance(cluster.describe().get("data"), list) \
            else [cluster.describe().get("data")]:
        if path and os.path.exists(path):
            shutil.rmtree(path, ignore_errors=True)


class Bench:
    def __init__(self, args, results, results_path):
        self.args = args
        self.results = results
        self.results_path = results_path
        self.loadgen = LoadGen(args.loadgen_bin, os.path.join(args.workdir, "loadgen"), args.loadgen_threads)

    def save(self):
        tmp = self.results_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.results, f, indent=1)
        os.replace(tmp, self.results_path)

    def measured_run(self, cluster, kind, payload, duration, rate=None, client_args=None, labels=None):
        a = self.args
        tag = f"{cluster.name}-{kind}-{payload}" + (f"-{rate:g}" if rate else "")
        device_before = osstats.settled_device_written_bytes(a.workdir)
        before = osstats.snapshot(cluster.server_pids())
        outside_before = osstats.outside_snapshot()
        start = time.monotonic()
        extra = cluster.client_args if client_args is None else client_args
        result = self.loadgen.run(tag, system=cluster.name, endpoints=cluster.endpoints, payload=payload,
                                  duration=duration, connections=a.connections, inflight=a.inflight, rate=rate,
                                  extra=extra)
        wall = time.monotonic() - start
        after = osstats.snapshot(cluster.server_pids())
        cpu, process_written = osstats.delta(before, after)
        loadgen_cpu, others_cpu, steal = osstats.outside_delta(outside_before, osstats.outside_snapshot(), cpu)
        written = osstats.settled_device_written_bytes(a.workdir) - device_before
        lat = result.get("latency_us") or {}
        log(f"{tag}: {result.get('throughput', 0):,.0f} msg/s, acked {result.get('acked')}, errors "
            f"{result.get('errors')}, p50 {lat.get('p50', 0) / 1000:.2f} ms, p99 {lat.get('p99', 0) / 1000:.2f} ms, "
            f"CPU {cpu:.1f} s, written {written / 1e6:.1f} MB")
        if result.get("exit_code"):
            self.results["notes"].append(f"{tag}: loadgen exited {result['exit_code']}")
        run = {"system": cluster.name, "kind": kind, "payload": payload, "rate": rate, "result": result,
               "cpu_s": cpu, "write_bytes": written, "process_write_bytes": process_written, "wall_s": wall,
               "loadgen_cpu_s": loadgen_cpu,
               "others_cpu_s": others_cpu, "steal_s": steal, **(labels or {})}
        self.results["runs"].append(run)
        self.save()
        return run

    def warm(self, cluster, payload):
        a = self.args
        if a.warmup > 0:
            self.loadgen.run(f"{cluster.name}-warmup-{payload}", system=cluster.name, endpoints=cluster.endpoints,
                             payload=payload, duration=a.warmup, connections=a.connections, inflight=a.inflight,
                             extra=cluster.client_args)

    def scenario(self, system, name):
        cluster = make_cluster(system, self.args, os.path.join(self.args.workdir, name))
        log(f"== {name}: starting a fresh {system} cluster")
        cluster.start()
        prepare(cluster, self.loadgen)
        return cluster

    def rounds(self):
        """Runs at the sweep payload, alternating the systems round by round, each on a
        fresh cluster: a burst of outside load then hits one round of every system rather
        than all runs of one. Each round: an open-loop run at the round rate (its p99 moves
        by a factor of two or more from one run to the next on a shared machine, so one
        run decides nothing), then the closed loop."""
        a = self.args
        for number in range(1, a.rounds + 1):
            for system in a.systems:
                cluster = self.scenario(system, f"{system}-round-{number}")
                try:
                    self.warm(cluster, a.sweep_payload)
                    if a.round_rate > 0:
                        self.measured_run(cluster, "round-latency", a.sweep_payload, a.latency_duration,
                                          rate=a.round_rate, labels={"round": number})
                    self.measured_run(cluster, "round", a.sweep_payload, a.duration, labels={"round": number})
                finally:
                    cluster.stop()
                    remove_data(cluster, a)

    def system(self, system):
        a = self.args
        if "throughput" in a.only or "latency" in a.only:
            for payload in a.payloads:
                cluster = self.scenario(system, f"{system}-{payload}")
                try:
                    self.warm(cluster, payload)
                    if "throughput" in a.only:
                        self.measured_run(cluster, "throughput", payload, a.duration)
                        if cluster.client_args and payload == a.payloads[0]:
                            # The same load spread over every member, which forwards to the leader.
                            self.measured_run(cluster, "throughput-forwarded", payload, a.duration, client_args=())
                    if "latency" in a.only:
                        for rate in a.rates:
                            self.measured_run(cluster, "latency", payload, a.latency_duration, rate=rate)
                finally:
                    cluster.stop()
                    remove_data(cluster, a)
        if "sweep" in a.only:
            cluster = self.scenario(system, f"{system}-sweep")
            try:
                self.warm(cluster, a.sweep_payload)
                for rate in a.sweep_rates:
                    run = self.measured_run(cluster, "sweep", a.sweep_payload, a.sweep_duration, rate=rate)
                    if (run["result"].get("throughput") or 0) < 0.9 * rate:
                        log(f"{system}: achieved < 90 % of {rate:,.0f}/s offered; sweep ends")
                        break
            finally:
                cluster.stop()
                remove_data(cluster, a)
        if "failover" in a.only and a.kills > 0 and system in ("herald", "etcd"):
            cluster = self.scenario(system, f"{system}-failover")
            try:
                pre, post = (1.5, 6.0) if a.quick else (2.0, 8.0)
                self.results["failover"][system] = failover.run(
                    cluster, self.loadgen, os.path.join(a.workdir, f"{system}-failover"), a.kills,
                    a.failover_rate, 1024, a.connections, a.inflight, pre=pre, post=post, client_args=cluster.client_args)
                f = self.results["failover"][system]
                log(f"{system}: failover p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, max {f['max_ms']} ms; "
                    f"verify: {f['verify']['failed_runs']} failed runs, {f['verify']['missing']} missing")
                self.save()
            finally:
                cluster.stop()
                remove_data(cluster, a)


def problems(results):
    """What makes a run not count: a measured run that acknowledged nothing, or a
    failover whose acknowledged messages could not all be found again."""
    found = []
    for run in results.get("runs") or []:
        if not (run.get("result") or {}).get("acked"):
            found.append(f"{run['system']} {run['kind']} run (payload {run['payload']}) acknowledged nothing")
    for system, f in (results.get("failover") or {}).items():
        v = f.get("verify") or {}
        if v.get("missing") or v.get("failed_runs") or v.get("unverified"):
            found.append(f"{system} failover: {v.get('missing')} acknowledged messages missing, "
                         f"{v.get('unverified')} unverified, {v.get('failed_runs')} verification runs failed")
        if not f.get("measured"):
            found.append(f"{system} failover: no kill was followed by an acknowledgement on a new leader")
    return found


def finish(bench, args, results, fresh=True):
    if fresh:
        results["loadavg_end"] = osstats.loadavg()
        results["elapsed_s"] = time.monotonic() - bench.t0
        results["finished_utc"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        bench.save()
    complete = (args.profile == "full" and set(args.systems) == set(ALL_SYSTEMS)
                and set(args.only) == set(ALL_PARTS))
    to_docs = not args.no_docs and (complete or args.write_docs)
    sweeps = {}
    for r in results["runs"]:
        if r["kind"] == "sweep":
            sweeps.setdefault(r["system"], []).append(r["result"])
    plot_rel = None
    plot_note = None
    if sweeps:
        target = os.path.join(REPO, "docs", "benchmarks-latency.png") if to_docs \
            else os.path.join(args.workdir, "benchmarks-latency.png")
        plot_note = plot.write(sweeps, target, args.sweep_payload)
        if plot_note:
            log(f"plot skipped: {plot_note}")
        else:
            plot_rel = "benchmarks-latency.png"
            log(f"plot: {target}")
    text = report.section(results, plot_rel=plot_rel, plot_note=plot_note)
    with open(os.path.join(args.workdir, "results.md"), "w") as f:
        f.write(report.HEADING + "\n" + text)
    if to_docs:
        report.update_docs(os.path.join(REPO, "docs", "benchmarks.md"), text)
        log("updated docs/benchmarks.md")
    else:
        log(f"docs not updated ({'--no-docs' if args.no_docs else 'quick or partial run; --write-docs forces it'}); "
            f"see {os.path.join(args.workdir, 'results.md')}")
    print(text)


def report_only(args):
    """Regenerates the Markdown (and plot) from an earlier run's results.json."""
    with open(args.report_only) as f:
        results = json.load(f)
    args.workdir = results["workdir"]
    args.sweep_payload = results["settings"]["sweep_payload"]
    args.profile = results["profile"]
    args.systems = results["systems"]
    args.only = results["parts"]
    ensure_plotting(args)
    finish(None, args, results, fresh=False)
    return 0


def main(argv):
    args = parse_args(argv)
    if args.report_only:
        return report_only(args)
    procs.install_cleanup()
    os.makedirs(args.workdir, exist_ok=True)
    args.workdir = os.path.abspath(args.workdir)
    # loadgen commands, outputs and logs of this run (the previous run's are removed)
    shutil.rmtree(os.path.join(args.workdir, "loadgen"), ignore_errors=True)
    os.makedirs(os.path.join(args.workdir, "loadgen"))
    results = {
        "profile": args.profile,
        "command": "bench/run" + ("" if not argv else " " + " ".join(shlex.quote(a) for a in argv)),
        "started_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "workdir": args.workdir,
        "loadavg_start": osstats.loadavg(),
        "machine": osstats.machine(args.workdir),
        "settings": {"connections": args.connections, "inflight": args.inflight,
                     "loadgen_threads": args.loadgen_threads, "throughput_s": args.duration,
                     "latency_s": args.latency_duration, "warmup_s": args.warmup, "payloads": args.payloads,
                     "rates": args.rates, "sweep_rates": args.sweep_rates, "sweep_payload": args.sweep_payload,
                     "sweep_s": args.sweep_duration, "rounds": args.rounds, "round_rate": args.round_rate,
                     "kills": args.kills, "failover_rate": args.failover_rate},
        "systems": args.systems, "parts": args.only,
        "runs": [], "failover": {}, "notes": [],
    }
    bench = Bench(args, results, os.path.join(args.workdir, "results.json"))
    bench.t0 = time.monotonic()
    try:
        ensure_packages(args)
        ensure_plotting(args)
        ensure_binaries(args)
        results["versions"] = versions(args)
        if "disk" in args.only:
            log(f"disk: raw write + fdatasync in {args.workdir}")
            results["disk"] = disk.measure(args.workdir, args.disk_seconds)
            d = results["disk"]
            log(f"disk: {d['fsyncs_per_s_1k']:,.0f} fdatasyncs/s (1 KiB), {d['mb_per_s_1m']:,.0f} MB/s (1 MiB)")
            bench.save()
        for system in args.systems:
            bench.system(system)
        if "rounds" in args.only and args.rounds > 0:
            bench.rounds()
        finish(bench, args, results)
        broken = problems(results)
        for problem in broken:
            log(f"error: {problem}")
        return 1 if broken else 0
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        return 130
    except BenchError as error:
        log(f"error: {error}")
        return 1
    finally:
        procs.stop_all()
        results.setdefault("loadavg_end", osstats.loadavg())
        try:
            bench.save()
        except OSError:
            pass
