"""Cluster benchmark orchestrator: Herald vs etcd vs NATS JetStream (issue #6).

Entry point: bench/run. Modules:
  util       deadline waits, free ports, HTTP/JSON helpers
  procs      starting and always stopping server processes
  osstats    CPU time and disk writes of processes; machine description
  disk       the disk's physical limit (raw write + fdatasync)
  loadgen    running herald-loadgen and parsing its JSON
  herald, etcd, nats   one 3-member cluster each
  failover   leader kills under steady load
  report     results.json -> Markdown section in docs/benchmarks.md
  plot       latency vs throughput PNG (matplotlib, optional)
  main       the command line and the profiles
"""
