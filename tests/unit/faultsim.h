/* faultsim.h - allocation failure on demand for the unit tests, as SQLite's
 * faultsim and curl's torture mode do (docs/internals/testing.md).
 *
 * A test binary linked with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
 * and faultsim.c has every such call made from its own objects (libcustody.a,
 * the test, and jansson's allocations, which libcustody routes through its own
 * wiping allocator) go through the counters here.  Calls made inside SQLite,
 * OpenSSL or libc are not seen: they live in shared libraries, which the
 * linker's --wrap does not rewrite.  Allocations made by jansson's parser
 * (json_load*) are never failed: it cannot survive one (faultsim.c).
 *
 * Not thread-safe in the sense of choosing which thread's call fails: the
 * counter is one atomic for the process. */
#ifndef CY_FAULTSIM_H
#define CY_FAULTSIM_H

#include <stdbool.h>
#include <stdint.h>

/* Whether the binary was linked with the wraps (the shim sees calls). */
bool faultsim_linked(void);
/* Stop counting and failing; counters to zero. */
void faultsim_off(void);
/* Count allocations, fail none. */
void faultsim_count(void);
/* Count allocations and fail the n-th (1-based) one; with persistent, every
 * one after it too.  n = 0 fails none. */
void faultsim_fail_at(uint64_t n, bool persistent);
/* Allocations counted since the last faultsim_count / faultsim_fail_at. */
uint64_t faultsim_calls(void);
/* Allocations failed since then. */
uint64_t faultsim_failed(void);
/* Allocations that were due to fail but were let through because jansson's
 * parser made them (see faultsim.c); the next one failed instead. */
uint64_t faultsim_spared(void);

#endif
