/* catalog_packs.h - the catalog's packs and object locations as named
 * functions: what the import's orphan sweep, `check` and pack compaction
 * (src/vault/vault_compact.c) need, with no SQL outside src/catalog/. */
#ifndef CY_CATALOG_PACKS_H
#define CY_CATALOG_PACKS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* 1 if the catalog has a pack row named name, 0 if not, < 0 on error. */
int cy_catalog_pack_known(cy_catalog *c, const char *name);

/* One pack's row with the bytes its objects cover. */
typedef struct cy_catalog_pack_use {
	int64_t id;
	const char *name; /* borrowed for the call */
	uint64_t size;	  /* as recorded */
	uint64_t live;	  /* sum of its objects' lengths */
	uint64_t objects; /* objects rows in it */
} cy_catalog_pack_use;
typedef int (*cy_catalog_pack_use_fn)(void *arg, const cy_catalog_pack_use *u);
/* Every pack whose objects cover fewer bytes than its size, by id.  fn must
 * not use the catalog (collect, then act). */
int cy_catalog_packs_with_dead_bytes(cy_catalog *c, cy_catalog_pack_use_fn fn, void *arg);
/* The row of one pack by id: name (into name, 31 bytes), size, live bytes
 * and object count, read afresh (inside the caller's transaction).
 * CY_ENOTFOUND if it is gone. */
int cy_catalog_pack_use_get(cy_catalog *c, int64_t id, char name[31], cy_catalog_pack_use *out);

/* One object's place. */
typedef struct cy_catalog_object_loc {
	int64_t id;
	uint64_t offset, length;
} cy_catalog_object_loc;
/* The objects of a pack in offset order, into a new array *out (caller
 * frees) of *n entries. */
int cy_catalog_pack_objects(cy_catalog *c, int64_t pack_id, cy_catalog_object_loc **out, size_t *n);

/* Add a pack row; *id is its new id. */
int cy_catalog_pack_add(cy_catalog *c, const char *name, uint64_t size, int64_t *id);
/* Point object id at (pack_id, offset); CY_ENOTFOUND if there is no such
 * object. */
int cy_catalog_object_move(cy_catalog *c, int64_t object_id, int64_t pack_id, uint64_t offset);
/* Delete a pack row (no object may point at it any more). */
int cy_catalog_pack_remove(cy_catalog *c, int64_t pack_id);

/* Call fn(arg, seq, entry, n) for every ledger entry whose bytes contain
 * needle, in sequence order (a pack name's mentions, for the orphan rule). */
typedef int (*cy_catalog_entry_fn)(void *arg, uint64_t seq, const char *entry, size_t n);
int cy_catalog_ledger_mentions(cy_catalog *c, const char *needle, cy_catalog_entry_fn fn,
			       void *arg);

#endif
