/* vault_fonds.c - fonds (全宗): one company whose records are in custody.
 *
 * A fonds is created by an archivist, who is granted it at once: a random
 * fonds key is sealed to the archivist and to the vault's recovery key. */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "catalog/catalog_admin.h"
#include "catalog/catalog_recsig.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

static const char USCC_CHARS[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int USCC_W[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

bool cy_uscc_valid(const char *s)
{
	int sum = 0;

	if (strlen(s) != 18)
		return false;
	for (int i = 0; i < 18; i++) {
		const char *p = s[i] ? strchr(USCC_CHARS, s[i]) : NULL;
		if (!p)
			return false;
		if (i < 17)
			sum += (int)(p - USCC_CHARS) * USCC_W[i];
	}
	/* positions 3-8 are the administrative division code: digits only */
	for (int i = 2; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return USCC_CHARS[(31 - sum % 31) % 31] == s[17];
}

bool cy_fonds_code_valid(const char *s)
{
	if (strlen(s) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int cy_fonds_add(cy_vault *v, const char *code, const char *name, const char *uscc)
{
	return cy_fonds_add_ext(v, code, name, uscc, 0);
}

int cy_fonds_add_ext(cy_vault *v, const char *code, const char *name, const char *uscc,
		     unsigned flags)
{
	char same[8] = "", fp[33], rowhex[33];
	uint8_t *key = NULL, key_id[8];
	cy_buf ctx = CY_BUF_INIT, rslot = CY_BUF_INIT;
	cy_catalog_fonds row;
	int64_t fid;
	cy_ledger_entry e;
	int rc, kept = 0;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("create fonds"))))
		return rc;
	if (!cy_fonds_code_valid(code))
		return cy_error_set(CY_EINVALID,
				    "fonds code '%s' is not valid: DA/T 22 uses 4 characters, "
				    "upper-case letters and digits (e.g. Z109)",
				    code);
	if (!name || !*name)
		return cy_error_set(CY_EINVALID, "a fonds needs a name (--name)");
	if (strlen(name) > 200)
		return cy_error_set(CY_EINVALID, "fonds name is too long (200 bytes at most)");
	/* hygiene: a name is shown on terminals (docs/security/hygiene.md) */
	if (!cy_text_is_safe(name, strlen(name)))
		return cy_error_set(CY_EINVALID,
				    "fonds name is not valid: it must be UTF-8 without control "
				    "characters or bidirectional overrides");
	if (uscc && *uscc && !cy_uscc_valid(uscc))
		return cy_error_set(CY_EINVALID,
				    "'%s' is not a valid unified social credit code (GB 32100): "
				    "check the 18 characters and the check character",
				    uscc);
	memset(&row, 0, sizeof(row));
	if (!(key = cy_secure_alloc(32)))
		return CY_ENOMEM;
	if ((rc = cy_random(key, 32)))
		goto out;
	cy_vault__key_id(key, key_id);
	if ((rc = cy_vault__ctx_fonds(v->vault_id, code, &ctx)) ||
	    (rc = cy_seal(v->recovery_pub, cy_buf_cstr(&ctx), key, 32, &rslot)))
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	if (uscc && *uscc && (rc = cy_vault__same_uscc(v, code, uscc, flags, same)))
		goto fail;
	cy_vault__now(row.created);
	snprintf(row.code, sizeof(row.code), "%s", code);
	snprintf(row.name, sizeof(row.name), "%s", name);
	snprintf(row.uscc, sizeof(row.uscc), "%s", uscc ? uscc : "");
	snprintf(row.status, sizeof(row.status), "operating");
	rc = cy_buf_put(&row.key_id, key_id, 8);
	rc = rc ? rc : cy_buf_put(&row.recovery_slot, rslot.ptr, rslot.len);
	rc = rc ? rc : cy_catalog_fonds_insert(v->cat, &row, &fid);
	if (rc == CY_EEXISTS)
		rc = cy_error_set(CY_EEXISTS, "fonds '%s' already exists", code);
	if (rc < 0)
		goto fail;
	if ((rc = cy_vault__keep_key(v, fid, code, key)))
		goto fail;
	kept = 1;
	rc = cy_vault__store_slot(v, v->user_id, cy_vault__fonds_key_by_id(v, fid), v->pub);
	/* its write key, sealed to the creator and the recovery key; the ledger
	 * records its fingerprint and the row as created (vault_recsig.c) */
	rc = rc ? rc
		: cy_vault__recsig_fonds_new(v, cy_vault__fonds_key_by_id(v, fid), row.name,
					     row.uscc, row.created, fp, rowhex);
	if (rc)
		goto fail;
	memset(&e, 0, sizeof(e));
	e.action = "fonds.add";
	e.targets[0] = code;
	e.ntargets = 1;
	if (uscc && *uscc)
		e.details[e.ndetails++] = (cy_ledger_detail){"uscc", uscc, 0};
	if (*same)
		e.details[e.ndetails++] = (cy_ledger_detail){"same_uscc_as", same, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"signkey", fp, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"row", rowhex, 0};
	rc = cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_fonds_sign_seq_set(v->cat, fid, e.seq);
	/* the creator's grant, bound to its grant.add entry (vault_trust_users.c) */
	rc = rc ? rc : cy_vault__grant_log_bind(v, v->user_id, fid, code, "grant.add", "active");
	rc = rc ? rc : cy_vault__commit(v);
	if (!rc)
		goto out;
fail:
	cy_vault__rollback(v);
	/* forget the key if it was kept for a fonds that does not exist */
	for (int i = 0; kept && i < v->nkeys; i++) {
		if (!strcmp(v->keys[i].code, code)) {
			cy_secure_free(v->keys[i].key, CY_FONDS_KEYS_LEN);
			v->keys[i] = v->keys[--v->nkeys];
			break;
		}
	}
out:
	cy_secure_free(key, 32);
	cy_buf_release(&ctx);
	cy_buf_release(&rslot);
	cy_catalog_fonds_release(&row);
	return rc;
}

typedef struct fonds_list_ctx {
	cy_vault *v;
	cy_fonds_fn fn;
	void *arg;
} fonds_list_ctx;

static int fonds_row(void *arg, const cy_catalog_fonds *r)
{
	fonds_list_ctx *fl = arg;
	cy_fonds_info f;

	memset(&f, 0, sizeof(f));
	f.held = cy_vault__fonds_key_by_id(fl->v, r->id) != NULL;
	/* content roles see only what they hold; admin roles see the list, never records */
	if (cy_role_holds_content(fl->v->role) && !f.held)
		return 0;
	snprintf(f.code, sizeof(f.code), "%s", r->code);
	snprintf(f.name, sizeof(f.name), "%s", r->name);
	snprintf(f.uscc, sizeof(f.uscc), "%s", r->uscc);
	snprintf(f.status, sizeof(f.status), "%s", r->status);
	if (cy_catalog_adm_fonds_status_date(fl->v->cat, r->id, f.status_date,
					     sizeof(f.status_date)))
		return CY_EDB;
	snprintf(f.created, sizeof(f.created), "%s", r->created);
	f.records = r->records;
	f.bytes = r->bytes;
	return fl->fn(fl->arg, &f);
}

int cy_fonds_list(cy_vault *v, cy_fonds_fn fn, void *arg)
{
	fonds_list_ctx fl = {v, fn, arg};
	int rc = cy_catalog_fonds_list(v->cat, fonds_row, &fl);

	return rc < 0 ? rc : 0;
}
