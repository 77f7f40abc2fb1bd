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
#include <fcntl.h>
#include <csv.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog_notify.h"
#include "catalog/catalog_packs.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/fonds.h"
#include "custody/notify.h"
#include "custody/subject.h"
#include "custody/transfer.h"
#include "transfer/notify_internal.h"
#include "vault/vault_internal.h"
#include "vault/vault_subjects.h"
#include "custody/banned.h"

#define CODE_LABEL "custody notice code v1"
#define SMS_SEGMENT 70
#define INPUT_MAX (64u << 20) /* a responses CSV or a bounce mbox */

/* ---- access ---- */

/* The transfer (any content role of its fonds), and for writers the
 * archivist's key of its fonds. */
static int transfer_of(cy_vault *v, int64_t id, bool write, const char *what, cy_transfer_info *t,
		       cy_fonds_key **k)
{
	int rc;

	if ((rc = cy_vault__require(v, write ? CY_R(CY_ROLE_ARCHIVIST) : CY_R_CONTENT, what)))
		return rc;
	memset(t, 0, sizeof(*t));
	if ((rc = cy_transfer_get(v, id, t)))
		return rc;
	if (k && !(*k = cy_vault__fonds_key(v, t->fonds)))
		return cy_vault__no_key_error(v, t->fonds);
	return 0;
}

static void transfer_target(int64_t id, char out[24])
{
	snprintf(out, 24, "t%" PRId64, id);
}

/* ---- sealed codes ---- */

static int code_aead(const cy_fonds_key *k, int64_t epoch, cy_aead **out)
{
	uint8_t key[32];
	int rc;

	if (epoch < 0 || epoch > k->epoch)
		return cy_error_set(CY_ECORRUPT,
				    "a notice of fonds %s names key epoch %" PRId64
				    ", which the fonds does not have (the catalog was altered)",
				    k->code, epoch);
	rc = cy_hkdf_sha256(CY_EPOCH_RAW(k, epoch), 32, NULL, 0, CODE_LABEL, strlen(CODE_LABEL),
			    key, sizeof(key));
	rc = rc ? rc : cy_aead_new(out, key);
	cy_wipe(key, sizeof(key));
	return rc;
}

/* AAD "custody/notice/v1/<vault>/<fonds>/<notice id>/<transfer id>" */
static int code_aad(cy_vault *v, const cy_fonds_key *k, int64_t id, int64_t transfer, cy_buf *aad)
{
	return cy_buf_printf(aad, "custody/notice/v1/%s/%s/%" PRId64 "/%" PRId64, v->vault_id,
			     k->code, id, transfer);
}

static int seal_code(cy_vault *v, const cy_fonds_key *k, int64_t epoch, int64_t id,
		     int64_t transfer, const char code[21], cy_buf *out)
{
	cy_aead *a = NULL;
	cy_buf aad = CY_BUF_INIT;
	cy_buf pt = {(uint8_t *)code, 20, 20};
	uint8_t nonce[12];
	int rc = code_aead(k, epoch, &a);

	rc = rc ? rc : code_aad(v, k, id, transfer, &aad);
	rc = rc ? rc : cy_random(nonce, sizeof(nonce));
	cy_buf_clear(out);
	rc = rc ? rc : cy_vault__meta_seal_raw(a, nonce, &aad, &pt, out);
	cy_aead_free(a);
	cy_buf_release(&aad);
	return rc;
}

/* The code of notice n, shown in groups ("XXXXX-XXXXX-XXXXX-XXXXX"), checked
 * against the row's hash too: a sealed code moved to another row fails. */
static int open_code(cy_vault *v, const cy_fonds_key *k, const cy_catalog_notice *n,
		     char out[CY_NOTIFY_CODE_LEN + 1])
{
	cy_aead *a = NULL;
	cy_buf aad = CY_BUF_INIT;
	uint8_t pt[20], h[32];
	int rc;

	if (n->code_len != 12 + 20 + 16)
		return cy_error_set(CY_ECORRUPT,
				    "the response code of notice %" PRId64 " is damaged", n->id);
	rc = code_aead(k, n->epoch, &a);
	rc = rc ? rc : code_aad(v, k, n->id, n->transfer_id, &aad);
	if (!rc && cy_aead_open(a, n->code, aad.ptr, aad.len, n->code + 12, n->code_len - 12, pt))
		rc = cy_error_set(CY_ECORRUPT,
				  "the response code of notice %" PRId64
				  " fails authentication (the catalog was altered)",
				  n->id);
	if (!rc) {
		cy_sha256(pt, 20, h);
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
			out[o++] = (char)pt[i];
		}
		out[o] = 0;
	}
	cy_wipe(pt, sizeof(pt));
	cy_aead_free(a);
	cy_buf_release(&aad);
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

static const char *status_of(const cy_catalog_notice *n)
{
	return *n->answer ? "answered" : n->status;
}

/* ---- the rows against the ledger ----
 *
 * A notice row is a working copy: its status and answer are what the
 * notify.send / notify.fail / notify.bounce / notify.answer entries of its
 * transfer and customer say, the last one winning.  The gates (notices
 * sent, consent) and approval (objectors leave) read the rows only after
 * this check, so a status or an answer written into the catalog by hand
 * is refused, not believed. */

typedef struct notice_event {
	int64_t subject;
	uint64_t seq;
	char kind; /* s(ent), f(ailed), b(ounced), a(nswered) */
	char answer[16];
	char time[32];
} notice_event;

typedef struct notice_replay {
	int64_t transfer;
	char target[24];
	notice_event *ev;
	size_t n, cap;
	int rc;
} notice_replay;

static int replay_entry(void *arg, uint64_t seq, const char *entry, size_t len)
{
	notice_replay *r = arg;
	json_t *j = json_loadb(entry, len, 0, NULL), *d;
	const char *act, *t0, *ans, *tm;
	notice_event e;
	int rc = 0;

	if (!j)
		return 0;
	act = json_string_value(json_object_get(j, "action"));
	t0 = json_string_value(json_array_get(json_object_get(j, "targets"), 0));
	d = json_object_get(j, "details");
	memset(&e, 0, sizeof(e));
	if (!act || !t0 || strcmp(t0, r->target) ||
	    json_integer_value(json_object_get(d, "transfer")) != r->transfer)
		goto out;
	if (!strcmp(act, "notify.send"))
		e.kind = 's';
	else if (!strcmp(act, "notify.fail"))
		e.kind = 'f';
	else if (!strcmp(act, "notify.bounce"))
		e.kind = 'b';
	else if (!strcmp(act, "notify.answer"))
		e.kind = 'a';
	else
		goto out;
	e.subject = json_integer_value(json_object_get(d, "subject"));
	e.seq = seq;
	ans = json_string_value(json_object_get(d, "answer"));
	tm = json_string_value(json_object_get(j, "time"));
	snprintf(e.answer, sizeof(e.answer), "%s", ans ? ans : "");
	snprintf(e.time, sizeof(e.time), "%s", tm ? tm : "");
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		notice_event *ne = realloc(r->ev, nc * sizeof(*ne));
		if (!ne) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		r->ev = ne;
		r->cap = nc;
	}
	r->ev[r->n++] = e;
out:
	json_decref(j);
	return rc;
}

static int cmp_event(const void *a, const void *b)
{
	const notice_event *x = a, *y = b;
	if (x->subject != y->subject)
		return (x->subject > y->subject) - (x->subject < y->subject);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Check every row of l against the ledger; last_sent (may be NULL) gets the
 * time of the last notify.send of these notices, as the ledger has it. */
static int notices_verify(cy_vault *v, int64_t transfer, const notices *l, char last_sent[32])
{
	notice_replay r;
	char needle[32];
	int rc;

	memset(&r, 0, sizeof(r));
	r.transfer = transfer;
	transfer_target(transfer, r.target);
	snprintf(needle, sizeof(needle), "\"%s\"", r.target);
	if (last_sent)
		last_sent[0] = 0;
	rc = cy_catalog_ledger_mentions(v->cat, needle, replay_entry, &r);
	if (!rc && r.n)
		qsort(r.ev, r.n, sizeof(*r.ev), cmp_event);
	for (size_t i = 0; !rc && i < l->count; i++) {
		const cy_catalog_notice *n = &l->n[i];
		const char *st = "pending", *ans = "", *sent = "";
		size_t k = 0, hi = r.n;
		/* the first event of this customer, then each in ledger order */
		while (k < hi) {
			size_t mid = k + (hi - k) / 2;
			if (r.ev[mid].subject < n->subject_id)
				k = mid + 1;
			else
				hi = mid;
		}
		for (; k < r.n && r.ev[k].subject == n->subject_id; k++) {
			switch (r.ev[k].kind) {
			case 's':
				st = "sent";
				sent = r.ev[k].time;
				break;
			case 'f':
				st = "failed";
				break;
			case 'b':
				st = "bounced";
				break;
			default:
				ans = r.ev[k].answer;
			}
		}
		if (strcmp(n->status, st) || strcmp(n->answer, ans)) {
			char customer[CY_SUBJECT_ID_MAX];
			cy_vault__subject_id(n->fonds, n->subject_no, customer);
			rc = cy_error_set(CY_ECORRUPT,
					  "the notice of customer %s in transfer %" PRId64
					  " says %s%s%s; the ledger says %s%s%s (the catalog was "
					  "altered)",
					  customer, transfer, n->status, *n->answer ? ", " : "",
					  n->answer, st, *ans ? ", " : "", ans);
		}
		if (!rc && last_sent && strcmp(sent, last_sent) > 0)
			snprintf(last_sent, 32, "%s", sent);
	}
	free(r.ev);
	return rc;
}

/* ---- counts for the gates ---- */

int cy_notify_counts_get(cy_vault *v, int64_t transfer_id, cy_notify_counts *out)
{
	cy_transfer_info t;
	notices l;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = transfer_of(v, transfer_id, false, N_("read notices"), &t, NULL)))
		return rc;
	if ((rc = notices_load(v, transfer_id, &l)))
		goto out;
	if ((rc = notices_verify(v, transfer_id, &l, out->last_sent)))
		goto out;
	for (size_t i = 0; i < l.count; i++) {
		const cy_catalog_notice *n = &l.n[i];
		const char *st = status_of(n);
		out->total++;
		if (!strcmp(n->channel, "none"))
			out->none++;
		if (!strcmp(st, "answered"))
			out->answered++;
		else if (!strcmp(st, "pending"))
			out->pending++;
		else if (!strcmp(st, "sent"))
			out->sent++;
		else if (!strcmp(st, "failed"))
			out->failed++;
		else if (!strcmp(st, "bounced"))
			out->bounced++;
		if (!strcmp(n->answer, "continue"))
			out->consented++;
		else if (!strcmp(n->answer, "object"))
			out->objected++;
		else if (!strcmp(n->answer, "copy"))
			out->copy++;
		else if (!strcmp(n->answer, "question"))
			out->question++;
	}
out:
	notices_release(&l);
	return rc;
}

static int ids_by_answer(cy_vault *v, int64_t transfer_id, const char *answer, int64_t **ids,
			 size_t *n)
{
	cy_transfer_info t;
	notices l;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = transfer_of(v, transfer_id, false, N_("read notices"), &t, NULL)))
		return rc;
	if ((rc = notices_load(v, transfer_id, &l)))
		goto out;
	if ((rc = notices_verify(v, transfer_id, &l, NULL)))
		goto out;
	if (!(*ids = calloc(l.count ? l.count : 1, sizeof(**ids)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.count; i++)
		if (!strcmp(l.n[i].answer, answer))
			(*ids)[(*n)++] = l.n[i].subject_id;
out:
	notices_release(&l);
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
	if ((rc = transfer_of(v, transfer_id, true, N_("prepare notices"), &t, &k)))
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
		rc = rc ? rc : seal_code(v, k, n.epoch, id, transfer_id, canon, &sealed);
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

/* Write buf to path: a temporary file of mode 0600 in its directory, then rename. */
static int write_private(const char *path, const cy_buf *b)
{
	char tmp[4096];
	uint8_t r[8];
	char hex[17];
	int fd, rc = 0;
	size_t off = 0;

	if ((rc = cy_random(r, sizeof(r))))
		return rc;
	cy_hex_encode(r, sizeof(r), hex);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%s.tmp", path, hex) >= sizeof(tmp))
		return cy_error_set(CY_EINVALID, "the path %s is too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create %s",
					  tmp);
	while (!rc && off < b->len) {
		ssize_t w = write(fd, b->ptr + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
						"cannot write %s", tmp);
		else
			off += (size_t)w;
	}
	if (!rc && fsync(fd))
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write %s", tmp);
	if (close(fd) && !rc)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write %s", tmp);
	if (!rc && rename(tmp, path))
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot rename %s to %s",
					tmp, path);
	if (rc)
		unlink(tmp);
	return rc;
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
	if (strchr(from, '\r') || strchr(from, '\n') || !strchr(from, '@'))
		return cy_error_set(CY_EINVALID, "--from takes an e-mail address");
	if ((rc = transfer_of(v, transfer_id, true, N_("send notices"), &t, &k)))
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
		if (!rc && !to) {
			/* the subject lost its address since prepare: a failure to look at */
			cy_subject_info_release(&si);
			cy_wipe(code, sizeof(code));
			if ((rc = record_attempt(v, n, NULL, "no address")))
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
		if ((rc = write_private(o->sms_csv, &csv)))
			goto out;
		for (size_t j = 0; !rc && j < nmarked; j++) {
			rc = record_attempt(v, &l.n[marked[j]], "", NULL);
			if (!rc)
				out->sent++;
		}
	} else if (!rc && o->sms_csv) {
		rc = write_private(o->sms_csv, &csv); /* the header alone: nothing to send */
	}
out:
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
	int rc;

	if ((rc = transfer_of(v, transfer_id, false, N_("read notices"), &t, NULL)))
		return rc;
	if ((rc = notices_load(v, transfer_id, &l)))
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
	return rc < 0 ? rc : 0;
}

/* ---- input files ---- */

static int read_input(const char *path, cy_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	if (fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open %s",
					  path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return cy_error_set(CY_EINVALID, "%s is not a file", path);
	}
	if ((uint64_t)st.st_size > INPUT_MAX) {
		close(fd);
		return cy_error_set(CY_EINVALID, "%s is larger than %u MiB", path, INPUT_MAX >> 20);
	}
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot read %s",
						path);
			break;
		}
		if (!n)
			break;
		if (out->len + (size_t)n > INPUT_MAX) {
			rc = cy_error_set(CY_EINVALID, "%s is larger than %u MiB", path,
					  INPUT_MAX >> 20);
			break;
		}
		cy_buf_put(out, chunk, (size_t)n);
	}
	close(fd);
	if (!rc && cy_buf_failed(out))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	return rc;
}

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
	char canon[21], now[21], tt[24], customer[CY_SUBJECT_ID_MAX];
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
	cy_wipe(canon, sizeof(canon));
	rc = cy_catalog_notice_by_code(r->v->cat, r->transfer, h, &n);
	if (rc == CY_ENOTFOUND) {
		problem(r, line, N_("unknown response code"));
		return 0;
	}
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

int cy_notify_responses(cy_vault *v, int64_t transfer_id, const char *csv_path,
			cy_notify_problem_fn problem_fn, void *arg, cy_notify_read *out)
{
	cy_transfer_info t;
	cy_fonds_key *k;
	cy_buf data = CY_BUF_INIT;
	resp_ctx r = {v, transfer_id, problem_fn, arg, out};
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = transfer_of(v, transfer_id, true, N_("record answers"), &t, &k)))
		return rc;
	if ((rc = read_input(csv_path, &data)))
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_notify_csv_each(data.ptr, data.len, on_answer, &r);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		out->recorded = 0;
	}
out:
	cy_buf_wipe(&data);
	return rc;
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

int cy_notify_bounces(cy_vault *v, int64_t transfer_id, const char *mbox_path,
		      cy_notify_problem_fn problem_fn, void *arg, cy_notify_read *out)
{
	cy_transfer_info t;
	cy_fonds_key *k;
	cy_buf data = CY_BUF_INIT;
	resp_ctx r = {v, transfer_id, problem_fn, arg, out};
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = transfer_of(v, transfer_id, true, N_("record bounces"), &t, &k)))
		return rc;
	if ((rc = read_input(mbox_path, &data)))
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_notify_dsn_each(data.ptr, data.len, on_dsn, &r);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		out->recorded = 0;
	}
out:
	cy_buf_release(&data);
	return rc;
}
