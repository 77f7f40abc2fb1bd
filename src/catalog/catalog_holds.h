/* catalog_holds.h - legal holds, store-only restrictions and their access
 * exceptions (schema 6, block "holds:"; docs/internals/holds.md).
 *
 * The rows here are a working copy: the ledger's hold.add / hold.release
 * entries say which holds are active, and a record's store-only status is
 * in its signed row.  The catalog keeps no personal data in clear: a hold's
 * reason and a request's reason are sealed blobs. */
#ifndef CY_CATALOG_HOLDS_H
#define CY_CATALOG_HOLDS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "custody/buf.h"

/* The entries a hold or a restriction check reads (the partial index
 * ledger_holds of schema 6). */
#define CY_LEDGER_HOLDS_WHERE                                                                      \
	"(instr(entry, CAST('\"action\":\"hold.' AS BLOB)) > 0 OR "                                \
	"instr(entry, CAST('\"action\":\"access.' AS BLOB)) > 0 OR "                               \
	"instr(entry, CAST('\"action\":\"record.restrict\"' AS BLOB)) > 0 OR "                     \
	"instr(entry, CAST('\"action\":\"subject.restrict\"' AS BLOB)) > 0)"

typedef struct cy_catalog_hold {
	int64_t id, fonds_id, epoch, created_by, released_by;
	const char *fonds_code; /* when read */
	const char *kind;	/* "records", "subject", "fonds" */
	const void *reason;	/* sealed */
	size_t reason_len;
	const char *until;	    /* "" when none */
	int unsettled;		    /* 未结清的债权债务 (第十九条) */
	const char *created;	    /* RFC 3339 */
	const char *released;	    /* "" while not released */
	const void *release_reason; /* sealed, NULL when none */
	size_t release_reason_len;
} cy_catalog_hold;

/* A new hold row (not released); *id its row.  The reason is sealed after
 * the insert (its AAD holds the id): cy_catalog_hold_set_reason. */
int cy_catalog_hold_insert(cy_catalog *c, const cy_catalog_hold *h, int64_t *id);
int cy_catalog_hold_set_reason(cy_catalog *c, int64_t id, const void *blob, size_t n);
int cy_catalog_hold_target_add(cy_catalog *c, int64_t hold_id, int64_t target_id);
/* Mark released (at, by, the sealed reason or NULL). */
int cy_catalog_hold_release(cy_catalog *c, int64_t id, const char *at, int64_t by, const void *blob,
			    size_t n);
typedef int (*cy_catalog_hold_fn)(void *arg, const cy_catalog_hold *h);
/* Holds of one fonds (fonds_id > 0) or all (0); id > 0: only that one; in id
 * order.  Pointers valid during the call only.  fn's non-zero result stops. */
int cy_catalog_hold_each(cy_catalog *c, int64_t fonds_id, int64_t id, cy_catalog_hold_fn fn,
			 void *arg);
/* The targets of a hold, ascending (caller frees *ids). */
int cy_catalog_hold_targets(cy_catalog *c, int64_t hold_id, int64_t **ids, size_t *n);

/* Every entry of the partial index (hold.*, access.*, record.restrict,
 * subject.restrict) after seq `after`, in order. */
typedef int (*cy_catalog_hold_entry_fn)(void *arg, uint64_t seq, const char *entry, size_t n);
int cy_catalog_hold_ledger_each(cy_catalog *c, uint64_t after, cy_catalog_hold_entry_fn fn,
				void *arg);

/* What a hold or a read check needs of a record. */
typedef struct cy_catalog_hold_rec {
	int64_t id, fonds_id;
	char fonds[8];
	char archive_no[64];
	char status[16];
} cy_catalog_hold_rec;
/* By row id or (id 0) by archive number; CY_ENOTFOUND (no error set) if none. */
int cy_catalog_hold_record(cy_catalog *c, int64_t id, const char *archive_no,
			   cy_catalog_hold_rec *out);
/* The subjects a record is linked to, with their status, ascending by id
 * (caller frees *ids and *status; status: 16 bytes per subject). */
int cy_catalog_hold_record_subjects(cy_catalog *c, int64_t record_id, int64_t **ids,
				    char (**status)[16], size_t *n);
/* A subject by fonds and number: its row id and status; CY_ENOTFOUND (no
 * error set) if none. */
int cy_catalog_hold_subject(cy_catalog *c, int64_t fonds_id, int64_t no, int64_t *id,
			    char status[16]);
/* The ids of the records linked to a subject, ascending (caller frees). */
int cy_catalog_hold_subject_records(cy_catalog *c, int64_t subject_id, int64_t **ids, size_t *n);
/* Set the status column of a record or a subject row. */
int cy_catalog_hold_record_set_status(cy_catalog *c, int64_t record_id, const char *status);
int cy_catalog_hold_subject_set_status(cy_catalog *c, int64_t subject_id, const char *status);
/* Rows whose status is not "held": records (kind "record") then subjects
 * ("subject"); fonds: the fonds code, id: the archive number or subject
 * number as text. */
typedef int (*cy_catalog_status_fn)(void *arg, const char *kind, int64_t id, const char *fonds,
				    const char *name, const char *status);
int cy_catalog_hold_status_each(cy_catalog *c, cy_catalog_status_fn fn, void *arg);

/* Why and since when a record or subject is store-only (kind "record" or
 * "subject"): set (replacing), get (CY_ENOTFOUND, no error set, if none). */
int cy_catalog_restriction_set(cy_catalog *c, const char *kind, int64_t target_id,
			       const char *reason, const char *since, int64_t user_id);
int cy_catalog_restriction_get(cy_catalog *c, const char *kind, int64_t target_id, char reason[32],
			       char since[32]);

/* Access requests (exceptions to store-only). */
typedef struct cy_catalog_access {
	int64_t id, record_id, user_id, epoch, approved_by;
	const void *reason; /* sealed */
	size_t reason_len;
	const char *created, *approved, *until; /* "" when none */
	int used;
} cy_catalog_access;
int cy_catalog_access_insert(cy_catalog *c, const cy_catalog_access *a, int64_t *id);
int cy_catalog_access_set_reason(cy_catalog *c, int64_t id, const void *blob, size_t n);
int cy_catalog_access_approve(cy_catalog *c, int64_t id, int64_t by, const char *at,
			      const char *until);
int cy_catalog_access_use(cy_catalog *c, int64_t id);
typedef int (*cy_catalog_access_fn)(void *arg, const cy_catalog_access *a);
/* One request (id > 0) or the requests on one record (record_id > 0) by
 * user_id (> 0); fn's non-zero result stops. */
int cy_catalog_access_each(cy_catalog *c, int64_t id, int64_t record_id, int64_t user_id,
			   cy_catalog_access_fn fn, void *arg);

/* A user's name by id ("" if none). */
int cy_catalog_hold_user_name(cy_catalog *c, int64_t id, char name[64]);

#endif
