/* vault.c - create, unlock and close a vault; transactions with their ledger
 * entries and signed checkpoints; roles and key bookkeeping.
 *
 * Key hierarchy (docs/formats/keys.md): each user's X25519 private key and
 * own Ed25519 key (which signs the heads of the user's transactions) are
 * sealed under the user's password; the ledger's Ed25519 checkpoint key is
 * sealed to auditors and secadmins only (docs/formats/ledger.md); each fonds key is sealed to each content user granted
 * that fonds and to the recovery key.  Administrative roles never receive a
 * fonds key, so they cannot read records whatever the code above does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "vault/vault_internal.h"
#include "vault/vault_ledger_sig.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

static const char *ROLE_NAMES[CY_ROLE_COUNT] = {"sysadmin", "secadmin", "auditor", "archivist",
						"viewer"};

const char *cy_role_name(cy_role r)
{
	return r < CY_ROLE_COUNT ? ROLE_NAMES[r] : "?";
}

int cy_role_parse(const char *s, cy_role *out)
{
	for (int i = 0; i < CY_ROLE_COUNT; i++) {
		if (!strcmp(s, ROLE_NAMES[i])) {
			*out = (cy_role)i;
			return 0;
		}
	}
	return cy_error_set(CY_EINVALID,
			    "unknown role '%s' (roles: sysadmin secadmin auditor archivist viewer)",
			    s);
}

bool cy_role_holds_content(cy_role r)
{
	return r == CY_ROLE_ARCHIVIST || r == CY_ROLE_VIEWER;
}

void cy_vault__now(char out[21])
{
	cy_time_format((int64_t)time(NULL), out);
}

int cy_vault__ctx_user(const cy_vault *v, const char *vault_id, const char *user, cy_buf *out)
{
	(void)v;
	cy_buf_clear(out);
	return cy_buf_printf(out, "custody/user-key/v1/%s/%s", vault_id, user);
}

/* The context of a version-2 key slot (private keys and settings). */
static int ctx_user2(const char *vault_id, const char *user, cy_buf *out)
{
	cy_buf_clear(out);
	return cy_buf_printf(out, "custody/user-key/v2/%s/%s", vault_id, user);
}

void cy_vault__settings_encode(const cy_vault_settings *s, uint8_t out[CY_SETTINGS_LEN])
{
	out[0] = 1;
	memcpy(out + 1, s->vault_id, 16);
	memcpy(out + 17, s->admin_pub, 32);
	memcpy(out + 49, s->ledger_pub, 32);
	memcpy(out + 81, s->recovery_pub, 32);
	out[113] = s->kdf_min;
}

int cy_vault__settings_decode(const uint8_t in[CY_SETTINGS_LEN], cy_vault_settings *s)
{
	if (in[0] != 1)
		return cy_error_set(CY_ECORRUPT, "unknown version %u of the vault settings", in[0]);
	memcpy(s->vault_id, in + 1, 16);
	memcpy(s->admin_pub, in + 17, 32);
	memcpy(s->ledger_pub, in + 49, 32);
	memcpy(s->recovery_pub, in + 81, 32);
	s->kdf_min = in[113];
	return 0;
}

void cy_vault__settings(const cy_vault *v, cy_vault_settings *s)
{
	memset(s, 0, sizeof(*s));
	cy_hex_decode(v->vault_id, 32, s->vault_id, 16);
	memcpy(s->admin_pub, v->admin_pub, 32);
	memcpy(s->ledger_pub, v->ledger_pub, 32);
	memcpy(s->recovery_pub, v->recovery_pub, 32);
	s->kdf_min = (uint8_t)v->kdf_log2n;
}

int cy_vault__user_sign(const cy_vault *v, const void *msg, size_t n, uint8_t sig[64])
{
	if (!v->useed)
		return cy_error_set(CY_EPERM, "user '%s' has no signing key", v->user);
	return cy_ed25519_sign(v->useed, msg, n, sig);
}

int cy_vault__ctx_fonds(const char *vault_id, const char *code, cy_buf *out)
{
	cy_buf_clear(out);
	return cy_buf_printf(out, "custody/fonds-key/v1/%s/%s", vault_id, code);
}

void cy_vault__key_id(const uint8_t fonds_key[32], uint8_t out[8])
{
	uint8_t h[32];

	cy_hmac_sha256(fonds_key, 32, "custody key id v1", 17, h);
	memcpy(out, h, 8);
}

int cy_vault__subkey(const uint8_t fonds_key[32], const char *label, uint8_t out[32])
{
	return cy_hkdf_sha256(fonds_key, 32, NULL, 0, label, strlen(label), out, 32);
}

static int valid_user_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return s[0] != '-' && s[0] != '.';
}

static int meta_put(cy_catalog *c, const char *key, const void *val, size_t n)
{
	return cy_catalog_meta_put(c, key, val, n);
}

static int meta_get(cy_catalog *c, const char *key, void *val, size_t n)
{
	cy_buf b = CY_BUF_INIT;
	int rc = cy_catalog_meta_get(c, key, &b);

	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ECORRUPT, "catalog has no '%s'", key);
	else if (!rc && b.len != n)
		rc = cy_error_set(CY_ECORRUPT, "catalog entry '%s' has the wrong size", key);
	else if (!rc)
		memcpy(val, b.ptr, n);
	cy_buf_release(&b);
	return rc;
}

static void vault_free(cy_vault *v)
{
	if (!v)
		return;
	cy_vault__text_close_all(v);
	cy_vault__recsig_seen_free(v);
	if (v->cat)
		cy_catalog_rollback(v->cat);
	cy_catalog_close(v->cat);
	cy_store_close(v->store);
	cy_secure_free(v->priv, 32);
	cy_secure_free(v->sign_seed, 32);
	cy_secure_free(v->admin_seed, 32);
	cy_secure_free(v->useed, 32);
	cy_secure_free(v->obj_key, 32);
	for (int i = 0; i < v->nkeys; i++) {
		cy_secure_free(v->keys[i].key, CY_FONDS_KEYS_LEN);
		cy_secure_free(v->keys[i].ekeys, (size_t)(v->keys[i].epoch + 1) * CY_EPOCH_LEN);
	}
	free(v->keys);
	free(v->dir);
	free(v);
}

void cy_vault_close(cy_vault *v)
{
	vault_free(v);
}

const char *cy_vault_user(const cy_vault *v)
{
	return v->user;
}

cy_role cy_vault_role(const cy_vault *v)
{
	return v->role;
}

const char *cy_vault_dir(const cy_vault *v)
{
	return v->dir;
}

const char *cy_vault_id(const cy_vault *v)
{
	return v->vault_id;
}

unsigned cy_vault_kdf_log2n(const cy_vault *v)
{
	return v->kdf_log2n;
}

int cy_vault__require(cy_vault *v, unsigned allowed, const char *what)
{
	if (allowed & CY_R(v->role))
		return 0;
	return cy_error_set(CY_EPERM, "user '%s' (%s) may not %s", v->user, cy_role_name(v->role),
			    CY_TR(what));
}

cy_fonds_key *cy_vault__fonds_key(cy_vault *v, const char *code)
{
	for (int i = 0; i < v->nkeys; i++)
		if (!strcmp(v->keys[i].code, code))
			return &v->keys[i];
	cy_vault__no_key_error(v, code);
	return NULL;
}

bool cy_vault__holds(const cy_vault *v, const char *code)
{
	for (int i = 0; i < v->nkeys; i++)
		if (!strcmp(v->keys[i].code, code))
			return true;
	return false;
}

cy_fonds_key *cy_vault__fonds_key_by_id(cy_vault *v, int64_t fonds_id)
{
	for (int i = 0; i < v->nkeys; i++)
		if (v->keys[i].fonds_id == fonds_id)
			return &v->keys[i];
	return NULL;
}

int cy_vault__keep_key(cy_vault *v, int64_t fonds_id, const char *code, const uint8_t key[32])
{
	cy_fonds_key *k;

	if (cy_vault__fonds_key_by_id(v, fonds_id))
		return 0;
	if (v->nkeys == CY_MAX_FONDS_KEYS)
		return cy_error_set(CY_EINVALID, "too many fonds");
	k = realloc(v->keys, sizeof(*k) * (size_t)(v->nkeys + 1));
	if (!k)
		return cy_error_set(CY_ENOMEM, "out of memory");
	v->keys = k;
	k = &v->keys[v->nkeys];
	memset(k, 0, sizeof(*k));
	if (!(k->key = cy_secure_alloc(CY_FONDS_KEYS_LEN)))
		return CY_ENOMEM;
	memcpy(k->key, key, 32);
	if (!(k->ekeys = cy_secure_alloc(CY_EPOCH_LEN))) {
		cy_secure_free(k->key, CY_FONDS_KEYS_LEN);
		return CY_ENOMEM;
	}
	if (cy_vault__subkey(key, "custody record meta v1", k->key + 32) ||
	    cy_vault__subkey(key, "custody blind index v1", k->key + 64) ||
	    cy_vault__subkey(key, CY_WRAP_LABEL, k->key + 96)) {
		cy_secure_free(k->key, CY_FONDS_KEYS_LEN);
		cy_secure_free(k->ekeys, CY_EPOCH_LEN);
		return CY_ECRYPTO;
	}
	/* epoch 0 until cy_vault__epochs_load says otherwise */
	memcpy(CY_EPOCH_RAW(k, 0), key, 32);
	memcpy(CY_EPOCH_META(k, 0), k->key + 32, 32);
	memcpy(CY_EPOCH_WRAP(k, 0), k->key + 96, 32);
	k->fonds_id = fonds_id;
	snprintf(k->code, sizeof(k->code), "%s", code);
	cy_vault__key_id(key, k->key_id);
	v->nkeys++;
	return 0;
}

/* ---- transactions and the ledger ---- */

int cy_vault__begin(cy_vault *v)
{
	cy_buf fr = CY_BUF_INIT;
	uint64_t size;
	int rc;

	if (v->in_tx)
		return cy_error_set(CY_EINVALID, "operation already in progress");
	if ((rc = cy_catalog_begin(v->cat)))
		return rc;
	/* the tree state under the writer's lock, so no other writer appends
	 * between this read and the commit (docs/internals/catalog.md) */
	rc = cy_catalog_ledger_state_lock(v->cat, &size, &fr);
	if (rc < 0) {
		cy_buf_release(&fr);
		cy_catalog_rollback(v->cat);
		return rc;
	}
	rc = cy_frontier_load(&v->fr, size, fr.ptr, fr.len);
	cy_buf_release(&fr);
	if (rc) {
		cy_catalog_rollback(v->cat);
		return rc;
	}
	v->in_tx = 1;
	v->tx_entries = 0;
	return 0;
}

void cy_vault__rollback(cy_vault *v)
{
	if (!v->in_tx)
		return;
	cy_catalog_rollback(v->cat);
	v->in_tx = 0;
}

int cy_vault__sign_checkpoint(cy_vault *v)
{
	cy_checkpoint cp;
	cy_buf body = CY_BUF_INIT, note = CY_BUF_INIT, name = CY_BUF_INIT;
	int rc;

	if (!v->sign_seed)
		return cy_error_set(CY_EPERM,
				    "user '%s' (%s) holds no ledger key: only an auditor or a "
				    "security administrator signs checkpoints",
				    v->user, cy_role_name(v->role));
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "custody/%s", v->vault_id);
	cp.size = v->fr.size;
	cy_frontier_root(&v->fr, cp.root);
	rc = cy_checkpoint_format(&cp, &body);
	rc = rc ? rc : cy_note_sign((char *)body.ptr, body.len, cp.origin, v->sign_seed, &note);
	rc = rc ? rc : cy_catalog_checkpoint_insert(v->cat, cp.size, cy_buf_cstr(&note));
	cy_buf_release(&body);
	cy_buf_release(&note);
	cy_buf_release(&name);
	return rc;
}

int cy_vault__commit(cy_vault *v)
{
	cy_buf fr = CY_BUF_INIT;
	int rc = 0;

	if (!v->in_tx)
		return cy_error_set(CY_EINVALID, "no operation in progress");
	if (v->tx_entries) {
		rc = cy_frontier_save(&v->fr, &fr);
		rc = rc ? rc : cy_catalog_ledger_state_update(v->cat, v->fr.size, fr.ptr, fr.len);
		/* the committer's signature of the head this transaction produced
		 * (every entry since the previous head is the committer's), and a
		 * checkpoint if the committer holds the ledger key */
		rc = rc ? rc : cy_vault__sign_head(v);
		rc = rc ? rc : v->sign_seed ? cy_vault__sign_checkpoint(v) : 0;
		cy_buf_release(&fr);
	}
	if (!rc)
		rc = cy_catalog_commit(v->cat);
	if (rc)
		cy_catalog_rollback(v->cat);
	v->in_tx = 0;
	return rc;
}

int cy_vault__log(cy_vault *v, cy_ledger_entry *e)
{
	cy_buf enc = CY_BUF_INIT;
	uint8_t leaf[32];
	int rc;

	if (!v->in_tx)
		return cy_error_set(CY_EINVALID, "ledger entry outside a transaction");
	e->seq = v->fr.size + 1;
	e->time = (int64_t)time(NULL);
	if (!e->actor)
		e->actor = v->actor;
	rc = cy_ledger_entry_encode(e, &enc);
	if (!rc) {
		cy_merkle_leaf_hash(enc.ptr, enc.len, leaf);
		rc = cy_catalog_ledger_append(v->cat, e->seq, enc.ptr, enc.len, leaf);
		if (rc >= 0) {
			rc = 0;
			cy_frontier_append(&v->fr, leaf);
			v->tx_entries++;
		}
	}
	cy_buf_release(&enc);
	return rc;
}

int cy_vault__log1(cy_vault *v, const char *action, const char *target)
{
	cy_ledger_entry e;

	memset(&e, 0, sizeof(e));
	e.action = action;
	if (target) {
		e.targets[0] = target;
		e.ntargets = 1;
	}
	return cy_vault__log(v, &e);
}

/* ---- init ---- */

static int write_marker(const char *dir, const char *vault_id)
{
	cy_buf path = CY_BUF_INIT, text = CY_BUF_INIT;
	int rc;

	cy_path_join(&path, dir, "CUSTODY-VAULT");
	cy_buf_printf(&text,
		      "This directory is a custody vault (档案托管库).\n"
		      "Do not edit or move files inside it; use the custody command.\n"
		      "format: 1\nid: %s\n",
		      vault_id);
	rc = cy_write_file_excl(cy_buf_cstr(&path), text.ptr, text.len, 0600);
	cy_buf_release(&path);
	cy_buf_release(&text);
	return rc;
}

int cy_vault__cert_msg(const char *vault_id, int64_t id, const char *name, const char *role,
		       const uint8_t pub[32], const uint8_t *upub, int64_t serial, cy_buf *out)
{
	cy_buf_clear(out);
	if (serial <= 0) {
		cy_buf_printf(out, "custody/user-cert/v1%c%s%c%lld%c%s%c%s%c", 0, vault_id, 0,
			      (long long)id, 0, name, 0, role, 0);
		return cy_buf_put(out, pub, 32); /* fails if the printf did: sticky */
	}
	if (!upub)
		return cy_error_set(CY_EINVALID, "a version-2 certificate needs a signing key");
	cy_buf_printf(out, "custody/user-cert/v2%c%s%c%lld%c%s%c%s%c%lld%c", 0, vault_id, 0,
		      (long long)id, 0, name, 0, role, 0, (long long)serial, 0);
	cy_buf_put(out, pub, 32);
	return cy_buf_put(out, upub, 32);
}

int cy_vault__verify_cert(const cy_vault *v, int64_t id, const char *name, const char *role,
			  const uint8_t pub[32], const uint8_t *upub, int64_t serial,
			  const void *cert, size_t certlen)
{
	cy_buf msg = CY_BUF_INIT;
	int rc;

	if (certlen != 64 || (serial > 0 && !upub))
		return CY_ECORRUPT;
	if ((rc = cy_vault__cert_msg(v->vault_id, id, name, role, pub, upub, serial, &msg))) {
		cy_buf_release(&msg);
		return rc;
	}
	rc = cy_ed25519_verify(v->admin_pub, msg.ptr, msg.len, cert);
	cy_buf_release(&msg);
	/* or a key roll-over from the previous certificate (a password change;
	 * vault_trust_users.c), until a secadmin certifies the new keys */
	if (rc && serial > 1)
		return cy_vault__verify_rollover(v, id, name, role, pub, upub, serial, cert,
						 certlen);
	return rc ? CY_ECORRUPT : 0;
}

void cy_vault__user_keys_release(user_keys *k)
{
	cy_secure_free(k->useed, 32);
	k->useed = NULL;
	cy_buf_release(&k->slot);
	cy_buf_release(&k->sign_slot);
	cy_buf_release(&k->admin_slot);
}

int cy_vault__user_keys(const char *vault_id, const char *name, cy_role role, const char *pw,
			size_t pwlen, unsigned log2n, const user_secrets *us, user_keys *k)
{
	uint8_t *priv = cy_secure_alloc(CY_SLOT2_LEN), *both = cy_secure_alloc(64);
	cy_buf ctx = CY_BUF_INIT;
	int rc;

	memset(k, 0, sizeof(*k));
	if (!priv || !both) {
		rc = CY_ENOMEM;
		goto out;
	}
	rc = ctx_user2(vault_id, name, &ctx);
	/* the checkpoint (ledger) key: auditors and secadmins only */
	if (cy_vault__role_signs_checkpoints(role) && !us->sign_seed)
		rc = rc ? rc
			: cy_error_set(CY_EPERM,
				       "the ledger key is not held here: only an auditor or a "
				       "security administrator can give it to a new %s",
				       cy_role_name(role));
	if (us->sign_seed)
		memcpy(both, us->sign_seed, 32);
	memcpy(both + 32, us->admin_pub, 32);
	rc = rc ? rc : cy_x25519_keygen(priv, k->pub);
	rc = rc ? rc : cy_ed25519_keygen(priv + 32, k->upub);
	if (!rc && !(k->useed = cy_secure_alloc(32)))
		rc = CY_ENOMEM;
	if (!rc) {
		memcpy(k->useed, priv + 32, 32);
		cy_vault__settings_encode(us->settings, priv + 64);
	}
	rc = rc ? rc : cy_pwseal(pw, pwlen, log2n, cy_buf_cstr(&ctx), priv, CY_SLOT2_LEN, &k->slot);
	if (!rc && cy_vault__role_signs_checkpoints(role))
		rc = cy_seal(k->pub, CY_CTX_LEDGER_KEY, both, 64, &k->sign_slot);
	if (!rc && role == CY_ROLE_SECADMIN)
		rc = cy_seal(k->pub, CY_CTX_ADMIN_KEY, us->admin_seed, 32, &k->admin_slot);
	if (!rc) {
		/* the certificate needs the user id: it is signed when the keys are stored */
		k->role = role;
	}
out:
	if (rc)
		cy_vault__user_keys_release(k);
	cy_secure_free(priv, CY_SLOT2_LEN);
	cy_secure_free(both, 64);
	cy_buf_release(&ctx);
	return rc;
}

int cy_vault__store_user_keys(cy_catalog *cat, const char *vault_id, int64_t id, const char *name,
			      const user_keys *k, const uint8_t admin_seed[32], int64_t serial)
{
	cy_buf msg = CY_BUF_INIT;
	uint8_t cert[64];
	char now[21];
	int rc;

	cy_vault__now(now);
	rc = cy_vault__cert_msg(vault_id, id, name, cy_role_name(k->role), k->pub, k->upub, serial,
				&msg);
	rc = rc ? rc : cy_ed25519_sign(admin_seed, msg.ptr, msg.len, cert);
	cy_buf_release(&msg);
	rc = rc ? rc
		: cy_catalog_user_set_keys(cat, id, k->pub, 32, &k->slot, &k->sign_slot,
					   &k->admin_slot, cert, 64);
	rc = rc ? rc
		: cy_catalog_user_certify(cat, id, serial, cy_role_name(k->role), k->pub, k->upub,
					  cert, 64, now);
	return rc;
}

int cy_vault__insert_user(cy_vault *v, cy_catalog *cat, const char *vault_id, const char *name,
			  cy_role role, const char *pw, size_t pwlen, unsigned log2n,
			  const user_secrets *us, int64_t *id_out, uint8_t *useed_out)
{
	user_keys k;
	char now[21];
	int64_t id;
	int rc;

	(void)v;
	if (!valid_user_name(name))
		return cy_error_set(CY_EINVALID,
				    "user name '%s' is not valid: use 1-32 of a-z 0-9 . _ - "
				    "(not starting with . or -)",
				    name);
	if ((rc = cy_vault__user_keys(vault_id, name, role, pw, pwlen, log2n, us, &k)))
		return rc;
	cy_vault__now(now);
	rc = cy_catalog_user_insert(cat, name, cy_role_name(role), now, &id);
	if (rc == CY_EEXISTS)
		rc = cy_error_set(CY_EEXISTS, "user '%s' already exists", name);
	if (rc >= 0) {
		rc = cy_vault__store_user_keys(cat, vault_id, id, name, &k, us->admin_seed, 1);
		if (!rc)
			*id_out = id;
		if (!rc && useed_out)
			memcpy(useed_out, k.useed, 32);
	}
	cy_vault__user_keys_release(&k);
	return rc;
}

int cy_vault_init(const char *dir, const char *user, const char *pw, size_t pwlen,
		  unsigned kdf_log2n, cy_buf *recovery_out)
{
	cy_vault *v = NULL;
	uint8_t *seed = NULL, *rpriv = NULL, *aseed = NULL, *useed = NULL;
	uint8_t id[16], lpub[32], rpub[32], apub[32];
	char now[21], log2[12];
	int64_t uid;
	int rc, created_dir = 0;
	struct stat st;

	if (!valid_user_name(user))
		return cy_error_set(CY_EINVALID,
				    "user name '%s' is not valid: use 1-32 of a-z 0-9 . _ - "
				    "(not starting with . or -)",
				    user);
	if (pwlen < 8)
		return cy_error_set(CY_EINVALID, "password too short: use at least 8 characters");
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return cy_error_set(CY_EEXISTS, "%s exists and is not a directory", dir);
		if (!cy_dir_is_empty(dir))
			return cy_error_set(
				CY_EEXISTS,
				"%s is not empty: a vault is created in a new or empty directory",
				dir);
		/* password slots and packs must not be readable by other accounts */
		if (st.st_uid != geteuid())
			return cy_error_set(CY_EPERM,
					    "%s belongs to another user: a vault's directory must "
					    "belong to the user who creates the vault",
					    dir);
		if (st.st_mode & 077)
			return cy_error_set(
				CY_EPERM,
				"%s is open to group or others (mode %03o): run 'chmod 700 "
				"%s' first, or pass --tighten",
				dir, (unsigned)(st.st_mode & 0777), dir);
	} else {
		if ((rc = cy_mkdir_p(dir, 0700)))
			return rc;
		created_dir = 1;
	}
	if (!(v = calloc(1, sizeof(*v))) || !(seed = cy_secure_alloc(32)) ||
	    !(rpriv = cy_secure_alloc(32)) || !(aseed = cy_secure_alloc(32)) ||
	    !(useed = cy_secure_alloc(32))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto fail;
	}
	v->dir = strdup(dir);
	v->role = CY_ROLE_SECADMIN;
	if ((rc = cy_random(id, 16)))
		goto fail;
	cy_hex_encode(id, 16, v->vault_id);
	rc = cy_ed25519_keygen(seed, lpub);
	rc = rc ? rc : cy_ed25519_keygen(aseed, apub);
	rc = rc ? rc : cy_x25519_keygen(rpriv, rpub);
	rc = rc ? rc : cy_store_open(&v->store, dir, 1);
	rc = rc ? rc : cy_catalog_open(&v->cat, dir, 1);
	if (rc)
		goto fail;
	cy_vault__now(now);
	snprintf(log2, sizeof(log2), "%u", kdf_log2n ? kdf_log2n : 15);
	rc = cy_catalog_begin(v->cat);
	rc = rc ? rc : meta_put(v->cat, "vault_id", v->vault_id, 32);
	rc = rc ? rc : meta_put(v->cat, "ledger_pub", lpub, 32);
	rc = rc ? rc : meta_put(v->cat, "recovery_pub", rpub, 32);
	rc = rc ? rc : meta_put(v->cat, "admin_pub", apub, 32);
	rc = rc ? rc : meta_put(v->cat, "created", now, strlen(now));
	rc = rc ? rc : meta_put(v->cat, "kdf_log2n", log2, strlen(log2));
	{
		cy_vault_settings set;
		memcpy(set.vault_id, id, 16);
		memcpy(set.admin_pub, apub, 32);
		memcpy(set.ledger_pub, lpub, 32);
		memcpy(set.recovery_pub, rpub, 32);
		set.kdf_min = (uint8_t)(kdf_log2n ? kdf_log2n : 15);
		user_secrets us = {seed, aseed, apub, &set};
		rc = rc ? rc
			: cy_vault__insert_user(v, v->cat, v->vault_id, user, CY_ROLE_SECADMIN, pw,
						pwlen, kdf_log2n, &us, &uid, useed);
	}
	rc = rc ? rc : cy_catalog_commit(v->cat);
	if (rc)
		goto fail;
	/* the first ledger entries: the vault and its first user */
	v->user_id = uid;
	snprintf(v->user, sizeof(v->user), "%s", user);
	snprintf(v->actor, sizeof(v->actor), "u%lld", (long long)uid);
	v->sign_seed = seed;
	seed = NULL;
	v->useed = useed;
	useed = NULL;
	cy_ed25519_public(v->useed, v->upub);
	v->serial = 1;
	rc = cy_vault__begin(v);
	if (!rc) {
		cy_ledger_entry e;
		memset(&e, 0, sizeof(e));
		e.action = "vault.init";
		e.targets[0] = v->vault_id;
		e.ntargets = 1;
		e.details[0] = (cy_ledger_detail){"format", NULL, 1};
		e.ndetails = 1;
		rc = cy_vault__log(v, &e);
		memset(&e, 0, sizeof(e));
		char hex[65];
		cy_hex_encode(v->upub, 32, hex);
		e.action = "user.add";
		e.targets[0] = v->actor;
		e.ntargets = 1;
		e.details[0] = (cy_ledger_detail){"role", "secadmin", 0};
		e.details[1] = (cy_ledger_detail){"serial", NULL, 1};
		e.details[2] = (cy_ledger_detail){"upub", hex, 0};
		e.ndetails = 3;
		rc = rc ? rc : cy_vault__log(v, &e);
		rc = rc ? rc : cy_vault__commit(v);
		if (rc)
			cy_vault__rollback(v);
	}
	rc = rc ? rc : write_marker(dir, v->vault_id);
	if (rc)
		goto fail;
	char hex[65];
	cy_hex_encode(rpriv, 32, hex);
	cy_buf_printf(recovery_out, "CUSTODY-RECOVERY-1-%s", hex);
	cy_wipe(hex, sizeof(hex));
	cy_secure_free(rpriv, 32);
	cy_secure_free(aseed, 32);
	vault_free(v);
	return 0;
fail:
	cy_secure_free(seed, 32);
	cy_secure_free(useed, 32);
	cy_secure_free(rpriv, 32);
	cy_secure_free(aseed, 32);
	vault_free(v);
	if (created_dir || cy_dir_is_empty(dir) == 0) {
		/* remove what we created: the directory was new or empty before */
		cy_buf p = CY_BUF_INIT;
		const char *names[] = {"catalog.db",	"catalog.db-wal", "catalog.db-shm",
				       "CUSTODY-VAULT", "objects/tmp",	  "objects"};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			cy_path_join(&p, dir, names[i]);
			if (unlink(cy_buf_cstr(&p)) < 0)
				rmdir(cy_buf_cstr(&p));
		}
		if (created_dir)
			rmdir(dir);
		cy_buf_release(&p);
	}
	return rc;
}

/* ---- open ---- */

typedef struct load_keys_ctx {
	cy_vault *v;
	cy_buf ctx;
	uint8_t key[32];
	cy_trust_revokes *r;
} load_keys_ctx;

static int load_key(void *arg, const cy_catalog_grant *g)
{
	load_keys_ctx *lk = arg;
	cy_vault *v = lk->v;
	int rc;

	if (!g->active)
		return 0;
	/* only a grant its ledger entry backs, not revoked since: the reason
	 * comes with the first use of the fonds (cy_vault__no_key_error) */
	rc = cy_vault__grant_verify(v, lk->r, g, v->user);
	if (rc == CY_ECORRUPT) {
		cy_error_clear();
		return 0;
	}
	if (rc)
		return rc;
	if ((rc = cy_vault__ctx_fonds(v->vault_id, g->fonds_code, &lk->ctx)))
		return rc;
	rc = cy_seal_open(v->priv, cy_buf_cstr(&lk->ctx), g->slot.ptr, g->slot.len, lk->key, 32);
	if (rc == CY_EAUTH)
		rc = cy_error_set(CY_ECORRUPT,
				  "the key slot of fonds '%s' for user '%s' is damaged",
				  g->fonds_code, v->user);
	rc = rc ? rc : cy_vault__keep_key(v, g->fonds_id, g->fonds_code, lk->key);
	/* the key slot holds one epoch's key: every older one opens from it */
	return rc ? rc : cy_vault__epochs_load(v, cy_vault__fonds_key_by_id(v, g->fonds_id), lk->r);
}

/* The user's fonds keys; *revokes: the ledger's grant and user events, for
 * the key epochs' rotation after (the caller frees them). */
static int load_keys(cy_vault *v, cy_trust_revokes **revokes)
{
	load_keys_ctx lk = {v, CY_BUF_INIT, {0}, NULL};
	int rc = cy_vault__revokes_load(v, 0, &lk.r);

	rc = rc ? rc : cy_catalog_grant_list_user(v->cat, v->user_id, load_key, &lk);
	cy_wipe(lk.key, 32);
	cy_buf_release(&lk.ctx);
	*revokes = lk.r;
	return rc < 0 ? rc : 0;
}

/* The catalog's settings must be those the user's own slot vouches for. */
static int check_settings(cy_vault *v, const cy_vault_settings *s)
{
	uint8_t id[16], admin[32];
	const char *what = NULL;

	if (cy_hex_decode(v->vault_id, 32, id, 16) || !cy_memeq(id, s->vault_id, 16))
		return cy_error_set(CY_ECORRUPT,
				    "the key slot of user '%s' belongs to another vault: the "
				    "catalog was replaced or edited",
				    v->user);
	int rc = meta_get(v->cat, "admin_pub", admin, 32);

	if (rc == CY_ENOMEM)
		return rc;
	if (rc || !cy_memeq(admin, s->admin_pub, 32))
		what = N_("the admin key");
	else if (!cy_memeq(v->ledger_pub, s->ledger_pub, 32))
		what = N_("the ledger key");
	else if (!cy_memeq(v->recovery_pub, s->recovery_pub, 32))
		what = N_("the recovery key");
	else if (v->kdf_log2n != s->kdf_min)
		what = N_("the key-derivation cost");
	if (what)
		return cy_error_set(CY_ECORRUPT,
				    "the vault's settings in the catalog were changed: %s differs "
				    "from what user '%s' was given; restore the catalog from a "
				    "backup (custody check names what else changed)",
				    CY_TR(what), v->user);
	return 0;
}

/* A key slot of schema 2 or older: add the user's own signing key and the
 * settings as the catalog has them now (trusted on this first use). */
static int upgrade_slot(cy_vault *v, const char *pw, size_t pwlen)
{
	uint8_t *plain = cy_secure_alloc(CY_SLOT2_LEN);
	cy_vault_settings set;
	cy_buf ctx = CY_BUF_INIT, slot = CY_BUF_INIT;
	cy_ledger_entry e;
	int rc;

	if (!plain || !(v->useed = cy_secure_alloc(32))) {
		cy_secure_free(plain, CY_SLOT2_LEN);
		return CY_ENOMEM;
	}
	cy_vault__settings(v, &set);
	memcpy(plain, v->priv, 32);
	rc = cy_ed25519_keygen(v->useed, v->upub);
	memcpy(plain + 32, v->useed, 32);
	cy_vault__settings_encode(&set, plain + 64);
	rc = rc ? rc : ctx_user2(v->vault_id, v->user, &ctx);
	rc = rc ? rc
		: cy_pwseal(pw, pwlen, v->kdf_log2n, cy_buf_cstr(&ctx), plain, CY_SLOT2_LEN, &slot);
	rc = rc ? rc : cy_vault__begin(v);
	if (rc)
		goto out;
	rc = cy_catalog_user_set_upgrade(v->cat, v->user_id, slot.ptr, slot.len, v->upub);
	memset(&e, 0, sizeof(e));
	e.action = "user.upgrade";
	e.targets[0] = v->actor;
	e.ntargets = 1;
	e.details[0] = (cy_ledger_detail){"slot", NULL, 2};
	e.ndetails = 1;
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_secure_free(plain, CY_SLOT2_LEN);
	cy_buf_release(&ctx);
	cy_buf_wipe(&slot);
	return rc;
}

int cy_vault_open(cy_vault **out, const char *dir, const char *user, const char *pw, size_t pwlen)
{
	cy_vault *v = calloc(1, sizeof(*v));
	cy_catalog_user u;
	cy_buf ctx = CY_BUF_INIT, slot = CY_BUF_INIT, sslot = CY_BUF_INIT, marker = CY_BUF_INIT;
	cy_buf aslot = CY_BUF_INIT, cert = CY_BUF_INIT;
	cy_buf upub = CY_BUF_INIT;
	cy_vault_settings vouched;
	uint8_t pub[32], lp[32], meta_admin[32], *both = NULL, *plain = NULL;
	char role_text[16] = "";
	char log2[8] = "";
	cy_trust_revokes *revokes = NULL;
	int rc, disabled = 0, legacy = 0, need_ledger;

	memset(&u, 0, sizeof(u));
	memset(&vouched, 0, sizeof(vouched));
	if (!v)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (!(v->dir = strdup(dir)) || (rc = cy_path_join(&marker, dir, "CUSTODY-VAULT"))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto fail;
	}
	if (access(cy_buf_cstr(&marker), F_OK) < 0) {
		rc = cy_error_set(
			CY_ENOTFOUND,
			"no vault at '%s': create one with 'custody init', or give --vault", dir);
		goto fail;
	}
	if ((rc = cy_catalog_open(&v->cat, dir, 0)) || (rc = cy_store_open(&v->store, dir, 0)))
		goto fail;
	if ((rc = meta_get(v->cat, "vault_id", v->vault_id, 32)))
		goto fail;
	v->vault_id[32] = 0;
	rc = meta_get(v->cat, "ledger_pub", v->ledger_pub, 32);
	rc = rc ? rc : meta_get(v->cat, "recovery_pub", v->recovery_pub, 32);
	if (rc)
		goto fail;
	rc = meta_get(v->cat, "kdf_log2n", log2, 2);
	if (rc == CY_ENOMEM)
		goto fail;
	if (rc == 0)
		v->kdf_log2n = (unsigned)strtoul(log2, NULL, 10);
	else
		v->kdf_log2n = 15;
	cy_error_clear();
	rc = cy_catalog_user_get(v->cat, user, &u);
	if (rc == CY_ENOTFOUND) {
		/* hygiene: as a wrong password, in words and in time */
		cy_vault__dummy_kdf(v->kdf_log2n, pw, pwlen);
		cy_vault__login_failed(v, 0);
		rc = cy_error_set(CY_EAUTH, "wrong user name or password");
	}
	if (rc < 0)
		goto fail;
	{
		v->user_id = u.id;
		rc = cy_role_parse(u.role, &v->role);
		if (u.pub.len == 32)
			memcpy(pub, u.pub.ptr, 32);
		else
			rc = rc ? rc
				: cy_error_set(CY_ECORRUPT, "user '%s' has a damaged public key",
					       user);
		rc = rc ? rc : cy_buf_put(&slot, u.slot.ptr, u.slot.len);
		rc = rc ? rc : cy_buf_put(&sslot, u.sign_slot.ptr, u.sign_slot.len);
		disabled = u.disabled != 0;
		rc = rc ? rc : cy_buf_put(&aslot, u.admin_slot.ptr, u.admin_slot.len);
		rc = rc ? rc : cy_buf_put(&cert, u.cert.ptr, u.cert.len);
		rc = rc ? rc : cy_buf_put(&upub, u.upub.ptr, u.upub.len);
		v->serial = u.serial;
		snprintf(role_text, sizeof(role_text), "%s", u.role);
		cy_catalog_user_release(&u);
		if (rc)
			goto fail;
	}
	snprintf(v->user, sizeof(v->user), "%s", user);
	snprintf(v->actor, sizeof(v->actor), "u%lld", (long long)v->user_id);
	memcpy(v->pub, pub, 32);
	if (!(v->priv = cy_secure_alloc(32)) || !(v->sign_seed = cy_secure_alloc(32))) {
		rc = CY_ENOMEM;
		goto fail;
	}
	/* a key slot of schema 2 or older holds the X25519 key alone (68 bytes) */
	legacy = slot.len == 20 + 32 + 16;
	if (!(plain = cy_secure_alloc(CY_SLOT2_LEN))) {
		rc = CY_ENOMEM;
		goto fail;
	}
	rc = legacy ? cy_vault__ctx_user(v, v->vault_id, user, &ctx)
		    : ctx_user2(v->vault_id, user, &ctx);
	rc = rc ? rc
		: cy_pwseal_open(pw, pwlen, cy_buf_cstr(&ctx), slot.ptr, slot.len, plain,
				 legacy ? 32 : CY_SLOT2_LEN);
	if (rc == CY_EAUTH) {
		cy_vault__login_failed(v, v->user_id); /* hygiene */
		rc = cy_error_set(CY_EAUTH, "wrong user name or password");
		goto fail;
	}
	if (rc)
		goto fail;
	memcpy(v->priv, plain, 32);
	if (!legacy) {
		if (!(v->useed = cy_secure_alloc(32))) {
			rc = CY_ENOMEM;
			goto fail;
		}
		memcpy(v->useed, plain + 32, 32);
		rc = cy_ed25519_public(v->useed, v->upub);
		rc = rc ? rc : cy_vault__settings_decode(plain + 64, &vouched);
		rc = rc ? rc : check_settings(v, &vouched);
		if (rc)
			goto fail;
		if (upub.len != 32 || !cy_memeq(upub.ptr, v->upub, 32)) {
			rc = cy_error_set(
				CY_ECORRUPT,
				"the signing key of user '%s' in the catalog was replaced: "
				"it does not match the user's key slot",
				user);
			goto fail;
		}
	}
	/* after the password, so that only the account's holder learns it */
	if (disabled) {
		rc = cy_error_set(
			CY_EAUTH,
			"the account of user '%s' is disabled: a security administrator can "
			"enable it (custody user enable %s)",
			user, user);
		goto fail;
	}
	if ((rc = cy_x25519_public(v->priv, lp)))
		goto fail;
	if (!cy_memeq(lp, pub, 32)) {
		rc = cy_error_set(CY_ECORRUPT,
				  "the key slot of user '%s' does not match its public key", user);
		goto fail;
	}
	/* The checkpoint (ledger) key is sealed to auditors and secadmins only;
	 * the admin public key is vouched for by the slot's settings.  A key
	 * slot of schema 2 or older has no settings: the ledger slot (which
	 * every user of such a vault holds) vouches for the admin key. */
	need_ledger = legacy || cy_vault__role_signs_checkpoints(v->role);
	if (!legacy)
		memcpy(v->admin_pub, vouched.admin_pub, 32);
	if (need_ledger) {
		if (!(both = cy_secure_alloc(64))) {
			rc = CY_ENOMEM;
			goto fail;
		}
		rc = cy_seal_open(v->priv, CY_CTX_LEDGER_KEY, sslot.ptr, sslot.len, both, 64);
		if (rc == CY_ENOMEM)
			goto fail;
		if (rc || (!legacy && !cy_memeq(both + 32, v->admin_pub, 32))) {
			rc = cy_error_set(CY_ECORRUPT,
					  "the ledger key slot of user '%s' is damaged", user);
			goto fail;
		}
		memcpy(v->sign_seed, both, 32);
		if (legacy)
			memcpy(v->admin_pub, both + 32, 32);
	} else {
		cy_secure_free(v->sign_seed, 32);
		v->sign_seed = NULL;
	}
	/* the role is what the admin key certified, not what the catalog says */
	rc = meta_get(v->cat, "admin_pub", meta_admin, 32);
	if (rc == CY_ENOMEM)
		goto fail;
	if (rc || !cy_memeq(meta_admin, v->admin_pub, 32)) {
		rc = cy_error_set(CY_ECORRUPT, "the admin key in the catalog was replaced");
		goto fail;
	}
	rc = cy_vault__verify_cert(v, v->user_id, user, role_text, pub, legacy ? NULL : v->upub,
				   legacy ? 0 : v->serial, cert.ptr, cert.len);
	if (rc == CY_ENOMEM)
		goto fail;
	if (rc) {
		rc = cy_error_set(
			CY_ECORRUPT,
			"the record of user '%s' was altered: its role or key does not match its "
			"certificate",
			user);
		goto fail;
	}
	if (v->role == CY_ROLE_SECADMIN) {
		uint8_t ap[32];
		if (!(v->admin_seed = cy_secure_alloc(32))) {
			rc = CY_ENOMEM;
			goto fail;
		}
		rc = cy_seal_open(v->priv, CY_CTX_ADMIN_KEY, aslot.ptr, aslot.len, v->admin_seed,
				  32);
		if (!rc)
			rc = cy_ed25519_public(v->admin_seed, ap);
		if (rc || !cy_memeq(ap, v->admin_pub, 32)) {
			rc = cy_error_set(CY_ECORRUPT, "the admin key slot of user '%s' is damaged",
					  user);
			goto fail;
		}
	}
	if (v->sign_seed && (rc = cy_ed25519_public(v->sign_seed, lp)))
		goto fail;
	if (v->sign_seed && !cy_memeq(lp, v->ledger_pub, 32)) {
		rc = cy_error_set(CY_ECORRUPT,
				  "the ledger key in the catalog was replaced: it does not "
				  "match the key sealed to user '%s'",
				  user);
		goto fail;
	}
	/* a viewer or archivist of a vault made before schema 3 could unseal
	 * the ledger key; custody does not use it for them */
	if (v->sign_seed && !cy_vault__role_signs_checkpoints(v->role)) {
		cy_secure_free(v->sign_seed, 32);
		v->sign_seed = NULL;
	}
	/* a key slot of schema 2 or older becomes version 2 now that the
	 * password is known; a secadmin certifies the signing keys of users
	 * upgraded so (docs/security.md "Vaults made before schema 3") */
	if (legacy && (rc = upgrade_slot(v, pw, pwlen)))
		goto fail;
	/* the user's keys must be the ledger's latest: an old slot restored
	 * with an old password is refused (vault_trust_users.c) */
	if (!legacy && (rc = cy_vault__check_key_events(v)))
		goto fail;
	/* grants of schema 2 or older: bound to the ledger at this first use */
	if (legacy && cy_role_holds_content(v->role) && (rc = cy_vault__bind_legacy_grants(v)))
		goto fail;
	if (v->role == CY_ROLE_SECADMIN && (rc = cy_vault__certify_pending(v)))
		goto fail;
	/* administrative roles never hold fonds keys, whatever rows the catalog has */
	if (cy_role_holds_content(v->role) && (rc = load_keys(v, &revokes)))
		goto fail;
	if (cy_role_holds_content(v->role) && v->nkeys && (rc = cy_vault__complete_grants(v)))
		goto fail;
	/* a fonds whose grant ended since its newest key epoch moves on to a
	 * new one, made by this key holder (vault_epochs.c) */
	if ((rc = cy_vault__epochs_rotate(v, revokes)))
		goto fail;
	/* archivists: the fonds' write keys (vault_recsig.c) */
	if ((rc = cy_vault__recsig_open(v)))
		goto fail;
	if ((rc = cy_vault__login_succeeded(v))) /* hygiene: failed log-ins to the ledger */
		goto fail;
	cy_store_clean_tmp(v->store);
	*out = v;
	rc = 0;
	goto done;
fail:
	vault_free(v);
done:
	cy_vault__revokes_free(revokes);
	cy_buf_release(&ctx);
	cy_buf_wipe(&slot);
	cy_buf_wipe(&sslot);
	cy_buf_wipe(&aslot);
	cy_buf_release(&cert);
	cy_secure_free(both, 64);
	cy_secure_free(plain, CY_SLOT2_LEN);
	cy_buf_release(&marker);
	cy_buf_release(&upub);
	cy_catalog_user_release(&u);
	return rc;
}
