"""Resource use of server processes (from /proc) and a description of the machine."""
import os
import platform
import re
import resource
import subprocess

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _descendants(pid):
    """pid and its descendants (servers here do not fork, but be safe)."""
    result = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            for child in f.read().split():
                result.extend(_descendants(int(child)))
    except OSError:
        pass
    return result


def _stat_fields(pid):
    """The fields of /proc/pid/stat after the command name (field 3 onwards)."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()  # the command name may contain spaces


def _cpu_of(fields):
    """utime + stime in seconds (fields 14 and 15 of /proc/pid/stat)."""
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(pid):
    """utime + stime of one process, in seconds."""
    return _cpu_of(_stat_fields(pid))


def write_bytes(pid):
    """Bytes this process caused to be sent to the block layer (/proc/pid/io)."""
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


def device_written_bytes(path):
    """Bytes written to the block device that holds `path` since boot (512-byte sectors
    written, in /proc/diskstats). This is what reaches the disk: unlike a process's
    `write_bytes`, which counts a whole large page-cache folio each time a small write
    dirties it again (so a log that overwrites a zero-filled file looks like gigabytes
    per second), it counts each block written back once."""
    dev = os.stat(path).st_dev
    wanted = (os.major(dev), os.minor(dev))
    with open("/proc/diskstats") as f:
        for line in f:
            fields = line.split()
            if (int(fields[0]), int(fields[1])) == wanted:
                return int(fields[9]) * 512
    raise OSError(f"no /proc/diskstats line for device {wanted[0]}:{wanted[1]} (holding {path})")


def settled_device_written_bytes(path):
    """`device_written_bytes` after a sync, so data dirtied earlier is counted now."""
    os.sync()
    return device_written_bytes(path)


def snapshot(pids):
    """{pid: (cpu seconds, write bytes)} for the given live processes and their children."""
    result = {}
    for pid in pids:
        for p in _descendants(pid):
            try:
                result[p] = (cpu_seconds(p), write_bytes(p))
            except OSError:
                pass
    return result


def delta(before, after):
    """(cpu seconds, bytes written) used between two snapshots, summed over processes.

    A process present only in `after` counts from zero; one gone by `after` is lost
    (the benchmark keeps servers running across a measurement)."""
    cpu = 0.0
    written = 0
    for pid, (c, w) in after.items():
        c0, w0 = before.get(pid, (0.0, 0))
        cpu += c - c0
        written += w - w0
    return cpu, written


def _machine_cpu():
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat: busy is
    user+nice+system+irq+softirq (not idle, iowait or steal); steal is time the
    hypervisor gave this machine's CPUs to other guests."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq) / CLOCK_TICKS, steal / CLOCK_TICKS


def _kernel_threads_cpu():
    """CPU seconds of the kernel's own threads (kthreadd and its children: writeback,
    block I/O, softirq workers): work the servers cause, not another tenant's."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat_fields(entry)
        except OSError:
            continue
        if entry == "2" or fields[1] == "2":
            total += _cpu_of(fields)
    return total


def _children_cpu():
    """CPU seconds of this process's terminated, reaped children (the load generator runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def outside_snapshot():
    """The counters `outside_delta` compares: (machine busy, steal, reaped children's CPU,
    kernel threads' CPU), in seconds."""
    busy, steal = _machine_cpu()
    return busy, steal, _children_cpu(), _kernel_threads_cpu()


def outside_delta(before, after, servers_cpu):
    """What ran besides the servers between two `outside_snapshot`s: (load generator CPU,
    other processes' CPU, hypervisor steal), in seconds. Other processes' CPU is the
    machine's busy time minus the servers', the load generator's and the kernel
    threads' (writeback of the servers' files); load average would count the
    benchmark's own threads."""
    busy, steal, children, kernel = (a - b for a, b in zip(after, before))
    return children, max(0.0, busy - servers_cpu - children - kernel), steal


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _command(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def disk_of(path):
    """A short description of the block device holding path."""
    source = _command(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "--target", path])
    device = source.split()[0] if source else ""
    name = os.path.basename(device)
    base = re.sub(r"p?\d+$", "", name) if not os.path.exists(f"/sys/block/{name}") else name
    details = []
    try:
        with open(f"/sys/block/{base}/queue/rotational") as f:
            details.append("rotational" if f.read().strip() == "1" else "non-rotational")
    except OSError:
        pass
    try:
        with open(f"/sys/block/{base}/size") as f:
            details.append(f"{int(f.read()) * 512 / 1e9:.0f} GB")
    except OSError:
        pass
    model = ""
    try:
        with open(f"/sys/block/{base}/device/model") as f:
            model = f.read().strip()
    except OSError:
        pass
    parts = [source or "unknown device"] + ([model] if model else []) + details
    return ", ".join(p for p in parts if p)


def machine(workdir):
    """The machine, as a dict of short strings."""
    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory": memory,
        "disk": disk_of(workdir),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
