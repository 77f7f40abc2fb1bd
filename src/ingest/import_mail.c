/* import_mail.c - a mailbox (mbox, a folder of .eml files, a Maildir) into
 * correspondence records (docs/internals/import-table.md "Mail"): one record
 * per message, its parts the message as found, its text body and its
 * attachments; linked to the customers whose e-mail addresses it names.  A
 * message that cannot be read is a reject with its number and the reason. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "custody/buf.h"
#include "custody/datetime.h"
#include "custody/error.h"
#include "custody/import_table.h"
#include "custody/ingest.h"
#include "custody/mail.h"
#include "custody/pii.h"
#include "custody/rules.h"
#include "custody/subject.h"
#include "custody/banned.h"

#define MAIL_PARTS_MAX 16 /* a record's parts (import.h): the message, its text, attachments */
#define MAIL_SUBJECTS_MAX 16
#define BATCH_RECORDS 500

typedef struct mctx {
	const cy_mail_import_opts *o;
	const cy_mail_import_events *ev;
	cy_mail_import_summary *sum;
	cy_import *im;
	int64_t as_of;
	unsigned labels;
	uint64_t since_commit;
	int fatal;
} mctx;

static int keep_reject(mctx *x, uint64_t number, const char *reason, const void *raw, size_t n)
{
	int rc;

	x->sum->counts.rejects++;
	if (x->ev && x->ev->reject)
		x->ev->reject(x->ev->arg, number, reason);
	if (x->o->dry_run)
		return 0;
	if ((rc = cy_import_reject(x->im, number, reason, raw, n)))
		x->fatal = rc;
	return rc;
}

static int pii_label(void *arg, const cy_pii_match *m)
{
	mctx *x = arg;

	x->labels |= cy_pii_labels(m, x->as_of, CY_PII_POLICY_DEFAULT);
	return 0;
}

/* The customers an address list names (found by e-mail), appended to ids. */
static int link_addresses(mctx *x, const cy_mail_address *a, size_t n, int64_t *ids, size_t *nids)
{
	for (size_t i = 0; i < n && *nids < MAIL_SUBJECTS_MAX; i++) {
		int64_t sid;
		bool dup = false;
		int rc;

		if (!a[i].addr || !strchr(a[i].addr, '@'))
			continue;
		rc = cy_import_find_subject(x->im, "email", a[i].addr, &sid, NULL);
		if (rc == CY_ENOTFOUND || rc == CY_EINVALID)
			continue;
		if (rc)
			return rc;
		for (size_t j = 0; j < *nids; j++)
			dup = dup || ids[j] == sid;
		if (!dup)
			ids[(*nids)++] = sid;
	}
	return 0;
}

/* "2024-03-01T09:30:00+08:00": the date as the message wrote it (its own day). */
static int message_date(const cy_mail_message *m, char out[11], int *year)
{
	int y, mo, d;

	if (!m->date_valid || !m->date || strlen(m->date) < 10)
		return -1;
	memcpy(out, m->date, 10);
	out[10] = 0;
	if (cy_date_parse(out, &y, &mo, &d) || !mo || !d)
		return -1;
	*year = y;
	return 0;
}

static int one_message(mctx *x, const cy_mail_message *m)
{
	cy_record_part parts[MAIL_PARTS_MAX];
	size_t np = 0;
	int64_t ids[MAIL_SUBJECTS_MAX];
	size_t nids = 0;
	const char *labels[4];
	size_t nl = 0;
	char date[11], no[64];
	int year = 0, rc;
	cy_record_new rec;
	cy_import_outcome oc;

	x->sum->counts.rows++;
	if (m->reject)
		return keep_reject(x, m->number, m->reject, m->raw, m->raw_len);
	if (!m->raw)
		return keep_reject(x, m->number, "the message is larger than the size limit", NULL,
				   0);
	if (message_date(m, date, &year)) {
		if (!x->o->year)
			return keep_reject(x, m->number,
					   "the message has no Date header custody can read, and no "
					   "--year was given",
					   m->raw, m->raw_len);
		year = x->o->year;
		*date = 0;
	}
	x->sum->problems += m->nproblems;
	if (x->o->dry_run)
		return 0;
	parts[np++] = (cy_record_part){"original", m->raw, m->raw_len, "eml"};
	if (m->body && m->body_len)
		parts[np++] = (cy_record_part){"text", m->body, m->body_len,
					       m->body_type && strstr(m->body_type, "html")
						       ? "html"
						       : "text"};
	for (size_t i = 0; i < m->nattachments; i++) {
		const cy_mail_attachment *a = &m->attachments[i];
		if (np == MAIL_PARTS_MAX) {
			/* the rest stay inside the original message */
			x->sum->attachments_in_original += m->nattachments - i;
			break;
		}
		parts[np++] = (cy_record_part){"attachment", a->data, a->size,
					       cy_sniff_format(a->data,
							       a->size < 1024 ? a->size : 1024,
							       a->filename ? a->filename : "")};
	}
	/* who it is about: the customers among the sender and the recipients */
	if ((rc = link_addresses(x, m->from, m->nfrom, ids, &nids)) ||
	    (rc = link_addresses(x, m->to, m->nto, ids, &nids)) ||
	    (rc = link_addresses(x, m->cc, m->ncc, ids, &nids)))
		return x->fatal = rc;
	x->labels = 0;
	if (m->subject)
		cy_pii_scan(m->subject, strlen(m->subject), x->as_of, pii_label, x);
	if (m->body)
		cy_pii_scan(m->body, m->body_len, x->as_of, pii_label, x);
	labels[nl++] = "pii";
	for (unsigned bit = 1; bit <= CY_PII_SENS_ID_NUMBER; bit <<= 1)
		if (x->labels & bit)
			labels[nl++] = cy_pii_label_name(bit);
	memset(&rec, 0, sizeof(rec));
	rec.klass = CY_CLASS_CORRESPONDENCE;
	if (x->o->rules) {
		/* the folder the message came from (a Maildir's or .eml tree's
		 * directory, else the mailbox's name), and its subject and text */
		char folder[256];
		cy_buf sample = CY_BUF_INIT;
		cy_classification cls;
		const char *slash = m->path ? strrchr(m->path, '/') : NULL;
		if (slash)
			snprintf(folder, sizeof(folder), "%.*s", (int)(slash - m->path), m->path);
		else
			snprintf(folder, sizeof(folder), "%s", x->o->source_name);
		if (m->subject)
			cy_buf_puts(&sample, m->subject);
		cy_buf_puts(&sample, "\n");
		if (m->body)
			cy_buf_put(&sample, m->body, m->body_len < 1024 ? m->body_len : 1024);
		cy_classify_input in = {.kind = "mail",
					.name = m->path ? m->path : x->o->source_name,
					.format = "eml",
					.mail_folder = folder,
					.text = (const char *)sample.ptr,
					.text_len = sample.len};
		rc = cy_rules_classify(x->o->rules, &in, &cls);
		cy_buf_wipe(&sample);
		if (rc)
			return x->fatal = rc;
		if (cls.matched) {
			rec.klass = cls.klass;
			rec.retention = cls.retention;
			rec.retention_rule = cls.rule_id;
		} else {
			x->sum->unclassified++;
		}
	}
	rec.year = year;
	rec.date = *date ? date : NULL;
	rec.org = x->o->org;
	rec.title = m->subject && *m->subject ? m->subject : "(无主题 no subject)";
	rec.source_kind = CY_SOURCE_MAIL;
	rec.source_path = x->o->source_name;
	rec.source_line = (int64_t)m->number;
	rec.message_id = m->message_id;
	rec.labels = labels;
	rec.nlabels = nl;
	rec.subjects = nids ? ids : NULL;
	rec.nsubjects = nids;
	rc = cy_record_create(x->im, &rec, parts, np, &oc, no);
	if (rc == CY_EINVALID || rc == CY_ECORRUPT || rc == CY_ENOTFOUND) {
		char why[600];
		snprintf(why, sizeof(why), "the record could not be made: %s", cy_error_message());
		return keep_reject(x, m->number, why, m->raw, m->raw_len);
	}
	if (rc)
		return x->fatal = rc;
	if (oc == CY_DUPLICATE) {
		x->sum->counts.duplicates++;
	} else {
		x->sum->counts.imported++;
		/* the subject, the senders and recipients, the text body (vault_reindex.c) */
		rc = cy_import_index_record(x->im, &rec, parts, np);
		if (rc)
			return x->fatal = rc;
	}
	if (nids)
		x->sum->linked++;
	if (++x->since_commit >= BATCH_RECORDS || cy_import_due(x->im) ||
	    cy_import_pending_bytes(x->im) >= (256u << 20)) {
		x->since_commit = 0;
		if ((rc = cy_import_commit(x->im)))
			return x->fatal = rc;
	}
	return 0;
}

int cy_import_mail(cy_vault *v, const cy_mail_import_opts *o, const cy_mail_import_events *ev,
		   cy_mail_import_summary *sum)
{
	mctx x;
	cy_mail_reader *r = NULL;
	cy_mail_message *m = NULL;
	int rc;

	memset(sum, 0, sizeof(*sum));
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.ev = ev;
	x.sum = sum;
	x.as_of = cy_pii_today();
	if ((rc = cy_mail_open(o->path, NULL, &r)))
		return rc;
	if (!o->dry_run) {
		if ((rc = cy_import_begin(v, o->fonds, &x.im)))
			goto out;
		if ((rc = cy_import_run_start(x.im, "mail", o->path, &sum->run)))
			goto out;
	}
	while (!(rc = cy_mail_next(r, &m)) && m) {
		rc = one_message(&x, m);
		cy_mail_message_free(m);
		m = NULL;
		if (rc)
			break;
		if (ev && ev->progress) {
			cy_progress p;
			memset(&p, 0, sizeof(p));
			p.files_done = sum->counts.rows;
			if (ev->progress(ev->arg, &p)) {
				rc = cy_error_set(CY_ECANCELLED, "stopped");
				break;
			}
		}
	}
	if (x.fatal)
		rc = x.fatal;
	sum->skipped = cy_mail_reader_skipped(r);
	if (!o->dry_run && x.im && (!rc || rc == CY_ECANCELLED))
		rc = cy_import_run_end(x.im, &sum->counts, rc);
out:
	sum->stopped = rc;
	cy_mail_message_free(m);
	cy_mail_reader_free(r);
	cy_import_free(x.im);
	return rc;
}
