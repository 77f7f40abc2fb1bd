/* transfer_import.c - the receiver's vault takes a received bag in
 * (custody receive --vault): its customers from subjects.jsonl, its records
 * from records.jsonl with their files, each record keeping the sender's
 * archive number and the transfer as fields; one transfer.receive entry in
 * the receiver's ledger.  The bag was validated first (cy_receive), and each
 * file is checked again against the SHA-256 records.jsonl gives as it is
 * read.  docs/internals/transfer.md. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonsec.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/import.h"
#include "custody/record.h"
#include "custody/subject.h"
#include "transfer/transfer_internal.h"
#include "custody/banned.h"

#define PART_MAX ((size_t)1 << 31) /* a part held in memory while it is sealed */

typedef struct subj_map {
	char sender[CY_SUBJECT_ID_MAX];
	int64_t id;
} subj_map;

typedef struct import_ctx {
	cy_vault *v;
	cy_import *im;
	const char *bag;
	const char *transfer;
	subj_map *map;
	size_t nmap;
	cy_receive_import_result *res;
} import_ctx;

static int cmp_map(const void *a, const void *b)
{
	return strcmp(((const subj_map *)a)->sender, ((const subj_map *)b)->sender);
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s ? s : NULL;
}

/* a JSON array of strings as a C array (pointers into the JSON) */
static int strs(json_t *o, const char *k, const char ***out, size_t *n)
{
	json_t *a = json_object_get(o, k), *e;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a) || !json_array_size(a))
		return 0;
	if (!(*out = calloc(json_array_size(a), sizeof(**out))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	json_array_foreach(a, i, e) if (json_is_string(e))(*out)[(*n)++] = json_string_value(e);
	return 0;
}

/* Each line of a JSON Lines tag file of the bag: fn(x, object, line). */
static int each_line(import_ctx *x, const char *name, int (*fn)(import_ctx *, json_t *, size_t))
{
	cy_buf path = CY_BUF_INIT, data = CY_BUF_INIT;
	size_t line = 0;
	int rc = cy_path_join(&path, x->bag, name);

	rc = rc ? rc : cy_read_file(cy_buf_cstr(&path), (size_t)1 << 31, &data);
	for (size_t i = 0, start = 0; !rc && i < data.len; i++) {
		json_t *j;
		json_error_t err;
		if (data.ptr[i] != '\n')
			continue;
		line++;
		if (!(j = json_loadb((const char *)data.ptr + start, i - start,
				     JSON_REJECT_DUPLICATES, &err)) ||
		    !json_is_object(j))
			rc = cy_error_set(CY_ECORRUPT, "%s line %zu is not a JSON object: %s", name,
					  line, err.text);
		else
			rc = fn(x, j, line);
		json_decref(j);
		start = i + 1;
	}
	cy_buf_wipe(&data);
	cy_buf_release(&data);
	cy_buf_release(&path);
	return rc;
}

static int take_subject(import_ctx *x, json_t *o, size_t line)
{
	cy_subject_fields f;
	int64_t sid = 0;
	const char *sender = jstr(o, "id");
	subj_map *m;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.kind = jstr(o, "kind");
	f.name = jstr(o, "name");
	f.id_type = jstr(o, "id_type");
	f.id_number = jstr(o, "id_number");
	f.uscc = jstr(o, "uscc");
	f.address = jstr(o, "address");
	if (!sender || strlen(sender) >= CY_SUBJECT_ID_MAX || !f.kind || !f.name)
		return cy_error_set(CY_ECORRUPT, "subjects.jsonl line %zu: no id, kind or name",
				    line);
	rc = strs(o, "phones", &f.phones, &f.nphones);
	rc = rc ? rc : strs(o, "emails", &f.emails, &f.nemails);
	rc = rc ? rc : strs(o, "accounts", &f.accounts, &f.naccounts);
	rc = rc ? rc : strs(o, "customer_nos", &f.customer_nos, &f.ncustomer_nos);
	rc = rc ? rc : strs(o, "labels", &f.labels, &f.nlabels);
	/* a customer the receiver has already (by ID number or credit code) is
	 * the same customer: merged, not doubled */
	if (!rc && f.id_number &&
	    !cy_import_find_subject(x->im, "id_number", f.id_number, &sid, NULL))
		rc = cy_import_subject_merge(x->im, sid, &f, &(size_t){0}, NULL);
	else if (!rc && f.uscc && !cy_import_find_subject(x->im, "uscc", f.uscc, &sid, NULL))
		rc = cy_import_subject_merge(x->im, sid, &f, &(size_t){0}, NULL);
	else if (!rc) {
		char id[CY_SUBJECT_ID_MAX];
		rc = cy_import_subject(x->im, &f, &sid, id);
		x->res->subjects_added += !rc;
	}
	if (!rc) {
		if (!(m = realloc(x->map, (x->nmap + 1) * sizeof(*m)))) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
		} else {
			x->map = m;
			snprintf(m[x->nmap].sender, CY_SUBJECT_ID_MAX, "%s", sender);
			m[x->nmap++].id = sid;
			x->res->subjects++;
		}
	}
	free(f.phones);
	free(f.emails);
	free(f.accounts);
	free(f.customer_nos);
	free(f.labels);
	return rc;
}

/* A part's bytes from the bag, checked against the digest records.jsonl gives. */
static int load_part(import_ctx *x, json_t *p, cy_buf *out)
{
	const char *file = jstr(p, "file"), *sha = jstr(p, "sha256");
	cy_buf path = CY_BUF_INIT;
	uint8_t h[32];
	char hex[65];
	int rc;

	if (!file || !sha || strstr(file, "..") || file[0] == '/')
		return cy_error_set(CY_ECORRUPT, "records.jsonl names a part without a clean file");
	rc = cy_path_join(&path, x->bag, "data");
	if (!rc) {
		cy_buf full = CY_BUF_INIT;
		rc = cy_path_join(&full, cy_buf_cstr(&path), file);
		rc = rc ? rc : cy_read_file(cy_buf_cstr(&full), PART_MAX, out);
		cy_buf_release(&full);
	}
	if (!rc) {
		cy_sha256(out->ptr, out->len, h);
		cy_hex_encode(h, 32, hex);
		if (strcmp(hex, sha))
			rc = cy_error_set(CY_ECORRUPT,
					  "%s does not have the SHA-256 the sender recorded", file);
	}
	cy_buf_release(&path);
	return rc;
}

static int take_record(import_ctx *x, json_t *o, size_t line)
{
	cy_record_new r;
	json_t *parts = json_object_get(o, "parts"), *p, *subj = json_object_get(o, "subjects"), *e;
	cy_buf *bufs = NULL;
	cy_record_part *rp = NULL;
	int64_t *sids = NULL;
	cy_kv fields[2];
	cy_import_outcome oc;
	char no[64];
	const char *sender_no = jstr(o, "archive_no");
	size_t np = json_array_size(parts), i, ns = 0;
	cy_class klass;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	if (!sender_no || !jstr(o, "class") || cy_class_parse(jstr(o, "class"), &klass) || !np)
		return cy_error_set(CY_ECORRUPT,
				    "records.jsonl line %zu: no archive number, class or parts",
				    line);
	r.klass = klass;
	r.year = (int)json_integer_value(json_object_get(o, "year"));
	r.title = jstr(o, "title");
	r.date = jstr(o, "date");
	r.date_end = jstr(o, "date_end");
	r.retention = jstr(o, "retention");
	r.retention_rule = "user";
	r.source_kind = CY_SOURCE_FILE;
	r.source_path = jstr(o, "file");
	fields[0] = (cy_kv){"sender_archive_no", sender_no};
	fields[1] = (cy_kv){"transfer", x->transfer};
	r.fields = fields;
	r.nfields = 2;
	bufs = calloc(np, sizeof(*bufs));
	rp = calloc(np, sizeof(*rp));
	sids = calloc(json_array_size(subj) + 1, sizeof(*sids));
	if (!bufs || !rp || !sids)
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	json_array_foreach(parts, i, p)
	{
		if (rc)
			break;
		rc = load_part(x, p, &bufs[i]);
		rp[i].role = jstr(p, "role") ? jstr(p, "role") : "original";
		rp[i].format = jstr(p, "format");
		rp[i].data = bufs[i].ptr;
		rp[i].len = bufs[i].len;
	}
	json_array_foreach(subj, i, e)
	{
		subj_map key, *m;
		if (rc || !json_is_string(e) || strlen(json_string_value(e)) >= CY_SUBJECT_ID_MAX)
			continue;
		snprintf(key.sender, sizeof(key.sender), "%s", json_string_value(e));
		if ((m = bsearch(&key, x->map, x->nmap, sizeof(*m), cmp_map)))
			sids[ns++] = m->id;
	}
	r.subjects = sids;
	r.nsubjects = ns;
	rc = rc ? rc : cy_record_create(x->im, &r, rp, np, &oc, no);
	if (!rc && oc == CY_IMPORTED) {
		x->res->records++;
		rc = cy_import_index_record(x->im, &r, rp, np);
	} else if (!rc) {
		x->res->duplicates++;
	}
	if (!rc && cy_import_due(x->im))
		rc = cy_import_commit(x->im);
	for (i = 0; bufs && i < np; i++) {
		cy_buf_wipe(&bufs[i]);
		cy_buf_release(&bufs[i]);
	}
	free(bufs);
	free(rp);
	free(sids);
	return rc;
}

int cy_receive_import(cy_vault *v, const char *fonds, const cy_receive_result *rcv,
		      cy_receive_import_result *res)
{
	import_ctx x;
	cy_ledger_entry e;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.v = v;
	x.bag = rcv->bag;
	x.transfer = rcv->transfer;
	x.res = res;
	cy_json_secure_init();
	if ((rc = cy_import_begin(v, fonds, &x.im)))
		return rc;
	rc = each_line(&x, "metadata/subjects.jsonl", take_subject);
	if (!rc && x.nmap)
		qsort(x.map, x.nmap, sizeof(*x.map), cmp_map);
	rc = rc ? rc : each_line(&x, "metadata/records.jsonl", take_record);
	rc = rc ? rc : cy_import_commit(x.im);
	cy_import_free(x.im);
	free(x.map);
	if (rc)
		return rc;
	/* the receiver's ledger: what came in, from which transfer, under which
	 * tag manifest (the receipt names the same) */
	memset(&e, 0, sizeof(e));
	e.action = "transfer.receive";
	e.targets[e.ntargets++] = fonds;
	e.details[e.ndetails++] = (cy_ledger_detail){"duplicates", NULL, (int64_t)res->duplicates};
	e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, (int64_t)res->records};
	e.details[e.ndetails++] = (cy_ledger_detail){"subjects", NULL, (int64_t)res->subjects};
	e.details[e.ndetails++] = (cy_ledger_detail){"tag_manifest", rcv->tag_manifest, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"transfer", rcv->transfer, 0};
	rc = cy_vault__begin(v);
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}
