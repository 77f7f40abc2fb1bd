/* catalog_suggest.h - the archive numbers a "did you mean" hint is chosen
 * from (src/vault/vault_archive_no.c ranks them). */
#ifndef CY_CATALOG_SUGGEST_H
#define CY_CATALOG_SUGGEST_H

#include <stdint.h>

#include "catalog/catalog.h"

/* Called once per archive number; a non-zero return stops the walk and is
 * returned by cy_catalog_suggest_candidates. */
typedef int (*cy_catalog_no_fn)(void *arg, const char *archive_no);

/* Every archive number of the records of one fonds, in archive-number order.
 * The numbers are borrowed for the duration of the call only. */
int cy_catalog_suggest_candidates(cy_catalog *c, int64_t fonds_id, cy_catalog_no_fn fn, void *arg);

#endif
