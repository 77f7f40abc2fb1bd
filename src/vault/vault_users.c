/* vault_users.c - users, roles and grants (secadmin's work).
 *
 * A grant is a row in `grants`; its slot is the fonds key sealed to the
 * grantee.  A secadmin holds no fonds key, so its grant is stored pending
 * (slot NULL) and completed by cy_vault__complete_grants the next time a
 * holder of that fonds key opens the vault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/crypto.h"
#include "custody/error.h"
#include "vault/vault_internal.h"
#include "base/banned.h"


int cy_user_add(cy_vault *v, const char *name, cy_role role, const char *pw, size_t pwlen)
{
	int64_t id;
	char target[24];
	cy_ledger_entry e;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("add users"))))
		return rc;
	if (pwlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	if (!v->admin_seed)
		return cy_error_set(CY_EPERM, "user '%s' holds no admin key", v->user);
	if ((rc = cy_vault__begin(v)))
		return rc;
	{
		user_secrets us = {v->sign_seed, v->admin_seed, v->admin_pub};
		rc = cy_vault__insert_user(v, v->cat, v->vault_id, name, role, pw, pwlen, v->kdf_log2n,
					   &us, &id);
	}
	if (!rc) {
		snprintf(target, sizeof(target), "u%lld", (long long)id);
		memset(&e, 0, sizeof(e));
		e.action = "user.add";
		e.targets[0] = target;
		e.ntargets = 1;
		e.details[0] = (cy_ledger_detail){"role", cy_role_name(role), 0};
		e.ndetails = 1;
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

/* cy_user_list: vault_admin.c */

int cy_user_passwd(cy_vault *v, const char *newpw, size_t newlen)
{
	cy_buf ctx = CY_BUF_INIT, slot = CY_BUF_INIT;
	cy_stmt *s;
	int rc;

	if (newlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	cy_vault__ctx_user(v, v->vault_id, v->user, &ctx);
	rc = cy_pwseal(newpw, newlen, v->kdf_log2n, cy_buf_cstr(&ctx), v->priv, 32, &slot);
	rc = rc ? rc : cy_vault__begin(v);
	if (rc)
		goto out;
	rc = cy_catalog_prepare(v->cat, "UPDATE users SET slot = ? WHERE id = ?", &s);
	rc = rc ? rc : cy_stmt_bind_blob(s, 1, slot.ptr, slot.len);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, v->user_id);
	rc = rc ? rc : cy_stmt_step(s);
	rc = rc < 0 ? rc : cy_vault__log1(v, "user.passwd", v->actor);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_buf_release(&ctx);
	cy_buf_release(&slot);
	return rc;
}

static int find_user(cy_vault *v, const char *name, int64_t *id, cy_role *role, uint8_t pub[32]);

int cy_user_reset(cy_vault *v, const char *name, const char *pw, size_t pwlen)
{
	user_keys k;
	cy_buf msg = CY_BUF_INIT;
	cy_stmt *s;
	int64_t uid;
	cy_role role;
	char target[24];
	struct grant_row {
		int64_t fid;
		char code[8];
	} *gs = NULL;
	size_t ng = 0;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("reset passwords"))))
		return rc;
	if (!v->admin_seed)
		return cy_error_set(CY_EPERM, "user '%s' holds no admin key", v->user);
	if (pwlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	if ((rc = find_user(v, name, &uid, &role, NULL)))
		return rc;
	/* a new key pair: the old one may be lost with the password, and the user's
	 * fonds keys were sealed to it, so every grant goes back to pending */
	{
		user_secrets us = {v->sign_seed, v->admin_seed, v->admin_pub};
		if ((rc = cy_vault__user_keys(v->vault_id, name, role, pw, pwlen, v->kdf_log2n, &us, &k)))
			return rc;
	}
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_vault__store_user_keys(v->cat, v->vault_id, uid, name, &k, v->admin_seed);
	rc = rc ? rc : cy_catalog_prepare(v->cat,
					  "SELECT g.fonds_id, f.code FROM grants g JOIN fonds f "
					  "ON f.id = g.fonds_id WHERE g.user_id = ?",
					  &s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, uid);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		struct grant_row *ngs = realloc(gs, sizeof(*ngs) * (ng + 1));
		rc = 0;
		if (!ngs) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			cy_stmt_reset(s);
			break;
		}
		gs = ngs;
		gs[ng].fid = cy_stmt_int(s, 0);
		snprintf(gs[ng].code, sizeof(gs[ng].code), "%s", cy_stmt_text(s, 1));
		ng++;
	}
	/* each grant: slot dropped, re-signed for the new key, completed by a key holder */
	for (size_t i = 0; rc >= 0 && i < ng; i++) {
		uint8_t auth[64];
		cy_vault__grant_msg(v->vault_id, uid, gs[i].code, k.pub, &msg);
		rc = cy_ed25519_sign(v->admin_seed, msg.ptr, msg.len, auth);
		rc = rc ? rc : cy_catalog_prepare(v->cat,
						  "UPDATE grants SET slot = NULL, auth = ? "
						  "WHERE user_id = ? AND fonds_id = ?",
						  &s);
		rc = rc ? rc : cy_stmt_bind_blob(s, 1, auth, 64);
		rc = rc ? rc : cy_stmt_bind_int(s, 2, uid);
		rc = rc ? rc : cy_stmt_bind_int(s, 3, gs[i].fid);
		rc = rc ? rc : cy_stmt_step(s);
	}
	snprintf(target, sizeof(target), "u%lld", (long long)uid);
	rc = rc < 0 ? rc : cy_vault__log1(v, "user.reset", target);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	free(gs);
	cy_vault__user_keys_release(&k);
	cy_buf_release(&msg);
	return rc;
}

/* Look up a user's id, role and public key. */
static int find_user(cy_vault *v, const char *name, int64_t *id, cy_role *role, uint8_t pub[32])
{
	cy_stmt *s;
	size_t n;
	const void *p;
	int rc = cy_catalog_prepare(v->cat, "SELECT id, role, pub FROM users WHERE name = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no user '%s'", name);
	if (rc < 0)
		return rc;
	*id = cy_stmt_int(s, 0);
	rc = cy_role_parse(cy_stmt_text(s, 1), role);
	p = cy_stmt_blob(s, 2, &n);
	if (pub && n == 32)
		memcpy(pub, p, 32);
	cy_stmt_reset(s);
	return rc;
}

static int find_fonds(cy_vault *v, const char *code, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(v->cat, "SELECT id FROM fonds WHERE code = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, code);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no fonds '%s' (see 'custody fonds list')", code);
	if (rc < 0)
		return rc;
	*id = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	return 0;
}

/* Seal fonds key k to pub and store it as the grant's slot (insert or update). */
static int store_slot(cy_vault *v, int64_t uid, const cy_fonds_key *k, const uint8_t pub[32],
		      int64_t granted_by)
{
	cy_buf ctx = CY_BUF_INIT, slot = CY_BUF_INIT;
	char now[21];
	cy_stmt *s;
	int rc;

	cy_vault__ctx_fonds(v->vault_id, k->code, &ctx);
	rc = cy_seal(pub, cy_buf_cstr(&ctx), k->key, 32, &slot);
	cy_vault__now(now);
	rc = rc ? rc : cy_catalog_prepare(v->cat,
					  "INSERT INTO grants (user_id, fonds_id, slot, granted_by, created) "
					  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, fonds_id) "
					  "DO UPDATE SET slot = excluded.slot",
					  &s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, uid);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, k->fonds_id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, slot.ptr, slot.len);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, granted_by);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, now);
	rc = rc ? rc : cy_stmt_step(s);
	cy_buf_release(&ctx);
	cy_buf_release(&slot);
	return rc < 0 ? rc : 0;
}

int cy_vault__store_slot(cy_vault *v, int64_t uid, const cy_fonds_key *k, const uint8_t pub[32])
{
	return store_slot(v, uid, k, pub, v->user_id);
}

int cy_user_grant(cy_vault *v, const char *name, const char *fonds, bool *pending)
{
	int64_t uid, fid;
	cy_role role;
	uint8_t pub[32];
	cy_fonds_key *k;
	cy_ledger_entry e;
	char target[24], now[21];
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("grant fonds"))))
		return rc;
	if ((rc = find_user(v, name, &uid, &role, pub)) || (rc = find_fonds(v, fonds, &fid)))
		return rc;
	if (!cy_role_holds_content(role))
		return cy_error_set(CY_EPERM,
				    "user '%s' has the role %s: administrative roles never hold fonds "
				    "keys; grant fonds to archivists and viewers",
				    name, cy_role_name(role));
	{
		/* an active grant stays as it is */
		cy_stmt *q;
		rc = cy_catalog_prepare(v->cat,
					"SELECT 1 FROM grants WHERE user_id = ? AND fonds_id = ? AND slot IS NOT NULL",
					&q);
		rc = rc ? rc : cy_stmt_bind_int(q, 1, uid);
		rc = rc ? rc : cy_stmt_bind_int(q, 2, fid);
		rc = rc ? rc : cy_stmt_step(q);
		if (rc == 1) {
			cy_stmt_reset(q);
			*pending = false;
			return 0;
		}
		if (rc < 0)
			return rc;
	}
	if ((rc = cy_vault__begin(v)))
		return rc;
	k = cy_vault__fonds_key_by_id(v, fid);
	if (k) {
		rc = store_slot(v, uid, k, pub, v->user_id);
		*pending = false;
	} else if (!v->admin_seed) {
		rc = cy_error_set(CY_EPERM, "user '%s' holds no admin key", v->user);
	} else {
		/* signed with the admin key: the key holder who completes it checks that */
		cy_stmt *s;
		cy_buf msg = CY_BUF_INIT;
		uint8_t auth[64];
		cy_vault__grant_msg(v->vault_id, uid, fonds, pub, &msg);
		rc = cy_ed25519_sign(v->admin_seed, msg.ptr, msg.len, auth);
		cy_buf_release(&msg);
		cy_vault__now(now);
		rc = rc ? rc : cy_catalog_prepare(v->cat,
						  "INSERT INTO grants (user_id, fonds_id, slot, auth, granted_by, "
						  "created) VALUES (?, ?, NULL, ?, ?, ?) "
						  "ON CONFLICT (user_id, fonds_id) DO UPDATE SET auth = excluded.auth",
						  &s);
		rc = rc ? rc : cy_stmt_bind_int(s, 1, uid);
		rc = rc ? rc : cy_stmt_bind_int(s, 2, fid);
		rc = rc ? rc : cy_stmt_bind_blob(s, 3, auth, 64);
		rc = rc ? rc : cy_stmt_bind_int(s, 4, v->user_id);
		rc = rc ? rc : cy_stmt_bind_text(s, 5, now);
		rc = rc ? rc : cy_stmt_step(s);
		rc = rc < 0 ? rc : 0;
		*pending = true;
	}
	if (!rc) {
		snprintf(target, sizeof(target), "u%lld", (long long)uid);
		memset(&e, 0, sizeof(e));
		e.action = "grant.add";
		e.targets[0] = target;
		e.targets[1] = fonds;
		e.ntargets = 2;
		e.details[0] = (cy_ledger_detail){"state", *pending ? "pending" : "active", 0};
		e.ndetails = 1;
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

int cy_user_revoke(cy_vault *v, const char *name, const char *fonds)
{
	int64_t uid, fid;
	cy_role role;
	cy_stmt *s;
	cy_ledger_entry e;
	char target[24];
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("revoke fonds"))))
		return rc;
	if ((rc = find_user(v, name, &uid, &role, NULL)) || (rc = find_fonds(v, fonds, &fid)))
		return rc;
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = cy_catalog_prepare(v->cat, "DELETE FROM grants WHERE user_id = ? AND fonds_id = ?", &s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, uid);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, fid);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(v->cat) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "user '%s' has no grant of fonds '%s'", name, fonds);
	if (rc == 0) {
		snprintf(target, sizeof(target), "u%lld", (long long)uid);
		memset(&e, 0, sizeof(e));
		e.action = "grant.revoke";
		e.targets[0] = target;
		e.targets[1] = fonds;
		e.ntargets = 2;
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

int cy_vault__complete_grants(cy_vault *v)
{
	cy_stmt *s;
	int rc;
	struct pend {
		int64_t uid, fid;
		uint8_t pub[32];
		int ok;
	} *list = NULL;
	size_t n = 0;
	cy_buf msg = CY_BUF_INIT;

	rc = cy_catalog_prepare(v->cat,
				"SELECT g.user_id, g.fonds_id, u.pub, u.role, u.name, u.cert, g.auth, f.code "
				"FROM grants g JOIN users u ON u.id = g.user_id JOIN fonds f ON f.id = g.fonds_id "
				"WHERE g.slot IS NULL AND u.disabled = 0",
				&s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t len, clen, alen;
		const void *p = cy_stmt_blob(s, 2, &len);
		const void *cert = cy_stmt_blob(s, 5, &clen);
		const void *auth = cy_stmt_blob(s, 6, &alen);
		const char *role_text = cy_stmt_text(s, 3);
		cy_role role;
		rc = 0;
		if (!cy_vault__fonds_key_by_id(v, cy_stmt_int(s, 1)) || len != 32)
			continue;
		struct pend *nl = realloc(list, sizeof(*nl) * (n + 1));
		if (!nl) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			break;
		}
		list = nl;
		list[n].uid = cy_stmt_int(s, 0);
		list[n].fid = cy_stmt_int(s, 1);
		memcpy(list[n].pub, p, 32);
		/* only a grant signed by a secadmin, to a user certified as a content role */
		cy_vault__grant_msg(v->vault_id, list[n].uid, cy_stmt_text(s, 7), list[n].pub, &msg);
		list[n].ok = !cy_role_parse(role_text, &role) && cy_role_holds_content(role) &&
			     !cy_vault__verify_cert(v, list[n].uid, cy_stmt_text(s, 4), role_text,
						    list[n].pub, cert, clen) &&
			     alen == 64 && !cy_ed25519_verify(v->admin_pub, msg.ptr, msg.len, auth);
		n++;
	}
	cy_stmt_reset(s);
	cy_buf_release(&msg);
	cy_error_clear();
	if (rc < 0 || n == 0) {
		free(list);
		return rc < 0 ? rc : 0;
	}
	if ((rc = cy_vault__begin(v))) {
		free(list);
		return rc;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		cy_fonds_key *k = cy_vault__fonds_key_by_id(v, list[i].fid);
		char target[24];
		cy_ledger_entry e;
		snprintf(target, sizeof(target), "u%lld", (long long)list[i].uid);
		memset(&e, 0, sizeof(e));
		e.targets[0] = target;
		e.targets[1] = k->code;
		e.ntargets = 2;
		if (list[i].ok) {
			rc = store_slot(v, list[i].uid, k, list[i].pub, v->user_id);
			e.action = "grant.complete";
		} else {
			/* not made by a secadmin, or to a user whose role was altered: drop it */
			rc = cy_catalog_prepare(v->cat,
						"DELETE FROM grants WHERE user_id = ? AND fonds_id = ? "
						"AND slot IS NULL",
						&s);
			rc = rc ? rc : cy_stmt_bind_int(s, 1, list[i].uid);
			rc = rc ? rc : cy_stmt_bind_int(s, 2, list[i].fid);
			rc = rc ? rc : cy_stmt_step(s);
			rc = rc < 0 ? rc : 0;
			e.action = "grant.reject";
			e.details[0] = (cy_ledger_detail){"reason", "not authenticated", 0};
			e.ndetails = 1;
		}
		rc = rc ? rc : cy_vault__log(v, &e);
	}
	free(list);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}
