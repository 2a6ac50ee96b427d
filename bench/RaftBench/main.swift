// Placeholder; replaced below.
print("RaftBench")
