/* log.h - the audit ledger: listing, filtering, verifying, checkpoints,
 * inclusion proofs. */
#ifndef CUSTODY_LOG_H
#define CUSTODY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"
#include "custody/vault.h"

/* ---- ledger ---- */
typedef int (*cy_entry_fn)(void *arg, uint64_t seq, const char *entry, size_t n);
int cy_log_list(cy_vault *v, uint64_t from, cy_entry_fn fn, void *arg);
/* Ledger entries that pass a filter (every field optional, all combined). */
typedef struct cy_log_filter {
	uint64_t from;	    /* first sequence number (0 or 1: from the start) */
	const char *actor;  /* entries made by this user (a name; CY_ENOTFOUND if none) */
	const char *action; /* action prefix: "record." or "user.disable" */
	const char *record; /* an archive number among the targets */
	const char *since;  /* YYYY-MM-DD (from 00:00:00 UTC) or RFC 3339, inclusive */
	const char *until;  /* YYYY-MM-DD (to the end of that day, UTC) or RFC 3339, inclusive */
} cy_log_filter;

typedef struct cy_log_item {
	uint64_t seq;
	const char *entry; /* as stored and hashed (not NUL-terminated) */
	size_t len;
	/* user names of the actor and of the user ids among the targets, for
	 * the roles that may see them (all roles that read the ledger today);
	 * NULL / 0 when unknown or not shown */
	const char *actor_name;
	int nusers;
	const char *user_ids[8];
	const char *user_names[8];
} cy_log_item;
typedef int (*cy_log_item_fn)(void *arg, const cy_log_item *it);
/* Walk the entries that match f (NULL: all), in order.  CY_EINVALID for a
 * bad date, CY_ENOTFOUND for an unknown user.  An entry that cannot be read
 * as the canonical form matches no filter (log verify names it). */
int cy_log_query(cy_vault *v, const cy_log_filter *f, cy_log_item_fn fn, void *arg);

/* Full verification.  On failure *bad_seq is the first bad entry (0 if the
 * failure is not tied to one) and the last error says what is wrong. */
int cy_log_verify(cy_vault *v, uint64_t *bad_seq, uint64_t *entries, uint64_t *checkpoints);
/* Check a checkpoint note kept outside the vault (from an earlier
 * `log checkpoint`): its signature is this vault's, and the ledger still holds
 * exactly the history it commits to (no entry up to its size was changed or
 * removed).  *size is the checkpoint's size.  CY_ECORRUPT if not. */
int cy_log_verify_checkpoint(cy_vault *v, const char *note, size_t n, uint64_t *size);
/* The latest signed checkpoint note.  A caller who holds the ledger key
 * (an auditor or a secadmin) first signs a checkpoint of the whole ledger if
 * the latest one is older (commits by viewers and archivists sign their
 * heads but no checkpoint). */
int cy_log_checkpoint(cy_vault *v, cy_buf *note);
/* The size of the latest checkpoint (0: none), of the ledger, and whether
 * the caller holds the key to sign a new checkpoint. */
int cy_log_checkpoint_state(cy_vault *v, uint64_t *cp_size, uint64_t *ledger_size, bool *can_sign);

/* ---- witnesses (C2SP cosignature/v1; docs/formats/ledger.md 9) ---- */
/* Register a witness's verifier key NAME+KEYID+KEY (type 0x04); logged as
 * witness.add.  Auditors and secadmins.  CY_EEXISTS if the name is taken. */
int cy_log_witness_add(cy_vault *v, const char *vkey);
typedef int (*cy_log_witness_fn)(void *arg, const char *name, const char *vkey, const char *added);
int cy_log_witness_list(cy_vault *v, cy_log_witness_fn fn, void *arg);
/* Check a cosigned checkpoint note kept outside the vault: signed by this
 * vault's ledger key and consistent with the ledger (as
 * cy_log_verify_checkpoint), and cosigned by witness (a verifier key, or
 * the name of a registered witness).  *time: the cosignature's time. */
int cy_log_verify_witness(cy_vault *v, const char *witness, const char *note, size_t n,
			  uint64_t *size, uint64_t *time);
/* A new witness key pair named name: the secret key file text (wipe it
 * after use) and the verifier key NAME+KEYID+KEY (type 0x04). */
int cy_log_witness_keygen(const char *name, cy_buf *secret, cy_buf *vkey);
/* The witness's side, without a vault: check that note is a checkpoint
 * signed by the log key vault_vkey (a note verifier key, origin = key
 * name), then append to out the note with a cosignature/v1 line by the
 * witness secret key (skey, the key file's text) at time.  *size: the
 * checkpoint's size.  CY_ECORRUPT if the log's signature fails. */
int cy_log_cosign(const char *skey, size_t skn, const char *note, size_t n, const char *vault_vkey,
		  uint64_t time, cy_buf *out, uint64_t *size);
/* Inclusion proof of entry seq (1-based) in the latest checkpoint: appends
 * text lines (entry, leaf index, tree size, root, proof hashes, base64). */
int cy_log_prove(cy_vault *v, uint64_t seq, cy_buf *out);
/* The note verifier key of this vault's ledger. */
int cy_log_vkey(cy_vault *v, cy_buf *out);

#endif
