#ifndef HERALD_CLZ4_SHIM_H
#define HERALD_CLZ4_SHIM_H
#include <lz4.h>
#endif
