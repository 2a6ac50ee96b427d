"""Latency vs achieved throughput, one line per system (matplotlib, optional)."""

COLORS = {"herald": "#c0392b", "etcd": "#2471a3", "nats": "#229954"}
LABELS = {"herald": "Herald", "etcd": "etcd 3.4", "nats": "NATS JetStream 2.9 (acks before fsync)"}


def available():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


def write(sweeps, path, payload, title_note=""):
    """sweeps: {system: [loadgen result, ...]}. Returns None, or why the plot was skipped."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not importable (pip install matplotlib)"
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    drawn = 0
    for system, points in sweeps.items():
        pts = sorted((p["throughput"], p["latency_us"]["p50"] / 1000, p["latency_us"]["p99"] / 1000)
                     for p in points if p.get("throughput") and p.get("latency_us"))
        if not pts:
            continue
        xs = [p[0] for p in pts]
        color = COLORS.get(system)
        ax.plot(xs, [p[2] for p in pts], marker="o", color=color, label=f"{LABELS.get(system, system)} p99")
        ax.plot(xs, [p[1] for p in pts], marker=".", linestyle="--", color=color,
                label=f"{LABELS.get(system, system)} p50")
        drawn += 1
    if not drawn:
        plt.close(fig)
        return "no sweep points"
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("achieved throughput (messages/s, open loop)")
    ax.set_ylabel("enqueue latency (ms)")
    size = f"{payload // 1024} KiB" if payload % 1024 == 0 else f"{payload} B"
    ax.set_title(f"Enqueue latency vs throughput, {size} payload, 3 members on loopback{title_note}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return None
