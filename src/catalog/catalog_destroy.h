/* catalog_destroy.h - destruction batches, their items (which stay as the
 * tombstones of destroyed records) and signatures (schema 6 block
 * "destroy:"; docs/internals/destruction.md).  The ledger is the authority:
 * these rows are what the vault checks against its destroy.* entries. */
#ifndef CY_CATALOG_DESTROY_H
#define CY_CATALOG_DESTROY_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "custody/buf.h"

typedef struct cy_catalog_dbatch {
	int64_t id, fonds_id, proposed_by, appraisal_id;
	const char *kind;   /* "accounting" or "other" */
	const char *status; /* proposed, executing, executed */
	const void *hash;   /* 32 bytes: the item list's SHA-256 */
	size_t hash_len;
	const char *proposed, *reconciled, *executed; /* "" when not yet */
	uint64_t seq, reconcile_seq, execute_seq;
	const char *reg;    /* the register's JSON, "" before execution */
	const char *reason; /* erasure: "art47-N"; else "" */
	const char *roles;  /* the signatory roles it needs, comma-separated */
	const void *reg_sig;
	size_t reg_sig_len;
} cy_catalog_dbatch;

typedef struct cy_catalog_ditem {
	int64_t batch_id, record_id, year, item;
	const char *archive_no, *klass, *retention, *org, *rule, *trigger, *due, *created;
	const void *digest;
	size_t digest_len;
} cy_catalog_ditem;

typedef struct cy_catalog_dsig {
	int64_t batch_id, user_id;
	const char *role, *at;
	uint64_t seq;
} cy_catalog_dsig;

int cy_catalog_dbatch_insert(cy_catalog *c, const cy_catalog_dbatch *b, int64_t *id);
int cy_catalog_dbatch_set_seq(cy_catalog *c, int64_t id, uint64_t seq, const void *hash, size_t n);
typedef int (*cy_catalog_dbatch_fn)(void *arg, const cy_catalog_dbatch *b);
/* One batch (id > 0) or every batch by id; pointers valid during the call. */
int cy_catalog_dbatch_each(cy_catalog *c, int64_t id, cy_catalog_dbatch_fn fn, void *arg);
int cy_catalog_dbatch_reconciled(cy_catalog *c, int64_t id, const char *at, uint64_t seq);
/* Step 1 of an execution committed: status "executing", when (at), its
 * destroy.execute entry (seq), the register and its signature. */
int cy_catalog_dbatch_executing(cy_catalog *c, int64_t id, const char *at, uint64_t seq,
				const char *reg, const void *sig, size_t n);
int cy_catalog_dbatch_status(cy_catalog *c, int64_t id, const char *status);

int cy_catalog_ditem_insert(cy_catalog *c, const cy_catalog_ditem *it);
typedef int (*cy_catalog_ditem_fn)(void *arg, const cy_catalog_ditem *it);
/* A batch's items by record id; pointers valid during the call. */
int cy_catalog_ditem_each(cy_catalog *c, int64_t batch_id, cy_catalog_ditem_fn fn, void *arg);
/* The items (of any batch) with this archive number, newest batch first. */
int cy_catalog_ditem_by_no(cy_catalog *c, const char *archive_no, cy_catalog_ditem_fn fn,
			   void *arg);

int cy_catalog_dsig_insert(cy_catalog *c, const cy_catalog_dsig *s);
typedef int (*cy_catalog_dsig_fn)(void *arg, const cy_catalog_dsig *s);
int cy_catalog_dsig_each(cy_catalog *c, int64_t batch_id, cy_catalog_dsig_fn fn, void *arg);

/* Subjects of fonds fonds_id linked to no record: (for crypto-shredding) */
int cy_catalog_subjects_orphaned(cy_catalog *c, const int64_t *ids, size_t n, cy_buf *out);
/* Delete a subject's row and its blind-index rows. */
int cy_catalog_subject_remove(cy_catalog *c, int64_t subject_id);
/* Erasure (PIPL Art. 47): keep the blind-index hashes of a subject's
 * identifiers (all its index rows but the name) against batch_id. */
int cy_catalog_erased_keep(cy_catalog *c, int64_t subject_id, int64_t batch_id);
/* 1 (and the batch) if fonds_id has an erased subject with this hash. */
int cy_catalog_erased_find(cy_catalog *c, int64_t fonds_id, const char *field, const void *hash,
			   size_t n, int64_t *batch_id);
/* Forget the erased subjects of a batch (a decision to take them back). */
int cy_catalog_erased_forget(cy_catalog *c, int64_t batch_id, int64_t *count);
/* Many records at once: their ids go into a temporary table (set), then
 * the distinct signed batches they are in (0: a record never signed), the
 * subjects linked to them or owning their objects, and the removal of
 * all their rows (links, objects, aliases, store-only rows, records) each
 * in one statement per table. */
int cy_catalog_tmp_ids_set(cy_catalog *c, const int64_t *ids, size_t n);
int cy_catalog_tmp_ids_batches(cy_catalog *c, cy_buf *out);
int cy_catalog_tmp_ids_subjects(cy_catalog *c, cy_buf *out);
int cy_catalog_tmp_ids_remove(cy_catalog *c);
/* A record's number and stored digest: 1 if it exists, 0 if not. */
int cy_catalog_record_digest(cy_catalog *c, int64_t id, char archive_no[64], cy_buf *digest);
/* Make the WAL empty (after a destruction: its frames held deleted pages). */
int cy_catalog_wal_truncate(cy_catalog *c);

#endif
