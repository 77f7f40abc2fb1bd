/* cmd_notify.c - custody notify prepare|send|status|responses|bounces: the
 * notices of PIPL Arts. 17, 22, 23 and 39 to the customers of a transfer
 * (notify.h, docs/internals/notify.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/notify.h"
#include "custody/banned.h"

static const char *o_template, *o_smtp, *o_from, *o_rate, *o_timeout, *o_sms_csv;
static bool o_json;

static const cli_opt PREPARE_OPTS[] = {
	{"template", OPT_STRING, "zh-CN|en", N_("the language of the notices (default zh-CN)"),
	 &o_template},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd PREPARE = {
	"custody notify prepare TRANSFER_ID [--template zh-CN|en]",
	N_("Prepare one notice per customer in the transfer's scope (archivist of its fonds), each\n"
	   "with its own response code: by e-mail when the customer has an address, else by SMS\n"
	   "when it has a phone, else none (listed as a problem). Run again after the scope grew:\n"
	   "new customers get notices, existing ones keep their codes."),
	NULL,
	PREPARE_OPTS,
	1,
	1,
};

static const cli_opt SEND_OPTS[] = {
	{"smtp", OPT_STRING, "URL", N_("send e-mail through this server (smtp://HOST:PORT)"),
	 &o_smtp},
	{"from", OPT_STRING, "ADDR", N_("the sender's address (default notices@localhost)"),
	 &o_from},
	{"rate", OPT_STRING, "N/s", N_("at most N messages a second (default 5)"), &o_rate},
	{"timeout", OPT_STRING, "SECS",
	 N_("give up on a server after this long, per message (default 30)"), &o_timeout},
	{"sms-csv", OPT_STRING, "FILE",
	 N_("write the SMS notices to FILE (phone,text; mode 0600) for a gateway"), &o_sms_csv},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd SEND = {
	"custody notify send TRANSFER_ID (--smtp URL [--from ADDR] [--rate N/s] [--timeout SECS] | --sms-csv FILE)",
	N_("Send the notices that are pending or failed (archivist of the transfer's fonds): e-mail\n"
	   "through SMTP, or the SMS ones written to a file for a gateway (then marked sent). A\n"
	   "server that refuses or does not answer gives a failure, counted and retried by the\n"
	   "next run, never a send. Exit 1 when any failed."),
	NULL,
	SEND_OPTS,
	1,
	1,
};

static const cli_opt STATUS_OPTS[] = {
	{"json", OPT_FLAG, NULL,
	 N_("JSON Lines: one object per customer (status: pending, sent, failed, bounced, "
	    "answered)"),
	 &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd STATUS = {
	"custody notify status TRANSFER_ID [--json]",
	N_("Show each customer's notice (channel, status, attempts, when sent, the answer) and the\n"
	   "totals."),
	NULL,
	STATUS_OPTS,
	1,
	1,
};

static const cli_cmd RESPONSES = {
	"custody notify responses TRANSFER_ID FILE.csv",
	N_("Record the customers' answers from a CSV file with the header code,answer (answer:\n"
	   "continue, object, copy or question). Rows with an unknown code or answer are\n"
	   "reported with their line and skipped; a later answer replaces an earlier one."),
	NULL,
	NULL,
	2,
	2,
};

static const cli_cmd BOUNCES = {
	"custody notify bounces TRANSFER_ID FILE.mbox",
	N_("Mark bounced the notices that the delivery status notifications in an mbox report as\n"
	   "failed (matched by the original's Message-ID); others are counted and reported."),
	NULL,
	NULL,
	2,
	2,
};

static int parse_id(const char *s, int64_t *id)
{
	char *e;
	long long n;

	if (*s == 't' || *s == 'T')
		s++;
	n = strtoll(s, &e, 10);
	if (!*s || *e || n <= 0) {
		cli_error(_("'%s' is not a transfer id (a number)"), cli_safe(s));
		return EXIT_USAGE;
	}
	*id = n;
	return 0;
}

static void no_channel(void *arg, const char *subject)
{
	(void)arg;
	fprintf(stderr,
		_("custody: problem: customer %s has neither an e-mail address nor a phone: "
		  "no notice can reach them\n"),
		cli_safe(subject));
}

static int notify_prepare(cy_vault *v, int argc, char **argv)
{
	cy_notify_prepared p;
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if ((rc = cy_notify_prepare(v, id, o_template ? o_template : "zh-CN", no_channel, NULL,
				    &p)))
		return cli_fail(rc);
	printf(_("transfer %" PRId64 ": %zu notices prepared (%zu e-mail, %zu SMS, %zu without a "
		 "channel), %zu there already\n"),
	       id, p.added, p.email, p.sms, p.none, p.kept);
	return EXIT_OK;
}

static int send_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!o_smtp == !o_sms_csv) {
		cli_error(_("give --smtp URL or --sms-csv FILE (one of them)"));
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_num(const char *opt, const char *s, const char *suffix, double *out)
{
	char *e;
	double d;

	d = strtod(s, &e);
	if (suffix && !strcmp(e, suffix))
		e += strlen(e);
	if (e == s || *e || !(d > 0) || d > 1e6) {
		cli_error(_("--%s takes a positive number, not '%s'"), opt, cli_safe(s));
		return EXIT_USAGE;
	}
	*out = d;
	return 0;
}

static int notify_send(cy_vault *v, int argc, char **argv)
{
	cy_notify_send_opts o;
	cy_notify_sent r;
	double timeout = 0;
	int64_t id;
	int rc;

	(void)argc;
	memset(&o, 0, sizeof(o));
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if (o_rate && (rc = parse_num("rate", o_rate, "/s", &o.rate)))
		return rc;
	if (o_timeout && (rc = parse_num("timeout", o_timeout, NULL, &timeout)))
		return rc;
	o.timeout = timeout > 0 && timeout < 1 ? 1 : (long)timeout;
	o.smtp_url = o_smtp;
	o.from = o_from;
	o.sms_csv = o_sms_csv;
	if ((rc = cy_notify_send(v, id, &o, &r)))
		return cli_fail(rc);
	if (o_sms_csv)
		printf(_("transfer %" PRId64 ": %zu SMS notices written to %s\n"), id, r.sent,
		       cli_safe(o_sms_csv));
	else
		printf(_("transfer %" PRId64 ": %zu sent, %zu failed (run again to retry them)\n"),
		       id, r.sent, r.failed);
	if (r.failed) {
		cli_error(_("%zu notices could not be sent; 'custody notify status %" PRId64
			    "' shows why"),
			  r.failed, id);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

static int print_notice(void *arg, const cy_notice_info *n)
{
	cy_buf *b = arg;

	if (o_json || g_json) {
		cy_buf_clear(b);
		cy_buf_puts(b, "{\"customer\":");
		cy_json_cstr(b, n->subject);
		cy_buf_printf(b, ",\"subject_id\":%" PRId64 ",\"channel\":\"%s\",\"status\":\"%s\"",
			      n->subject_id, n->channel, n->status);
		cy_buf_printf(b, ",\"attempts\":%" PRId64 ",\"last_error\":", n->attempts);
		cy_json_cstr(b, n->last_error);
		cy_buf_puts(b, ",\"sent\":");
		cy_json_cstr(b, n->sent);
		cy_buf_puts(b, ",\"bounced\":");
		cy_json_cstr(b, n->bounced);
		cy_buf_puts(b, ",\"answer\":");
		cy_json_cstr(b, n->answer);
		cy_buf_puts(b, ",\"answered\":");
		cy_json_cstr(b, n->answered);
		cy_buf_putc(b, '}');
		cli_json_line(b);
		return 0;
	}
	printf("%-14s %-6s %-9s %3" PRId64 "  %-20s %-9s", cli_safe(n->subject), n->channel,
	       n->status, n->attempts, *n->sent ? n->sent : "-", *n->answer ? n->answer : "-");
	if (*n->last_error && strcmp(n->status, "sent") && strcmp(n->status, "answered"))
		printf("  (%s)", cli_safe(n->last_error));
	putchar('\n');
	return 0;
}

static int notify_status(cy_vault *v, int argc, char **argv)
{
	cy_notify_counts c;
	cy_buf b = CY_BUF_INIT;
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if (!(o_json || g_json))
		printf("%-14s %-6s %-9s %3s  %-20s %s\n", _("customer"), _("via"), _("status"),
		       _("try"), _("sent"), _("answer"));
	rc = cy_notify_status(v, id, print_notice, &b);
	cy_buf_release(&b);
	if (rc)
		return cli_fail(rc);
	if (o_json || g_json)
		return EXIT_OK;
	if ((rc = cy_notify_counts_get(v, id, &c)))
		return cli_fail(rc);
	printf(_("total %" PRId64 ": %" PRId64 " pending (%" PRId64 " without a channel), %" PRId64
		 " sent, %" PRId64 " failed, %" PRId64 " bounced, %" PRId64 " answered\n"),
	       c.total, c.pending, c.none, c.sent, c.failed, c.bounced, c.answered);
	printf(_("answers: %" PRId64 " continue, %" PRId64 " object, %" PRId64 " copy, %" PRId64
		 " question\n"),
	       c.consented, c.objected, c.copy, c.question);
	return EXIT_OK;
}

static void report(void *arg, uint64_t line, const char *text)
{
	const char *what = arg;

	fprintf(stderr, _("custody: %s %" PRIu64 ": %s (skipped)\n"), what, line, _(text));
}

/* responses and bounces: a file read back, rows or messages it skipped on stderr */
static int read_back(int argc, char **argv, bool answers, cy_vault *v)
{
	cy_notify_read r;
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	rc = answers ? cy_notify_responses(v, id, argv[1], report, (void *)_("line"), &r)
		     : cy_notify_bounces(v, id, argv[1], report, (void *)_("message"), &r);
	if (rc)
		return cli_fail(rc);
	if (answers)
		printf(_("transfer %" PRId64 ": %zu answers recorded, %zu rows skipped\n"), id,
		       r.recorded, r.skipped);
	else
		printf(_("transfer %" PRId64
			 ": %zu notices marked bounced, %zu messages not matched\n"),
		       id, r.recorded, r.skipped);
	/* a skipped answer is a customer's word not taken: the run is not clean */
	return answers && r.skipped ? EXIT_ERR : EXIT_OK;
}

static int notify_responses(cy_vault *v, int argc, char **argv)
{
	return read_back(argc, argv, true, v);
}

static int notify_bounces(cy_vault *v, int argc, char **argv)
{
	return read_back(argc, argv, false, v);
}

const cli_command cmd_notify_sub[] = {
	{"prepare", notify_prepare, &PREPARE, NEEDS_UNLOCK,
	 N_("one notice per customer in a transfer's scope"), NULL, NULL},
	{"send", notify_send, &SEND, NEEDS_UNLOCK, N_("send the pending and failed notices"), NULL,
	 send_prepare},
	{"status", notify_status, &STATUS, NEEDS_UNLOCK,
	 N_("each customer's notice and the totals"), NULL, NULL},
	{"responses", notify_responses, &RESPONSES, NEEDS_UNLOCK,
	 N_("record the customers' answers (CSV code,answer)"), NULL, NULL},
	{"bounces", notify_bounces, &BOUNCES, NEEDS_UNLOCK,
	 N_("mark notices bounced from delivery status notifications (mbox)"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
