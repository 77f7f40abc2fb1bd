/* user.h - users, their roles and their grants of fonds (a secadmin's work). */
#ifndef CUSTODY_USER_H
#define CUSTODY_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/vault.h"

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
/* Each fonds (only `fonds` when not NULL) that no enabled archivist or
 * viewer holds the key of any more (no active grant): after a revocation or
 * a reset, its records can be reached again only with the recovery key
 * (cy_recovery_grant).  fn's non-zero return stops the walk. */
typedef int (*cy_fonds_code_fn)(void *arg, const char *code);
int cy_fonds_without_holder(cy_vault *v, const char *fonds, cy_fonds_code_fn fn, void *arg);
/* secadmin: with the vault's recovery private key (the text
 * "CUSTODY-RECOVERY-1-<64 hex>" that init showed), open fonds' recovery slot
 * and seal its key to user's certified public key: an active grant, logged
 * as grant.recover with a grant serial.  CY_EAUTH if the key is not this
 * vault's recovery key. */
int cy_recovery_grant(cy_vault *v, const char *recovery_key, const char *fonds, const char *user);
/* secadmin: disable (disabled = true) or enable a user.  A disabled user
 * cannot open the vault (CY_EAUTH naming the account); its key slots and
 * grants stay, for the audit trail and a later enable; pending grants are
 * not completed while it is disabled (no new key is sealed to it).  Logged as
 * user.disable / user.enable.  A secadmin cannot disable itself or the last
 * enabled secadmin (CY_EPERM).  *changed is false (and nothing is logged)
 * when the user was already in that state. */
int cy_user_set_disabled(cy_vault *v, const char *name, bool disabled, bool *changed);

#endif
