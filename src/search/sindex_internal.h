/* sindex_internal.h - hooks of the search index for its tests and bench. */
#ifndef CUSTODY_SEARCH_SINDEX_INTERNAL_H
#define CUSTODY_SEARCH_SINDEX_INTERNAL_H

#include "custody/sindex.h"

/* Set the page cache size in KiB (the crash test makes it small, so that a
 * transaction spills pages into the main file before it commits). */
int cy_sindex__set_cache(cy_sindex *idx, int kib);

#endif
