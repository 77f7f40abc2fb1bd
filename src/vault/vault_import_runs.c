/* vault_import_runs.c - runs of the table and mail importers and what they
 * refused: each run is a row with its source's name sealed; each refused
 * row or message is kept sealed under a key derived from the fonds key of
 * the run's epoch (docs/formats/import-rejects.md), so that nothing a
 * company handed over is lost and none of it is in clear on disk. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonsec.h"
#include "catalog/catalog_imports.h"
#include "crypto/crypto.h"
#include "custody/error.h"
#include "custody/encoding.h"
#include "custody/import.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define REJECT_LABEL "custody import reject v1"
/* what one reject keeps of a row or message (the rest is counted, not kept) */
#define REJECT_RAW_MAX (1u << 20)

struct cy_import_run {
	int64_t id;
	int epoch;
	int64_t seq;
	cy_aead *aead;
	char kind[32];
};

/* The reject key of fonds key epoch `epoch` of k. */
static int reject_aead(const cy_fonds_key *k, int epoch, cy_aead **out)
{
	uint8_t key[32];
	int rc;

	if (epoch < 0 || epoch > k->epoch)
		return cy_error_set(CY_ECORRUPT,
				    "an import run of fonds %s names key epoch %d, which the "
				    "fonds does not have (the catalog was altered)",
				    k->code, epoch);
	rc = cy_hkdf_sha256(CY_EPOCH_RAW(k, epoch), 32, NULL, 0, REJECT_LABEL, strlen(REJECT_LABEL),
			    key, sizeof(key));
	rc = rc ? rc : cy_aead_new(out, key);
	cy_wipe(key, sizeof(key));
	return rc;
}

/* "custody/import/v1/<vault>/<fonds>/<run>/<what>" */
static int run_aad(const cy_vault *v, const cy_fonds_key *k, int64_t run, const char *what,
		   cy_buf *aad)
{
	cy_buf_clear(aad);
	return cy_buf_printf(aad, "custody/import/v1/%s/%s/%" PRId64 "/%s", v->vault_id, k->code,
			     run, what);
}

static int seal_with(cy_aead *a, const cy_buf *aad, const void *pt, size_t n, cy_buf *out)
{
	uint8_t nonce[12];
	cy_buf p = {(uint8_t *)pt, n, n};
	int rc = cy_random(nonce, sizeof(nonce));

	cy_buf_clear(out);
	return rc ? rc : cy_vault__meta_seal_raw(a, nonce, aad, &p, out);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int open_with(cy_aead *a, const cy_buf *aad, const void *blob, size_t n, cy_buf *pt)
{
	int rc;

	if (n < 12 + 16)
		return CY_ECORRUPT;
	cy_buf_wipe(pt);
	if ((rc = cy_buf_grow(pt, n - 28 + 1)))
		return rc;
	rc = cy_aead_open(a, blob, aad->ptr, aad->len, (const uint8_t *)blob + 12, n - 12, pt->ptr);
	if (!rc) {
		pt->len = n - 28;
		pt->ptr[pt->len] = 0;
	}
	return rc;
}

int cy_vault__reject_body(uint64_t line, const char *reason, const void *raw, size_t n, cy_buf *pt)
{
	/* the line (8 bytes, big-endian), the reason's length (4) and text, whether
	 * the raw bytes were cut (1), their kept length (4), the bytes */
	size_t rl = strlen(reason) > 1024 ? 1024 : strlen(reason);
	size_t kept = n > REJECT_RAW_MAX ? REJECT_RAW_MAX : n;
	int rc = cy_buf_put_u64be(pt, line);

	rc = rc ? rc : cy_buf_put_u32be(pt, (uint32_t)rl);
	rc = rc ? rc : cy_buf_put(pt, reason, rl);
	rc = rc ? rc : cy_buf_put_u8(pt, kept < n);
	rc = rc ? rc : cy_buf_put_u32be(pt, (uint32_t)kept);
	return rc ? rc : cy_buf_put(pt, raw ? raw : "", raw ? kept : 0);
}

int cy_vault__reject_seal(const uint8_t epoch_key[32], const char *vault_id, const char *fonds,
			  int64_t run, int64_t seq, const cy_buf *pt, const uint8_t nonce[12],
			  cy_buf *out)
{
	uint8_t key[32];
	cy_aead *a = NULL;
	cy_buf aad = CY_BUF_INIT;
	int rc = cy_hkdf_sha256(epoch_key, 32, NULL, 0, REJECT_LABEL, strlen(REJECT_LABEL), key,
				sizeof(key));

	rc = rc ? rc : cy_aead_new(&a, key);
	rc = rc ? rc
		: cy_buf_printf(&aad, "custody/import/v1/%s/%s/%" PRId64 "/reject/%" PRId64,
				vault_id, fonds, run, seq);
	cy_buf_clear(out);
	rc = rc ? rc : cy_vault__meta_seal_raw(a, nonce, &aad, pt, out);
	cy_wipe(key, sizeof(key));
	cy_aead_free(a);
	cy_buf_release(&aad);
	return rc;
}

void cy_import__run_free(cy_import_run *r)
{
	if (!r)
		return;
	cy_aead_free(r->aead);
	free(r);
}

int cy_import_run_start(cy_import *im, const char *kind, const char *source, int64_t *run_id)
{
	cy_vault *v = cy_import__vault(im);
	cy_fonds_key *k = cy_import__fonds(im);
	cy_import_run *r;
	cy_catalog_run row;
	cy_buf aad = CY_BUF_INIT, sealed = CY_BUF_INIT;
	char now[21];
	int rc;

	if (cy_import__run(im))
		return cy_error_set(CY_EINVALID, "an import batch holds one run");
	if (v->in_tx)
		return cy_error_set(CY_EINVALID, "an import run starts before the first record");
	if (!(r = calloc(1, sizeof(*r))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	r->epoch = k->epoch;
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	if ((rc = reject_aead(k, r->epoch, &r->aead)))
		goto fail;
	memset(&row, 0, sizeof(row));
	row.fonds_id = k->fonds_id;
	row.kind = kind;
	row.epoch = r->epoch;
	row.user_id = v->user_id;
	cy_vault__now(now);
	row.started = now;
	/* the run's id is in the source's AAD: take it first, then seal */
	if ((rc = cy_vault__begin(v)))
		goto fail;
	row.source = "";
	row.source_len = 0;
	rc = cy_catalog_run_insert(v->cat, &row, &r->id);
	rc = rc ? rc : run_aad(v, k, r->id, "source", &aad);
	rc = rc ? rc : seal_with(r->aead, &aad, source, strlen(source), &sealed);
	rc = rc ? rc : cy_catalog_run_set_source(v->cat, r->id, sealed.ptr, sealed.len);
	if (!rc) {
		/* on the ledger from its start: a run deleted before it finished
		 * (with the rows it refused) is named by check too */
		cy_ledger_entry e;
		char id[24];

		snprintf(id, sizeof(id), "%" PRId64, r->id);
		memset(&e, 0, sizeof(e));
		e.action = "import.start";
		e.targets[0] = k->code;
		e.ntargets = 1;
		e.details[e.ndetails++] = (cy_ledger_detail){"run", id, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"kind", kind, 0};
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		goto fail;
	}
	cy_import__set_run(im, r);
	*run_id = r->id;
	cy_buf_release(&aad);
	cy_buf_release(&sealed);
	return 0;
fail:
	cy_buf_release(&aad);
	cy_buf_release(&sealed);
	cy_import__run_free(r);
	return rc;
}

int cy_import_reject(cy_import *im, uint64_t line, const char *reason, const void *raw, size_t n)
{
	cy_vault *v = cy_import__vault(im);
	cy_import_run *r = cy_import__run(im);
	cy_buf aad = CY_BUF_INIT, sealed = CY_BUF_INIT, pt = CY_BUF_INIT;
	char what[32];
	int rc;

	if (!r)
		return cy_error_set(CY_EINVALID, "a reject outside an import run");
	if ((rc = cy_import__ensure_tx(im)))
		return rc;
	rc = cy_vault__reject_body(line, reason, raw, n, &pt);
	snprintf(what, sizeof(what), "reject/%" PRId64, r->seq + 1);
	rc = rc ? rc : run_aad(v, cy_import__fonds(im), r->id, what, &aad);
	rc = rc ? rc : seal_with(r->aead, &aad, pt.ptr, pt.len, &sealed);
	rc = rc ? rc : cy_catalog_reject_insert(v->cat, r->id, r->seq + 1, sealed.ptr, sealed.len);
	if (!rc)
		r->seq++;
	cy_buf_wipe(&pt);
	cy_buf_release(&aad);
	cy_buf_release(&sealed);
	return rc;
}

int cy_import_run_finish(cy_import *im, const cy_import_counts *c, bool finished)
{
	cy_vault *v = cy_import__vault(im);
	cy_fonds_key *k = cy_import__fonds(im);
	cy_import_run *r = cy_import__run(im);
	cy_catalog_run row;
	cy_ledger_entry e;
	char now[21], id[24];
	int rc;

	if (!r)
		return cy_error_set(CY_EINVALID, "no import run to finish");
	if ((rc = cy_import__ensure_tx(im)))
		return rc;
	memset(&row, 0, sizeof(row));
	row.id = r->id;
	row.rows = (int64_t)c->rows;
	row.imported = (int64_t)c->imported;
	row.duplicates = (int64_t)c->duplicates;
	row.rejects = (int64_t)c->rejects;
	row.subjects = (int64_t)c->subjects;
	cy_vault__now(now);
	row.finished = finished ? now : NULL;
	rc = cy_catalog_run_update(v->cat, &row);
	if (!rc && finished) {
		snprintf(id, sizeof(id), "%" PRId64, r->id);
		memset(&e, 0, sizeof(e));
		e.action = "import.run";
		e.targets[0] = k->code;
		e.ntargets = 1;
		e.details[e.ndetails++] = (cy_ledger_detail){"run", id, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"kind", r->kind, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"rows", NULL, row.rows};
		e.details[e.ndetails++] = (cy_ledger_detail){"imported", NULL, row.imported};
		e.details[e.ndetails++] = (cy_ledger_detail){"duplicates", NULL, row.duplicates};
		e.details[e.ndetails++] = (cy_ledger_detail){"rejects", NULL, row.rejects};
		e.details[e.ndetails++] = (cy_ledger_detail){"subjects", NULL, row.subjects};
		rc = cy_vault__log(v, &e);
	}
	return rc ? rc : cy_import_commit(im);
}

int cy_import_run_end(cy_import *im, const cy_import_counts *c, int rc)
{
	char msg[1024];
	int rc2;

	/* the run's counts are written also after a failure: keep its message */
	snprintf(msg, sizeof(msg), "%s", cy_error_message());
	rc2 = cy_import_run_finish(im, c, !rc);
	if (rc2 && !rc)
		rc = rc2;
	else if (rc)
		cy_error_set(rc, "%s", msg);
	return rc;
}

/* ---- reading ---- */

typedef struct runs_ctx {
	cy_vault *v;
	cy_import_run_fn fn;
	void *arg;
	cy_buf aad, pt;
	int64_t newest; /* the first run seen (newest first) */
	int64_t count;
} runs_ctx;

static int fonds_of(cy_vault *v, int64_t fonds_id, cy_fonds_key **out)
{
	*out = cy_vault__fonds_key_by_id(v, fonds_id);
	return *out ? 0 : CY_ENOTFOUND;
}

static int run_row(void *arg, const cy_catalog_run *row)
{
	runs_ctx *x = arg;
	cy_import_run_info info;
	cy_fonds_key *k;
	cy_aead *a = NULL;
	int rc;

	if (fonds_of(x->v, row->fonds_id, &k))
		return 0; /* a fonds the caller does not hold */
	if (!x->newest)
		x->newest = row->id;
	x->count++;
	if (!x->fn)
		return 0;
	memset(&info, 0, sizeof(info));
	info.id = row->id;
	snprintf(info.fonds, sizeof(info.fonds), "%s", k->code);
	snprintf(info.kind, sizeof(info.kind), "%s", row->kind);
	snprintf(info.started, sizeof(info.started), "%s", row->started);
	snprintf(info.finished, sizeof(info.finished), "%s", row->finished);
	info.counts.rows = (uint64_t)row->rows;
	info.counts.imported = (uint64_t)row->imported;
	info.counts.duplicates = (uint64_t)row->duplicates;
	info.counts.rejects = (uint64_t)row->rejects;
	info.counts.subjects = (uint64_t)row->subjects;
	rc = reject_aead(k, (int)row->epoch, &a);
	rc = rc ? rc : run_aad(x->v, k, row->id, "source", &x->aad);
	rc = rc ? rc : open_with(a, &x->aad, row->source, row->source_len, &x->pt);
	if (rc == CY_ECORRUPT)
		rc = cy_error_set(CY_ECORRUPT,
				  "import run %" PRId64 " of fonds %s: its source name does not "
				  "authenticate (the catalog was altered)",
				  row->id, k->code);
	cy_aead_free(a);
	if (rc)
		return rc;
	info.source = (const char *)x->pt.ptr;
	return x->fn(x->arg, &info);
}

int cy_import_runs(cy_vault *v, const char *fonds, cy_import_run_fn fn, void *arg)
{
	runs_ctx x = {.v = v, .fn = fn, .arg = arg};
	cy_fonds_key *k = NULL;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("list import runs"))))
		return rc;
	if (fonds && !(k = cy_vault__fonds_key(v, fonds)))
		return cy_error_code();
	rc = cy_catalog_run_each(v->cat, k ? k->fonds_id : 0, 0, run_row, &x);
	cy_buf_wipe(&x.pt);
	cy_buf_release(&x.aad);
	return rc;
}

typedef struct rejects_ctx {
	cy_vault *v;
	cy_fonds_key *k;
	const cy_catalog_run *run;
	cy_aead *a;
	cy_buf aad, pt;
	cy_import_reject_fn fn;
	void *arg;
	int64_t expect;
} rejects_ctx;

static int reject_row(void *arg, int64_t seq, const void *body, size_t n)
{
	rejects_ctx *x = arg;
	cy_import_reject_info info;
	char what[32];
	const uint8_t *p;
	char reason[1025];
	size_t rl, kept;
	int rc;

	/* the rows are numbered 1, 2, ... without a gap: a deleted one is seen */
	if (seq != ++x->expect)
		return cy_error_set(CY_ECORRUPT,
				    "import run %" PRId64 ": reject %" PRId64
				    " is missing (the catalog was altered)",
				    x->run->id, x->expect);
	snprintf(what, sizeof(what), "reject/%" PRId64, seq);
	rc = run_aad(x->v, x->k, x->run->id, what, &x->aad);
	rc = rc ? rc : open_with(x->a, &x->aad, body, n, &x->pt);
	if (rc == CY_ECORRUPT)
		return cy_error_set(CY_ECORRUPT,
				    "import run %" PRId64 ": reject %" PRId64
				    " does not authenticate (the catalog was altered)",
				    x->run->id, seq);
	if (rc)
		return rc;
	p = x->pt.ptr;
	memset(&info, 0, sizeof(info));
	if (x->pt.len < 8 + 4)
		goto bad;
	info.run = x->run->id;
	info.seq = seq;
	info.line = be64(p);
	rl = be32(p + 8);
	if (rl > 1024 || x->pt.len < 12 + rl + 1 + 4)
		goto bad;
	memcpy(reason, p + 12, rl);
	reason[rl] = 0;
	if (!cy_utf8_valid(reason, rl) || memchr(reason, 0, rl))
		goto bad;
	info.cut = p[12 + rl] != 0;
	kept = be32(p + 13 + rl);
	if (x->pt.len != 17 + rl + kept)
		goto bad;
	info.reason = reason;
	info.raw = p + 17 + rl;
	info.raw_len = kept;
	return x->fn(x->arg, &info);
bad:
	return cy_error_set(CY_ECORRUPT,
			    "import run %" PRId64 ": reject %" PRId64
			    " is not the documented layout",
			    x->run->id, seq);
}

typedef struct pick_ctx {
	cy_vault *v;
	int64_t want;
	cy_catalog_run run;
	char kind[32];
	bool found, finished;
} pick_ctx;

static int pick_run(void *arg, const cy_catalog_run *row)
{
	pick_ctx *x = arg;
	cy_fonds_key *k;

	if (x->found || fonds_of(x->v, row->fonds_id, &k))
		return 0;
	x->run = *row;
	snprintf(x->kind, sizeof(x->kind), "%s", row->kind);
	x->run.kind = x->kind;
	x->run.source = NULL;
	x->finished = row->finished && *row->finished;
	x->run.started = x->run.finished = "";
	x->found = true;
	return 0;
}

int cy_import_rejects(cy_vault *v, const char *fonds, int64_t run, cy_import_reject_fn fn,
		      void *arg, int64_t *run_out)
{
	pick_ctx p = {.v = v, .want = run};
	rejects_ctx x = {.v = v, .fn = fn, .arg = arg};
	cy_fonds_key *k = NULL;
	cy_ledger_entry e;
	char id[24];
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("read what an import refused"))))
		return rc;
	if (fonds && !(k = cy_vault__fonds_key(v, fonds)))
		return cy_error_code();
	if ((rc = cy_catalog_run_each(v->cat, k ? k->fonds_id : 0, run, pick_run, &p)))
		return rc;
	if (!p.found)
		return run ? cy_error_set(CY_ENOTFOUND,
					  "no import run %" PRId64 " in a fonds you hold", run)
			   : cy_error_set(CY_ENOTFOUND, "no import has run in a fonds you hold");
	x.run = &p.run;
	if ((rc = fonds_of(v, p.run.fonds_id, &x.k)))
		return rc;
	if (run_out)
		*run_out = p.run.id;
	/* the reading is logged before anything is shown */
	snprintf(id, sizeof(id), "%" PRId64, p.run.id);
	memset(&e, 0, sizeof(e));
	e.action = "import.rejects";
	e.targets[0] = x.k->code;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"run", id, 0};
	rc = cy_vault__begin(v);
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		return rc;
	}
	rc = reject_aead(x.k, (int)p.run.epoch, &x.a);
	rc = rc ? rc : cy_catalog_reject_each(v->cat, p.run.id, reject_row, &x);
	if (!rc && x.expect != p.run.rejects && p.finished)
		rc = cy_error_set(CY_ECORRUPT,
				  "import run %" PRId64 " counted %" PRId64 " rejects but %" PRId64
				  " are kept (the catalog was altered)",
				  p.run.id, p.run.rejects, x.expect);
	cy_aead_free(x.a);
	cy_buf_wipe(&x.pt);
	cy_buf_release(&x.aad);
	return rc;
}

/* ---- check ---- */

typedef struct check_ctx {
	cy_vault *v;
	cy_run_problem_fn problem;
	void *arg;
	cy_buf aad, pt;
	uint64_t runs;
} check_ctx;

typedef struct check_rej {
	check_ctx *x;
	cy_fonds_key *k;
	int64_t run;
	cy_aead *a;
	int64_t expect;
	bool reported;
} check_rej;

static int check_reject(void *arg, int64_t seq, const void *body, size_t n)
{
	check_rej *c = arg;
	char what[32], id[48];

	snprintf(id, sizeof(id), "%s run %" PRId64, c->k->code, c->run);
	if (seq != ++c->expect && !c->reported) {
		c->x->problem(c->x->arg, id, "a refused row is missing (the catalog was altered)");
		c->reported = true;
		c->expect = seq;
	}
	snprintf(what, sizeof(what), "reject/%" PRId64, seq);
	if (run_aad(c->x->v, c->k, c->run, what, &c->x->aad) ||
	    open_with(c->a, &c->x->aad, body, n, &c->x->pt)) {
		char msg[96];
		snprintf(msg, sizeof(msg),
			 "refused row %" PRId64 " does not authenticate (the catalog was altered)",
			 seq);
		c->x->problem(c->x->arg, id, msg);
	}
	cy_buf_wipe(&c->x->pt);
	return 0;
}

static int check_run(void *arg, const cy_catalog_run *row)
{
	check_ctx *x = arg;
	check_rej c = {.x = x, .run = row->id};
	char id[48];
	int rc;

	if (fonds_of(x->v, row->fonds_id, &c.k))
		return 0;
	x->runs++;
	snprintf(id, sizeof(id), "%s run %" PRId64, c.k->code, row->id);
	if ((rc = reject_aead(c.k, (int)row->epoch, &c.a))) {
		x->problem(x->arg, id, cy_error_message());
		return 0;
	}
	if (run_aad(x->v, c.k, row->id, "source", &x->aad) ||
	    open_with(c.a, &x->aad, row->source, row->source_len, &x->pt))
		x->problem(x->arg, id,
			   "its source name does not authenticate (the catalog was altered)");
	cy_buf_wipe(&x->pt);
	rc = cy_catalog_reject_each(x->v->cat, row->id, check_reject, &c);
	if (!rc && row->finished && *row->finished && c.expect != row->rejects) {
		char msg[128];
		snprintf(msg, sizeof(msg),
			 "it counted %" PRId64 " refused rows but %" PRId64
			 " are kept (the catalog was altered)",
			 row->rejects, c.expect);
		x->problem(x->arg, id, msg);
	}
	cy_aead_free(c.a);
	return rc;
}

int cy_vault__import_runs_check(cy_vault *v, cy_run_problem_fn problem, void *arg, uint64_t *runs)
{
	check_ctx x = {.v = v, .problem = problem, .arg = arg};
	int rc = cy_catalog_run_each(v->cat, 0, 0, check_run, &x);

	cy_buf_wipe(&x.pt);
	cy_buf_release(&x.aad);
	if (runs)
		*runs = x.runs;
	return rc;
}

typedef struct kept_ctx {
	int64_t rejects;
	bool found;
} kept_ctx;

static int kept_row(void *arg, const cy_catalog_run *row)
{
	kept_ctx *x = arg;

	x->found = true;
	x->rejects = row->rejects;
	return 0;
}

int cy_vault__import_run_kept(cy_vault *v, const char *fonds, int64_t run, int64_t *rejects)
{
	cy_fonds_key *k = cy_vault__holds(v, fonds) ? cy_vault__fonds_key(v, fonds) : NULL;
	kept_ctx x = {0, false};

	if (!k)
		return -1; /* a fonds the caller does not hold */
	if (cy_catalog_run_each(v->cat, k->fonds_id, run, kept_row, &x) < 0)
		return -1;
	*rejects = x.rejects;
	return x.found ? 1 : 0;
}
