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
#include "custody/bagit.h"
#include "custody/file.h"
#include "custody/receipt.h"
#include "custody/transfer.h"
#include "custody/banned.h"

static const char *o_uscc, *o_contact, *o_jurisdiction, *o_recipient, *o_signing, *o_fonds, *o_to,
	*o_reason, *o_years, *o_subjects, *o_purpose, *o_notice_days, *o_file, *o_kind, *o_ref,
	*o_as_of, *o_out, *o_identity, *o_sign_key, *o_to_dir;
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

/* ---- show ---- */

static const cli_opt SHOW_OPTS[] = {
	{"as-of", OPT_STRING, "DATE", N_("judge the notice period as of this day (YYYY-MM-DD)"),
	 &o_as_of},
	{"json", OPT_FLAG, NULL, N_("one JSON object with the gates"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd SHOW = {
	"custody transfer show ID [--as-of DATE] [--json]",
	N_("A transfer: its receiver, scope and status, and each gate it must pass before it\n"
	   "is exported, with its article (PIPL Art. 22 notices and notice period, Art. 23\n"
	   "consent, Arts. 38-39 abroad, Art. 55 assessment, a second person's approval).\n"
	   "Exit 0 whether or not it is ready."),
	NULL,
	SHOW_OPTS,
	1,
	1,
};

static int transfer_show(cy_vault *v, int argc, char **argv)
{
	cy_transfer_gate g[CY_TRANSFER_GATES_MAX];
	cy_transfer_info t;
	size_t n = 0, open = 0;
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if ((rc = cy_transfer_gates(v, id, o_as_of, g, &n, &t)))
		return cli_fail(rc);
	for (size_t i = 0; i < n; i++)
		open += !g[i].ok;
	if (o_json || g_json) {
		cy_buf b = CY_BUF_INIT;
		char detail[512];
		transfer_json(&b, &t);
		cy_buf_printf(&b, ",\"ready\":%s,\"gates\":[", open ? "false" : "true");
		for (size_t i = 0; i < n; i++) {
			snprintf(detail, sizeof(detail), g[i].fmt, g[i].a, g[i].b, g[i].c, g[i].d);
			cy_buf_printf(&b, "%s{\"gate\":\"%s\",\"article\":", i ? "," : "",
				      g[i].name);
			cy_json_cstr(&b, g[i].article);
			cy_buf_printf(&b, ",\"ok\":%s,\"requires\":", g[i].ok ? "true" : "false");
			cy_json_cstr(&b, g[i].what);
			cy_buf_puts(&b, ",\"detail\":");
			cy_json_cstr(&b, detail);
			cy_buf_putc(&b, '}');
		}
		cy_buf_puts(&b, "]}");
		cli_json_line(&b);
		cy_buf_wipe(&b);
		cy_buf_release(&b);
		explicit_bzero(t.purpose, sizeof(t.purpose));
		return EXIT_OK;
	}
	printf(_("transfer %" PRId64 " (fonds %s): %s\n"), t.id, t.fonds,
	       cli_value("status", t.status));
	printf(_("  receiver:  %s (%s)\n"), cli_safe(t.receiver.name),
	       cli_safe(t.receiver.jurisdiction));
	printf(_("  contact:   %s\n"), cli_safe(t.receiver.contact));
	printf(_("  reason:    %s\n"), t.reason);
	if (*t.purpose)
		printf(_("  purpose:   %s\n"), cli_safe(t.purpose));
	printf(_("  scope:     %" PRId64 " records, %" PRId64 " customers\n"), t.records,
	       t.subjects);
	printf(_("  planned:   %s by %s\n"), t.planned, cli_safe(t.planned_by));
	if (*t.approved)
		printf(_("  approved:  %s by %s\n"), t.approved, cli_safe(t.approved_by));
	printf(_("gates:\n"));
	for (size_t i = 0; i < n; i++) {
		printf("  [%s] %-28s %s\n        ", g[i].ok ? "x" : " ", g[i].article,
		       _(g[i].what));
		printf(_(g[i].fmt), g[i].a, g[i].b, g[i].c, g[i].d);
		putchar('\n');
	}
	if (open)
		printf(_("%zu of %zu gates still block the export\n"), open, n);
	else
		printf(_("ready: every gate is passed\n"));
	explicit_bzero(t.purpose, sizeof(t.purpose));
	return EXIT_OK;
}

/* ---- approve ---- */

static const cli_opt APPROVE_OPTS[] = {
	{"as-of", OPT_STRING, "DATE", N_("judge the notice period as of this day (YYYY-MM-DD)"),
	 &o_as_of},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd APPROVE = {
	"custody transfer approve ID [--as-of DATE]",
	N_("Approve a transfer (an archivist of its fonds who did not plan it). Customers who\n"
	   "objected leave the scope first, with their records: store-only where a legal period\n"
	   "still keeps them, else marked to erase (custody subject erase). Every other gate\n"
	   "must hold."),
	NULL,
	APPROVE_OPTS,
	1,
	1,
};

static int transfer_approve(cy_vault *v, int argc, char **argv)
{
	cy_transfer_approve_result r;
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if ((rc = cy_transfer_approve(v, id, o_as_of, &r)))
		return cli_fail(rc);
	printf(_("transfer %" PRId64 " approved: %" PRId64 " records, %" PRId64 " customers\n"), id,
	       r.records, r.subjects);
	if (r.objected)
		printf(_("%" PRId64 " customers objected and left the scope with %" PRId64
			 " records: %" PRId64 " store-only, %" PRId64
			 " to erase (custody subject erase)\n"),
		       r.objected, r.records_left, r.store_only, r.to_erase);
	printf(_("next: custody transfer export %" PRId64 " -o PACKAGE.tar.age\n"), id);
	return EXIT_OK;
}

/* ---- export ---- */

static const cli_opt EXPORT_OPTS[] = {
	{"output", OPT_STRING, "PKG.tar.age", N_("where the package goes (required; -o)"), &o_out},
	{"as-of", OPT_STRING, "DATE", N_("judge the notice period as of this day (YYYY-MM-DD)"),
	 &o_as_of},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd EXPORT = {
	"custody transfer export ID -o PKG.tar.age [--as-of DATE]",
	N_("Write the package of an approved transfer: a BagIt bag (the records in their original\n"
	   "formats, records.jsonl, records.csv, subjects.jsonl, the handover list 移交清单) in a\n"
	   "tar, encrypted to the receiver's age key as it is written (no plaintext on disk). The\n"
	   "stock age tool decrypts it. Prints the tag-manifest digest the receipt must name."),
	NULL,
	EXPORT_OPTS,
	1,
	1,
};

static int export_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!o_out) {
		cli_error(_("-o PKG.tar.age is required"));
		return EXIT_USAGE;
	}
	if (cy_outfile_check(o_out, 0))
		return cli_fail(cy_error_code());
	return 0;
}

typedef struct export_progress {
	cli_progress p;
} export_progress;

static int on_progress(void *arg, uint64_t records, uint64_t total, uint64_t bytes)
{
	export_progress *e = arg;
	cy_progress pr;

	memset(&pr, 0, sizeof(pr));
	pr.files_done = records;
	pr.files_total = total;
	pr.bytes_done = bytes;
	return cli_progress_cb(&e->p, &pr) ? CY_ECANCELLED : 0;
}

static int transfer_export(cy_vault *v, int argc, char **argv)
{
	cy_transfer_export_result r;
	export_progress p;
	char size[32];
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	cli_progress_init(&p.p, _("exporting"));
	cli_cancel_install();
	rc = cy_transfer_export(v, id, o_as_of, o_out, on_progress, &p, &r);
	cli_progress_done(&p.p);
	if (rc)
		return cli_fail(rc);
	cli_bytes(r.bytes, size);
	printf("%s\n", r.tag_manifest);
	printf(_("transfer %" PRId64 " exported to %s: %" PRIu64 " records, %" PRIu64
		 " customers, %" PRIu64 " files (%s)\n"),
	       id, cli_safe(o_out), r.records, r.subjects, r.files, size);
	printf(_("the receiver runs: custody receive %s --identity KEY --to DIR --sign-key KEY\n"),
	       cli_safe(o_out));
	return EXIT_OK;
}

/* ---- confirm ---- */

static const cli_cmd CONFIRM = {
	"custody transfer confirm ID RECEIPT",
	N_("Check the receiver's signed receipt against the export (its key, the transfer, the\n"
	   "tag-manifest digest, the counts, the ledger checkpoint) and mark the records\n"
	   "transferred."),
	NULL,
	NULL,
	2,
	2,
};

static int transfer_confirm(cy_vault *v, int argc, char **argv)
{
	cy_buf b = CY_BUF_INIT;
	cy_receipt r;
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if ((rc = cy_read_file(argv[1], 65536, &b)) ||
	    (rc = cy_transfer_confirm(v, id, b.ptr, b.len, &r))) {
		cy_buf_release(&b);
		return cli_fail(rc);
	}
	cy_buf_release(&b);
	printf(_("transfer %" PRId64 " confirmed: the receiver verified %" PRIu64
		 " records and %" PRIu64 " files on %s; the records are marked transferred\n"),
	       id, r.records, r.files, r.received);
	return EXIT_OK;
}

/* ---- receive (the receiver; no vault) ---- */

static const cli_opt RECEIVE_OPTS[] = {
	{"identity", OPT_STRING, "KEYFILE",
	 N_("your age identity (age-keygen or custody keygen --age)"), &o_identity},
	{"to", OPT_STRING, "DIR", N_("the work directory (created with mode 0700)"), &o_to_dir},
	{"sign-key", OPT_STRING, "KEYFILE",
	 N_("your receipt signing key (custody keygen --signing)"), &o_sign_key},
	{"output", OPT_STRING, "RECEIPT", N_("where the receipt goes (default receipt.json; -o)"),
	 &o_out},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_receive_spec = {
	"custody receive PKG.tar.age --identity KEYFILE --to DIR --sign-key KEYFILE [-o RECEIPT]",
	N_("The receiver's side of a handover: decrypt the package, extract it into DIR without\n"
	   "trusting it (no links, devices, '..', colliding names, bombs), validate the bag file by\n"
	   "file and its counts, and sign a receipt for the sender (custody transfer confirm).\n"
	   "Prints the receipt's path."),
	NULL,
	RECEIVE_OPTS,
	1,
	1,
};

static int receive_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!o_identity || !o_to_dir || !o_sign_key) {
		cli_error(
			_("--identity, --to and --sign-key are required (--vault is not built yet: "
			  "receive into a directory)"));
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_receive(cy_vault *v, int argc, char **argv)
{
	cy_receive_opts o;
	cy_receive_result r;
	cy_bag_report rep;
	char size[32];
	int rc;

	(void)v;
	(void)argc;
	o.package = argv[0];
	o.identity = o_identity;
	o.to = o_to_dir;
	o.sign_key = o_sign_key;
	o.receipt = o_out ? o_out : "receipt.json";
	rc = cy_receive(&o, &r, &rep);
	for (size_t i = 0; i < rep.nwarnings; i++)
		fprintf(stderr, _("custody: warning: %s\n"), cli_safe(rep.warnings[i]));
	for (size_t i = 0; i < rep.nerrors; i++)
		fprintf(stderr, _("custody: %s\n"), cli_safe(rep.errors[i]));
	cy_bag_report_free(&rep);
	if (rc)
		return cli_fail(rc);
	cli_bytes(r.bytes, size);
	printf("%s\n", o.receipt);
	printf(_("received %s: %" PRIu64 " records, %" PRIu64 " customers, %" PRIu64
		 " files (%s), every file verified\n"),
	       cli_safe(r.transfer), r.records, r.subjects, r.files, size);
	printf(_("the bag: %s\nthe receipt for the sender: %s\n"), cli_safe(r.bag),
	       cli_safe(o.receipt));
	return EXIT_OK;
}

int cmd_receive_run(cy_vault *v, int argc, char **argv)
{
	return cmd_receive(v, argc, argv);
}
int cmd_receive_prepare(int argc, char **argv)
{
	return receive_prepare(argc, argv);
}

const cli_command cmd_transfer_sub[] = {
	{"plan", transfer_plan, &PLAN, NEEDS_UNLOCK, N_("plan a handover to a receiver"), NULL,
	 plan_prepare},
	{"show", transfer_show, &SHOW, NEEDS_UNLOCK,
	 N_("a transfer's scope and the gates that still block it"), NULL, NULL},
	{"list", transfer_list, &TLIST, NEEDS_UNLOCK, N_("list transfers"), NULL, NULL},
	{"approve", transfer_approve, &APPROVE, NEEDS_UNLOCK,
	 N_("approve a transfer (a second archivist)"), NULL, NULL},
	{"export", transfer_export, &EXPORT, NEEDS_UNLOCK,
	 N_("write the encrypted package of an approved transfer"), NULL, export_prepare},
	{"confirm", transfer_confirm, &CONFIRM, NEEDS_UNLOCK,
	 N_("check the receiver's receipt; mark the records transferred"), NULL, NULL},
	{"mechanism", transfer_mechanism, &MECH, NEEDS_UNLOCK,
	 N_("record the Art. 38 mechanism of a transfer abroad"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
