/* vault.h - the vault facade: create and unlock a vault, users and roles,
 * fonds, records, objects, the ledger.
 *
 * Every operation checks the caller's role and grants, runs in one catalog
 * transaction, and appends its ledger entries (and a signed checkpoint) in the
 * same transaction.  The library never prints: long work reports through a
 * cy_progress_fn, failures through the last error (error.h). */
#ifndef CUSTODY_VAULT_H
#define CUSTODY_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

typedef struct cy_vault cy_vault;

typedef enum cy_role {
	CY_ROLE_SYSADMIN = 0, /* configuration, backups; no personal data */
	CY_ROLE_SECADMIN,     /* users, roles, grants; no personal data */
	CY_ROLE_AUDITOR,      /* the ledger and reports; no personal data */
	CY_ROLE_ARCHIVIST,    /* import, view, manage records of granted fonds */
	CY_ROLE_VIEWER,       /* view records of granted fonds */
	CY_ROLE_COUNT
} cy_role;

const char *cy_role_name(cy_role r);
int cy_role_parse(const char *s, cy_role *out);
/* True for roles that may hold fonds keys (archivist, viewer). */
bool cy_role_holds_content(cy_role r);

/* Create a vault in `dir` (created if missing; must be empty) with `user` as
 * its first user, a secadmin.  The recovery key's private half is appended to
 * recovery_out as text (shown once; never stored in the vault).
 * kdf_log2n: scrypt cost for the password slot (0 = default 15). */
int cy_vault_init(const char *dir, const char *user, const char *pw, size_t pwlen,
		  unsigned kdf_log2n, cy_buf *recovery_out);

/* Open and unlock a vault as `user`.  CY_EAUTH on a wrong password,
 * CY_ENOTFOUND if there is no vault in dir or no such user.  Completes pending
 * grants of fonds whose keys this user holds. */
int cy_vault_open(cy_vault **out, const char *dir, const char *user, const char *pw, size_t pwlen);
void cy_vault_close(cy_vault *v);

const char *cy_vault_user(const cy_vault *v);
cy_role cy_vault_role(const cy_vault *v);
const char *cy_vault_id(const cy_vault *v);
/* The vault's directory, as given to cy_vault_open. */
const char *cy_vault_dir(const cy_vault *v);
unsigned cy_vault_kdf_log2n(const cy_vault *v);

/* ---- users (secadmin) ---- */
typedef struct cy_grant_info {
	char fonds[8];
	bool pending; /* no key yet: waits until a holder of the fonds key opens the vault */
} cy_grant_info;

typedef struct cy_user_info {
	int64_t id;
	char name[64];
	cy_role role;
	char created[32];
	bool disabled; /* may not open the vault (cy_user_set_disabled) */
	/* the user's grants by fonds code; borrowed for the callback's duration */
	const cy_grant_info *grants;
	size_t ngrants;
} cy_user_info;

int cy_user_add(cy_vault *v, const char *name, cy_role role, const char *pw, size_t pwlen);
typedef int (*cy_user_fn)(void *arg, const cy_user_info *u);
int cy_user_list(cy_vault *v, cy_user_fn fn, void *arg);
/* Change the caller's own password. */
int cy_user_passwd(cy_vault *v, const char *newpw, size_t newlen);
/* secadmin: give a user who lost the password a new password and key pair.
 * The user's grants go back to pending (their fonds keys were sealed to the
 * old key) and are completed when a holder of each fonds key opens the vault. */
int cy_user_reset(cy_vault *v, const char *name, const char *pw, size_t pwlen);
/* secadmin: record a grant of fonds to user; it takes effect when a holder of
 * the fonds key next opens the vault (sets *pending) or at once if the caller
 * holds the key (archivists granting to themselves at fonds creation). */
int cy_user_grant(cy_vault *v, const char *name, const char *fonds, bool *pending);
int cy_user_revoke(cy_vault *v, const char *name, const char *fonds);
/* secadmin: disable (disabled = true) or enable a user.  A disabled user
 * cannot open the vault (CY_EAUTH naming the account); its key slots and
 * grants stay, for the audit trail and a later enable; pending grants are
 * not completed while it is disabled (no new key is sealed to it).  Logged as
 * user.disable / user.enable.  A secadmin cannot disable itself or the last
 * enabled secadmin (CY_EPERM).  *changed is false (and nothing is logged)
 * when the user was already in that state. */
int cy_user_set_disabled(cy_vault *v, const char *name, bool disabled, bool *changed);

/* ---- fonds ---- */
typedef struct cy_fonds_info {
	char code[8];
	char name[256];
	char uscc[24];
	char status[24];
	char status_date[16]; /* YYYY-MM-DD of the status; "" when never set */
	char created[32];
	int64_t records;
	uint64_t bytes;
	bool held; /* the caller holds its key */
} cy_fonds_info;

/* archivist: create a fonds (random fonds key sealed to the caller and the
 * recovery key); the caller is granted it. */
int cy_fonds_add(cy_vault *v, const char *code, const char *name, const char *uscc);
/* The same with flags: CY_FONDS_SAME_USCC allows a second fonds with the
 * unified social credit code of an existing one (logged with the other
 * fonds' code); without it such an add fails with CY_EEXISTS naming the
 * existing fonds.  cy_fonds_add is cy_fonds_add_ext with flags 0. */
#define CY_FONDS_SAME_USCC 1u
int cy_fonds_add_ext(cy_vault *v, const char *code, const char *name, const char *uscc,
		     unsigned flags);
/* archivist holding the fonds: set its status (operating, transferring,
 * deregistering, deregistered) as of date (YYYY-MM-DD).  Logged as
 * fonds.status with the status, the date and the status before. */
int cy_fonds_set_status(cy_vault *v, const char *code, const char *status, const char *date);
bool cy_fonds_status_valid(const char *s);
typedef int (*cy_fonds_fn)(void *arg, const cy_fonds_info *f);
/* Content roles see the fonds granted to them; admin roles see all (no records). */
int cy_fonds_list(cy_vault *v, cy_fonds_fn fn, void *arg);
/* GB 32100 unified social credit code check (format and check character). */
bool cy_uscc_valid(const char *s);
/* DA/T 22 fonds code: 4 characters, A-Z and 0-9. */
bool cy_fonds_code_valid(const char *s);

/* Records, their import and reading: custody/record.h and custody/import.h
 * (included at the end of this header). */

/* Archive numbers as typed (vault_archive_no.c).  Writes the DA/T 22 form
 * of `in` to out: ASCII letters upper-cased, full-width letters, digits and
 * dashes folded, and the separator between class code and year made U+00B7
 * when typed as '.', '-' or a look-alike dot ("Z109-WS.2019-D10-0001" and
 * "z109-ws-2019-d10-0001" both give "Z109-WS·2019-D10-0001").  Anything else
 * is left as it is, for the look-up to find or not.  CY_EINVALID for an
 * empty number, a control character, or one that does not fit outsz. */
int cy_archive_no_normalize(const char *in, char *out, size_t outsz);
/* For an archive number that was not found: up to max (at most 16) numbers
 * of records the caller may see (fonds whose keys it holds) that are nearest
 * to it (fewest edits, then number order); none that are far off.  Returns
 * how many were written to out, or a negative CY_E code. */
int cy_record_suggest(cy_vault *v, const char *archive_no, char out[][64], int max);

/* ---- progress ---- */
typedef struct cy_progress {
	uint64_t files_done, files_total;
	uint64_t bytes_done, bytes_total;
	const char *current; /* relative path being worked on; may be NULL */
} cy_progress;
/* Called after each file or record; returns 0 to go on, non-zero to stop:
 * the operation then ends cleanly at that point with CY_ECANCELLED (an
 * import keeps what it added so far; see cy_import_tree). */
typedef int (*cy_progress_fn)(void *arg, const cy_progress *p);

/* ---- check ---- */
typedef struct cy_check_problem {
	const char *archive_no; /* may be NULL */
	const char *problem;
} cy_check_problem;
typedef void (*cy_problem_fn)(void *arg, const cy_check_problem *p);
typedef struct cy_check_stats {
	uint64_t records, verified, unverifiable, objects, packs, bytes;
	uint64_t ledger_entries, checkpoints;
	uint64_t problems, warnings;
} cy_check_stats;
int cy_vault_check(cy_vault *v, cy_problem_fn problem, cy_problem_fn warning, void *arg,
		   cy_progress_fn progress, void *parg, cy_check_stats *stats);

/* ---- ledger ---- */
typedef int (*cy_entry_fn)(void *arg, uint64_t seq, const char *entry, size_t n);
int cy_log_list(cy_vault *v, uint64_t from, cy_entry_fn fn, void *arg);
/* Ledger entries that pass a filter (every field optional, all combined). */
typedef struct cy_log_filter {
	uint64_t from;      /* first sequence number (0 or 1: from the start) */
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

/* ---- store compaction (docs/internals/store.md) ---- */
typedef struct cy_compact_stats {
	uint64_t packs;     /* packs that held unreferenced bytes */
	uint64_t rewritten; /* rewritten without them */
	uint64_t removed;   /* held no object any more: removed */
	uint64_t objects;   /* objects moved */
	uint64_t freed;     /* bytes freed */
	uint64_t leftover;  /* retired packs whose file could not be removed (check names them) */
} cy_compact_stats;
/* Rewrite every pack that holds bytes no object refers to, without them:
 * copy the live objects' ciphertext (no key is needed) into a new pack, make
 * it durable, then in one catalog transaction point the objects at it, drop
 * the old pack's row and log `store.compact`; only then delete the old pack.
 * Sysadmins and archivists.  A crash at any point leaves a vault that checks
 * clean.  st may be NULL. */
int cy_vault_compact(cy_vault *v, cy_progress_fn progress, void *parg, cy_compact_stats *st);

#include "custody/import.h"
#include "custody/record.h"

#endif
