"""results.json -> the Markdown section of docs/benchmarks.md."""
import os
import statistics
from .herald import example_raft_timings

BEGIN = "<!-- cluster-bench:begin -->"
END = "<!-- cluster-bench:end -->"
HEADING = "## Enqueue: Herald vs etcd vs NATS JetStream (issue #6)"

NAMES = {"herald": "Herald", "etcd": "etcd", "nats": "NATS JetStream"}

DURABILITY = {
    "herald": "acks after the entry is fsynced on a majority and applied on the leader",
    "etcd": "acks after its WAL is fsynced on a majority (group commit) and applied",
    "nats": "acks **before the data is fsynced**: JetStream 2.9 acknowledges once a majority of "
            "the stream's replicas has the message (written to the page cache, not fsynced) and "
            "flushes to disk in the background; 2.9 has no per-message fsync setting, so its "
            "figures are not durable-ack figures",
}


def _n(value, digits=0):
    if value is None:
        return "–"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}"


def _ms(us):
    if us is None:
        return "–"
    ms = us / 1000
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


def _size(payload):
    return f"{payload // 1024} KiB" if payload >= 1024 and payload % 1024 == 0 else f"{payload} B"


def _system(name):
    return NAMES.get(name, name) + (" ¹" if name == "nats" else "")


def _runs(results, kind):
    return [r for r in results.get("runs", []) if r["kind"] == kind]


def _resource(run):
    acked = run["result"].get("acked") or 0
    if not acked:
        return None, None
    return run["cpu_s"] / acked * 10000, run["write_bytes"] / acked


def _alternated_table(results, add, kind, heading, intro, columns, cell, metric, show, ratio_label):
    """A table of the alternated rounds of one run kind: a cell per system and round,
    Herald's `metric` divided by each peer's within the round, and the medians.
    `columns(name)` heads a system's column, `cell(result)` fills it, `metric(result)`
    is the figure the ratios and the medians use, `show(value)` prints a median."""
    runs = _runs(results, kind)
    if not runs:
        return
    systems = [name for name in results["systems"] if any(r["system"] == name for r in runs)]
    peers = [name for name in systems if name != "herald"] if "herald" in systems else []
    by_round = {}
    for r in runs:
        by_round.setdefault(r["round"], {})[r["system"]] = r["result"]
    add(heading)
    add("")
    add(intro)
    add("")
    add("| round | " + " | ".join(columns(NAMES.get(n, n)) for n in systems)
        + "".join(f" | {ratio_label} Herald ÷ {NAMES.get(p, p)}" for p in peers) + " |")
    add("|---" + "|---:" * (len(systems) + len(peers)) + "|")
    ratios = {p: [] for p in peers}
    for number in sorted(by_round):
        row = by_round[number]
        cells = [cell(row[n]) if n in row else "–" for n in systems]
        for p in peers:
            mine, theirs = (metric(row[n]) if n in row else None for n in ("herald", p))
            if mine and theirs:
                ratios[p].append(mine / theirs)
                cells.append(f"{mine / theirs:.2f}×")
            else:
                cells.append("–")
        add(f"| {number} | " + " | ".join(cells) + " |")
    medians = []
    for n in systems:
        values = [metric(by_round[k][n]) for k in by_round if n in by_round[k] and metric(by_round[k][n])]
        medians.append(show(statistics.median(values)) if values else "–")
    medians += [f"{statistics.median(ratios[p]):.2f}×" if ratios[p] else "–" for p in peers]
    add("| median | " + " | ".join(medians) + " |")
    add("")


def _rounds_tables(results, add):
    """The alternated rounds: closed-loop msg/s, and p50/p99 at the round rate."""
    s = results["settings"]
    _alternated_table(
        results, add, "round", f"### Closed loop, alternated rounds ({_size(s['sweep_payload'])})",
        f"The same closed loop ({s['connections']} × {s['inflight']} in flight, {s['throughput_s']:g} s), "
        "with the systems alternated round by round, each on a fresh cluster after the warm-up"
        + (" and the round's open-loop run" if _runs(results, "round-latency") else "") + ". A burst "
        "of outside load then hits one round of every system instead of every run of one, so the "
        "median of the per-round ratios is the figure to compare.",
        lambda name: f"{name} msg/s", lambda res: _n(res.get("throughput")),
        lambda res: res.get("throughput") or 0, _n, "msg/s")
    rate = s.get("round_rate") or 0
    _alternated_table(
        results, add, "round-latency",
        f"### Latency at {_n(rate)}/s offered, alternated rounds ({_size(s['sweep_payload'])})",
        f"In the same rounds, before the closed loop: {s['latency_s']:g} s open loop at {_n(rate)}/s on "
        f"the fresh cluster. One such run's p99 moves by a factor of two or more from run to run on a "
        f"shared {results.get('machine', {}).get('nproc', '?')}-CPU machine, so the medians over the rounds "
        "are the figures to compare (a ratio "
        "below 1 means Herald's p99 is lower). Cells are p50 / p99 in ms; the median row shows p99.",
        lambda name: f"{name} p50 / p99",
        lambda res: f"{_ms((res.get('latency_us') or {}).get('p50'))} / {_ms((res.get('latency_us') or {}).get('p99'))}",
        lambda res: (res.get("latency_us") or {}).get("p99"), _ms, "p99")


def outside_load(results, nproc):
    """How busy the machine was with other work during the measured runs: CPU time of
    processes other than the servers, the load generator and the kernel's threads, and
    time stolen by the hypervisor, as shares of the machine's CPU capacity over each
    run; medians and maxima over the runs."""
    shares = [(r["others_cpu_s"] / (nproc * r["wall_s"]), r["steal_s"] / (nproc * r["wall_s"]))
              for r in results["runs"] if "others_cpu_s" in r and r.get("wall_s")]
    if not shares:
        return "Other work on the machine: not measured in this run (its results predate that measurement)."
    others = statistics.median(x[0] for x in shares)
    steal = statistics.median(x[1] for x in shares)
    text = (f"Other work on the machine during the measured runs (CPU time of processes other than the "
            f"servers, the load generator and kernel threads, as a share of the {nproc} CPUs): median "
            f"{100 * others:.0f} %, at most {100 * max(x[0] for x in shares):.0f} %; time stolen by the "
            f"hypervisor: median {100 * steal:.0f} %, at most {100 * max(x[1] for x in shares):.0f} %.")
    if others > 0.15 or steal > 0.05:
        text += (" **The machine was busy during this run**: other work took CPU from the servers and the "
                 "load generator, so absolute figures are pessimistic and noisy; rerun `bench/run` on a "
                 "quiet machine before quoting them.")
    return text


def section(results, plot_rel=None, plot_note=None):
    """The Markdown text between the markers."""
    s = results["settings"]
    m = results["machine"]
    lines = []
    add = lines.append
    add("")
    add(f"Generated by `bench/run` on {results['started_utc']} "
        f"({results['profile']} profile, {results['elapsed_s'] / 60:.0f} min). Command:")
    add("")
    add("```sh")
    add(results["command"])
    add("```")
    add("")
    add("Three 3-member clusters on loopback, one after the other, on one machine; each scenario "
        "starts from fresh data directories. One load generator (`herald-loadgen`, bench/LoadGen) "
        "drives all three with the same connections, in-flight limit and payload bytes: Herald's "
        "producer protocol, etcd `Put` over gRPC, NATS JetStream publish with ack. The load generator "
        "runs on the same machine and competes with the servers for the CPUs.")
    add("")
    add(f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} memory, disk {m['disk']}, "
        f"Linux {m['kernel']}; load average {results['loadavg_start']} at the start, "
        f"{results.get('loadavg_end', '?')} at the end.")
    v = results.get("versions", {})
    shown = []
    if "herald" in v:
        shown.append(f"Herald {v['herald']} (release build)")
    shown += [v[k] for k in ("etcd", "nats") if k in v]
    add(f"- Versions: {', '.join(shown) or '?'}; Debian packages for etcd and NATS.")
    add(f"- Settings: closed loop {s['connections']} connections × {s['inflight']} in flight for "
        f"{s['throughput_s']:g} s (after a {s['warmup_s']:g} s warm-up run); open loop at fixed rates "
        f"for {s['latency_s']:g} s; CPU time is utime+stime of all server processes, as a delta over the "
        f"measured run; bytes written are what reached the disk holding the data directories "
        f"(sectors written in `/proc/diskstats`, with a `sync` before and after the run, so data a system left dirty "
        f"counts too), on an otherwise quiet machine. (Not the processes' `write_bytes` in `/proc/PID/io`: "
        f"that counts a whole large page-cache folio each time a small write dirties it again, and reads "
        f"several MB per message for a log that overwrites a zero-filled file.)")
    raft = example_raft_timings()
    tick, election = raft["tickMilliseconds"], raft["electionTicks"]
    add(f"- Server settings: Herald as in `cluster.example.json` ({tick} ms tick, heartbeat every "
        f"{raft['heartbeatTicks']} tick(s), election timeout {tick * election}–{2 * tick * election} ms); etcd defaults (heartbeat 100 ms, election timeout 1 s, "
        "snapshot-count 100,000) except the backend quota, raised from 2 GB to 8 GiB so that the 10 KiB "
        "runs (one new key per message) do not fill it; NATS a file-backed stream with 3 replicas, "
        "default limits.")
    add("")
    add(outside_load(results, m.get("nproc") or 1))
    add("")
    add("Durability of an acknowledgement:")
    add("")
    for name in results["systems"]:
        add(f"- {NAMES.get(name, name)}: {DURABILITY.get(name, '?')}.")
    add("")
    d = results.get("disk")
    if d:
        add("### The disk's limit (same run, same filesystem)")
        add("")
        add("| pattern | writes/s (fdatasyncs/s) | MB/s |")
        add("|---|---:|---:|")
        add(f"| 1 KiB per fdatasync | {_n(d['fsyncs_per_s_1k'])} | {d['mb_per_s_1k']:.1f} |")
        add(f"| 1 MiB per fdatasync | {_n(d['fsyncs_per_s_1m'])} | {d['mb_per_s_1m']:.0f} |")
        add("")
    tp = _runs(results, "throughput")
    forwarded = _runs(results, "throughput-forwarded")
    if tp:
        add("### Maximum sustained throughput (closed loop)")
        add("")
        add(f"{s['connections']} connections × {s['inflight']} requests in flight, {s['throughput_s']:g} s.")
        add("")
        add("| system | payload | messages/s | payload MB/s | p50 ms | p99 ms | p99.9 ms | CPU s per 10k msgs | "
            "bytes written per msg | errors |")
        add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in tp + forwarded:
            res = r["result"]
            cpu, wb = _resource(r)
            lat = res.get("latency_us") or {}
            label = _system(r['system']) + (" ²" if r["kind"] == "throughput-forwarded" else "")
            add(f"| {label} | {_size(r['payload'])} | {_n(res.get('throughput'))} | "
                f"{(res.get('throughput') or 0) * r['payload'] / 1e6:.1f} | {_ms(lat.get('p50'))} | "
                f"{_ms(lat.get('p99'))} | {_ms(lat.get('p999'))} | {_n(cpu, 2)} | {_n(wb)} | "
                f"{_n(res.get('errors'))} |")
        add("")
        add("Herald's load generator connections move to the leader named in the node's `welcome`, as "
            "Herald's client library does (`followLeader`); etcd's and NATS's connections stay on the "
            "member they started on (i % 3), which forwards to its leader, as their clients do."
            + (" ² Herald with the same load spread over the members instead, each follower forwarding "
               "to the leader." if forwarded else ""))
        add("")
    _rounds_tables(results, add)
    lat = _runs(results, "latency")
    if lat:
        add("### Latency at fixed offered rates (open loop)")
        add("")
        add("Latency is measured from the intended send time of each request (open loop), so "
            "queueing behind a slow server counts. At an offered rate above what a system sustains "
            "the backlog grows for the whole run, and so does the latency. At 1,000/s the CPU per "
            "message is several times that at full load: each request is handled on its own "
            "(wake-ups, small writes, one fsync round each) instead of in batches.")
        add("")
        add("| system | payload | offered/s | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | "
            "CPU s per 10k msgs | bytes written per msg | errors |")
        add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in lat:
            res = r["result"]
            cpu, wb = _resource(r)
            l = res.get("latency_us") or {}
            add(f"| {_system(r['system'])} | {_size(r['payload'])} | {_n(r['rate'])} | "
                f"{_n(res.get('throughput'))} | {_ms(l.get('p50'))} | {_ms(l.get('p99'))} | "
                f"{_ms(l.get('p999'))} | {_ms(l.get('max'))} | {_n(cpu, 2)} | {_n(wb)} | "
                f"{_n(res.get('errors'))} |")
        add("")
    sweep = _runs(results, "sweep")
    if sweep:
        add(f"### Latency vs throughput ({_size(sweep[0]['payload'])}, open loop)")
        add("")
        add("Offered rates rise until a system achieves less than 90 % of what is offered.")
        add("")
        if plot_rel:
            add(f"![p50 and p99 enqueue latency vs achieved throughput]({plot_rel})")
            add("")
        elif plot_note:
            add(f"(Plot skipped: {plot_note}.)")
            add("")
        add("| system | offered/s | achieved/s | p50 ms | p99 ms | p99.9 ms |")
        add("|---|---:|---:|---:|---:|---:|")
        for r in sweep:
            res = r["result"]
            l = res.get("latency_us") or {}
            add(f"| {_system(r['system'])} | {_n(r['rate'])} | {_n(res.get('throughput'))} | "
                f"{_ms(l.get('p50'))} | {_ms(l.get('p99'))} | {_ms(l.get('p999'))} |")
        add("")
    fo = results.get("failover") or {}
    if fo:
        add("### Failover: leader killed with SIGKILL under load")
        add("")
        first = next(iter(fo.values()))
        add(f"{first['rate']:,}/s offered (open loop), {_size(first['payload'])}. Each kill: SIGKILL to "
            "the leader, restart it once another leader is agreed on, wait until the cluster is "
            "healthy again (all members caught up, one leader, a test write). Failover time = first "
            "acknowledged enqueue with a higher term than at the kill, minus the kill time. "
            "Afterwards every acknowledged message is looked up in the cluster.")
        add("")
        add("| system | kills | measured | p50 ms | p99 ms | max ms | acked messages looked up | missing | "
            "could not be checked |")
        add("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, f in fo.items():
            ver = f["verify"]
            done = bool(ver["runs"])
            add(f"| {NAMES.get(name, name)} | {f['kills']} | {f['measured']} | {_n(f['p50_ms'])} | "
                f"{_n(f['p99_ms'])} | {_n(f['max_ms'])} | {_n(ver['checked']) if done else 'not checked'} | "
                f"{_n(ver['missing']) if done else '–'} | {_n(ver.get('unverified', 0)) if done else '–'} |")
        add("")
        add("\"measured\" counts the kills after which an acknowledgement with a higher term was seen "
            "within the segment; the others are left out of the percentiles.")
        add("")
        add(f"The load generator fails a request that has no answer after 5 s (`--timeout`) and then "
            f"reconnects or retries; while requests wait for an answer they hold in-flight slots "
            f"({s['connections']} × {s['inflight']}), so a server that leaves requests unanswered "
            "when its leader dies delays the first acknowledgement on the new leader by up to that "
            "timeout. Failed requests during the kill segments, by kind:")
        add("")
        for name, f in fo.items():
            kinds = {}
            for row in f["rows"]:
                for kind, count in (row.get("error_kinds") or {}).items():
                    kinds[kind] = kinds.get(kind, 0) + count
            shown = ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())) or "none"
            acked = sum(row.get("acked") or 0 for row in f["rows"])
            add(f"- {NAMES.get(name, name)}: {shown} (acknowledged: {acked:,}).")
        add("")
    if "nats" in results["systems"]:
        add("¹ NATS JetStream " + DURABILITY["nats"] + ".")
        add("")
    notes = results.get("notes") or []
    if notes:
        add("Notes from this run:")
        add("")
        for note in notes:
            add(f"- {note}")
        add("")
    add("How to run it: `bench/run` is the full profile above (20–40 minutes; it rewrites this "
        "section and docs/benchmarks-latency.png). `bench/run --quick` is a smoke profile (1 KiB, "
        "3 s runs, one alternated round, 2 leader kills, no sweep; a few minutes) that writes only to "
        "the work directory. `--systems herald,etcd` and `--only throughput,latency,rounds,sweep,failover,disk` "
        "select parts, `--rounds N` sets the number of alternated rounds and `--round-rate R` the "
        "offered rate of their open-loop run (0 for none), "
        "`--workdir DIR` (default /tmp/herald-bench) holds data, logs, loadgen outputs, `results.json` "
        "and `results.md`; `bench/run --help` lists the rest. The servers are stopped at the end, "
        "on errors and on Ctrl-C. Missing etcd/NATS packages are installed with apt-get, missing "
        "release binaries built with `swift build -c release` under /tmp/herald-swift-build.lock.")
    add("")
    add(f"Raw results of this run: `{results['workdir']}/results.json`.")
    add("")
    return "\n".join(lines)


def update_docs(path, text):
    """Replaces the text between the markers in `path`, or appends the section with markers."""
    with open(path) as f:
        doc = f.read()
    block = BEGIN + "\n" + text + END
    if BEGIN in doc and END in doc:
        start = doc.index(BEGIN)
        stop = doc.index(END) + len(END)
        doc = doc[:start] + block + doc[stop:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + HEADING + "\n\n" + block + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(doc)
    os.replace(tmp, path)
