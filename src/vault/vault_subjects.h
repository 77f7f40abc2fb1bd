/* vault_subjects.h - subjects inside the vault, for the other files of the
 * vault and for importers that create subjects in bulk inside their own batch
 * transaction.  The byte layouts are in docs/formats/subject.md. */
#ifndef CY_VAULT_SUBJECTS_H
#define CY_VAULT_SUBJECTS_H

#include "custody/subject.h"
#include "vault/vault_internal.h"

/* HKDF info of the key that wraps subject keys, derived from the fonds key. */
#define CY_SUBJECT_WRAP_LABEL "custody subject wrap v1"
/* Upper bounds a subject must stay within (checked on add and on read). */
#define CY_SUBJECT_MAX_STR 1024
#define CY_SUBJECT_MAX_LIST 32
#define CY_SUBJECT_MAX_EXTRA 64
#define CY_SUBJECT_MAX_FIELDS (256 * 1024) /* the sealed fields blob */

/* Create a subject in the fonds of k inside the caller's open transaction
 * (cy_vault__begin): number, keys, sealed fields, blind indexes, and the
 * ledger entry subject.add.  The caller must be an archivist holding k.
 * *subject_id is the catalog row id, id_out the display id.  wrap_key (may
 * be NULL) receives the key that wraps the data keys of the subject's objects
 * in k's current epoch (cy_vault__subject_wrap_key), for an importer that
 * writes the subject's records next; the caller wipes it. */
int cy_vault__subject_create(cy_vault *v, const cy_fonds_key *k, const cy_subject_fields *f,
			     int64_t *subject_id, char id_out[CY_SUBJECT_ID_MAX],
			     uint8_t *wrap_key);
/* Unwrap a subject's key (to wrap per-object data keys with it).  CY_EPERM
 * if the caller does not hold its fonds key, CY_ECORRUPT if it does not
 * authenticate.  key should be locked memory; the caller wipes it. */
int cy_vault__subject_key(cy_vault *v, int64_t subject_id, uint8_t key[32]);
/* Add to subject sid (of k's fonds) the phones, e-mails, accounts, customer
 * numbers and labels of add that it does not have yet: its fields re-sealed
 * under its own key, index rows for the new values, subject.amend logged
 * (with the number added).  Inside the caller's transaction; *added 0:
 * nothing was new and nothing was written.  The name is never changed:
 * *name_differs (may be NULL) says whether add names the subject otherwise
 * (compared normalised, so width and spacing do not count). */
int cy_vault__subject_merge(cy_vault *v, const cy_fonds_key *k, int64_t sid,
			    const cy_subject_fields *add, size_t *added, bool *name_differs);
/* A subject's fields decrypted, as cy_subject_show gives them but not
 * logged (the caller logged the read of them all: transfer.export);
 * CY_EPERM for a store-only subject. */
int cy_vault__subject_read(cy_vault *v, const char *id, cy_subject_info *out, int64_t *row_id);
/* Link a record to a subject inside the caller's transaction. */
int cy_vault__subject_link(cy_vault *v, int64_t record_id, int64_t subject_id);

/* Compare every held subject's blind-index rows with what its fields give:
 * calls problem(arg, id, text) for each difference (for check).  *subjects is
 * the number of subjects examined. */
typedef void (*cy_subject_problem_fn)(void *arg, const char *id, const char *problem);
int cy_vault__subject_check(cy_vault *v, cy_subject_problem_fn problem, void *arg,
			    uint64_t *subjects);

/* ---- the building blocks, exposed for the test vectors ---- */
/* "Z109-C000001" */
void cy_vault__subject_id(const char *fonds, int64_t no, char out[CY_SUBJECT_ID_MAX]);
/* Validate f and write its JSON object (the plaintext of the fields blob). */
int cy_vault__subject_json(const cy_subject_fields *f, cy_buf *out);
/* wkey = nonce || ChaCha20-Poly1305(HKDF(fonds key, CY_SUBJECT_WRAP_LABEL),
 * aad = "custody/subject-key/v1/<vault>/<fonds>/<uid hex>", subject key). */
int cy_vault__subject_wrap(const uint8_t fonds_key[32], const char *vault_id, const char *fonds,
			   const uint8_t uid[16], const uint8_t skey[32], const uint8_t nonce[12],
			   cy_buf *out);
int cy_vault__subject_unwrap(const uint8_t fonds_key[32], const char *vault_id, const char *fonds,
			     const uint8_t uid[16], const void *wkey, size_t n, uint8_t skey[32]);
/* fields = nonce || ChaCha20-Poly1305(subject key,
 * aad = "custody/subject/v1/<uid hex>/<display id>", JSON). */
int cy_vault__subject_seal(const uint8_t skey[32], const uint8_t uid[16], const char *id,
			   const void *json, size_t n, const uint8_t nonce[12], cy_buf *out);
/* pt is wiped and replaced by the JSON text. */
int cy_vault__subject_open(const uint8_t skey[32], const uint8_t uid[16], const char *id,
			   const void *blob, size_t n, cy_buf *pt);
/* HMAC-SHA-256(index key, field || 0x00 || normal). */
int cy_vault__blind_index(const uint8_t index_key[32], const char *field, const char *normal,
			  size_t n, uint8_t out[32]);

#endif
