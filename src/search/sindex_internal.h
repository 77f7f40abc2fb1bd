/* sindex_internal.h - hooks of the search index for its tests and bench. */
#ifndef CUSTODY_SEARCH_SINDEX_INTERNAL_H
#define CUSTODY_SEARCH_SINDEX_INTERNAL_H

#include "custody/sindex.h"

/* Set the page cache size in KiB (the crash test makes it small, so that a
 * transaction spills pages into the main file before it commits). */
int cy_sindex__set_cache(cy_sindex *idx, int kib);

/* on: answer terms of 1-2 characters by the scan, as an index without the
 * bigram table does (the benchmark's "before"); queries only. */
void cy_sindex__scan_short(cy_sindex *idx, bool on);

/* true when the index has the bigram table (format 2), false for a format-1
 * index with documents, whose short terms are scanned. */
bool cy_sindex__has_bigrams(const cy_sindex *idx);

#endif
