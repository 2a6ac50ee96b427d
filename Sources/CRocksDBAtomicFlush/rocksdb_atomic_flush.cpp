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
    const rocksdb::Status status = db->rep->Flush(options, handles);
    if (!status.ok()) {
        std::free(*errptr);
        *errptr = strdup(status.ToString().c_str());
    }
}
