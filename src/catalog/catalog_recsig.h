/* catalog_recsig.h - what record signatures need from the catalog
 * (docs/formats/record-sig.md): each fonds' write key, the write key sealed
 * to archivist grantees, the rows a record digest covers, and the signed
 * batches.  Implemented in catalog_records.c (records and batches) and
 * catalog_fonds.c (fonds and grants). */
#ifndef CY_CATALOG_RECSIG_H
#define CY_CATALOG_RECSIG_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* ---- fonds write keys (catalog_fonds.c) ---- */

typedef struct cy_catalog_fonds_sign {
	int64_t id;
	const char *code, *name, *uscc, *created; /* uscc "" when none */
	const void *sign_pub;			  /* NULL: the fonds has no write key yet */
	size_t sign_pub_len;
	uint64_t sign_seq; /* the ledger entry that recorded the key (a hint); 0: unknown */
} cy_catalog_fonds_sign;
typedef int (*cy_catalog_fonds_sign_fn)(void *arg, const cy_catalog_fonds_sign *f);
/* Every fonds by id (id 0) or one fonds, with its write key's public half. */
int cy_catalog_fonds_sign_each(cy_catalog *c, int64_t id, cy_catalog_fonds_sign_fn fn, void *arg);
/* Set a fonds' write public key and its seed sealed to the recovery key. */
int cy_catalog_fonds_sign_set(cy_catalog *c, int64_t id, const uint8_t pub[32], const void *rslot,
			      size_t n);

/* The fonds' write-key seed sealed to the recovery key into out (cleared
 * first); CY_ENOTFOUND if the fonds has none. */
int cy_catalog_fonds_sign_rslot(cy_catalog *c, int64_t id, cy_buf *out);
/* Remember which ledger entry recorded the fonds' write key. */
int cy_catalog_fonds_sign_seq_set(cy_catalog *c, int64_t id, uint64_t seq);
/* The ledger entry seq as stored into out (cleared first); CY_ENOTFOUND if none. */
int cy_catalog_ledger_entry_get(cy_catalog *c, uint64_t seq, cy_buf *out);

/* The write-key slots of a user's active grants. */
typedef struct cy_catalog_wslot {
	int64_t fonds_id;
	const char *code;
	const void *wslot, *sign_pub; /* sign_pub NULL: no write key yet */
	size_t wslot_len, sign_pub_len;
} cy_catalog_wslot;
typedef int (*cy_catalog_wslot_fn)(void *arg, const cy_catalog_wslot *w);
int cy_catalog_wslot_each_user(cy_catalog *c, int64_t user_id, cy_catalog_wslot_fn fn, void *arg);
/* Active grants of a fonds to archivists whose write-key slot is missing or
 * sealed to another public key than the user's current one, with the
 * grantee's row (for its certificate). */
typedef struct cy_catalog_writer {
	int64_t user_id, serial;
	const char *name, *role;
	const void *pub, *upub, *cert;
	size_t pub_len, upub_len, cert_len;
} cy_catalog_writer;
typedef int (*cy_catalog_writer_fn)(void *arg, const cy_catalog_writer *w);
int cy_catalog_writers_missing(cy_catalog *c, int64_t fonds_id, cy_catalog_writer_fn fn, void *arg);
int cy_catalog_wslot_put(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *wslot,
			 size_t n);

/* ---- what a record's digest covers (catalog_records.c) ---- */

typedef struct cy_catalog_recsig_obj {
	int64_t seq; /* 0: the record's first object (records.object_id) */
	const char *role;
	uint64_t length, size;
	int64_t compressed, owner; /* owner 0: the fonds key wraps its data key */
	const void *dkey;
	size_t dkey_len;
	int present; /* 0: the object row is gone */
} cy_catalog_recsig_obj;

typedef struct cy_catalog_recsig_row {
	int64_t id, fonds_id, year, item, created_by, batch_id; /* batch_id 0: none */
	uint64_t size;
	const char *archive_no, *klass, *retention, *org, *status, *created;
	const void *meta, *dedup, *digest;
	size_t meta_len, dedup_len, digest_len;
	const cy_catalog_recsig_obj *objs;
	size_t nobjs;
	const int64_t *subjects;
	size_t nsubjects;
} cy_catalog_recsig_row;
typedef int (*cy_catalog_recsig_fn)(void *arg, const cy_catalog_recsig_row *r);

/* Records by id with their objects and subjects: those of batch batch_id
 * (batch_id > 0), else those with lo <= id <= hi (hi 0: no bound) of fonds
 * fonds_id (0: every fonds).  The row is borrowed for the call; fn may not
 * use the catalog. */
int cy_catalog_recsig_each(cy_catalog *c, int64_t fonds_id, int64_t lo, int64_t hi,
			   int64_t batch_id, cy_catalog_recsig_fn fn, void *arg);

/* ---- batches (catalog_records.c) ---- */

typedef struct cy_catalog_batch {
	int64_t id, fonds_id, count;
	uint64_t seq;
	uint8_t sig[64];
	int sig_ok; /* the stored signature is 64 bytes */
} cy_catalog_batch;
int cy_catalog_batch_insert(cy_catalog *c, int64_t fonds_id, uint64_t seq, int64_t count,
			    const uint8_t sig[64], int64_t *id);
/* A batch row for the records a transaction is creating: seq, count and
 * signature stay empty (a batch that never verifies) until batch_seal. */
int cy_catalog_batch_reserve(cy_catalog *c, int64_t fonds_id, int64_t *id);
int cy_catalog_batch_seal(cy_catalog *c, int64_t id, uint64_t seq, int64_t count,
			  const uint8_t sig[64]);
int cy_catalog_batch_get(cy_catalog *c, int64_t id, cy_catalog_batch *out);
int cy_catalog_batch_delete(cy_catalog *c, int64_t id);
typedef int (*cy_catalog_batch_fn)(void *arg, const cy_catalog_batch *b);
/* Every batch by id. */
int cy_catalog_batch_each(cy_catalog *c, cy_catalog_batch_fn fn, void *arg);
/* The stored digests of a batch's records in id order, appended to out,
 * and how many there are (a digest of another length than 32 is stored as
 * 32 zero bytes, which never verifies). */
int cy_catalog_batch_digests(cy_catalog *c, int64_t batch_id, cy_buf *out, int64_t *n);
/* Store a record's digest and batch. */
int cy_catalog_record_sig_set(cy_catalog *c, int64_t record_id, const uint8_t digest[32],
			      int64_t batch_id);
/* Delete a record's rows: its subjects' links, objects, aliases and row. */
int cy_catalog_record_remove(cy_catalog *c, int64_t record_id);
/* The id and batch of a record by archive number: 1 if it exists, 0 if not. */
int cy_catalog_record_batch_of(cy_catalog *c, const char *archive_no, int64_t *id,
			       int64_t *batch_id);

#endif
