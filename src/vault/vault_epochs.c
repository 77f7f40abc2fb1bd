/* vault_epochs.c - fonds key epochs (docs/security/grants.md "Fonds key
 * epochs", docs/formats/keys.md "Fonds key epochs").
 *
 * When a grant of a fonds ends (grant.revoke, or user.reset of a user
 * granted it), the fonds' key moves on: the next key holder who opens the
 * vault makes a new random key, the key of a new epoch, and seals it to
 * every remaining key holder and to the recovery key.  New records,
 * subjects and data keys are sealed under the newest epoch; older ones stay
 * where they are.  A holder of epoch e opens every older epoch: each epoch
 * row carries the previous epoch's key sealed under its own (`prev`), so a
 * key slot holds one key however many epochs the fonds has.  The person
 * whose grant ended keeps what she could read, and nothing written after.
 *
 * A secadmin cannot make the new key (she holds no fonds key), and whoever
 * can write the catalog must not be able to plant an epoch whose key she
 * knows: each row is signed by the key holder who made it, over its
 * fonds.rekey ledger entry (seq and leaf hash), and is accepted only if the
 * ledger says the signer held the fonds with that key at that entry.  The
 * chain itself (prev opens to the previous epoch's key id) shows that the
 * maker knew the previous key.  The blind-index key stays that of epoch 0,
 * so that look-ups keep working across epochs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "catalog/catalog_epochs.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/merkle.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define PREV_LEN CY_EPOCH_PREV_LEN
#define MAX_EPOCHS 100000
#define BLIND_LABEL "custody blind index v1"
#define META_LABEL "custody record meta v1"

typedef struct erow {
	int64_t epoch;
	uint8_t key_id[8];
	uint8_t prev[PREV_LEN];
	uint8_t prev_hash[32], rslot_hash[32];
	uint8_t sig[64];
	uint64_t seq;
	int64_t signer, signer_serial;
	int shape_ok; /* every blob has its length */
} erow;

typedef struct erows {
	erow *v;
	size_t n, cap;
} erows;

static int collect(void *arg, const cy_catalog_epoch *e)
{
	erows *rs = arg;
	erow *r;

	if (rs->n == MAX_EPOCHS)
		return cy_error_set(CY_ECORRUPT, "fonds %lld has more than %d key epochs",
				    (long long)e->fonds_id, MAX_EPOCHS);
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 8;
		erow *nv = realloc(rs->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		rs->v = nv;
		rs->cap = cap;
	}
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	r->epoch = e->epoch;
	r->seq = e->seq;
	r->signer = e->signer;
	r->signer_serial = e->signer_serial;
	r->shape_ok = e->key_id_len == 8 && e->prev_len == PREV_LEN && e->sig_len == 64 &&
		      e->rslot_len > 0;
	if (r->shape_ok) {
		memcpy(r->key_id, e->key_id, 8);
		memcpy(r->prev, e->prev, PREV_LEN);
		memcpy(r->sig, e->sig, 64);
		cy_sha256(e->prev, e->prev_len, r->prev_hash);
		cy_sha256(e->rslot, e->rslot_len, r->rslot_hash);
	}
	return 0;
}

/* The epoch rows of one fonds, checked to be epochs 1..n in order. */
static int rows_load(cy_vault *v, int64_t fonds_id, const char *code, erows *rs)
{
	int rc = cy_catalog_epoch_each(v->cat, fonds_id, collect, rs);

	if (rc)
		return rc;
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].epoch != (int64_t)i + 1 || !rs->v[i].shape_ok)
			return cy_error_set(CY_ECORRUPT,
					    "the key epochs of fonds '%s' in the catalog are not "
					    "1 to %zu in order, or a row is damaged: the catalog "
					    "was edited (run custody check)",
					    code, rs->n);
	return 0;
}

static int prev_aad(const char *vault_id, const char *code, int64_t epoch, cy_buf *out)
{
	cy_buf_clear(out);
	return cy_buf_printf(out, "custody/fonds-epoch-prev/v1%c%s%c%s%c%lld", 0, vault_id, 0, code,
			     0, (long long)epoch);
}

int cy_vault__epoch_msg(const char *vault_id, const char *code, int64_t epoch, uint64_t seq,
			const uint8_t key_id[8], const uint8_t prev_hash[32],
			const uint8_t rslot_hash[32], const uint8_t leaf[32], cy_buf *out)
{
	cy_buf_clear(out);
	cy_buf_printf(out, "custody/fonds-epoch/v1%c%s%c%s%c%lld%c%llu%c", 0, vault_id, 0, code, 0,
		      (long long)epoch, 0, (unsigned long long)seq, 0);
	cy_buf_put(out, key_id, 8);
	cy_buf_put(out, prev_hash, 32);
	cy_buf_put(out, rslot_hash, 32);
	return cy_buf_put(out, leaf, 32); /* sticky: fails if any did */
}

static int sig_msg(const char *vault_id, const char *code, const erow *e, const uint8_t leaf[32],
		   cy_buf *out)
{
	return cy_vault__epoch_msg(vault_id, code, e->epoch, e->seq, e->key_id, e->prev_hash,
				   e->rslot_hash, leaf, out);
}

int cy_vault__epoch_prev_seal(const char *vault_id, const char *code, int64_t epoch,
			      const uint8_t key[32], const uint8_t nonce[12],
			      const uint8_t prev_key[32], uint8_t out[CY_EPOCH_PREV_LEN])
{
	cy_buf aad = CY_BUF_INIT;
	cy_aead *a = NULL;
	int rc = prev_aad(vault_id, code, epoch, &aad);

	memcpy(out, nonce, 12);
	rc = rc ? rc : cy_aead_new(&a, key);
	rc = rc ? rc : cy_aead_seal(a, nonce, aad.ptr, aad.len, prev_key, 32, out + 12);
	cy_aead_free(a);
	cy_buf_release(&aad);
	return rc;
}

/* K_{e-1} from K_e and the row of epoch e. */
static int open_prev(const char *vault_id, const char *code, const erow *e, const uint8_t key[32],
		     uint8_t prev[32])
{
	cy_buf aad = CY_BUF_INIT;
	cy_aead *a = NULL;
	int rc = prev_aad(vault_id, code, e->epoch, &aad);

	rc = rc ? rc : cy_aead_new(&a, key);
	if (!rc && cy_aead_open(a, e->prev, aad.ptr, aad.len, e->prev + 12, PREV_LEN - 12, prev))
		rc = cy_error_set(CY_ECORRUPT,
				  "key epoch %lld of fonds '%s' does not open the epoch before it: "
				  "the catalog was edited (run custody check)",
				  (long long)e->epoch, code);
	cy_aead_free(a);
	cy_buf_release(&aad);
	return rc;
}

/* 0 if row e is what the key holder it names made: its fonds.rekey entry
 * (at e->seq, leaf as stored) names this fonds, epoch, key id and signer;
 * the signer's certificate of that serial is valid and of a content role;
 * the signature holds; the ledger says the signer held the fonds then.
 * CY_ECORRUPT with the reason otherwise. */
static int row_verify(cy_vault *v, const char *code, const erow *e, const cy_trust_revokes *r)
{
	cy_buf entry = CY_BUF_INIT, msg = CY_BUF_INIT;
	cy_catalog_cert cert;
	cy_entry_fields f;
	uint8_t stored[32], leaf[32];
	char kid[17], actor[24];
	cy_catalog_adm_user u;
	cy_role role;
	const char *why = NULL;
	int rc;

	memset(&cert, 0, sizeof(cert));
	cy_hex_encode(e->key_id, 8, kid);
	snprintf(actor, sizeof(actor), "u%lld", (long long)e->signer);
	rc = cy_catalog_adm_ledger_get(v->cat, e->seq, &entry, stored);
	if (rc == CY_ENOMEM)
		goto out;
	if (!rc)
		cy_merkle_leaf_hash(entry.ptr, entry.len, leaf);
	if (rc || !cy_memeq(leaf, stored, 32) ||
	    cy_vault__entry_fields((const char *)entry.ptr, entry.len, &f) ||
	    strcmp(f.action, "fonds.rekey") || f.ntargets < 1 || strcmp(f.targets[0], code) ||
	    !f.has_serial || f.serial != e->epoch || strcmp(f.key, kid) || strcmp(f.actor, actor)) {
		why = N_("its fonds.rekey entry in the ledger is missing or says otherwise");
		goto bad;
	}
	/* the signer's name, for her certificate's message */
	memset(&u, 0, sizeof(u));
	rc = cy_catalog_adm_user_get_id(v->cat, e->signer, &u);
	if (rc == CY_ENOMEM)
		goto out;
	if (!rc)
		rc = cy_catalog_user_cert_get(v->cat, e->signer, e->signer_serial, &cert);
	if (rc == CY_ENOMEM)
		goto out;
	if (rc || cy_role_parse(cert.role, &role) || !cy_role_holds_content(role) ||
	    cy_vault__verify_cert(v, e->signer, u.name, cert.role, cert.pub, cert.upub,
				  e->signer_serial, cert.cert.ptr, cert.cert.len)) {
		why = N_("its signer has no valid certificate of a role that holds fonds keys");
		goto bad;
	}
	if ((rc = sig_msg(v->vault_id, code, e, leaf, &msg)))
		goto out;
	if (cy_ed25519_verify(cert.upub, msg.ptr, msg.len, e->sig)) {
		why = N_("its signature does not verify");
		goto bad;
	}
	if (!cy_vault__held_at(r, e->signer, code, e->signer_serial, e->seq)) {
		why = N_("its signer did not hold the fonds when it was made (a grant ended, or "
			 "the key was replaced, before)");
		goto bad;
	}
	rc = 0;
	goto out;
bad:
	rc = cy_error_set(CY_ECORRUPT,
			  "key epoch %lld of fonds '%s' (ledger entry %llu, signed by u%lld) is "
			  "not trusted: %s: the catalog was edited (run custody check)",
			  (long long)e->epoch, code, (unsigned long long)e->seq,
			  (long long)e->signer, CY_TR(why));
out:
	cy_catalog_cert_release(&cert);
	cy_buf_release(&entry);
	cy_buf_release(&msg);
	return rc;
}

/* Fill epoch slot e of ek from its raw key. */
static int epoch_fill(uint8_t *ek, int64_t e, const uint8_t key[32])
{
	uint8_t *p = ek + (size_t)e * CY_EPOCH_LEN;

	memcpy(p, key, 32);
	if (cy_vault__subkey(key, META_LABEL, p + 32) ||
	    cy_vault__subkey(key, CY_WRAP_LABEL, p + 64))
		return cy_error_set(CY_ECRYPTO, "key derivation failed");
	return 0;
}

/* Make epoch `held` (0..n) with its keys in ek the one k writes with. */
static int epoch_adopt(cy_fonds_key *k, uint8_t *ek, int64_t held, int64_t n, uint64_t seq)
{
	cy_secure_free(k->ekeys, (size_t)(k->epoch + 1) * CY_EPOCH_LEN);
	k->ekeys = ek;
	k->epoch = (int)held;
	k->stale = n > held;
	k->epoch_seq = seq;
	memcpy(k->key, CY_EPOCH_RAW(k, held), 32);
	memcpy(k->key + 32, CY_EPOCH_META(k, held), 32);
	memcpy(k->key + 96, CY_EPOCH_WRAP(k, held), 32);
	cy_vault__key_id(CY_EPOCH_RAW(k, 0), k->key_id);
	return cy_vault__subkey(CY_EPOCH_RAW(k, 0), BLIND_LABEL, k->key + 64) ? CY_ECRYPTO : 0;
}

int cy_vault__epochs_load(cy_vault *v, cy_fonds_key *k, const cy_trust_revokes *r)
{
	cy_catalog_fonds f;
	erows rs = {NULL, 0, 0};
	uint8_t id[8], *ek = NULL, *key = cy_secure_alloc(32);
	int64_t held = -1;
	int rc;

	memset(&f, 0, sizeof(f));
	if (!key)
		return CY_ENOMEM;
	memcpy(key, k->key, 32);
	cy_vault__key_id(key, id);
	if ((rc = cy_catalog_fonds_get(v->cat, k->code, &f)) ||
	    (rc = rows_load(v, k->fonds_id, k->code, &rs)))
		goto out;
	if (f.key_id.len == 8 && cy_memeq(id, f.key_id.ptr, 8))
		held = 0;
	for (size_t i = 0; held < 0 && i < rs.n; i++)
		if (cy_memeq(id, rs.v[i].key_id, 8))
			held = rs.v[i].epoch;
	if (held < 0) {
		rc = cy_error_set(CY_ECORRUPT,
				  "the key slot of fonds '%s' for user '%s' holds a key that is "
				  "none of the fonds' key epochs: the catalog was edited (run "
				  "custody check)",
				  k->code, v->user);
		goto out;
	}
	if (rs.n == 0) /* epoch 0 alone: as cy_vault__keep_key left it */
		goto out;
	/* every row, held or not, must be what a key holder made */
	for (size_t i = 0; i < rs.n; i++)
		if ((rc = row_verify(v, k->code, &rs.v[i], r)))
			goto out;
	if (!(ek = cy_secure_alloc((size_t)(held + 1) * CY_EPOCH_LEN))) {
		rc = CY_ENOMEM;
		goto out;
	}
	/* down the chain: each epoch opens the one before, whose key id the
	 * catalog (epoch 0: the fonds row) names */
	for (int64_t e = held; e >= 0; e--) {
		if ((rc = epoch_fill(ek, e, key)))
			goto out;
		if (e == 0)
			break;
		if ((rc = open_prev(v->vault_id, k->code, &rs.v[e - 1], key, key)))
			goto out;
		cy_vault__key_id(key, id);
		if (!cy_memeq(id, e == 1 ? f.key_id.ptr : rs.v[e - 2].key_id, 8)) {
			rc = cy_error_set(CY_ECORRUPT,
					  "key epoch %lld of fonds '%s' opens a key that is not "
					  "epoch %lld's: the catalog was edited (run custody check)",
					  (long long)e, k->code, (long long)e - 1);
			goto out;
		}
	}
	rc = epoch_adopt(k, ek, held, (int64_t)rs.n, held ? rs.v[held - 1].seq : 0);
	ek = NULL;
out:
	if (ek)
		cy_secure_free(ek, (size_t)(held + 1) * CY_EPOCH_LEN);
	cy_secure_free(key, 32);
	cy_catalog_fonds_release(&f);
	free(rs.v);
	return rc;
}

int cy_vault__epoch_writable(cy_vault *v, const cy_fonds_key *k)
{
	if (!k->stale)
		return 0;
	return cy_error_set(CY_EPERM,
			    "fonds '%s' moved to a new key epoch that is not sealed to user '%s': "
			    "the user can read its records but not add or change any; ask "
			    "a security administrator to revoke and grant the fonds again",
			    k->code, v->user);
}

/* ---- a new epoch ---- */

typedef struct holder {
	int64_t uid;
	uint8_t pub[32];
} holder;

typedef struct holders {
	cy_vault *v;
	const cy_trust_revokes *r;
	int64_t fonds_id;
	holder *h;
	size_t n;
} holders;

/* Active grants of the fonds, other than the caller's, whose grantee is a
 * certified content role the ledger backs: those who receive the new key. */
static int holder_fn(void *arg, const cy_catalog_grant *g)
{
	holders *hs = arg;
	cy_role role;
	holder *nh;

	if (g->fonds_id != hs->fonds_id || !g->active || g->user_id == hs->v->user_id ||
	    g->user_pub.len != 32)
		return 0;
	if (cy_role_parse(g->user_role, &role) || !cy_role_holds_content(role) ||
	    cy_vault__verify_cert(hs->v, g->user_id, g->user_name, g->user_role, g->user_pub.ptr,
				  g->user_upub.len == 32 ? g->user_upub.ptr : NULL, g->user_serial,
				  g->user_cert.ptr, g->user_cert.len) ||
	    cy_vault__grant_verify(hs->v, hs->r, g, g->user_name)) {
		cy_error_clear();
		return 0; /* check names it; it gets no new key */
	}
	if (!(nh = realloc(hs->h, sizeof(*nh) * (hs->n + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	hs->h = nh;
	nh[hs->n].uid = g->user_id;
	memcpy(nh[hs->n].pub, g->user_pub.ptr, 32);
	hs->n++;
	return 0;
}

/* Inside the caller's transaction: epoch k->epoch + 1 of k's fonds. */
static int rotate_one(cy_vault *v, cy_fonds_key *k, const cy_trust_revokes *r, uint64_t after)
{
	cy_buf ctx = CY_BUF_INIT, rslot = CY_BUF_INIT, msg = CY_BUF_INIT;
	cy_buf entry = CY_BUF_INIT;
	holders hs = {v, r, k->fonds_id, NULL, 0};
	uint8_t *key = cy_secure_alloc(32), *ek = NULL, leaf[32], nonce[12];
	erow e;
	cy_ledger_entry le;
	cy_catalog_epoch row;
	char kid[17], now[21];
	int64_t next = (int64_t)k->epoch + 1;
	int rc;

	memset(&e, 0, sizeof(e));
	if (!key)
		return CY_ENOMEM;
	e.epoch = next;
	rc = cy_random(key, 32);
	rc = rc ? rc : cy_random(nonce, 12);
	if (rc)
		goto out;
	cy_vault__key_id(key, e.key_id);
	cy_hex_encode(e.key_id, 8, kid);
	/* the previous epoch's key under the new one; the new one to the
	 * recovery key the user's own slot vouches for */
	rc = cy_vault__epoch_prev_seal(v->vault_id, k->code, next, key, nonce, k->key, e.prev);
	rc = rc ? rc : cy_vault__ctx_fonds(v->vault_id, k->code, &ctx);
	rc = rc ? rc : cy_seal(v->recovery_pub, cy_buf_cstr(&ctx), key, 32, &rslot);
	if (rc)
		goto out;
	cy_sha256(e.prev, PREV_LEN, e.prev_hash);
	cy_sha256(rslot.ptr, rslot.len, e.rslot_hash);
	memset(&le, 0, sizeof(le));
	le.action = "fonds.rekey";
	le.targets[0] = k->code;
	le.ntargets = 1;
	le.details[le.ndetails++] = (cy_ledger_detail){"serial", NULL, next};
	le.details[le.ndetails++] = (cy_ledger_detail){"key", kid, 0};
	le.details[le.ndetails++] = (cy_ledger_detail){"after", NULL, (int64_t)after};
	rc = cy_vault__log(v, &le);
	rc = rc ? rc : cy_catalog_adm_ledger_get(v->cat, le.seq, &entry, leaf);
	if (rc)
		goto out;
	e.seq = le.seq;
	e.signer = v->user_id;
	e.signer_serial = v->serial;
	rc = sig_msg(v->vault_id, k->code, &e, leaf, &msg);
	rc = rc ? rc : cy_vault__user_sign(v, msg.ptr, msg.len, e.sig);
	if (rc)
		goto out;
	cy_vault__now(now);
	memset(&row, 0, sizeof(row));
	row.fonds_id = k->fonds_id;
	row.epoch = next;
	row.key_id = e.key_id;
	row.key_id_len = 8;
	row.prev = e.prev;
	row.prev_len = PREV_LEN;
	row.rslot = rslot.ptr;
	row.rslot_len = rslot.len;
	row.seq = e.seq;
	row.signer = e.signer;
	row.signer_serial = e.signer_serial;
	row.sig = e.sig;
	row.sig_len = 64;
	row.created = now;
	if ((rc = cy_catalog_epoch_insert(v->cat, &row)))
		goto out;
	/* the new epoch joins the held ones */
	if (!(ek = cy_secure_alloc((size_t)(next + 1) * CY_EPOCH_LEN))) {
		rc = CY_ENOMEM;
		goto out;
	}
	memcpy(ek, k->ekeys, (size_t)next * CY_EPOCH_LEN);
	rc = epoch_fill(ek, next, key);
	if (rc)
		goto out;
	rc = epoch_adopt(k, ek, next, next, e.seq);
	ek = NULL;
	/* sealed to every remaining key holder, the caller included */
	rc = rc ? rc : cy_catalog_grant_each(v->cat, holder_fn, &hs);
	rc = rc < 0 ? rc : cy_vault__store_slot(v, v->user_id, k, v->pub);
	for (size_t i = 0; !rc && i < hs.n; i++)
		rc = cy_vault__store_slot(v, hs.h[i].uid, k, hs.h[i].pub);
out:
	if (ek)
		cy_secure_free(ek, (size_t)(next + 1) * CY_EPOCH_LEN);
	cy_secure_free(key, 32);
	cy_buf_release(&ctx);
	cy_buf_release(&rslot);
	cy_buf_release(&msg);
	cy_buf_release(&entry);
	free(hs.h);
	return rc;
}

int cy_vault__epochs_rotate(cy_vault *v, const cy_trust_revokes *r)
{
	uint64_t *after = NULL;
	int due = 0, rc = 0;

	/* a key upgraded from schema 2 and not yet certified cannot sign an
	 * epoch row that others can verify: the next certified holder does */
	if (!cy_role_holds_content(v->role) || !v->nkeys || v->serial <= 0 || !r)
		return 0;
	if (!(after = calloc((size_t)v->nkeys, sizeof(*after)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < v->nkeys; i++) {
		cy_fonds_key *k = &v->keys[i];
		if (!k->stale && cy_vault__revokes_since(r, k->code, k->epoch_seq, &after[i]))
			due++;
	}
	if (!due)
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	for (int i = 0; !rc && i < v->nkeys; i++)
		if (after[i])
			rc = rotate_one(v, &v->keys[i], r, after[i]);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		/* the keys in memory may have moved on: not usable after a failure */
	}
out:
	free(after);
	return rc;
}

/* ---- check ---- */

typedef struct fonds_list {
	struct {
		int64_t id;
		char code[8];
	} * v;
	size_t n;
} fonds_list;

static int list_fn(void *arg, const cy_catalog_fonds *f)
{
	fonds_list *fl = arg;
	void *nv = realloc(fl->v, sizeof(*fl->v) * (fl->n + 1));

	if (!nv)
		return cy_error_set(CY_ENOMEM, "out of memory");
	fl->v = nv;
	fl->v[fl->n].id = f->id;
	snprintf(fl->v[fl->n].code, sizeof(fl->v[fl->n].code), "%s", f->code);
	fl->n++;
	return 0;
}

int cy_vault__epochs_check(cy_vault *v, cy_catalog_problem_fn problem, void *arg, uint64_t *n)
{
	cy_trust_revokes *r = NULL;
	fonds_list fl = {NULL, 0};
	int rc;

	*n = 0;
	rc = cy_vault__revokes_load(v, 0, &r);
	rc = rc ? rc : cy_catalog_fonds_list(v->cat, list_fn, &fl);
	for (size_t i = 0; rc >= 0 && i < fl.n; i++) {
		erows rs = {NULL, 0, 0};
		rc = rows_load(v, fl.v[i].id, fl.v[i].code, &rs);
		if (rc == CY_ECORRUPT) {
			problem(arg, cy_error_message());
			cy_error_clear();
			rc = 0;
		}
		for (size_t j = 0; rc >= 0 && j < rs.n; j++) {
			(*n)++;
			if (!rs.v[j].shape_ok)
				continue;
			rc = row_verify(v, fl.v[i].code, &rs.v[j], r);
			if (rc == CY_ECORRUPT) {
				problem(arg, cy_error_message());
				cy_error_clear();
				rc = 0;
			}
		}
		free(rs.v);
	}
	free(fl.v);
	cy_vault__revokes_free(r);
	return rc < 0 ? rc : 0;
}

/* ---- recovery ---- */

typedef struct newest_ctx {
	cy_buf *rslot;
	uint8_t *key_id;
	int64_t epoch;
} newest_ctx;

static int newest_fn(void *arg, const cy_catalog_epoch *e)
{
	newest_ctx *nc = arg;

	if (e->epoch <= nc->epoch || e->key_id_len != 8)
		return 0;
	nc->epoch = e->epoch;
	memcpy(nc->key_id, e->key_id, 8);
	cy_buf_clear(nc->rslot);
	return cy_buf_put(nc->rslot, e->rslot, e->rslot_len);
}

int cy_vault__epoch_recovery(cy_vault *v, const cy_catalog_fonds *f, cy_buf *rslot,
			     uint8_t key_id[8], int64_t *epoch)
{
	newest_ctx nc = {rslot, key_id, 0};
	int rc;

	cy_buf_clear(rslot);
	if (f->key_id.len != 8)
		return cy_error_set(CY_ECORRUPT, "fonds '%s' has no key id", f->code);
	memcpy(key_id, f->key_id.ptr, 8);
	rc = cy_buf_put(rslot, f->recovery_slot.ptr, f->recovery_slot.len);
	rc = rc ? rc : cy_catalog_epoch_each(v->cat, f->id, newest_fn, &nc);
	*epoch = nc.epoch;
	return rc;
}
