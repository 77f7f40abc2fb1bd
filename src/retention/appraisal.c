/* appraisal.c - the appraisal opinion (会计档案鉴定意见书, 会计档案管理办法
 * 第十六条): the records of a fonds whose period has ended, each kept with a
 * new period or (by its rule's action) to be destroyed or kept store-only.
 *
 * The opinion and its items are catalog rows; its `appraise` ledger entry
 * carries the SHA-256 of their canonical text (below), so an item edited with
 * a database tool (a "keep" turned into "destroy", or the reverse) no longer matches
 * and is refused rather than used.  The ledger is the authority on which
 * appraisals exist (docs/internals/retention.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/jsonsec.h"
#include "catalog/catalog_retention.h"
#include "crypto/crypto.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/retention.h"
#include "retention/retention_internal.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define APPRAISAL_MAX 1000000 /* items of one opinion */

/* ---- the canonical text and its digest ---- */

static void digest_head(cy_buf *b, int64_t id, const char *fonds, const char *as_of)
{
	cy_buf_printf(b, "custody appraisal v1\nid\t%lld\nfonds\t%s\nas_of\t%s\n", (long long)id,
		      fonds, as_of);
}

static void digest_item(cy_buf *b, const cy_catalog_appraisal_item *it)
{
	cy_buf_printf(b, "%lld\t%s\t%s\t%lld\t%s\t%s\t%s\t%s\t%s\t%lld\n", (long long)it->n,
		      it->archive_no, it->klass, (long long)it->year, it->retention, it->rule,
		      it->trigger, it->due, it->decision, (long long)it->new_period);
}

static int digest_done(cy_buf *b, char out[65])
{
	uint8_t h[CY_HASH_LEN];

	if (cy_buf_failed(b))
		return cy_error_set(CY_ENOMEM, "out of memory");
	cy_sha256(b->ptr ? b->ptr : (uint8_t *)"", b->len, h);
	cy_hex_encode(h, sizeof(h), out);
	return 0;
}

/* ---- the ledger's appraisals ---- */

typedef struct ledger_appr {
	int64_t id;
	uint64_t seq;
	char fonds[8], digest[65];
	int64_t items;
} ledger_appr;

typedef struct appr_scan {
	ledger_appr *v;
	size_t n, cap;
} appr_scan;

static int scan_appr(void *arg, uint64_t seq, const char *entry, size_t n)
{
	appr_scan *s = arg;
	json_t *j, *t, *d, *id, *items;
	const char *action, *fonds, *digest;
	int rc = 0;

	cy_json_secure_init();
	if (!(j = json_loadb(entry, n, JSON_REJECT_DUPLICATES, NULL)))
		return 0; /* log verify names a damaged entry */
	action = json_string_value(json_object_get(j, "action"));
	t = json_object_get(j, "targets");
	d = json_object_get(j, "details");
	if (!action || strcmp(action, "appraise") || json_array_size(t) != 1 ||
	    !(fonds = json_string_value(json_array_get(t, 0))) || strlen(fonds) >= 8)
		goto out;
	id = json_object_get(d, "id");
	items = json_object_get(d, "items");
	digest = json_string_value(json_object_get(d, "digest"));
	if (!json_is_integer(id) || !json_is_integer(items) || !digest || strlen(digest) != 64)
		goto out;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		ledger_appr *nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		s->v = nv;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	s->v[s->n].id = json_integer_value(id);
	s->v[s->n].seq = seq;
	s->v[s->n].items = json_integer_value(items);
	snprintf(s->v[s->n].fonds, sizeof(s->v[s->n].fonds), "%s", fonds);
	snprintf(s->v[s->n].digest, sizeof(s->v[s->n].digest), "%s", digest);
	s->n++;
out:
	json_decref(j);
	return rc;
}

typedef struct item_ctx {
	cy_buf text;
	int64_t count;
	cy_appraisal_item_fn fn;
	int (*keep)(void *arg, const cy_catalog_appraisal_item *it);
	void *arg;
	bool collect_only;
} item_ctx;

static int digest_row(void *arg, const cy_catalog_appraisal_item *it)
{
	item_ctx *c = arg;

	digest_item(&c->text, it);
	c->count++;
	return c->keep ? c->keep(c->arg, it) : 0;
}

/* 0 when appraisal a matches its ledger entry l, else CY_ECORRUPT with why.
 * keep (may be NULL) sees each item while the digest is computed. */
static int verify(cy_vault *v, const ledger_appr *l, const cy_catalog_appraisal *a,
		  int (*keep)(void *arg, const cy_catalog_appraisal_item *it), void *arg)
{
	item_ctx c = {.text = CY_BUF_INIT, .keep = keep, .arg = arg};
	char digest[65];
	int rc;

	if (a->seq != (int64_t)l->seq || strcmp(a->fonds, l->fonds))
		return cy_error_set(
			CY_ECORRUPT,
			"appraisal %lld in the catalog does not match ledger entry %llu "
			"(its fonds or entry number was changed): the catalog was edited",
			(long long)a->id, (unsigned long long)l->seq);
	digest_head(&c.text, a->id, a->fonds, a->as_of);
	rc = cy_catalog_appr_items_each(v->cat, a->id, digest_row, &c);
	rc = rc ? rc : digest_done(&c.text, digest);
	cy_buf_release(&c.text);
	if (rc)
		return rc;
	if (strcmp(digest, l->digest) || c.count != l->items)
		return cy_error_set(
			CY_ECORRUPT,
			"appraisal %lld: its items in the catalog do not match the digest "
			"of ledger entry %llu: the catalog was edited",
			(long long)a->id, (unsigned long long)l->seq);
	return 0;
}

static const ledger_appr *ledger_of(const appr_scan *s, int64_t id)
{
	const ledger_appr *l = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			l = &s->v[i]; /* the last word */
	return l;
}

/* ---- appraising ---- */

typedef struct appraise_ctx {
	cy_catalog_appraisal_item *v;
	size_t n, cap;
	const cy_appraisal_keep *keeps;
	size_t nkeeps;
	bool *used;
	int64_t destroy, keep, store_only;
} appraise_ctx;

/* Collect a due record (the listing runs before the transaction: it logs
 * its own record.list entry). */
static int appraise_one(void *arg, const cy_record_info *r, const cy_retention_result *res)
{
	appraise_ctx *a = arg;
	cy_catalog_appraisal_item *it;

	if (a->n >= APPRAISAL_MAX)
		return cy_error_set(CY_EINVALID,
				    "more than %d records are due: appraise them year by year "
				    "(--as-of)",
				    APPRAISAL_MAX);
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		cy_catalog_appraisal_item *nv = realloc(a->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		a->v = nv;
		a->cap = cap;
	}
	it = &a->v[a->n];
	memset(it, 0, sizeof(*it));
	it->n = (int64_t)++a->n;
	snprintf(it->archive_no, sizeof(it->archive_no), "%s", r->archive_no);
	snprintf(it->klass, sizeof(it->klass), "%s", r->class_name);
	it->year = r->year;
	snprintf(it->retention, sizeof(it->retention), "%s", r->retention);
	snprintf(it->rule, sizeof(it->rule), "%s", res->rule);
	snprintf(it->trigger, sizeof(it->trigger), "%s", res->trigger);
	snprintf(it->due, sizeof(it->due), "%s", res->due);
	snprintf(it->decision, sizeof(it->decision), "%s",
		 !strcmp(res->action, "store-only") ? "store-only" : "destroy");
	for (size_t i = 0; i < a->nkeeps; i++) {
		if (!strcmp(a->keeps[i].archive_no, r->archive_no)) {
			snprintf(it->decision, sizeof(it->decision), "keep");
			it->new_period = a->keeps[i].period;
			a->used[i] = true;
		}
	}
	if (!strcmp(it->decision, "keep"))
		a->keep++;
	else if (!strcmp(it->decision, "destroy"))
		a->destroy++;
	else
		a->store_only++;
	return 0;
}

int cy_appraise(cy_vault *v, cy_retention_pack *p, const char *fonds, const char *as_of,
		const cy_appraisal_keep *keeps, size_t nkeeps, int64_t *id)
{
	appraise_ctx a = {.keeps = keeps, .nkeeps = nkeeps};
	cy_buf text = CY_BUF_INIT;
	cy_ledger_entry e;
	char created[21], digest[65];
	int64_t aid = 0;
	int y, m, d, rc;

	*id = 0;
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("appraise records"))))
		return rc;
	if (!fonds || !*fonds)
		return cy_error_set(CY_EINVALID, "an appraisal is of one fonds (--fonds CODE)");
	if ((rc = cy_date_parse(as_of, &y, &m, &d)))
		return rc;
	for (size_t i = 0; i < nkeeps; i++)
		if (keeps[i].period < CY_RETENTION_PERMANENT || keeps[i].period == 0 ||
		    keeps[i].period > 1000)
			return cy_error_set(CY_EINVALID,
					    "%s: a record kept needs a new period of 1-1000 years "
					    "or permanent",
					    keeps[i].archive_no);
	if (nkeeps && !(a.used = calloc(nkeeps, sizeof(*a.used))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = cy_retention_due(v, p, fonds, as_of, appraise_one, &a)))
		goto out;
	if (a.n == 0) {
		rc = cy_error_set(CY_ENOTFOUND,
				  "nothing in fonds %s is due on or before %s: no appraisal made",
				  fonds, as_of);
		goto out;
	}
	for (size_t i = 0; i < nkeeps; i++) {
		if (!a.used[i]) {
			rc = cy_error_set(CY_EINVALID,
					  "%s is not due on or before %s in fonds %s: only a due "
					  "record can be kept by this appraisal (see custody "
					  "retention due)",
					  keeps[i].archive_no, as_of, fonds);
			goto out;
		}
	}
	if ((rc = cy_vault__begin(v)))
		goto out;
	cy_vault__now(created);
	if ((rc = cy_catalog_appr_insert(v->cat, fonds, as_of, created, v->user_id, &aid)))
		goto fail;
	digest_head(&text, aid, fonds, as_of);
	for (size_t i = 0; i < a.n; i++) {
		digest_item(&text, &a.v[i]);
		if ((rc = cy_catalog_appr_item_add(v->cat, aid, &a.v[i])))
			goto fail;
	}
	if ((rc = digest_done(&text, digest)))
		goto fail;
	memset(&e, 0, sizeof(e));
	e.action = "appraise";
	e.targets[0] = fonds;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"id", NULL, aid};
	e.details[e.ndetails++] = (cy_ledger_detail){"as_of", as_of, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"items", NULL, (int64_t)a.n};
	e.details[e.ndetails++] = (cy_ledger_detail){"destroy", NULL, a.destroy};
	e.details[e.ndetails++] = (cy_ledger_detail){"keep", NULL, a.keep};
	e.details[e.ndetails++] = (cy_ledger_detail){"store_only", NULL, a.store_only};
	e.details[e.ndetails++] = (cy_ledger_detail){"pack", cy_retention_pack_name(p), 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"digest", digest, 0};
	if ((rc = cy_vault__log(v, &e)))
		goto fail;
	if ((rc = cy_catalog_appr_seal(v->cat, aid, (int64_t)e.seq, digest, (int64_t)a.n)))
		goto fail;
	if ((rc = cy_vault__commit(v)))
		goto fail;
	*id = aid;
	goto out;
fail:
	cy_vault__rollback(v);
out:
	cy_buf_release(&text);
	free(a.v);
	free(a.used);
	return rc;
}

/* ---- reading back ---- */

static int find_verified(cy_vault *v, int64_t id, cy_catalog_appraisal *a, appr_scan *s)
{
	const ledger_appr *l;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = cy_catalog_ret_ledger_each(v->cat, scan_appr, s)))
		return rc;
	l = ledger_of(s, id);
	rc = cy_catalog_appr_get(v->cat, id, a);
	if (rc == CY_ENOTFOUND && l)
		return cy_error_set(
			CY_ECORRUPT,
			"appraisal %lld was logged (ledger entry %llu) but is not in the "
			"catalog: the catalog was edited",
			(long long)id, (unsigned long long)l->seq);
	if (rc)
		return rc;
	if (!l)
		return cy_error_set(
			CY_ECORRUPT,
			"appraisal %lld is in the catalog but the ledger never logged it: "
			"the catalog was edited",
			(long long)id);
	return verify(v, l, a, NULL, NULL);
}

int cy_appraisal_get(cy_vault *v, int64_t id, cy_appraisal_info *out)
{
	cy_catalog_appraisal a;
	appr_scan s;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("read an appraisal"))))
		return rc;
	rc = find_verified(v, id, &a, &s);
	free(s.v);
	if (rc)
		return rc;
	if (!cy_vault__holds(v, a.fonds))
		return cy_vault__no_key_error(v, a.fonds);
	memset(out, 0, sizeof(*out));
	out->id = a.id;
	snprintf(out->fonds, sizeof(out->fonds), "%s", a.fonds);
	snprintf(out->as_of, sizeof(out->as_of), "%s", a.as_of);
	snprintf(out->created, sizeof(out->created), "%s", a.created);
	snprintf(out->user, sizeof(out->user), "%s", a.user);
	out->seq = (uint64_t)a.seq;
	out->items = a.items;
	snprintf(out->digest, sizeof(out->digest), "%s", a.digest);
	return 0;
}

typedef struct pass_ctx {
	cy_appraisal_item_fn fn;
	void *arg;
} pass_ctx;

static int pass_item(void *arg, const cy_catalog_appraisal_item *c)
{
	pass_ctx *p = arg;
	cy_appraisal_item it;

	memset(&it, 0, sizeof(it));
	snprintf(it.archive_no, sizeof(it.archive_no), "%s", c->archive_no);
	snprintf(it.klass, sizeof(it.klass), "%s", c->klass);
	it.year = (int)c->year;
	snprintf(it.retention, sizeof(it.retention), "%s", c->retention);
	snprintf(it.rule, sizeof(it.rule), "%s", c->rule);
	snprintf(it.trigger, sizeof(it.trigger), "%s", c->trigger);
	snprintf(it.due, sizeof(it.due), "%s", c->due);
	snprintf(it.decision, sizeof(it.decision), "%s", c->decision);
	it.new_period = (int)c->new_period;
	return p->fn(p->arg, &it);
}

int cy_appraisal_items(cy_vault *v, int64_t id, cy_appraisal_item_fn fn, void *arg)
{
	cy_appraisal_info info;
	pass_ctx p = {fn, arg};
	int rc;

	/* verified first, then read: the caller sees only what the ledger backs */
	if ((rc = cy_appraisal_get(v, id, &info)))
		return rc;
	return cy_catalog_appr_items_each(v->cat, id, pass_item, &p);
}

/* ---- keeps, for what is due ---- */

typedef struct keeps_ctx {
	cy_retention__keep *v;
	size_t n, cap;
	const cy_catalog_appraisal *a;
} keeps_ctx;

static int add_keep(void *arg, const cy_catalog_appraisal_item *it)
{
	keeps_ctx *k = arg;
	size_t i;

	for (i = 0; i < k->n && strcmp(k->v[i].archive_no, it->archive_no); i++)
		;
	if (strcmp(it->decision, "keep")) {
		if (i < k->n) /* a later appraisal decided otherwise */
			k->v[i] = k->v[--k->n];
		return 0;
	}
	if (i == k->n) {
		if (k->n == k->cap) {
			size_t cap = k->cap ? k->cap * 2 : 16;
			cy_retention__keep *nv = realloc(k->v, cap * sizeof(*nv));
			if (!nv)
				return cy_error_set(CY_ENOMEM, "out of memory");
			k->v = nv;
			k->cap = cap;
		}
		k->n++;
	}
	snprintf(k->v[i].archive_no, sizeof(k->v[i].archive_no), "%s", it->archive_no);
	snprintf(k->v[i].as_of, sizeof(k->v[i].as_of), "%s", k->a->as_of);
	k->v[i].period = (int)it->new_period;
	k->v[i].appraisal = k->a->id;
	return 0;
}

int cy_retention__keeps(cy_vault *v, cy_retention__keep **out, size_t *n)
{
	appr_scan s;
	keeps_ctx k = {0};
	int rc;

	*out = NULL;
	*n = 0;
	memset(&s, 0, sizeof(s));
	rc = cy_catalog_ret_ledger_each(v->cat, scan_appr, &s);
	/* every appraisal the ledger logged, in order: the latest decision wins */
	for (size_t i = 0; !rc && i < s.n; i++) {
		cy_catalog_appraisal a;
		if (ledger_of(&s, s.v[i].id) != &s.v[i])
			continue;
		if ((rc = cy_catalog_appr_get(v->cat, s.v[i].id, &a)) == CY_ENOTFOUND) {
			rc = cy_error_set(CY_ECORRUPT,
					  "appraisal %lld was logged (ledger entry %llu) but is not "
					  "in the catalog: the catalog was edited; its decisions "
					  "cannot be used",
					  (long long)s.v[i].id, (unsigned long long)s.v[i].seq);
			break;
		}
		k.a = &a;
		rc = rc ? rc : verify(v, &s.v[i], &a, add_keep, &k);
	}
	free(s.v);
	if (rc) {
		free(k.v);
		return rc;
	}
	*out = k.v;
	*n = k.n;
	return 0;
}

typedef struct check_ctx {
	cy_vault *v;
	appr_scan s;
	void (*problem)(void *arg, const char *msg);
	void *arg;
} check_ctx;

static int check_row(void *arg, const cy_catalog_appraisal *a)
{
	check_ctx *c = arg;
	const ledger_appr *l = ledger_of(&c->s, a->id);
	char msg[512];

	if (!l) {
		snprintf(msg, sizeof(msg),
			 "appraisal %lld is in the catalog but the ledger never logged it: the "
			 "catalog was edited",
			 (long long)a->id);
		c->problem(c->arg, msg);
		return 0;
	}
	if (verify(c->v, l, a, NULL, NULL)) {
		if (cy_error_code() != CY_ECORRUPT)
			return cy_error_code();
		c->problem(c->arg, cy_error_message());
		cy_error_clear();
	}
	return 0;
}

int cy_retention__check_appraisals(cy_vault *v, void (*problem)(void *arg, const char *msg),
				   void *arg)
{
	check_ctx c = {.v = v, .problem = problem, .arg = arg};
	int rc;

	rc = cy_catalog_ret_ledger_each(v->cat, scan_appr, &c.s);
	rc = rc ? rc : cy_catalog_appr_each(v->cat, check_row, &c);
	for (size_t i = 0; !rc && i < c.s.n; i++) {
		cy_catalog_appraisal a;
		char msg[256];
		if (ledger_of(&c.s, c.s.v[i].id) != &c.s.v[i])
			continue;
		if (cy_catalog_appr_get(v->cat, c.s.v[i].id, &a) == CY_ENOTFOUND) {
			cy_error_clear();
			snprintf(msg, sizeof(msg),
				 "appraisal %lld was logged (ledger entry %llu) but is not in the "
				 "catalog: the catalog was edited",
				 (long long)c.s.v[i].id, (unsigned long long)c.s.v[i].seq);
			problem(arg, msg);
		}
	}
	free(c.s.v);
	return rc;
}
