/* vault_users.c - users, roles and grants (secadmin's work).
 *
 * A grant is a row in `grants`; its slot is the fonds key sealed to the
 * grantee.  A secadmin holds no fonds key, so its grant is stored pending
 * (slot NULL) and completed by cy_vault__complete_grants the next time a
 * holder of that fonds key opens the vault.  Every grant is bound to its
 * ledger entry (serial, seq, leaf hash; vault_trust_users.c): completing or
 * using it checks the ledger.  A password change or reset makes a new key
 * pair with the next certificate serial, logged with that serial. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

int cy_user_add(cy_vault *v, const char *name, cy_role role, const char *pw, size_t pwlen)
{
	int64_t id;
	uint8_t *useed = NULL, upub[32];
	char target[24], hex[65];
	cy_ledger_entry e;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("add users"))))
		return rc;
	if (pwlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	if (!v->admin_seed)
		return cy_error_set(CY_EPERM, "user '%s' holds no admin key", v->user);
	if (!(useed = cy_secure_alloc(32)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = cy_vault__begin(v)))
		goto out;
	{
		cy_vault_settings set;
		cy_vault__settings(v, &set);
		user_secrets us = {v->sign_seed, v->admin_seed, v->admin_pub, &set};
		rc = cy_vault__insert_user(v, v->cat, v->vault_id, name, role, pw, pwlen,
					   v->kdf_log2n, &us, &id, useed);
	}
	rc = rc ? rc : cy_ed25519_public(useed, upub);
	if (!rc) {
		/* the serial and signing key: opening and check compare the row with them */
		snprintf(target, sizeof(target), "u%lld", (long long)id);
		cy_hex_encode(upub, 32, hex);
		memset(&e, 0, sizeof(e));
		e.action = "user.add";
		e.targets[0] = target;
		e.ntargets = 1;
		e.details[e.ndetails++] = (cy_ledger_detail){"role", cy_role_name(role), 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"serial", NULL, 1};
		e.details[e.ndetails++] = (cy_ledger_detail){"upub", hex, 0};
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_secure_free(useed, 32);
	return rc;
}

/* cy_user_list: vault_admin.c */

/* A key event's details: the new certificate serial and signing key. */
static int log_key_event(cy_vault *v, const char *action, const char *target, int64_t serial,
			 const uint8_t upub[32])
{
	cy_ledger_entry e;
	char hex[65];

	cy_hex_encode(upub, 32, hex);
	memset(&e, 0, sizeof(e));
	e.action = action;
	e.targets[0] = target;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"serial", NULL, serial};
	e.details[e.ndetails++] = (cy_ledger_detail){"upub", hex, 0};
	return cy_vault__log(v, &e);
}

/* The caller's fonds keys, sealed again to its new public key. */
static int reseal_keys(cy_vault *v, const uint8_t pub[32])
{
	int rc = 0;

	for (int i = 0; !rc && i < v->nkeys; i++)
		rc = cy_vault__store_slot(v, v->user_id, &v->keys[i], pub);
	return rc;
}

int cy_user_passwd(cy_vault *v, const char *newpw, size_t newlen)
{
	user_keys k;
	cy_buf msg = CY_BUF_INIT;
	uint8_t cert[64];
	int64_t serial = v->serial + 1;
	char now[21];
	int rc;

	if (newlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	if (!v->useed)
		return cy_error_set(CY_ENOMEM, "out of memory");
	/* a roll-over is signed by the certified key it replaces */
	if (v->serial < 1 && !v->admin_seed)
		return cy_error_set(CY_EPERM,
				    "the signing key of user '%s' is not certified yet: a security "
				    "administrator's next log-in certifies it; change the password "
				    "after that",
				    v->user);
	/* a new key pair, as a reset makes: the old slot and certificate stop
	 * working (docs/formats/keys.md "Key roll-over") */
	{
		cy_vault_settings set;
		cy_vault__settings(v, &set);
		user_secrets us = {v->sign_seed, v->admin_seed, v->admin_pub, &set};
		if ((rc = cy_vault__user_keys(v->vault_id, v->user, v->role, newpw, newlen,
					      v->kdf_log2n, &us, &k)))
			return rc;
	}
	if ((rc = cy_vault__begin(v)))
		goto out;
	if (v->admin_seed) {
		/* a secadmin certifies her own new keys */
		rc = cy_vault__store_user_keys(v->cat, v->vault_id, v->user_id, v->user, &k,
					       v->admin_seed, serial);
	} else {
		rc = cy_vault__rollover_msg(v->vault_id, v->user_id, v->user, cy_role_name(v->role),
					    v->serial, serial, k.pub, k.upub, &msg);
		rc = rc ? rc : cy_vault__user_sign(v, msg.ptr, msg.len, cert);
		rc = rc ? rc
			: cy_catalog_user_set_keys(v->cat, v->user_id, k.pub, 32, &k.slot,
						   &k.sign_slot, &k.admin_slot, cert, 64);
		cy_vault__now(now);
		rc = rc ? rc
			: cy_catalog_user_certify(v->cat, v->user_id, serial, cy_role_name(v->role),
						  k.pub, k.upub, cert, 64, now);
	}
	rc = rc ? rc : reseal_keys(v, k.pub);
	rc = rc ? rc : log_key_event(v, "user.passwd", v->actor, serial, k.upub);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		goto out;
	}
	/* what this session signs from now on (its private X25519 key is not
	 * needed again: the fonds keys are in memory) */
	memcpy(v->pub, k.pub, 32);
	memcpy(v->upub, k.upub, 32);
	memcpy(v->useed, k.useed, 32);
	v->serial = serial;
out:
	cy_vault__user_keys_release(&k);
	cy_buf_release(&msg);
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
	snprintf(target, sizeof(target), "u%lld", (long long)uid);
	/* user.reset ends every earlier grant of the user (vault_trust_users.c) */
	rc = rc < 0 ? rc : log_key_event(v, "user.reset", target, serial + 1, k.upub);
	/* each grant: slot dropped, granted again (a new grant.add after the
	 * reset, signed by the admin key), completed by a key holder */
	for (size_t i = 0; rc >= 0 && i < gr.n; i++) {
		rc = cy_catalog_grant_set_pending(v->cat, uid, gr.v[i].fid, NULL, 0);
		rc = rc ? rc
			: cy_vault__grant_log_bind(v, uid, gr.v[i].fid, gr.v[i].code, "grant.add",
						   "pending");
	}
	rc = rc < 0 ? rc : cy_vault__commit(v);
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
	char now[21];
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
		/* an active grant that the ledger backs stays as it is; any other
		 * is granted again */
		cy_catalog_grant g;
		cy_trust_revokes *r = NULL;
		int active;
		memset(&g, 0, sizeof(g));
		rc = cy_catalog_grant_get(v->cat, uid, fid, &g);
		active = !rc && g.active;
		if (active) {
			rc = cy_vault__revokes_load(v, g.seq, &r);
			active = !rc && !cy_vault__grant_verify(v, r, &g, name);
			cy_vault__revokes_free(r);
		}
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
		/* bound to its grant.add entry and signed with the admin key: the key
		 * holder who completes it checks both (cy_vault__grant_verify) */
		cy_vault__now(now);
		rc = cy_catalog_grant_put_pending(v->cat, uid, fid, NULL, 0, v->user_id, now);
		*pending = true;
	}
	rc = rc ? rc
		: cy_vault__grant_log_bind(v, uid, fid, fonds, "grant.add",
					   *pending ? "pending" : "active");
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
	int64_t serial = 0;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("revoke fonds"))))
		return rc;
	if ((rc = find_user(v, name, &uid, &role, NULL, NULL)) || (rc = find_fonds(v, fonds, &fid)))
		return rc;
	if ((rc = cy_vault__begin(v)))
		return rc;
	{
		cy_catalog_grant g;
		memset(&g, 0, sizeof(g));
		if (!cy_catalog_grant_get(v->cat, uid, fid, &g))
			serial = g.serial;
		cy_catalog_grant_release(&g);
		cy_error_clear();
	}
	rc = cy_catalog_grant_delete(v->cat, uid, fid);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "user '%s' has no grant of fonds '%s'", name,
				  fonds);
	if (rc == 0) {
		/* ends the grant for good: a restored row is refused (vault_trust_users.c) */
		snprintf(target, sizeof(target), "u%lld", (long long)uid);
		memset(&e, 0, sizeof(e));
		e.action = "grant.revoke";
		e.targets[0] = target;
		e.targets[1] = fonds;
		e.ntargets = 2;
		if (serial > 0)
			e.details[e.ndetails++] = (cy_ledger_detail){"serial", NULL, serial};
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

typedef struct pending_grants {
	cy_vault *v;
	cy_trust_revokes *r;
	struct pend {
		int64_t uid, fid, serial;
		uint8_t pub[32];
		int ok;
		char why[400];
	} * list;
	size_t n;
} pending_grants;

static int collect_pending(void *arg, const cy_catalog_grant *g)
{
	pending_grants *pg = arg;
	cy_vault *v = pg->v;
	const char *role_text = g->user_role;
	cy_role role;
	size_t n = pg->n;
	int rc;

	if (!cy_vault__fonds_key_by_id(v, g->fonds_id) || g->user_pub.len != 32)
		return 0;
	struct pend *nl = realloc(pg->list, sizeof(*nl) * (n + 1));
	if (!nl)
		return cy_error_set(CY_ENOMEM, "out of memory");
	pg->list = nl;
	memset(&pg->list[n], 0, sizeof(pg->list[n]));
	pg->list[n].uid = g->user_id;
	pg->list[n].fid = g->fonds_id;
	pg->list[n].serial = g->serial;
	memcpy(pg->list[n].pub, g->user_pub.ptr, 32);
	pg->n++;
	/* only to a user certified as a content role (by the admin key, or by a
	 * key roll-over from such a certificate) ... */
	if (cy_role_parse(role_text, &role) || !cy_role_holds_content(role) ||
	    cy_vault__verify_cert(v, g->user_id, g->user_name, role_text, pg->list[n].pub,
				  g->user_upub.len == 32 ? g->user_upub.ptr : NULL, g->user_serial,
				  g->user_cert.ptr, g->user_cert.len)) {
		cy_error_clear();
		snprintf(pg->list[n].why, sizeof(pg->list[n].why),
			 "grant of fonds %s to user %s: the user's role or key does not match its "
			 "certificate",
			 g->fonds_code, g->user_name);
		return 0;
	}
	/* not to a user the ledger says is disabled (a cleared flag): kept for
	 * after user enable, as for a flagged user */
	if (cy_vault__revokes_disabled(pg->r, g->user_id)) {
		pg->n--;
		return 0;
	}
	/* ... and only a grant the ledger backs, signed by the admin key */
	rc = cy_vault__grant_verify(v, pg->r, g, g->user_name);
	if (rc == CY_ENOMEM)
		return rc;
	if (rc)
		snprintf(pg->list[n].why, sizeof(pg->list[n].why), "%s", cy_error_message());
	cy_error_clear();
	pg->list[n].ok = rc == 0;
	return 0;
}

/* Whether any pending grant is of a fonds the caller holds (fc->min != 0):
 * only then is the ledger read. */
typedef struct first_ctx {
	cy_vault *v;
	uint64_t min; /* 0: none pending; else the smallest seq (1 for an unbound grant) */
} first_ctx;

static int first_pending(void *arg, const cy_catalog_grant *g)
{
	first_ctx *fc = arg;
	uint64_t seq = g->seq ? g->seq : 1;

	if (cy_vault__fonds_key_by_id(fc->v, g->fonds_id) && (fc->min == 0 || seq < fc->min))
		fc->min = seq;
	return 0;
}

int cy_vault__complete_grants(cy_vault *v)
{
	int rc;
	first_ctx fc = {v, 0};
	pending_grants pg = {v, NULL, NULL, 0};
	struct pend *list;
	size_t n;

	/* the usual case, nothing pending for this key holder: one query */
	rc = cy_catalog_grant_list_pending(v->cat, first_pending, &fc);
	if (rc < 0 || fc.min == 0)
		return rc < 0 ? rc : 0;
	/* from the start: a user.disable before the grant counts too */
	rc = cy_vault__revokes_load(v, 0, &pg.r);
	rc = rc ? rc : cy_catalog_grant_list_pending(v->cat, collect_pending, &pg);
	list = pg.list;
	n = pg.n;
	cy_vault__revokes_free(pg.r);
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
		if (list[i].serial > 0)
			e.details[e.ndetails++] = (cy_ledger_detail){"serial", NULL,
								     list[i].serial};
		if (list[i].ok) {
			rc = store_slot(v, list[i].uid, k, list[i].pub, v->user_id);
			e.action = "grant.complete";
		} else {
			/* not backed by the ledger, or to a user whose role was altered:
			 * drop it, the reason in the ledger (docs/security/grants.md) */
			rc = cy_catalog_grant_delete_pending(v->cat, list[i].uid, list[i].fid);
			rc = rc == CY_ENOTFOUND ? 0 : rc;
			e.action = "grant.reject";
			e.details[e.ndetails++] = (cy_ledger_detail){"reason", list[i].why, 0};
		}
		rc = rc ? rc : cy_vault__log(v, &e);
	}
	free(list);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

/* ---- fonds without a key holder, and the recovery grant ---- */

typedef struct orphan_ctx {
	cy_vault *v;
	const char *only;
	cy_fonds_code_fn fn;
	void *arg;
} orphan_ctx;

static int orphan_fonds(void *arg, const cy_catalog_adm_fonds *f)
{
	orphan_ctx *o = arg;
	int64_t n = 0;
	int rc;

	if (o->only && strcmp(o->only, f->code))
		return 0;
	if ((rc = cy_catalog_adm_fonds_holders(o->v->cat, f->id, &n)))
		return rc;
	return n ? 0 : o->fn(o->arg, f->code);
}

int cy_fonds_without_holder(cy_vault *v, const char *fonds, cy_fonds_code_fn fn, void *arg)
{
	orphan_ctx o = {v, fonds, fn, arg};
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("grant fonds"))))
		return rc;
	return cy_catalog_adm_fonds_each(v->cat, orphan_fonds, &o);
}

/* The recovery private key from its text form into key (32 bytes). */
static int parse_recovery(const char *text, uint8_t key[32])
{
	static const char PREFIX[] = "CUSTODY-RECOVERY-1-";
	size_t n;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	n = strlen(text);
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\n' || text[n - 1] == '\r' ||
		     text[n - 1] == '\t'))
		n--;
	if (n != sizeof(PREFIX) - 1 + 64 || strncmp(text, PREFIX, sizeof(PREFIX) - 1) ||
	    cy_hex_decode(text + sizeof(PREFIX) - 1, 64, key, 32))
		return cy_error_set(CY_EINVALID,
				    "not a recovery key: expected CUSTODY-RECOVERY-1- and 64 hex "
				    "digits, as 'custody init' gave it");
	return 0;
}

int cy_recovery_grant(cy_vault *v, const char *recovery_key, const char *fonds, const char *user)
{
	uint8_t *rpriv = NULL, *key = NULL, rpub[32], pub[32], kid[8], want[8];
	cy_catalog_fonds f;
	cy_catalog_user u;
	cy_buf ctx = CY_BUF_INIT, slot = CY_BUF_INIT, rslot = CY_BUF_INIT;
	int64_t epoch = 0;
	cy_role role;
	char now[21];
	int rc;

	memset(&f, 0, sizeof(f));
	memset(&u, 0, sizeof(u));
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN), N_("grant fonds"))))
		return rc;
	if (!(rpriv = cy_secure_alloc(32)) || !(key = cy_secure_alloc(32))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = parse_recovery(recovery_key, rpriv)) || (rc = cy_x25519_public(rpriv, rpub)))
		goto out;
	/* the recovery key this user's slot vouches for, not the catalog's */
	if (!cy_memeq(rpub, v->recovery_pub, 32)) {
		rc = cy_error_set(CY_EAUTH, "this is not the recovery key of this vault");
		goto out;
	}
	rc = cy_catalog_fonds_get(v->cat, fonds, &f);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "no fonds '%s' (see 'custody fonds list')", fonds);
	if (rc)
		goto out;
	rc = cy_catalog_user_get(v->cat, user, &u);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "no user '%s' (see 'custody user list')", user);
	if (rc)
		goto out;
	if ((rc = cy_role_parse(u.role, &role)))
		goto out;
	if (!cy_role_holds_content(role)) {
		rc = cy_error_set(CY_EPERM,
				  "user '%s' has the role %s: administrative roles never hold fonds "
				  "keys; recover the fonds to an archivist or viewer",
				  user, cy_role_name(role));
		goto out;
	}
	if (u.disabled) {
		rc = cy_error_set(CY_EPERM, "user '%s' is disabled", user);
		goto out;
	}
	if (u.pub.len != 32 || cy_vault__verify_cert(v, u.id, u.name, u.role, u.pub.ptr,
						     u.upub.len == 32 ? u.upub.ptr : NULL, u.serial,
						     u.cert.ptr, u.cert.len)) {
		rc = cy_error_set(CY_ECORRUPT,
				  "the record of user '%s' was altered: its role or key does not "
				  "match its certificate",
				  user);
		goto out;
	}
	memcpy(pub, u.pub.ptr, 32);
	/* the newest key epoch's: it opens every older one (vault_epochs.c) */
	rc = cy_vault__epoch_recovery(v, &f, &rslot, want, &epoch);
	rc = rc ? rc : cy_vault__ctx_fonds(v->vault_id, fonds, &ctx);
	rc = rc ? rc : cy_seal_open(rpriv, cy_buf_cstr(&ctx), rslot.ptr, rslot.len, key, 32);
	if (!rc)
		cy_vault__key_id(key, kid);
	if (rc == CY_EAUTH || (!rc && !cy_memeq(kid, want, 8)))
		rc = cy_error_set(CY_ECORRUPT,
				  "the recovery slot of fonds '%s' (key epoch %lld) is damaged",
				  fonds, (long long)epoch);
	if (rc)
		goto out;
	rc = cy_seal(pub, cy_buf_cstr(&ctx), key, 32, &slot);
	rc = rc ? rc : cy_vault__begin(v);
	if (rc)
		goto out;
	cy_vault__now(now);
	rc = cy_catalog_grant_put_slot(v->cat, u.id, f.id, slot.ptr, slot.len, v->user_id, now);
	rc = rc ? rc : cy_vault__grant_log_bind(v, u.id, f.id, fonds, "grant.recover", "active");
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_secure_free(rpriv, 32);
	cy_secure_free(key, 32);
	cy_catalog_fonds_release(&f);
	cy_catalog_user_release(&u);
	cy_buf_release(&ctx);
	cy_buf_release(&slot);
	cy_buf_release(&rslot);
	return rc;
}
