/* vault_reindex.c - what a record gives the full-text index, and the index
 * rebuilt from the records and checked against them (docs/internals/
 * search.md, "In the vault").
 *
 * One function, cy_vault__doc_body, turns a record's source and parts into
 * the body text of its document: the importers (through
 * cy_import_index_record) and the rebuild (from the stored parts) both call
 * it, so the two cannot disagree about what a record says. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/jsonsec.h"
#include "catalog/catalog_audit.h"
#include "catalog/catalog_records.h"
#include "catalog/catalog_textindex.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/import.h"
#include "custody/search.h"
#include "custody/sindex.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define BODY_MAX CY_IMPORT_TEXT_MAX /* what of a record's text is indexed */
#define PART_MAX (1u << 20)	    /* what of a part the rebuild reads (a row's fields) */
#define PAGE_IDS 1000

/* ---- record -> document ---- */

/* The formats of an imported file whose text is indexed (ingest's sniffer). */
bool cy_import_indexes_format(const char *f)
{
	static const char *const text[] = {"text", "text-legacy", "csv", "eml", "xml", "html"};

	for (size_t i = 0; f && i < sizeof(text) / sizeof(*text); i++)
		if (!strcmp(f, text[i]))
			return true;
	return false;
}

/* Append at most what keeps body within BODY_MAX, cut at a character
 * boundary; only well-formed UTF-8 (else nothing). */
static int put_text(cy_buf *body, const char *s, size_t n, bool prefix)
{
	size_t room = body->len < BODY_MAX ? BODY_MAX - body->len : 0;

	if (n > room) {
		n = room;
		prefix = true;
	}
	if (prefix) /* a prefix may end inside a character: back up to its start */
		for (size_t k = 0; k < 4 && n && n < SIZE_MAX && !cy_utf8_valid(s, n); k++)
			n--;
	if (!n || !cy_utf8_valid(s, n))
		return 0;
	return cy_buf_put(body, s, n);
}

/* A table row's "fields" part: the values of its fields, then of its other
 * columns, each followed by a space (what the row said, in its order). */
static int fields_body(const cy_record_part *p, cy_buf *body)
{
	json_t *j, *o;
	const char *key;
	json_t *val;
	unsigned long fails = cy_json_alloc_failures();
	int rc = 0;

	/* a group of transactions keeps an array of rows: its title alone */
	if (!p->len || *(const char *)p->data != '{')
		return 0;
	cy_json_secure_init();
	if (!(j = json_loadb(p->data, p->len, 0, NULL)))
		return cy_json_alloc_failures() != fails ? CY_ENOMEM : 0;
	for (int pass = 0; !rc && pass < 2; pass++) {
		o = json_is_object(j) ? json_object_get(j, pass ? "columns" : "fields") : NULL;
		if (!json_is_object(o))
			continue;
		json_object_foreach(o, key, val)
		{
			const char *s = json_string_value(val);
			size_t n = s ? json_string_length(val) : 0;
			size_t before = body->len;
			if (!n)
				continue;
			rc = put_text(body, s, n, false);
			if (!rc && body->len > before)
				rc = cy_buf_putc(body, ' ');
			if (rc)
				break;
		}
	}
	json_decref(j);
	if (!rc && cy_json_alloc_failures() != fails)
		rc = CY_ENOMEM;
	return rc;
}

/* A message's From, To and Cc header values (as they stand, unfolded), from
 * its original. */
static int mail_headers(const cy_record_part *p, cy_buf *body)
{
	const char *s = p->data, *end = s + p->len;
	bool want = false;
	int rc = 0;

	while (!rc && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - s);
		if (n && s[n - 1] == '\r')
			n--;
		if (!n) /* the end of the header */
			break;
		if (*s == ' ' || *s == '\t') { /* a folded line of the header before */
			size_t ws = 0;
			while (ws < n && (s[ws] == ' ' || s[ws] == '\t'))
				ws++;
			if (want && ws < n) {
				rc = body->len ? cy_buf_putc(body, ' ') : 0;
				rc = rc ? rc : put_text(body, s + ws, n - ws, false);
			}
		} else {
			const char *colon = memchr(s, ':', n);
			size_t name = colon ? (size_t)(colon - s) : 0, ws = name + 1;
			want = (name == 4 && !strncasecmp(s, "From", 4)) ||
			       (name == 2 &&
				(!strncasecmp(s, "To", 2) || !strncasecmp(s, "Cc", 2)));
			while (want && ws < n && (s[ws] == ' ' || s[ws] == '\t'))
				ws++;
			if (want && ws < n) {
				rc = body->len ? cy_buf_putc(body, ' ') : 0;
				rc = rc ? rc : put_text(body, s + ws, n - ws, false);
			}
		}
		s = nl ? nl + 1 : end;
	}
	return rc ? rc : body->len ? cy_buf_putc(body, ' ') : 0;
}

int cy_vault__doc_body(cy_source_kind kind, const cy_record_part *parts, size_t n, cy_buf *body)
{
	int rc = 0;

	cy_buf_clear(body);
	switch (kind) {
	case CY_SOURCE_CSV:
		for (size_t i = 0; !rc && i < n; i++)
			if (parts[i].role && !strcmp(parts[i].role, "fields") && parts[i].data)
				rc = fields_body(&parts[i], body);
		return rc ? rc : 1;
	case CY_SOURCE_MAIL:
		for (size_t i = 0; !rc && i < n; i++)
			if (i == 0 && parts[0].data)
				rc = mail_headers(&parts[0], body);
		for (size_t i = 1; !rc && i < n; i++)
			if (parts[i].role && !strcmp(parts[i].role, "text") && parts[i].data)
				rc = put_text(body, parts[i].data, parts[i].len, true);
		return rc ? rc : 1;
	case CY_SOURCE_FILE:
		if (!n || !cy_import_indexes_format(parts[0].format))
			return 0;
		if (parts[0].data)
			rc = put_text(body, parts[0].data, parts[0].len, true);
		return rc ? rc : 1;
	default:
		return 0;
	}
}

int cy_import_index_record(cy_import *im, const cy_record_new *r, const cy_record_part *parts,
			   size_t nparts)
{
	cy_buf body = CY_BUF_INIT;
	int rc = cy_vault__doc_body(r->source_kind, parts, nparts, &body);

	if (rc == 1)
		rc = cy_import_index_text(im, r->title, body.len ? (const char *)body.ptr : NULL);
	cy_buf_wipe(&body);
	return rc;
}

/* ---- a stored record -> document ---- */

typedef struct rec_doc {
	cy_vault *v;
	cy_fonds_key *k;
	cy_record_info info;
	bool have;
	cy_source_kind kind;
	json_t *objects; /* the metadata's objects */
} rec_doc;

static int take_record(void *arg, const cy_cat_record *c)
{
	rec_doc *d = arg;
	int rc = cy_vault__record_fill(d->v, c, &d->info);

	d->have = true;
	return rc;
}

typedef struct part_read {
	cy_buf *out;
	size_t max;
} part_read;

static int keep_prefix(void *arg, const void *p, size_t n)
{
	part_read *pr = arg;
	size_t room = pr->out->len < pr->max ? pr->max - pr->out->len : 0;

	return cy_buf_put(pr->out, p, n < room ? n : room);
}

typedef struct part_ctx {
	rec_doc *d;
	int seq;
	cy_buf *out;
} part_ctx;

static int read_part(void *arg, const cy_cat_record *p)
{
	part_ctx *pc = arg;
	json_t *o = json_array_get(pc->d->objects, (size_t)pc->seq);
	const char *sha = json_string_value(json_object_get(o, "sha256"));
	const char *salt_hex = json_string_value(json_object_get(o, "salt"));
	json_t *size = json_object_get(o, "size");
	uint8_t salt[16];
	part_read pr = {pc->out, PART_MAX};

	/* the row's size is the record's (its first part's): a part's own is in
	 * the metadata, as cy_record_get_part reads it */
	if (!sha || !salt_hex || strlen(salt_hex) != 32 || !json_is_integer(size) ||
	    json_integer_value(size) < 0 || cy_hex_decode(salt_hex, 32, salt, sizeof(salt)))
		return cy_error_set(CY_ECORRUPT, "record %s: its metadata names no object %d",
				    pc->d->info.archive_no, pc->seq);
	return cy_vault__read_object(pc->d->v, pc->d->k, pc->d->info.archive_no,
				     &(cy_obj_ref){.pack = p->pack,
						   .offset = p->offset,
						   .length = p->length,
						   .size = (uint64_t)json_integer_value(size),
						   .dkey = p->dkey_len ? p->dkey : NULL,
						   .dkey_len = p->dkey_len,
						   .owner_subject_id = p->owner_subject_id},
				     sha, salt, keep_prefix, &pr);
}

/* Record id's document: 1 with *title (borrowed from d) and body, 0 when
 * the record is not indexed; with_parts false: only whether it is (id 0:
 * of the record already in d->info). */
static int record_doc(rec_doc *d, int64_t id, bool with_parts, cy_buf *body)
{
	cy_record_part parts[8];
	cy_buf data[8];
	size_t n = 0;
	json_t *meta = NULL;
	int rc;

	for (size_t i = 0; i < 8; i++)
		cy_buf_init(&data[i]);
	d->objects = NULL;
	if (id) {
		cy_record_info_release(&d->info);
		d->have = false;
		rc = cy_catalog_record_by_id(d->v->cat, id, take_record, d);
		if (rc == CY_ENOTFOUND)
			return 0;
		if (rc)
			goto out;
	} /* else d->info was filled by the caller */
	d->kind = !strcmp(d->info.source_kind, "csv")	 ? CY_SOURCE_CSV
		  : !strcmp(d->info.source_kind, "mail") ? CY_SOURCE_MAIL
		  : !strcmp(d->info.source_kind, "file") ? CY_SOURCE_FILE
							 : CY_SOURCE_NONE;
	cy_json_secure_init();
	if (d->info.meta_json && !(meta = json_loads(d->info.meta_json, 0, NULL))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	d->objects = json_object_get(meta, "objects");
	for (size_t i = 0; i < json_array_size(d->objects) && n < 8; i++) {
		json_t *o = json_array_get(d->objects, i);
		const char *role = json_string_value(json_object_get(o, "role"));
		parts[n++] = (cy_record_part){role ? role : "original", NULL, 0,
					      json_string_value(json_object_get(o, "format"))};
	}
	if (!n) /* layout 1 */
		parts[n++] = (cy_record_part){"original", NULL, 0, d->info.format};
	rc = cy_vault__doc_body(d->kind, parts, n, body);
	if (rc != 1 || !with_parts)
		goto out;
	/* read the parts the body comes from, then derive it again with them */
	for (size_t i = 0; i < n; i++) {
		bool need = d->kind == CY_SOURCE_CSV	? !strcmp(parts[i].role, "fields")
			    : d->kind == CY_SOURCE_MAIL ? i == 0 || !strcmp(parts[i].role, "text")
							: i == 0;
		part_ctx pc = {d, (int)i, &data[i]};
		if (!need || !d->objects)
			continue;
		rc = cy_catalog_record_part(d->v->cat, id, (int)i, read_part, &pc);
		if (rc == CY_ENOTFOUND)
			rc = cy_error_set(CY_ECORRUPT, "record %s: part %zu is not in the catalog",
					  d->info.archive_no, i);
		if (rc < 0)
			goto out;
		parts[i].data = data[i].ptr ? (const void *)data[i].ptr : "";
		parts[i].len = data[i].len;
	}
	rc = cy_vault__doc_body(d->kind, parts, n, body);
out:
	for (size_t i = 0; i < 8; i++)
		cy_buf_wipe(&data[i]);
	d->objects = NULL;
	json_decref(meta);
	return rc;
}

/* ---- the rebuild ---- */

typedef struct id_page {
	int64_t *ids;
	size_t n;
} id_page;

static int take_id(void *arg, int64_t id)
{
	id_page *p = arg;

	p->ids[p->n++] = id;
	return 0;
}

static int index_path(cy_vault *v, const cy_fonds_key *k, const char *suffix, cy_buf *out)
{
	cy_buf_clear(out);
	return cy_buf_printf(out, "%s/index/%s.idx%s", v->dir, k->code, suffix);
}

/* Forget the handle a search of this process keeps on the fonds's index. */
static void drop_cached(cy_vault *v, const cy_fonds_key *k)
{
	for (int i = 0; i < v->ntext; i++)
		if (v->text_fonds[i] == k->fonds_id) {
			cy_sindex_close(v->text_idx[i]);
			v->text_idx[i] = v->text_idx[v->ntext - 1];
			v->text_fonds[i] = v->text_fonds[v->ntext - 1];
			v->ntext--;
			return;
		}
}

static int reindex_one(cy_vault *v, cy_fonds_key *k, cy_progress_fn progress, void *parg,
		       cy_reindex_stats *st)
{
	cy_buf path = CY_BUF_INIT, tmp = CY_BUF_INIT, jnl = CY_BUF_INIT, body = CY_BUF_INIT;
	cy_sindex *idx = NULL;
	uint8_t *key = cy_secure_alloc(32);
	rec_doc d;
	id_page pg = {NULL, 0};
	cy_progress pr = {0};
	cy_ledger_entry e;
	uint64_t total = 0, docs = 0;
	int64_t last = 0, max_id;
	int rc;

	memset(&d, 0, sizeof(d));
	d.v = v;
	d.k = k;
	if (!key || !(pg.ids = malloc(PAGE_IDS * sizeof(*pg.ids)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	/* on the ledger before the first record is read */
	rc = cy_catalog_record_count(v->cat, k->fonds_id, &total, &max_id);
	if (rc)
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "search.reindex";
	e.targets[e.ntargets++] = k->code;
	e.details[e.ndetails++] = (cy_ledger_detail){"count", NULL, (int64_t)total};
	rc = cy_vault__begin(v);
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		goto out;
	}
	/* a new file beside the index (under the same key), renamed over it */
	{
		cy_sindex *probe = NULL;
		if ((rc = cy_vault__text_open(v, k, true, &probe)))
			goto out;
		cy_sindex_close(probe);
	}
	rc = index_path(v, k, "", &path);
	rc = rc ? rc : index_path(v, k, ".new", &tmp);
	rc = rc ? rc : index_path(v, k, ".new-journal", &jnl);
	rc = rc ? rc : cy_vault__text_key(k, key);
	if (rc)
		goto out;
	if ((unlink(cy_buf_cstr(&tmp)) && errno != ENOENT) ||
	    (unlink(cy_buf_cstr(&jnl)) && errno != ENOENT)) {
		rc = cy_error_set(CY_EIO, "cannot remove %s: %s", cy_buf_cstr(&tmp),
				  strerror(errno));
		goto out;
	}
	if ((rc = cy_sindex_open(cy_buf_cstr(&tmp), key, true, &idx)))
		goto out;
	pr.files_total = total;
	pr.current = k->code;
	for (;;) {
		pg.n = 0;
		rc = cy_catalog_record_ids(v->cat, k->fonds_id, last, PAGE_IDS, take_id, &pg);
		if (rc || !pg.n)
			break;
		rc = cy_sindex_begin(idx);
		for (size_t i = 0; !rc && i < pg.n; i++) {
			rc = record_doc(&d, pg.ids[i], true, &body);
			if (rc == CY_ECORRUPT) {
				/* check names the record; the others are still indexed */
				if (st)
					st->damaged++;
				rc = 0;
			} else if (rc == 1) {
				rc = cy_sindex_add(idx, pg.ids[i], d.info.title,
						   body.len ? (const char *)body.ptr : NULL);
				if (rc == CY_EINVALID) /* as the import: the title alone */
					rc = cy_sindex_add(idx, pg.ids[i], d.info.title, NULL);
				docs += rc == 0;
			}
			pr.files_done++;
			if (!rc && progress && progress(parg, &pr))
				rc = cy_error_set(CY_ECANCELLED, "reindex cancelled");
		}
		rc = rc ? rc : cy_sindex_commit(idx);
		if (rc)
			break;
		last = pg.ids[pg.n - 1];
	}
	rc = rc ? rc : cy_sindex_optimize(idx);
	cy_sindex_close(idx);
	idx = NULL;
	if (rc) {
		unlink(cy_buf_cstr(&tmp));
		goto out;
	}
	drop_cached(v, k);
	/* the old file's journal (a writer killed mid-batch) goes first: rolled
	 * back onto the new file it would corrupt it */
	rc = index_path(v, k, "-journal", &jnl);
	if (!rc && unlink(cy_buf_cstr(&jnl)) && errno != ENOENT)
		rc = cy_error_set(CY_EIO, "cannot remove %s: %s", cy_buf_cstr(&jnl),
				  strerror(errno));
	if (rc) {
		unlink(cy_buf_cstr(&tmp));
		goto out;
	}
	if (rename(cy_buf_cstr(&tmp), cy_buf_cstr(&path))) {
		rc = cy_error_set(CY_EIO, "cannot rename %s: %s", cy_buf_cstr(&tmp),
				  strerror(errno));
		unlink(cy_buf_cstr(&tmp));
		goto out;
	}
	if (st) {
		st->records += pr.files_done;
		st->documents += docs;
	}
out:
	cy_sindex_close(idx);
	cy_record_info_release(&d.info);
	cy_secure_free(key, 32);
	free(pg.ids);
	cy_buf_wipe(&body);
	cy_buf_release(&path);
	cy_buf_release(&tmp);
	cy_buf_release(&jnl);
	return rc;
}

static int cmp_code(const void *a, const void *b)
{
	return strcmp((*(cy_fonds_key *const *)a)->code, (*(cy_fonds_key *const *)b)->code);
}

int cy_search_reindex(cy_vault *v, const char *fonds, cy_progress_fn progress, void *parg,
		      cy_reindex_stats *st)
{
	cy_fonds_key **ks = NULL;
	int n = 0, rc;

	if (st)
		memset(st, 0, sizeof(*st));
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("rebuild the search index"))))
		return rc;
	if (fonds) {
		cy_fonds_key *k = cy_vault__fonds_key(v, fonds);
		if (!k)
			return cy_vault__no_key_error(v, fonds);
		if (!(ks = malloc(sizeof(*ks))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		ks[n++] = k;
	} else {
		if (!(ks = calloc((size_t)v->nkeys + 1, sizeof(*ks))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		for (int i = 0; i < v->nkeys; i++)
			ks[n++] = &v->keys[i];
		qsort(ks, (size_t)n, sizeof(*ks), cmp_code);
	}
	for (int i = 0; !rc && i < n; i++) {
		rc = reindex_one(v, ks[i], progress, parg, st);
		if (!rc && st)
			st->fonds++;
	}
	free(ks);
	return rc;
}

/* ---- the index against the catalog ---- */

static int index_missing(cy_vault *v, cy_fonds_key *k)
{
	cy_sindex *idx = NULL;
	uint64_t count = 0;
	int64_t max_id;
	int rc = cy_vault__text_cached(v, k, &idx);

	if (rc != CY_ENOTFOUND)
		return rc;
	if ((rc = cy_catalog_record_count(v->cat, k->fonds_id, &count, &max_id)))
		return rc;
	return count > 0;
}

int cy_search_index_missing(cy_vault *v, const char *fonds, char code[8])
{
	int rc = 0;

	if (fonds) {
		cy_fonds_key *k = cy_vault__fonds_key(v, fonds);
		if (!k)
			return cy_vault__no_key_error(v, fonds);
		if ((rc = index_missing(v, k)) == 1)
			snprintf(code, 8, "%s", k->code);
		return rc;
	}
	for (int i = 0; i < v->nkeys; i++)
		if ((rc = index_missing(v, &v->keys[i])) != 0) {
			if (rc == 1)
				snprintf(code, 8, "%s", v->keys[i].code);
			return rc;
		}
	return 0;
}

typedef struct count_ctx {
	rec_doc *d;
	cy_buf *body;
	uint64_t want;
} count_ctx;

static int count_doc(void *arg, const cy_cat_record *c)
{
	count_ctx *cc = arg;
	int rc;

	cy_record_info_release(&cc->d->info);
	rc = cy_vault__record_fill(cc->d->v, c, &cc->d->info);
	rc = rc ? rc : record_doc(cc->d, 0, false, cc->body);
	if (rc == 1)
		cc->want++;
	/* a record that does not open: check names it elsewhere */
	return rc > 0 || rc == CY_ECORRUPT ? 0 : rc;
}

int cy_vault__text_check(cy_vault *v, cy_fonds_key *k, cy_text_problem_fn fn, void *arg)
{
	cy_sindex *idx = NULL;
	rec_doc d;
	cy_buf body = CY_BUF_INIT;
	uint64_t want = 0;
	int64_t have = 0;
	char msg[512];
	int rc;

	memset(&d, 0, sizeof(d));
	d.v = v;
	d.k = k;
	/* the records the importers would have indexed (one pass, metadata only) */
	{
		count_ctx cc = {&d, &body, 0};
		rc = cy_catalog_record_each(v->cat, k->fonds_id, count_doc, &cc);
		want = cc.want;
	}
	if (rc)
		goto out;
	rc = cy_vault__text_open(v, k, false, &idx);
	if (rc == CY_ENOTFOUND) {
		rc = 0;
		if (want) {
			snprintf(msg, sizeof(msg),
				 "the search index of fonds %s is missing (%" PRIu64
				 " records to index): run custody search --reindex --fonds %s",
				 k->code, want, k->code);
			fn(arg, 1, msg);
		}
		goto out;
	}
	if (!rc)
		rc = cy_sindex_check(idx);
	if (!rc)
		rc = cy_sindex_count(idx, &have);
	if (rc == CY_EAUTH || rc == CY_ECORRUPT) {
		snprintf(msg, sizeof(msg), "the search index of fonds %s: %s", k->code,
			 cy_error_message());
		fn(arg, 0, msg);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if ((uint64_t)have < want) {
		snprintf(msg, sizeof(msg),
			 "the search index of fonds %s misses %" PRIu64
			 " records: run custody search --reindex --fonds %s",
			 k->code, want - (uint64_t)have, k->code);
		fn(arg, 1, msg);
	} else if ((uint64_t)have > want) {
		snprintf(msg, sizeof(msg),
			 "the search index of fonds %s holds %" PRIu64
			 " documents of records the catalog does not have: run custody search "
			 "--reindex --fonds %s",
			 k->code, (uint64_t)have - want, k->code);
		fn(arg, 0, msg);
	}
out:
	cy_sindex_close(idx);
	cy_record_info_release(&d.info);
	cy_buf_wipe(&body);
	return rc;
}
