/* catalog_textindex.h - what the full-text index's rebuild and check need
 * from the catalog (src/vault/vault_reindex.c): a fonds's record ids, and
 * one stored object (part) of a record. */
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

/* Object seq (0: the first) of record id, as cy_obj_ref needs it; the
 * strings and the key are borrowed for the call of fn. */
typedef struct cy_cat_part {
	const char *pack, *role;
	uint64_t offset, length, size;
	const void *dkey;
	size_t dkey_len;
	int64_t owner_subject_id;
} cy_cat_part;
typedef int (*cy_cat_part_fn)(void *arg, const cy_cat_part *p);
/* fn's result, or CY_ENOTFOUND (no error set) when there is no such part. */
int cy_catalog_record_part(cy_catalog *c, int64_t record_id, int seq, cy_cat_part_fn fn, void *arg);

#endif
