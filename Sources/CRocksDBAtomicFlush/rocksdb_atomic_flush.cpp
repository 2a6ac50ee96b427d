#include "rocksdb_atomic_flush.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstdlib>
#include <cstring>
#include <vector>

// The C API's handles as librocksdb's c.cc defines them: each wraps a pointer to the C++
// object, and nothing else. (That layout has not changed since the C API was written;
// the StateStore tests fail if it ever does.)
struct rocksdb_t {
    rocksdb::DB *rep;
};
struct rocksdb_column_family_handle_t {
    rocksdb::ColumnFamilyHandle *rep;
};

extern "C" void herald_rocksdb_flush_families(rocksdb_t *db, rocksdb_column_family_handle_t *const *families,
                                              size_t count, unsigned char wait, char **errptr) {
    std::vector<rocksdb::ColumnFamilyHandle *> handles;
    handles.reserve(count);
    for (size_t index = 0; index < count; ++index) {
        handles.push_back(families[index]->rep);
    }
    rocksdb::FlushOptions options;
    options.wait = wait != 0;
    // NB: by default a flush request first waits until switching the memtables would
    // not stall writes, i.e. for the flushes already running. A caller that asked not
    // to wait (the Raft loop starting a snapshot) then waited for a starved flush
    // thread for seconds, and lost its leadership.
    options.allow_write_stall = true;
    const rocksdb::Status status = db->rep->Flush(options, handles);
    if (!status.ok()) {
        std::free(*errptr);
        *errptr = strdup(status.ToString().c_str());
    }
}

extern "C" void herald_rocksdb_set_background_work_paused(rocksdb_t *db, unsigned char paused) {
    if (paused != 0) {
        db->rep->PauseBackgroundWork();
    } else {
        db->rep->ContinueBackgroundWork();
    }
}
