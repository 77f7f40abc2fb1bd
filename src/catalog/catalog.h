/* catalog.h - the catalog: the vault's tables behind named functions.
 *
 * Everything stored here is either non-personal (codes, numbers, sizes) or
 * already encrypted by the vault.  The vault sees only these functions and
 * plain C structs; no SQL text lives outside src/catalog/.  Today's backend is
 * SQLite (catalog.c and the catalog_*.c files); a PostgreSQL backend would
 * implement the same functions and pass tests/unit/test_catalog_conformance.c.
 * docs/internals/catalog.md has the schema and the concurrency rules.
 *
 * Conventions of every function here:
 *  - 0 or a negative CY_E code with the detail set; CY_ENOTFOUND when a get,
 *    update or delete matched no row; CY_EEXISTS when an insert would break a
 *    uniqueness rule.
 *  - Row structs: short texts in fixed arrays (truncated if the catalog holds
 *    longer ones), blobs in cy_buf fields owned by the struct; a get fills the
 *    caller's struct (release it with its _release function, also after a
 *    failure); a list passes one struct to the callback for each row, valid
 *    only during the call.  A callback returning non-zero stops the list and
 *    that value is returned.  A callback may call other catalog functions but
 *    not the list function that is calling it.
 *  - Functions that write should run inside cy_catalog_begin/commit: a
 *    failure leaves the transaction open for the caller to roll back. */
#ifndef CY_CATALOG_H
#define CY_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

typedef struct cy_catalog cy_catalog;

#define CY_CATALOG_FILE "catalog.db"
#define CY_CATALOG_VERSION 7
/* How long a statement waits for another process's lock before CY_EBUSY
 * ("the vault is busy ... waited 30 s; try again"). */
#define CY_CATALOG_BUSY_MS 30000

/* ---- the catalog (catalog.c) ---- */

/* Open (create=1: create and apply the schema) the catalog in dir; an older
 * schema is migrated forward, a newer one refused (CY_EUNSUPPORTED). */
int cy_catalog_open(cy_catalog **out, const char *dir, int create);
void cy_catalog_close(cy_catalog *c);

/* Start a write transaction, taking the catalog's writer lock at once
 * (SQLite: BEGIN IMMEDIATE, waiting up to 30 s for another writer, then
 * CY_EBUSY).  Commit makes everything durable or nothing. */
int cy_catalog_begin(cy_catalog *c);
int cy_catalog_commit(cy_catalog *c);
/* Undo the open transaction, if any. */
void cy_catalog_rollback(cy_catalog *c);

/* Run the backend's integrity checks; each problem (one line) goes to fn.
 * They include the comparison of the catalog's schema with the one custody's
 * migrations create (also made at every open, where the first difference
 * fails the open with CY_ECORRUPT): an object custody did not create (a
 * trigger, a view, a table, an index), one whose SQL differs, or one that is
 * missing, each named. */
typedef void (*cy_catalog_problem_fn)(void *arg, const char *problem);
int cy_catalog_integrity(cy_catalog *c, cy_catalog_problem_fn fn, void *arg);

/* ---- meta: the vault's settings (catalog_meta.c) ---- */

/* Insert or replace a setting. */
int cy_catalog_meta_put(cy_catalog *c, const char *key, const void *val, size_t n);
/* The value of a setting into out (cleared first); CY_ENOTFOUND if absent. */
int cy_catalog_meta_get(cy_catalog *c, const char *key, cy_buf *out);

/* ---- users (catalog_users.c) ---- */

typedef struct cy_catalog_user {
	int64_t id;
	char name[64];
	char role[16];
	char created[32];
	int disabled;
	/* X25519 public key; private key sealed under the password; ledger key
	 * and admin public key sealed to pub; admin key sealed to pub (secadmins,
	 * else empty); the admin key's certificate of (id, name, role, pub) */
	cy_buf pub, slot, sign_slot, admin_slot, cert;
	/* the user's Ed25519 public key (empty before schema 3 until the user's
	 * next log-in) and the serial of its certificate (0: schema 2 or older) */
	cy_buf upub;
	int64_t serial;
	/* cy_catalog_user_list only: fonds codes, comma separated, pending
	 * grants marked with '*' */
	cy_buf grants;
} cy_catalog_user;

void cy_catalog_user_release(cy_catalog_user *u); /* wipes the slots */
/* A new user with empty keys (set by cy_catalog_user_set_keys); CY_EEXISTS
 * if the name is taken. */
int cy_catalog_user_insert(cy_catalog *c, const char *name, const char *role, const char *created,
			   int64_t *id);
int cy_catalog_user_get(cy_catalog *c, const char *name, cy_catalog_user *out);
typedef int (*cy_catalog_user_fn)(void *arg, const cy_catalog_user *u);
/* Every user, by id. */
int cy_catalog_user_list(cy_catalog *c, cy_catalog_user_fn fn, void *arg);
/* Replace a user's public key, slots and certificate (admin_slot NULL or
 * empty: none). */
int cy_catalog_user_set_keys(cy_catalog *c, int64_t id, const void *pub, size_t publen,
			     const cy_buf *slot, const cy_buf *sign_slot, const cy_buf *admin_slot,
			     const void *cert, size_t certlen);
/* Record a certificate in the user's history (user_certs) and make it the
 * user's current one (users.cert, users.serial, users.upub). */
int cy_catalog_user_certify(cy_catalog *c, int64_t id, int64_t serial, const char *role,
			    const void *pub, const void *upub, const void *cert, size_t certlen,
			    const char *created);
/* A user's certificate by serial (from user_certs); CY_ENOTFOUND if none. */
typedef struct cy_catalog_cert {
	int64_t user_id, serial;
	char role[16];
	char created[32];
	uint8_t pub[32], upub[32];
	cy_buf cert;
} cy_catalog_cert;
void cy_catalog_cert_release(cy_catalog_cert *c);
int cy_catalog_user_cert_get(cy_catalog *c, int64_t id, int64_t serial, cy_catalog_cert *out);
/* The user's Ed25519 public key with a new password slot (a key slot of
 * schema 2 or older upgraded at log-in). */
int cy_catalog_user_set_upgrade(cy_catalog *c, int64_t id, const void *slot, size_t n,
				const void *upub);
/* Replace the password slot only (a password change keeping the key pair). */
int cy_catalog_user_set_slot(cy_catalog *c, int64_t id, const void *slot, size_t n);
/* Replace the signature of certificate `serial` (a key roll-over statement
 * re-certified by the admin key) in user_certs, and in users.cert if it is
 * the user's current one. */
int cy_catalog_user_recertify(cy_catalog *c, int64_t id, int64_t serial, const void *cert,
			      size_t certlen);
int cy_catalog_user_set_disabled(cy_catalog *c, int64_t id, int disabled);

/* ---- grants: fonds keys sealed to users (catalog_users.c) ---- */

typedef struct cy_catalog_grant {
	int64_t user_id, fonds_id, granted_by;
	char fonds_code[8];
	char created[32];
	int active;  /* the slot is present; else pending */
	cy_buf slot; /* the fonds key sealed to the user's public key */
	cy_buf auth; /* the admin key's signature (grant message version 2) */
	/* the binding to the ledger (0, 0 and no leaf: a grant of schema 2 or
	 * older): the grant's serial, the seq and leaf hash of its entry */
	int64_t serial;
	uint64_t seq;
	uint8_t leaf[32];
	/* cy_catalog_grant_list_pending and _each only: the grantee's row */
	char user_name[64];
	char user_role[16];
	cy_buf user_pub, user_cert, user_upub;
	int64_t user_serial;
} cy_catalog_grant;

void cy_catalog_grant_release(cy_catalog_grant *g);
int cy_catalog_grant_get(cy_catalog *c, int64_t user_id, int64_t fonds_id, cy_catalog_grant *out);
typedef int (*cy_catalog_grant_fn)(void *arg, const cy_catalog_grant *g);
/* A user's grants, active and pending, by fonds code. */
int cy_catalog_grant_list_user(cy_catalog *c, int64_t user_id, cy_catalog_grant_fn fn, void *arg);
/* Every pending grant, with its grantee's row. */
int cy_catalog_grant_list_pending(cy_catalog *c, cy_catalog_grant_fn fn, void *arg);
/* Store an active grant (insert, or set the slot of the existing row). */
int cy_catalog_grant_put_slot(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *slot,
			      size_t n, int64_t granted_by, const char *created);
/* Store a pending grant (insert with no slot, or set the auth of the
 * existing row and drop its slot). */
int cy_catalog_grant_put_pending(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *auth,
				 size_t n, int64_t granted_by, const char *created);
/* Turn an existing grant back to pending with a new auth (password reset). */
int cy_catalog_grant_set_pending(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *auth,
				 size_t n);
int cy_catalog_grant_delete(cy_catalog *c, int64_t user_id, int64_t fonds_id);
/* Bind an existing grant to its ledger entry, with the admin key's signature
 * (auth NULL: none, e.g. the creator's grant of a new fonds). */
int cy_catalog_grant_bind(cy_catalog *c, int64_t user_id, int64_t fonds_id, int64_t serial,
			  uint64_t seq, const uint8_t leaf[32], const void *auth, size_t authlen);
/* Every grant, active and pending, with its grantee's row, by user and fonds. */
int cy_catalog_grant_each(cy_catalog *c, cy_catalog_grant_fn fn, void *arg);
/* Delete the grant only if it is pending. */
int cy_catalog_grant_delete_pending(cy_catalog *c, int64_t user_id, int64_t fonds_id);

/* ---- fonds (catalog_fonds.c) ---- */

typedef struct cy_catalog_fonds {
	int64_t id;
	char code[8];
	char name[256];
	char uscc[24];	      /* "" when none */
	char status[24];      /* operating, transferring, deregistering, deregistered */
	char status_date[32]; /* "" when none */
	char created[32];
	cy_buf key_id;	      /* 8 bytes naming the fonds key */
	cy_buf recovery_slot; /* the fonds key sealed to the recovery key */
	/* cy_catalog_fonds_list only */
	int64_t records;
	uint64_t bytes;
} cy_catalog_fonds;

void cy_catalog_fonds_release(cy_catalog_fonds *f);
/* Insert f (id, records, bytes ignored); CY_EEXISTS if the code is taken. */
int cy_catalog_fonds_insert(cy_catalog *c, const cy_catalog_fonds *f, int64_t *id);
int cy_catalog_fonds_get(cy_catalog *c, const char *code, cy_catalog_fonds *out);
typedef int (*cy_catalog_fonds_fn)(void *arg, const cy_catalog_fonds *f);
/* Every fonds by code, with its count of records and their bytes. */
int cy_catalog_fonds_list(cy_catalog *c, cy_catalog_fonds_fn fn, void *arg);
/* date may be NULL or "" (none). */
int cy_catalog_fonds_set_status(cy_catalog *c, int64_t id, const char *status, const char *date);

/* ---- item numbers (件号) (catalog_items.c) ---- */

/* The next item number of a group (a fonds and a text naming the group:
 * "<class name>/<year>/<retention>/<org>", e.g. "correspondence/2019/D10/",
 * the form schema 2's migration seeds the counters with), taken inside the caller's
 * transaction under a row lock: numbers start at 1, two writers never get
 * the same number, and a transaction that rolls back gives its number back
 * (no gap when the others commit).  CY_EINVALID outside a transaction. */
int cy_catalog_item_next(cy_catalog *c, int64_t fonds_id, const char *grp, int64_t *item);
/* The number the next cy_catalog_item_next would return; CY_ENOTFOUND if
 * the group has no counter yet. */
int cy_catalog_item_peek(cy_catalog *c, int64_t fonds_id, const char *grp, int64_t *next);
/* Set a group's next number.  A writer that numbers many records in one
 * transaction (an import batch) peeks once, counts on in memory and stores
 * the counter before its commit: its transaction holds the write lock
 * throughout (PostgreSQL: the peek is SELECT ... FOR UPDATE). */
int cy_catalog_item_store(cy_catalog *c, int64_t fonds_id, const char *grp, int64_t next);

/* ---- the ledger (catalog_ledger.c) ---- */

/* The tree state (size and frontier) read under the writer's lock inside the
 * open transaction, so that no other writer can append until this one
 * commits or rolls back (SQLite: the BEGIN IMMEDIATE lock; PostgreSQL:
 * SELECT ... FOR UPDATE).  CY_EINVALID outside a transaction. */
int cy_catalog_ledger_state_lock(cy_catalog *c, uint64_t *size, cy_buf *frontier);
/* Store the state after this transaction's appends. */
int cy_catalog_ledger_state_update(cy_catalog *c, uint64_t size, const void *frontier, size_t n);
/* Append entry number seq with its leaf hash; CY_EEXISTS if seq is taken. */
int cy_catalog_ledger_append(cy_catalog *c, uint64_t seq, const void *entry, size_t n,
			     const uint8_t leaf[32]);

typedef struct cy_catalog_ledger_row {
	uint64_t seq;
	cy_buf entry;
	cy_buf leaf;	       /* 32 bytes unless damaged */
	cy_buf sig;	       /* the head signature of a transaction's last entry; empty if none */
	int64_t signer_serial; /* its signer's certificate serial; -1 if NULL */
} cy_catalog_ledger_row;
void cy_catalog_ledger_row_release(cy_catalog_ledger_row *r);

/* Entries from..to (to 0: to the end) in order of seq.  An iterator may stay
 * open while other catalog functions run; free it before commit. */
typedef struct cy_catalog_ledger_iter cy_catalog_ledger_iter;
int cy_catalog_ledger_iter_open(cy_catalog *c, uint64_t from, uint64_t to,
				cy_catalog_ledger_iter **out);
/* 1 = a row in *row (its buffers reused), 0 = end, < 0 = error. */
int cy_catalog_ledger_iter_next(cy_catalog_ledger_iter *it, cy_catalog_ledger_row *row);
void cy_catalog_ledger_iter_free(cy_catalog_ledger_iter *it);

/* The ledger's size as the tree state says (read outside a transaction). */
int cy_catalog_ledger_size(cy_catalog *c, uint64_t *size);
/* Store the head signature of a transaction (its actor's, over the tree head
 * its last entry produced) with that last entry, seq, and the serial of the
 * signer's certificate.  CY_ENOTFOUND if there is no entry seq. */
int cy_catalog_ledger_sign(cy_catalog *c, uint64_t seq, const uint8_t sig[64], int64_t serial);

/* Witnesses (C2SP cosignature/v1 verifier keys) an auditor or a secadmin
 * registered; CY_EEXISTS if the name is taken. */
int cy_catalog_witness_add(cy_catalog *c, const char *name, const char *vkey, const char *added);
typedef int (*cy_catalog_witness_fn)(void *arg, const char *name, const char *vkey,
				     const char *added);
/* Every witness by name; fn's non-zero result stops the walk and is returned. */
int cy_catalog_witness_list(cy_catalog *c, cy_catalog_witness_fn fn, void *arg);

/* Signed checkpoints (C2SP signed notes), one per tree size. */
int cy_catalog_checkpoint_insert(cy_catalog *c, uint64_t size, const char *note);
/* The size of the checkpoint with the largest size, and its note appended
 * to note (which may be NULL).  CY_ENOTFOUND if there is none. */
int cy_catalog_checkpoint_latest(cy_catalog *c, uint64_t *size, cy_buf *note);
typedef int (*cy_catalog_checkpoint_fn)(void *arg, uint64_t size, const char *note);
/* Every checkpoint by size. */
int cy_catalog_checkpoint_list(cy_catalog *c, cy_catalog_checkpoint_fn fn, void *arg);

/* ---- what `check` reads (catalog_check.c) ---- */

typedef int (*cy_catalog_pack_fn)(void *arg, const char *name, uint64_t size);
/* Every pack by name with its recorded size. */
int cy_catalog_check_packs(cy_catalog *c, cy_catalog_pack_fn fn, void *arg);

typedef struct cy_catalog_item_group {
	char fonds_code[8];
	char klass[16];
	int64_t year;
	char retention[8];
	char org[8];
	int64_t count, max_item, min_item;
	char first_no[64]; /* the group's lowest archive number (its prefix names the group) */
} cy_catalog_item_group;
typedef int (*cy_catalog_item_group_fn)(void *arg, const cy_catalog_item_group *g);
/* Every numbering group of records with its count and item range. */
int cy_catalog_check_item_groups(cy_catalog *c, cy_catalog_item_group_fn fn, void *arg);

/* Count of records and the sum of their sizes. */
int cy_catalog_check_record_totals(cy_catalog *c, uint64_t *count, uint64_t *bytes);

typedef struct cy_catalog_check_record {
	int64_t id, fonds_id, year, item;
	char archive_no[64];
	char fonds_code[8];
	char klass[16];
	char retention[8];
	char org[8];
	char pack[32]; /* "" when the record has no object */
	uint64_t offset, length, size;
	cy_buf meta;   /* encrypted metadata */
	cy_buf key_id; /* of its fonds */
	cy_buf dkey;   /* its object's wrapped data key (empty: object format 1) */
	int64_t owner_subject_id;
} cy_catalog_check_record;
typedef int (*cy_catalog_check_record_fn)(void *arg, const cy_catalog_check_record *r);
/* Up to limit records with id > after_id, by id. */
int cy_catalog_check_records(cy_catalog *c, int64_t after_id, int limit,
			     cy_catalog_check_record_fn fn, void *arg);

#endif
