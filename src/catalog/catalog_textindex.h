/* catalog_textindex.h - what the full-text index's rebuild and check need
 * from the catalog (src/vault/vault_reindex.c): a fonds's record ids (a
 * record's parts: cy_catalog_record_part in catalog_records.h). */
#ifndef CY_CATALOG_TEXTINDEX_H
#define CY_CATALOG_TEXTINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* The ids of a fonds's records above after, in id order, at most limit of
 * them: fn per id (nonzero stops and is returned). */
typedef int (*cy_catalog_id_fn)(void *arg, int64_t id);
int cy_catalog_record_ids(cy_catalog *c, int64_t fonds_id, int64_t after, size_t limit,
			  cy_catalog_id_fn fn, void *arg);

#endif
