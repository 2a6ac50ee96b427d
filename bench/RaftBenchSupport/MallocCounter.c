// Counts heap allocations by interposing malloc/calloc/realloc in the bench
// executable; glibc's real allocator is reached through its __libc_* entry points.
// The linker exports these definitions because libswiftCore references malloc, so
// Swift runtime allocations are counted too.
#include <malloc.h>
#include "RaftBenchSupport.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);

static unsigned long long calls;

void *malloc(size_t size) {
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    return __libc_realloc(pointer, size);
}

unsigned long long bench_malloc_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }

size_t bench_heap_in_use(void) { return mallinfo2().uordblks; }
