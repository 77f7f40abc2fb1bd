/* vault_internal.h - what the files of src/vault/ share: the unlocked vault,
 * transactions with their ledger entries, and the sealing contexts. */
#ifndef CY_VAULT_INTERNAL_H
#define CY_VAULT_INTERNAL_H

#include <libintl.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "ledger/ledger.h"
#include "store/object.h"
#include "crypto/crypto.h"
#include "custody/custody.h"
#include "store/store.h"

/* Marks a message for translation where it is defined; translated where used. */
#define N_(s) (s)
#define CY_TR(s) dgettext("custody", s)

#define CY_MAX_FONDS_KEYS 4096
#define CY_FONDS_KEYS_LEN 160
#define CY_META_KEY(k) ((k)->key + 32)
#define CY_INDEX_KEY(k) ((k)->key + 64)
#define CY_WRAP_KEY(k) ((k)->key + 96) /* wraps the data keys of fonds-owned objects */
#define CY_WRITE_SEED(k)                                                                           \
	((k)->key + 128) /* the fonds' write key, when k->writable (vault_recsig.c) */
#define CY_WRAP_LABEL "custody data key wrap v1"

typedef struct cy_fonds_key {
	int64_t fonds_id;
	char code[8];
	/* locked memory: the fonds key, then the record-meta, blind-index and data-key-wrap keys */
	uint8_t *key;
	uint8_t key_id[8];
	/* records: the fonds' Ed25519 write key (its seed at CY_WRITE_SEED) is
	 * held (archivists only), and its public half */
	int writable;
	int wpub_known; /* wpub is set and the ledger recorded it */
	uint8_t wpub[32];
	/* key epochs (vault_epochs.c): the keys of epochs 0..epoch, each
	 * CY_EPOCH_LEN bytes of locked memory (the epoch's key, then its
	 * record-meta and data-key-wrap keys); k->key holds those of the
	 * newest, `epoch`, which new records use; the blind-index key and
	 * key_id stay those of epoch 0.  stale: the fonds has a newer epoch
	 * than the one sealed to this user (reads only). */
	uint8_t *ekeys;
	int epoch;
	int stale;
	uint64_t epoch_seq; /* the ledger entry of epoch `epoch` (0 for epoch 0) */
} cy_fonds_key;
#define CY_EPOCH_LEN 96
#define CY_EPOCH_RAW(k, e) ((k)->ekeys + (size_t)(e)*CY_EPOCH_LEN)
#define CY_EPOCH_META(k, e) (CY_EPOCH_RAW(k, e) + 32)
#define CY_EPOCH_WRAP(k, e) (CY_EPOCH_RAW(k, e) + 64)

struct cy_sindex;
struct cy_vault {
	char *dir;
	/* the full-text indexes a search opened, kept for the next search of
	 * the same process (search --stdin); by fonds id */
	struct cy_sindex **text_idx;
	int64_t *text_fonds;
	int ntext;
	cy_catalog *cat;
	cy_store *store;
	char vault_id[33];
	int64_t user_id;
	char user[64];
	char actor[24];
	cy_role role;
	uint8_t pub[32];
	uint8_t *priv;	     /* locked */
	uint8_t *sign_seed;  /* locked */
	uint8_t *admin_seed; /* locked; secadmins only, else NULL */
	uint8_t *useed;	     /* locked; the user's own Ed25519 key (signs its ledger entries) */
	uint8_t *obj_key;    /* locked; an object's data key while its read starts
				(vault_objects.c): one page for the vault, not one per object */
	uint8_t upub[32];
	int64_t serial; /* of the user's certificate (0: schema 2 or older, not yet re-certified) */
	uint8_t admin_pub[32]; /* as sealed to this user, not as the catalog says */
	uint8_t ledger_pub[32];
	uint8_t recovery_pub[32];
	unsigned kdf_log2n;
	cy_fonds_key *keys;
	int nkeys;
	uint64_t failed_logins; /* hygiene: before this log-in, since the last one */
	/* the last record batch whose signature verified (vault_recsig.c) */
	struct cy_vault__recsig_seen *recsig_seen;
	/* transaction state */
	int in_tx;
	cy_frontier fr;
	uint64_t tx_entries;
};

/* The vault's settings as each user's key slot vouches for them
 * (docs/formats/keys.md "Key slots, version 2"): opening refuses a catalog
 * whose settings differ from what the opening user's own slot says. */
typedef struct cy_vault_settings {
	uint8_t vault_id[16];
	uint8_t admin_pub[32], ledger_pub[32], recovery_pub[32];
	uint8_t kdf_min; /* scrypt log2 N of every key slot made in this vault */
} cy_vault_settings;
#define CY_SETTINGS_LEN (1 + 16 + 3 * 32 + 1)
#define CY_SLOT2_LEN (32 + 32 + CY_SETTINGS_LEN) /* X25519 priv, Ed25519 seed, settings */
void cy_vault__settings_encode(const cy_vault_settings *s, uint8_t out[CY_SETTINGS_LEN]);
/* CY_ECORRUPT if the bytes are not version-1 settings. */
int cy_vault__settings_decode(const uint8_t in[CY_SETTINGS_LEN], cy_vault_settings *s);
/* The settings this user vouches for (from the opened slot). */
void cy_vault__settings(const cy_vault *v, cy_vault_settings *s);

/* Sign with the opened user's own Ed25519 key. */
int cy_vault__user_sign(const cy_vault *v, const void *msg, size_t n, uint8_t sig[64]);

/* Sealing contexts (docs/formats/keys.md). */
/* The sealing contexts of key slots; 0 or CY_ENOMEM. */
int cy_vault__ctx_user(const cy_vault *v, const char *vault_id, const char *user, cy_buf *out);
int cy_vault__ctx_fonds(const char *vault_id, const char *code, cy_buf *out);
#define CY_CTX_LEDGER_KEY "custody/ledger-key/v1"
#define CY_CTX_ADMIN_KEY "custody/admin-key/v1"

/* Users' roles and secadmins' grants are signed with the vault's admin key,
 * an Ed25519 key sealed to secadmins only, so that editing the catalog cannot
 * turn an administrator into a key holder (docs/formats/keys.md). */
/* The certificate message: version 1 (serial 0; upub unused) or version 2. */
int cy_vault__cert_msg(const char *vault_id, int64_t id, const char *name, const char *role,
		       const uint8_t pub[32], const uint8_t *upub, int64_t serial, cy_buf *out);
/* The grant message (version 2): cy_vault__grant_msg2 (vault_trust_users.c). */
/* The secrets a new user receives: the ledger key with the admin public key,
 * the admin key itself for secadmins, and a certificate of the role. */
typedef struct user_secrets {
	const uint8_t *sign_seed;	   /* 32 */
	const uint8_t *admin_seed;	   /* 32 */
	const uint8_t *admin_pub;	   /* 32 */
	const cy_vault_settings *settings; /* vouched for by the new slot */
} user_secrets;
int cy_vault__insert_user(cy_vault *v, cy_catalog *cat, const char *vault_id, const char *name,
			  cy_role role, const char *pw, size_t pwlen, unsigned log2n,
			  const user_secrets *us, int64_t *id_out, uint8_t *useed_out);

/* A user's key material: a new X25519 key pair, its private half under the
 * password, the ledger key and admin public key sealed to it, and for a
 * secadmin the admin key.  Stored (with a fresh certificate signed by the
 * admin key) into the user's row by cy_vault__store_user_keys. */
typedef struct user_keys {
	uint8_t pub[32];
	uint8_t upub[32]; /* the user's Ed25519 public key */
	uint8_t *useed;	  /* locked: its private seed */
	cy_role role;
	cy_buf slot, sign_slot, admin_slot;
} user_keys;
int cy_vault__user_keys(const char *vault_id, const char *name, cy_role role, const char *pw,
			size_t pwlen, unsigned log2n, const user_secrets *us, user_keys *k);
/* ... with a certificate of the given serial (1 for a new user, one more
 * than the last for new keys of an existing user), kept in user_certs. */
int cy_vault__store_user_keys(cy_catalog *cat, const char *vault_id, int64_t id, const char *name,
			      const user_keys *k, const uint8_t admin_seed[32], int64_t serial);
void cy_vault__user_keys_release(user_keys *k);

/* 0 if the user's row carries a valid certificate for its role and keys:
 * version 2 over (pub, upub, serial) when serial > 0, else version 1 over
 * pub (upub may be NULL). */
int cy_vault__verify_cert(const cy_vault *v, int64_t id, const char *name, const char *role,
			  const uint8_t pub[32], const uint8_t *upub, int64_t serial,
			  const void *cert, size_t certlen);

/* Begin / commit / roll back one operation: the catalog transaction plus its
 * ledger entries and (at commit) a signed checkpoint. */
int cy_vault__begin(cy_vault *v);
int cy_vault__commit(cy_vault *v);
void cy_vault__rollback(cy_vault *v);
/* Append a ledger entry inside the open transaction.  actor defaults to the
 * caller; e->seq and e->time are filled in. */
int cy_vault__log(cy_vault *v, cy_ledger_entry *e);
/* Short forms. */
int cy_vault__log1(cy_vault *v, const char *action, const char *target);

/* Permission check: CY_EPERM with a message naming the role when `allowed`
 * (a bit mask of 1u << role) does not include the caller's role. */
int cy_vault__require(cy_vault *v, unsigned allowed, const char *what);
#define CY_R(role) (1u << (role))
#define CY_R_CONTENT (CY_R(CY_ROLE_ARCHIVIST) | CY_R(CY_ROLE_VIEWER))
#define CY_R_ALL ((1u << CY_ROLE_COUNT) - 1)

/* The key of a fonds the caller holds, by code; NULL (and CY_EPERM set) if
 * not held or unknown. */
cy_fonds_key *cy_vault__fonds_key(cy_vault *v, const char *code);
/* Whether the caller holds the key of the fonds with this code (sets no error). */
bool cy_vault__holds(const cy_vault *v, const char *code);
cy_fonds_key *cy_vault__fonds_key_by_id(cy_vault *v, int64_t fonds_id);
/* Why the caller holds no key for fonds `code`, as the last error, and its
 * code: CY_ENOTFOUND (no such fonds), CY_EPERM (an administrative role; not
 * granted; grant pending until a key holder opens the vault).  For every
 * look-up that needs a fonds key (vault_admin.c). */
int cy_vault__no_key_error(cy_vault *v, const char *code);
/* For check: compare each user's disabled flag and each fonds' status and
 * status date in the catalog with the last ledger entry that set them
 * (user.disable / user.enable, fonds.status); a difference means the
 * catalog was edited behind the vault's back.  One call of problem per
 * difference (vault_log_query.c). */
int cy_vault__check_admin(cy_vault *v, cy_catalog_problem_fn problem, void *arg);
/* Inside cy_fonds_add: the code of an existing fonds with this unified
 * social credit code into same ("" if none); CY_EEXISTS naming it unless
 * flags has CY_FONDS_SAME_USCC (vault_admin.c). */
int cy_vault__same_uscc(cy_vault *v, const char *code, const char *uscc, unsigned flags,
			char same[8]);
/* Add a fonds key to the caller's key set (copies the key). */
int cy_vault__keep_key(cy_vault *v, int64_t fonds_id, const char *code, const uint8_t key[32]);

/* Key derivations from a fonds key. */
void cy_vault__key_id(const uint8_t fonds_key[32], uint8_t out[8]);
int cy_vault__subkey(const uint8_t fonds_key[32], const char *label, uint8_t out[32]);

/* Seal a fonds key to a user's public key and store it as that user's grant. */
int cy_vault__store_slot(cy_vault *v, int64_t uid, const cy_fonds_key *k, const uint8_t pub[32]);

/* ---- objects (vault_objects.c) ---- */

/* Where an object is and how its key is found. */
typedef struct cy_obj_ref {
	const char *pack;
	uint64_t offset, length, size;
	const void *dkey; /* the wrapped data key (object format 2); NULL: version 1 */
	size_t dkey_len;
	int64_t owner_subject_id; /* 0: wrapped by the fonds key */
} cy_obj_ref;

#define CY_DKEY_WRAPPED_LEN (12 + 32 + 16)
/* A new object's data key and its key id (for the object header). */
int cy_vault__dkey_new(uint8_t dkey[32], uint8_t key_id[8]);
/* wrapped = nonce (12) || ChaCha20-Poly1305(wrap key, nonce, aad = "custody/data-key/v2" 00
 * salt (16), data key): bound to the object's salt (docs/formats/keys.md). */
int cy_vault__dkey_wrap_nonce(const uint8_t wrap_key[32], const uint8_t salt[16],
			      const uint8_t dkey[32], const uint8_t nonce[12],
			      uint8_t wrapped[CY_DKEY_WRAPPED_LEN]);
/* The same with the wrapping key's AEAD already set up. */
int cy_vault__dkey_wrap_with(cy_aead *a, const uint8_t salt[16], const uint8_t dkey[32],
			     const uint8_t nonce[12], uint8_t wrapped[CY_DKEY_WRAPPED_LEN]);
int cy_vault__dkey_unwrap(const uint8_t wrap_key[32], const uint8_t salt[16], const void *wrapped,
			  size_t n, uint8_t dkey[32]);
/* The key that wraps an owner's data keys: the fonds' (CY_WRAP_KEY), or the
 * subject's, derived from its subject key.  key: locked memory of 32 bytes. */
int cy_vault__owner_wrap_key(cy_vault *v, const cy_fonds_key *k, int64_t owner_subject_id,
			     uint8_t key[32]);
/* The key that wraps a subject's data keys in key epoch `epoch` of k's fonds:
 * HKDF(subject key, label) in epoch 0; from epoch 1 on, HKDF with that
 * epoch's data-key wrapping key as salt (docs/formats/keys.md "Fonds key
 * epochs"). */
int cy_vault__subject_wrap_key(const cy_fonds_key *k, int epoch, const uint8_t sk[32],
			       uint8_t key[32]);

/* Decrypt and verify a stored object: its header must carry the record's own
 * salt (and, for version 1, the fonds' key id), its data key must unwrap
 * under its owner's key, every chunk must authenticate, and the whole must
 * match size and SHA-256.  sink may be NULL (verify only). */
int cy_vault__read_object(cy_vault *v, const cy_fonds_key *k, const char *archive_no,
			  const cy_obj_ref *o, const char *sha_hex, const uint8_t salt[16],
			  cy_data_sink sink, void *arg);
/* The SHA-256 (hex) and object salt recorded in a record's encrypted metadata. */
int cy_vault__meta_sha(cy_vault *v, const cy_fonds_key *k, const char *archive_no, const void *meta,
		       size_t n, char sha_hex[65], uint8_t salt[16]);

/* Read and parse the header of a stored object (no key needed). */
int cy_vault__read_header(cy_vault *v, const char *pack, uint64_t offset, uint64_t length,
			  cy_obj_header *out);

/* ---- record metadata (vault_record_meta.c, docs/formats/record-meta.md) ---- */
typedef struct cy_meta_object {
	const char *role, *format;
	uint64_t size;
	uint8_t sha256[32];
	uint8_t salt[16];
} cy_meta_object;
typedef struct cy_meta {
	const cy_record_new *r;
	const char *retention, *retention_rule, *status;
	const cy_meta_object *objects;
	size_t nobjects;
	const uint8_t (*subject_uids)[16];
	size_t nsubjects;
} cy_meta;
/* The JSON text of layout 2 (without the layout byte), appended to b. */
int cy_vault__meta_write(const cy_meta *m, cy_buf *b);
/* Seal new metadata with a the record-meta key's AEAD (kept by the caller). */
int cy_vault__meta_seal(cy_aead *a, const char *archive_no, const cy_meta *m, cy_buf *out);
int cy_vault__meta_seal_json(const cy_fonds_key *k, const char *archive_no, json_t *meta,
			     cy_buf *out);

/* The full-text index (vault_textindex.c): documents of a batch held until
 * its catalog commit, then added; the index of a fonds opened for a search. */
typedef struct cy_import_text cy_import_text;
struct cy_import;
cy_import_text **cy_import__text(struct cy_import *im);
void cy_import__text_flush(cy_vault *v, const cy_fonds_key *k, cy_import_text *t);
/* Drop the open batch's documents (its catalog transaction rolled back). */
void cy_import__text_discard(cy_import_text *t);
/* Wait for the index writer to add every batch handed to it: the number of
 * batches the index could not take (0: all in). */
int cy_import__text_finish(cy_import_text *t);
/* Finish, then free (NULL accepted). */
void cy_import__text_free(cy_import_text *t);
struct cy_sindex;
/* 0 and *out, CY_ENOTFOUND when the fonds has no index yet. */
int cy_vault__text_open(cy_vault *v, const cy_fonds_key *k, bool create, struct cy_sindex **out);
/* For searches: the fonds's index, opened once per vault handle and kept
 * (closed by cy_vault_close); CY_ENOTFOUND when there is none. */
int cy_vault__text_cached(cy_vault *v, const cy_fonds_key *k, struct cy_sindex **out);
void cy_vault__text_close_all(cy_vault *v);
/* The key of k's index (from its first epoch's key, as the blind index). */
int cy_vault__text_key(const cy_fonds_key *k, uint8_t key[32]);
/* The body text of a record's full-text document (vault_reindex.c), from its
 * source and parts (data NULL: not read; the result then only says whether
 * the record is indexed): 1 (a document, body possibly empty), 0 (the record
 * is not indexed) or a CY_E code.  The one place that decides it, for the
 * importers and for the rebuild. */
int cy_vault__doc_body(cy_source_kind kind, const cy_record_part *parts, size_t n, cy_buf *body);
/* check's part for the full-text index of fonds k: fn(arg, warn, message)
 * per finding (a missing index or records missing from it: warnings; an
 * index that fails authentication or holds documents of records the
 * catalog does not have: problems). */
typedef void (*cy_text_problem_fn)(void *arg, int warn, const char *msg);
int cy_vault__text_check(cy_vault *v, cy_fonds_key *k, cy_text_problem_fn fn, void *arg);

/* The import batch's parts, for vault_import_runs.c. */
typedef struct cy_import_run cy_import_run;
struct cy_import;
cy_vault *cy_import__vault(struct cy_import *im);
cy_fonds_key *cy_import__fonds(struct cy_import *im);
cy_import_run *cy_import__run(struct cy_import *im);
void cy_import__set_run(struct cy_import *im, cy_import_run *r);
void cy_import__run_free(cy_import_run *r);
/* A reject's plaintext and its sealing (docs/formats/import-rejects.md),
 * exposed for the format's vector. */
int cy_vault__reject_body(uint64_t line, const char *reason, const void *raw, size_t n, cy_buf *pt);
int cy_vault__reject_seal(const uint8_t epoch_key[32], const char *vault_id, const char *fonds,
			  int64_t run, int64_t seq, const cy_buf *pt, const uint8_t nonce[12],
			  cy_buf *out);
/* For check: every import run of a held fonds opens, its refused rows are
 * numbered without a gap and authenticate, and a finished run keeps as many
 * as it counted; problem(arg, "FONDS run N", text) for each finding. */
typedef void (*cy_run_problem_fn)(void *arg, const char *id, const char *problem);
int cy_vault__import_runs_check(cy_vault *v, cy_run_problem_fn problem, void *arg, uint64_t *runs);
/* For check: whether import run `run` of fonds `fonds` (a code) is in the
 * catalog (1, and *rejects its count), not (0), or the fonds is not held (-1). */
int cy_vault__import_run_kept(cy_vault *v, const char *fonds, int64_t run, int64_t *rejects);
/* The batch's transaction, begun if it is not open. */
int cy_import__ensure_tx(struct cy_import *im);

int cy_vault__meta_seal_raw(cy_aead *a, const uint8_t nonce[12], const cy_buf *aad,
			    const cy_buf *pt, cy_buf *out);
/* Decrypt into the JSON form (layout 1 converted); *layout is 1 or 2. */
int cy_vault__meta_open_json(const cy_fonds_key *k, const char *archive_no, const void *blob,
			     size_t n, json_t **out, int *layout);
/* Part i of a record as its metadata JSON (cy_record_info.meta_json) lists it;
 * salt (or NULL) gets the part's object salt. */
int cy_vault__meta_part(const char *archive_no, const char *meta_json, unsigned i,
			cy_record_part_info *out, uint8_t salt[16]);
int cy_vault__meta_to_info(const char *archive_no, json_t *j, int layout, cy_record_info *r);
int cy_vault__meta_open(const cy_fonds_key *k, const char *archive_no, const void *blob, size_t n,
			cy_record_info *r);
/* A catalog row and its decrypted metadata as a cy_record_info (vault_read.c);
 * CY_EPERM when the caller holds no key for its fonds. */
struct cy_cat_record;
int cy_vault__record_fill(cy_vault *v, const struct cy_cat_record *c, cy_record_info *r);

/* Validate what a new record says about itself (class, year, dates, UTF-8). */
int cy_vault__record_check(const cy_record_new *r);

/* A subject's key: vault_subjects.h (cy_vault__subject_key). */

/* ---- classes and numbers (vault_classes.c) ---- */
int cy_vault__org_valid(const char *org);
/* The numbering group of a record: "class/year/retention/org". */
void cy_vault__group(cy_class klass, int year, const char *retention, const char *org, char *out,
		     size_t n);
void cy_vault__archive_no(const char *fonds, cy_class klass, int year, const char *retention,
			  const char *org, int64_t item, char out[64]);

/* Log-ins (vault_logins.c, docs/security/hygiene.md): the KDF work of a
 * password check for a name that is no user; a failed log-in kept in the
 * catalog (never fails); after a successful one, the kept failures as one
 * user.login_failed ledger entry (v->failed_logins: their count). */
void cy_vault__dummy_kdf(unsigned log2n, const char *pw, size_t pwlen);
void cy_vault__login_failed(cy_vault *v, int64_t user_id);
int cy_vault__login_succeeded(cy_vault *v);

/* Complete pending grants of fonds whose keys the caller holds: only those
 * bound to their grant.add entry and not revoked since (vault_users.c). */
int cy_vault__complete_grants(cy_vault *v);

/* ---- users and grants against the ledger (vault_trust_users.c,
 * docs/formats/keys.md "Grants, version 2", docs/security/grants.md) ---- */

/* The fields of a canonical ledger entry that these checks read
 * (vault_log_query.c); -1 if the entry does not scan. */
typedef struct cy_entry_fields {
	char action[32], actor[24];
	char targets[2][72]; /* the first two, unescaped */
	int ntargets;
	int64_t serial; /* details "serial", when has_serial */
	int has_serial;
	char upub[65]; /* details "upub" (hex), "" when none */
	char key[65];  /* details "key" (a fonds key id, hex), "" when none */
} cy_entry_fields;
int cy_vault__entry_fields(const char *entry, size_t n, cy_entry_fields *out);

/* "custody/grant/v2" 00 <vault id> 00 <user id> 00 <fonds code> 00 <serial> 00
 * <seq> 00 || leaf hash (32): what the admin key signs in grants.auth. */
int cy_vault__grant_msg2(const char *vault_id, int64_t user_id, const char *fonds, int64_t serial,
			 uint64_t seq, const uint8_t leaf[32], cy_buf *out);
/* Log `action` (grant.add, grant.recover, grant.upgrade) for the existing
 * grant row of user uid and fonds fid/code with the next grant serial, then
 * bind the row to that entry (serial, seq, leaf) and sign it with the admin
 * key when the caller holds it.  Inside a transaction. */
int cy_vault__grant_log_bind(cy_vault *v, int64_t uid, int64_t fid, const char *code,
			     const char *action, const char *state);
/* Whether grant g of user `name` is backed by the ledger: its entry exists at
 * g->seq with g->leaf, is the grant.add (grant.recover, grant.upgrade) of
 * this user, fonds and serial, no later grant.revoke of it or user.reset of
 * the user exists, and a pending grant carries a valid admin signature.
 * 0, or CY_ECORRUPT with the reason as the last error. */
typedef struct cy_trust_revokes cy_trust_revokes;
int cy_vault__revokes_load(cy_vault *v, uint64_t after, cy_trust_revokes **out);
void cy_vault__revokes_free(cy_trust_revokes *r);
/* The seq of uid's last user.disable that no user.enable followed, or 0
 * (meaningful when r was loaded from the start of the ledger). */
uint64_t cy_vault__revokes_disabled(const cy_trust_revokes *r, int64_t uid);
int cy_vault__grant_verify(cy_vault *v, const cy_trust_revokes *r, const cy_catalog_grant *g,
			   const char *name);
/* Whether user uid held fonds `code` at ledger position seq with the key of
 * certificate `serial`: a grant.add (.recover, .upgrade) of it before seq,
 * no grant.revoke of it or user.reset of the user between, and no key event
 * of the user that changed its serial (r loaded from the start). */
bool cy_vault__held_at(const cy_trust_revokes *r, int64_t uid, const char *code, int64_t serial,
		       uint64_t seq);
/* The seq of the entry that ended user uid's grant of fonds `code` before
 * ledger position seq, if no grant of it followed (a grant.revoke of it, or
 * a user.reset of the user); 0 if none.  A user's grant is not known to
 * have begun in a vault made before schema 3, so this only names the end. */
uint64_t cy_vault__grant_ended(const cy_trust_revokes *r, int64_t uid, const char *code,
			       uint64_t seq);
/* Whether a grant of fonds `code` ended after ledger position `after` (a
 * grant.revoke of it, or a user.reset of a user granted it before): its
 * key must move to a new epoch.  *seq: the first such entry. */
bool cy_vault__revokes_since(const cy_trust_revokes *r, const char *code, uint64_t after,
			     uint64_t *seq);

/* ---- fonds key epochs (vault_epochs.c, docs/security/grants.md "Fonds key
 * epochs", docs/formats/keys.md "Fonds key epochs") ---- */

/* After cy_vault__keep_key with the key a user's grant slot held: find its
 * epoch, open every older epoch through the chain, verify every epoch row
 * (the signer held the fonds when it signed, its fonds.rekey entry says the
 * same), and make the newest held epoch the one k writes with.
 * CY_ECORRUPT naming what is wrong. */
int cy_vault__epochs_load(cy_vault *v, cy_fonds_key *k, const cy_trust_revokes *r);
/* At open, after grants are completed: each held fonds whose grant ended
 * since its newest epoch gets a new epoch, sealed to its remaining key
 * holders and to the recovery key (ledger entry fonds.rekey), in one
 * transaction.  r: the ledger's grant and user events, from the start. */
int cy_vault__epochs_rotate(cy_vault *v, const cy_trust_revokes *r);
/* CY_EPERM if new records of k's fonds cannot be written by this user (it
 * holds an older epoch than the fonds' newest). */
int cy_vault__epoch_writable(cy_vault *v, const cy_fonds_key *k);
/* The byte layouts (docs/formats/keys.md "Fonds key epochs"), for the
 * vector: prev = nonce || ChaCha20-Poly1305(key of `epoch`, nonce, aad =
 * "custody/fonds-epoch-prev/v1" 00 vault 00 fonds 00 epoch, key of epoch - 1);
 * the message the epoch's maker signs. */
#define CY_EPOCH_PREV_LEN (12 + 32 + 16)
int cy_vault__epoch_prev_seal(const char *vault_id, const char *code, int64_t epoch,
			      const uint8_t key[32], const uint8_t nonce[12],
			      const uint8_t prev_key[32], uint8_t out[CY_EPOCH_PREV_LEN]);
int cy_vault__epoch_msg(const char *vault_id, const char *code, int64_t epoch, uint64_t seq,
			const uint8_t key_id[8], const uint8_t prev_hash[32],
			const uint8_t rslot_hash[32], const uint8_t leaf[32], cy_buf *out);
/* The newest epoch of fonds f: its key sealed to the recovery key, its key
 * id and number (epoch 0: the fonds row's). */
int cy_vault__epoch_recovery(cy_vault *v, const cy_catalog_fonds *f, cy_buf *rslot,
			     uint8_t key_id[8], int64_t *epoch);
/* For check: every epoch row of every fonds, without keys (signature,
 * signer, ledger entry); one call of problem per finding; *n rows seen. */
int cy_vault__epochs_check(cy_vault *v, cy_catalog_problem_fn problem, void *arg, uint64_t *n);
/* At open: the user's certificate serial and signing key must not be older
 * than the ledger's last key event for the user (user.add, user.passwd,
 * user.reset, user.certify); CY_ECORRUPT naming a restored old row. */
int cy_vault__check_key_events(cy_vault *v);
/* Key roll-over statements (a password change by a user who holds no admin
 * key): "custody/key-rollover/v1" ... signed by the user's previous key. */
int cy_vault__rollover_msg(const char *vault_id, int64_t id, const char *name, const char *role,
			   int64_t old_serial, int64_t new_serial, const uint8_t pub[32],
			   const uint8_t upub[32], cy_buf *out);
/* 0 if sig is a roll-over to (pub, upub, serial) from the user's certificate
 * serial - 1 in user_certs, itself valid (admin-signed or a roll-over). */
int cy_vault__verify_rollover(const cy_vault *v, int64_t id, const char *name, const char *role,
			      const uint8_t pub[32], const uint8_t *upub, int64_t serial,
			      const void *sig, size_t siglen);
/* A secadmin's log-in: certify with the admin key every signing key that
 * waits for it, in one transaction (a ledger entry user.certify each): keys
 * of slots upgraded from schema 2 (serial 1) and roll-overs after a password
 * change (re-certified with every link of the chain). */
int cy_vault__certify_pending(cy_vault *v);
/* A key slot upgraded at this log-in (schema 2 or older): bind the user's
 * active grants that carry no ledger binding yet (trust on first use). */
int cy_vault__bind_legacy_grants(cy_vault *v);
/* For check: every user row has its user.add, every user.add its row, each
 * user's serial and signing key are those of the last key event, and every
 * grant passes cy_vault__grant_verify.  One call of problem per finding. */
int cy_vault__check_users_grants(cy_vault *v, cy_catalog_problem_fn problem, void *arg);

void cy_vault__now(char out[21]);

/* Unreferenced packs (vault_compact.c).  A pack no catalog row names is
 * judged by the ledger: named as retired by a store.compact entry (left by
 * compaction: safe to remove), named as holding committed records by a
 * record.import or store.compact entry (a problem: the catalog was rolled
 * back or edited; never removed), or named by no entry (left by a killed
 * import or compaction: harmless, removed by the sweep). */
typedef enum cy_pack_fate { CY_PACK_UNNAMED, CY_PACK_RETIRED, CY_PACK_COMMITTED } cy_pack_fate;
int cy_vault__pack_fate(cy_vault *v, const char *name, cy_pack_fate *fate, uint64_t *seq);
/* check's words for an unreferenced pack of that fate (N_ format, one %s:
 * the pack's name); whether it is a problem rather than a warning. */
const char *cy_vault__pack_fate_text(cy_pack_fate fate);
int cy_vault__pack_fate_is_problem(cy_pack_fate fate);
/* Remove unreferenced packs that are not committed by the ledger; logs
 * store.sweep inside the caller's transaction.  Hold the write lock. */
int cy_vault__sweep_orphan_packs(cy_vault *v);

/* A handover's reading of one record (vault_read.c): record(arg, info) with
 * its metadata, then for each part begin(arg, info, i, part), its bytes
 * through data, end(arg); done(arg, info) after the last part.  Refused (CY_EPERM) for a record that is
 * store-only, on hold, or not in custody; not logged per record. */
typedef struct cy_vault__export_cb {
	int (*record)(void *arg, const cy_record_info *r);
	int (*begin)(void *arg, const cy_record_info *r, unsigned part,
		     const cy_record_part_info *pi);
	int (*data)(void *arg, const void *p, size_t n);
	int (*end)(void *arg);
	int (*done)(void *arg, const cy_record_info *r);
} cy_vault__export_cb;
int cy_vault__export_record(cy_vault *v, const char *archive_no, const cy_vault__export_cb *cb,
			    void *arg);

#endif
