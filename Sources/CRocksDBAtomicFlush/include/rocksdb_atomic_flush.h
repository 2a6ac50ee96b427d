#ifndef HERALD_ROCKSDB_ATOMIC_FLUSH_H
#define HERALD_ROCKSDB_ATOMIC_FLUSH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rocksdb_t;
struct rocksdb_column_family_handle_t;

/// Flushes the memtables of `families` as one request: with `atomic_flush` set, every
/// family that holds data when the request reaches the write queue is switched at the
/// same write and recorded in the MANIFEST all or nothing.
///
/// RocksDB 7.x's C API flushes one family per call, and its checkpoint picks the families
/// to flush before it waits for the write queue, so a family written in between is left
/// out: neither gives a consistent cut while another thread writes batches that span
/// families. This calls `DB::Flush(options, column_families)`, which picks them inside
/// the write queue.
///
/// Never waits for flushes already running before switching the memtables
/// (`allow_write_stall`); with `wait` it then waits for this flush.
///
/// On failure `*errptr` receives a `malloc`ed message (like the C API's calls).
void herald_rocksdb_flush_families(struct rocksdb_t *db,
                                   struct rocksdb_column_family_handle_t *const *families,
                                   size_t count, unsigned char wait, char **errptr);

/// Pauses (non-zero) or resumes (zero) every flush and compaction: for tests that need
/// a flush that cannot finish.
void herald_rocksdb_set_background_work_paused(struct rocksdb_t *db, unsigned char paused);

#ifdef __cplusplus
}
#endif

#endif
