/* cmd_transfer.c - custody receiver add|list, custody transfer
 * plan|show|list|mechanism|approve|export|confirm, custody pia add (the
 * handover, PIPL Arts. 22-23, 38-39, 55; docs/internals/transfer.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/transfer.h"
#include "custody/banned.h"

static const char *o_uscc, *o_contact, *o_jurisdiction, *o_recipient, *o_signing, *o_fonds, *o_to,
	*o_reason, *o_years, *o_subjects, *o_purpose, *o_notice_days, *o_file, *o_kind, *o_ref;
static cli_list o_class;
static bool o_json, o_ciio, o_important;

/* ---- receiver ---- */

static const cli_opt RADD_OPTS[] = {
	{"uscc", OPT_STRING, "CODE", N_("the receiver's unified social credit code (needed in CN)"),
	 &o_uscc},
	{"contact", OPT_STRING, "TEXT",
	 N_("how customers reach the receiver (address, phone, e-mail): every notice names it"),
	 &o_contact},
	{"jurisdiction", OPT_STRING, "CN|OTHER:XX",
	 N_("where the receiver is: CN, or OTHER: and the ISO country code (PIPL Arts. 38-39)"),
	 &o_jurisdiction},
	{"age-recipient", OPT_STRING, "age1...",
	 N_("the receiver's age X25519 public key: packages are encrypted to it"), &o_recipient},
	{"signing-key", OPT_STRING, "KEY",
	 N_("the receiver's public receipt-signing key (custody keygen --signing)"), &o_signing},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd RADD = {
	"custody receiver add NAME --uscc CODE --contact TEXT --jurisdiction CN|OTHER:XX "
	"--age-recipient age1... --signing-key KEY",
	N_("Add a receiving party (archivist). Its name, code and contact are printed in every\n"
	   "notice to customers; packages are encrypted to its age key and its receipts are\n"
	   "checked with its signing key. Prints the receiver's id on the first line."),
	NULL,
	RADD_OPTS,
	1,
	1,
};

static int receiver_add_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!o_contact || !o_jurisdiction || !o_recipient || !o_signing) {
		cli_error(_("--contact, --jurisdiction, --age-recipient and --signing-key are "
			    "required"));
		return EXIT_USAGE;
	}
	return 0;
}

static int receiver_add(cy_vault *v, int argc, char **argv)
{
	cy_receiver r;
	int64_t id;
	int rc;

	(void)argc;
	memset(&r, 0, sizeof(r));
	if (strlen(argv[0]) >= sizeof(r.name) || (o_uscc && strlen(o_uscc) >= sizeof(r.uscc)) ||
	    strlen(o_contact) >= sizeof(r.contact) ||
	    strlen(o_jurisdiction) >= sizeof(r.jurisdiction) ||
	    strlen(o_recipient) >= sizeof(r.age_recipient) ||
	    strlen(o_signing) >= sizeof(r.signing_pub)) {
		cli_error(_("a value is too long (name 255 bytes, contact 511 bytes)"));
		return EXIT_USAGE;
	}
	snprintf(r.name, sizeof(r.name), "%s", argv[0]);
	snprintf(r.uscc, sizeof(r.uscc), "%s", o_uscc ? o_uscc : "");
	snprintf(r.contact, sizeof(r.contact), "%s", o_contact);
	snprintf(r.jurisdiction, sizeof(r.jurisdiction), "%s", o_jurisdiction);
	snprintf(r.age_recipient, sizeof(r.age_recipient), "%s", o_recipient);
	snprintf(r.signing_pub, sizeof(r.signing_pub), "%s", o_signing);
	if ((rc = cy_receiver_add(v, &r, &id)))
		return cli_fail(rc);
	printf("%" PRId64 "\n", id);
	printf(_("receiver '%s' added\n"), cli_safe(r.name));
	return EXIT_OK;
}

static const cli_opt RLIST_OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("JSON Lines: one object per receiver"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd RLIST = {
	"custody receiver list [--json]", N_("List the receiving parties."), NULL, RLIST_OPTS, 0, 0,
};

static void receiver_json(cy_buf *b, const cy_receiver *r)
{
	cy_buf_printf(b, "{\"id\":%" PRId64 ",\"name\":", r->id);
	cy_json_cstr(b, r->name);
	cy_buf_puts(b, ",\"uscc\":");
	cy_json_cstr(b, r->uscc);
	cy_buf_puts(b, ",\"contact\":");
	cy_json_cstr(b, r->contact);
	cy_buf_puts(b, ",\"jurisdiction\":");
	cy_json_cstr(b, r->jurisdiction);
	cy_buf_puts(b, ",\"age_recipient\":");
	cy_json_cstr(b, r->age_recipient);
	cy_buf_puts(b, ",\"signing_key\":");
	cy_json_cstr(b, r->signing_pub);
	cy_buf_puts(b, ",\"created\":");
	cy_json_cstr(b, r->created);
	cy_buf_putc(b, '}');
}

static int print_receiver(void *arg, const cy_receiver *r)
{
	cy_buf *b = arg;

	if (o_json || g_json) {
		cy_buf_clear(b);
		receiver_json(b, r);
		cli_json_line(b);
		return 0;
	}
	printf("%-4" PRId64 " %-10s %s\n     %s: %s\n", r->id, cli_safe(r->jurisdiction),
	       cli_safe(r->name), _("contact"), cli_safe(r->contact));
	return 0;
}

static int receiver_list(cy_vault *v, int argc, char **argv)
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	(void)argc;
	(void)argv;
	rc = cy_receiver_list(v, print_receiver, &b);
	cy_buf_release(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_receiver_sub[] = {
	{"add", receiver_add, &RADD, NEEDS_UNLOCK, N_("add a receiving party"), NULL,
	 receiver_add_prepare},
	{"list", receiver_list, &RLIST, NEEDS_UNLOCK, N_("list the receiving parties"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- transfer plan ---- */

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || *end || n <= 0 || end == s) {
		cli_error(_("'%s' is not a transfer id (a number: custody transfer list)"),
			  cli_safe(s));
		return EXIT_USAGE;
	}
	*id = n;
	return 0;
}

static const cli_opt PLAN_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the fonds whose records are handed over"), &o_fonds},
	{"to", OPT_STRING, "RECEIVER", N_("the receiver's name (custody receiver list)"), &o_to},
	{"reason", OPT_STRING, "WHY",
	 N_("merger, division, dissolution, bankruptcy (PIPL Art. 22), sale or other (Art. 23)"),
	 &o_reason},
	{"class", OPT_LIST, "CLASS", N_("only records of this class (repeatable)"), &o_class},
	{"years", OPT_STRING, "A-B", N_("only records of these years (2015-2020, or 2018)"),
	 &o_years},
	{"subjects", OPT_STRING, "FILE",
	 N_("only the records of these customers (a file of ids, one per line)"), &o_subjects},
	{"purpose", OPT_STRING, "TEXT",
	 N_("what the receiver will use the data for (in every notice; kept encrypted)"),
	 &o_purpose},
	{"notice-days", OPT_STRING, "N", N_("days between the notices and the export (default 30)"),
	 &o_notice_days},
	{"ciio", OPT_FLAG, NULL,
	 N_("the sender is a critical information infrastructure operator (Art. 38 thresholds)"),
	 &o_ciio},
	{"important-data", OPT_FLAG, NULL, N_("the records hold important data (Art. 38)"),
	 &o_important},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd PLAN = {
	"custody transfer plan --fonds CODE --to RECEIVER --reason "
	"merger|division|dissolution|bankruptcy|sale|other [--class C ...] [--years A-B] "
	"[--subjects FILE] [--purpose TEXT] [--notice-days N]",
	N_("Plan a handover (archivist): the records of a fonds that match the scope, and their\n"
	   "customers. Records that are store-only, on hold, transferred or destroyed never\n"
	   "leave. Prints the transfer's id on the first line, then its scope; custody transfer\n"
	   "show ID says what must happen before it can be exported."),
	NULL,
	PLAN_OPTS,
	0,
	0,
};

static int plan_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!o_fonds || !o_to || !o_reason) {
		cli_error(_("--fonds, --to and --reason are required"));
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_years(const char *s, int *a, int *b)
{
	char tail;

	if (sscanf(s, "%d-%d%c", a, b, &tail) == 2 && *a >= 1900 && *b >= *a && *b <= 9999)
		return 0;
	if (sscanf(s, "%d%c", a, &tail) == 1 && *a >= 1900 && *a <= 9999) {
		*b = *a;
		return 0;
	}
	cli_error(_("--years must be YEAR or FROM-TO (e.g. 2015-2020), not '%s'"), cli_safe(s));
	return EXIT_USAGE;
}

/* A file of subject ids, one per line (# comments and blank lines skipped). */
static int read_ids(const char *path, char **text, const char ***ids, size_t *n)
{
	cy_buf b = CY_BUF_INIT;
	size_t cap = 0;
	char *p, *line;
	int rc = cy_read_file(path, 1 << 24, &b);

	*ids = NULL;
	*n = 0;
	if (rc)
		return rc;
	if (cy_buf_putc(&b, 0)) {
		cy_buf_release(&b);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	*text = (char *)b.ptr;
	for (p = *text; (line = strsep(&p, "\n"));) {
		char *e = line + strlen(line);
		while (e > line && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			const char **ni = realloc(*ids, nc * sizeof(*ni));
			if (!ni)
				return cy_error_set(CY_ENOMEM, "out of memory");
			*ids = ni;
			cap = nc;
		}
		(*ids)[(*n)++] = line;
	}
	if (!*n)
		return cy_error_set(CY_EINVALID, "%s lists no customer id", path);
	return 0;
}

static int transfer_plan(cy_vault *v, int argc, char **argv)
{
	cy_transfer_plan_req p;
	cy_transfer_plan_result res;
	char *text = NULL;
	const char **ids = NULL;
	int64_t id;
	int rc;

	(void)argc;
	(void)argv;
	memset(&p, 0, sizeof(p));
	p.fonds = o_fonds;
	p.receiver = o_to;
	p.reason = o_reason;
	p.purpose = o_purpose;
	p.classes = o_class.v;
	p.nclasses = o_class.n;
	p.notice_days = 30;
	p.ciio = o_ciio;
	p.important = o_important;
	if (o_notice_days) {
		char *end;
		long d = strtol(o_notice_days, &end, 10);
		if (*end || end == o_notice_days || d < 0 || d > 3650) {
			cli_error(_("--notice-days must be a number of days (0 to 3650)"));
			return EXIT_USAGE;
		}
		p.notice_days = (int)d;
	}
	if (o_years && (rc = parse_years(o_years, &p.year_from, &p.year_to)))
		return rc;
	if (o_subjects && (rc = read_ids(o_subjects, &text, &ids, &p.nsubjects))) {
		rc = cli_fail(rc);
		goto out;
	}
	p.subjects = ids;
	if ((rc = cy_transfer_plan(v, &p, &id, &res))) {
		rc = cli_fail(rc);
		goto out;
	}
	printf("%" PRId64 "\n", id);
	printf(_("transfer %" PRId64 " planned: %" PRId64 " records, %" PRId64
		 " customers of fonds %s to %s\n"),
	       id, res.records, res.subjects, o_fonds, cli_safe(o_to));
	if (res.skipped_status || res.skipped_hold)
		printf(_("left out: %" PRId64
			 " records store-only or no longer in custody, %" PRId64 " on hold\n"),
		       res.skipped_status, res.skipped_hold);
	printf(_("next: custody transfer show %" PRId64 "\n"), id);
	rc = EXIT_OK;
out:
	free(ids);
	free(text);
	return rc;
}

/* ---- transfer list ---- */

static const cli_opt TLIST_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("only this fonds"), &o_fonds},
	{"json", OPT_FLAG, NULL, N_("JSON Lines: one object per transfer"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd TLIST = {
	"custody transfer list [--fonds CODE] [--json]",
	N_("List the transfers of the fonds granted to you."),
	NULL,
	TLIST_OPTS,
	0,
	0,
};

static void transfer_json(cy_buf *b, const cy_transfer_info *t)
{
	cy_buf_printf(b, "{\"id\":%" PRId64 ",\"fonds\":", t->id);
	cy_json_cstr(b, t->fonds);
	cy_buf_puts(b, ",\"receiver\":");
	cy_json_cstr(b, t->receiver.name);
	cy_buf_puts(b, ",\"receiver_contact\":");
	cy_json_cstr(b, t->receiver.contact);
	cy_buf_puts(b, ",\"jurisdiction\":");
	cy_json_cstr(b, t->receiver.jurisdiction);
	cy_buf_printf(b, ",\"reason\":\"%s\",\"status\":\"%s\",\"purpose\":", t->reason, t->status);
	cy_json_cstr(b, t->purpose);
	cy_buf_printf(b, ",\"records\":%" PRId64 ",\"subjects\":%" PRId64 ",\"notice_days\":%d",
		      t->records, t->subjects, t->notice_days);
	cy_buf_puts(b, ",\"planned\":");
	cy_json_cstr(b, t->planned);
	cy_buf_puts(b, ",\"planned_by\":");
	cy_json_cstr(b, t->planned_by);
	cy_buf_puts(b, ",\"approved\":");
	cy_json_cstr(b, t->approved);
	cy_buf_puts(b, ",\"approved_by\":");
	cy_json_cstr(b, t->approved_by);
}

static int print_transfer(void *arg, const cy_transfer_info *t)
{
	cy_buf *b = arg;

	if (o_json || g_json) {
		cy_buf_clear(b);
		transfer_json(b, t);
		cy_buf_putc(b, '}');
		cli_json_line(b);
		return 0;
	}
	printf("%-4" PRId64 " %-5s %-12s %-10s %6" PRId64 " %6" PRId64 "  %s\n", t->id, t->fonds,
	       t->reason, t->status, t->records, t->subjects, cli_safe(t->receiver.name));
	return 0;
}

static int transfer_list(cy_vault *v, int argc, char **argv)
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	(void)argc;
	(void)argv;
	rc = cy_transfer_list(v, o_fonds, print_transfer, &b);
	cy_buf_release(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

/* ---- mechanism, pia ---- */

static const cli_opt MECH_OPTS[] = {
	{"kind", OPT_STRING, "KIND",
	 N_("cac-assessment, standard-contract, certification or exempt (PIPL Art. 38)"), &o_kind},
	{"ref", OPT_STRING, "TEXT",
	 N_("the filing, contract or certificate number (no personal data)"), &o_ref},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd MECH = {
	"custody transfer mechanism ID --kind KIND --ref TEXT",
	N_("Record the legal mechanism of a transfer to a receiver outside China (PIPL Art. 38):\n"
	   "the CAC security assessment, the standard contract, a certification, or the\n"
	   "exemption that applies (custody transfer show says which the counts require)."),
	NULL,
	MECH_OPTS,
	1,
	1,
};

static int transfer_mechanism(cy_vault *v, int argc, char **argv)
{
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if ((rc = cy_transfer_mechanism(v, id, o_kind, o_ref)))
		return cli_fail(rc);
	printf(_("transfer %" PRId64 ": mechanism recorded (%s)\n"), id, o_kind);
	return EXIT_OK;
}

static const cli_opt PIA_OPTS[] = {
	{"file", OPT_STRING, "ASSESSMENT.md", N_("the assessment (UTF-8 text or Markdown)"),
	 &o_file},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd PIA = {
	"custody pia add ID --file ASSESSMENT.md",
	N_("Attach the personal-information impact assessment of a transfer (PIPL Arts. 55-56,\n"
	   "个人信息保护影响评估). It is kept encrypted; its SHA-256 goes into the ledger and is\n"
	   "printed."),
	NULL,
	PIA_OPTS,
	1,
	1,
};

static int pia_add(cy_vault *v, int argc, char **argv)
{
	cy_buf b = CY_BUF_INIT;
	char digest[65];
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if (!o_file) {
		cli_error(_("--file ASSESSMENT.md is required"));
		return EXIT_USAGE;
	}
	if ((rc = cy_read_file(o_file, 1 << 20, &b)) ||
	    (rc = cy_transfer_pia_add(v, id, b.ptr, b.len, digest))) {
		cy_buf_wipe(&b);
		cy_buf_release(&b);
		return cli_fail(rc);
	}
	cy_buf_wipe(&b);
	cy_buf_release(&b);
	printf("%s\n", digest);
	printf(_("transfer %" PRId64 ": impact assessment recorded\n"), id);
	return EXIT_OK;
}

const cli_command cmd_pia_sub[] = {
	{"add", pia_add, &PIA, NEEDS_UNLOCK, N_("attach a transfer's impact assessment"), NULL,
	 NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};

const cli_command cmd_transfer_sub[] = {
	{"plan", transfer_plan, &PLAN, NEEDS_UNLOCK, N_("plan a handover to a receiver"), NULL,
	 plan_prepare},
	{"list", transfer_list, &TLIST, NEEDS_UNLOCK, N_("list transfers"), NULL, NULL},
	{"mechanism", transfer_mechanism, &MECH, NEEDS_UNLOCK,
	 N_("record the Art. 38 mechanism of a transfer abroad"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
