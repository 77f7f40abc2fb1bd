/* insider_grants.c - what an insider with the vault's files and her own
 * secadmin password can do without custody's commands, for the attack tests
 * of tests/cli/trust_grants.bats (issue 6, items 2 and 3).  Built with the
 * tests only; it links the internal library, so it signs exactly as custody
 * would, with the admin key the secadmin unseals with her own password.
 *
 *   insider-grants VAULT ADMIN ADMIN_PWFILE add-user NAME ROLE NEW_PWFILE
 *       a user row with keys and an admin-signed certificate (serial 1),
 *       written straight into the catalog: no user.add entry
 *   insider-grants VAULT ADMIN ADMIN_PWFILE pending-grant NAME FONDS SEQ
 *       a pending grant of FONDS to NAME, bound to ledger entry SEQ (its leaf
 *       hash, serial 1) and signed with the admin key: no grant.add entry */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "custody/custody.h"
#include "custody/error.h"
#include "custody/file.h"
#include "vault/vault_internal.h"

static int read_pw(const char *path, cy_buf *out)
{
	int rc = cy_read_file(path, 1024, out);

	while (!rc && out->len &&
	       (out->ptr[out->len - 1] == '\n' || out->ptr[out->len - 1] == '\r'))
		out->len--;
	return rc;
}

static int add_user(cy_vault *v, const char *name, const char *role_text, const char *pwfile)
{
	cy_buf pw = CY_BUF_INIT;
	cy_vault_settings set;
	cy_role role;
	int64_t id;
	int rc = cy_role_parse(role_text, &role);

	rc = rc ? rc : read_pw(pwfile, &pw);
	cy_vault__settings(v, &set);
	user_secrets us = {v->sign_seed, v->admin_seed, v->admin_pub, &set};
	rc = rc ? rc : cy_catalog_begin(v->cat);
	rc = rc ? rc
		: cy_vault__insert_user(v, v->cat, v->vault_id, name, role, (const char *)pw.ptr,
					pw.len, v->kdf_log2n, &us, &id, NULL);
	rc = rc ? rc : cy_catalog_commit(v->cat);
	cy_buf_wipe(&pw);
	return rc;
}

static int pending_grant(cy_vault *v, const char *name, const char *fonds, const char *seqtext)
{
	cy_catalog_user u;
	cy_catalog_fonds f;
	cy_buf entry = CY_BUF_INIT, msg = CY_BUF_INIT;
	uint8_t leaf[32], auth[64];
	uint64_t seq = strtoull(seqtext, NULL, 10);
	int rc;

	memset(&u, 0, sizeof(u));
	memset(&f, 0, sizeof(f));
	memset(leaf, 0, sizeof(leaf));
	rc = cy_catalog_user_get(v->cat, name, &u);
	rc = rc ? rc : cy_catalog_fonds_get(v->cat, fonds, &f);
	if (rc)
		goto out;
	/* the leaf of entry SEQ if there is one (an existing entry of another grant) */
	if (cy_catalog_adm_ledger_get(v->cat, seq, &entry, leaf))
		cy_error_clear();
	rc = cy_vault__grant_msg2(v->vault_id, u.id, fonds, 1, seq, leaf, &msg);
	rc = rc ? rc : cy_ed25519_sign(v->admin_seed, msg.ptr, msg.len, auth);
	rc = rc ? rc : cy_catalog_begin(v->cat);
	rc = rc ? rc
		: cy_catalog_grant_put_pending(v->cat, u.id, f.id, auth, 64, v->user_id,
					       "2026-01-01T00:00:00Z");
	rc = rc ? rc : cy_catalog_grant_bind(v->cat, u.id, f.id, 1, seq, leaf, auth, 64);
	rc = rc ? rc : cy_catalog_commit(v->cat);
out:
	cy_catalog_user_release(&u);
	cy_catalog_fonds_release(&f);
	cy_buf_release(&entry);
	cy_buf_release(&msg);
	return rc;
}

int main(int argc, char **argv)
{
	cy_vault *v = NULL;
	cy_buf pw = CY_BUF_INIT;
	int rc;

	if (argc < 5) {
		fprintf(stderr,
			"usage: insider-grants VAULT ADMIN ADMIN_PWFILE add-user|pending-grant ...\n");
		return 2;
	}
	rc = read_pw(argv[3], &pw);
	rc = rc ? rc : cy_vault_open(&v, argv[1], argv[2], (const char *)pw.ptr, pw.len);
	cy_buf_wipe(&pw);
	if (!rc && !v->admin_seed)
		rc = cy_error_set(CY_EPERM, "'%s' holds no admin key", argv[2]);
	if (!rc && !strcmp(argv[4], "add-user") && argc == 8)
		rc = add_user(v, argv[5], argv[6], argv[7]);
	else if (!rc && !strcmp(argv[4], "pending-grant") && argc == 8)
		rc = pending_grant(v, argv[5], argv[6], argv[7]);
	else if (!rc)
		rc = cy_error_set(CY_EINVALID, "unknown command or wrong arguments");
	if (rc)
		fprintf(stderr, "insider-grants: %s\n", cy_error_message());
	cy_vault_close(v);
	return rc ? 1 : 0;
}
