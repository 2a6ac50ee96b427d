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
/// On failure `*errptr` receives a `malloc`ed message (like the C API's calls).
void herald_rocksdb_flush_families(struct rocksdb_t *db,
                                   struct rocksdb_column_family_handle_t *const *families,
                                   size_t count, unsigned char wait, char **errptr);

#ifdef __cplusplus
}
#endif

#endif
