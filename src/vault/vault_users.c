/* vault_users.c - users, roles and grants (secadmin's work).
 *
 * A grant is a row in `grants`; its slot is the fonds key sealed to the
 * grantee.  A secadmin holds no fonds key, so its grant is stored pending
 * (slot NULL) and completed by cy_vault__complete_grants the next time a
 * holder of that fonds key opens the vault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/error.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

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
		cy_vault_settings set;
		cy_vault__settings(v, &set);
		user_secrets us = {v->sign_seed, v->admin_seed, v->admin_pub, &set};
		rc = cy_vault__insert_user(v, v->cat, v->vault_id, name, role, pw, pwlen,
					   v->kdf_log2n, &us, &id, NULL);
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
	cy_vault_settings set;
	uint8_t *plain = NULL;
	int rc;

	if (newlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	if (!v->useed || !(plain = cy_secure_alloc(CY_SLOT2_LEN)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	cy_vault__settings(v, &set);
	memcpy(plain, v->priv, 32);
	memcpy(plain + 32, v->useed, 32);
	cy_vault__settings_encode(&set, plain + 64);
	cy_buf_clear(&ctx);
	rc = cy_buf_printf(&ctx, "custody/user-key/v2/%s/%s", v->vault_id, v->user);
	rc = rc ? rc
		: cy_pwseal(newpw, newlen, v->kdf_log2n, cy_buf_cstr(&ctx), plain, CY_SLOT2_LEN,
			    &slot);
	cy_secure_free(plain, CY_SLOT2_LEN);
	rc = rc ? rc : cy_vault__begin(v);
	if (rc)
		goto out;
	rc = cy_catalog_user_set_slot(v->cat, v->user_id, slot.ptr, slot.len);
	rc = rc < 0 ? rc : cy_vault__log1(v, "user.passwd", v->actor);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_buf_release(&ctx);
	cy_buf_release(&slot);
	return rc;
}

static int find_user(cy_vault *v, const char *name, int64_t *id, cy_role *role, uint8_t pub[32],
		     int64_t *serial);

typedef struct grant_rows {
	struct grant_row {
		int64_t fid;
		char code[8];
	} * v;
	size_t n;
} grant_rows;

static int collect_grant(void *arg, const cy_catalog_grant *g)
{
	grant_rows *gr = arg;
	struct grant_row *ngs = realloc(gr->v, sizeof(*ngs) * (gr->n + 1));

	if (!ngs)
		return cy_error_set(CY_ENOMEM, "out of memory");
	gr->v = ngs;
	gr->v[gr->n].fid = g->fonds_id;
	snprintf(gr->v[gr->n].code, sizeof(gr->v[gr->n].code), "%s", g->fonds_code);
	gr->n++;
	return 0;
}

int cy_user_reset(cy_vault *v, const char *name, const char *pw, size_t pwlen)
{
	user_keys k;
	cy_buf msg = CY_BUF_INIT;
	int64_t uid;
	cy_role role;
	char target[24];
	grant_rows gr = {NULL, 0};
	int64_t serial = 0;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("reset passwords"))))
		return rc;
	if (!v->admin_seed)
		return cy_error_set(CY_EPERM, "user '%s' holds no admin key", v->user);
	if (pwlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	if ((rc = find_user(v, name, &uid, &role, NULL, &serial)))
		return rc;
	/* a new key pair: the old one may be lost with the password, and the user's
	 * fonds keys were sealed to it, so every grant goes back to pending */
	{
		cy_vault_settings set;
		cy_vault__settings(v, &set);
		user_secrets us = {v->sign_seed, v->admin_seed, v->admin_pub, &set};
		if ((rc = cy_vault__user_keys(v->vault_id, name, role, pw, pwlen, v->kdf_log2n, &us,
					      &k)))
			return rc;
	}
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_vault__store_user_keys(v->cat, v->vault_id, uid, name, &k, v->admin_seed,
				       serial + 1);
	rc = rc ? rc : cy_catalog_grant_list_user(v->cat, uid, collect_grant, &gr);
	/* each grant: slot dropped, re-signed for the new key, completed by a key holder */
	for (size_t i = 0; rc >= 0 && i < gr.n; i++) {
		uint8_t auth[64];
		rc = cy_vault__grant_msg(v->vault_id, uid, gr.v[i].code, k.pub, &msg);
		rc = rc ? rc : cy_ed25519_sign(v->admin_seed, msg.ptr, msg.len, auth);
		rc = rc ? rc : cy_catalog_grant_set_pending(v->cat, uid, gr.v[i].fid, auth, 64);
	}
	snprintf(target, sizeof(target), "u%lld", (long long)uid);
	rc = rc < 0 ? rc : cy_vault__log1(v, "user.reset", target);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	free(gr.v);
	cy_vault__user_keys_release(&k);
	cy_buf_release(&msg);
	return rc;
}

/* Look up a user's id, role and public key. */
static int find_user(cy_vault *v, const char *name, int64_t *id, cy_role *role, uint8_t pub[32],
		     int64_t *serial)
{
	cy_catalog_user u;
	int rc;

	memset(&u, 0, sizeof(u));
	rc = cy_catalog_user_get(v->cat, name, &u);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "no user '%s'", name);
	if (rc < 0)
		goto out;
	*id = u.id;
	rc = cy_role_parse(u.role, role);
	if (pub && u.pub.len == 32)
		memcpy(pub, u.pub.ptr, 32);
	if (serial)
		*serial = u.serial;
out:
	cy_catalog_user_release(&u);
	return rc;
}

static int find_fonds(cy_vault *v, const char *code, int64_t *id)
{
	cy_catalog_fonds f;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = cy_catalog_fonds_get(v->cat, code, &f);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "no fonds '%s' (see 'custody fonds list')", code);
	if (!rc)
		*id = f.id;
	cy_catalog_fonds_release(&f);
	return rc;
}

/* Seal fonds key k to pub and store it as the grant's slot (insert or update). */
static int store_slot(cy_vault *v, int64_t uid, const cy_fonds_key *k, const uint8_t pub[32],
		      int64_t granted_by)
{
	cy_buf ctx = CY_BUF_INIT, slot = CY_BUF_INIT;
	char now[21];
	int rc;

	rc = cy_vault__ctx_fonds(v->vault_id, k->code, &ctx);
	rc = rc ? rc : cy_seal(pub, cy_buf_cstr(&ctx), k->key, 32, &slot);
	cy_vault__now(now);
	rc = rc ? rc
		: cy_catalog_grant_put_slot(v->cat, uid, k->fonds_id, slot.ptr, slot.len,
					    granted_by, now);
	cy_buf_release(&ctx);
	cy_buf_release(&slot);
	return rc;
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
	if ((rc = find_user(v, name, &uid, &role, pub, NULL)) || (rc = find_fonds(v, fonds, &fid)))
		return rc;
	if (!cy_role_holds_content(role))
		return cy_error_set(
			CY_EPERM,
			"user '%s' has the role %s: administrative roles never hold fonds "
			"keys; grant fonds to archivists and viewers",
			name, cy_role_name(role));
	{
		/* an active grant stays as it is */
		cy_catalog_grant g;
		int active;
		memset(&g, 0, sizeof(g));
		rc = cy_catalog_grant_get(v->cat, uid, fid, &g);
		active = !rc && g.active;
		cy_catalog_grant_release(&g);
		if (active) {
			*pending = false;
			return 0;
		}
		if (rc < 0 && rc != CY_ENOTFOUND)
			return rc;
		cy_error_clear();
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
		cy_buf msg = CY_BUF_INIT;
		uint8_t auth[64];
		rc = cy_vault__grant_msg(v->vault_id, uid, fonds, pub, &msg);
		rc = rc ? rc : cy_ed25519_sign(v->admin_seed, msg.ptr, msg.len, auth);
		cy_buf_release(&msg);
		cy_vault__now(now);
		rc = rc ? rc
			: cy_catalog_grant_put_pending(v->cat, uid, fid, auth, 64, v->user_id, now);
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
	cy_ledger_entry e;
	char target[24];
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("revoke fonds"))))
		return rc;
	if ((rc = find_user(v, name, &uid, &role, NULL, NULL)) || (rc = find_fonds(v, fonds, &fid)))
		return rc;
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = cy_catalog_grant_delete(v->cat, uid, fid);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "user '%s' has no grant of fonds '%s'", name,
				  fonds);
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

typedef struct pending_grants {
	cy_vault *v;
	struct pend {
		int64_t uid, fid;
		uint8_t pub[32];
		int ok;
	} * list;
	size_t n;
	cy_buf msg;
} pending_grants;

static int collect_pending(void *arg, const cy_catalog_grant *g)
{
	pending_grants *pg = arg;
	cy_vault *v = pg->v;
	const char *role_text = g->user_role;
	cy_role role;
	size_t n = pg->n;

	if (!cy_vault__fonds_key_by_id(v, g->fonds_id) || g->user_pub.len != 32)
		return 0;
	struct pend *nl = realloc(pg->list, sizeof(*nl) * (n + 1));
	if (!nl)
		return cy_error_set(CY_ENOMEM, "out of memory");
	pg->list = nl;
	pg->list[n].uid = g->user_id;
	pg->list[n].fid = g->fonds_id;
	memcpy(pg->list[n].pub, g->user_pub.ptr, 32);
	/* only a grant signed by a secadmin, to a user certified as a content role */
	int rc = cy_vault__grant_msg(v->vault_id, pg->list[n].uid, g->fonds_code, pg->list[n].pub,
				     &pg->msg);
	if (rc)
		return rc;
	pg->list[n].ok =
		!cy_role_parse(role_text, &role) && cy_role_holds_content(role) &&
		!cy_vault__verify_cert(v, pg->list[n].uid, g->user_name, role_text, pg->list[n].pub,
				       g->user_upub.len == 32 ? g->user_upub.ptr : NULL,
				       g->user_serial, g->user_cert.ptr, g->user_cert.len) &&
		g->auth.len == 64 &&
		!cy_ed25519_verify(v->admin_pub, pg->msg.ptr, pg->msg.len, g->auth.ptr);
	pg->n++;
	return 0;
}

int cy_vault__complete_grants(cy_vault *v)
{
	int rc;
	pending_grants pg = {v, NULL, 0, CY_BUF_INIT};
	struct pend *list;
	size_t n;

	rc = cy_catalog_grant_list_pending(v->cat, collect_pending, &pg);
	list = pg.list;
	n = pg.n;
	cy_buf_release(&pg.msg);
	if (rc >= 0)
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
			rc = cy_catalog_grant_delete_pending(v->cat, list[i].uid, list[i].fid);
			rc = rc == CY_ENOTFOUND ? 0 : rc;
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
