#ifndef HERALD_CRC32C_HARDWARE_H
#define HERALD_CRC32C_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// Nonzero when this CPU has a CRC-32C instruction that `herald_crc32c_hardware` uses
/// (SSE 4.2 on x86-64).
int herald_crc32c_hardware_available(void);

/// Extends the raw (not inverted) CRC-32C register `crc` over `length` bytes at `data`
/// with the CPU's CRC-32C instruction. Call only when
/// `herald_crc32c_hardware_available()` returned nonzero.
uint32_t herald_crc32c_hardware(uint32_t crc, const void *data, size_t length);

#endif
