/* notify.h - notices to customers before a handover (PIPL Arts. 17, 22, 23,
 * 39): one per customer in a transfer's scope, each with an unguessable
 * response code; sent as MIME e-mail through SMTP or written as SMS rows for
 * a gateway; answers and bounces read back.  docs/internals/notify.md.
 *
 * Roles: archivists of the transfer's fonds prepare, send and record answers
 * and bounces; archivists and viewers of the fonds see the status.  The
 * ledger gets notify.prepare, notify.send, notify.fail, notify.answer and
 * notify.bounce entries carrying ids and counts only; the catalog keeps no
 * address, phone or response code in clear. */
#ifndef CUSTODY_NOTIFY_H
#define CUSTODY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"
#include "custody/vault.h"

/* ---- for the integrator's gates ---- */

typedef struct cy_notify_counts {
	int64_t total, none, pending, sent, failed, bounced, answered;
	int64_t consented, objected, copy, question; /* by answer */
	char last_sent[32]; /* the latest send time (RFC 3339 UTC), "" if none */
} cy_notify_counts;
/* The notices of a transfer counted.  A notice with an answer counts as
 * answered (and by its answer) whatever its delivery; `none` counts those
 * without a channel (also counted as pending: they were never sent).
 * Archivists and viewers of the transfer's fonds. */
int cy_notify_counts_get(cy_vault *v, int64_t transfer_id, cy_notify_counts *out);
/* The catalog ids of customers whose answer is `object` (caller frees *ids). */
int cy_notify_objectors(cy_vault *v, int64_t transfer_id, int64_t **ids, size_t *n);
/* The catalog ids of customers whose answer is `continue` (consent where asked). */
int cy_notify_consenters(cy_vault *v, int64_t transfer_id, int64_t **ids, size_t *n);

/* ---- prepare ---- */

typedef struct cy_notify_prepared {
	size_t added, kept;	 /* new notices, notices that were there already */
	size_t email, sms, none; /* channels of the new ones */
} cy_notify_prepared;
/* One notice per customer in scope (cy_transfer_subjects) that has none yet,
 * in language template ("zh-CN" or "en"): a fresh response code, the
 * channel (email when the customer has an e-mail address, else sms when it
 * has a phone, else none).  Existing notices keep their codes.  Reading
 * each new customer's fields is logged (subject.read); one notify.prepare
 * entry carries the transfer and the counts.  fn (may be NULL) is called
 * for each new notice without a channel: fn(arg, display id). */
typedef void (*cy_notify_subject_fn)(void *arg, const char *subject);
int cy_notify_prepare(cy_vault *v, int64_t transfer_id, const char *template_name,
		      cy_notify_subject_fn no_channel, void *arg, cy_notify_prepared *out);

/* ---- send ---- */

typedef struct cy_notify_send_opts {
	const char *smtp_url; /* smtp://host:port or smtps://...; NULL with sms_csv */
	const char *from;     /* the envelope and From address */
	double rate;	      /* messages per second (<= 0: 5) */
	long timeout;	      /* seconds for connecting and for each message (<= 0: 30) */
	const char *sms_csv;  /* write SMS rows here instead of mailing */
} cy_notify_send_opts;
typedef struct cy_notify_sent {
	size_t sent, failed, skipped; /* skipped: other channel, or sent already */
} cy_notify_sent;
/* Send the pending and failed notices of the transfer's e-mail channel
 * (smtp_url), or write the SMS channel's to sms_csv (phone,text; mode 0600;
 * temp + rename) and mark them sent.  Each send is logged as notify.send,
 * each failure (a refusal, a timeout) as notify.fail, and the notice is
 * marked failed with attempts + 1.  Returns 0 when the run completed, even
 * with failures (see out->failed). */
int cy_notify_send(cy_vault *v, int64_t transfer_id, const cy_notify_send_opts *o,
		   cy_notify_sent *out);

/* ---- status ---- */

typedef struct cy_notice_info {
	char subject[32]; /* display id */
	int64_t subject_id;
	char channel[8];
	char status[16]; /* pending, sent, failed, bounced, answered */
	int64_t attempts;
	char last_error[128];
	char sent[32], bounced[32], answered[32];
	char answer[16];
} cy_notice_info;
typedef int (*cy_notice_fn)(void *arg, const cy_notice_info *n);
int cy_notify_status(cy_vault *v, int64_t transfer_id, cy_notice_fn fn, void *arg);

/* ---- answers and bounces ---- */

/* problem(arg, line, text) for each row or message that was skipped. */
typedef void (*cy_notify_problem_fn)(void *arg, uint64_t line, const char *text);
typedef struct cy_notify_read {
	size_t recorded, skipped;
} cy_notify_read;
/* Record answers from a CSV file with the header `code,answer` (answer one
 * of continue, object, copy, question).  An unknown code, a code of another
 * transfer or an unknown answer is reported and skipped; the rest are
 * recorded (a later answer replaces an earlier one), each logged as
 * notify.answer. */
int cy_notify_responses(cy_vault *v, int64_t transfer_id, const char *csv_path,
			cy_notify_problem_fn problem, void *arg, cy_notify_read *out);
/* Mark bounced the notices that the delivery status notifications (RFC
 * 3464) of an mbox report as failed, matched by the original's Message-ID;
 * unknown or unmatched messages are counted as skipped and reported. */
int cy_notify_bounces(cy_vault *v, int64_t transfer_id, const char *mbox_path,
		      cy_notify_problem_fn problem, void *arg, cy_notify_read *out);

/* ---- the building blocks (for tests and fuzzing) ---- */

/* Response codes: 20 Crockford base32 characters (100 bits from cy_random)
 * shown in four groups of five: "7KQ2M-ZX0RT-...". */
#define CY_NOTIFY_CODE_LEN 23 /* with the hyphens */
int cy_notify_code_new(char out[CY_NOTIFY_CODE_LEN + 1]);
/* A code as typed (any case, hyphens and spaces, I/L for 1, O for 0) into its
 * 20 canonical characters; CY_EINVALID if it cannot be one. */
int cy_notify_code_canon(const char *typed, char out[21]);

/* An e-mail notice as MIME (CRLF line ends): UTF-8, RFC 2047 subject, one
 * text/plain part in base64. */
typedef struct cy_notify_mail {
	const char *from_name; /* shown with From (UTF-8; NULL: none) */
	const char *from, *to, *subject, *body, *message_id;
	int64_t date; /* seconds since the epoch */
} cy_notify_mail;
int cy_notify_mime(const cy_notify_mail *m, cy_buf *out);

/* The text of an SMS notice cut into segments of at most max UTF-16 units
 * (70 for one UCS-2 message), each numbered "(i/n)" when there are several,
 * broken at spaces or after CJK characters and punctuation, never inside an
 * ASCII word (a code, an address); joined by '\n' into out. */
int cy_notify_sms_segments(const char *text, size_t max, cy_buf *out);

/* Walk an mbox of delivery status notifications: fn(arg, index, original
 * Message-ID (without <>; "" if none), failed) for each message; failed is
 * true when a per-recipient Action is "failed". */
typedef int (*cy_notify_dsn_fn)(void *arg, uint64_t index, const char *message_id, bool failed);
int cy_notify_dsn_each(const void *data, size_t n, cy_notify_dsn_fn fn, void *arg);

/* Read an answers CSV (header `code,answer`, UTF-8, an optional BOM):
 * fn(arg, line, code, answer, shape) per data row, line being the physical
 * line the row ends on and shape false when it has not exactly two cells.
 * fn's non-zero result stops.  CY_EINVALID for a file that is not such CSV. */
typedef int (*cy_notify_csv_fn)(void *arg, uint64_t line, const char *code, const char *answer,
				bool shape);
int cy_notify_csv_each(const void *data, size_t n, cy_notify_csv_fn fn, void *arg);

/* Render a notice template (docs/internals/notify.md): header lines
 * "Key: value" up to a blank line, then the body with {{var}} and sections
 * {{#flag}}...{{/flag}}, {{^flag}}...{{/flag}}.  vars: NULL-terminated
 * name/value pairs; flags: NULL-terminated names of the true flags.
 * subject_out gets the "Subject" header, body_out the rendered body. */
int cy_notify_render(const char *tmpl, size_t n, const char *const *vars, const char *const *flags,
		     cy_buf *subject_out, cy_buf *body_out);

#endif
