/* transfer.c - receivers, transfers and their scope, PIAs, the Art. 38
 * mechanism and approval (transfer.h, docs/internals/transfer.md).
 *
 * Every step is a ledger entry carrying what it decided: the scope's hash
 * (transfer.plan), the PIA's digest (transfer.pia), the approval with the
 * scope it saw (transfer.approve).  The steps that act check the rows
 * against those entries (cy_transfer__scope_check), so a transfer_items row
 * added or deleted by hand is refused, not exported. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_holds.h"
#include "catalog/catalog_records.h"
#include "catalog/catalog_recsig.h"
#include "catalog/catalog_subjects.h"
#include "catalog/catalog_transfer.h"
#include "crypto/crypto.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/fonds.h"
#include "custody/record.h"
#include "custody/subject.h"
#include "transfer/transfer_internal.h"
#include "vault/vault_holds.h"
#include "custody/banned.h"

static const cy_note_kind PURPOSE_NOTE = {"custody transfer note v1", "custody/transfer/v1", 4096};
static const cy_note_kind PIA_NOTE = {"custody transfer note v1", "custody/transfer/v1", 1u << 20};

static const char *const SCOPE_ACTIONS[] = {"transfer.plan", "transfer.scope", NULL};
static const char *const RECEIVER_ACTIONS[] = {"receiver.add", NULL};

static const char *const REASONS[] = {"merger", "division", "dissolution", "bankruptcy",
				      "sale",	"other",    NULL};

bool cy_transfer_reason_valid(const char *r)
{
	for (int i = 0; r && REASONS[i]; i++)
		if (!strcmp(r, REASONS[i]))
			return true;
	return false;
}

bool cy_transfer_reason_art22(const char *r)
{
	return r && (!strcmp(r, "merger") || !strcmp(r, "division") || !strcmp(r, "dissolution") ||
		     !strcmp(r, "bankruptcy"));
}

/* ---- receivers ---- */

static int text_field(const char *what, const char *s, size_t cap, bool required)
{
	if (!s || !*s)
		return required ? cy_error_set(CY_EINVALID, "the receiver's %s is required", what)
				: 0;
	if (strlen(s) >= cap)
		return cy_error_set(CY_EINVALID, "the receiver's %s is longer than %zu bytes", what,
				    cap - 1);
	if (!cy_utf8_valid(s, strlen(s)))
		return cy_error_set(CY_EINVALID, "the receiver's %s is not UTF-8 text", what);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return cy_error_set(CY_EINVALID,
					    "the receiver's %s holds a control character", what);
	return 0;
}

static int jurisdiction_valid(const char *j)
{
	if (j && !strcmp(j, "CN"))
		return 0;
	if (j && !strncmp(j, "OTHER:", 6) && strlen(j) == 8 && j[6] >= 'A' && j[6] <= 'Z' &&
	    j[7] >= 'A' && j[7] <= 'Z' && strcmp(j + 6, "CN"))
		return 0;
	return cy_error_set(CY_EINVALID,
			    "--jurisdiction must be CN or OTHER:XX (XX: the ISO 3166 country code, "
			    "e.g. OTHER:SG), not '%s'",
			    j ? j : "");
}

int cy_receiver_add(cy_vault *v, const cy_receiver *r, int64_t *id)
{
	cy_receiver row, old;
	cy_ledger_entry e;
	char rid[24], digest[65];
	uint8_t h[32], key[32];
	cy_buf msg = CY_BUF_INIT;
	int rc;

	*id = 0;
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("add receivers"))))
		return rc;
	rc = text_field("name", r->name, sizeof(r->name), true);
	rc = rc ? rc : text_field("contact", r->contact, sizeof(r->contact), true);
	rc = rc ? rc : jurisdiction_valid(r->jurisdiction);
	if (rc)
		return rc;
	if (!strcmp(r->jurisdiction, "CN") && !cy_uscc_valid(r->uscc))
		return cy_error_set(CY_EINVALID,
				    "'%s' is not a valid unified social credit code (GB 32100); a "
				    "receiver in China needs one (--uscc)",
				    r->uscc);
	if (*r->uscc && !cy_uscc_valid(r->uscc))
		return cy_error_set(CY_EINVALID,
				    "'%s' is not a valid unified social credit code (GB 32100)",
				    r->uscc);
	if ((rc = cy_transfer__recipient_parse(r->age_recipient, key)))
		return rc;
	if ((rc = cy_transfer__signing_pub_parse(r->signing_pub, key)))
		return rc;
	if (!cy_catalog_receiver_get(v->cat, r->name, 0, &old))
		return cy_error_set(CY_EEXISTS, "a receiver named '%s' exists already", r->name);
	row = *r;
	cy_vault__now(row.created);
	/* the entry carries the digest of what the row says: an edited contact
	 * or key is found by transfer show and export */
	rc = cy_transfer__receiver_digest(&row, h);
	cy_hex_encode(h, 32, digest);
	rc = rc ? rc : cy_vault__begin(v);
	if (rc)
		return rc;
	rc = cy_catalog_receiver_insert(v->cat, &row, v->user_id, &row.id);
	snprintf(rid, sizeof(rid), "r%" PRId64, row.id);
	memset(&e, 0, sizeof(e));
	e.action = "receiver.add";
	e.targets[e.ntargets++] = rid;
	e.details[e.ndetails++] = (cy_ledger_detail){"jurisdiction", row.jurisdiction, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"row", digest, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_receiver_set_seq(v->cat, row.id, (int64_t)e.seq);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	else
		*id = row.id;
	cy_buf_release(&msg);
	return rc;
}

int cy_transfer__receiver_digest(const cy_receiver *r, uint8_t out[32])
{
	cy_buf b = CY_BUF_INIT;
	int rc = cy_buf_printf(&b, "custody/receiver/v1\n%s\n%s\n%s\n%s\n%s\n%s\n", r->name,
			       r->uscc, r->contact, r->jurisdiction, r->age_recipient,
			       r->signing_pub);

	if (!rc)
		cy_sha256(b.ptr, b.len, out);
	cy_buf_release(&b);
	return rc;
}

int cy_receiver_get(cy_vault *v, const char *name, cy_receiver *out)
{
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("see receivers"))))
		return rc;
	rc = cy_catalog_receiver_get(v->cat, name, 0, out);
	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ENOTFOUND,
				    "no receiver named '%s' (custody receiver list shows them; "
				    "custody receiver add makes one)",
				    name);
	return rc;
}

int cy_receiver_list(cy_vault *v, int (*fn)(void *arg, const cy_receiver *r), void *arg)
{
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("see receivers"))))
		return rc;
	return cy_catalog_receiver_each(v->cat, fn, arg);
}

/* ---- plan ---- */

typedef struct plan_ctx {
	cy_vault *v;
	const cy_transfer_plan_req *p;
	cy_holds_view *hv;
	int64_t *sub_records; /* records of --subjects, sorted */
	size_t nsub;
	int64_t *ids;
	char (*nos)[64];
	size_t n, cap;
	int64_t skipped_status, skipped_hold;
} plan_ctx;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static bool class_wanted(const cy_transfer_plan_req *p, const char *klass)
{
	if (!p->nclasses)
		return true;
	for (size_t i = 0; i < p->nclasses; i++)
		if (!strcmp(p->classes[i], klass))
			return true;
	return false;
}

static int plan_record(void *arg, const cy_cat_record *r)
{
	plan_ctx *x = arg;
	int64_t hold = 0;
	int rc;

	if (!class_wanted(x->p, r->klass))
		return 0;
	if ((x->p->year_from && r->year < x->p->year_from) ||
	    (x->p->year_to && r->year > x->p->year_to))
		return 0;
	if (x->p->nsubjects && !bsearch(&r->id, x->sub_records, x->nsub, sizeof(int64_t), cmp_i64))
		return 0;
	if (strcmp(r->status, "held")) {
		x->skipped_status++;
		return 0;
	}
	if ((rc = cy_vault__holds_covers(x->v, x->hv, r->id, &hold)))
		return rc;
	if (hold) {
		x->skipped_hold++;
		return 0;
	}
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 256;
		int64_t *ni = realloc(x->ids, nc * sizeof(*ni));
		char(*nn)[64] = ni ? realloc(x->nos, nc * sizeof(*nn)) : NULL;
		if (ni)
			x->ids = ni;
		if (!nn)
			return cy_error_set(CY_ENOMEM, "out of memory");
		x->nos = nn;
		x->cap = nc;
	}
	x->ids[x->n] = r->id;
	snprintf(x->nos[x->n], 64, "%s", r->archive_no);
	x->n++;
	return 0;
}

/* SHA-256 of "custody/transfer-scope/v1\n" and "<record id> <archive no>\n"
 * for each record in scope, in archive-number order. */
typedef struct scope_hash {
	cy_sha256_ctx *h;
	int64_t n;
	int rc;
} scope_hash;

static int scope_item(void *arg, int64_t record_id, const char *archive_no, const char *left)
{
	scope_hash *s = arg;
	char line[96];
	int len;

	if (*left)
		return 0;
	len = snprintf(line, sizeof(line), "%" PRId64 " %s\n", record_id, archive_no);
	s->n++;
	return cy_sha256_update(s->h, line, (size_t)len);
}

static int scope_subject(void *arg, int64_t sid, int64_t no, const char *state)
{
	scope_hash *s = arg;
	char line[64];
	int len;

	(void)no;
	if (strcmp(state, "in"))
		return 0;
	len = snprintf(line, sizeof(line), "s %" PRId64 "\n", sid);
	return cy_sha256_update(s->h, line, (size_t)len);
}

int cy_transfer__scope_hash(cy_vault *v, int64_t tid, uint8_t out[32], int64_t *n)
{
	scope_hash s = {NULL, 0, 0};
	static const char tag[] = "custody/transfer-scope/v1\n";
	int rc = cy_sha256_new(&s.h);

	rc = rc ? rc : cy_sha256_update(s.h, tag, sizeof(tag) - 1);
	rc = rc ? rc : cy_catalog_titem_each(v->cat, tid, scope_item, &s);
	/* and the customers in scope ("s <subject id>"): their data is in the
	 * package (subjects.jsonl), so a transfer_subjects row set to 'in' by
	 * hand must not pass */
	rc = rc ? rc : cy_catalog_tsubject_each(v->cat, tid, scope_subject, &s);
	rc = rc ? rc : cy_sha256_final(s.h, out);
	cy_sha256_free(s.h);
	if (n)
		*n = s.n;
	return rc;
}

int cy_transfer__terms(const cy_catalog_transfer *r, char hex[65])
{
	cy_buf b = CY_BUF_INIT;
	uint8_t h[32];
	int rc = cy_buf_printf(&b,
			       "custody/transfer-terms/v1\n%s\n%" PRId64 "\n%s\n%d\n%" PRId64
			       "\n%" PRId64 "\n%" PRId64 "\n%d\n%d\n",
			       r->fonds, r->receiver_id, r->reason, r->notice_days, r->records,
			       r->subjects, r->sensitive, r->ciio, r->important);

	if (!rc)
		cy_sha256(b.ptr, b.len, h);
	cy_buf_release(&b);
	if (!rc)
		cy_hex_encode(h, 32, hex);
	return rc;
}

static int subjects_records(cy_vault *v, const char *fonds, const cy_transfer_plan_req *p,
			    int64_t **out, size_t *nout)
{
	int64_t *all = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t i = 0; !rc && i < p->nsubjects; i++) {
		int64_t sid, *ids = NULL;
		size_t m = 0;
		if ((rc = cy_subject_lookup(v, fonds, p->subjects[i], &sid)))
			break;
		if ((rc = cy_catalog_subject_record_ids(v->cat, sid, &ids, &m)))
			break;
		if (n + m > cap) {
			size_t nc = (n + m) * 2 + 16;
			int64_t *na = realloc(all, nc * sizeof(*na));
			if (!na) {
				free(ids);
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			all = na;
			cap = nc;
		}
		memcpy(all + n, ids, m * sizeof(*ids));
		n += m;
		free(ids);
	}
	if (rc) {
		free(all);
		return rc;
	}
	if (n)
		qsort(all, n, sizeof(*all), cmp_i64);
	*out = all;
	*nout = n;
	return 0;
}

static int count_subject(void *arg, int64_t sid, int64_t no, const char *state)
{
	int64_t *n = arg;
	(void)sid;
	(void)no;
	if (!strcmp(state, "in"))
		(*n)++;
	return 0;
}

int cy_transfer_plan(cy_vault *v, const cy_transfer_plan_req *p, int64_t *id,
		     cy_transfer_plan_result *res)
{
	plan_ctx x;
	cy_catalog_transfer t;
	cy_receiver rcv;
	cy_fonds_key *k;
	cy_ledger_entry e;
	cy_buf sealed = CY_BUF_INIT;
	char tid[24], rid[24], scope_hex[65], terms_hex[65];
	int rc;

	*id = 0;
	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.v = v;
	x.p = p;
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("plan transfers"))))
		return rc;
	if (!cy_transfer_reason_valid(p->reason))
		return cy_error_set(CY_EINVALID,
				    "--reason must be merger, division, dissolution, bankruptcy, "
				    "sale or other, not '%s'",
				    p->reason ? p->reason : "");
	for (size_t i = 0; i < p->nclasses; i++) {
		cy_class c;
		if (cy_class_parse(p->classes[i], &c))
			return cy_error_set(CY_EINVALID, "unknown class '%s'", p->classes[i]);
	}
	if (p->purpose && strlen(p->purpose) > 4000)
		return cy_error_set(CY_EINVALID, "--purpose is at most 4000 bytes");
	if (p->purpose && !cy_utf8_valid(p->purpose, strlen(p->purpose)))
		return cy_error_set(CY_EINVALID, "--purpose is not UTF-8 text");
	if (p->notice_days < 0 || p->notice_days > 3650)
		return cy_error_set(CY_EINVALID, "--notice-days must be 0 to 3650");
	if (!(k = cy_vault__fonds_key(v, p->fonds)))
		return cy_error_code();
	if ((rc = cy_vault__epoch_writable(v, k)))
		return rc;
	rc = cy_catalog_receiver_get(v->cat, p->receiver, 0, &rcv);
	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ENOTFOUND,
				    "no receiver named '%s' (custody receiver add makes one)",
				    p->receiver);
	if (rc)
		return rc;
	if (p->nsubjects && (rc = subjects_records(v, k->code, p, &x.sub_records, &x.nsub)))
		return rc;
	if ((rc = cy_vault__holds_load(v, &x.hv)))
		goto out;
	if ((rc = cy_catalog_record_each(v->cat, k->fonds_id, plan_record, &x)))
		goto out;
	if (!x.n) {
		rc = cy_error_set(CY_ENOTFOUND,
				  "no record of fonds %s matches the scope (records that are "
				  "store-only, on hold, transferred or destroyed never leave)",
				  k->code);
		goto out;
	}
	memset(&t, 0, sizeof(t));
	t.fonds_id = k->fonds_id;
	t.receiver_id = rcv.id;
	snprintf(t.reason, sizeof(t.reason), "%s", p->reason);
	t.epoch = k->epoch;
	t.notice_days = p->notice_days;
	t.records = (int64_t)x.n;
	t.ciio = p->ciio;
	t.important = p->important;
	t.planned_by = v->user_id;
	cy_vault__now(t.planned);
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_catalog_transfer_insert(v->cat, &t, &t.id);
	for (size_t i = 0; !rc && i < x.n; i++)
		rc = cy_catalog_titem_add(v->cat, t.id, x.ids[i], x.nos[i]);
	rc = rc ? rc : cy_catalog_tsubject_fill(v->cat, t.id);
	rc = rc ? rc : cy_catalog_tsubject_each(v->cat, t.id, count_subject, &t.subjects);
	rc = rc ? rc : cy_catalog_tsubject_sensitive(v->cat, t.id, &t.sensitive);
	rc = rc ? rc : cy_transfer__scope_hash(v, t.id, t.scope, NULL);
	rc = rc ? rc : cy_catalog_transfer_set_counts(v->cat, t.id, t.records, t.subjects);
	rc = rc ? rc : cy_catalog_transfer_set_sensitive(v->cat, t.id, t.sensitive);
	rc = rc ? rc : cy_catalog_transfer_set_scope(v->cat, t.id, t.scope);
	if (!rc && p->purpose && *p->purpose) {
		rc = cy_vault__note_seal(v, k, k->epoch, &PURPOSE_NOTE, "purpose", t.id, p->purpose,
					 strlen(p->purpose), &sealed);
		rc = rc ? rc
			: cy_catalog_transfer_set_purpose(v->cat, t.id, sealed.ptr, sealed.len);
	}
	cy_hex_encode(t.scope, 32, scope_hex);
	snprintf(t.fonds, sizeof(t.fonds), "%s", k->code);
	rc = rc ? rc : cy_transfer__terms(&t, terms_hex);
	snprintf(tid, sizeof(tid), "t%" PRId64, t.id);
	snprintf(rid, sizeof(rid), "r%" PRId64, rcv.id);
	memset(&e, 0, sizeof(e));
	e.action = "transfer.plan";
	e.targets[e.ntargets++] = tid;
	e.targets[e.ntargets++] = k->code;
	e.targets[e.ntargets++] = rid;
	e.details[e.ndetails++] = (cy_ledger_detail){"reason", t.reason, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, t.records};
	e.details[e.ndetails++] = (cy_ledger_detail){"subjects", NULL, t.subjects};
	e.details[e.ndetails++] = (cy_ledger_detail){"scope", scope_hex, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"notice_days", NULL, t.notice_days};
	e.details[e.ndetails++] = (cy_ledger_detail){"terms", terms_hex, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_transfer_set_seq(v->cat, t.id, (int64_t)e.seq);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		goto out;
	}
	*id = t.id;
	res->records = t.records;
	res->subjects = t.subjects;
	res->skipped_status = x.skipped_status;
	res->skipped_hold = x.skipped_hold;
out:
	cy_vault__holds_free(x.hv);
	free(x.sub_records);
	free(x.ids);
	free(x.nos);
	cy_buf_release(&sealed);
	return rc;
}

/* ---- reading a transfer ---- */

/* The ledger entry at seq, parsed: CY_ECORRUPT unless its action is one of
 * actions (NULL-terminated) and its first target is target0. */
int cy_transfer__entry(cy_vault *v, int64_t seq, const char *const *actions, const char *target0,
		       json_t **out)
{
	cy_buf e = CY_BUF_INIT;
	json_t *j = NULL, *t0;
	const char *act;
	int rc, ok = 0;

	*out = NULL;
	rc = seq > 0 ? cy_catalog_ledger_entry_get(v->cat, (uint64_t)seq, &e) : CY_ENOTFOUND;
	if (!rc && !(j = json_loadb((const char *)e.ptr, e.len, 0, NULL)))
		rc = CY_ECORRUPT;
	if (!rc) {
		t0 = json_array_get(json_object_get(j, "targets"), 0);
		act = json_string_value(json_object_get(j, "action"));
		for (int i = 0; act && actions[i]; i++)
			ok |= !strcmp(act, actions[i]);
		if (!ok || !json_is_string(t0) || strcmp(json_string_value(t0), target0))
			rc = CY_ECORRUPT;
	}
	cy_buf_release(&e);
	if (rc) {
		json_decref(j);
		return cy_error_set(CY_ECORRUPT,
				    "%s has no %s entry where its row says (ledger entry %" PRId64
				    "): the catalog was altered",
				    target0, actions[0], seq);
	}
	*out = j;
	return 0;
}

const char *cy_transfer__detail(json_t *entry, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(entry, "details"), key));
	return s ? s : "";
}

int cy_transfer__load(cy_vault *v, int64_t id, unsigned allowed, cy_transfer__t *out)
{
	cy_buf purpose = CY_BUF_INIT;
	json_t *plan = NULL;
	uint8_t h[32];
	char hex[65];
	char tname[24], rname[24];
	int64_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cy_vault__require(v, allowed, N_("work with transfers"))))
		return rc;
	rc = cy_catalog_transfer_get(v->cat, id, &out->row, &purpose);
	if (rc == CY_ENOTFOUND || (!rc && !(out->k = cy_vault__fonds_key(v, out->row.fonds)))) {
		cy_buf_release(&purpose);
		return cy_error_set(CY_ENOTFOUND,
				    "no transfer %" PRId64 " in a fonds granted to you "
				    "(custody transfer list shows them)",
				    id);
	}
	if (rc)
		goto out;
	rc = cy_catalog_receiver_get(v->cat, NULL, out->row.receiver_id, &out->receiver);
	rc = rc ? rc : cy_catalog_receiver_seq(v->cat, out->row.receiver_id, &out->receiver_seq);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ECORRUPT, "transfer %" PRId64 " names a receiver that is gone",
				  id);
	if (rc)
		goto out;
	/* the row against the ledger: the scope the plan (or the last change of
	 * scope) logged, the receiver as it was added */
	snprintf(tname, sizeof(tname), "t%" PRId64, id);
	if ((rc = cy_transfer__entry(v, out->row.seq, SCOPE_ACTIONS, tname, &plan)))
		goto out;
	rc = cy_transfer__scope_hash(v, id, h, &n);
	cy_hex_encode(h, 32, hex);
	if (!rc &&
	    (strcmp(cy_transfer__detail(plan, "scope"), hex) || memcmp(h, out->row.scope, 32)))
		rc = cy_error_set(CY_ECORRUPT,
				  "the records of transfer %" PRId64
				  " differ from the scope the ledger holds (a transfer_items or "
				  "transfer_subjects row was added, removed or changed by hand)",
				  id);
	/* its receiver, fonds, reason, notice period and counts: what the
	 * gates and the package read */
	if (!rc)
		rc = cy_transfer__terms(&out->row, hex);
	if (!rc && strcmp(cy_transfer__detail(plan, "terms"), hex))
		rc = cy_error_set(CY_ECORRUPT,
				  "transfer %" PRId64
				  " differs from what the ledger recorded (its receiver, fonds, "
				  "reason, notice period or counts were changed by hand)",
				  id);
	if (!rc) {
		uint8_t rh[32];
		json_t *radd = NULL;
		snprintf(rname, sizeof(rname), "r%" PRId64, out->receiver.id);
		rc = cy_transfer__receiver_digest(&out->receiver, rh);
		cy_hex_encode(rh, 32, hex);
		rc = rc ? rc
			: cy_transfer__entry(v, out->receiver_seq, RECEIVER_ACTIONS, rname, &radd);
		if (!rc && strcmp(cy_transfer__detail(radd, "row"), hex))
			rc = cy_error_set(CY_ECORRUPT,
					  "receiver '%s' differs from what the ledger recorded when "
					  "it was added (its contact, code or keys were changed by "
					  "hand)",
					  out->receiver.name);
		json_decref(radd);
	}
	if (!rc && purpose.len) {
		cy_buf pt = CY_BUF_INIT;
		rc = cy_vault__note_open(v, out->k, out->row.epoch, &PURPOSE_NOTE, "purpose", id,
					 purpose.ptr, purpose.len, &pt);
		if (!rc)
			snprintf(out->purpose, sizeof(out->purpose), "%s", (char *)pt.ptr);
		cy_buf_wipe(&pt);
		cy_buf_release(&pt);
	}
out:
	json_decref(plan);
	cy_buf_release(&purpose);
	return rc;
}

void cy_transfer__info(const cy_transfer__t *t, cy_vault *v, cy_transfer_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = t->row.id;
	snprintf(out->fonds, sizeof(out->fonds), "%s", t->row.fonds);
	out->receiver = t->receiver;
	snprintf(out->reason, sizeof(out->reason), "%s", t->row.reason);
	snprintf(out->purpose, sizeof(out->purpose), "%s", t->purpose);
	snprintf(out->status, sizeof(out->status), "%s", t->row.status);
	snprintf(out->planned, sizeof(out->planned), "%s", t->row.planned);
	snprintf(out->approved, sizeof(out->approved), "%s", t->row.approved);
	if (cy_catalog_hold_user_name(v->cat, t->row.planned_by, out->planned_by))
		snprintf(out->planned_by, sizeof(out->planned_by), "u%" PRId64, t->row.planned_by);
	if (t->row.approved_by &&
	    cy_catalog_hold_user_name(v->cat, t->row.approved_by, out->approved_by))
		snprintf(out->approved_by, sizeof(out->approved_by), "u%" PRId64,
			 t->row.approved_by);
	out->notice_days = t->row.notice_days;
	out->records = t->row.records;
	out->subjects = t->row.subjects;
}

int cy_transfer_get(cy_vault *v, int64_t id, cy_transfer_info *out)
{
	cy_transfer__t t;
	int rc = cy_transfer__load(v, id, CY_R_CONTENT, &t);

	if (!rc)
		cy_transfer__info(&t, v, out);
	cy_wipe(t.purpose, sizeof(t.purpose));
	return rc;
}

typedef struct subj_ctx {
	const char *fonds;
	cy_transfer_subject_fn fn;
	void *arg;
} subj_ctx;

static int subj_each(void *arg, int64_t sid, int64_t no, const char *state)
{
	subj_ctx *x = arg;
	char id[CY_SUBJECT_ID_MAX];

	if (strcmp(state, "in"))
		return 0;
	snprintf(id, sizeof(id), "%s-C%06" PRId64, x->fonds, no);
	return x->fn(x->arg, sid, id);
}

int cy_transfer_subjects(cy_vault *v, int64_t id, cy_transfer_subject_fn fn, void *arg)
{
	cy_transfer__t t;
	subj_ctx x = {NULL, fn, arg};
	int rc = cy_transfer__load(v, id, CY_R_CONTENT, &t);

	x.fonds = t.row.fonds;
	rc = rc ? rc : cy_catalog_tsubject_each(v->cat, id, subj_each, &x);
	cy_wipe(t.purpose, sizeof(t.purpose));
	return rc;
}

typedef struct list_ctx {
	cy_vault *v;
	cy_transfer_fn fn;
	void *arg;
} list_ctx;

static int list_one(void *arg, const cy_catalog_transfer *row)
{
	list_ctx *x = arg;
	cy_transfer__t t;
	cy_transfer_info info;
	int rc;

	if (!cy_vault__holds(x->v, row->fonds))
		return 0;
	if ((rc = cy_transfer__load(x->v, row->id, CY_R_CONTENT, &t)))
		return rc;
	cy_transfer__info(&t, x->v, &info);
	cy_wipe(t.purpose, sizeof(t.purpose));
	rc = x->fn(x->arg, &info);
	cy_wipe(info.purpose, sizeof(info.purpose));
	return rc;
}

int cy_transfer_list(cy_vault *v, const char *fonds, cy_transfer_fn fn, void *arg)
{
	list_ctx x = {v, fn, arg};
	int64_t fid = 0;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("see transfers"))))
		return rc;
	if (fonds) {
		cy_fonds_key *k = cy_vault__fonds_key(v, fonds);
		if (!k)
			return cy_error_code();
		fid = k->fonds_id;
	}
	return cy_catalog_transfer_each(v->cat, fid, list_one, &x);
}

/* ---- PIA (PIPL Art. 55-56) and the Art. 38 mechanism ---- */

int cy_transfer_pia_add(cy_vault *v, int64_t id, const void *text, size_t n, char digest[65])
{
	cy_transfer__t t;
	cy_ledger_entry e;
	cy_buf sealed = CY_BUF_INIT;
	uint8_t h[32];
	char tid[24];
	int64_t pid = 0;
	int rc = cy_transfer__load(v, id, CY_R(CY_ROLE_ARCHIVIST), &t);

	if (rc)
		return rc;
	if (strcmp(t.row.status, "planned")) {
		rc = cy_error_set(CY_EINVALID,
				  "transfer %" PRId64
				  " is %s: its assessment is fixed once approved",
				  id, t.row.status);
		goto out;
	}
	if (!n || n > PIA_NOTE.max || !cy_utf8_valid(text, n)) {
		rc = cy_error_set(CY_EINVALID,
				  "the assessment must be UTF-8 text of 1 byte to 1 MiB (Markdown)");
		goto out;
	}
	cy_sha256(text, n, h);
	cy_hex_encode(h, 32, digest);
	char now[21];
	cy_vault__now(now);
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_catalog_tpia_add(v->cat, id, t.k->epoch, "", 0, digest, v->user_id, now, &pid);
	rc = rc ? rc
		: cy_vault__note_seal(v, t.k, t.k->epoch, &PIA_NOTE, "pia", pid, text, n, &sealed);
	rc = rc ? rc : cy_catalog_tpia_set_body(v->cat, pid, sealed.ptr, sealed.len);
	snprintf(tid, sizeof(tid), "t%" PRId64, id);
	memset(&e, 0, sizeof(e));
	e.action = "transfer.pia";
	e.targets[e.ntargets++] = tid;
	e.targets[e.ntargets++] = t.row.fonds;
	e.details[e.ndetails++] = (cy_ledger_detail){"digest", digest, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"pia", NULL, pid};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_tpia_set_seq(v->cat, pid, (int64_t)e.seq);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_wipe(t.purpose, sizeof(t.purpose));
	cy_buf_release(&sealed);
	return rc;
}

typedef struct pia_check {
	cy_vault *v;
	int64_t tid;
	int64_t n;
	int rc;
} pia_check;

static int pia_one(void *arg, int64_t pia_id, const char *digest, const char *at, int64_t by,
		   int64_t seq)
{
	pia_check *x = arg;
	json_t *e = NULL;
	char tid[24];
	int rc;
	static const char *const A[] = {"transfer.pia", NULL};

	(void)at;
	(void)by;
	snprintf(tid, sizeof(tid), "t%" PRId64, x->tid);
	if ((rc = cy_transfer__entry(x->v, seq, A, tid, &e)))
		return rc;
	if (strcmp(cy_transfer__detail(e, "digest"), digest) ||
	    json_integer_value(json_object_get(json_object_get(e, "details"), "pia")) != pia_id)
		rc = cy_error_set(CY_ECORRUPT,
				  "the assessment %" PRId64 " of transfer %" PRId64
				  " differs from its ledger entry (the catalog was altered)",
				  pia_id, x->tid);
	json_decref(e);
	if (!rc)
		x->n++;
	return rc;
}

int cy_transfer__pias(cy_vault *v, int64_t tid, int64_t *n)
{
	pia_check x = {v, tid, 0, 0};
	int rc = cy_catalog_tpia_each(v->cat, tid, pia_one, &x);

	*n = x.n;
	return rc;
}

static const char *const MECHANISMS[] = {"cac-assessment", "standard-contract", "certification",
					 "exempt", NULL};

int cy_transfer_mechanism(cy_vault *v, int64_t id, const char *kind, const char *ref)
{
	cy_transfer__t t;
	cy_ledger_entry e;
	char tid[24], mech[64];
	int ok = 0, rc;

	for (int i = 0; kind && MECHANISMS[i]; i++)
		ok |= !strcmp(kind, MECHANISMS[i]);
	if (!ok)
		return cy_error_set(
			CY_EINVALID,
			"--kind must be cac-assessment, standard-contract, certification "
			"or exempt (PIPL Art. 38), not '%s'",
			kind ? kind : "");
	if (!ref || !*ref || strlen(ref) > 40 || !cy_utf8_valid(ref, strlen(ref)))
		return cy_error_set(
			CY_EINVALID,
			"--ref names the filing, contract or certificate (1 to 40 bytes, "
			"no personal data)");
	if ((rc = cy_transfer__load(v, id, CY_R(CY_ROLE_ARCHIVIST), &t)))
		return rc;
	cy_wipe(t.purpose, sizeof(t.purpose));
	if (strcmp(t.row.status, "planned"))
		return cy_error_set(CY_EINVALID, "transfer %" PRId64 " is %s already", id,
				    t.row.status);
	snprintf(mech, sizeof(mech), "%s:%s", kind, ref);
	if ((rc = cy_vault__begin(v)))
		return rc;
	snprintf(tid, sizeof(tid), "t%" PRId64, id);
	memset(&e, 0, sizeof(e));
	e.action = "transfer.mechanism";
	e.targets[e.ntargets++] = tid;
	e.targets[e.ntargets++] = t.row.fonds;
	e.details[e.ndetails++] = (cy_ledger_detail){"mechanism", mech, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_transfer_set_mechanism(v->cat, id, mech, (int64_t)e.seq);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

int cy_transfer__mechanism_check(cy_vault *v, int64_t tid, const char *mech, char out[64])
{
	static const char *const A[] = {"transfer.mechanism", NULL};
	cy_catalog_transfer row;
	json_t *e = NULL;
	char name[24];
	int rc = cy_catalog_transfer_get(v->cat, tid, &row, NULL);

	snprintf(name, sizeof(name), "t%" PRId64, tid);
	rc = rc ? rc : cy_transfer__entry(v, row.mechanism_seq, A, name, &e);
	if (!rc && strcmp(cy_transfer__detail(e, "mechanism"), mech))
		rc = cy_error_set(CY_ECORRUPT,
				  "the Art. 38 mechanism of transfer %" PRId64
				  " differs from its ledger entry (the catalog was altered)",
				  tid);
	if (!rc)
		snprintf(out, 64, "%s", mech);
	json_decref(e);
	return rc;
}

int cy_transfer__subject_display(cy_vault *v, int64_t sid, char out[32])
{
	int64_t fid, no;
	cy_fonds_key *k;
	int rc = cy_catalog_subject_no(v->cat, sid, &fid, &no);

	if (!rc && !(k = cy_vault__fonds_key_by_id(v, fid)))
		rc = cy_error_set(CY_EPERM, "no key for the fonds of subject %" PRId64, sid);
	if (!rc)
		snprintf(out, 32, "%s-C%06" PRId64, k->code, no);
	return rc;
}

/* ---- check ---- */

typedef struct check_ctx {
	cy_vault *v;
	void (*problem)(void *arg, const char *msg);
	void *arg;
	uint64_t n;
} check_ctx;

static void check_report(check_ctx *x, int rc)
{
	if (rc) {
		x->problem(x->arg, cy_error_message());
		x->n++;
	}
}

static int check_receiver(void *arg, const cy_receiver *r)
{
	static const char *const A[] = {"receiver.add", NULL};
	check_ctx *x = arg;
	json_t *e = NULL;
	uint8_t h[32];
	char name[24], hex[65];
	int64_t seq = 0;
	int rc = cy_catalog_receiver_seq(x->v->cat, r->id, &seq);

	snprintf(name, sizeof(name), "r%" PRId64, r->id);
	rc = rc ? rc : cy_transfer__entry(x->v, seq, A, name, &e);
	rc = rc ? rc : cy_transfer__receiver_digest(r, h);
	cy_hex_encode(h, 32, hex);
	if (!rc && strcmp(cy_transfer__detail(e, "row"), hex))
		rc = cy_error_set(CY_ECORRUPT,
				  "receiver '%s' differs from what the ledger recorded when it was "
				  "added (its contact, code or keys were changed by hand)",
				  r->name);
	json_decref(e);
	check_report(x, rc);
	return 0;
}

static int check_transfer(void *arg, const cy_catalog_transfer *row)
{
	static const char *const APPROVE[] = {"transfer.approve", NULL};
	static const char *const EXPORTED[] = {"transfer.exported", NULL};
	check_ctx *x = arg;
	cy_transfer__t t;
	json_t *e = NULL;
	char name[24], hex[65];
	int64_t n = 0;
	int rc;

	if (!cy_vault__holds(x->v, row->fonds))
		return 0;
	rc = cy_transfer__load(x->v, row->id, CY_R_CONTENT, &t);
	cy_wipe(t.purpose, sizeof(t.purpose));
	rc = rc ? rc : cy_transfer__pias(x->v, row->id, &n);
	if (!rc && *t.row.mechanism) {
		char m[64];
		rc = cy_transfer__mechanism_check(x->v, row->id, t.row.mechanism, m);
	}
	snprintf(name, sizeof(name), "t%" PRId64, row->id);
	/* a status past "planned" needs the entries that made it so */
	if (!rc && strcmp(t.row.status, "planned")) {
		rc = cy_transfer__entry(x->v, t.row.approve_seq, APPROVE, name, &e);
		cy_hex_encode(t.row.scope, 32, hex);
		if (!rc && strcmp(cy_transfer__detail(e, "scope"), hex))
			rc = cy_error_set(CY_ECORRUPT,
					  "transfer %" PRId64 ": the scope is not the one approved",
					  row->id);
		json_decref(e);
		e = NULL;
	}
	if (!rc && (!strcmp(t.row.status, "exported") || !strcmp(t.row.status, "confirmed"))) {
		rc = cy_transfer__entry(x->v, t.row.export_seq, EXPORTED, name, &e);
		if (!rc && strcmp(cy_transfer__detail(e, "tag_manifest"), t.row.tag_digest))
			rc = cy_error_set(CY_ECORRUPT,
					  "transfer %" PRId64
					  ": the package's digest differs from its ledger entry",
					  row->id);
		json_decref(e);
	}
	check_report(x, rc);
	return 0;
}

int cy_transfer_check(cy_vault *v, void (*problem)(void *arg, const char *msg), void *arg,
		      uint64_t *problems)
{
	check_ctx x = {v, problem, arg, 0};
	int rc = cy_catalog_receiver_each(v->cat, check_receiver, &x);

	rc = rc ? rc : cy_catalog_transfer_each(v->cat, 0, check_transfer, &x);
	if (problems)
		*problems = x.n;
	return rc;
}
