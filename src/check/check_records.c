/* check_records.c - check's part for records (docs/security/records.md):
 * every record's catalog row against its signed digest, every batch's
 * signature against the fonds' write key the ledger recorded, each fonds'
 * row against its fonds.add entry, and the records against the ledger's
 * record.import / record.amend entries (a record deleted, added or rolled
 * back behind the vault's back is named).
 *
 * Cost: one pass over the ledger, one over the records (a SHA-256 of each
 * row), one Ed25519 verification per batch (docs/formats/record-sig.md). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "catalog/catalog_recsig.h"
#include "check/check_internal.h"
#include "custody/check.h"
#include "custody/error.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

/* ---- what the ledger says ---- */

typedef struct lrec {
	uint32_t off, len; /* the archive number in the arena */
	uint64_t first,
		last; /* seq of its record.import (or the amend that named it), of its last change */
	int alive, seen;
} lrec;

typedef struct lfonds {
	char code[8];
	char fp[33], row[33];
	uint64_t seq;
} lfonds;

/* A record written by a user whose grant of its fonds had ended (a key
 * kept after revocation: docs/security/grants.md "Fonds key epochs"). */
typedef struct late_write {
	char no[64];
	int64_t uid;
	uint64_t seq, ended;
} late_write;

typedef struct lrun {
	char code[8];
	int64_t run, rejects; /* rejects: -1 until the run's import.run entry */
	uint64_t seq;	      /* of its import.run entry, else of its import.start */
} lrun;

typedef struct ledger_view {
	const cy_trust_revokes *revokes;
	late_write *late;
	size_t nlate;
	cy_buf names;
	lrec *r;
	size_t n, cap;
	uint32_t *slots; /* open addressing: index + 1, 0 = empty */
	size_t nslots;
	lfonds *f;
	size_t nf;
	lrun *runs; /* import.start/.run entries: the runs that must still be in the catalog */
	size_t nruns;
} ledger_view;

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int rehash(ledger_view *lv)
{
	size_t ns = lv->nslots ? lv->nslots * 2 : 1024;
	uint32_t *sl = calloc(ns, sizeof(*sl));

	if (!sl)
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; i < lv->n; i++) {
		size_t h = hash((char *)lv->names.ptr + lv->r[i].off, lv->r[i].len) & (ns - 1);
		while (sl[h])
			h = (h + 1) & (ns - 1);
		sl[h] = (uint32_t)i + 1;
	}
	free(lv->slots);
	lv->slots = sl;
	lv->nslots = ns;
	return 0;
}

/* The live record named no (n bytes), or NULL: at most one name is live
 * (add ends the one it replaces). */
static lrec *find(ledger_view *lv, const char *no, size_t n)
{
	if (!lv->nslots)
		return NULL;
	for (size_t h = hash(no, n) & (lv->nslots - 1); lv->slots[h];
	     h = (h + 1) & (lv->nslots - 1)) {
		lrec *r = &lv->r[lv->slots[h] - 1];
		if (r->alive && r->len == n && !memcmp(lv->names.ptr + r->off, no, n))
			return r;
	}
	return NULL;
}

static int add(ledger_view *lv, const char *no, size_t n, uint64_t seq)
{
	lrec *r;

	if ((lv->n + 1) * 4 > lv->nslots && rehash(lv))
		return CY_ENOMEM;
	if (lv->n == lv->cap) {
		size_t cap = lv->cap ? lv->cap * 2 : 1024;
		lrec *nr = realloc(lv->r, cap * sizeof(*nr));
		if (!nr)
			return cy_error_set(CY_ENOMEM, "out of memory");
		lv->r = nr;
		lv->cap = cap;
	}
	r = &lv->r[lv->n];
	r->off = (uint32_t)lv->names.len;
	r->len = (uint32_t)n;
	r->first = r->last = seq;
	r->alive = 1;
	r->seen = 0;
	if (cy_buf_put(&lv->names, no, n))
		return CY_ENOMEM;
	{
		size_t h = hash(no, n) & (lv->nslots - 1);
		while (lv->slots[h])
			h = (h + 1) & (lv->nslots - 1);
		lv->slots[h] = (uint32_t)lv->n + 1;
	}
	lv->n++;
	return 0;
}

/* The plain text of the next JSON string at *p (no escapes allowed). */
static int next_str(const char **p, const char *end, const char **s, size_t *n)
{
	const char *q = *p;

	if (q >= end || *q != '"')
		return -1;
	*s = ++q;
	while (q < end && *q != '"') {
		if (*q == '\\')
			return -1;
		q++;
	}
	if (q >= end)
		return -1;
	*n = (size_t)(q - *s);
	*p = q + 1;
	return 0;
}

static const char *after(const char *e, size_t n, const char *needle)
{
	const char *p = memmem(e, n, needle, strlen(needle));

	return p ? p + strlen(needle) : NULL;
}

static void detail_hex(const char *e, size_t n, const char *key, char out[33])
{
	const char *p = after(e, n, key), *s;
	size_t len;

	out[0] = 0;
	if (p && !next_str(&p, e + n, &s, &len) && len < 33) {
		memcpy(out, s, len);
		out[len] = 0;
	}
}

/* Whether the actor of a record entry still held the record's fonds. */
static int late_check(ledger_view *lv, const char *e, size_t n, uint64_t seq, const char *no,
		      size_t nn)
{
	const char *p = after(e, n, ",\"actor\":"), *a, *dash = memchr(no, '-', nn);
	size_t alen;
	char code[8], *end;
	long long uid;
	uint64_t ended;
	late_write *nl;

	if (!p || next_str(&p, e + n, &a, &alen) || alen < 2 || alen > 20 || a[0] != 'u' || !dash ||
	    dash - no >= (ptrdiff_t)sizeof(code))
		return 0;
	{
		char tmp[24];
		memcpy(tmp, a + 1, alen - 1);
		tmp[alen - 1] = 0;
		uid = strtoll(tmp, &end, 10);
		if (*end || uid <= 0)
			return 0;
	}
	memcpy(code, no, (size_t)(dash - no));
	code[dash - no] = 0;
	if (!(ended = cy_vault__grant_ended(lv->revokes, uid, code, seq)))
		return 0;
	if (!(nl = realloc(lv->late, sizeof(*nl) * (lv->nlate + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	lv->late = nl;
	nl = &lv->late[lv->nlate++];
	snprintf(nl->no, sizeof(nl->no), "%.*s", (int)nn, no);
	nl->uid = uid;
	nl->seq = seq;
	nl->ended = ended;
	return 0;
}

static int ledger_entry(void *arg, uint64_t seq, const char *e, size_t n)
{
	ledger_view *lv = arg;
	const char *end = e + n, *p = after(e, n, ",\"action\":"), *act, *t0 = NULL, *t1 = NULL;
	size_t an, n0 = 0, n1 = 0;

	if (!p || next_str(&p, end, &act, &an) || strncmp(p, ",\"targets\":[", 12))
		return 0; /* log verify names a damaged entry */
	p += 12;
	if (p < end && *p == '"' && !next_str(&p, end, &t0, &n0) && p < end && *p == ',') {
		p++;
		if (next_str(&p, end, &t1, &n1))
			t1 = NULL;
	}
	if (((an == 13 && !memcmp(act, "record.import", 13)) ||
	     (an == 12 && !memcmp(act, "record.amend", 12))) &&
	    t0 && lv->revokes) {
		int rc = late_check(lv, e, n, seq, t0, n0);
		if (rc)
			return rc;
	}
	if (an == 13 && !memcmp(act, "record.import", 13) && t0) {
		lrec *old = find(lv, t0, n0);
		if (old)
			old->alive = 0; /* a number is never reused: keep the newest */
		return add(lv, t0, n0, seq);
	}
	if (an == 12 && !memcmp(act, "record.amend", 12) && t0) {
		lrec *old = find(lv, t0, n0);
		if (t1) {
			/* the record moved to a new number */
			uint64_t first = old ? old->first : seq;
			int rc;
			if (old)
				old->alive = 0;
			if ((rc = add(lv, t1, n1, seq)))
				return rc;
			lv->r[lv->n - 1].first = first;
		} else if (old) {
			old->last = seq;
		} else {
			return add(lv, t0, n0, seq);
		}
		return 0;
	}
	if (((an == 10 && !memcmp(act, "import.run", 10)) ||
	     (an == 12 && !memcmp(act, "import.start", 12))) &&
	    t0 && n0 < 8) {
		const char *q = after(e, n, "\"rejects\":"), *rs;
		bool finished = an == 10;
		char run[24];
		size_t rl;
		int64_t id;
		lrun *nr = NULL;
		if (finished && !q)
			return 0;
		const char *rp = after(e, n, "\"run\":");
		if (!rp || next_str(&rp, e + n, &rs, &rl) || rl >= sizeof(run))
			return 0;
		memcpy(run, rs, rl);
		run[rl] = 0;
		id = strtoll(run, NULL, 10);
		/* the run's start entry, if it has one (runs from before import.start
		 * existed have only their end) */
		for (size_t i = lv->nruns; finished && !nr && i-- > 0;)
			if (lv->runs[i].run == id && strlen(lv->runs[i].code) == n0 &&
			    !memcmp(lv->runs[i].code, t0, n0))
				nr = &lv->runs[i];
		if (!nr) {
			if (!(nr = realloc(lv->runs, sizeof(*nr) * (lv->nruns + 1))))
				return cy_error_set(CY_ENOMEM, "out of memory");
			lv->runs = nr;
			nr = &lv->runs[lv->nruns++];
			memset(nr, 0, sizeof(*nr));
			memcpy(nr->code, t0, n0);
			nr->run = id;
		}
		nr->rejects = finished ? strtoll(q, NULL, 10) : -1;
		nr->seq = seq;
		return 0;
	}
	if (an == 14 && !memcmp(act, "record.destroy", 14) && t0) {
		lrec *old = find(lv, t0, n0);
		if (old)
			old->alive = 0; /* ended by the vault: no record is owed */
		return 0;
	}
	if (((an == 9 && !memcmp(act, "fonds.add", 9)) ||
	     (an == 13 && !memcmp(act, "fonds.signkey", 13))) &&
	    t0 && n0 < 8) {
		char fp[33];
		detail_hex(e, n, "\"signkey\":", fp);
		if (!*fp)
			return 0;
		lfonds *nf = realloc(lv->f, sizeof(*nf) * (lv->nf + 1));
		if (!nf)
			return cy_error_set(CY_ENOMEM, "out of memory");
		lv->f = nf;
		nf = &lv->f[lv->nf++];
		memset(nf, 0, sizeof(*nf));
		memcpy(nf->code, t0, n0);
		memcpy(nf->fp, fp, 33);
		detail_hex(e, n, "\"row\":", nf->row);
		nf->seq = seq;
	}
	return 0;
}

/* ---- the checks ---- */

typedef struct fk {
	int64_t id;
	char code[8];
	uint8_t pub[32];
	int trusted; /* pub is the key the ledger recorded */
	int legacy;  /* made before schema 3, no write key yet: records unsigned */
} fk;

typedef struct rec {
	int64_t id, batch_id, fonds_id;
	uint32_t name_off;
	uint8_t stored[32];
	int match;
	uint64_t last; /* the ledger's last change, 0 if none */
} rec;

typedef struct cr {
	cy_vault *v;
	cy_problem_fn problem, warning;
	void *arg;
	cy_check_stats *st;
	ledger_view lv;
	fk *f;
	size_t nf;
	rec *r;
	size_t nr, capr;
	cy_buf names;
	cy_buf enc;
	uint64_t verified;
} cr;

static void report(cr *c, int warn, const char *no, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(cr *c, int warn, const char *no, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cy_check__vreport(c->problem, c->warning, c->arg, c->st, warn, no, fmt, ap);
	va_end(ap);
}

static const fk *fonds_of(const cr *c, int64_t id)
{
	for (size_t i = 0; i < c->nf; i++)
		if (c->f[i].id == id)
			return &c->f[i];
	return NULL;
}

static int check_fonds(void *arg, const cy_catalog_fonds_sign *f)
{
	cr *c = arg;
	const lfonds *lf = NULL;
	fk *nf = realloc(c->f, sizeof(*nf) * (c->nf + 1));

	if (!nf)
		return cy_error_set(CY_ENOMEM, "out of memory");
	c->f = nf;
	nf = &c->f[c->nf++];
	memset(nf, 0, sizeof(*nf));
	nf->id = f->id;
	snprintf(nf->code, sizeof(nf->code), "%s", f->code);
	for (size_t i = 0; i < c->lv.nf; i++)
		if (!strcmp(c->lv.f[i].code, f->code) && !lf)
			lf = &c->lv.f[i]; /* the first key the ledger recorded is the fonds' */
	if (!lf) {
		if (f->sign_pub)
			report(c, 0, NULL,
			       N_("fonds '%s' has a write key that no ledger entry recorded: the catalog "
				  "was edited; its records' signatures are not trusted"),
			       f->code);
		else
			report(c, 1, NULL,
			       N_("fonds '%s' was made before schema 3 and has no write key yet: its "
				  "records are signed when an archivist of the fonds next opens the vault"),
			       f->code);
		nf->legacy = !f->sign_pub;
		return 0;
	}
	if (!f->sign_pub || f->sign_pub_len != 32) {
		report(c, 0, NULL,
		       N_("fonds '%s': its write key was removed from the catalog (ledger entry %" PRIu64
			  " recorded it): its records cannot be verified; restore the catalog from a "
			  "backup"),
		       f->code, lf->seq);
	} else {
		char fp[33];
		memcpy(nf->pub, f->sign_pub, 32);
		cy_vault__recsig_fingerprint(nf->pub, fp);
		if (strcmp(fp, lf->fp))
			report(c, 0, NULL,
			       N_("fonds '%s': its write key in the catalog is not the one ledger entry "
				  "%" PRIu64
				  " recorded: the catalog was edited; its records' signatures "
				  "are not trusted"),
			       f->code, lf->seq);
		else
			nf->trusted = 1;
	}
	if (*lf->row) {
		char row[33];
		cy_vault__recsig_fonds_row(f->code, f->name, f->uscc, f->created, row);
		if (strcmp(row, lf->row))
			report(c, 0, NULL,
			       N_("fonds '%s': its name, USCC or creation time in the catalog differ from "
				  "what ledger entry %" PRIu64 " recorded: the catalog was edited"),
			       f->code, lf->seq);
	}
	return 0;
}

static const char *name_of(const cr *c, const rec *r)
{
	return (const char *)c->names.ptr + r->name_off;
}

static int check_row(void *arg, const cy_catalog_recsig_row *row)
{
	cr *c = arg;
	rec *r;
	uint8_t d[32];
	lrec *l;
	int rc;

	if (c->nr == c->capr) {
		size_t cap = c->capr ? c->capr * 2 : 4096;
		rec *nr = realloc(c->r, cap * sizeof(*nr));
		if (!nr)
			return cy_error_set(CY_ENOMEM, "out of memory");
		c->r = nr;
		c->capr = cap;
	}
	r = &c->r[c->nr++];
	memset(r, 0, sizeof(*r));
	r->id = row->id;
	r->batch_id = row->batch_id;
	r->fonds_id = row->fonds_id;
	r->name_off = (uint32_t)c->names.len;
	if ((rc = cy_buf_put(&c->names, row->archive_no, strlen(row->archive_no) + 1)))
		return rc;
	if ((rc = cy_vault__recsig_digest(row, &c->enc, d)))
		return rc;
	if (row->digest_len == 32) {
		memcpy(r->stored, row->digest, 32);
		r->match = cy_memeq(row->digest, d, 32);
	}
	l = find(&c->lv, row->archive_no, strlen(row->archive_no));
	if (l) {
		l->seen = 1;
		r->last = l->last;
	}
	return 0;
}

static int cmp_batch(const void *a, const void *b)
{
	const rec *x = a, *y = b;

	if (x->batch_id != y->batch_id)
		return x->batch_id < y->batch_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct batches {
	cy_catalog_batch *b;
	size_t n;
} batches;

static int collect_batch(void *arg, const cy_catalog_batch *b)
{
	batches *bs = arg;
	cy_catalog_batch *nb = realloc(bs->b, sizeof(*nb) * (bs->n + 1));

	if (!nb)
		return cy_error_set(CY_ENOMEM, "out of memory");
	bs->b = nb;
	bs->b[bs->n++] = *b;
	return 0;
}

/* Verify each batch over its records' stored digests (records sorted by batch). */
static int check_batches(cr *c, batches *bs)
{
	cy_buf dig = CY_BUF_INIT, msg = CY_BUF_INIT;
	size_t i = 0, bi = 0;
	int rc = 0;

	while (i < c->nr && c->r[i].batch_id == 0)
		i++;
	for (; !rc && i < c->nr;) {
		size_t j = i;
		int64_t bid = c->r[i].batch_id;
		const cy_catalog_batch *b = NULL;
		const fk *f;
		int sig_ok = 0;

		while (j < c->nr && c->r[j].batch_id == bid)
			j++;
		while (bi < bs->n && bs->b[bi].id < bid)
			bi++;
		if (bi < bs->n && bs->b[bi].id == bid)
			b = &bs->b[bi];
		f = b ? fonds_of(c, b->fonds_id) : NULL;
		cy_buf_clear(&dig);
		for (size_t k = i; k < j; k++)
			cy_buf_put(&dig, c->r[k].stored, 32);
		if (cy_buf_failed(&dig)) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			break;
		}
		if (b && f && f->trusted && b->sig_ok && b->count == (int64_t)(j - i)) {
			rc = cy_vault__recsig_batch_msg(c->v->vault_id, f->code, b->seq, dig.ptr,
							j - i, &msg);
			sig_ok = !rc && !cy_ed25519_verify(f->pub, msg.ptr, msg.len, b->sig);
			cy_error_clear();
		}
		for (size_t k = i; k < j; k++) {
			const rec *r = &c->r[k];
			const char *no = name_of(c, r);
			if (!b)
				report(c, 0, no,
				       N_("record %s: its signed batch is gone from the catalog"),
				       no);
			else if (b->fonds_id != r->fonds_id)
				report(c, 0, no, N_("record %s: it was signed for another fonds"),
				       no);
			else if (b->count != (int64_t)(j - i))
				report(c, 0, no,
				       N_("record %s: its signed batch had %" PRId64
					  " records, %zu are left: "
					  "a record of the batch was deleted or added behind the vault's back"),
				       no, b->count, j - i);
			else if (f && f->trusted && !sig_ok)
				report(c, 0, no,
				       N_("record %s: the signature of its batch does not verify (a signed "
					  "digest or the batch was changed)"),
				       no);
			else if (!r->match)
				continue; /* named below */
			else if (r->last > b->seq)
				report(c, 0, no,
				       N_("record %s: its signed state (ledger entry %" PRIu64
					  ") is older "
					  "than ledger entry %" PRIu64
					  " that last changed it: the catalog was "
					  "rolled back"),
				       no, b->seq, r->last);
			else if (f && f->trusted)
				c->verified++;
		}
		i = j;
	}
	cy_buf_release(&dig);
	cy_buf_release(&msg);
	return rc;
}

int cy_check_records(cy_vault *v, cy_problem_fn problem, cy_problem_fn warning, void *arg,
		     cy_check_stats *st, uint64_t *verified)
{
	cr c;
	batches bs = {NULL, 0};
	cy_trust_revokes *revokes = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	c.v = v;
	c.problem = problem;
	c.warning = warning;
	c.arg = arg;
	c.st = st;
	rc = cy_vault__revokes_load(v, 0, &revokes);
	c.lv.revokes = revokes;
	rc = rc ? rc : cy_catalog_adm_ledger_each(v->cat, 1, ledger_entry, &c.lv);
	rc = rc < 0 ? rc : cy_catalog_fonds_sign_each(v->cat, 0, check_fonds, &c);
	rc = rc < 0 ? rc : cy_catalog_recsig_each(v->cat, 0, 0, 0, 0, check_row, &c);
	rc = rc < 0 ? rc : cy_catalog_batch_each(v->cat, collect_batch, &bs);
	if (rc < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < c.nr; i++) {
		const rec *r = &c.r[i];
		const fk *f = fonds_of(&c, r->fonds_id);
		const char *no = name_of(&c, r);
		if (!r->last)
			report(&c, 0, no,
			       N_("record %s has no record.import entry in the ledger: it was added behind "
				  "the vault's back"),
			       no);
		if (!r->batch_id) {
			if (!f || !f->legacy)
				report(&c, 0, no,
				       N_("record %s is not signed: it was added or changed behind the "
					  "vault's back"),
				       no);
		} else if (!r->match) {
			report(&c, 0, no,
			       N_("record %s: its catalog row was changed after it was signed "
				  "(title/metadata, objects or status)"),
			       no);
		}
	}
	if (c.nr)
		qsort(c.r, c.nr, sizeof(*c.r), cmp_batch);
	if ((rc = check_batches(&c, &bs)))
		goto out;
	/* batches no record is left in */
	{
		size_t i = 0;
		for (size_t b = 0; b < bs.n; b++) {
			while (i < c.nr && c.r[i].batch_id < bs.b[b].id)
				i++;
			if (i == c.nr || c.r[i].batch_id != bs.b[b].id) {
				const fk *f = fonds_of(&c, bs.b[b].fonds_id);
				report(&c, 0, NULL,
				       N_("a signed batch of %" PRId64
					  " records of fonds '%s' (ledger entry "
					  "%" PRIu64
					  ") has none left in the catalog: they were deleted"),
				       bs.b[b].count, f ? f->code : "?", bs.b[b].seq);
			}
		}
	}
	/* records the ledger says were imported and nothing ended */
	for (size_t i = 0; i < c.lv.n; i++) {
		const lrec *l = &c.lv.r[i];
		char no[128];
		if (!l->alive || l->seen)
			continue;
		snprintf(no, sizeof(no), "%.*s", (int)l->len,
			 (const char *)c.lv.names.ptr + l->off);
		report(&c, 0, no,
		       N_("record %s was imported (ledger entry %" PRIu64
			  ") but is not in the catalog: "
			  "it was deleted behind the vault's back; restore the catalog from a backup"),
		       no, l->first);
	}
	/* records written with a key kept after the writer's grant ended */
	for (size_t i = 0; i < c.lv.nlate; i++) {
		const late_write *l = &c.lv.late[i];
		report(&c, 0, l->no,
		       N_("record %s was written (ledger entry %" PRIu64 ") by u%" PRId64
			  ", whose grant of its fonds had ended (ledger entry %" PRIu64
			  "): with keys kept from before"),
		       l->no, l->seq, l->uid, l->ended);
	}
	/* import runs the ledger says finished: still there, with what they refused */
	for (size_t i = 0; i < c.lv.nruns; i++) {
		const lrun *l = &c.lv.runs[i];
		int64_t kept = -1;
		int found = cy_vault__import_run_kept(v, l->code, l->run, &kept);
		if (found < 0)
			continue; /* a fonds the caller does not hold */
		if (!found && l->rejects < 0)
			report(&c, 0, l->code,
			       N_("import run %" PRId64
				  " of fonds %s started (ledger entry %" PRIu64
				  ") but is not in the catalog: it was deleted behind the vault's "
				  "back"),
			       l->run, l->code, l->seq);
		else if (!found)
			report(&c, 0, l->code,
			       N_("import run %" PRId64
				  " of fonds %s finished (ledger entry %" PRIu64
				  ") but is not in the catalog: it was deleted behind the vault's "
				  "back"),
			       l->run, l->code, l->seq);
		else if (l->rejects >= 0 && kept != l->rejects)
			report(&c, 0, l->code,
			       N_("import run %" PRId64 " of fonds %s refused %" PRId64
				  " rows (ledger entry %" PRIu64 ") but the catalog says %" PRId64),
			       l->run, l->code, l->rejects, l->seq, kept);
	}
	if (verified)
		*verified = c.verified;
out:
	cy_vault__revokes_free(revokes);
	free(c.lv.late);
	free(bs.b);
	free(c.f);
	free(c.r);
	cy_buf_release(&c.names);
	cy_buf_release(&c.enc);
	cy_buf_release(&c.lv.names);
	free(c.lv.r);
	free(c.lv.slots);
	free(c.lv.f);
	free(c.lv.runs);
	return rc;
}
