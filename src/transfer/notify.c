/* notify.c - notices to customers before a handover (notify.h,
 * docs/internals/notify.md): prepare, send (e-mail, SMS file), status,
 * answers, bounces, and the counts the transfer's gates read.
 *
 * What is kept: one catalog row per (transfer, customer) with its channel,
 * delivery state and answer; the response code sealed under the fonds key of
 * an epoch (as a hold's reason is) and found by its SHA-256.  What is not
 * kept: addresses and phone numbers, read from the subject's sealed fields
 * when a notice is sent (each read logged as subject.read), and the text of
 * a notice, rendered again from its template when needed.  The ledger gets
 * ids, channels, attempts and answers; never an address, a phone, a code. */
#include <errno.h>
#include <csv.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_notify.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/fonds.h"
#include "custody/notify.h"
#include "custody/subject.h"
#include "custody/transfer.h"
#include "transfer/notify_internal.h"
#include "vault/vault_holds.h"
#include "vault/vault_internal.h"
#include "vault/vault_subjects.h"
#include "custody/banned.h"

#define CODE_LABEL "custody notice code v1"
#define SMS_SEGMENT 70
#define INPUT_MAX (64u << 20) /* a responses CSV or a bounce mbox */

/* ---- access ---- */

/* The transfer (any content role of its fonds), and for writers the
 * archivist's key of its fonds. */
static int transfer_of(cy_vault *v, int64_t id, bool write, bool keep_purpose, const char *what,
		       cy_transfer_info *t, cy_fonds_key **k)
{
	int rc;

	if ((rc = cy_vault__require(v, write ? CY_R(CY_ROLE_ARCHIVIST) : CY_R_CONTENT, what)))
		return rc;
	memset(t, 0, sizeof(*t));
	if ((rc = cy_transfer_get(v, id, t)))
		return rc;
	/* the purpose may name people: kept only by send, which prints it */
	if (!keep_purpose)
		cy_wipe(t->purpose, sizeof(t->purpose));
	if (k && !(*k = cy_vault__fonds_key(v, t->fonds)))
		return cy_vault__no_key_error(v, t->fonds);
	return 0;
}

static void transfer_target(int64_t id, char out[24])
{
	snprintf(out, 24, "t%" PRId64, id);
}

/* ---- sealed codes ---- */

/* The response code sealed under the fonds key of an epoch, as a hold's
 * reason is: AAD "custody/notice/v1/<vault>/<fonds>/notice/<notice id>". */
static const cy_note_kind CODE_NOTE = {CODE_LABEL, "custody/notice/v1", 20};

static int seal_code(cy_vault *v, const cy_fonds_key *k, int64_t epoch, int64_t id,
		     const char code[21], cy_buf *out)
{
	return cy_vault__note_seal(v, k, epoch, &CODE_NOTE, "notice", id, code, 20, out);
}

/* The code of notice n, shown in groups ("XXXXX-XXXXX-XXXXX-XXXXX"), checked
 * against the row's hash too: a sealed code moved to another row fails. */
static int open_code(cy_vault *v, const cy_fonds_key *k, const cy_catalog_notice *n,
		     char out[CY_NOTIFY_CODE_LEN + 1])
{
	cy_buf pt = CY_BUF_INIT;
	uint8_t h[32];
	int rc;

	if (n->epoch < 0 || n->epoch > k->epoch)
		return cy_error_set(CY_ECORRUPT,
				    "notice %" PRId64 " names key epoch %" PRId64
				    ", which fonds %s does not have (the catalog was altered)",
				    n->id, n->epoch, k->code);
	rc = cy_vault__note_open(v, k, n->epoch, &CODE_NOTE, "notice", n->id, n->code, n->code_len,
				 &pt);
	if (!rc && pt.len != 20)
		rc = cy_error_set(CY_ECORRUPT, "the response code of notice %" PRId64 " is damaged",
				  n->id);
	if (!rc) {
		cy_sha256(pt.ptr, 20, h);
		if (!cy_memeq(h, n->code_hash, 32))
			rc = cy_error_set(CY_ECORRUPT,
					  "the response code of notice %" PRId64
					  " does not match its hash (the catalog was altered)",
					  n->id);
	}
	if (!rc) {
		size_t o = 0;
		for (int i = 0; i < 20; i++) {
			if (i && i % 5 == 0)
				out[o++] = '-';
			out[o++] = (char)pt.ptr[i];
		}
		out[o] = 0;
	}
	cy_buf_wipe(&pt);
	return rc;
}

/* ---- the notices of a transfer, in memory ---- */

typedef struct notices {
	cy_catalog_notice *n;
	size_t count, cap;
} notices;

static int take_notice(void *arg, const cy_catalog_notice *n)
{
	notices *l = arg;

	if (l->count == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		cy_catalog_notice *nn = realloc(l->n, nc * sizeof(*nn));
		if (!nn)
			return cy_error_set(CY_ENOMEM, "out of memory");
		l->n = nn;
		l->cap = nc;
	}
	l->n[l->count++] = *n;
	return 0;
}

static void notices_release(notices *l)
{
	if (l->n)
		cy_wipe(l->n, l->cap * sizeof(*l->n));
	free(l->n);
	memset(l, 0, sizeof(*l));
}

static int notices_load(cy_vault *v, int64_t transfer, notices *l)
{
	memset(l, 0, sizeof(*l));
	return cy_catalog_notice_each(v->cat, transfer, take_notice, l);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static const char *status_of(const cy_catalog_notice *n)
{
	return *n->answer ? "answered" : n->status;
}

/* ---- what the ledger says ---- */

/* The notices of one transfer as its notify.* entries tell them: the rows
 * are a working copy that anyone holding the catalog file can change, the entries are
 * signed in their transaction's head.  The gates read this view, and every
 * reader compares the rows with it first (verify_rows). */
typedef struct lv_subject {
	int64_t id, attempts;
	char state[16];	 /* "" (no delivery event), sent, failed, bounced */
	char answer[16]; /* "" or the last answer */
} lv_subject;

typedef struct ledger_view {
	char target[24];
	lv_subject *s;
	size_t n, cap;
	int64_t total, none;
	char last_sent[32];
} ledger_view;

static const char *jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static lv_subject *lv_find(ledger_view *lv, int64_t id, bool add)
{
	for (size_t i = 0; i < lv->n; i++)
		if (lv->s[i].id == id)
			return &lv->s[i];
	if (!add)
		return NULL;
	if (lv->n == lv->cap) {
		size_t nc = lv->cap ? lv->cap * 2 : 64;
		lv_subject *ns = realloc(lv->s, nc * sizeof(*ns));
		if (!ns)
			return NULL;
		lv->s = ns;
		lv->cap = nc;
	}
	memset(&lv->s[lv->n], 0, sizeof(*lv->s));
	lv->s[lv->n].id = id;
	return &lv->s[lv->n++];
}

static int lv_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	ledger_view *lv = arg;
	json_t *j = json_loadb(entry, n, 0, NULL), *d;
	const char *action, *t0;
	lv_subject *x;
	int rc = 0;

	(void)seq;
	if (!j)
		return 0; /* log verify names a damaged entry */
	action = jstr(j, "action");
	t0 = json_string_value(json_array_get(json_object_get(j, "targets"), 0));
	d = json_object_get(j, "details");
	if (!t0 || strcmp(t0, lv->target) || !json_is_object(d))
		goto out;
	if (!strcmp(action, "notify.prepare")) {
		lv->total += json_integer_value(json_object_get(d, "added"));
		lv->none += json_integer_value(json_object_get(d, "none"));
		goto out;
	}
	if (!(x = lv_find(lv, json_integer_value(json_object_get(d, "subject")), true))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if (!strcmp(action, "notify.send") || !strcmp(action, "notify.fail")) {
		snprintf(x->state, sizeof(x->state), "%s", action[7] == 's' ? "sent" : "failed");
		x->attempts++;
		if (action[7] == 's' && strcmp(jstr(j, "time"), lv->last_sent) > 0)
			snprintf(lv->last_sent, sizeof(lv->last_sent), "%s", jstr(j, "time"));
	} else if (!strcmp(action, "notify.bounce")) {
		snprintf(x->state, sizeof(x->state), "bounced");
	} else if (!strcmp(action, "notify.answer")) {
		snprintf(x->answer, sizeof(x->answer), "%s", jstr(d, "answer"));
	}
out:
	json_decref(j);
	return rc;
}

static int lv_load(cy_vault *v, int64_t transfer_id, ledger_view *lv)
{
	memset(lv, 0, sizeof(*lv));
	transfer_target(transfer_id, lv->target);
	return cy_catalog_notice_ledger_each(v->cat, 0, lv_entry, lv);
}

static void lv_release(ledger_view *lv)
{
	free(lv->s);
	memset(lv, 0, sizeof(*lv));
}

/* The rows must say what the ledger says: as many notices as were prepared,
 * as many without a channel, and each one's delivery state, attempts and
 * answer.  CY_ECORRUPT naming the first difference. */
static int verify_rows(const ledger_view *lv, const notices *l)
{
	int64_t none = 0;

	for (size_t i = 0; i < l->count; i++) {
		const cy_catalog_notice *n = &l->n[i];
		const lv_subject *x = lv_find((ledger_view *)lv, n->subject_id, false);
		const char *state = x && *x->state ? x->state : "pending";
		char who[CY_SUBJECT_ID_MAX];
		none += !strcmp(n->channel, "none");
		if (!strcmp(state, n->status) && !strcmp(x ? x->answer : "", n->answer) &&
		    (x ? x->attempts : 0) == n->attempts)
			continue;
		cy_vault__subject_id(n->fonds, n->subject_no, who);
		return cy_error_set(CY_ECORRUPT,
				    "the notice of customer %s says %s/%s after %" PRId64
				    " attempts, the ledger %s/%s after %" PRId64
				    ": the catalog was altered (the ledger's account applies)",
				    who, n->status, *n->answer ? n->answer : "-", n->attempts,
				    state, x && *x->answer ? x->answer : "-", x ? x->attempts : 0);
	}
	if ((int64_t)l->count != lv->total || none != lv->none)
		return cy_error_set(CY_ECORRUPT,
				    "transfer %s has %zu notices (%" PRId64
				    " without a channel) in the catalog, the ledger "
				    "prepared %" PRId64 " (%" PRId64 "): the catalog was altered",
				    lv->target + 1, l->count, none, lv->total, lv->none);
	return 0;
}

/* The rows of a transfer and the ledger's view, compared. */
static int load_verified(cy_vault *v, int64_t transfer_id, notices *l, ledger_view *lv)
{
	int rc = notices_load(v, transfer_id, l);

	rc = rc ? rc : lv_load(v, transfer_id, lv);
	return rc ? rc : verify_rows(lv, l);
}

/* ---- counts for the gates ---- */

int cy_notify_counts_get(cy_vault *v, int64_t transfer_id, cy_notify_counts *out)
{
	cy_transfer_info t;
	notices l;
	ledger_view lv;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&lv, 0, sizeof(lv));
	if ((rc = transfer_of(v, transfer_id, false, false, N_("read notices"), &t, NULL)))
		return rc;
	if ((rc = load_verified(v, transfer_id, &l, &lv)))
		goto out;
	/* from the ledger's account alone */
	out->total = lv.total;
	out->none = lv.none;
	out->pending = lv.total;
	for (size_t i = 0; i < lv.n; i++) {
		const lv_subject *x = &lv.s[i];
		if (!*x->state && !*x->answer)
			continue;
		out->pending--;
		if (*x->answer)
			out->answered++;
		else if (!strcmp(x->state, "sent"))
			out->sent++;
		else if (!strcmp(x->state, "failed"))
			out->failed++;
		else if (!strcmp(x->state, "bounced"))
			out->bounced++;
		if (!strcmp(x->answer, "continue"))
			out->consented++;
		else if (!strcmp(x->answer, "object"))
			out->objected++;
		else if (!strcmp(x->answer, "copy"))
			out->copy++;
		else if (!strcmp(x->answer, "question"))
			out->question++;
	}
	snprintf(out->last_sent, sizeof(out->last_sent), "%s", lv.last_sent);
out:
	notices_release(&l);
	lv_release(&lv);
	return rc;
}

static int ids_by_answer(cy_vault *v, int64_t transfer_id, const char *answer, int64_t **ids,
			 size_t *n)
{
	cy_transfer_info t;
	notices l;
	ledger_view lv;
	int rc;

	*ids = NULL;
	*n = 0;
	memset(&lv, 0, sizeof(lv));
	if ((rc = transfer_of(v, transfer_id, false, false, N_("read notices"), &t, NULL)))
		return rc;
	if ((rc = load_verified(v, transfer_id, &l, &lv)))
		goto out;
	if (!(*ids = calloc(lv.n ? lv.n : 1, sizeof(**ids)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < lv.n; i++)
		if (!strcmp(lv.s[i].answer, answer))
			(*ids)[(*n)++] = lv.s[i].id;
	qsort(*ids, *n, sizeof(**ids), cmp_id);
out:
	notices_release(&l);
	lv_release(&lv);
	return rc;
}

int cy_notify_objectors(cy_vault *v, int64_t transfer_id, int64_t **ids, size_t *n)
{
	return ids_by_answer(v, transfer_id, "object", ids, n);
}

int cy_notify_consenters(cy_vault *v, int64_t transfer_id, int64_t **ids, size_t *n)
{
	return ids_by_answer(v, transfer_id, "continue", ids, n);
}

/* ---- prepare ---- */

typedef struct scope {
	int64_t *ids;
	char (*display)[CY_SUBJECT_ID_MAX];
	size_t n, cap;
} scope;

static int take_subject(void *arg, int64_t subject_id, const char *display_id)
{
	scope *s = arg;

	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		int64_t *ni = realloc(s->ids, nc * sizeof(*ni));
		char(*nd)[CY_SUBJECT_ID_MAX];
		if (!ni)
			return cy_error_set(CY_ENOMEM, "out of memory");
		s->ids = ni;
		if (!(nd = realloc(s->display, nc * sizeof(*nd))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		s->display = nd;
		s->cap = nc;
	}
	s->ids[s->n] = subject_id;
	snprintf(s->display[s->n], CY_SUBJECT_ID_MAX, "%s", display_id);
	s->n++;
	return 0;
}

static bool has_any(const char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && *list[i])
			return true;
	return false;
}

static const char *first(const char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && *list[i])
			return list[i];
	return NULL;
}

int cy_notify_prepare(cy_vault *v, int64_t transfer_id, const char *template_name,
		      cy_notify_subject_fn no_channel, void *arg, cy_notify_prepared *out)
{
	cy_transfer_info t;
	cy_fonds_key *k = NULL;
	cy_buf tmpl = CY_BUF_INIT, sealed = CY_BUF_INIT;
	scope s = {NULL, NULL, 0, 0};
	char(*chan)[8] = NULL;
	char now[21], tt[24];
	cy_ledger_entry e;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = transfer_of(v, transfer_id, true, false, N_("prepare notices"), &t, &k)))
		return rc;
	if (strcmp(t.status, "planned") && strcmp(t.status, "approved"))
		return cy_error_set(CY_EINVALID,
				    "transfer %" PRId64 " is %s: no notices to prepare",
				    transfer_id, t.status);
	if ((rc = cy_notify__template_load(template_name, &tmpl)))
		return rc;
	if ((rc = cy_transfer_subjects(v, transfer_id, take_subject, &s)))
		goto out;
	if (!(chan = calloc(s.n ? s.n : 1, sizeof(*chan)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	/* the channel of each new customer from its fields (each read logged) */
	for (size_t i = 0; !rc && i < s.n; i++) {
		cy_subject_info si;
		int x = cy_catalog_notice_exists(v->cat, transfer_id, s.ids[i]);
		if (x < 0) {
			rc = x;
			break;
		}
		if (x) {
			out->kept++;
			continue;
		}
		if ((rc = cy_subject_show(v, s.display[i], &si)))
			break;
		snprintf(chan[i], sizeof(chan[i]), "%s",
			 has_any(si.f.emails, si.f.nemails)   ? "email"
			 : has_any(si.f.phones, si.f.nphones) ? "sms"
							      : "none");
		cy_subject_info_release(&si);
	}
	if (rc)
		goto out;
	cy_vault__now(now);
	if ((rc = cy_vault__begin(v)))
		goto out;
	for (size_t i = 0; !rc && i < s.n; i++) {
		cy_catalog_notice n;
		char code[CY_NOTIFY_CODE_LEN + 1], canon[21];
		int64_t id;
		if (!chan[i][0])
			continue;
		memset(&n, 0, sizeof(n));
		n.transfer_id = transfer_id;
		n.subject_id = s.ids[i];
		n.fonds_id = k->fonds_id;
		n.epoch = k->epoch;
		snprintf(n.template_, sizeof(n.template_), "%s", template_name);
		snprintf(n.channel, sizeof(n.channel), "%s", chan[i]);
		snprintf(n.prepared, sizeof(n.prepared), "%s", now);
		rc = cy_notify_code_new(code);
		rc = rc ? rc : cy_notify_code_canon(code, canon);
		if (!rc)
			cy_sha256(canon, 20, n.code_hash);
		rc = rc ? rc : cy_catalog_notice_insert(v->cat, &n, &id);
		rc = rc ? rc : seal_code(v, k, n.epoch, id, canon, &sealed);
		rc = rc ? rc : cy_catalog_notice_set_code(v->cat, id, sealed.ptr, sealed.len);
		cy_wipe(code, sizeof(code));
		cy_wipe(canon, sizeof(canon));
		if (rc)
			break;
		out->added++;
		if (!strcmp(chan[i], "email"))
			out->email++;
		else if (!strcmp(chan[i], "sms"))
			out->sms++;
		else {
			out->none++;
			if (no_channel)
				no_channel(arg, s.display[i]);
		}
	}
	transfer_target(transfer_id, tt);
	memset(&e, 0, sizeof(e));
	e.action = "notify.prepare";
	e.targets[e.ntargets++] = tt;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", t.fonds, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"transfer", NULL, transfer_id};
	e.details[e.ndetails++] = (cy_ledger_detail){"template", template_name, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"added", NULL, (int64_t)out->added};
	e.details[e.ndetails++] = (cy_ledger_detail){"email", NULL, (int64_t)out->email};
	e.details[e.ndetails++] = (cy_ledger_detail){"sms", NULL, (int64_t)out->sms};
	e.details[e.ndetails++] = (cy_ledger_detail){"none", NULL, (int64_t)out->none};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		out->added = out->email = out->sms = out->none = 0;
	}
out:
	free(s.ids);
	free(s.display);
	free(chan);
	cy_buf_release(&tmpl);
	cy_buf_release(&sealed);
	return rc;
}

/* ---- rendering ---- */

typedef struct render_ctx {
	cy_transfer_info *t;
	const char *fonds_name;
	cy_buf tmpl;
	char tmpl_name[8];
} render_ctx;

static int find_fonds(void *arg, const cy_fonds_info *f)
{
	cy_fonds_info *want = arg;

	if (!strcmp(f->code, want->code)) {
		snprintf(want->name, sizeof(want->name), "%s", f->name);
		return 1;
	}
	return 0;
}

typedef struct classes {
	const char *tmpl;
	size_t n;
	cy_buf out, word, sep;
} classes;

static int take_class(void *arg, const char *klass)
{
	classes *c = arg;
	char key[48];

	if (c->out.len)
		cy_buf_put(&c->out, c->sep.ptr, c->sep.len);
	snprintf(key, sizeof(key), "Class-%s", klass);
	if (cy_notify__header(c->tmpl, c->n, key, &c->word) == 0)
		cy_buf_put(&c->out, c->word.ptr, c->word.len);
	else
		cy_buf_puts(&c->out, klass);
	return 0;
}

/* The subject and body of notice n (SMS: body only, from the "SMS" header)
 * for customer si with code. */
static int render(cy_vault *v, render_ctx *rc_, const cy_catalog_notice *n,
		  const cy_subject_info *si, const char *code, bool sms, cy_buf *subject,
		  cy_buf *body)
{
	const cy_transfer_info *t = rc_->t;
	const char *tm = (const char *)rc_->tmpl.ptr;
	size_t tn = rc_->tmpl.len;
	classes c = {tm, tn, CY_BUF_INIT, CY_BUF_INIT, CY_BUF_INIT};
	cy_buf reason = CY_BUF_INIT, sms_t = CY_BUF_INIT;
	char key[32], days[16], tid[24], customer[CY_SUBJECT_ID_MAX];
	const char *flags[8];
	int nf = 0, rc;

	snprintf(key, sizeof(key), "Reason-%s", t->reason);
	if (cy_notify__header(tm, tn, key, &reason))
		cy_buf_puts(&reason, t->reason);
	if (cy_notify__header(tm, tn, "List-separator", &c.sep))
		cy_buf_puts(&c.sep, ", ");
	if ((rc = cy_catalog_notice_classes(v->cat, n->subject_id, take_class, &c)))
		goto out;
	snprintf(days, sizeof(days), "%d", t->notice_days);
	snprintf(tid, sizeof(tid), "%" PRId64, t->id);
	cy_vault__subject_id(n->fonds, n->subject_no, customer);
	const char *vars[] = {"fonds",
			      rc_->fonds_name,
			      "fonds_code",
			      t->fonds,
			      "receiver",
			      t->receiver.name,
			      "receiver_contact",
			      t->receiver.contact,
			      "receiver_uscc",
			      t->receiver.uscc,
			      "jurisdiction",
			      t->receiver.jurisdiction,
			      "reason",
			      (const char *)(reason.ptr ? reason.ptr : (uint8_t *)""),
			      "purpose",
			      t->purpose,
			      "data",
			      (const char *)(c.out.ptr ? c.out.ptr : (uint8_t *)""),
			      "days",
			      days,
			      "customer",
			      customer,
			      "name",
			      si->f.name ? si->f.name : "",
			      "code",
			      code,
			      "transfer",
			      tid,
			      NULL};
	if (!strcmp(t->reason, "sale") || !strcmp(t->reason, "other"))
		flags[nf++] = "consent";
	else
		flags[nf++] = "art22";
	if (strcmp(t->receiver.jurisdiction, "CN"))
		flags[nf++] = "abroad";
	if (*t->purpose)
		flags[nf++] = "purpose";
	if (*t->receiver.uscc)
		flags[nf++] = "uscc";
	flags[nf] = NULL;
	if (sms) {
		if ((rc = cy_notify__header(tm, tn, "SMS", &sms_t))) {
			rc = rc == CY_ENOTFOUND
				     ? cy_error_set(CY_EINVALID, "the template has no SMS header")
				     : rc;
			goto out;
		}
		cy_buf_clear(body);
		rc = cy_notify__expand((const char *)sms_t.ptr, sms_t.len, vars, flags, body);
	} else {
		rc = cy_notify_render(tm, tn, vars, flags, subject, body);
	}
out:
	cy_buf_release(&reason);
	cy_buf_release(&sms_t);
	cy_buf_wipe(&c.out);
	cy_buf_release(&c.word);
	cy_buf_release(&c.sep);
	return rc;
}

/* ---- send ---- */

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void wait_until(double t)
{
	double now = mono();

	if (t > now) {
		struct timespec ts;
		double d = t - now;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
}

static int log_attempt(cy_vault *v, const cy_catalog_notice *n, const char *action,
		       const char *channel, const char *error)
{
	cy_ledger_entry e;
	char tt[24], customer[CY_SUBJECT_ID_MAX];

	transfer_target(n->transfer_id, tt);
	cy_vault__subject_id(n->fonds, n->subject_no, customer);
	memset(&e, 0, sizeof(e));
	e.action = action;
	e.targets[e.ntargets++] = tt;
	e.targets[e.ntargets++] = customer;
	e.details[e.ndetails++] = (cy_ledger_detail){"transfer", NULL, n->transfer_id};
	e.details[e.ndetails++] = (cy_ledger_detail){"subject", NULL, n->subject_id};
	e.details[e.ndetails++] = (cy_ledger_detail){"attempt", NULL, n->attempts + 1};
	e.details[e.ndetails++] = (cy_ledger_detail){"channel", channel, 0};
	if (error)
		e.details[e.ndetails++] = (cy_ledger_detail){"error", error, 0};
	return cy_vault__log(v, &e);
}

/* Record one attempt in its own transaction: a crash after a send keeps the
 * sends before it. */
static int record_attempt(cy_vault *v, const cy_catalog_notice *n, const char *message_id,
			  const char *error)
{
	char now[21];
	int rc = cy_vault__begin(v);

	cy_vault__now(now);
	if (!error)
		rc = rc ? rc : cy_catalog_notice_sent(v->cat, n->id, message_id, now);
	else
		rc = rc ? rc : cy_catalog_notice_failed(v->cat, n->id, error);
	rc = rc ? rc : log_attempt(v, n, error ? "notify.fail" : "notify.send", n->channel, error);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

static void message_id_new(const char *from, char out[128])
{
	uint8_t r[16];
	char hex[33];
	const char *at = strrchr(from, '@');
	const char *domain = at && at[1] ? at + 1 : "custody.invalid";

	if (cy_random(r, sizeof(r)))
		memset(r, 0, sizeof(r));
	cy_hex_encode(r, sizeof(r), hex);
	snprintf(out, 128, "%s.notice@%.80s", hex, domain);
}

/* An address fit for an SMTP envelope and a To header: one '@' with text on
 * both sides, no blanks, controls, brackets, quotes, commas or semicolons
 * (an address imported from a CRM must not add recipients or commands). */
static bool addr_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > 254)
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
			return false;
	return true;
}

static bool wants_send(const cy_catalog_notice *n, const char *channel)
{
	return !strcmp(n->channel, channel) &&
	       (!strcmp(n->status, "pending") || !strcmp(n->status, "failed"));
}

static int csv_cell(cy_buf *b, const char *s)
{
	cy_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			cy_buf_putc(b, '"');
		cy_buf_putc(b, *s);
	}
	return cy_buf_putc(b, '"');
}

int cy_notify_send(cy_vault *v, int64_t transfer_id, const cy_notify_send_opts *o,
		   cy_notify_sent *out)
{
	cy_transfer_info t;
	cy_fonds_key *k = NULL;
	cy_fonds_info fi;
	render_ctx rx;
	notices l = {NULL, 0, 0};
	cy_smtp *smtp = NULL;
	cy_buf subj = CY_BUF_INIT, body = CY_BUF_INIT, mime = CY_BUF_INIT, csv = CY_BUF_INIT,
	       segs = CY_BUF_INIT;
	const char *channel = o->sms_csv ? "sms" : "email";
	const char *from = o->from && *o->from ? o->from : "notices@localhost";
	double rate = o->rate > 0 ? o->rate : 5, next = 0;
	size_t *marked = NULL, nmarked = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&rx, 0, sizeof(rx));
	if (!o->sms_csv == !o->smtp_url)
		return cy_error_set(CY_EINVALID, "give --smtp URL or --sms-csv FILE (one of them)");
	if (!addr_ok(from))
		return cy_error_set(CY_EINVALID, "--from takes an e-mail address (user@domain)");
	/* an SMS file that exists is refused before any work */
	if (o->sms_csv && (rc = cy_outfile_check(o->sms_csv, 0)))
		return rc;
	if ((rc = transfer_of(v, transfer_id, true, true, N_("send notices"), &t, &k)))
		return rc;
	if (strcmp(t.status, "planned") && strcmp(t.status, "approved"))
		return cy_error_set(CY_EINVALID, "transfer %" PRId64 " is %s: no notices to send",
				    transfer_id, t.status);
	memset(&fi, 0, sizeof(fi));
	snprintf(fi.code, sizeof(fi.code), "%s", t.fonds);
	if ((rc = cy_fonds_list(v, find_fonds, &fi)))
		return rc;
	rx.t = &t;
	rx.fonds_name = fi.name[0] ? fi.name : t.fonds;
	if ((rc = notices_load(v, transfer_id, &l)))
		goto out;
	if (!l.count) {
		rc = cy_error_set(CY_ENOTFOUND,
				  "transfer %" PRId64
				  " has no notices: run 'custody notify prepare "
				  "%" PRId64 "' first",
				  transfer_id, transfer_id);
		goto out;
	}
	if (!(marked = calloc(l.count, sizeof(*marked)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if (o->smtp_url && (rc = cy_smtp_open(&smtp, o->smtp_url, o->timeout)))
		goto out;
	if (o->sms_csv)
		cy_buf_puts(&csv, "phone,text\r\n");
	for (size_t i = 0; !rc && i < l.count; i++) {
		cy_catalog_notice *n = &l.n[i];
		cy_subject_info si;
		char customer[CY_SUBJECT_ID_MAX], code[CY_NOTIFY_CODE_LEN + 1], mid[128], err[64];
		const char *to;
		if (!wants_send(n, channel)) {
			out->skipped++;
			continue;
		}
		if (strcmp(rx.tmpl_name, n->template_)) {
			if ((rc = cy_notify__template_load(n->template_, &rx.tmpl)))
				break;
			snprintf(rx.tmpl_name, sizeof(rx.tmpl_name), "%s", n->template_);
		}
		cy_vault__subject_id(n->fonds, n->subject_no, customer);
		if ((rc = cy_subject_show(v, customer, &si)))
			break;
		to = o->sms_csv ? first(si.f.phones, si.f.nphones)
				: first(si.f.emails, si.f.nemails);
		rc = open_code(v, k, n, code);
		if (!rc && (!to || (!o->sms_csv && !addr_ok(to)))) {
			/* the subject lost its address since prepare, or it cannot be one:
			 * a failure to look at */
			cy_subject_info_release(&si);
			cy_wipe(code, sizeof(code));
			if ((rc = record_attempt(v, n, NULL, to ? "bad address" : "no address")))
				break;
			out->failed++;
			continue;
		}
		rc = rc ? rc : render(v, &rx, n, &si, code, o->sms_csv != NULL, &subj, &body);
		cy_wipe(code, sizeof(code));
		if (!rc && o->sms_csv) {
			rc = cy_notify_sms_segments((const char *)body.ptr, SMS_SEGMENT, &segs);
			rc = rc ? rc : csv_cell(&csv, to);
			cy_buf_putc(&csv, ',');
			rc = rc ? rc : csv_cell(&csv, (const char *)segs.ptr);
			cy_buf_puts(&csv, "\r\n");
			marked[nmarked++] = i;
			cy_buf_wipe(&segs);
		} else if (!rc) {
			cy_notify_mail m = {rx.fonds_name,
					    from,
					    to,
					    (const char *)subj.ptr,
					    (const char *)body.ptr,
					    mid,
					    (int64_t)time(NULL)};
			message_id_new(from, mid);
			rc = cy_notify_mime(&m, &mime);
			wait_until(next);
			next = mono() + 1.0 / rate;
			if (!rc) {
				int s = cy_smtp_send(smtp, from, to, &mime, err);
				cy_error_clear();
				rc = record_attempt(v, n, mid, s ? err : NULL);
				if (!rc && s)
					out->failed++;
				else if (!rc)
					out->sent++;
			}
		}
		cy_subject_info_release(&si);
		cy_buf_wipe(&subj);
		cy_buf_wipe(&body);
		cy_buf_wipe(&mime);
	}
	if (!rc && o->sms_csv && nmarked) {
		/* a new file only: one not yet given to the gateway is never replaced */
		if ((rc = cy_outfile_write(o->sms_csv, csv.ptr, csv.len, 0600)))
			goto out;
		for (size_t j = 0; !rc && j < nmarked; j++) {
			rc = record_attempt(v, &l.n[marked[j]], "", NULL);
			if (!rc)
				out->sent++;
		}
	} else if (!rc && o->sms_csv) {
		rc = cy_outfile_write(o->sms_csv, csv.ptr, csv.len, 0600); /* nothing to send */
	}
out:
	cy_wipe(t.purpose, sizeof(t.purpose));
	cy_smtp_close(smtp);
	free(marked);
	notices_release(&l);
	cy_buf_release(&rx.tmpl);
	cy_buf_wipe(&subj);
	cy_buf_wipe(&body);
	cy_buf_wipe(&mime);
	cy_buf_wipe(&csv);
	cy_buf_wipe(&segs);
	return rc;
}

/* ---- status ---- */

int cy_notify_status(cy_vault *v, int64_t transfer_id, cy_notice_fn fn, void *arg)
{
	cy_transfer_info t;
	notices l;
	ledger_view lv;
	int rc;

	if ((rc = transfer_of(v, transfer_id, false, false, N_("read notices"), &t, NULL)))
		return rc;
	memset(&lv, 0, sizeof(lv));
	/* a row edited behind the vault's back is named, not shown as true */
	if ((rc = load_verified(v, transfer_id, &l, &lv)))
		goto out;
	for (size_t i = 0; !rc && i < l.count; i++) {
		const cy_catalog_notice *n = &l.n[i];
		cy_notice_info ni;
		memset(&ni, 0, sizeof(ni));
		cy_vault__subject_id(n->fonds, n->subject_no, ni.subject);
		ni.subject_id = n->subject_id;
		snprintf(ni.channel, sizeof(ni.channel), "%s", n->channel);
		snprintf(ni.status, sizeof(ni.status), "%s", status_of(n));
		ni.attempts = n->attempts;
		snprintf(ni.last_error, sizeof(ni.last_error), "%s", n->last_error);
		snprintf(ni.sent, sizeof(ni.sent), "%s", n->sent);
		snprintf(ni.bounced, sizeof(ni.bounced), "%s", n->bounced);
		snprintf(ni.answered, sizeof(ni.answered), "%s", n->answered);
		snprintf(ni.answer, sizeof(ni.answer), "%s", n->answer);
		rc = fn(arg, &ni);
	}
out:
	notices_release(&l);
	lv_release(&lv);
	return rc < 0 ? rc : 0;
}

/* ---- input files ---- */

/* ---- responses ---- */

typedef struct csv_state {
	cy_buf cell[2];
	size_t ncells;
	uint64_t line, rows;
	bool too_many;
	cy_notify_csv_fn fn;
	void *arg;
	int rc;
} csv_state;

static void on_cell(void *s, size_t n, void *arg)
{
	csv_state *c = arg;

	if (c->ncells < 2) {
		cy_buf_clear(&c->cell[c->ncells]);
		cy_buf_put(&c->cell[c->ncells], s, n);
	} else {
		c->too_many = true;
	}
	c->ncells++;
}

static void trim_buf(cy_buf *b)
{
	size_t s = 0, e = b->len;

	while (s < e && (b->ptr[s] == ' ' || b->ptr[s] == '\t'))
		s++;
	while (e > s && (b->ptr[e - 1] == ' ' || b->ptr[e - 1] == '\t' || b->ptr[e - 1] == '\r'))
		e--;
	memmove(b->ptr, b->ptr + s, e - s);
	b->len = e - s;
	if (b->ptr)
		b->ptr[b->len] = 0;
}

static void on_row(int term, void *arg)
{
	csv_state *c = arg;
	const char *code, *answer;

	(void)term;
	if (c->rc) {
		c->ncells = 0;
		return;
	}
	for (size_t i = 0; i < 2 && i < c->ncells; i++)
		trim_buf(&c->cell[i]);
	code = c->ncells > 0 && c->cell[0].ptr ? (const char *)c->cell[0].ptr : "";
	answer = c->ncells > 1 && c->cell[1].ptr ? (const char *)c->cell[1].ptr : "";
	c->rows++;
	if (c->rows == 1) {
		if (strcmp(code, "code") || strcmp(answer, "answer") || c->ncells != 2)
			c->rc = cy_error_set(CY_EINVALID,
					     "line %" PRIu64 ": the header must be 'code,answer'",
					     c->line);
	} else if (c->ncells == 1 && !*code) {
		/* a blank line */
	} else {
		c->rc = c->fn(c->arg, c->line, code, answer, c->ncells == 2 && !c->too_many);
	}
	c->ncells = 0;
	c->too_many = false;
}

int cy_notify_csv_each(const void *data, size_t n, cy_notify_csv_fn fn, void *arg)
{
	struct csv_parser p;
	csv_state c;
	const char *d = data;
	size_t off = 0;

	memset(&c, 0, sizeof(c));
	c.fn = fn;
	c.arg = arg;
	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (n >= 3 && !memcmp(d, "\xef\xbb\xbf", 3))
		off = 3;
	if (!cy_utf8_valid(d + off, n - off)) {
		csv_free(&p);
		return cy_error_set(CY_EINVALID, "the answers file is not UTF-8 text");
	}
	/* one physical line at a time, so that a row's number is the line it ends on */
	while (!c.rc && off < n) {
		const char *nl = memchr(d + off, '\n', n - off);
		size_t len = nl ? (size_t)(nl - (d + off)) + 1 : n - off;
		c.line++;
		if (csv_parse(&p, d + off, len, on_cell, on_row, &c) != len && !c.rc)
			c.rc = cy_error_set(CY_EINVALID, "line %" PRIu64 ": %s", c.line,
					    csv_strerror(csv_error(&p)));
		off += len;
	}
	if (!c.rc)
		csv_fini(&p, on_cell, on_row, &c);
	csv_free(&p);
	if (!c.rc && c.rows == 0)
		c.rc = cy_error_set(CY_EINVALID,
				    "the answers file is empty (header 'code,answer')");
	cy_buf_wipe(&c.cell[0]);
	cy_buf_wipe(&c.cell[1]);
	return c.rc;
}

static bool answer_valid(const char *a)
{
	return !strcmp(a, "continue") || !strcmp(a, "object") || !strcmp(a, "copy") ||
	       !strcmp(a, "question");
}

typedef struct resp_ctx {
	cy_vault *v;
	cy_fonds_key *k;
	int64_t transfer;
	cy_notify_problem_fn problem;
	void *arg;
	cy_notify_read *out;
} resp_ctx;

static void problem(resp_ctx *r, uint64_t line, const char *text)
{
	r->out->skipped++;
	if (r->problem)
		r->problem(r->arg, line, text);
}

static int on_answer(void *arg, uint64_t line, const char *code, const char *answer, bool shape)
{
	resp_ctx *r = arg;
	cy_catalog_notice n;
	cy_ledger_entry e;
	char canon[21], sealed[CY_NOTIFY_CODE_LEN + 1], now[21], tt[24],
		customer[CY_SUBJECT_ID_MAX];
	uint8_t h[32];
	int rc;

	if (!shape) {
		problem(r, line, N_("a row must have two columns: code,answer"));
		return 0;
	}
	if (!answer_valid(answer)) {
		problem(r, line, N_("unknown answer (continue, object, copy or question)"));
		return 0;
	}
	if (cy_notify_code_canon(code, canon)) {
		cy_error_clear();
		problem(r, line, N_("not a response code"));
		return 0;
	}
	cy_sha256(canon, 20, h);
	rc = cy_catalog_notice_by_code(r->v->cat, r->transfer, h, &n);
	if (rc == CY_ENOTFOUND) {
		cy_wipe(canon, sizeof(canon));
		problem(r, line, N_("unknown response code"));
		return 0;
	}
	/* the row found by the hash must hold this code sealed to itself: a hash
	 * moved to another customer's row by hand does not move the answer */
	rc = rc ? rc : open_code(r->v, r->k, &n, sealed);
	if (!rc) {
		char c[21];
		size_t o = 0;
		for (const char *p = sealed; *p; p++)
			if (*p != '-')
				c[o++] = *p;
		c[o] = 0;
		if (o != 20 || !cy_memeq(c, canon, 20))
			rc = cy_error_set(CY_ECORRUPT,
					  "the notice found by a response code holds another code "
					  "(the catalog was altered)");
		cy_wipe(c, sizeof(c));
	}
	cy_wipe(canon, sizeof(canon));
	cy_wipe(sealed, sizeof(sealed));
	if (rc)
		return rc;
	cy_vault__now(now);
	transfer_target(r->transfer, tt);
	cy_vault__subject_id(n.fonds, n.subject_no, customer);
	memset(&e, 0, sizeof(e));
	e.action = "notify.answer";
	e.targets[e.ntargets++] = tt;
	e.targets[e.ntargets++] = customer;
	e.details[e.ndetails++] = (cy_ledger_detail){"transfer", NULL, r->transfer};
	e.details[e.ndetails++] = (cy_ledger_detail){"subject", NULL, n.subject_id};
	e.details[e.ndetails++] = (cy_ledger_detail){"answer", answer, 0};
	if (*n.answer)
		e.details[e.ndetails++] = (cy_ledger_detail){"replaces", n.answer, 0};
	rc = cy_catalog_notice_answer(r->v->cat, n.id, answer, now);
	rc = rc ? rc : cy_vault__log(r->v, &e);
	if (!rc)
		r->out->recorded++;
	return rc;
}

/* Read a file of answers or bounces and apply it in one transaction. */
typedef int (*apply_fn)(resp_ctx *r, const cy_buf *data);

static int read_apply(cy_vault *v, int64_t transfer_id, const char *path, const char *what,
		      apply_fn apply, cy_notify_problem_fn problem_fn, void *arg,
		      cy_notify_read *out)
{
	cy_transfer_info t;
	cy_buf data = CY_BUF_INIT;
	resp_ctx r = {v, NULL, transfer_id, problem_fn, arg, out};
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = transfer_of(v, transfer_id, true, false, what, &t, &r.k)))
		return rc;
	if ((rc = cy_read_file(path, INPUT_MAX, &data)))
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = apply(&r, &data);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		out->recorded = 0;
	}
out:
	cy_buf_wipe(&data); /* answers carry codes */
	return rc;
}

static int apply_answers(resp_ctx *r, const cy_buf *data)
{
	return cy_notify_csv_each(data->ptr, data->len, on_answer, r);
}

int cy_notify_responses(cy_vault *v, int64_t transfer_id, const char *csv_path,
			cy_notify_problem_fn problem_fn, void *arg, cy_notify_read *out)
{
	return read_apply(v, transfer_id, csv_path, N_("record answers"), apply_answers, problem_fn,
			  arg, out);
}

/* ---- bounces ---- */

static int on_dsn(void *arg, uint64_t index, const char *message_id, bool failed)
{
	resp_ctx *r = arg;
	cy_catalog_notice n;
	cy_ledger_entry e;
	char now[21], tt[24], customer[CY_SUBJECT_ID_MAX];
	int rc;

	if (!*message_id) {
		problem(r, index,
			N_("not a delivery status notification with the original's "
			   "Message-ID"));
		return 0;
	}
	if (!failed) {
		problem(r, index, N_("the notification reports no failed delivery"));
		return 0;
	}
	rc = cy_catalog_notice_by_message(r->v->cat, r->transfer, message_id, &n);
	if (rc == CY_ENOTFOUND) {
		problem(r, index, N_("no notice of this transfer was sent with its Message-ID"));
		return 0;
	}
	if (rc)
		return rc;
	if (!strcmp(n.status, "bounced")) {
		problem(r, index, N_("the notice is marked bounced already"));
		return 0;
	}
	cy_vault__now(now);
	transfer_target(r->transfer, tt);
	cy_vault__subject_id(n.fonds, n.subject_no, customer);
	memset(&e, 0, sizeof(e));
	e.action = "notify.bounce";
	e.targets[e.ntargets++] = tt;
	e.targets[e.ntargets++] = customer;
	e.details[e.ndetails++] = (cy_ledger_detail){"transfer", NULL, r->transfer};
	e.details[e.ndetails++] = (cy_ledger_detail){"subject", NULL, n.subject_id};
	rc = cy_catalog_notice_bounced(r->v->cat, n.id, now);
	rc = rc ? rc : cy_vault__log(r->v, &e);
	if (!rc)
		r->out->recorded++;
	return rc;
}

static int apply_bounces(resp_ctx *r, const cy_buf *data)
{
	return cy_notify_dsn_each(data->ptr, data->len, on_dsn, r);
}

int cy_notify_bounces(cy_vault *v, int64_t transfer_id, const char *mbox_path,
		      cy_notify_problem_fn problem_fn, void *arg, cy_notify_read *out)
{
	return read_apply(v, transfer_id, mbox_path, N_("record bounces"), apply_bounces,
			  problem_fn, arg, out);
}
