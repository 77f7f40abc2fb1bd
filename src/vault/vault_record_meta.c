/* vault_record_meta.c - a record's encrypted metadata (docs/formats/record-meta.md).
 *
 *   meta = nonce (12) || ChaCha20-Poly1305(record-meta key of the fonds, nonce,
 *                          aad = "custody/record-meta/v1/" || archive number,
 *                          plaintext)
 *
 * The first plaintext byte selects the layout: 1 is the foundation's fixed
 * binary layout (title, source path, format, SHA-256, object salt), still
 * read; 2 is a UTF-8 JSON object with the structured fields, written by every
 * new record.  Whatever the layout, a reader gets the JSON form (layout 1 is
 * converted), so amending a record always writes layout 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/jsonsec.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define META_AAD "custody/record-meta/v1/"
#define LAYOUT_BINARY 1
#define LAYOUT_JSON 2

static int meta_aad(const char *archive_no, cy_buf *aad)
{
	cy_buf_clear(aad);
	return cy_buf_printf(aad, META_AAD "%s", archive_no);
}

/* ---- writing the JSON form ---- */

/* Written straight into a buffer (the import path writes one per record;
 * building a jansson tree cost more than sealing a small file).  The member
 * order is the one record-meta.md lists. */
/* A member name written as it is: only for custody's own names (plain ASCII);
 * names that come from outside (free fields) go through member_any. */
static void member(cy_buf *b, int *n, const char *key)
{
	if ((*n)++)
		cy_buf_putc(b, ',');
	cy_buf_putc(b, '"');
	cy_buf_puts(b, key);
	cy_buf_put(b, "\":", 2);
}

static void member_any(cy_buf *b, int *n, const char *key)
{
	if ((*n)++)
		cy_buf_putc(b, ',');
	cy_json_cstr(b, key);
	cy_buf_putc(b, ':');
}

static void member_str(cy_buf *b, int *n, const char *key, const char *val)
{
	if (!val)
		return;
	member(b, n, key);
	cy_json_cstr(b, val);
}

static void member_int(cy_buf *b, int *n, const char *key, int64_t val)
{
	char t[24], *q = t + sizeof(t);
	uint64_t u = val < 0 ? 0 - (uint64_t)val : (uint64_t)val;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (val < 0)
		*--q = '-';
	member(b, n, key);
	cy_buf_put(b, q, (size_t)(t + sizeof(t) - q));
}

static void member_hex(cy_buf *b, int *n, const char *key, const uint8_t *p, size_t len)
{
	char hex[66];

	cy_hex_encode(p, len, hex + 1); /* lower-case hex needs no escaping */
	hex[0] = '"';
	hex[2 * len + 1] = '"';
	member(b, n, key);
	cy_buf_put(b, hex, 2 * len + 2);
}

int cy_vault__meta_write(const cy_meta *m, cy_buf *b)
{
	const cy_record_new *r = m->r;
	int n = 0, k;

	cy_buf_grow(b, 640); /* one allocation for a usual record */
	cy_buf_putc(b, '{');
	/* class, year and retention are parts of the archive number, which the
	 * seal binds as associated data: not repeated here.  Members at their
	 * default are left out (record-meta.md): every record is smaller. */
	member_str(b, &n, "title", r->title ? r->title : "");
	member_str(b, &n, "date", r->date && *r->date ? r->date : NULL);
	member_str(b, &n, "date_end", r->date_end && *r->date_end ? r->date_end : NULL);
	if (m->retention_rule && strcmp(m->retention_rule, "class-default"))
		member_str(b, &n, "retention_rule", m->retention_rule);
	member(b, &n, "source");
	k = 0;
	cy_buf_putc(b, '{');
	member_str(b, &k, "kind", cy_source_kind_name(r->source_kind));
	member_str(b, &k, "path", r->source_path);
	if (r->source_kind == CY_SOURCE_CSV || r->source_kind == CY_SOURCE_XLSX)
		member_int(b, &k, "line", r->source_line);
	member_str(b, &k, "message_id", r->message_id);
	if (r->source_kind == CY_SOURCE_FILE && r->mtime)
		member_int(b, &k, "mtime", r->mtime);
	cy_buf_putc(b, '}');
	member(b, &n, "objects");
	cy_buf_putc(b, '[');
	for (size_t i = 0; i < m->nobjects; i++) {
		const cy_meta_object *mo = &m->objects[i];
		if (i)
			cy_buf_putc(b, ',');
		k = 0;
		cy_buf_putc(b, '{');
		if (mo->role && strcmp(mo->role, "original"))
			member_str(b, &k, "role", mo->role);
		member_str(b, &k, "format", mo->format ? mo->format : "binary");
		member_int(b, &k, "size", (int64_t)mo->size);
		member_hex(b, &k, "sha256", mo->sha256, 32);
		member_hex(b, &k, "salt", mo->salt, 16);
		cy_buf_putc(b, '}');
	}
	cy_buf_putc(b, ']');
	if (m->nsubjects) {
		member(b, &n, "subjects");
		cy_buf_putc(b, '[');
		for (size_t i = 0; i < m->nsubjects; i++) {
			char hex[33];
			if (i)
				cy_buf_putc(b, ',');
			cy_hex_encode(m->subject_uids[i], 16, hex);
			cy_json_cstr(b, hex);
		}
		cy_buf_putc(b, ']');
	}
	if (r->nlabels) {
		member(b, &n, "labels");
		cy_buf_putc(b, '[');
		for (size_t i = 0; i < r->nlabels; i++) {
			if (i)
				cy_buf_putc(b, ',');
			cy_json_cstr(b, r->labels[i]);
		}
		cy_buf_putc(b, ']');
	}
	if (m->status && strcmp(m->status, "held"))
		member_str(b, &n, "status", m->status);
	if (r->nfields) {
		member(b, &n, "fields");
		k = 0;
		cy_buf_putc(b, '{');
		for (size_t i = 0; i < r->nfields; i++) {
			member_any(b, &k, r->fields[i].key);
			cy_json_cstr(b, r->fields[i].value ? r->fields[i].value : "");
		}
		cy_buf_putc(b, '}');
	}
	return cy_buf_putc(b, '}'); /* a buffer that failed to grow stays failed */
}

/* ---- the JSON form of layout 1 ---- */

static int set_str(json_t *o, const char *key, const char *val)
{
	if (!val)
		return 0;
	if (json_object_set_new(o, key, json_string(val)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return 0;
}

static int set_int(json_t *o, const char *key, json_int_t val)
{
	if (json_object_set_new(o, key, json_integer(val)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return 0;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char hex[65];

	cy_hex_encode(p, n, hex);
	return json_string(hex);
}

/* ---- sealing and opening ---- */

int cy_vault__meta_seal_json(const cy_fonds_key *k, const char *archive_no, json_t *meta,
			     cy_buf *out)
{
	cy_buf pt = CY_BUF_INIT, aad = CY_BUF_INIT;
	cy_aead *a = NULL;
	uint8_t nonce[12];
	char *text;
	int rc;

	cy_json_secure_init();
	/* compact, keys in the order they were set, UTF-8 as is */
	text = cy_json_dumps_whole(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return cy_error_set(CY_ENOMEM, "out of memory encoding record metadata");
	rc = cy_buf_put_u8(&pt, LAYOUT_JSON);
	rc = rc ? rc : cy_buf_puts(&pt, text);
	cy_json_free(text);
	rc = rc ? rc : meta_aad(archive_no, &aad);
	rc = rc ? rc : cy_aead_new(&a, CY_META_KEY(k));
	rc = rc ? rc : cy_random(nonce, 12);
	rc = rc ? rc : cy_vault__meta_seal_raw(a, nonce, &aad, &pt, out);
	cy_aead_free(a);
	cy_buf_wipe(&pt);
	cy_buf_release(&aad);
	return rc;
}

/* nonce || AEAD(pt): split out so that the format's vector can fix the nonce. */
int cy_vault__meta_seal_raw(cy_aead *a, const uint8_t nonce[12], const cy_buf *aad,
			    const cy_buf *pt, cy_buf *out)
{
	int rc = cy_buf_put(out, nonce, 12);

	rc = rc ? rc : cy_buf_grow(out, pt->len + 16);
	rc = rc ? rc
		: cy_aead_seal(a, nonce, aad->ptr, aad->len, pt->ptr, pt->len, out->ptr + out->len);
	if (!rc)
		out->len += pt->len + 16;
	return rc;
}

int cy_vault__meta_seal(cy_aead *a, const char *archive_no, const cy_meta *m, cy_buf *out)
{
	cy_buf pt = CY_BUF_INIT, aad = CY_BUF_INIT;
	uint8_t nonce[12];
	int rc = cy_buf_put_u8(&pt, LAYOUT_JSON);

	rc = rc ? rc : cy_vault__meta_write(m, &pt);
	rc = rc ? rc : meta_aad(archive_no, &aad);
	rc = rc ? rc : cy_random(nonce, 12);
	rc = rc ? rc : cy_vault__meta_seal_raw(a, nonce, &aad, &pt, out);
	cy_buf_wipe(&pt);
	cy_buf_release(&aad);
	return rc;
}

static int damaged(const char *archive_no)
{
	return cy_error_set(CY_ECORRUPT, "record %s: metadata is damaged", archive_no);
}

static int get_str16(const uint8_t **p, const uint8_t *end, json_t *o, const char *key)
{
	size_t n;
	json_t *s;

	if (end - *p < 2)
		return -1;
	n = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	if ((size_t)(end - *p) < n)
		return -1;
	s = json_stringn((const char *)*p, n);
	*p += n;
	return s && !json_object_set_new(o, key, s) ? 0 : -1;
}

/* Layout 1: 01 || sha256 (32) || mtime (8, big-endian) || salt (16) ||
 * title, source path, format (each u16 length || UTF-8).  Converted to the
 * JSON form; class, year and retention come from the catalog row. */
static int binary_to_json(const char *archive_no, const uint8_t *p, size_t n, json_t **out)
{
	const uint8_t *end = p + n;
	json_t *o = json_object(), *src = json_object(), *obj = json_object(), *tmp = json_object();
	int rc = 0;

	if (!o || !src || !obj || !tmp) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if (n < 1 + 32 + 8 + 16 + 6) {
		rc = damaged(archive_no);
		goto out;
	}
	const uint8_t *sha = p + 1, *salt = p + 1 + 32 + 8;
	int64_t mtime = (int64_t)cy_load_u64be(p + 1 + 32);
	p += 1 + 32 + 8 + 16;
	if (get_str16(&p, end, tmp, "title") || get_str16(&p, end, tmp, "path") ||
	    get_str16(&p, end, tmp, "format")) {
		rc = damaged(archive_no);
		goto out;
	}
	if (json_object_set(o, "title", json_object_get(tmp, "title")) ||
	    set_str(src, "kind", "file") ||
	    json_object_set(src, "path", json_object_get(tmp, "path")) ||
	    set_int(src, "mtime", mtime) || json_object_set(o, "source", src) ||
	    set_str(obj, "role", "original") ||
	    json_object_set(obj, "format", json_object_get(tmp, "format")) ||
	    json_object_set_new(obj, "sha256", hex_json(sha, 32)) ||
	    json_object_set_new(obj, "salt", hex_json(salt, 16)) ||
	    json_object_set_new(o, "objects", json_array()) ||
	    json_array_append(json_object_get(o, "objects"), obj) ||
	    json_object_set_new(o, "subjects", json_array()) ||
	    json_object_set_new(o, "labels", json_array()) ||
	    json_object_set_new(o, "fields", json_object()))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
out:
	json_decref(src);
	json_decref(obj);
	json_decref(tmp);
	if (rc)
		json_decref(o);
	else
		*out = o;
	return rc;
}

int cy_vault__meta_open_json(const cy_fonds_key *k, const char *archive_no, const void *blob,
			     size_t n, json_t **out, int *layout)
{
	cy_buf aad = CY_BUF_INIT, pt = CY_BUF_INIT;
	cy_aead *a = NULL;
	json_error_t err;
	int rc;

	cy_json_secure_init();
	if (n < 12 + 16 + 1)
		return damaged(archive_no);
	rc = meta_aad(archive_no, &aad);
	rc = rc ? rc : cy_buf_grow(&pt, n);
	/* the newest key epoch first: a record is sealed under the epoch its
	 * fonds was at when it was written (vault_epochs.c) */
	for (int e = k->epoch; !rc && e >= 0; e--) {
		rc = cy_aead_new(&a, CY_EPOCH_META(k, e));
		if (!rc && cy_aead_open(a, blob, aad.ptr, aad.len, (const uint8_t *)blob + 12,
					n - 12, pt.ptr))
			rc = e ? 0 : CY_ECORRUPT;
		else if (!rc)
			e = -1; /* opened */
		cy_aead_free(a);
		a = NULL;
	}
	cy_buf_release(&aad);
	if (rc && rc != CY_ECORRUPT) {
		cy_buf_wipe(&pt);
		return rc;
	}
	if (rc) {
		cy_buf_wipe(&pt);
		return cy_error_set(CY_ECORRUPT, "record %s: metadata fails authentication",
				    archive_no);
	}
	pt.len = n - 12 - 16;
	*layout = pt.ptr[0];
	if (pt.ptr[0] == LAYOUT_BINARY) {
		rc = binary_to_json(archive_no, pt.ptr, pt.len, out);
	} else if (pt.ptr[0] == LAYOUT_JSON) {
		unsigned long failures = cy_json_alloc_failures();
		*out = json_loadb((const char *)pt.ptr + 1, pt.len - 1, JSON_REJECT_DUPLICATES,
				  &err);
		/* a failed allocation is not always reported by jansson, and may
		 * have cost a string a character (jsonsec.h): never shown or
		 * sealed again */
		if (cy_json_alloc_failures() != failures ||
		    (!*out && json_error_code(&err) == json_error_out_of_memory)) {
			json_decref(*out);
			*out = NULL;
			rc = cy_error_set(CY_ENOMEM,
					  "out of memory reading the metadata of record %s",
					  archive_no);
		} else if (!*out || !json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = damaged(archive_no);
		}
	} else {
		rc = cy_error_set(CY_ECORRUPT, "record %s: unknown metadata layout %u", archive_no,
				  pt.ptr[0]);
	}
	cy_buf_wipe(&pt);
	return rc;
}

/* ---- reading the JSON form into a record_info ---- */

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s);
}

/* The first object's recorded SHA-256 (hex) and salt; the metadata is
 * damaged without them or without a source. */
static int first_object(const char *archive_no, json_t *j, char sha_hex[65], uint8_t salt[16])
{
	json_t *first = json_array_get(json_object_get(j, "objects"), 0);
	const char *sha = jstr(first, "sha256"), *salt_hex = jstr(first, "salt");

	if (!json_is_object(json_object_get(j, "source")) || !json_is_object(first) ||
	    strlen(sha) != 64 || cy_hex_decode(salt_hex, strlen(salt_hex), salt, 16))
		return damaged(archive_no);
	memcpy(sha_hex, sha, 65);
	return 0;
}

int cy_vault__meta_to_info(const char *archive_no, json_t *j, int layout, cy_record_info *r)
{
	json_t *src = json_object_get(j, "source");
	json_t *objs = json_object_get(j, "objects");
	json_t *first = json_array_get(objs, 0);
	int rc;

	if ((rc = first_object(archive_no, j, r->sha256, r->salt)))
		return rc;
	r->meta_version = layout;
	copy(r->format, sizeof(r->format), jstr(first, "format"));
	copy(r->date, sizeof(r->date), jstr(j, "date"));
	copy(r->date_end, sizeof(r->date_end), jstr(j, "date_end"));
	copy(r->retention_rule, sizeof(r->retention_rule),
	     json_object_get(j, "retention_rule") ? jstr(j, "retention_rule") : "class-default");
	copy(r->source_kind, sizeof(r->source_kind), jstr(src, "kind"));
	r->source_line = (int64_t)json_integer_value(json_object_get(src, "line"));
	r->nobjects = (unsigned)json_array_size(objs);
	r->nsubjects = (unsigned)json_array_size(json_object_get(j, "subjects"));
	r->nlabels = (unsigned)json_array_size(json_object_get(j, "labels"));
	r->nfields = (unsigned)json_object_size(json_object_get(j, "fields"));
	r->title = strdup(jstr(j, "title"));
	r->source = strdup(jstr(src, "path"));
	if (json_object_get(src, "message_id"))
		r->message_id = strdup(jstr(src, "message_id"));
	if (layout == LAYOUT_JSON) {
		/* owned by the record info, freed with free(): copied out of jansson's allocation */
		char *t = cy_json_dumps_whole(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		r->meta_json = t ? strdup(t) : NULL;
		cy_json_free(t);
	}
	if (!r->title || !r->source || (json_object_get(src, "message_id") && !r->message_id) ||
	    (layout == LAYOUT_JSON && !r->meta_json)) {
		cy_record_info_release(r);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	return 0;
}

int cy_vault__meta_part(const char *archive_no, const char *meta_json, unsigned i,
			cy_record_part_info *out, uint8_t salt[16])
{
	json_t *j = meta_json ? json_loads(meta_json, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *o = json_array_get(json_object_get(j, "objects"), i);
	const char *sha = jstr(o, "sha256"), *salt_hex = jstr(o, "salt");
	json_t *size = json_object_get(o, "size");
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) || strlen(sha) != 64 || !json_is_integer(size) ||
	    json_integer_value(size) < 0 ||
	    (salt && cy_hex_decode(salt_hex, strlen(salt_hex), salt, 16))) {
		rc = damaged(archive_no);
		goto out;
	}
	/* the role is left out for the original (docs/formats/record-meta.md) */
	copy(out->role, sizeof(out->role),
	     json_object_get(o, "role") ? jstr(o, "role")
	     : i			? "part"
					: "original");
	copy(out->format, sizeof(out->format), jstr(o, "format"));
	out->size = (uint64_t)json_integer_value(size);
	memcpy(out->sha256, sha, 65);
out:
	json_decref(j);
	return rc;
}

int cy_record_part_describe(const cy_record_info *r, unsigned i, cy_record_part_info *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= r->nobjects)
		return cy_error_set(CY_EINVALID, "record %s has %u parts, not %u", r->archive_no,
				    r->nobjects, i + 1);
	if (r->meta_json)
		return cy_vault__meta_part(r->archive_no, r->meta_json, i, out, NULL);
	/* layout 1: one object, described by the record info itself */
	copy(out->role, sizeof(out->role), "original");
	copy(out->format, sizeof(out->format), r->format);
	out->size = r->size;
	memcpy(out->sha256, r->sha256, sizeof(out->sha256));
	return 0;
}

int cy_vault__meta_open(const cy_fonds_key *k, const char *archive_no, const void *blob, size_t n,
			cy_record_info *r)
{
	json_t *j = NULL;
	int layout = 0;
	int rc = cy_vault__meta_open_json(k, archive_no, blob, n, &j, &layout);

	rc = rc ? rc : cy_vault__meta_to_info(archive_no, j, layout, r);
	json_decref(j);
	return rc;
}

/* The recorded SHA-256 and object salt of a record's first object (for check). */
int cy_vault__meta_sha(cy_vault *v, const cy_fonds_key *k, const char *archive_no, const void *meta,
		       size_t n, char sha_hex[65], uint8_t salt[16])
{
	json_t *j = NULL;
	int layout = 0;
	int rc = cy_vault__meta_open_json(k, archive_no, meta, n, &j, &layout);

	/* only what check needs: not the record info (its JSON text is the
	 * whole metadata written out again) */
	(void)v;
	rc = rc ? rc : first_object(archive_no, j, sha_hex, salt);
	json_decref(j);
	return rc;
}
