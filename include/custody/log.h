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
/* The latest signed checkpoint note. */
int cy_log_checkpoint(cy_vault *v, cy_buf *note);
/* Inclusion proof of entry seq (1-based) in the latest checkpoint: appends
 * text lines (entry, leaf index, tree size, root, proof hashes, base64). */
int cy_log_prove(cy_vault *v, uint64_t seq, cy_buf *out);
/* The note verifier key of this vault's ledger. */
int cy_log_vkey(cy_vault *v, cy_buf *out);

#endif
