/* catalog_records.h - the catalog's named functions for records, their
 * objects and packs, item numbers and archive-number aliases.
 *
 * The vault never sees SQL: it passes and receives plain structs.  Rows handed
 * to a callback are borrowed for the duration of the call. */
#ifndef CY_CATALOG_RECORDS_H
#define CY_CATALOG_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* ---- packs ---- */
int cy_catalog_pack_insert(cy_catalog *c, const char *name, int64_t *id);
int cy_catalog_pack_set_size(cy_catalog *c, const char *name, uint64_t size);
int cy_catalog_pack_delete(cy_catalog *c, const char *name);

/* ---- savepoints inside the caller's transaction ---- */
int cy_catalog_savepoint(cy_catalog *c);
int cy_catalog_savepoint_release(cy_catalog *c);
int cy_catalog_savepoint_rollback(cy_catalog *c);

/* ---- objects and records ---- */
typedef struct cy_cat_object {
	int64_t pack_id;
	uint64_t offset, length, size;
	int compressed;
	const void *dkey; /* the wrapped data key (object format 2); NULL for version 1 */
	size_t dkey_len;
	int64_t owner_subject_id; /* 0: the fonds key wraps it */
} cy_cat_object;
int cy_catalog_object_insert(cy_catalog *c, const cy_cat_object *o, int64_t *id);

typedef struct cy_cat_record_new {
	int64_t fonds_id;
	const char *archive_no, *klass, *retention, *org, *created;
	int year;
	int64_t item, object_id, created_by;
	uint64_t size;
	const uint8_t *dedup; /* 32 bytes */
	const void *meta;
	size_t meta_len;
	int64_t id;	       /* 0: SQLite's next rowid */
	const char *status;    /* NULL: "held" */
	const uint8_t *digest; /* 32 bytes, or NULL: none yet */
	int64_t batch_id;      /* 0: none yet */
} cy_cat_record_new;
int cy_catalog_record_insert(cy_catalog *c, const cy_cat_record_new *r, int64_t *id);
/* The id the next record inserted without one gets (the largest id + 1). */
int cy_catalog_record_next_id(cy_catalog *c, int64_t *id);
/* A record's second and later objects (seq >= 1; the first is records.object_id). */
int cy_catalog_record_object_add(cy_catalog *c, int64_t record_id, int seq, int64_t object_id,
				 const char *role);

/* The archive number of the fonds' record with this blind index of its
 * content: 1 and archive_no set (64 bytes) if there is one, 0 if not. */
int cy_catalog_record_by_dedup(cy_catalog *c, int64_t fonds_id, const uint8_t dedup[32],
			       char *archive_no);

/* A record row with its first object. */
typedef struct cy_cat_record {
	int64_t id, fonds_id, item;
	const char *archive_no, *fonds_code, *klass, *retention, *org, *status, *created,
		*created_by;
	int year;
	uint64_t size;
	const void *meta;
	size_t meta_len;
	/* the record's first object (seq 0) */
	int64_t object_id;
	const char *pack;
	uint64_t offset, length;
	int compressed;
	const void *dkey;
	size_t dkey_len;
	int64_t owner_subject_id;
} cy_cat_record;
typedef int (*cy_cat_record_fn)(void *arg, const cy_cat_record *r);

/* Every record (fonds_id 0) or one fonds' records, in archive order.  fn
 * returning nonzero stops and is returned. */
int cy_catalog_record_each(cy_catalog *c, int64_t fonds_id, cy_cat_record_fn fn, void *arg);
/* One record by its row id: fn's result, or CY_ENOTFOUND (no error set). */
int cy_catalog_record_by_id(cy_catalog *c, int64_t id, cy_cat_record_fn fn, void *arg);
/* One record by archive number: fn's result, or CY_ENOTFOUND (no error set). */
int cy_catalog_record_by_no(cy_catalog *c, const char *archive_no, cy_cat_record_fn fn, void *arg);
/* One record by row id with part seq as its object (seq 0: the first object,
 * as cy_catalog_record_by_id; seq >= 1: the one record_objects holds): fn's
 * result, or CY_ENOTFOUND (no error set) without that record or part. */
int cy_catalog_record_part(cy_catalog *c, int64_t record_id, int seq, cy_cat_record_fn fn,
			   void *arg);
/* A subject's fonds and 16-byte uid: 1 if it exists, 0 if not. */
int cy_catalog_record_subject_uid(cy_catalog *c, int64_t subject_id, int64_t *fonds_id,
				  uint8_t uid[16]);

/* ---- amending ---- */
typedef struct cy_cat_record_move {
	int64_t record_id;
	const char *archive_no, *klass, *retention, *org;
	int year;
	int64_t item;
	const void *meta;
	size_t meta_len;
} cy_cat_record_move;
/* Give a record new numbering fields and metadata. */
int cy_catalog_record_update(cy_catalog *c, const cy_cat_record_move *m);
/* Remember that old_no now names record_id. */
int cy_catalog_alias_add(cy_catalog *c, const char *old_no, int64_t record_id, const char *when);
/* The current archive number of a record once known as old_no: 1 and
 * current (64 bytes) set, or 0. */
int cy_catalog_alias_resolve(cy_catalog *c, const char *old_no, char *current);

/* Numbers that records of a group had before they moved: those starting with
 * prefix ("Z109-WS·2019-D10-") and ending in an item number.  *count of
 * them, *max_item the largest (0 if none). */
int cy_catalog_alias_group(cy_catalog *c, const char *prefix, int64_t *count, int64_t *max_item);

#endif
