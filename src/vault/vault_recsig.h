/* vault_recsig.h - record signatures (docs/formats/record-sig.md,
 * docs/security/records.md): each fonds' Ed25519 write key, held by the
 * archivists granted the fonds (never by viewers), signs every committed
 * batch of records over a digest of each record's catalog row. */
#ifndef CY_VAULT_RECSIG_H
#define CY_VAULT_RECSIG_H

#include "catalog/catalog_recsig.h"
#include "vault/vault_internal.h"

#define CY_CTX_WRITE_KEY "custody/fonds-sign-key/v1"
#define CY_RECORD_DIGEST_TAG "custody/record/v1"
#define CY_RECORD_BATCH_TAG "custody/record-batch/v1"
#define CY_FONDS_ROW_TAG "custody/fonds-row/v1"

/* The digest of a record's catalog row (record-sig.md "Record digest");
 * scratch (may be NULL) is a buffer reused between calls. */
int cy_vault__recsig_digest(const cy_catalog_recsig_row *r, cy_buf *scratch, uint8_t out[32]);
/* The message a batch signature covers: tag 00 vault id 00 fonds code 00 ||
 * seq (8 bytes big-endian) || SHA-256 of the n concatenated digests. */
int cy_vault__recsig_batch_msg(const char *vault_id, const char *code, uint64_t seq,
			       const uint8_t *digests, size_t n, cy_buf *out);
/* Hex of the first 16 bytes of SHA-256(pub): the write key's fingerprint in
 * the ledger (fonds.add / fonds.signkey "signkey"). */
void cy_vault__recsig_fingerprint(const uint8_t pub[32], char hex[33]);
/* Hex of the first 16 bytes of the digest of a fonds' row as created
 * (fonds.add / fonds.signkey "row"). */
void cy_vault__recsig_fonds_row(const char *code, const char *name, const char *uscc,
				const char *created, char hex[33]);

/* Inside cy_fonds_add's transaction: make the new fonds' write key, seal it
 * to the recovery key and to the creator, store its public half; fp and row
 * are for the fonds.add entry. */
int cy_vault__recsig_fonds_new(cy_vault *v, cy_fonds_key *k, const char *name, const char *uscc,
			       const char *created, char fp[33], char row[33]);
/* At open (after pending grants are completed), for archivists: unseal the
 * write keys of the fonds held, give a fonds made before schema 3 its write
 * key and sign its records (trust on first use), and seal each held write
 * key to every archivist granted the fonds who lacks it. */
int cy_vault__recsig_open(cy_vault *v);
/* CY_EPERM, naming the fonds, unless the caller holds its write key. */
int cy_vault__recsig_require(cy_vault *v, const cy_fonds_key *k);
/* As cy_vault__recsig_require, and CY_ECORRUPT unless the fonds' write key
 * in the catalog is the one the ledger recorded (known after the first
 * call: cached in k). */
int cy_vault__recsig_ready(cy_vault *v, cy_fonds_key *k);
/* A transaction that creates records of fonds k (import) signs them as one
 * batch without reading them back: batch_begin, inside the transaction
 * before its first record, checks that the caller holds the write key the
 * ledger recorded and takes the batch's row (*batch_id; not yet signed);
 * each record is inserted with that batch and its digest, computed by
 * cy_vault__recsig_digest from the values the row is inserted with; before
 * the commit, batch_sign signs the n digests (in record id order) at the
 * transaction's last ledger seq and completes the row. */
int cy_vault__recsig_batch_begin(cy_vault *v, cy_fonds_key *k, int64_t *batch_id);
int cy_vault__recsig_batch_sign(cy_vault *v, cy_fonds_key *k, int64_t batch_id,
				const uint8_t *digests, size_t n);
/* Free the verified batch cy_vault__recsig_verify keeps (at close). */
void cy_vault__recsig_seen_free(cy_vault *v);
/* Before the commit of a transaction that changed record_id: verify its
 * batch and sign the batch again with the record's new row. */
int cy_vault__recsig_resign(cy_vault *v, cy_fonds_key *k, int64_t record_id);
/* For `recovery grant`: open the fonds' write key sealed to the recovery
 * key (recovery_priv: the recovery file's X25519 private key) and seal it
 * to user_id's public key as the write-key slot of the user's existing
 * grant of the fonds.  Call only for an archivist (a viewer never gets the
 * write key), inside the caller's transaction; the caller logs. */
int cy_vault__recsig_recover(cy_vault *v, const uint8_t recovery_priv[32], int64_t fonds_id,
			     const char *code, int64_t user_id, const uint8_t user_pub[32]);
/* Change several records in one transaction and sign their batches again
 * once each (not once per record): every batch the records are in is
 * verified as signed, then change(arg, id) runs for each record (it changes
 * the row and logs), then each batch is signed again with its rows as they
 * now are.  CY_EPERM unless the caller holds the write key of each record's
 * fonds.  (vault_holds.c: store-only.) */
int cy_vault__recsig_change_many(cy_vault *v, const int64_t *ids, size_t n,
				 int (*change)(void *arg, int64_t id), void *arg);
/* Remove a record from the catalog as destruction will (the record's
 * rows and objects' rows; its bytes become dead space for compaction):
 * its batch verified and signed again without it, logged as
 * record.destroy with the reason.  Archivists holding the write key. */
int cy_vault__record_remove(cy_vault *v, const char *archive_no, const char *reason);
/* Remove many records of fonds k inside the caller's open transaction
 * (destruction): each signed batch they are in is verified once, their rows
 * go in one statement per table (subjects, when non-NULL, first gets the
 * ids of the subjects linked to them or owning their objects), logged(arg,
 * i) is called for each record i (for its ledger entry), and each batch is
 * signed again with what is left of it. */
typedef int (*cy_vault_removed_fn)(void *arg, size_t i);
/* Verify that records ids of fonds k are as their archivist signed them:
 * each signed batch they are in once (its signature, and every record of
 * it against its digest), so that many records cost one pass per batch. */
int cy_vault__records_verify(cy_vault *v, cy_fonds_key *k, const int64_t *ids, size_t n);

/* For check (vault_destroy.c): every destruction batch's items match its
 * destroy.propose entry; an executed one's records are gone, it has its
 * destroy.execute entry and its register verifies with the fonds' write
 * key; an interrupted one (*interrupted = 1) is a warning to finish it. */
/* The records of fonds `code` that a legal period (a minimum of the
 * retention rules, or an accounting or transaction record) still keeps on
 * `date` (vault_destroy.c): at the end of business they become store-only
 * (PIPL Art. 47 para. 2).  *ids malloc'ed. */
int cy_vault__legal_keep_ids(cy_vault *v, const char *code, const char *date, int64_t **ids,
			     size_t *n);
typedef void (*cy_destroy_problem_fn)(void *arg, int warn, const char *msg);
int cy_vault__destroy_check(cy_vault *v, cy_destroy_problem_fn fn, void *arg, int *interrupted);
int cy_vault__records_remove(cy_vault *v, cy_fonds_key *k, const int64_t *ids, size_t n,
			     cy_vault_removed_fn logged, void *arg, cy_buf *subjects);
/* Verify one record against its batch and the fonds' write key the ledger
 * recorded; CY_ECORRUPT naming the record if it fails. */
int cy_vault__recsig_verify(cy_vault *v, const char *archive_no);
/* The ledger's fonds.add / fonds.signkey entry that recorded this write key
 * for fonds code: its seq, or 0 if none. */
int cy_vault__recsig_key_entry(cy_vault *v, const char *code, const uint8_t pub[32], uint64_t *seq);

/* check (src/check/check_records.c): every record's digest, every batch's
 * signature, each fonds' write key and row against the ledger, and the
 * records against the ledger's record.import / record.amend entries; each
 * problem or warning through its function, counted in st (may be NULL).
 * *verified (may be NULL): records whose signature holds. */
int cy_check_records(cy_vault *v, cy_problem_fn problem, cy_problem_fn warning, void *arg,
		     cy_check_stats *st, uint64_t *verified);

#endif
