/* retention_vault.c - retention in a vault: overrides of a rule's period
 * (decided by an archivist, logged as retention.override, kept in the
 * catalog as a working copy), read back from the ledger, which is the
 * authority; check's comparison of the two; and the walk over the records
 * that gives what is due (cy_retention_due).
 *
 * Why the ledger: a person who can write catalog.db with a database tool could
 * otherwise shorten a period by editing a row, and records would come up for
 * destruction early without a trace.  The periods used are the ledger's
 * (its entries are chained and signed: log verify finds an edited one); a
 * catalog row that disagrees is shown as such by `retention rules` and
 * reported by check.  docs/internals/retention.md. */
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
#include "custody/fonds.h"
#include "custody/pii.h"
#include "custody/retention.h"
#include "retention/retention_internal.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define REASON_MAX 500
#define FIELDS_MAX 64

/* ---- the ledger's last word per rule ---- */

typedef struct ledger_override {
	char rule[CY_RETENTION_ID_MAX + 1];
	int period;
	uint64_t seq;
	char reason_sha256[65];
	bool seen_row; /* check: a catalog row was found for it */
} ledger_override;

typedef struct ledger_scan {
	ledger_override *v;
	size_t n, cap;
} ledger_scan;

static int scan_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	ledger_scan *s = arg;
	json_t *j, *targets, *details, *period, *sha;
	const char *action, *rule;
	size_t k;
	int rc = 0;

	cy_json_secure_init();
	if (!(j = json_loadb(entry, n, JSON_REJECT_DUPLICATES, NULL)))
		return 0; /* log verify names a damaged entry */
	action = json_string_value(json_object_get(j, "action"));
	targets = json_object_get(j, "targets");
	details = json_object_get(j, "details");
	if (!action || strcmp(action, "retention.override") || json_array_size(targets) != 1 ||
	    !(rule = json_string_value(json_array_get(targets, 0))) ||
	    strlen(rule) > CY_RETENTION_ID_MAX || !json_is_object(details))
		goto out;
	period = json_object_get(details, "period");
	sha = json_object_get(details, "reason_sha256");
	if (!json_is_integer(period) || json_integer_value(period) < CY_RETENTION_PERMANENT ||
	    json_integer_value(period) > 1000)
		goto out;
	for (k = 0; k < s->n && strcmp(s->v[k].rule, rule); k++)
		;
	if (k == s->n) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 8;
			ledger_override *nv = realloc(s->v, cap * sizeof(*nv));
			if (!nv) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				goto out;
			}
			s->v = nv;
			s->cap = cap;
		}
		memset(&s->v[k], 0, sizeof(s->v[k]));
		snprintf(s->v[k].rule, sizeof(s->v[k].rule), "%s", rule);
		s->n++;
	}
	s->v[k].period = (int)json_integer_value(period);
	s->v[k].seq = seq;
	snprintf(s->v[k].reason_sha256, sizeof(s->v[k].reason_sha256), "%s",
		 json_is_string(sha) ? json_string_value(sha) : "");
out:
	json_decref(j);
	return rc;
}

static int ledger_overrides(cy_vault *v, ledger_scan *s)
{
	memset(s, 0, sizeof(*s));
	return cy_catalog_ret_ledger_each(v->cat, scan_entry, s);
}

static const ledger_override *ledger_find(const ledger_scan *s, const char *rule)
{
	for (size_t k = 0; k < s->n; k++)
		if (!strcmp(s->v[k].rule, rule))
			return &s->v[k];
	return NULL;
}

int cy_retention_overrides_load(cy_vault *v, cy_retention_pack *p)
{
	ledger_scan s;
	int rc;

	if ((rc = ledger_overrides(v, &s)))
		goto out;
	for (size_t k = 0; k < s.n; k++) {
		cy_retention_rule_info info;
		bool known = false;
		for (size_t i = 0; i < cy_retention_count(p) && !known; i++)
			known = !cy_retention_get(p, i, &info) && !strcmp(info.id, s.v[k].rule);
		if (!known)
			continue; /* a rule of another pack */
		/* an override logged before the pack made the rule a minimum: the
		 * pack's minimum wins; say nothing here, `retention rules` shows both */
		if (cy_retention_set_override(p, s.v[k].rule, s.v[k].period))
			cy_error_clear();
	}
out:
	free(s.v);
	return rc;
}

/* ---- overriding ---- */

static int no_pii(void *arg, const cy_pii_match *m)
{
	*(cy_pii_kind *)arg = m->kind;
	return 1;
}

static void sha256_hex(const char *s, char out[65])
{
	uint8_t h[CY_HASH_LEN];

	cy_sha256(s, strlen(s), h);
	cy_hex_encode(h, sizeof(h), out);
}

int cy_retention_override(cy_vault *v, cy_retention_pack *p, const char *rule, int period,
			  const char *reason)
{
	cy_ledger_entry e;
	ledger_scan s = {0};
	const ledger_override *lo;
	cy_pii_kind found = CY_PII_NONE;
	char sha[65], at[21];
	int pack_period = 0, rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("override a retention rule"))))
		return rc;
	if (!reason || !*reason || strlen(reason) > REASON_MAX ||
	    !cy_text_is_safe(reason, strlen(reason)))
		return cy_error_set(CY_EINVALID,
				    "an override needs a reason (--reason): 1-%d bytes of UTF-8 "
				    "without control characters",
				    REASON_MAX);
	cy_pii_scan(reason, strlen(reason), cy_pii_today(), no_pii, &found);
	if (found != CY_PII_NONE)
		return cy_error_set(CY_EINVALID,
				    "the reason holds personal data (%s): it is kept in clear and "
				    "shown to every archivist; write it without the value",
				    cy_pii_kind_name(found));
	if (period < CY_RETENTION_PERMANENT || period > 1000)
		return cy_error_set(CY_EINVALID,
				    "a period is a number of years 0-1000 or permanent");
	if ((rc = cy_retention__override_allowed(p, rule, period, &pack_period)))
		return rc;
	sha256_hex(reason, sha);
	if ((rc = cy_vault__begin(v)))
		return rc;
	if ((rc = ledger_overrides(v, &s)))
		goto fail;
	lo = ledger_find(&s, rule);
	memset(&e, 0, sizeof(e));
	e.action = "retention.override";
	e.targets[0] = rule;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"period", NULL, period};
	e.details[e.ndetails++] = (cy_ledger_detail){"from", NULL, lo ? lo->period : pack_period};
	e.details[e.ndetails++] = (cy_ledger_detail){"pack_period", NULL, pack_period};
	e.details[e.ndetails++] = (cy_ledger_detail){"reason_sha256", sha, 0};
	if ((rc = cy_vault__log(v, &e)))
		goto fail;
	cy_vault__now(at);
	if ((rc = cy_catalog_ret_override_put(v->cat, rule, period, reason, v->user_id, at,
					      (int64_t)e.seq)))
		goto fail;
	if ((rc = cy_vault__commit(v)))
		goto fail;
	free(s.v);
	return cy_retention_set_override(p, rule, period);
fail:
	cy_vault__rollback(v);
	free(s.v);
	return rc;
}

/* ---- listing and checking ---- */

typedef struct list_ctx {
	ledger_scan s;
	cy_retention_override_fn fn;
	void (*problem)(void *arg, const char *msg);
	void *arg;
} list_ctx;

static bool row_matches(const ledger_override *lo, const cy_catalog_ret_override *o)
{
	char sha[65];

	if (!lo)
		return false;
	sha256_hex(o->reason, sha);
	return lo->period == o->period && (int64_t)lo->seq == o->seq &&
	       !strcmp(lo->reason_sha256, sha);
}

static void period_words(int64_t period, char *out, size_t n)
{
	if (period == CY_RETENTION_PERMANENT)
		snprintf(out, n, "permanent");
	else
		snprintf(out, n, "%lld years", (long long)period);
}

static int list_row(void *arg, const cy_catalog_ret_override *o)
{
	list_ctx *l = arg;
	ledger_override *lo = (ledger_override *)ledger_find(&l->s, o->rule);
	cy_retention_override_info info;

	if (lo)
		lo->seen_row = true;
	if (l->problem) {
		char msg[512], a[32], b[32];
		if (row_matches(lo, o))
			return 0;
		period_words(o->period, a, sizeof(a));
		if (lo) {
			period_words(lo->period, b, sizeof(b));
			snprintf(
				msg, sizeof(msg),
				"retention override of rule '%s' is %s (entry %lld) in the catalog, "
				"but ledger entry %llu says %s: the catalog was edited; the ledger's "
				"period is the one used",
				o->rule, a, (long long)o->seq, (unsigned long long)lo->seq, b);
		} else {
			snprintf(msg, sizeof(msg),
				 "retention override of rule '%s' (%s) is in the catalog, but the "
				 "ledger never logged it: the catalog was edited; it is not used",
				 o->rule, a);
		}
		l->problem(l->arg, msg);
		return 0;
	}
	memset(&info, 0, sizeof(info));
	info.rule = o->rule;
	info.reason = o->reason;
	info.user = o->user;
	info.at = o->at;
	info.period = (int)o->period;
	info.seq = (uint64_t)o->seq;
	info.matches_ledger = row_matches(lo, o);
	return l->fn(l->arg, &info);
}

int cy_retention_overrides_list(cy_vault *v, cy_retention_override_fn fn, void *arg)
{
	list_ctx l = {.fn = fn, .arg = arg};
	int rc;

	if ((rc = ledger_overrides(v, &l.s)) == 0)
		rc = cy_catalog_ret_override_each(v->cat, list_row, &l);
	free(l.s.v);
	return rc;
}

int cy_retention_check(cy_vault *v, void (*problem)(void *arg, const char *msg), void *arg)
{
	list_ctx l = {.problem = problem, .arg = arg};
	int rc;

	if ((rc = cy_retention__check_appraisals(v, problem, arg)))
		return rc;

	if ((rc = ledger_overrides(v, &l.s)) == 0)
		rc = cy_catalog_ret_override_each(v->cat, list_row, &l);
	for (size_t k = 0; !rc && k < l.s.n; k++) {
		char msg[512], b[32];
		if (l.s.v[k].seen_row)
			continue;
		period_words(l.s.v[k].period, b, sizeof(b));
		snprintf(
			msg, sizeof(msg),
			"ledger entry %llu overrides retention rule '%s' (%s), but the catalog has "
			"no row for it: the catalog was edited; the ledger's period is the one used",
			(unsigned long long)l.s.v[k].seq, l.s.v[k].rule, b);
		problem(arg, msg);
	}
	free(l.s.v);
	return rc;
}

/* ---- what is due ---- */

typedef struct fonds_state {
	char code[8], status[24], date[16];
} fonds_state;

typedef struct due_ctx {
	const cy_retention_pack *p;
	int64_t as_of;
	cy_retention_due_fn fn;
	int (*seen)(void *arg);
	void *arg;
	fonds_state *f;
	size_t nf, capf;
	cy_retention__keep *keeps; /* records kept by an appraisal */
	size_t nkeeps;
	bool all; /* every record the pack places, due or not */
} due_ctx;

static int add_fonds(void *arg, const cy_fonds_info *f)
{
	due_ctx *d = arg;

	if (d->nf == d->capf) {
		size_t cap = d->capf ? d->capf * 2 : 8;
		fonds_state *nf = realloc(d->f, cap * sizeof(*nf));
		if (!nf)
			return cy_error_set(CY_ENOMEM, "out of memory");
		d->f = nf;
		d->capf = cap;
	}
	snprintf(d->f[d->nf].code, sizeof(d->f[d->nf].code), "%s", f->code);
	snprintf(d->f[d->nf].status, sizeof(d->f[d->nf].status), "%s", f->status);
	snprintf(d->f[d->nf].date, sizeof(d->f[d->nf].date), "%s", f->status_date);
	d->nf++;
	return 0;
}

static void code_lengthens(const cy_record_info *r, cy_retention_result *res)
{
	int y, m, d, n;
	char *end;
	char due[16];

	if (!strcmp(r->retention, "Y")) {
		if (res->period != CY_RETENTION_PERMANENT) {
			res->period = CY_RETENTION_PERMANENT;
			res->due[0] = 0;
			snprintf(res->period_text, sizeof(res->period_text),
				 "permanent (the record's own retention Y)");
		}
		return;
	}
	if (r->retention[0] != 'D' || !*res->due || cy_date_parse(res->due, &y, &m, &d))
		return;
	n = (int)strtol(r->retention + 1, &end, 10);
	if (*end || n <= 0 || n > 1000 || r->year < 1 || r->year > 9000)
		return;
	y = r->year + 1;
	m = 1;
	d = 1;
	cy_date_add_years(&y, &m, &d, n);
	snprintf(due, sizeof(due), "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
	if (strcmp(due, res->due) > 0) {
		snprintf(res->due, sizeof(res->due), "%s", due);
		snprintf(res->trigger, sizeof(res->trigger), "%04d-01-01", (r->year + 1) % 10000);
		res->period = n;
		snprintf(res->period_text, sizeof(res->period_text),
			 "%d years (the record's own retention %s)", n, r->retention);
	}
}

static int due_one(void *arg, const cy_record_info *r)
{
	due_ctx *d = arg;
	cy_retention_facts facts;
	cy_retention_result res;
	cy_kv fields[FIELDS_MAX];
	json_t *meta = NULL, *jf, *val;
	const char *key;
	int y, m, dd, rc = 0;

	if (d->seen && d->seen(d->arg))
		return cy_error_set(CY_ECANCELLED, "stopped");
	if (!strcmp(r->status, "destroyed") || !strcmp(r->status, "transferred"))
		return 0;
	memset(&facts, 0, sizeof(facts));
	facts.klass = r->class_name;
	facts.source_kind = *r->source_kind ? r->source_kind : NULL;
	facts.retention = r->retention;
	facts.retention_rule = *r->retention_rule ? r->retention_rule : "class-default";
	facts.title = r->title;
	facts.year = r->year;
	for (size_t i = 0; i < d->nf; i++)
		if (!strcmp(d->f[i].code, r->fonds)) {
			facts.fonds_status = d->f[i].status;
			facts.fonds_status_date = d->f[i].date;
		}
	/* the record's free fields carry event dates (disposal_date, ...) */
	if (r->meta_json) {
		cy_json_secure_init();
		meta = json_loads(r->meta_json, JSON_REJECT_DUPLICATES, NULL);
		jf = json_object_get(meta, "fields");
		json_object_foreach(jf, key, val)
		{
			if (facts.nfields < FIELDS_MAX && json_is_string(val))
				fields[facts.nfields++] = (cy_kv){key, json_string_value(val)};
		}
		facts.fields = fields;
	}
	if ((rc = cy_retention_eval(d->p, &facts, &res))) {
		/* a record the pack cannot place is not due; it never stops the walk */
		cy_error_clear();
		rc = 0;
		goto out;
	}
	/* the record's own retention code, when longer than the rule's period,
	 * is kept where the rule's period is a legal minimum (第十五条) or an
	 * archivist chose the code (retention_rule "user"); a class default
	 * never keeps personal data longer than its rule (PIPL Art. 19) */
	if (res.minimum || !strcmp(r->retention_rule, "user"))
		code_lengthens(r, &res);
	/* kept by an appraisal: the new period runs from the appraisal's date */
	for (size_t i = 0; i < d->nkeeps; i++) {
		const cy_retention__keep *k = &d->keeps[i];
		if (strcmp(k->archive_no, r->archive_no) || cy_date_parse(k->as_of, &y, &m, &dd))
			continue;
		snprintf(res.trigger, sizeof(res.trigger), "%s", k->as_of);
		res.due[0] = 0;
		res.period = k->period;
		res.appraisal = k->appraisal;
		if (k->period == CY_RETENTION_PERMANENT) {
			snprintf(res.period_text, sizeof(res.period_text),
				 "permanent (kept by appraisal %lld)", (long long)k->appraisal);
		} else {
			cy_date_add_years(&y, &m, &dd, k->period);
			snprintf(res.due, sizeof(res.due), "%04d-%02d-%02d", y % 10000, m % 100,
				 dd % 100);
			snprintf(res.period_text, sizeof(res.period_text),
				 "%d years from appraisal %lld", k->period,
				 (long long)k->appraisal);
		}
	}
	if (d->all || (*res.due && !cy_date_parse(res.due, &y, &m, &dd) &&
		       cy_days_from_civil(y, m, dd) <= d->as_of))
		rc = d->fn(d->arg, r, &res);
out:
	json_decref(meta);
	return rc;
}

static int due_walk(cy_vault *v, cy_retention_pack *p, const char *fonds, const char *as_of,
		    bool all, cy_retention_due_fn fn, int (*seen)(void *arg), void *arg)
{
	due_ctx d = {.p = p, .fn = fn, .seen = seen, .arg = arg, .all = all};
	int y, m, dd, rc;

	if ((rc = cy_date_parse(as_of, &y, &m, &dd)))
		return rc;
	d.as_of = cy_days_from_civil(y, m, dd);
	if ((rc = cy_retention_overrides_load(v, p)))
		return rc;
	if ((rc = cy_retention__keeps(v, &d.keeps, &d.nkeeps)))
		return rc;
	if ((rc = cy_fonds_list(v, add_fonds, &d)) == 0)
		rc = cy_record_list(v, fonds, due_one, &d);
	free(d.f);
	free(d.keeps);
	return rc;
}

int cy_retention_due_ext(cy_vault *v, cy_retention_pack *p, const char *fonds, const char *as_of,
			 cy_retention_due_fn fn, int (*seen)(void *arg), void *arg)
{
	return due_walk(v, p, fonds, as_of, false, fn, seen, arg);
}

int cy_retention_each(cy_vault *v, cy_retention_pack *p, const char *fonds, cy_retention_due_fn fn,
		      void *arg)
{
	return due_walk(v, p, fonds, "2000-01-01", true, fn, NULL, arg);
}

int cy_retention_due(cy_vault *v, cy_retention_pack *p, const char *fonds, const char *as_of,
		     cy_retention_due_fn fn, void *arg)
{
	return cy_retention_due_ext(v, p, fonds, as_of, fn, NULL, arg);
}
