"""Leader kills under steady load.

Each kill is one segment: a fresh loadgen run at a fixed offered rate (open loop,
--ack-log and --record-acks into the work dir); after `pre` seconds the leader is
killed with SIGKILL (time.time_ns() taken right before os.kill); once another leader
is agreed on, the killed member is restarted and the cluster is waited on until it is
healthy again (every member up and caught up, one leader, a test write). The loadgen
keeps offering load through all of it. Afterwards the segment's ack log gives the
failover time: the first ack whose term is above the term at the kill, minus the kill
time. Finally the loadgen checks that every acknowledged message of the segment is
in the cluster (--verify-acks)."""
import os
import time

from .util import BenchError, log, percentile, wait_until


def first_ack_after(ack_log, kill_ns, kill_term):
    """Unix ns of the first ack in the log with term > kill_term (and not before the kill)."""
    first = None
    with open(ack_log) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            try:
                at, term = int(parts[0]), int(parts[1])
            except ValueError:
                continue
            if term > kill_term and at >= kill_ns and (first is None or at < first):
                first = at
    return first


def run(cluster, loadgen, workdir, kills, rate, payload, connections, inflight, pre=2.0, post=8.0, client_args=(),
        verify=True):
    """Returns a dict with per-kill rows, p50/p99/max of the failover time and the verification."""
    rows = []
    verifications = []
    for k in range(1, kills + 1):
        tag = f"failover-{cluster.name}-{k:02d}"
        ack_log = os.path.join(workdir, tag + ".acklog")
        record = os.path.join(workdir, tag + ".acks")
        proc, stem = loadgen.start(tag, system=cluster.name, endpoints=cluster.endpoints, payload=payload,
                                   duration=pre + post, connections=connections, inflight=inflight,
                                   rate=rate, ack_log=ack_log, record_acks=record, extra=client_args)
        time.sleep(pre)  # steady load before the kill (a measurement interval, not a wait)
        if not proc.alive():
            raise BenchError(f"{proc.name} exited before the kill:\n{proc.log_tail()}")
        index, term = wait_until(f"{cluster.name}: an agreed leader before kill {k}", cluster.leader, 30)
        kill_ns = cluster.kill_member(index)
        new_leader = wait_until(f"{cluster.name}: a new leader after killing member {index + 1}",
                                lambda: _new_leader(cluster, index, term), 60, interval=0.02)
        elected_ms = (time.time_ns() - kill_ns) / 1e6
        cluster.restart_member(index)
        cluster.wait_healthy(120)
        healthy_ms = (time.time_ns() - kill_ns) / 1e6
        result = loadgen.finish(proc, stem, timeout=pre + post + 120)
        first = first_ack_after(ack_log, kill_ns, term) if os.path.exists(ack_log) else None
        row = {
            "kill": k, "killed_member": index + 1, "term_at_kill": term,
            "new_leader_member": new_leader[0] + 1, "new_term": new_leader[1],
            "kill_unix_ns": kill_ns,
            "failover_ms": (first - kill_ns) / 1e6 if first else None,
            "leader_seen_ms": round(elected_ms, 1), "healthy_ms": round(healthy_ms, 1),
            "acked": result.get("acked"), "errors": result.get("errors"),
            "error_kinds": result.get("error_kinds"),
        }
        rows.append(row)
        shown = f"{row['failover_ms']:.0f} ms" if row["failover_ms"] is not None else "no ack on the new leader"
        log(f"{cluster.name}: kill {k}/{kills}: member {index + 1} (term {term}) -> first ack on the new "
            f"leader after {shown}; healthy again after {healthy_ms:.0f} ms")
        if verify and os.path.exists(record):
            code, data, text = loadgen.simple(f"verify-{tag}", [
                "--system", cluster.name, "--verify-acks", record,
                "--endpoints", ",".join(cluster.endpoints)], timeout=300)
            verifications.append({"kill": k, "exit_code": code, "result": data})
            if code != 0:
                log(f"{cluster.name}: kill {k}: VERIFY FAILED (exit {code}): {text.strip()[:400]}")
        elif verify:
            verifications.append({"kill": k, "exit_code": None, "result": None,
                                  "note": "loadgen wrote no --record-acks file"})
    times = [r["failover_ms"] for r in rows if r["failover_ms"] is not None]
    missing = checked = unverified = 0
    for v in verifications:
        data = v.get("result") or {}
        m = data.get("missing")
        missing += len(m) if isinstance(m, list) else int(m or 0)
        checked += int(data.get("checked") or 0)
        unverified += int(data.get("unverified") or 0)
    return {
        "kills": kills, "rate": rate, "payload": payload, "rows": rows,
        "measured": len(times),
        "p50_ms": percentile(times, 0.50), "p99_ms": percentile(times, 0.99),
        "max_ms": max(times) if times else None,
        "verify": {
            "runs": len(verifications),
            "failed_runs": sum(1 for v in verifications if v["exit_code"] != 0),
            "missing": missing, "checked": checked, "unverified": unverified, "details": verifications,
        },
    }


def _new_leader(cluster, killed, term):
    found = cluster.leader()
    if found and found[0] != killed and found[1] > term:
        return found
    return None
