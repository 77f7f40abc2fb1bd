/* transfer_gates.c - what must hold before a transfer leaves, each with its
 * article (PIPL Arts. 22, 23, 38, 39, 55; a second person), approval, and
 * the customers who objected leaving the scope (docs/internals/transfer.md).
 *
 * The gates are computed from the notices (notify.h), the PIAs and the
 * mechanism checked against their ledger entries, and the transfer's rows
 * checked by cy_transfer__load; nothing here trusts a status column. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_holds.h"
#include "catalog/catalog_records.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/hold.h"
#include "custody/notify.h"
#include "transfer/transfer_internal.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

/* The day of an as-of date (YYYY-MM-DD; NULL: today, UTC). */
static int as_of_day(const char *as_of, int64_t *day)
{
	int y, m, d, rc;

	if (!as_of) {
		*day = (int64_t)(time(NULL) / 86400);
		return 0;
	}
	if ((rc = cy_date_parse(as_of, &y, &m, &d)))
		return rc;
	*day = cy_days_from_civil(y, m, d);
	return 0;
}

static void gate(cy_transfer_gate *g, size_t *n, const char *name, const char *article,
		 const char *what, bool ok, const char *fmt, long long a, long long b, long long c,
		 long long d)
{
	cy_transfer_gate *x = &g[(*n)++];
	x->name = name;
	x->article = article;
	x->what = what;
	x->ok = ok;
	x->fmt = fmt;
	x->a = a;
	x->b = b;
	x->c = c;
	x->d = d;
}

/* Which Art. 38 mechanism the counts require (DOMAIN.md 7, the 2024 rules):
 * 2 the CAC assessment, 1 a standard contract or certification, 0 none. */
static int mechanism_needed(const cy_catalog_transfer *r)
{
	if (r->ciio || r->important || r->subjects >= 1000000 || r->sensitive >= 10000)
		return 2;
	if (r->subjects >= 100000 || r->sensitive > 0)
		return 1;
	return 0;
}

static bool mechanism_ok(const char *m, int needed)
{
	if (!strncmp(m, "exempt:", 7) || !strncmp(m, "cac-assessment:", 15))
		return true;
	if (needed <= 1 &&
	    (!strncmp(m, "standard-contract:", 18) || !strncmp(m, "certification:", 14)))
		return true;
	return needed == 0;
}

/* The mechanism as its ledger entry recorded it ("" when none). */
static int mechanism_logged(cy_vault *v, const cy_transfer__t *t, char out[64])
{
	out[0] = 0;
	if (!*t->row.mechanism)
		return 0;
	/* the row's value must be what a transfer.mechanism entry said: the
	 * entries are few, found through the log query by target */
	return cy_transfer__mechanism_check(v, t->row.id, t->row.mechanism, out);
}

int cy_transfer__gates(cy_vault *v, cy_transfer__t *t, const char *as_of, cy_transfer_gate *g,
		       size_t *n)
{
	cy_notify_counts c;
	int64_t today, pias = 0, scope = t->row.subjects;
	char mech[64];
	int rc;

	*n = 0;
	if ((rc = as_of_day(as_of, &today)))
		return rc;
	if ((rc = cy_notify_counts_get(v, t->row.id, &c)))
		return rc;
	if ((rc = cy_transfer__pias(v, t->row.id, &pias)))
		return rc;
	if ((rc = mechanism_logged(v, t, mech)))
		return rc;
	/* every customer in scope told who the receiver is and how to reach it,
	 * the notice delivered (not failed, not bounced) */
	{
		int64_t told = c.sent + c.answered;
		bool ok = c.total >= scope && told >= scope && !c.pending && !c.failed &&
			  !c.bounced;
		gate(g, n, "notice", "PIPL Art. 22",
		     N_("every customer in scope is told the receiver's name and contact"), ok,
		     N_("%lld of %lld customers notified; %lld not sent yet, %lld failed or "
			"bounced"),
		     (long long)told, (long long)scope, (long long)(c.pending + (scope - c.total)),
		     (long long)(c.failed + c.bounced));
	}
	/* the notice period: from the last notice sent */
	{
		int64_t sent_day = -1, left = t->row.notice_days;
		bool ok = false;
		if (*c.last_sent) {
			int64_t ts;
			if (!cy_time_parse(c.last_sent, &ts, NULL))
				sent_day = ts / 86400;
		}
		if (sent_day >= 0) {
			left = sent_day + t->row.notice_days - today;
			ok = left <= 0 && c.total >= scope;
		}
		gate(g, n, "notice-period", "PIPL Art. 22",
		     N_("the notice period has passed since the last notice"), ok,
		     N_("notice period %lld days; %lld days still to run"),
		     (long long)t->row.notice_days, (long long)(left > 0 ? left : 0), 0, 0);
	}
	if (!cy_transfer_reason_art22(t->row.reason))
		gate(g, n, "consent", "PIPL Art. 23",
		     N_("separate consent of every customer (a sale or other transfer)"),
		     c.consented >= scope, N_("%lld of %lld customers consented"),
		     (long long)c.consented, (long long)scope, 0, 0);
	if (strcmp(t->receiver.jurisdiction, "CN")) {
		int need = mechanism_needed(&t->row);
		gate(g, n, "mechanism", "PIPL Art. 38",
		     N_("a receiver outside China: the assessment, standard contract or "
			"certification the counts require"),
		     mechanism_ok(mech, need),
		     need == 2	 ? N_("%lld customers (%lld with sensitive data): the CAC security "
					"assessment is required")
		     : need == 1 ? N_("%lld customers (%lld with sensitive data): a standard "
				      "contract or certification is required")
				 : N_("%lld customers (%lld with sensitive data): exempt; record "
				      "it (--kind exempt)"),
		     (long long)scope, (long long)t->row.sensitive, 0, 0);
		gate(g, n, "consent-abroad", "PIPL Art. 39",
		     N_("separate consent of every customer to the transfer abroad"),
		     c.consented >= scope, N_("%lld of %lld customers consented"),
		     (long long)c.consented, (long long)scope, 0, 0);
	}
	gate(g, n, "pia", "PIPL Art. 55",
	     N_("a personal-information impact assessment (custody pia add)"), pias > 0,
	     N_("%lld assessments recorded"), (long long)pias, 0, 0, 0);
	gate(g, n, "approval", "会计档案管理办法 第二十四条",
	     N_("approved by a second person, not the planner (custody transfer approve)"),
	     t->row.approved_by != 0 && t->row.approved_by != t->row.planned_by,
	     N_("%lld approvals"), (long long)(t->row.approved_by != 0), 0, 0, 0);
	return 0;
}

int cy_transfer_gates(cy_vault *v, int64_t id, const char *as_of, cy_transfer_gate *g, size_t *n,
		      cy_transfer_info *info)
{
	cy_transfer__t t;
	int rc = cy_transfer__load(v, id, CY_R_CONTENT, &t);

	*n = 0;
	rc = rc ? rc : cy_transfer__gates(v, &t, as_of, g, n);
	if (!rc && info)
		cy_transfer__info(&t, v, info);
	cy_wipe(t.purpose, sizeof(t.purpose));
	return rc;
}

/* ---- approve ---- */

typedef struct objector {
	int64_t *ids;
	size_t n;
} objector;

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

typedef struct leave_ctx {
	cy_vault *v;
	int64_t tid;
	const int64_t *records; /* the objectors' records, sorted */
	size_t n;
	int64_t left;
} leave_ctx;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int leave_item(void *arg, int64_t record_id, const char *archive_no, const char *left)
{
	leave_ctx *x = arg;
	(void)archive_no;
	if (*left || !bsearch(&record_id, x->records, x->n, sizeof(int64_t), cmp_i64))
		return 0;
	x->left++;
	return cy_catalog_titem_leave(x->v->cat, x->tid, record_id, "objected");
}

static int count_in(void *arg, int64_t sid, int64_t no, const char *state)
{
	int64_t *n = arg;
	(void)sid;
	(void)no;
	*n += !strcmp(state, "in");
	return 0;
}

static int count_item(void *arg, int64_t record_id, const char *archive_no, const char *left)
{
	int64_t *n = arg;
	(void)record_id;
	(void)archive_no;
	*n += !*left;
	return 0;
}

/* Customers who objected leave the scope with their records; logged as
 * transfer.scope with the new hash.  The caller's transaction. */
static int objectors_leave(cy_vault *v, cy_transfer__t *t, const int64_t *obj, size_t nobj,
			   int64_t *left_records)
{
	leave_ctx x = {v, t->row.id, NULL, 0, 0};
	int64_t *all = NULL;
	size_t n = 0;
	int64_t records = 0, subjects = 0;
	cy_ledger_entry e;
	char tid[24], hex[65], terms[65] = "";
	int rc = 0;

	for (size_t i = 0; !rc && i < nobj; i++) {
		int64_t *ids = NULL;
		size_t m = 0;
		rc = cy_catalog_subject_record_ids(v->cat, obj[i], &ids, &m);
		if (!rc && m) {
			int64_t *na = realloc(all, (n + m) * sizeof(*na));
			if (!na)
				rc = cy_error_set(CY_ENOMEM, "out of memory");
			else {
				all = na;
				memcpy(all + n, ids, m * sizeof(*ids));
				n += m;
			}
		}
		free(ids);
		rc = rc ? rc : cy_catalog_tsubject_set(v->cat, t->row.id, obj[i], "objected");
	}
	if (!rc && n)
		qsort(all, n, sizeof(*all), cmp_i64);
	x.records = all;
	x.n = n;
	rc = rc ? rc : cy_catalog_titem_each(v->cat, t->row.id, leave_item, &x);
	rc = rc ? rc : cy_catalog_titem_each(v->cat, t->row.id, count_item, &records);
	rc = rc ? rc : cy_catalog_tsubject_each(v->cat, t->row.id, count_in, &subjects);
	rc = rc ? rc : cy_transfer__scope_hash(v, t->row.id, t->row.scope, NULL);
	rc = rc ? rc : cy_catalog_transfer_set_scope(v->cat, t->row.id, t->row.scope);
	rc = rc ? rc : cy_catalog_transfer_set_counts(v->cat, t->row.id, records, subjects);
	if (!rc) {
		t->row.records = records;
		t->row.subjects = subjects;
		rc = cy_transfer__terms(&t->row, terms);
	}
	cy_hex_encode(t->row.scope, 32, hex);
	snprintf(tid, sizeof(tid), "t%" PRId64, t->row.id);
	memset(&e, 0, sizeof(e));
	e.action = "transfer.scope";
	e.targets[e.ntargets++] = tid;
	e.targets[e.ntargets++] = t->row.fonds;
	e.details[e.ndetails++] = (cy_ledger_detail){"objected", NULL, (int64_t)nobj};
	e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, records};
	e.details[e.ndetails++] = (cy_ledger_detail){"scope", hex, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"subjects", NULL, subjects};
	e.details[e.ndetails++] = (cy_ledger_detail){"terms", terms, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_transfer_set_seq(v->cat, t->row.id, (int64_t)e.seq);
	if (!rc) {
		t->row.seq = (int64_t)e.seq;
		t->row.records = records;
		t->row.subjects = subjects;
		*left_records = x.left;
	}
	free(all);
	return rc;
}

int cy_transfer_approve(cy_vault *v, int64_t id, const char *as_of, cy_transfer_approve_result *res)
{
	cy_transfer__t t;
	cy_transfer_gate g[CY_TRANSFER_GATES_MAX];
	cy_ledger_entry e;
	int64_t *obj = NULL, *keep = NULL;
	size_t nobj = 0, nkeep = 0, ng = 0;
	char tid[24], hex[65], now[21], today[16];
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = cy_transfer__load(v, id, CY_R(CY_ROLE_ARCHIVIST), &t)))
		return rc;
	if (strcmp(t.row.status, "planned")) {
		rc = cy_error_set(CY_EINVALID, "transfer %" PRId64 " is %s already", id,
				  t.row.status);
		goto out;
	}
	if (t.row.planned_by == v->user_id) {
		rc = cy_error_set(CY_EPERM,
				  "you planned transfer %" PRId64
				  ": another archivist of fonds %s approves it (four eyes)",
				  id, t.row.fonds);
		goto out;
	}
	/* customers who objected leave first (their records with them); then
	 * every gate but the approval itself must hold */
	if ((rc = cy_notify_objectors(v, id, &obj, &nobj)))
		goto out;
	rc = cy_vault__begin(v);
	if (!rc && nobj)
		rc = objectors_leave(v, &t, obj, nobj, &res->records_left);
	rc = rc ? rc : cy_transfer__gates(v, &t, as_of, g, &ng);
	for (size_t i = 0; !rc && i < ng; i++)
		if (!g[i].ok && strcmp(g[i].name, "approval"))
			rc = cy_error_set(CY_EPERM,
					  "transfer %" PRId64 " cannot be approved yet: %s (%s); "
					  "custody transfer show %" PRId64 " lists what blocks it",
					  id, g[i].what, g[i].article, id);
	if (!rc && t.row.records == 0)
		rc = cy_error_set(CY_EINVALID,
				  "transfer %" PRId64
				  " has no record left in scope (every customer "
				  "objected)",
				  id);
	cy_vault__now(now);
	cy_hex_encode(t.row.scope, 32, hex);
	snprintf(tid, sizeof(tid), "t%" PRId64, id);
	memset(&e, 0, sizeof(e));
	e.action = "transfer.approve";
	e.targets[e.ntargets++] = tid;
	e.targets[e.ntargets++] = t.row.fonds;
	e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, t.row.records};
	e.details[e.ndetails++] = (cy_ledger_detail){"scope", hex, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"subjects", NULL, t.row.subjects};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_transfer_approved(v->cat, id, v->user_id, now, (int64_t)e.seq);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		goto out;
	}
	res->records = t.row.records;
	res->subjects = t.row.subjects;
	res->objected = (int64_t)nobj;
	/* the objectors: store-only where a legal period still keeps one of their
	 * records (PIPL Art. 47 para. 2), else to be erased (custody subject
	 * erase); each is the customer's own row now */
	snprintf(today, sizeof(today), "%.10s", now);
	if (nobj &&
	    (rc = cy_vault__legal_keep_ids(v, t.row.fonds, as_of ? as_of : today, &keep, &nkeep)))
		goto out;
	if (nkeep)
		qsort(keep, nkeep, sizeof(*keep), cmp_i64);
	for (size_t i = 0; !rc && i < nobj; i++) {
		int64_t *ids = NULL;
		size_t m = 0;
		bool kept = false;
		char disp[32];
		rc = cy_catalog_subject_record_ids(v->cat, obj[i], &ids, &m);
		for (size_t j = 0; !rc && j < m && !kept; j++)
			kept = bsearch(&ids[j], keep, nkeep, sizeof(*keep), cmp_i64) != NULL;
		free(ids);
		if (rc)
			break;
		rc = cy_transfer__subject_display(v, obj[i], disp);
		if (!rc && kept) {
			rc = cy_subject_restrict(v, disp, "art47-3");
			res->store_only++;
		} else if (!rc) {
			rc = cy_catalog_tsubject_set(v->cat, id, obj[i], "erase");
			res->to_erase++;
		}
	}
out:
	free(obj);
	free(keep);
	(void)has_id;
	cy_wipe(t.purpose, sizeof(t.purpose));
	return rc;
}

/* Everything an export needs, at as_of: the gates, and the scope now is
 * the one the approval logged.  approver: the approver's name. */
int cy_transfer__ready(cy_vault *v, cy_transfer__t *t, const char *as_of, bool export,
		       char approver[64])
{
	cy_transfer_gate g[CY_TRANSFER_GATES_MAX];
	size_t ng = 0;
	json_t *e = NULL;
	char tid[24], hex[65];
	static const char *const A[] = {"transfer.approve", NULL};
	int rc = cy_transfer__gates(v, t, as_of, g, &ng);

	(void)export;
	for (size_t i = 0; !rc && i < ng; i++)
		if (!g[i].ok)
			rc = cy_error_set(CY_EPERM,
					  "transfer %" PRId64
					  " cannot be exported: %s (%s); custody "
					  "transfer show %" PRId64 " lists what blocks it",
					  t->row.id, g[i].what, g[i].article, t->row.id);
	snprintf(tid, sizeof(tid), "t%" PRId64, t->row.id);
	rc = rc ? rc : cy_transfer__entry(v, t->row.approve_seq, A, tid, &e);
	cy_hex_encode(t->row.scope, 32, hex);
	if (!rc && strcmp(cy_transfer__detail(e, "scope"), hex))
		rc = cy_error_set(CY_ECORRUPT,
				  "the scope of transfer %" PRId64
				  " is not the one that was approved (the catalog was altered)",
				  t->row.id);
	/* the approver the package names is the one who made the entry */
	if (!rc) {
		char actor[32];
		const char *a = json_string_value(json_object_get(e, "actor"));
		snprintf(actor, sizeof(actor), "u%" PRId64, t->row.approved_by);
		if (!a || strcmp(a, actor))
			rc = cy_error_set(CY_ECORRUPT,
					  "transfer %" PRId64
					  " names an approver other than the one the ledger "
					  "recorded (the catalog was altered)",
					  t->row.id);
	}
	json_decref(e);
	if (!rc && cy_catalog_hold_user_name(v->cat, t->row.approved_by, approver))
		snprintf(approver, 64, "u%" PRId64, t->row.approved_by);
	return rc;
}
