/* vault_logins.c - what a log-in leaves behind (docs/security/hygiene.md).
 *
 * A name that is no user and a wrong password must look the same from
 * outside: the same message ("wrong user name or password"), the same exit
 * code, and about the same time, so an unknown name runs the password KDF
 * over a dummy slot at the vault's cost.  Each failed log-in is kept in the
 * catalog (the user's id, or none for an unknown name, and the time; nothing
 * of the typed password), because a failed log-in holds no key to sign a
 * ledger entry with.  The user's next successful log-in turns them into one
 * user.login_failed ledger entry with the count, and the CLI tells the user;
 * a security administrator's log-in does the same for unknown names. */
#include <string.h>

#include "catalog/catalog_audit.h"
#include "crypto/crypto.h"
#include "custody/error.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

void cy_vault__dummy_kdf(unsigned log2n, const char *pw, size_t pwlen)
{
	static const uint8_t nothing[32];
	cy_buf slot = CY_BUF_INIT;

	/* as costly as opening a slot: one scrypt at the same cost, one AEAD */
	(void)cy_pwseal(pw, pwlen, log2n, "custody/no-such-user", nothing, sizeof(nothing), &slot);
	cy_buf_wipe(&slot);
	cy_error_clear();
}

void cy_vault__login_failed(cy_vault *v, int64_t user_id)
{
	char now[21];
	int rc;

	/* best effort: a read-only copy of a vault still answers "wrong ..." */
	cy_vault__now(now);
	rc = cy_catalog_begin(v->cat);
	rc = rc ? rc : cy_catalog_login_failed_add(v->cat, user_id, now);
	rc = rc ? rc : cy_catalog_commit(v->cat);
	if (rc)
		cy_catalog_rollback(v->cat);
	cy_error_clear();
}

/* One user.login_failed entry for the rows of user_id (0: unknown names). */
static int take(cy_vault *v, int64_t user_id, uint64_t *n)
{
	cy_ledger_entry e;
	int rc;

	*n = 0;
	if ((rc = cy_catalog_login_failed_count(v->cat, user_id, n)) || !*n)
		return rc;
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = cy_catalog_login_failed_take(v->cat, user_id, n);
	if (!rc && *n) {
		memset(&e, 0, sizeof(e));
		e.action = "user.login_failed";
		if (user_id)
			e.targets[e.ntargets++] = v->actor;
		else
			e.details[e.ndetails++] = (cy_ledger_detail){"user", "unknown", 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"count", NULL, (int64_t)*n};
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

int cy_vault__login_succeeded(cy_vault *v)
{
	uint64_t unknown;
	int rc = take(v, v->user_id, &v->failed_logins);

	if (!rc && v->role == CY_ROLE_SECADMIN)
		rc = take(v, 0, &unknown);
	return rc;
}

uint64_t cy_vault_failed_logins(const cy_vault *v)
{
	return v->failed_logins;
}
