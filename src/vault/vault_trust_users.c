/* vault_trust_users.c - users and grants tied to the ledger.
 *
 * A grant row is trusted only if the ledger has its grant.add entry (or
 * fonds.add's grant.add of the creator, grant.recover, grant.upgrade): the
 * row carries the grant's serial and the seq and leaf hash of that entry,
 * under the admin key's signature when a secadmin made it (grant message
 * version 2), and no later grant.revoke of it or user.reset of its user may
 * exist.  So a row inserted by editing the catalog, or a revoked row restored from a
 * backup, is neither completed nor used, and check names it.
 *
 * A user's key events (user.add, user.passwd, user.reset, user.certify)
 * carry the certificate serial and the signing key they made: opening
 * compares the user's row with the last of them, so a row restored from an
 * old copy (an old password slot) is refused; check also names a user row
 * without user.add.
 *
 * The look-ups go through the partial index ledger_trust (user.* and
 * grant.* entries only, catalog_admin.h), so they cost the number of user
 * and grant entries, not the size of the ledger.  docs/security/grants.md
 * says what holds and what does not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/merkle.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

int cy_vault__grant_msg2(const char *vault_id, int64_t user_id, const char *fonds, int64_t serial,
			 uint64_t seq, const uint8_t leaf[32], cy_buf *out)
{
	cy_buf_clear(out);
	cy_buf_printf(out, "custody/grant/v2%c%s%c%lld%c%s%c%lld%c%llu%c", 0, vault_id, 0,
		      (long long)user_id, 0, fonds, 0, (long long)serial, 0,
		      (unsigned long long)seq, 0);
	return cy_buf_put(out, leaf, 32); /* fails if the printf did: sticky */
}

int cy_vault__rollover_msg(const char *vault_id, int64_t id, const char *name, const char *role,
			   int64_t old_serial, int64_t new_serial, const uint8_t pub[32],
			   const uint8_t upub[32], cy_buf *out)
{
	cy_buf_clear(out);
	cy_buf_printf(out, "custody/key-rollover/v1%c%s%c%lld%c%s%c%s%c%lld%c%lld%c", 0, vault_id,
		      0, (long long)id, 0, name, 0, role, 0, (long long)old_serial, 0,
		      (long long)new_serial, 0);
	cy_buf_put(out, pub, 32);
	return cy_buf_put(out, upub, 32);
}

/* ---- the next grant serial ---- */

static int next_serial(cy_vault *v, int64_t *out)
{
	cy_buf b = CY_BUF_INIT;
	char text[24];
	long long n = 0;
	int rc = cy_catalog_meta_get(v->cat, "grant_serial", &b);

	if (rc == CY_ENOTFOUND) {
		cy_error_clear();
		rc = 0;
	} else if (!rc && b.len > 0 && b.len < sizeof(text)) {
		memcpy(text, b.ptr, b.len);
		text[b.len] = 0;
		n = strtoll(text, NULL, 10);
	}
	cy_buf_release(&b);
	if (rc)
		return rc;
	/* a lowered counter only repeats a serial: the seq still tells grants apart */
	n = n < 0 ? 1 : n + 1;
	snprintf(text, sizeof(text), "%lld", n);
	if ((rc = cy_catalog_meta_put(v->cat, "grant_serial", text, strlen(text))))
		return rc;
	*out = n;
	return 0;
}

int cy_vault__grant_log_bind(cy_vault *v, int64_t uid, int64_t fid, const char *code,
			     const char *action, const char *state)
{
	cy_ledger_entry e;
	cy_buf entry = CY_BUF_INIT, msg = CY_BUF_INIT;
	uint8_t leaf[32], auth[64];
	char target[24];
	int64_t serial;
	int rc;

	if ((rc = next_serial(v, &serial)))
		return rc;
	snprintf(target, sizeof(target), "u%lld", (long long)uid);
	memset(&e, 0, sizeof(e));
	e.action = action;
	e.targets[0] = target;
	e.targets[1] = code;
	e.ntargets = 2;
	e.details[e.ndetails++] = (cy_ledger_detail){"serial", NULL, serial};
	if (state)
		e.details[e.ndetails++] = (cy_ledger_detail){"state", state, 0};
	rc = cy_vault__log(v, &e);
	/* the leaf as stored: what a later look-up compares */
	rc = rc ? rc : cy_catalog_adm_ledger_get(v->cat, e.seq, &entry, leaf);
	if (!rc && v->admin_seed) {
		rc = cy_vault__grant_msg2(v->vault_id, uid, code, serial, e.seq, leaf, &msg);
		rc = rc ? rc : cy_ed25519_sign(v->admin_seed, msg.ptr, msg.len, auth);
	}
	rc = rc ? rc
		: cy_catalog_grant_bind(v->cat, uid, fid, serial, e.seq, leaf,
					v->admin_seed ? auth : NULL, 64);
	cy_buf_release(&entry);
	cy_buf_release(&msg);
	return rc;
}

/* ---- revocations ---- */

typedef struct revoke {
	int64_t uid;
	char code[72]; /* "" for a user.* entry (a user.reset ends every grant of the user) */
	uint64_t seq;
	char action[32];
	int64_t serial; /* the entry's "serial" detail (key events, grants), or 0 */
} revoke;

struct cy_trust_revokes {
	revoke *v;
	size_t n, cap;
};

/* The user id of a target "u<digits>", or -1. */
static int64_t target_uid(const char *t)
{
	char *e;
	long long id;

	if (t[0] != 'u' || t[1] < '0' || t[1] > '9')
		return -1;
	id = strtoll(t + 1, &e, 10);
	return *e ? -1 : id;
}

static bool grant_action(const char *a)
{
	return !strcmp(a, "grant.add") || !strcmp(a, "grant.recover") ||
	       !strcmp(a, "grant.upgrade");
}

static bool key_action(const char *a)
{
	return !strcmp(a, "user.add") || !strcmp(a, "user.passwd") || !strcmp(a, "user.reset") ||
	       !strcmp(a, "user.certify");
}

/* Kept: what ends grants (grant.revoke, user.reset), what disables users
 * (user.disable, user.enable), what gives grants (grant.add, .recover,
 * .upgrade: for cy_vault__held_at) and the key events (for the serial a
 * user's key had at a point of the ledger). */
static int collect_revoke(void *arg, uint64_t seq, const char *entry, size_t n)
{
	cy_trust_revokes *r = arg;
	cy_entry_fields f;
	int user;

	if (cy_vault__entry_fields(entry, n, &f))
		return 0; /* log verify names a damaged entry */
	user = key_action(f.action) || !strcmp(f.action, "user.disable") ||
	       !strcmp(f.action, "user.enable");
	if (!user && strcmp(f.action, "grant.revoke") && !grant_action(f.action))
		return 0;
	if (f.ntargets < (user ? 1 : 2) || target_uid(f.targets[0]) < 0)
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		revoke *nv = realloc(r->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		r->v = nv;
		r->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	r->v[r->n].uid = target_uid(f.targets[0]);
	r->v[r->n].seq = seq;
	r->v[r->n].serial = f.has_serial ? f.serial : 0;
	snprintf(r->v[r->n].code, sizeof(r->v[r->n].code), "%s", user ? "" : f.targets[1]);
	snprintf(r->v[r->n].action, sizeof(r->v[r->n].action), "%s", f.action);
	r->n++;
	return 0;
}

static bool ends_grant(const revoke *x, int64_t uid, const char *code)
{
	return x->uid == uid && (!strcmp(x->action, "user.reset") ||
				 (!strcmp(x->action, "grant.revoke") && !strcmp(x->code, code)));
}

bool cy_vault__held_at(const cy_trust_revokes *r, int64_t uid, const char *code, int64_t serial,
		       uint64_t seq)
{
	uint64_t given = 0;
	int64_t key_serial = -1;

	for (size_t i = 0; r && i < r->n && r->v[i].seq < seq; i++) {
		const revoke *x = &r->v[i];
		if (x->uid != uid)
			continue;
		if (grant_action(x->action) && !strcmp(x->code, code))
			given = x->seq;
		else if (ends_grant(x, uid, code))
			given = 0;
		if (key_action(x->action) && x->serial > 0)
			key_serial = x->serial;
	}
	/* the key the user had then; a key upgraded from schema 2 signs as
	 * serial 0 or 1 until certified */
	return given &&
	       (key_serial < 0 || key_serial == serial || (serial == 0 && key_serial == 1));
}

uint64_t cy_vault__grant_ended(const cy_trust_revokes *r, int64_t uid, const char *code,
			       uint64_t seq)
{
	uint64_t ended = 0;

	for (size_t i = 0; r && i < r->n && r->v[i].seq < seq; i++) {
		const revoke *x = &r->v[i];
		if (x->uid != uid)
			continue;
		if (grant_action(x->action) && !strcmp(x->code, code))
			ended = 0;
		else if (ends_grant(x, uid, code))
			ended = x->seq;
	}
	return ended;
}

bool cy_vault__revokes_since(const cy_trust_revokes *r, const char *code, uint64_t after,
			     uint64_t *seq)
{
	for (size_t i = 0; r && i < r->n; i++) {
		const revoke *x = &r->v[i];
		if (x->seq <= after)
			continue;
		if (!strcmp(x->action, "grant.revoke") && !strcmp(x->code, code)) {
			*seq = x->seq;
			return true;
		}
		if (strcmp(x->action, "user.reset"))
			continue;
		/* a reset ends the user's grants: of this fonds, if it had one */
		for (size_t j = 0; j < i; j++)
			if (r->v[j].uid == x->uid && grant_action(r->v[j].action) &&
			    !strcmp(r->v[j].code, code)) {
				*seq = x->seq;
				return true;
			}
	}
	return false;
}

int cy_vault__revokes_load(cy_vault *v, uint64_t after, cy_trust_revokes **out)
{
	cy_trust_revokes *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return cy_error_set(CY_ENOMEM, "out of memory");
	rc = cy_catalog_adm_ledger_trust_each(v->cat, after, collect_revoke, r);
	if (rc < 0) {
		cy_vault__revokes_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

uint64_t cy_vault__revokes_disabled(const cy_trust_revokes *r, int64_t uid)
{
	uint64_t seq = 0;

	for (size_t i = 0; r && i < r->n; i++) {
		if (r->v[i].uid != uid)
			continue;
		if (!strcmp(r->v[i].action, "user.disable"))
			seq = r->v[i].seq;
		else if (!strcmp(r->v[i].action, "user.enable"))
			seq = 0;
	}
	return seq;
}

void cy_vault__revokes_free(cy_trust_revokes *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

/* ---- one grant against the ledger ---- */

int cy_vault__grant_verify(cy_vault *v, const cy_trust_revokes *r, const cy_catalog_grant *g,
			   const char *name)
{
	cy_buf entry = CY_BUF_INIT, msg = CY_BUF_INIT;
	uint8_t stored[32], leaf[32];
	cy_entry_fields f;
	char uid[24], serial[24];
	int rc;

	if (g->serial <= 0 || g->seq == 0)
		return cy_error_set(CY_ECORRUPT,
				    "grant of fonds %s to user %s has no grant serial: it was "
				    "inserted into the catalog directly (or made before schema 3 "
				    "and never used since); a security administrator can grant it "
				    "again",
				    g->fonds_code, name);
	rc = cy_catalog_adm_ledger_get(v->cat, g->seq, &entry, stored);
	if (rc == CY_ENOMEM)
		goto out;
	snprintf(uid, sizeof(uid), "u%lld", (long long)g->user_id);
	snprintf(serial, sizeof(serial), "%lld", (long long)g->serial);
	if (!rc)
		cy_merkle_leaf_hash(entry.ptr, entry.len, leaf);
	if (rc || !cy_memeq(leaf, stored, 32) || !cy_memeq(leaf, g->leaf, 32) ||
	    cy_vault__entry_fields((const char *)entry.ptr, entry.len, &f) ||
	    !grant_action(f.action) || f.ntargets != 2 || strcmp(f.targets[0], uid) ||
	    strcmp(f.targets[1], g->fonds_code) || !f.has_serial || f.serial != g->serial) {
		rc = cy_error_set(CY_ECORRUPT,
				  "grant of fonds %s to user %s has no grant.add entry in the "
				  "ledger (serial %s, entry %llu): it was inserted into the "
				  "catalog directly",
				  g->fonds_code, name, serial, (unsigned long long)g->seq);
		goto out;
	}
	for (size_t i = 0; r && i < r->n; i++) {
		const revoke *x = &r->v[i];
		if (x->seq <= g->seq || x->uid != g->user_id ||
		    (*x->code && strcmp(x->code, g->fonds_code)) ||
		    (strcmp(x->action, "grant.revoke") && strcmp(x->action, "user.reset")))
			continue;
		rc = cy_error_set(CY_ECORRUPT,
				  "grant of fonds %s to user %s (serial %s) was ended by ledger "
				  "entry %llu (%s): the catalog row was restored or re-inserted",
				  g->fonds_code, name, serial, (unsigned long long)x->seq,
				  x->action);
		goto out;
	}
	/* a pending grant: made by a secadmin, so signed with the admin key */
	if (!g->active || g->auth.len) {
		rc = cy_vault__grant_msg2(v->vault_id, g->user_id, g->fonds_code, g->serial, g->seq,
					  g->leaf, &msg);
		if (rc)
			goto out;
		if (g->auth.len != 64 ||
		    cy_ed25519_verify(v->admin_pub, msg.ptr, msg.len, g->auth.ptr)) {
			rc = cy_error_set(
				CY_ECORRUPT,
				"grant of fonds %s to user %s (serial %s) is not signed by "
				"the admin key: the catalog was edited",
				g->fonds_code, name, serial);
			goto out;
		}
	}
	rc = 0;
out:
	cy_buf_release(&entry);
	cy_buf_release(&msg);
	return rc;
}

/* ---- key events: the user's serial and signing key ---- */

typedef struct key_event {
	int64_t uid;
	uint64_t seq, added;
	uint64_t disabled; /* the last user.disable not followed by user.enable, or 0 */
	char action[32];
	int64_t serial;
	int has_serial;
	char upub[65];
} key_event;

typedef struct key_events {
	key_event *v;
	size_t n, cap;
	int64_t only; /* one user's events (> 0), or every user's */
} key_events;

static key_event *event_of(key_events *k, int64_t uid)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].uid == uid)
			return &k->v[i];
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		key_event *nv = realloc(k->v, cap * sizeof(*nv));
		if (!nv) {
			cy_error_set(CY_ENOMEM, "out of memory");
			return NULL;
		}
		k->v = nv;
		k->cap = cap;
	}
	memset(&k->v[k->n], 0, sizeof(k->v[k->n]));
	k->v[k->n].uid = uid;
	return &k->v[k->n++];
}

static int collect_key_event(void *arg, uint64_t seq, const char *entry, size_t n)
{
	key_events *k = arg;
	cy_entry_fields f;
	key_event *e;
	int64_t uid;

	int able;

	if (cy_vault__entry_fields(entry, n, &f) || f.ntargets < 1 ||
	    (uid = target_uid(f.targets[0])) < 0 || (k->only > 0 && uid != k->only))
		return 0;
	able = !strcmp(f.action, "user.disable") || !strcmp(f.action, "user.enable");
	if (!able && !key_action(f.action))
		return 0;
	if (!(e = event_of(k, uid)))
		return CY_ENOMEM;
	if (able) {
		e->disabled = strcmp(f.action, "user.disable") ? 0 : seq;
		return 0;
	}
	if (!strcmp(f.action, "user.add") && !e->added)
		e->added = seq;
	/* an entry of schema 2 or older names no serial: nothing to compare */
	e->seq = seq;
	snprintf(e->action, sizeof(e->action), "%s", f.action);
	e->has_serial = f.has_serial;
	e->serial = f.serial;
	snprintf(e->upub, sizeof(e->upub), "%s", f.upub);
	return 0;
}

/* The difference between a user's row (serial, upub) and the last key event, or NULL. */
static const char *key_mismatch(const key_event *e, int64_t serial, const uint8_t *upub)
{
	char hex[65];

	if (!e || !e->has_serial)
		return NULL;
	if (e->serial != serial)
		return N_("certificate serial");
	if (e->upub[0]) {
		if (!upub)
			return N_("signing key");
		cy_hex_encode(upub, 32, hex);
		if (strcmp(hex, e->upub))
			return N_("signing key");
	}
	return NULL;
}

int cy_vault__check_key_events(cy_vault *v)
{
	key_events k = {NULL, 0, 0, v->user_id};
	const char *what;
	int rc = cy_catalog_adm_ledger_trust_each(v->cat, 0, collect_key_event, &k);

	if (rc < 0)
		goto out;
	rc = 0;
	/* Refused here: keys older than the ledger's (a row restored from an old
	 * copy).  Not here: no user.add, or a serial newer than the ledger's
	 * last key event; both are also what a ledger cut back looks like, and
	 * the auditor must still log in to find that with log verify
	 * --checkpoint.  check names both. */
	/* the ledger's word on the account, whatever the catalog's flag says */
	if (k.n && k.v[0].disabled) {
		rc = cy_error_set(CY_EAUTH,
				  "the account of user '%s' is disabled (ledger entry %llu): a "
				  "security administrator can enable it (custody user enable %s)",
				  v->user, (unsigned long long)k.v[0].disabled, v->user);
		goto out;
	}
	if (!k.n || !k.v[0].added || (k.v[0].has_serial && k.v[0].serial < v->serial))
		goto out;
	what = key_mismatch(&k.v[0], v->serial, v->useed ? v->upub : NULL);
	if (what)
		rc = cy_error_set(CY_ECORRUPT,
				  "the keys of user '%s' are not the current ones: the %s differs "
				  "from ledger entry %llu (%s, serial %lld), the catalog has serial "
				  "%lld; the user's row was restored from an old copy (an old "
				  "password no longer opens the vault: custody check names it)",
				  v->user, CY_TR(what), (unsigned long long)k.v[0].seq,
				  k.v[0].action, (long long)k.v[0].serial, (long long)v->serial);
out:
	free(k.v);
	return rc;
}

/* ---- key roll-over (a password change without the admin key) ---- */

static int verify_admin(const cy_vault *v, int64_t id, const char *name, const char *role,
			const uint8_t pub[32], const uint8_t *upub, int64_t serial,
			const void *cert, size_t certlen)
{
	cy_buf msg = CY_BUF_INIT;
	int rc;

	if (certlen != 64 || (serial > 0 && !upub))
		return CY_ECORRUPT;
	rc = cy_vault__cert_msg(v->vault_id, id, name, role, pub, upub, serial, &msg);
	rc = rc ? rc : cy_ed25519_verify(v->admin_pub, msg.ptr, msg.len, cert);
	cy_buf_release(&msg);
	return rc ? CY_ECORRUPT : 0;
}

/* A certificate that is a key roll-over: signed by the previous serial's
 * Ed25519 key.  Walks down the chain (iteratively: a user may change her
 * password many times between two log-ins of a secadmin) to a certificate
 * the admin key signed; every link must verify and keep the role. */
static int verify_rollover(const cy_vault *v, int64_t id, const char *name, const char *role,
			   const uint8_t pub[32], const uint8_t *upub, int64_t serial,
			   const void *sig, size_t siglen)
{
	cy_catalog_cert prev;
	cy_buf msg = CY_BUF_INIT, cur_sig = CY_BUF_INIT;
	uint8_t cur_pub[32], cur_upub[32];
	int rc = 0;

	memset(&prev, 0, sizeof(prev));
	if (serial <= 1 || !upub || siglen != 64)
		return CY_ECORRUPT;
	memcpy(cur_pub, pub, 32);
	memcpy(cur_upub, upub, 32);
	rc = cy_buf_put(&cur_sig, sig, 64);
	for (int64_t s = serial; !rc; s--) {
		/* serial 1 is always the admin key's */
		if (s <= 1 || cur_sig.len != 64) {
			rc = CY_ECORRUPT;
			break;
		}
		cy_catalog_cert_release(&prev);
		memset(&prev, 0, sizeof(prev));
		rc = cy_catalog_user_cert_get(v->cat, id, s - 1, &prev);
		if (rc)
			break;
		if (strcmp(prev.role, role)) {
			rc = CY_ECORRUPT;
			break;
		}
		rc = cy_vault__rollover_msg(v->vault_id, id, name, role, s - 1, s, cur_pub,
					    cur_upub, &msg);
		rc = rc ? rc
			: (cy_ed25519_verify(prev.upub, msg.ptr, msg.len, cur_sig.ptr) ? CY_ECORRUPT
										       : 0);
		if (rc)
			break;
		if (!verify_admin(v, id, name, role, prev.pub, prev.upub, s - 1, prev.cert.ptr,
				  prev.cert.len))
			break; /* reached a certificate of the admin key: the chain holds */
		memcpy(cur_pub, prev.pub, 32);
		memcpy(cur_upub, prev.upub, 32);
		cy_buf_clear(&cur_sig);
		rc = cy_buf_put(&cur_sig, prev.cert.ptr, prev.cert.len);
	}
	cy_error_clear();
	cy_catalog_cert_release(&prev);
	cy_buf_release(&msg);
	cy_buf_release(&cur_sig);
	if (rc == CY_ENOMEM)
		return rc;
	return rc ? CY_ECORRUPT : 0;
}

int cy_vault__verify_rollover(const cy_vault *v, int64_t id, const char *name, const char *role,
			      const uint8_t pub[32], const uint8_t *upub, int64_t serial,
			      const void *sig, size_t siglen)
{
	return verify_rollover(v, id, name, role, pub, upub, serial, sig, siglen);
}

/* Keys waiting for the admin key's certificate: a key slot upgraded from
 * schema 2 (serial 0, a signing key, the old certificate still valid:
 * certified as serial 1, trusted on first use) or a password change by a
 * user who holds no admin key (a valid roll-over chain: re-certified, every
 * link of it). */
typedef struct pending_cert {
	int64_t id, serial; /* serial 0: upgraded from schema 2 */
	char name[64], role[16];
	uint8_t pub[32], upub[32];
} pending_cert;

typedef struct pending_certs {
	cy_vault *v;
	pending_cert *list;
	size_t n;
} pending_certs;

static int collect_pending_cert(void *arg, const cy_catalog_user *u)
{
	pending_certs *pc = arg;
	pending_cert *nl;

	if (u->upub.len != 32 || u->pub.len != 32)
		return 0;
	if (u->serial == 0) {
		/* only a row whose old certificate still holds */
		if (cy_vault__verify_cert(pc->v, u->id, u->name, u->role, u->pub.ptr, NULL, 0,
					  u->cert.ptr, u->cert.len))
			return 0; /* check names it */
	} else if (u->serial == 1 ||
		   !verify_admin(pc->v, u->id, u->name, u->role, u->pub.ptr, u->upub.ptr, u->serial,
				 u->cert.ptr, u->cert.len) ||
		   verify_rollover(pc->v, u->id, u->name, u->role, u->pub.ptr, u->upub.ptr,
				   u->serial, u->cert.ptr, u->cert.len)) {
		return 0; /* certified already, or broken: check names it */
	}
	if (!(nl = realloc(pc->list, sizeof(*nl) * (pc->n + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	pc->list = nl;
	nl += pc->n++;
	nl->id = u->id;
	nl->serial = u->serial;
	snprintf(nl->name, sizeof(nl->name), "%s", u->name);
	snprintf(nl->role, sizeof(nl->role), "%s", u->role);
	memcpy(nl->pub, u->pub.ptr, 32);
	memcpy(nl->upub, u->upub.ptr, 32);
	return 0;
}

/* Sign with the admin key and store the certificate of serial sn (new: a
 * row of user_certs; else replacing a roll-over). */
static int certify_one(cy_vault *v, const pending_cert *u, int64_t sn, const uint8_t pub[32],
		       const uint8_t upub[32], int new_row, const char *now, cy_buf *msg)
{
	uint8_t cert[64];
	int rc = cy_vault__cert_msg(v->vault_id, u->id, u->name, u->role, pub, upub, sn, msg);

	rc = rc ? rc : cy_ed25519_sign(v->admin_seed, msg->ptr, msg->len, cert);
	if (rc)
		return rc;
	return new_row ? cy_catalog_user_certify(v->cat, u->id, sn, u->role, pub, upub, cert, 64,
						 now)
		       : cy_catalog_user_recertify(v->cat, u->id, sn, cert, 64);
}

int cy_vault__certify_pending(cy_vault *v)
{
	pending_certs pc = {v, NULL, 0};
	cy_buf msg = CY_BUF_INIT;
	char now[21];
	int rc;

	if (!v->admin_seed)
		return 0;
	rc = cy_catalog_user_list(v->cat, collect_pending_cert, &pc);
	if (rc < 0 || pc.n == 0)
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	cy_vault__now(now);
	for (size_t i = 0; !rc && i < pc.n; i++) {
		pending_cert *u = &pc.list[i];
		int64_t serial = u->serial ? u->serial : 1;
		char target[24], hex[65];
		cy_ledger_entry e;

		rc = certify_one(v, u, serial, u->pub, u->upub, u->serial == 0, now, &msg);
		/* every earlier link of a roll-over chain too, so that old ledger
		 * heads verify without walking it (the chain was just verified
		 * through them all) */
		for (int64_t sn = serial - 1; !rc && sn > 1; sn--) {
			cy_catalog_cert old;
			memset(&old, 0, sizeof(old));
			rc = cy_catalog_user_cert_get(v->cat, u->id, sn, &old);
			if (!rc && verify_admin(v, u->id, u->name, u->role, old.pub, old.upub, sn,
						old.cert.ptr, old.cert.len)) {
				rc = certify_one(v, u, sn, old.pub, old.upub, 0, now, &msg);
				cy_catalog_cert_release(&old);
				continue;
			}
			cy_catalog_cert_release(&old);
			break; /* admin-signed from here down */
		}
		if (rc == CY_ENOTFOUND)
			rc = 0;
		if (!rc && u->id == v->user_id)
			v->serial = serial;
		snprintf(target, sizeof(target), "u%lld", (long long)u->id);
		cy_hex_encode(u->upub, 32, hex);
		memset(&e, 0, sizeof(e));
		e.action = "user.certify";
		e.targets[0] = target;
		e.ntargets = 1;
		e.details[e.ndetails++] = (cy_ledger_detail){"serial", NULL, serial};
		e.details[e.ndetails++] = (cy_ledger_detail){"upub", hex, 0};
		rc = rc ? rc : cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	free(pc.list);
	cy_buf_release(&msg);
	return rc < 0 ? rc : 0;
}

/* ---- grants of a vault made before schema 3 ---- */

typedef struct legacy_grants {
	int64_t *fid;
	char (*code)[8];
	size_t n;
} legacy_grants;

static int collect_legacy(void *arg, const cy_catalog_grant *g)
{
	legacy_grants *lg = arg;
	int64_t *nf;
	char(*nc)[8];

	if (g->serial > 0 || !g->active)
		return 0;
	if (!(nf = realloc(lg->fid, sizeof(*nf) * (lg->n + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	lg->fid = nf;
	if (!(nc = realloc(lg->code, sizeof(*nc) * (lg->n + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	lg->code = nc;
	lg->fid[lg->n] = g->fonds_id;
	snprintf(lg->code[lg->n], sizeof(lg->code[lg->n]), "%s", g->fonds_code);
	lg->n++;
	return 0;
}

int cy_vault__bind_legacy_grants(cy_vault *v)
{
	legacy_grants lg = {NULL, NULL, 0};
	int rc = cy_catalog_grant_list_user(v->cat, v->user_id, collect_legacy, &lg);

	if (rc < 0 || lg.n == 0)
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	for (size_t i = 0; !rc && i < lg.n; i++)
		rc = cy_vault__grant_log_bind(v, v->user_id, lg.fid[i], lg.code[i], "grant.upgrade",
					      "active");
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	free(lg.fid);
	free(lg.code);
	return rc < 0 ? rc : 0;
}

/* ---- check ---- */

typedef struct trust_check {
	cy_vault *v;
	key_events k;
	cy_trust_revokes *r;
	int64_t *ids; /* user rows, by id */
	size_t nids;
	cy_catalog_problem_fn problem;
	void *arg;
} trust_check;

static void say(trust_check *t, const char *msg)
{
	t->problem(t->arg, msg);
}

static int check_user_row(void *arg, const cy_catalog_user *u)
{
	trust_check *t = arg;
	key_event *e = NULL;
	const char *what;
	char msg[512];
	int64_t *ni;

	if (!(ni = realloc(t->ids, sizeof(*ni) * (t->nids + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	t->ids = ni;
	t->ids[t->nids++] = u->id;
	for (size_t i = 0; i < t->k.n; i++)
		if (t->k.v[i].uid == u->id)
			e = &t->k.v[i];
	if (!e || !e->added) {
		snprintf(msg, sizeof(msg),
			 "user '%s' has no user.add entry in the ledger: it was inserted into the "
			 "catalog directly",
			 u->name);
		say(t, msg);
		return 0;
	}
	what = key_mismatch(e, u->serial, u->upub.len == 32 ? u->upub.ptr : NULL);
	if (what) {
		snprintf(msg, sizeof(msg),
			 "user '%s': the %s in the catalog (serial %lld) is not the one of ledger "
			 "entry %llu (%s, serial %lld): the user's row was restored from an old "
			 "copy or edited",
			 u->name, what, (long long)u->serial, (unsigned long long)e->seq, e->action,
			 (long long)e->serial);
		say(t, msg);
	}
	return 0;
}

static int check_grant_row(void *arg, const cy_catalog_grant *g)
{
	trust_check *t = arg;

	/* a grant of schema 2 or older is bound at its user's first log-in */
	if (g->serial == 0 && g->user_upub.len != 32)
		return 0;
	int rc = cy_vault__grant_verify(t->v, t->r, g, g->user_name);

	if (rc == CY_ENOMEM)
		return rc;
	if (rc)
		say(t, cy_error_message());
	cy_error_clear();
	return 0;
}

/* The grants the ledger says are in force: each grant.add (grant.recover,
 * grant.upgrade) of a user and fonds that no later grant.revoke,
 * grant.reject or user.reset ended. */
typedef struct live_grant {
	int64_t uid;
	char fonds[8];
	uint64_t seq;
	int found;
} live_grant;

typedef struct live_grants {
	live_grant *v;
	size_t n, cap;
} live_grants;

static int collect_live(void *arg, uint64_t seq, const char *entry, size_t n)
{
	live_grants *l = arg;
	cy_entry_fields f;
	int64_t uid;
	int add;

	if (cy_vault__entry_fields(entry, n, &f) || f.ntargets < 1 ||
	    (uid = target_uid(f.targets[0])) < 0)
		return 0;
	if (!strcmp(f.action, "user.reset")) {
		for (size_t i = 0; i < l->n; i++)
			if (l->v[i].uid == uid)
				l->v[i].seq = 0;
		return 0;
	}
	add = grant_action(f.action);
	if (!add && strcmp(f.action, "grant.revoke") && strcmp(f.action, "grant.reject"))
		return 0;
	if (f.ntargets < 2)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].uid == uid && !strcmp(l->v[i].fonds, f.targets[1])) {
			l->v[i].seq = add ? seq : 0;
			return 0;
		}
	if (!add)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		live_grant *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		l->v = nv;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n].uid = uid;
	if (strlen(f.targets[1]) >= sizeof(l->v[0].fonds))
		return 0;
	memcpy(l->v[l->n].fonds, f.targets[1], strlen(f.targets[1]) + 1);
	l->v[l->n].seq = seq;
	l->n++;
	return 0;
}

static int mark_live(void *arg, const cy_catalog_grant *g)
{
	live_grants *l = arg;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].uid == g->user_id && !strcmp(l->v[i].fonds, g->fonds_code))
			l->v[i].found = 1;
	return 0;
}

/* A grant the ledger has in force whose row is gone: the grantee lost the
 * fonds without a revocation (the mutation test's deleted grant row). */
static int check_live_grants(trust_check *t)
{
	live_grants l = {NULL, 0, 0};
	char msg[320];
	int rc = cy_catalog_adm_ledger_trust_each(t->v->cat, 0, collect_live, &l);

	rc = rc < 0 ? rc : cy_catalog_grant_each(t->v->cat, mark_live, &l);
	for (size_t i = 0; rc >= 0 && i < l.n; i++) {
		size_t j;
		if (!l.v[i].seq || l.v[i].found)
			continue;
		for (j = 0; j < t->nids && t->ids[j] != l.v[i].uid; j++)
			;
		if (j == t->nids)
			continue; /* the user row itself is gone: named above */
		snprintf(msg, sizeof(msg),
			 "ledger entry %llu granted fonds %s to user u%lld and nothing revoked it, "
			 "but the catalog has no such grant: the row was deleted behind the vault's "
			 "back (a secadmin's 'custody user grant' gives it again)",
			 (unsigned long long)l.v[i].seq, l.v[i].fonds, (long long)l.v[i].uid);
		say(t, msg);
	}
	free(l.v);
	return rc < 0 ? rc : 0;
}

int cy_vault__check_users_grants(cy_vault *v, cy_catalog_problem_fn problem, void *arg)
{
	trust_check t;
	char msg[256];
	int rc;

	memset(&t, 0, sizeof(t));
	t.v = v;
	t.problem = problem;
	t.arg = arg;
	rc = cy_catalog_adm_ledger_trust_each(v->cat, 0, collect_key_event, &t.k);
	rc = rc < 0 ? rc : cy_vault__revokes_load(v, 0, &t.r);
	rc = rc < 0 ? rc : cy_catalog_user_list(v->cat, check_user_row, &t);
	for (size_t i = 0; rc >= 0 && i < t.k.n; i++) {
		size_t j;
		if (!t.k.v[i].added)
			continue;
		for (j = 0; j < t.nids && t.ids[j] != t.k.v[i].uid; j++)
			;
		if (j < t.nids)
			continue;
		snprintf(msg, sizeof(msg),
			 "ledger entry %llu added user u%lld, but the catalog has no such user: the "
			 "row was deleted",
			 (unsigned long long)t.k.v[i].added, (long long)t.k.v[i].uid);
		problem(arg, msg);
	}
	rc = rc < 0 ? rc : cy_catalog_grant_each(v->cat, check_grant_row, &t);
	rc = rc < 0 ? rc : check_live_grants(&t);
	free(t.k.v);
	free(t.ids);
	cy_vault__revokes_free(t.r);
	return rc < 0 ? rc : 0;
}
