#ifndef HERALD_CROCKSDB_SHIM_H
#define HERALD_CROCKSDB_SHIM_H
#include <rocksdb/c.h>
#endif
