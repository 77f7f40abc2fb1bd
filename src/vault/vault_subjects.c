/* vault_subjects.c - subjects (customers): add, show, list, find, and the
 * pieces importers and the object layer need (create inside a batch, unwrap a
 * subject key).
 *
 * Each operation checks the role, runs in one transaction and logs ids only:
 * subject.add, subject.read, subject.list (names), subject.find (field and hit
 * count), subject.records and subject.export (the number of linked records).  Formats: docs/formats/subject.md.  The JSON of the fields is built
 * and parsed with jansson, whose allocations are wiped when freed (they hold
 * personal data). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog/catalog_records.h"
#include "catalog/catalog_subjects.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/normalize.h"
#include "custody/search.h"
#include "custody/sindex.h"
#include "vault/vault_holds.h"
#include "vault/vault_subjects.h"
#include "base/jsonsec.h"
#include "catalog/catalog_destroy.h"
#include "custody/banned.h"

/* ---- jansson's memory: wiped before it is freed ---- */

/* ---- ids ---- */

void cy_vault__subject_id(const char *fonds, int64_t no, char out[CY_SUBJECT_ID_MAX])
{
	snprintf(out, CY_SUBJECT_ID_MAX, "%s-C%06lld", fonds, (long long)no);
}

int cy_subject_id_parse(const char *id, char fonds[8], int64_t *no)
{
	const char *p = id;
	int64_t n = 0;
	size_t digits = 0;

	if (strlen(id) < 7 || id[4] != '-' || (id[5] != 'C' && id[5] != 'c'))
		goto bad;
	memcpy(fonds, id, 4);
	fonds[4] = 0;
	if (!cy_fonds_code_valid(fonds))
		goto bad;
	for (p = id + 6; *p; p++, digits++) {
		if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10)
			goto bad;
		n = n * 10 + (*p - '0');
	}
	if (!digits || n < 1)
		goto bad;
	*no = n;
	return 0;
bad:
	return cy_error_set(CY_EINVALID, "'%s' is not a subject id (like Z109-C000001)", id);
}

/* ---- the building blocks ---- */

static void hex16(const uint8_t uid[16], char out[33])
{
	cy_hex_encode(uid, 16, out);
}

static int seal(const uint8_t key[32], const cy_buf *aad, const void *pt, size_t n,
		const uint8_t nonce[12], cy_buf *out)
{
	cy_aead *a = NULL;
	int rc = cy_aead_new(&a, key);

	cy_buf_clear(out);
	rc = rc ? rc : cy_buf_grow(out, 12 + n + 16);
	rc = rc ? rc : cy_buf_put(out, nonce, 12);
	rc = rc ? rc : cy_aead_seal(a, nonce, aad->ptr, aad->len, pt, n, out->ptr + 12);
	if (!rc)
		out->len = 12 + n + 16;
	cy_aead_free(a);
	return rc;
}

static int open_blob(const uint8_t key[32], const cy_buf *aad, const void *blob, size_t n,
		     uint8_t *pt)
{
	cy_aead *a = NULL;
	int rc = cy_aead_new(&a, key);

	rc = rc ? rc
		: cy_aead_open(a, blob, aad->ptr, aad->len, (const uint8_t *)blob + 12, n - 12, pt);
	cy_aead_free(a);
	return rc;
}

static int wrap_aad(const char *vault_id, const char *fonds, const uint8_t uid[16], cy_buf *aad)
{
	char h[33];

	hex16(uid, h);
	cy_buf_clear(aad);
	return cy_buf_printf(aad, "custody/subject-key/v1/%s/%s/%s", vault_id, fonds, h);
}

static int fields_aad(const uint8_t uid[16], const char *id, cy_buf *aad)
{
	char h[33];

	hex16(uid, h);
	cy_buf_clear(aad);
	return cy_buf_printf(aad, "custody/subject/v1/%s/%s", h, id);
}

int cy_vault__subject_wrap(const uint8_t fonds_key[32], const char *vault_id, const char *fonds,
			   const uint8_t uid[16], const uint8_t skey[32], const uint8_t nonce[12],
			   cy_buf *out)
{
	uint8_t *wk = cy_secure_alloc(32);
	cy_buf aad = CY_BUF_INIT;
	int rc;

	if (!wk)
		return CY_ENOMEM;
	rc = wrap_aad(vault_id, fonds, uid, &aad);
	rc = rc ? rc : cy_vault__subkey(fonds_key, CY_SUBJECT_WRAP_LABEL, wk);
	rc = rc ? rc : seal(wk, &aad, skey, 32, nonce, out);
	cy_secure_free(wk, 32);
	cy_buf_release(&aad);
	return rc;
}

int cy_vault__subject_unwrap(const uint8_t fonds_key[32], const char *vault_id, const char *fonds,
			     const uint8_t uid[16], const void *wkey, size_t n, uint8_t skey[32])
{
	uint8_t *wk;
	cy_buf aad = CY_BUF_INIT;
	int rc;

	if (n != 12 + 32 + 16)
		return cy_error_set(CY_ECORRUPT, "subject key: wrapped key has the wrong size");
	if (!(wk = cy_secure_alloc(32)))
		return CY_ENOMEM;
	rc = wrap_aad(vault_id, fonds, uid, &aad);
	rc = rc ? rc : cy_vault__subkey(fonds_key, CY_SUBJECT_WRAP_LABEL, wk);
	rc = rc ? rc : open_blob(wk, &aad, wkey, n, skey);
	if (rc)
		cy_wipe(skey, 32);
	if (rc && rc != CY_ENOMEM) {
		rc = cy_error_set(CY_ECORRUPT, "subject key fails authentication (wrong fonds, "
					       "or the catalog was altered)");
	}
	cy_secure_free(wk, 32);
	cy_buf_release(&aad);
	return rc;
}

int cy_vault__subject_seal(const uint8_t skey[32], const uint8_t uid[16], const char *id,
			   const void *json, size_t n, const uint8_t nonce[12], cy_buf *out)
{
	cy_buf aad = CY_BUF_INIT;
	int rc;

	rc = fields_aad(uid, id, &aad);
	rc = rc ? rc : seal(skey, &aad, json, n, nonce, out);
	cy_buf_release(&aad);
	return rc;
}

int cy_vault__subject_open(const uint8_t skey[32], const uint8_t uid[16], const char *id,
			   const void *blob, size_t n, cy_buf *pt)
{
	cy_buf aad = CY_BUF_INIT;
	int rc;

	cy_buf_wipe(pt);
	if (n < 12 + 16 || n > CY_SUBJECT_MAX_FIELDS)
		return cy_error_set(CY_ECORRUPT, "subject %s: fields have an impossible size", id);
	rc = fields_aad(uid, id, &aad);
	rc = rc ? rc : cy_buf_grow(pt, n - 28);
	rc = rc ? rc : open_blob(skey, &aad, blob, n, pt->ptr);
	cy_buf_release(&aad);
	if (rc) {
		cy_buf_wipe(pt);
		return rc == CY_ENOMEM ? rc
				       : cy_error_set(CY_ECORRUPT,
						      "subject %s: fields fail authentication", id);
	}
	pt->len = n - 28;
	pt->ptr[pt->len] = 0;
	return 0;
}

int cy_vault__blind_index(const uint8_t index_key[32], const char *field, const char *normal,
			  size_t n, uint8_t out[32])
{
	cy_buf m = CY_BUF_INIT;
	int rc;

	rc = cy_buf_grow(&m, strlen(field) + 1 + n);
	rc = rc ? rc : cy_buf_puts(&m, field);
	rc = rc ? rc : cy_buf_putc(&m, 0);
	rc = rc ? rc : cy_buf_put(&m, normal, n);
	rc = rc ? rc : cy_hmac_sha256(index_key, 32, m.ptr, m.len, out);
	cy_buf_wipe(&m);
	return rc;
}

/* ---- the fields as JSON ---- */

static bool present(const char *s)
{
	return s && *s;
}

/* A value from outside: UTF-8, bounded, no control characters (except line
 * breaks and tabs where multi-line text is normal). */
static int check_str(const char *what, const char *s, bool multiline)
{
	size_t n = strlen(s);

	if (n > CY_SUBJECT_MAX_STR)
		return cy_error_set(CY_EINVALID, "subject %s is too long (%zu bytes; %d at most)",
				    what, n, CY_SUBJECT_MAX_STR);
	if (!cy_utf8_valid(s, n))
		return cy_error_set(CY_EINVALID, "subject %s is not valid UTF-8 text", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 || *p == 0x7f) &&
		    !(multiline && (*p == '\n' || *p == '\t' || *p == '\r')))
			return cy_error_set(CY_EINVALID, "subject %s contains a control character",
					    what);
	/* C1 controls and bidirectional overrides too: a name is shown on
	 * terminals and in reports (docs/security/hygiene.md) */
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && !(multiline && (s[i] == '\n' || s[i] == '\t' || s[i] == '\r')))
			continue;
		if (!cy_text_is_safe(s + start, i - start))
			return cy_error_set(
				CY_EINVALID,
				"subject %s contains a control character or a "
				"bidirectional override (U+202A..U+202E, U+2066..U+2069)",
				what);
		start = i + 1;
	}
	return 0;
}

static int put_str(json_t *o, const char *key, const char *s, bool multiline)
{
	int rc;

	if (!present(s))
		return 0;
	if ((rc = check_str(key, s, multiline)))
		return rc;
	return json_object_set_new(o, key, json_string(s))
		       ? cy_error_set(CY_ENOMEM, "out of memory")
		       : 0;
}

static int put_list(json_t *o, const char *key, const char **v, size_t n)
{
	json_t *a;
	int rc;

	if (!n)
		return 0;
	if (n > CY_SUBJECT_MAX_LIST)
		return cy_error_set(CY_EINVALID, "a subject has at most %d %s", CY_SUBJECT_MAX_LIST,
				    key);
	if (!(a = json_array()))
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!present(v[i])) {
			json_decref(a);
			return cy_error_set(CY_EINVALID, "subject %s: an empty value", key);
		}
		if ((rc = check_str(key, v[i], false))) {
			json_decref(a);
			return rc;
		}
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return cy_error_set(CY_ENOMEM, "out of memory");
		}
	}
	return json_object_set_new(o, key, a) ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}

static int valid_kind(const char *k)
{
	return k && (!strcmp(k, "person") || !strcmp(k, "org"));
}

int cy_vault__subject_json(const cy_subject_fields *f, cy_buf *out)
{
	json_t *o, *x = NULL;
	char *s = NULL;
	int rc;

	if (!valid_kind(f->kind))
		return cy_error_set(CY_EINVALID, "a subject's kind is 'person' or 'org'");
	if (!present(f->name))
		return cy_error_set(CY_EINVALID, "a subject needs a name");
	if (f->nextra > CY_SUBJECT_MAX_EXTRA)
		return cy_error_set(CY_EINVALID, "a subject has at most %d free fields",
				    CY_SUBJECT_MAX_EXTRA);
	cy_json_secure_init();
	if (!(o = json_object()))
		return cy_error_set(CY_ENOMEM, "out of memory");
	rc = json_object_set_new(o, "kind", json_string(f->kind)) ? CY_ENOMEM : 0;
	rc = rc ? rc : put_str(o, "name", f->name, false);
	rc = rc ? rc : put_str(o, "id_type", f->id_type, false);
	rc = rc ? rc : put_str(o, "id_number", f->id_number, false);
	rc = rc ? rc : put_str(o, "uscc", f->uscc, false);
	rc = rc ? rc : put_str(o, "address", f->address, true);
	rc = rc ? rc : put_list(o, "phones", f->phones, f->nphones);
	rc = rc ? rc : put_list(o, "emails", f->emails, f->nemails);
	rc = rc ? rc : put_list(o, "accounts", f->accounts, f->naccounts);
	rc = rc ? rc : put_list(o, "customer_nos", f->customer_nos, f->ncustomer_nos);
	rc = rc ? rc : put_list(o, "labels", f->labels, f->nlabels);
	if (!rc && f->nextra) {
		if (!(x = json_object()) || json_object_set_new(o, "fields", x))
			rc = cy_error_set(CY_ENOMEM, "out of memory");
		for (size_t i = 0; !rc && i < f->nextra; i++) {
			const char *k = f->extra[i].key, *val = f->extra[i].value;
			if (!present(k) || strlen(k) > 64 || check_str("field name", k, false))
				rc = cy_error_set(CY_EINVALID,
						  "a free field needs a name of 1 to 64 "
						  "characters, without control characters");
			else if (json_object_get(x, k))
				rc = cy_error_set(CY_EINVALID, "free field '%s' given twice", k);
			else
				rc = put_str(x, k, val ? val : "", true);
			if (!rc && !present(val) && json_object_set_new(x, k, json_string("")))
				rc = CY_ENOMEM;
		}
	}
	if (!rc && !(s = cy_json_dumps_whole(o, JSON_COMPACT)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	if (!rc) {
		cy_buf_wipe(out);
		rc = cy_buf_puts(out, s);
	}
	if (rc == CY_ENOMEM && !*cy_error_message())
		cy_error_set(CY_ENOMEM, "out of memory");
	if (s)
		cy_json_free(s);
	json_decref(o);
	return rc;
}

/* What cy_subject_info.priv_ holds: the parsed JSON and the pointer arrays. */
typedef struct subject_priv {
	json_t *j;
	const char **ptrs;
	cy_subject_kv *kv;
} subject_priv;

void cy_subject_info_release(cy_subject_info *s)
{
	subject_priv *p = s->priv_;

	if (p) {
		json_decref(p->j);
		free(p->ptrs);
		free(p->kv);
		free(p);
	}
	memset(&s->f, 0, sizeof(s->f));
	s->priv_ = NULL;
	s->decrypted = false;
}

static const char *jstr(json_t *o, const char *key, int *bad)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

static size_t jlist_len(json_t *o, const char *key, int *bad)
{
	json_t *a = json_object_get(o, key);

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > CY_SUBJECT_MAX_LIST) {
		*bad = 1;
		return 0;
	}
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_string(json_array_get(a, i)))
			*bad = 1;
	return json_array_size(a);
}

static const char **jlist(json_t *o, const char *key, const char **at, size_t n)
{
	json_t *a = json_object_get(o, key);

	for (size_t i = 0; i < n; i++)
		at[i] = json_string_value(json_array_get(a, i));
	return n ? at : NULL;
}

/* Parse the decrypted JSON into s->f (the strings stay in the parsed tree). */
static int parse_fields(const char *id, const cy_buf *pt, const char *kind_col, cy_subject_info *s)
{
	subject_priv *p = calloc(1, sizeof(*p));
	json_error_t err;
	json_t *x;
	int bad = 0;
	size_t np, ne, na, nl, nc, nx = 0, k = 0;

	if (!p)
		return cy_error_set(CY_ENOMEM, "out of memory");
	cy_json_secure_init();
	unsigned long failures = cy_json_alloc_failures();
	p->j = json_loadb((const char *)pt->ptr, pt->len, JSON_REJECT_DUPLICATES, &err);
	/* jansson does not always report a failed allocation (jsonsec.h) */
	if (cy_json_alloc_failures() != failures ||
	    (!p->j && json_error_code(&err) == json_error_out_of_memory))
		goto nomem;
	if (!p->j || !json_is_object(p->j))
		goto bad;
	s->f.kind = jstr(p->j, "kind", &bad);
	s->f.name = jstr(p->j, "name", &bad);
	s->f.id_type = jstr(p->j, "id_type", &bad);
	s->f.id_number = jstr(p->j, "id_number", &bad);
	s->f.uscc = jstr(p->j, "uscc", &bad);
	s->f.address = jstr(p->j, "address", &bad);
	np = jlist_len(p->j, "phones", &bad);
	ne = jlist_len(p->j, "emails", &bad);
	na = jlist_len(p->j, "accounts", &bad);
	nl = jlist_len(p->j, "labels", &bad);
	nc = jlist_len(p->j, "customer_nos", &bad);
	x = json_object_get(p->j, "fields");
	if (x && (!json_is_object(x) || json_object_size(x) > CY_SUBJECT_MAX_EXTRA))
		bad = 1;
	if (bad || !valid_kind(s->f.kind) || !present(s->f.name))
		goto bad;
	/* the kind column is in clear: it must say what the sealed fields say */
	if (kind_col && strcmp(kind_col, s->f.kind)) {
		json_decref(p->j);
		free(p);
		memset(&s->f, 0, sizeof(s->f));
		return cy_error_set(CY_ECORRUPT, "subject %s: its kind in the catalog was altered",
				    id);
	}
	if (!(p->ptrs = calloc(np + ne + na + nl + nc + 1, sizeof(char *))))
		goto nomem;
	s->f.phones = jlist(p->j, "phones", p->ptrs, np);
	s->f.nphones = np;
	s->f.emails = jlist(p->j, "emails", p->ptrs + np, ne);
	s->f.nemails = ne;
	s->f.accounts = jlist(p->j, "accounts", p->ptrs + np + ne, na);
	s->f.naccounts = na;
	s->f.labels = jlist(p->j, "labels", p->ptrs + np + ne + na, nl);
	s->f.nlabels = nl;
	s->f.customer_nos = jlist(p->j, "customer_nos", p->ptrs + np + ne + na + nl, nc);
	s->f.ncustomer_nos = nc;
	if (x && (nx = json_object_size(x))) {
		const char *key;
		json_t *val;
		if (!(p->kv = calloc(nx, sizeof(*p->kv))))
			goto nomem;
		json_object_foreach(x, key, val)
		{
			if (!json_is_string(val))
				goto bad;
			p->kv[k].key = key;
			p->kv[k++].value = json_string_value(val);
		}
		s->f.extra = p->kv;
		s->f.nextra = k;
	}
	s->priv_ = p;
	s->decrypted = true;
	return 0;
nomem:
	json_decref(p->j);
	free(p->ptrs);
	free(p->kv);
	free(p);
	memset(&s->f, 0, sizeof(s->f));
	return cy_error_set(CY_ENOMEM, "out of memory");
bad:
	json_decref(p->j);
	free(p->ptrs);
	free(p->kv);
	free(p);
	memset(&s->f, 0, sizeof(s->f));
	return cy_error_set(CY_ECORRUPT, "subject %s: its fields are not the documented JSON", id);
}

/* ---- index values ---- */

typedef struct index_val {
	cy_norm_field field;
	const char *value;
} index_val;

/* The values of f that go into the blind index, in a fixed order. */
static size_t index_values(const cy_subject_fields *f, index_val *out, size_t cap)
{
	size_t n = 0;

#define ADD(fl, v)                                                                                 \
	do {                                                                                       \
		if (present(v) && n < cap)                                                         \
			out[n++] = (index_val){fl, v};                                             \
	} while (0)
	ADD(CY_NORM_NAME, f->name);
	ADD(CY_NORM_ID_NUMBER, f->id_number);
	ADD(CY_NORM_USCC, f->uscc);
	for (size_t i = 0; i < f->nphones; i++)
		ADD(CY_NORM_PHONE, f->phones[i]);
	for (size_t i = 0; i < f->nemails; i++)
		ADD(CY_NORM_EMAIL, f->emails[i]);
	for (size_t i = 0; i < f->naccounts; i++)
		ADD(CY_NORM_ACCOUNT, f->accounts[i]);
	for (size_t i = 0; i < f->ncustomer_nos; i++)
		ADD(CY_NORM_CUSTOMER_NO, f->customer_nos[i]);
#undef ADD
	return n;
}

#define MAX_INDEX (3 + 4 * CY_SUBJECT_MAX_LIST)

/* The blind-index hashes of f under index_key; *n of them.  Values whose
 * normal form is empty are not indexed.  only: the hashes of that field
 * alone, or ALL_FIELDS. */
#define ALL_FIELDS (-1)
static int index_hashes_of(const uint8_t *index_key, const cy_subject_fields *f, int only,
			   uint8_t hashes[MAX_INDEX][32], cy_norm_field fields[MAX_INDEX],
			   size_t *n)
{
	index_val vals[MAX_INDEX];
	size_t nv = index_values(f, vals, MAX_INDEX);
	cy_buf norm = CY_BUF_INIT;
	int rc = 0;

	*n = 0;
	for (size_t i = 0; !rc && i < nv; i++) {
		if (only != ALL_FIELDS && (int)vals[i].field != only)
			continue;
		rc = cy_normalize(vals[i].field, vals[i].value, strlen(vals[i].value), &norm);
		if (!rc && norm.len) {
			rc = cy_vault__blind_index(index_key, cy_norm_field_name(vals[i].field),
						   (const char *)norm.ptr, norm.len, hashes[*n]);
			fields[(*n)++] = vals[i].field;
		}
	}
	cy_buf_wipe(&norm);
	return rc;
}

static int index_hashes(const uint8_t *index_key, const cy_subject_fields *f,
			uint8_t hashes[MAX_INDEX][32], cy_norm_field fields[MAX_INDEX], size_t *n)
{
	return index_hashes_of(index_key, f, ALL_FIELDS, hashes, fields, n);
}

/* ---- create ---- */

int cy_vault__subject_create(cy_vault *v, const cy_fonds_key *k, const cy_subject_fields *f,
			     int64_t *subject_id, char id_out[CY_SUBJECT_ID_MAX], uint8_t *wrap_key)
{
	cy_buf json = CY_BUF_INIT, norm = CY_BUF_INIT, wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	uint8_t *skey = NULL, nonce1[12], nonce2[12];
	uint8_t hashes[MAX_INDEX][32];
	cy_norm_field hf[MAX_INDEX];
	size_t nh = 0;
	cy_catalog_subject row;
	cy_ledger_entry e;
	char id[CY_SUBJECT_ID_MAX];
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("add subjects"))))
		return rc;
	if (!v->in_tx)
		return cy_error_set(CY_EINVALID, "subject create outside a transaction");
	if ((rc = cy_vault__epoch_writable(v, k)))
		return rc;
	if ((rc = cy_vault__subject_json(f, &json)))
		goto out;
	/* every value to be indexed must normalise, and the name to something */
	if ((rc = cy_normalize(CY_NORM_NAME, f->name, strlen(f->name), &norm)))
		goto out;
	if (!norm.len) {
		rc = cy_error_set(CY_EINVALID, "a subject's name cannot be only white space");
		goto out;
	}
	for (size_t i = 0; i < f->nemails; i++) {
		if ((rc = cy_normalize(CY_NORM_EMAIL, f->emails[i], strlen(f->emails[i]), &norm)))
			goto out;
		if (!memchr(norm.ptr, '@', norm.len)) {
			rc = cy_error_set(CY_EINVALID, "an e-mail address needs an '@'");
			goto out;
		}
	}
	if ((rc = index_hashes(CY_INDEX_KEY(k), f, hashes, hf, &nh)))
		goto out;
	/* a customer erased at their request stays erased (PIPL Art. 47): the
	 * same ID number, phone, e-mail ... is refused, with what to do */
	for (size_t i = 0; i < nh; i++) {
		int64_t eb = 0;
		if (hf[i] == CY_NORM_NAME)
			continue;
		rc = cy_catalog_erased_find(v->cat, k->fonds_id, cy_norm_field_name(hf[i]),
					    hashes[i], 32, &eb);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			rc = cy_error_set(
				CY_EEXISTS,
				"this customer (the same %s) was erased at their request "
				"(PIPL Art. 47, destruction batch %lld) and is not taken in "
				"again; if that is wrong, an archivist decides with custody "
				"subject readmit %lld --reason TEXT",
				cy_norm_field_name(hf[i]), (long long)eb, (long long)eb);
			goto out;
		}
		rc = 0;
	}
	memset(&row, 0, sizeof(row));
	row.fonds_id = k->fonds_id;
	snprintf(row.kind, sizeof(row.kind), "%s", f->kind);
	if (!(skey = cy_secure_alloc(32))) {
		rc = CY_ENOMEM;
		goto out;
	}
	rc = cy_random(skey, 32);
	rc = rc ? rc : cy_random(row.uid, 16);
	rc = rc ? rc : cy_random(nonce1, 12);
	rc = rc ? rc : cy_random(nonce2, 12);
	rc = rc ? rc : cy_catalog_subject_next_no(v->cat, k->fonds_id, &row.no);
	if (rc)
		goto out;
	cy_vault__subject_id(k->code, row.no, id);
	rc = cy_vault__subject_wrap(k->key, v->vault_id, k->code, row.uid, skey, nonce1, &wkey);
	rc = rc ? rc
		: cy_vault__subject_seal(skey, row.uid, id, json.ptr, json.len, nonce2, &fields);
	if (rc)
		goto out;
	row.wkey = wkey.ptr;
	row.wkeylen = wkey.len;
	row.fields = fields.ptr;
	row.fieldslen = fields.len;
	cy_vault__now(row.created);
	if ((rc = cy_catalog_subject_insert(v->cat, &row, v->user_id, subject_id)))
		goto out;
	for (size_t i = 0; !rc && i < nh; i++)
		rc = cy_catalog_subject_index_add(v->cat, k->fonds_id, cy_norm_field_name(hf[i]),
						  hashes[i], *subject_id);
	if (rc)
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "subject.add";
	e.targets[0] = id;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", k->code, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"kind", f->kind, 0};
	if ((rc = cy_vault__log(v, &e)))
		goto out;
	if (wrap_key && (rc = cy_vault__subject_wrap_key(k, k->epoch, skey, wrap_key)))
		goto out;
	snprintf(id_out, CY_SUBJECT_ID_MAX, "%s", id);
out:
	cy_secure_free(skey, 32);
	cy_wipe(hashes, sizeof(hashes));
	cy_buf_wipe(&json);
	cy_buf_wipe(&norm);
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

int cy_subject_add(cy_vault *v, const char *fonds, const cy_subject_fields *f,
		   char id_out[CY_SUBJECT_ID_MAX])
{
	cy_fonds_key *k;
	int64_t sid;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("add subjects"))))
		return rc;
	if (!fonds || !(k = cy_vault__fonds_key(v, fonds)))
		return CY_EPERM;
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = cy_vault__subject_create(v, k, f, &sid, id_out, NULL);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

int cy_vault__subject_link(cy_vault *v, int64_t record_id, int64_t subject_id)
{
	if (!v->in_tx)
		return cy_error_set(CY_EINVALID, "subject link outside a transaction");
	return cy_catalog_record_subject_link(v->cat, record_id, subject_id);
}

/* ---- reading ---- */

/* A subject's key is wrapped under the fonds' key epoch of the day the
 * subject was made: the newest first (vault_epochs.c). */
static int unwrap_any_epoch(cy_vault *v, const cy_fonds_key *k, const uint8_t uid[16],
			    const void *wkey, size_t n, uint8_t skey[32])
{
	int rc = CY_ECORRUPT;

	for (int e = k->epoch; rc == CY_ECORRUPT && e >= 0; e--)
		rc = cy_vault__subject_unwrap(CY_EPOCH_RAW(k, e), v->vault_id, k->code, uid, wkey,
					      n, skey);
	return rc;
}

/* Unwrap and decrypt the row r (held fonds key k) into s (all fields). */
static int decrypt_row(cy_vault *v, const cy_fonds_key *k, const cy_catalog_subject *r,
		       cy_subject_info *s)
{
	uint8_t *skey = cy_secure_alloc(32);
	cy_buf pt = CY_BUF_INIT;
	int rc;

	if (!skey)
		return CY_ENOMEM;
	rc = unwrap_any_epoch(v, k, r->uid, r->wkey, r->wkeylen, skey);
	if (rc == CY_ECORRUPT)
		rc = cy_error_set(CY_ECORRUPT,
				  "subject %s: its key fails authentication (wrong fonds, "
				  "or the catalog was altered)",
				  s->id);
	rc = rc ? rc : cy_vault__subject_open(skey, r->uid, s->id, r->fields, r->fieldslen, &pt);
	rc = rc ? rc : parse_fields(s->id, &pt, r->kind, s);
	cy_secure_free(skey, 32);
	cy_buf_wipe(&pt);
	return rc;
}

static void info_from_row(const cy_catalog_subject *r, cy_subject_info *s)
{
	memset(s, 0, sizeof(*s));
	cy_vault__subject_id(r->fonds, r->no, s->id);
	snprintf(s->fonds, sizeof(s->fonds), "%s", r->fonds);
	snprintf(s->kind, sizeof(s->kind), "%s", r->kind);
	snprintf(s->status, sizeof(s->status), "%s", r->status);
	snprintf(s->created, sizeof(s->created), "%s", r->created);
	snprintf(s->created_by, sizeof(s->created_by), "%s", r->created_by);
	s->records = r->records;
}

static int log_now(cy_vault *v, cy_ledger_entry *e)
{
	int rc = cy_vault__begin(v);

	rc = rc ? rc : cy_vault__log(v, e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

/* The catalog row of a subject the caller may read (by display id), its
 * blobs in wkey and fields, its fonds key in *k.  A fonds not held answers as
 * a missing subject: do not reveal what exists elsewhere. */
static int subject_row(cy_vault *v, const char *id, cy_fonds_key **k, cy_catalog_subject *r,
		       cy_buf *wkey, cy_buf *fields)
{
	char fonds[8];
	int64_t no;
	int rc;

	if ((rc = cy_subject_id_parse(id, fonds, &no)))
		return rc;
	if (!(*k = cy_vault__fonds_key(v, fonds)))
		return cy_error_set(CY_ENOTFOUND, "no subject '%s'", id);
	rc = cy_catalog_subject_get(v->cat, (*k)->fonds_id, no, r, wkey, fields);
	return rc == CY_ENOTFOUND ? cy_error_set(CY_ENOTFOUND, "no subject '%s'", id) : rc;
}

/* One subject the caller may read, decrypted into out (nothing logged);
 * *row_id its catalog row. */
static int subject_open(cy_vault *v, const char *id, cy_subject_info *out, int64_t *row_id)
{
	cy_buf wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	cy_catalog_subject r;
	cy_fonds_key *k;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = subject_row(v, id, &k, &r, &wkey, &fields)))
		goto out;
	*row_id = r.id;
	info_from_row(&r, out);
	rc = decrypt_row(v, k, &r, out);
out:
	if (rc)
		cy_subject_info_release(out);
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

int cy_vault__subject_read(cy_vault *v, const char *id, cy_subject_info *out, int64_t *row_id)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = subject_open(v, id, out, row_id)))
		return rc;
	if ((rc = cy_vault__may_read_subject(v, *row_id, out->id, CY_TR(N_("handed over")))))
		cy_subject_info_release(out);
	return rc;
}

int cy_subject_show(cy_vault *v, const char *id, cy_subject_info *out)
{
	cy_ledger_entry e;
	int64_t row_id;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("read subjects"))))
		return rc;
	if ((rc = subject_open(v, id, out, &row_id)))
		return rc;
	if ((rc = cy_vault__may_read_subject(v, row_id, out->id, CY_TR(N_("shown"))))) {
		cy_subject_info_release(out);
		return rc;
	}
	/* the read is on the ledger before the fields leave the library */
	memset(&e, 0, sizeof(e));
	e.action = "subject.read";
	e.targets[0] = out->id;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", out->fonds, 0};
	if ((rc = log_now(v, &e)))
		cy_subject_info_release(out);
	return rc;
}

int cy_subject_lookup(cy_vault *v, const char *fonds, const char *id, int64_t *subject_id)
{
	cy_buf wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	cy_catalog_subject r;
	cy_fonds_key *k;
	char code[8];
	int64_t no;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("read subjects"))))
		return rc;
	if ((rc = cy_subject_id_parse(id, code, &no)))
		return rc;
	if (!fonds || strcmp(code, fonds))
		return cy_error_set(CY_EINVALID, "subject '%s' belongs to fonds %s, not %s", id,
				    code, fonds ? fonds : "-");
	if (!(rc = subject_row(v, id, &k, &r, &wkey, &fields)))
		*subject_id = r.id;
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

/* ---- the records linked to a subject ---- */

struct take_ctx {
	cy_vault *v;
	cy_record_info r;
};

static int take_record(void *arg, const cy_cat_record *c)
{
	struct take_ctx *t = arg;

	return cy_vault__record_fill(t->v, c, &t->r);
}

/* fn for each record whose number is in nos (n numbers, NUL after each).
 * The record is copied out of the catalog's statement before fn runs, so
 * that fn may use the vault (read the record's bytes). */
static int each_record(cy_vault *v, const cy_buf *nos, size_t n, cy_record_fn fn, void *arg)
{
	const char *no = (const char *)nos->ptr;
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++, no += strlen(no) + 1) {
		struct take_ctx t;
		memset(&t, 0, sizeof(t));
		t.v = v;
		rc = cy_catalog_record_by_no(v->cat, no, take_record, &t);
		if (rc == CY_ENOTFOUND) /* removed since the numbers were read */
			rc = 0;
		else if (!rc && !(rc = cy_vault__withhold_store_only_no(v, &t.r)))
			rc = fn(arg, &t.r); /* a store-only record without its title */
		cy_record_info_release(&t.r);
	}
	return rc;
}

/* The linked records' numbers, the ledger entry (action, the subject's id,
 * its fonds and the number of records), then fn for each record. */
static int records_logged(cy_vault *v, const cy_subject_info *s, int64_t row_id, const char *action,
			  cy_record_fn fn, void *arg)
{
	cy_buf nos = CY_BUF_INIT;
	cy_ledger_entry e;
	size_t n;
	int rc = cy_catalog_subject_record_nos(v->cat, row_id, &nos, &n);

	if (rc)
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = action;
	e.targets[0] = s->id;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", s->fonds, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, (int64_t)n};
	rc = log_now(v, &e);
	rc = rc ? rc : each_record(v, &nos, n, fn, arg);
out:
	cy_buf_release(&nos);
	return rc;
}

int cy_subject_records(cy_vault *v, const char *id, cy_record_fn fn, void *arg)
{
	cy_subject_info s;
	cy_buf wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	cy_catalog_subject r;
	cy_fonds_key *k;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("read subjects"))))
		return rc;
	if (!(rc = subject_row(v, id, &k, &r, &wkey, &fields))) {
		info_from_row(&r, &s);
		rc = records_logged(v, &s, r.id, "subject.records", fn, arg);
	}
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

int cy_subject_export(cy_vault *v, const char *id, cy_subject_info *out, cy_record_fn fn, void *arg)
{
	int64_t row_id;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("export subjects"))))
		return rc;
	if ((rc = subject_open(v, id, out, &row_id)))
		return rc;
	if ((rc = cy_vault__may_read_subject(v, row_id, out->id, CY_TR(N_("exported")))) ||
	    (rc = records_logged(v, out, row_id, "subject.export", fn, arg)))
		cy_subject_info_release(out);
	return rc;
}

static int cmp_code(const void *a, const void *b)
{
	return strcmp((*(cy_fonds_key *const *)a)->code, (*(cy_fonds_key *const *)b)->code);
}

/* The fonds keys to work on: one (by code) or every held one, by code. */
static int target_keys(cy_vault *v, const char *fonds, cy_fonds_key ***out, int *n)
{
	cy_fonds_key **ks;

	*n = 0;
	if (fonds) {
		cy_fonds_key *k = cy_vault__fonds_key(v, fonds);
		if (!k)
			return CY_EPERM;
		if (!(ks = malloc(sizeof(*ks))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		ks[0] = k;
		*n = 1;
	} else {
		if (!(ks = calloc((size_t)v->nkeys + 1, sizeof(*ks))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		for (int i = 0; i < v->nkeys; i++)
			ks[i] = &v->keys[i];
		*n = v->nkeys;
		qsort(ks, (size_t)*n, sizeof(*ks), cmp_code);
	}
	*out = ks;
	return 0;
}

struct list_ctx {
	cy_vault *v;
	const cy_fonds_key *k;
	unsigned flags;
	cy_subject_fn fn;
	void *arg;
};

static int list_row(void *arg, const cy_catalog_subject *r)
{
	struct list_ctx *c = arg;
	cy_subject_info s;
	int rc = 0;

	info_from_row(r, &s);
	if (c->flags & CY_SUBJECT_NAMES)
		rc = decrypt_row(c->v, c->k, r, &s);
	rc = rc ? rc : c->fn(c->arg, &s);
	cy_subject_info_release(&s);
	return rc;
}

int cy_subject_list(cy_vault *v, const char *fonds, unsigned flags, cy_subject_fn fn, void *arg)
{
	cy_fonds_key **ks = NULL;
	cy_ledger_entry e;
	int n, rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("list subjects"))))
		return rc;
	if ((rc = target_keys(v, fonds, &ks, &n)))
		return rc;
	if ((flags & CY_SUBJECT_NAMES) && n) {
		/* reading names of many is logged once per fonds, before any is returned */
		rc = cy_vault__begin(v);
		for (int i = 0; !rc && i < n; i++) {
			memset(&e, 0, sizeof(e));
			e.action = "subject.list";
			e.targets[0] = ks[i]->code;
			e.ntargets = 1;
			e.details[e.ndetails++] = (cy_ledger_detail){"fields", "name", 0};
			rc = cy_vault__log(v, &e);
		}
		rc = rc ? rc : cy_vault__commit(v);
		if (rc)
			cy_vault__rollback(v);
	}
	for (int i = 0; !rc && i < n; i++) {
		struct list_ctx c = {v, ks[i], flags, fn, arg};
		rc = cy_catalog_subject_list(v->cat, ks[i]->fonds_id, list_row, &c);
	}
	free(ks);
	return rc;
}

/* Does the subject's own field f produce hash under k's index key? */
static int confirms(const cy_fonds_key *k, const cy_subject_info *s, cy_norm_field f,
		    const uint8_t hash[32], bool *yes)
{
	uint8_t hashes[MAX_INDEX][32];
	cy_norm_field hf[MAX_INDEX];
	size_t nh;
	/* only the values of field f can give its hash */
	int rc = index_hashes_of(CY_INDEX_KEY(k), &s->f, (int)f, hashes, hf, &nh);

	*yes = false;
	for (size_t i = 0; !rc && i < nh; i++)
		if (hf[i] == f && cy_memeq(hashes[i], hash, 32))
			*yes = true;
	cy_wipe(hashes, sizeof(hashes));
	return rc;
}

int cy_subject_find(cy_vault *v, const char *fonds, const char *field, const char *value,
		    unsigned flags, cy_subject_fn fn, void *arg)
{
	cy_fonds_key **ks = NULL;
	cy_norm_field nf;
	cy_buf norm = CY_BUF_INIT, ids = CY_BUF_INIT, wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	cy_subject_info *hits = NULL;
	size_t nhits = 0;
	uint8_t hash[32];
	cy_ledger_entry e;
	int n = 0, rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("find subjects"))))
		return rc;
	if ((rc = cy_norm_field_parse(field, &nf)))
		return rc;
	if ((rc = cy_normalize(nf, value, strlen(value), &norm)))
		return rc;
	if (!norm.len) {
		rc = cy_error_set(CY_EINVALID, "nothing to look for: the %s is empty", field);
		goto out;
	}
	if ((rc = target_keys(v, fonds, &ks, &n)))
		goto out;
	for (int i = 0; !rc && i < n; i++) {
		cy_buf_clear(&ids);
		rc = cy_vault__blind_index(CY_INDEX_KEY(ks[i]), cy_norm_field_name(nf),
					   (const char *)norm.ptr, norm.len, hash);
		rc = rc ? rc
			: cy_catalog_subject_find(v->cat, ks[i]->fonds_id, cy_norm_field_name(nf),
						  hash, &ids);
		for (size_t j = 0; !rc && j < ids.len / sizeof(int64_t); j++) {
			cy_catalog_subject r;
			cy_subject_info *s, *grown;
			int64_t sid;
			bool yes;

			memcpy(&sid, ids.ptr + j * sizeof(int64_t), sizeof(sid));
			if (!(grown = realloc(hits, (nhits + 1) * sizeof(*hits)))) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			hits = grown;
			s = &hits[nhits];
			memset(s, 0, sizeof(*s));
			rc = cy_catalog_subject_get_by_id(v->cat, sid, &r, &wkey, &fields);
			if (!rc && r.fonds_id != ks[i]->fonds_id)
				rc = cy_error_set(CY_ECORRUPT,
						  "the subject index of fonds %s points into "
						  "another fonds (the catalog was altered)",
						  ks[i]->code);
			if (rc == CY_ENOTFOUND)
				rc = cy_error_set(CY_ECORRUPT,
						  "the subject index of fonds %s names a "
						  "subject that does not exist",
						  ks[i]->code);
			if (rc)
				break;
			nhits++;
			info_from_row(&r, s);
			/* the index is not authenticated: each hit must be confirmed by the
			 * subject's own sealed fields */
			rc = decrypt_row(v, ks[i], &r, s);
			rc = rc ? rc : confirms(ks[i], s, nf, hash, &yes);
			if (!rc && !yes)
				rc = cy_error_set(
					CY_ECORRUPT,
					"the subject index of fonds %s points a %s at %s, whose own "
					"fields do not have it (the catalog was altered; run check)",
					ks[i]->code, cy_norm_field_name(nf), s->id);
		}
	}
	if (rc)
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "subject.find";
	e.targets[0] = fonds ? fonds : "*";
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"field", cy_norm_field_name(nf), 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"hits", NULL, (int64_t)nhits};
	if (flags & CY_SUBJECT_NAMES)
		e.details[e.ndetails++] = (cy_ledger_detail){"fields", "name", 0};
	if ((rc = log_now(v, &e)))
		goto out;
	for (size_t j = 0; !rc && j < nhits; j++) {
		if (!(flags & CY_SUBJECT_NAMES)) {
			/* only what a plain listing shows */
			cy_subject_info_release(&hits[j]);
		}
		rc = fn(arg, &hits[j]);
	}
out:
	for (size_t j = 0; j < nhits; j++)
		cy_subject_info_release(&hits[j]);
	free(hits);
	free(ks);
	cy_wipe(hash, sizeof(hash));
	cy_buf_wipe(&norm);
	cy_buf_release(&ids);
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

/* ---- for the object layer and check ---- */

int cy_vault__subject_key(cy_vault *v, int64_t subject_id, uint8_t key[32])
{
	cy_buf wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	cy_catalog_subject r;
	cy_fonds_key *k;
	int rc = cy_catalog_subject_get_by_id(v->cat, subject_id, &r, &wkey, &fields);

	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "no subject %lld", (long long)subject_id);
	if (!rc && !(k = cy_vault__fonds_key_by_id(v, r.fonds_id)))
		rc = cy_error_set(CY_EPERM, "user '%s' holds no key for fonds '%s'", v->user,
				  r.fonds);
	if (!rc)
		rc = unwrap_any_epoch(v, k, r.uid, r.wkey, r.wkeylen, key);
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

struct check_ctx {
	cy_vault *v;
	const cy_fonds_key *k;
	cy_subject_problem_fn problem;
	void *arg;
	uint64_t n;
	/* the expected rows of the subject being checked */
	uint8_t hashes[MAX_INDEX][32];
	cy_norm_field hf[MAX_INDEX];
	bool seen[MAX_INDEX];
	size_t nh;
	const char *id;
};

static int check_index_row(void *arg, const char *field, const uint8_t *hash, size_t n)
{
	struct check_ctx *c = arg;

	for (size_t i = 0; i < c->nh; i++) {
		if (n == 32 && !strcmp(field, cy_norm_field_name(c->hf[i])) &&
		    cy_memeq(hash, c->hashes[i], 32)) {
			c->seen[i] = true;
			return 0;
		}
	}
	c->problem(c->arg, c->id,
		   "a blind-index row that its fields do not produce (the catalog was altered)");
	return 0;
}

static int check_row(void *arg, const cy_catalog_subject *r)
{
	struct check_ctx *c = arg;
	cy_subject_info s;
	int rc;

	c->n++;
	info_from_row(r, &s);
	c->id = s.id;
	rc = decrypt_row(c->v, c->k, r, &s);
	if (rc == CY_ECORRUPT) {
		c->problem(c->arg, s.id, cy_error_message());
		return 0;
	}
	rc = rc ? rc : index_hashes(CY_INDEX_KEY(c->k), &s.f, c->hashes, c->hf, &c->nh);
	if (!rc) {
		memset(c->seen, 0, sizeof(c->seen));
		rc = cy_catalog_subject_index_rows(c->v->cat, r->id, check_index_row, c);
		for (size_t i = 0; !rc && i < c->nh; i++)
			if (!c->seen[i])
				c->problem(c->arg, s.id,
					   "a blind-index row is missing (the catalog was altered)");
	}
	cy_wipe(c->hashes, sizeof(c->hashes));
	cy_subject_info_release(&s);
	return rc;
}

int cy_vault__subject_check(cy_vault *v, cy_subject_problem_fn problem, void *arg,
			    uint64_t *subjects)
{
	cy_fonds_key **ks = NULL;
	struct check_ctx *c;
	int n, rc;

	*subjects = 0;
	if (!(c = calloc(1, sizeof(*c))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = target_keys(v, NULL, &ks, &n))) {
		free(c);
		return rc;
	}
	c->v = v;
	c->problem = problem;
	c->arg = arg;
	for (int i = 0; !rc && i < n; i++) {
		c->k = ks[i];
		rc = cy_catalog_subject_list(v->cat, ks[i]->fonds_id, check_row, c);
	}
	*subjects = c->n;
	free(ks);
	free(c);
	return rc;
}

/* ---- for importers ---- */

int cy_import_find_subject(cy_import *im, const char *field, const char *value, int64_t *subject_id,
			   char *id_out)
{
	cy_vault *v = cy_import__vault(im);
	cy_fonds_key *k = cy_import__fonds(im);
	cy_buf norm = CY_BUF_INIT, ids = CY_BUF_INIT, wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	cy_norm_field nf;
	uint8_t hash[32];
	int rc;

	if ((rc = cy_norm_field_parse(field, &nf)))
		return rc;
	if ((rc = cy_normalize(nf, value, strlen(value), &norm)))
		return rc;
	if (!norm.len) {
		rc = CY_ENOTFOUND;
		goto out;
	}
	rc = cy_vault__blind_index(CY_INDEX_KEY(k), cy_norm_field_name(nf), (const char *)norm.ptr,
				   norm.len, hash);
	rc = rc ? rc
		: cy_catalog_subject_find(v->cat, k->fonds_id, cy_norm_field_name(nf), hash, &ids);
	if (rc)
		goto out;
	rc = CY_ENOTFOUND;
	/* the first (oldest) subject whose own sealed fields have the value: the
	 * index is not authenticated, so a row pointing elsewhere is refused */
	for (size_t j = 0; rc == CY_ENOTFOUND && j < ids.len / sizeof(int64_t); j++) {
		cy_catalog_subject r;
		cy_subject_info s;
		int64_t sid;
		bool yes = false;

		memcpy(&sid, ids.ptr + j * sizeof(int64_t), sizeof(sid));
		memset(&s, 0, sizeof(s));
		rc = cy_catalog_subject_get_by_id(v->cat, sid, &r, &wkey, &fields);
		if (!rc && r.fonds_id != k->fonds_id)
			rc = CY_ECORRUPT;
		if (!rc) {
			info_from_row(&r, &s);
			rc = decrypt_row(v, k, &r, &s);
			rc = rc ? rc : confirms(k, &s, nf, hash, &yes);
		}
		if (!rc && !yes)
			rc = CY_ECORRUPT;
		if (rc == CY_ECORRUPT || rc == CY_ENOTFOUND)
			rc = cy_error_set(
				CY_ECORRUPT,
				"the subject index of fonds %s points a %s at a subject "
				"that does not have it (the catalog was altered; run check)",
				k->code, cy_norm_field_name(nf));
		if (!rc) {
			*subject_id = sid;
			if (id_out)
				snprintf(id_out, CY_SUBJECT_ID_MAX, "%s", s.id);
		}
		cy_subject_info_release(&s);
	}
out:
	cy_wipe(hash, sizeof(hash));
	cy_buf_wipe(&norm);
	cy_buf_release(&ids);
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

void cy_import_subject_display(cy_import *im, int64_t subject_id, char *id_out)
{
	cy_vault *v = cy_import__vault(im);
	cy_fonds_key *k = cy_import__fonds(im);
	int64_t fonds_id, no;

	*id_out = 0;
	if (!cy_catalog_subject_no(v->cat, subject_id, &fonds_id, &no) && fonds_id == k->fonds_id)
		cy_vault__subject_id(k->code, no, id_out);
}

/* ---- exact search (search.h) ---- */

typedef struct found_subject {
	int64_t id;
	char display[CY_SUBJECT_ID_MAX];
	cy_fonds_key *k;
} found_subject;

/* The confirmed subjects of field nf = normal under every key of ks. */
static int confirmed_subjects(cy_vault *v, cy_fonds_key **ks, int n, cy_norm_field nf,
			      const cy_buf *norm, found_subject **out, size_t *nout,
			      uint8_t first_hash[32])
{
	cy_buf ids = CY_BUF_INIT, wkey = CY_BUF_INIT, fields = CY_BUF_INIT;
	uint8_t hash[32];
	int rc = 0;

	for (int i = 0; !rc && i < n; i++) {
		cy_buf_clear(&ids);
		rc = cy_vault__blind_index(CY_INDEX_KEY(ks[i]), cy_norm_field_name(nf),
					   (const char *)norm->ptr, norm->len, hash);
		if (!rc && i == 0)
			memcpy(first_hash, hash, 32);
		rc = rc ? rc
			: cy_catalog_subject_find(v->cat, ks[i]->fonds_id, cy_norm_field_name(nf),
						  hash, &ids);
		for (size_t j = 0; !rc && j < ids.len / sizeof(int64_t); j++) {
			cy_catalog_subject r;
			cy_subject_info s;
			found_subject *grown;
			int64_t sid;
			bool yes = false;

			memcpy(&sid, ids.ptr + j * sizeof(int64_t), sizeof(sid));
			memset(&s, 0, sizeof(s));
			rc = cy_catalog_subject_get_by_id(v->cat, sid, &r, &wkey, &fields);
			if (!rc && r.fonds_id != ks[i]->fonds_id)
				rc = CY_ECORRUPT;
			if (!rc) {
				info_from_row(&r, &s);
				rc = decrypt_row(v, ks[i], &r, &s);
				rc = rc ? rc : confirms(ks[i], &s, nf, hash, &yes);
			}
			if ((!rc && !yes) || rc == CY_ENOTFOUND || rc == CY_ECORRUPT)
				rc = cy_error_set(CY_ECORRUPT,
						  "the subject index of fonds %s points a %s at a "
						  "subject that does not have it (the catalog was "
						  "altered; run check)",
						  ks[i]->code, cy_norm_field_name(nf));
			if (!rc && !(grown = realloc(*out, (*nout + 1) * sizeof(**out))))
				rc = cy_error_set(CY_ENOMEM, "out of memory");
			if (!rc) {
				*out = grown;
				grown[*nout].id = sid;
				grown[*nout].k = ks[i];
				snprintf(grown[*nout].display, CY_SUBJECT_ID_MAX, "%s", s.id);
				(*nout)++;
			}
			cy_subject_info_release(&s);
		}
	}
	cy_wipe(hash, sizeof(hash));
	cy_buf_release(&ids);
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	return rc;
}

/* What a search hands out, for one record (subject: the customer found,
 * or NULL for a full-text hit). */
typedef struct hit_ctx {
	cy_vault *v;
	const char *subject;
	cy_search_fn fn;
	void *arg;
	uint64_t n;
	const cy_search_filter *filter; /* full text: NULL for every hit */
	size_t limit;			/* full text with a filter: stop after so many */
} hit_ctx;

static int record_hit(void *arg, const cy_record_info *r)
{
	hit_ctx *x = arg;
	cy_search_hit h;
	int rc = cy_vault__store_only_no(x->v, r->archive_no);

	/* a store-only record is no hit (PIPL Art. 47 ¶2; vault_holds.c) */
	if (rc)
		return rc < 0 ? rc : 0;
	memset(&h, 0, sizeof(h));
	h.archive_no = r->archive_no;
	h.subject = x->subject;
	h.fonds = r->fonds;
	h.class_name = r->class_name;
	h.year = r->year;
	h.title = r->title;
	x->n++;
	return x->fn(x->arg, &h);
}

int cy_search_exact(cy_vault *v, const char *fonds, const char *field, const char *value,
		    cy_search_fn fn, void *arg, uint64_t *hits)
{
	cy_fonds_key **ks = NULL;
	found_subject *subs = NULL;
	size_t nsubs = 0;
	cy_norm_field nf;
	cy_buf norm = CY_BUF_INIT;
	uint8_t first[32] = {0};
	char qhex[33];
	cy_ledger_entry e;
	int n = 0, rc;

	if (hits)
		*hits = 0;
	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("search"))))
		return rc;
	if ((rc = cy_norm_field_parse(field, &nf)))
		return rc;
	if ((rc = cy_normalize(nf, value, strlen(value), &norm)))
		return rc;
	if (!norm.len) {
		rc = cy_error_set(CY_EINVALID, "nothing to look for: the %s is empty", field);
		goto out;
	}
	if ((rc = target_keys(v, fonds, &ks, &n)))
		goto out;
	if ((rc = confirmed_subjects(v, ks, n, nf, &norm, &subs, &nsubs, first)))
		goto out;
	/* logged before anything is shown: the kind, the first 16 bytes of the
	 * value's blind-index hash under the first fonds searched (a key holder
	 * can tell which value it was; nobody else can), the hits */
	cy_hex_encode(first, 16, qhex);
	memset(&e, 0, sizeof(e));
	e.action = "search.query";
	e.targets[0] = fonds ? fonds : n == 1 ? ks[0]->code : "*";
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"field", cy_norm_field_name(nf), 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"query", n ? qhex : "", 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"subjects", NULL, (int64_t)nsubs};
	if ((rc = log_now(v, &e)))
		goto out;
	for (size_t i = 0; !rc && i < nsubs; i++) {
		hit_ctx x = {v, subs[i].display, fn, arg, 0, NULL, 0};
		if ((rc = cy_vault__subject_store_only(v, subs[i].id, subs[i].display))) {
			rc = rc < 0 ? rc : 0; /* a store-only customer is no hit */
			continue;
		}
		cy_buf nos = CY_BUF_INIT;
		size_t nn;
		rc = cy_catalog_subject_record_nos(v->cat, subs[i].id, &nos, &nn);
		rc = rc ? rc : each_record(v, &nos, nn, record_hit, &x);
		cy_buf_release(&nos);
		if (!rc && !x.n) {
			cy_search_hit h;
			memset(&h, 0, sizeof(h));
			h.subject = subs[i].display;
			h.fonds = subs[i].k->code;
			x.n = 1;
			rc = fn(arg, &h);
		}
		if (hits)
			*hits += x.n;
	}
out:
	free(subs);
	free(ks);
	cy_wipe(first, sizeof(first));
	cy_buf_wipe(&norm);
	return rc;
}

/* ---- merging what a later row brings (importers) ---- */

/* Append to list (of at most CY_SUBJECT_MAX_LIST) the values of add whose
 * normal form is not there yet; *added counts them. */
static int merge_list(cy_norm_field nf, const char **have, size_t nhave, const char **add,
		      size_t nadd, const char **out, size_t *nout, size_t *added)
{
	cy_buf a = CY_BUF_INIT, b = CY_BUF_INIT;
	int rc = 0;

	*nout = 0;
	for (size_t i = 0; i < nhave && *nout < CY_SUBJECT_MAX_LIST; i++)
		out[(*nout)++] = have[i];
	for (size_t i = 0; !rc && i < nadd && *nout < CY_SUBJECT_MAX_LIST; i++) {
		bool dup = false;
		if (!present(add[i]) || (rc = cy_normalize(nf, add[i], strlen(add[i]), &a)) ||
		    !a.len)
			continue;
		for (size_t j = 0; !rc && !dup && j < *nout; j++) {
			rc = cy_normalize(nf, out[j], strlen(out[j]), &b);
			dup = !rc && b.len == a.len && !memcmp(a.ptr, b.ptr, a.len);
		}
		if (!rc && !dup) {
			out[(*nout)++] = add[i];
			(*added)++;
		}
	}
	cy_buf_wipe(&a);
	cy_buf_wipe(&b);
	return rc == CY_EINVALID ? 0 : rc;
}

/* Whether two names differ once normalised (an unreadable one: not judged). */
static bool names_differ(const char *a, const char *b)
{
	cy_buf na = CY_BUF_INIT, nb = CY_BUF_INIT;
	bool differ = false;

	if (present(a) && present(b) && !cy_normalize(CY_NORM_NAME, a, strlen(a), &na) &&
	    !cy_normalize(CY_NORM_NAME, b, strlen(b), &nb))
		differ = na.len != nb.len || memcmp(na.ptr, nb.ptr, na.len);
	cy_buf_wipe(&na);
	cy_buf_wipe(&nb);
	return differ;
}

int cy_vault__subject_merge(cy_vault *v, const cy_fonds_key *k, int64_t sid,
			    const cy_subject_fields *add, size_t *added, bool *name_differs)
{
	cy_buf wkey = CY_BUF_INIT, fields = CY_BUF_INIT, json = CY_BUF_INIT, sealed = CY_BUF_INIT;
	const char *phones[CY_SUBJECT_MAX_LIST], *emails[CY_SUBJECT_MAX_LIST],
		*accounts[CY_SUBJECT_MAX_LIST], *nos[CY_SUBJECT_MAX_LIST],
		*labels[CY_SUBJECT_MAX_LIST];
	uint8_t hashes[MAX_INDEX][32], nonce[12];
	cy_norm_field hf[MAX_INDEX];
	size_t nh = 0;
	cy_catalog_subject r;
	cy_subject_info s;
	cy_subject_fields m;
	uint8_t *skey = NULL;
	cy_ledger_entry e;
	int rc;

	*added = 0;
	if (name_differs)
		*name_differs = false;
	memset(&s, 0, sizeof(s));
	if ((rc = cy_catalog_subject_get_by_id(v->cat, sid, &r, &wkey, &fields)))
		goto out;
	if (r.fonds_id != k->fonds_id) {
		rc = cy_error_set(CY_EINVALID, "the subject is not of fonds %s", k->code);
		goto out;
	}
	info_from_row(&r, &s);
	if ((rc = decrypt_row(v, k, &r, &s)))
		goto out;
	/* the first row's name stays; a later one that differs is only counted */
	if (name_differs)
		*name_differs = names_differ(s.f.name, add->name);
	m = s.f;
	rc = merge_list(CY_NORM_PHONE, s.f.phones, s.f.nphones, add->phones, add->nphones, phones,
			&m.nphones, added);
	rc = rc ? rc
		: merge_list(CY_NORM_EMAIL, s.f.emails, s.f.nemails, add->emails, add->nemails,
			     emails, &m.nemails, added);
	rc = rc ? rc
		: merge_list(CY_NORM_ACCOUNT, s.f.accounts, s.f.naccounts, add->accounts,
			     add->naccounts, accounts, &m.naccounts, added);
	rc = rc ? rc
		: merge_list(CY_NORM_CUSTOMER_NO, s.f.customer_nos, s.f.ncustomer_nos,
			     add->customer_nos, add->ncustomer_nos, nos, &m.ncustomer_nos, added);
	if (rc || !*added)
		goto out;
	{
		size_t nl = 0, ignored = 0;
		/* labels: the union (not counted as a change on their own) */
		rc = merge_list(CY_NORM_ACCOUNT, s.f.labels, s.f.nlabels, add->labels, add->nlabels,
				labels, &nl, &ignored);
		m.labels = labels;
		m.nlabels = nl;
	}
	m.phones = phones;
	m.emails = emails;
	m.accounts = accounts;
	m.customer_nos = nos;
	if (!(skey = cy_secure_alloc(32))) {
		rc = CY_ENOMEM;
		goto out;
	}
	rc = rc ? rc : unwrap_any_epoch(v, k, r.uid, r.wkey, r.wkeylen, skey);
	rc = rc ? rc : cy_vault__subject_json(&m, &json);
	rc = rc ? rc : cy_random(nonce, sizeof(nonce));
	rc = rc ? rc
		: cy_vault__subject_seal(skey, r.uid, s.id, json.ptr, json.len, nonce, &sealed);
	rc = rc ? rc : cy_catalog_subject_set_fields(v->cat, sid, sealed.ptr, sealed.len);
	rc = rc ? rc : index_hashes(CY_INDEX_KEY(k), &m, hashes, hf, &nh);
	for (size_t i = 0; !rc && i < nh; i++)
		rc = cy_catalog_subject_index_add(v->cat, k->fonds_id, cy_norm_field_name(hf[i]),
						  hashes[i], sid);
	if (rc)
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "subject.amend";
	e.targets[0] = s.id;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", k->code, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"added", NULL, (int64_t)*added};
	rc = cy_vault__log(v, &e);
out:
	cy_secure_free(skey, 32);
	cy_wipe(hashes, sizeof(hashes));
	cy_subject_info_release(&s);
	cy_buf_wipe(&json);
	cy_buf_release(&wkey);
	cy_buf_release(&fields);
	cy_buf_release(&sealed);
	return rc;
}

/* ---- full-text search (search.h) ---- */

static int text_hit(void *arg, int64_t doc, double rank)
{
	hit_ctx *x = arg;
	struct take_ctx t;
	int rc;

	(void)rank;
	memset(&t, 0, sizeof(t));
	t.v = x->v;
	rc = cy_catalog_record_by_id(x->v->cat, doc, take_record, &t);
	if (rc == CY_ENOTFOUND)
		rc = 0; /* a record that is no more (destroyed): not a hit */
	else if (!rc && x->filter &&
		 ((x->filter->class_name && strcmp(x->filter->class_name, t.r.class_name)) ||
		  (x->filter->year && x->filter->year != t.r.year)))
		rc = 0; /* not of the class or year asked for */
	else if (!rc)
		rc = record_hit(x, &t.r);
	cy_record_info_release(&t.r);
	if (!rc && x->limit && x->n >= x->limit)
		rc = 1;
	return rc < 0 ? rc : rc > 0 ? 1 : 0;
}

int cy_search_text(cy_vault *v, const char *fonds, const char *text, size_t limit, cy_search_fn fn,
		   void *arg, uint64_t *hits)
{
	return cy_search_text_filtered(v, fonds, text, NULL, limit, fn, arg, hits);
}

int cy_search_text_filtered(cy_vault *v, const char *fonds, const char *text,
			    const cy_search_filter *filter, size_t limit, cy_search_fn fn,
			    void *arg, uint64_t *hits)
{
	cy_fonds_key **ks = NULL;
	bool filtered = filter && (filter->class_name || filter->year);
	hit_ctx x = {v, NULL, fn, arg, 0, filtered ? filter : NULL, filtered ? limit : 0};
	uint8_t key[32], mac[32];
	char qhex[33] = "";
	cy_ledger_entry e;
	int n = 0, rc;

	if (hits)
		*hits = 0;
	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("search"))))
		return rc;
	if (!text || !*text || strlen(text) > CY_SINDEX_QUERY_MAX)
		return cy_error_set(CY_EINVALID, "a search text is 1 to %d bytes",
				    CY_SINDEX_QUERY_MAX);
	if ((rc = target_keys(v, fonds, &ks, &n)))
		goto out;
	if (n) {
		/* the query as a keyed hash: who holds the fonds key can test a guess */
		rc = cy_vault__text_key(ks[0], key);
		rc = rc ? rc : cy_hmac_sha256(key, 32, text, strlen(text), mac);
		cy_wipe(key, sizeof(key));
		if (rc)
			goto out;
		cy_hex_encode(mac, 16, qhex);
	}
	memset(&e, 0, sizeof(e));
	e.action = "search.query";
	e.targets[0] = fonds ? fonds : n == 1 ? ks[0]->code : "*";
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"field", "text", 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"query", qhex, 0};
	if ((rc = log_now(v, &e)))
		goto out;
	for (int i = 0; !rc && i < n; i++) {
		cy_sindex *idx = NULL;
		rc = cy_vault__text_cached(v, ks[i], &idx);
		if (rc == CY_ENOTFOUND) {
			rc = 0; /* nothing imported into this fonds's index yet */
			continue;
		}
		if (!rc) {
			/* with a filter the index cannot know which hits count: the
			 * callback stops the query at the limit */
			size_t left = limit && !filtered ? limit - (size_t)x.n : 0;
			rc = cy_sindex_query(idx, text, left, 0, text_hit, &x);
		}
		if (limit && x.n >= limit)
			break;
	}
	if (hits)
		*hits = x.n;
out:
	free(ks);
	return rc;
}
