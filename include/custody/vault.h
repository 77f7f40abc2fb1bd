/* vault.h - the vault: create, open and unlock it; roles; progress
 * reports.  The operations are in one header per module (custody/custody.h
 * includes them all): user.h, fonds.h, subject.h, record.h, import.h,
 * ingest.h, check.h, log.h.
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
	CY_ROLE_VIEWER,	      /* view records of granted fonds */
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

/* Open and unlock a vault as `user`.  CY_EAUTH, "wrong user name or
 * password", alike for a wrong password and a name that is no user (same
 * message, about the same time); CY_ENOTFOUND if there is no vault in dir.  Completes pending
 * grants of fonds whose keys this user holds. */
int cy_vault_open(cy_vault **out, const char *dir, const char *user, const char *pw, size_t pwlen);
void cy_vault_close(cy_vault *v);

const char *cy_vault_user(const cy_vault *v);
cy_role cy_vault_role(const cy_vault *v);
const char *cy_vault_id(const cy_vault *v);
/* The vault's directory, as given to cy_vault_open. */
const char *cy_vault_dir(const cy_vault *v);
unsigned cy_vault_kdf_log2n(const cy_vault *v);
/* How many failed log-ins of this user there were between the last
 * successful one and this one (they are on the ledger as user.login_failed). */
uint64_t cy_vault_failed_logins(const cy_vault *v);

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

#endif
