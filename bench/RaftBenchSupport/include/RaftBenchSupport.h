// Measurement helpers for RaftBench only (never linked into a product).
#ifndef RAFT_BENCH_SUPPORT_H
#define RAFT_BENCH_SUPPORT_H
#include <stddef.h>

/// Calls to malloc/calloc/realloc since the process started (interposed).
unsigned long long bench_malloc_calls(void);
/// Heap bytes in use (glibc mallinfo2().uordblks).
size_t bench_heap_in_use(void);

#endif
