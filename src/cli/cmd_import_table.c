/* cmd_import_table.c - custody import csv FILE: a CRM's export as customers
 * and records; custody import rejects: what an import refused. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/import_table.h"
#include "custody/rules.h"
#include "custody/banned.h"

/* ---- import csv ---- */

static const char *o_fonds, *o_kind, *o_map, *o_encoding, *o_year, *o_org, *o_delim, *o_sheet;
static const char *o_rules;
static cy_rules *g_rules;

static void free_rules(void)
{
	cy_rules_free(g_rules);
	g_rules = NULL;
}

/* The classification rules: --rules, else the default pack; none found is
 * not an error (each kind keeps its own class), a broken pack is. */
static int load_rules(const char *path)
{
	int rc = path ? cy_rules_load(path, &g_rules) : cy_rules_load_default(&g_rules);

	if (rc == CY_ENOTFOUND && !path) {
		g_rules = NULL;
		return 0;
	}
	if (rc) {
		cli_error(_("the classification rules cannot be used: %s"), cy_error_message());
		return EXIT_USAGE;
	}
	atexit(free_rules);
	return 0;
}
static bool o_dry, o_json, o_quiet;

static const cli_opt TABLE_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the fonds to import into"), &o_fonds},
	{"kind", OPT_STRING, "KIND",
	 N_("what the rows are: customers, transactions, contracts or records"), &o_kind},
	{"map", OPT_STRING, "MAP.json",
	 N_("a map of the file's headers to fields, for headers custody does not know "
	    "(docs/formats/table-map.md)"),
	 &o_map},
	{"encoding", OPT_STRING, "ENC",
	 N_("auto (default), utf-8, gb18030 (also for GBK and GB2312), big5, utf-16le, utf-16be"),
	 &o_encoding},
	{"delimiter", OPT_STRING, "CHAR",
	 N_("the field separator: ',', ';' or 'tab' (default: detected)"), &o_delim},
	{"year", OPT_STRING, "YYYY",
	 N_("customers: the profiles' year (default: this year); contracts, records: the year "
	    "of rows without a date"),
	 &o_year},
	{"org", OPT_STRING, "CODE",
	 N_("organisation (机构) code of DA/T 22, 1-3 letters or digits"), &o_org},
	{"rules", OPT_STRING, "FILE|DIR",
	 N_("the classification rules (docs/formats/rules.md; default: $CUSTODY_RULES, else the "
	    "installed rules)"),
	 &o_rules},
	{"dry-run", OPT_FLAG, NULL,
	 N_("read and map the file, show the columns and the rows that would be refused; "
	    "write nothing"),
	 &o_dry},
	{"json", OPT_FLAG, NULL, N_("one JSON line per refused row, then a summary line"), &o_json},
	{"quiet", OPT_FLAG, NULL, N_("print only the summary"), &o_quiet},
	{NULL, 0, NULL, NULL, NULL},
};

static const cli_opt XLSX_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the fonds to import into"), &o_fonds},
	{"kind", OPT_STRING, "KIND",
	 N_("what the rows are: customers, transactions, contracts or records"), &o_kind},
	{"sheet", OPT_STRING, "NAME", N_("the sheet to read (default: the first)"), &o_sheet},
	{"map", OPT_STRING, "MAP.json",
	 N_("a map of the file's headers to fields, for headers custody does not know "
	    "(docs/formats/table-map.md)"),
	 &o_map},
	{"year", OPT_STRING, "YYYY",
	 N_("customers: the profiles' year (default: this year); contracts, records: the year "
	    "of rows without a date"),
	 &o_year},
	{"org", OPT_STRING, "CODE",
	 N_("organisation (机构) code of DA/T 22, 1-3 letters or digits"), &o_org},
	{"rules", OPT_STRING, "FILE|DIR",
	 N_("the classification rules (docs/formats/rules.md; default: $CUSTODY_RULES, else the "
	    "installed rules)"),
	 &o_rules},
	{"dry-run", OPT_FLAG, NULL,
	 N_("read and map the sheet, show the columns and the rows that would be refused; "
	    "write nothing"),
	 &o_dry},
	{"json", OPT_FLAG, NULL, N_("one JSON line per refused row, then a summary line"), &o_json},
	{"quiet", OPT_FLAG, NULL, N_("print only the summary"), &o_quiet},
	{NULL, 0, NULL, NULL, NULL},
};

const cli_cmd cmd_import_xlsx_spec = {
	"custody import xlsx FILE --fonds CODE --kind customers|transactions|contracts|records "
	"[--sheet NAME] [--map MAP.json] [--dry-run]",
	N_("Import a sheet of an Excel workbook (.xlsx) as 'custody import csv' imports a CSV file:\n"
	   "the same headers, kinds, rejects and re-runs. The sheet is read as it is stored, without\n"
	   "loading the workbook into memory; a number Excel stored in scientific notation in an\n"
	   "identifier column is refused, dates stored as Excel serial numbers become dates. A row\n"
	   "is named by its row number in the sheet."),
	NULL,
	XLSX_OPTS,
	1,
	1,
};

const cli_cmd cmd_import_csv_spec = {
	"custody import csv FILE --fonds CODE --kind customers|transactions|contracts|records "
	"[--map MAP.json] [--encoding auto|utf-8|gb18030|big5] [--dry-run]",
	N_("Import a CSV export of a CRM or accounting package. Chinese and English headers\n"
	   "(客户编号, 客户名称, 身份证号, 手机号码, 电子邮件, 交易日期, 金额, 合同编号 ...) are\n"
	   "recognised; a map file names the others. The encoding (UTF-8, GBK/GB18030, Big5,\n"
	   "UTF-16) is detected, Excel's quirks are undone, and a title row above the header is\n"
	   "skipped.\n"
	   "customers: each row is a customer (the same person found again by ID number, else by\n"
	   "customer number, phone or e-mail) and a profile record. transactions: one statement\n"
	   "record per customer and year (import the customers first). contracts: a record per\n"
	   "row, linked to its customer. records: a record per row.\n"
	   "A row that cannot be taken (an ID number Excel turned into 1.10105E+17, no name, a\n"
	   "broken quote) is kept encrypted as a reject with its line and reason: see\n"
	   "'custody import rejects'. Importing the same file again adds nothing twice, so an\n"
	   "interrupted import is simply run again."),
	NULL,
	TABLE_OPTS,
	1,
	1,
};

static cy_table_import_opts topts;
static cy_table_map *tmap;

static void free_map(void)
{
	cy_table_map_free(tmap);
	tmap = NULL;
}

static bool xlsx_mode;

int cmd_import_xlsx_prepare(int argc, char **argv)
{
	xlsx_mode = true;
	return cmd_import_csv_prepare(argc, argv);
}

int cmd_import_csv_prepare(int argc, char **argv)
{
	int rc;

	(void)argc;
	memset(&topts, 0, sizeof(topts));
	if (!o_fonds || !o_kind) {
		cli_error(_("give the fonds and what the rows are: --fonds CODE --kind "
			    "customers|transactions|contracts|records"));
		return EXIT_USAGE;
	}
	if ((rc = cy_table_kind_parse(o_kind, &topts.kind))) {
		cli_fail(rc);
		return EXIT_USAGE;
	}
	topts.fonds = o_fonds;
	topts.path = argv[0];
	topts.format = xlsx_mode ? "xlsx" : "csv";
	topts.sheet = o_sheet;
	topts.dry_run = o_dry;
	if (access(argv[0], R_OK)) {
		cli_error(_("cannot read '%s': %s"), cli_safe(argv[0]), strerror(errno));
		return EXIT_ERR;
	}
	if (o_encoding && strcmp(o_encoding, "auto")) {
		static const char *const known[] = {"utf-8",  "utf8", "gb18030",  "gbk",
						    "gb2312", "big5", "utf-16le", "utf-16be"};
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || !strcasecmp(o_encoding, known[i]);
		if (!ok) {
			cli_error(_("--encoding must be auto, utf-8, gb18030, gbk, gb2312, big5, "
				    "utf-16le or utf-16be"));
			return EXIT_USAGE;
		}
		topts.table.encoding = o_encoding;
	}
	if (o_delim) {
		if (!strcmp(o_delim, "tab") || !strcmp(o_delim, "\\t"))
			topts.table.delimiter = '\t';
		else if (strlen(o_delim) == 1 && strchr(",;|\t", o_delim[0]))
			topts.table.delimiter = o_delim[0];
		else {
			cli_error(_("--delimiter must be ',', ';', '|' or 'tab'"));
			return EXIT_USAGE;
		}
	}
	if (cli_opt_year(o_year, &topts.year))
		return EXIT_USAGE;
	if (cli_opt_org(o_org))
		return EXIT_USAGE;
	topts.org = o_org;
	if ((rc = load_rules(o_rules)))
		return rc;
	topts.rules = g_rules;
	if (o_map) {
		if ((rc = cy_table_map_load(o_map, &tmap))) {
			cli_error(_("the map file cannot be used: %s"), cy_error_message());
			return EXIT_USAGE;
		}
		topts.table.map = tmap;
		atexit(free_map);
	}
	return 0;
}

typedef struct show {
	cy_buf b;
	double last;
	uint64_t rows, rejects;
} show;

static void clear_line(void)
{
	if (isatty(2))
		fputs("\r\033[K", stderr);
}

/* A refused row or message, as it comes: a JSON line ({"KEY":N,...}) with
 * --json, else (unless --quiet) the message fmt (line or number, reason) on
 * stderr. */
static void show_reject(show *s, bool json, bool quiet, const char *key, uint64_t n,
			const char *reason, const char *fmt)
{
	s->rejects++;
	if (json) {
		cy_buf_printf(&s->b, "{\"%s\":%llu,\"status\":\"rejected\",\"reason\":", key,
			      (unsigned long long)n);
		cy_json_cstr(&s->b, reason);
		cy_buf_putc(&s->b, '}');
		cli_json_line(&s->b);
		return;
	}
	if (quiet)
		return;
	clear_line();
	fprintf(stderr, fmt, (unsigned long long)n, cli_safe(reason));
}

/* The progress line on a terminal (fmt: how many read, how many refused), at
 * most five times a second; none with --json. */
static void show_progress(show *s, bool json, const cy_progress *p, const char *fmt)
{
	double now;

	if (!isatty(2) || json)
		return;
	now = cli_now();
	if (now - s->last < 0.2)
		return;
	s->last = now;
	fprintf(stderr, fmt, (unsigned long long)p->files_done, (unsigned long long)s->rejects);
}

/* How an import ended, after its summary: stopped (Ctrl-C or an error) or
 * with refused rows or messages (refused: the ngettext message, given the
 * count and the run), as an exit code. */
static int import_exit(int rc, const cy_import_counts *c, bool dry, int64_t run,
		       const char *refused)
{
	if (rc == CY_ECANCELLED) {
		cli_error(_("import stopped by Ctrl-C: what was committed stays; run the same "
			    "command again to import the rest (nothing is added twice)"));
		return EXIT_CANCELLED;
	}
	if (rc) {
		cli_error(_("import stopped: %s"), cy_error_message());
		cli_error(_("fix the cause and run the same command again; what was committed "
			    "stays and nothing is added twice"));
		return cli_exit_code(rc);
	}
	if (c->rejects && !dry) {
		cli_error(refused, (unsigned long long)c->rejects, run);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

static void on_header(void *arg, const cy_table *t)
{
	size_t n;
	const cy_table_column *c = cy_table_columns(t, &n);

	(void)arg;
	if (o_json || o_quiet || !o_dry)
		return;
	printf(_("header on line %llu; columns:\n"),
	       (unsigned long long)cy_table_get_counts(t)->header_line);
	for (size_t i = 0; i < n; i++) {
		printf("  %3zu  ", i + 1);
		cli_put_padded(stdout, cli_safe(c[i].header), 24);
		if (c[i].field >= 0)
			printf("-> %-12s (%s)\n", cy_table_field_name((cy_table_field)c[i].field),
			       cy_table_col_kind_name(c[i].kind));
		else
			printf("   (%s)\n", cy_table_col_kind_name(c[i].kind));
	}
}

static void on_reject(void *arg, uint64_t line, const char *reason)
{
	show_reject(arg, o_json, o_quiet, "line", line, reason,
		    _("custody: line %llu refused: %s\n"));
}

static int on_progress(void *arg, const cy_progress *p)
{
	show *s = arg;

	if (cli_cancelled())
		return 1;
	s->rows = p->files_done;
	show_progress(s, o_json, p, _("\rimporting: %llu rows read, %llu refused"));
	return 0;
}

int cmd_import_csv(cy_vault *v, int argc, char **argv)
{
	show s = {CY_BUF_INIT, 0, 0, 0};
	cy_table_import_events ev = {on_header, on_reject, on_progress, &s};
	cy_table_import_summary sum;
	const cy_import_counts *c = &sum.counts;
	double t0 = cli_now();
	int rc;

	(void)argc;
	(void)argv;
	cli_cancel_install();
	rc = cy_import_table(v, &topts, &ev, &sum);
	clear_line();
	if (rc && rc != CY_ECANCELLED && !c->rows) {
		rc = cli_fail(rc);
		goto out;
	}
	if (o_json) {
		cy_buf_printf(&s.b,
			      "{\"summary\":true,\"run\":%" PRId64 ",\"dry_run\":%s,\"rows\":%llu,"
			      "\"imported\":%llu,\"duplicates\":%llu,\"rejects\":%llu,"
			      "\"subjects\":%llu,\"subjects_updated\":%llu,\"names_differ\":%llu,"
			      "\"linked\":%llu,\"unlinked\":%llu,\"problems\":%llu,\"encoding\":",
			      sum.run, o_dry ? "true" : "false", (unsigned long long)c->rows,
			      (unsigned long long)c->imported, (unsigned long long)c->duplicates,
			      (unsigned long long)c->rejects, (unsigned long long)c->subjects,
			      (unsigned long long)sum.subjects_updated,
			      (unsigned long long)sum.names_differ, (unsigned long long)sum.linked,
			      (unsigned long long)sum.unlinked, (unsigned long long)sum.problems);
		cy_json_cstr(&s.b, sum.encoding);
		cy_buf_printf(&s.b, ",\"header_line\":%llu,\"seconds\":%.3f,\"stopped\":%s}",
			      (unsigned long long)sum.header_line, cli_now() - t0,
			      rc ? "true" : "false");
		cli_json_line(&s.b);
	} else if (o_dry) {
		printf(_("dry run: %llu rows read (%s, %s), %llu would be refused; nothing was "
			 "written\n"),
		       (unsigned long long)c->rows, sum.encoding, sum.encoding_source,
		       (unsigned long long)c->rejects);
	} else {
		printf(_("%llu rows read: %llu records imported, %llu already in the vault, "
			 "%llu customers added, %llu refused (run %" PRId64 "), in %.1f s\n"),
		       (unsigned long long)c->rows, (unsigned long long)c->imported,
		       (unsigned long long)c->duplicates, (unsigned long long)c->subjects,
		       (unsigned long long)c->rejects, sum.run, cli_now() - t0);
		if (sum.subjects_updated)
			printf(_("%llu customers already in the fonds were given the new phone, "
				 "e-mail, account or customer number of a later row\n"),
			       (unsigned long long)sum.subjects_updated);
		if (sum.names_differ)
			printf(_("%llu customers whose later rows differ in name: each keeps the name "
				 "of its first row\n"),
			       (unsigned long long)sum.names_differ);
		if (sum.unlinked)
			printf(_("%llu records name a customer who is not in the fonds: they are "
				 "imported without a link\n"),
			       (unsigned long long)sum.unlinked);
	}
	rc = import_exit(rc, c, o_dry, sum.run,
			 ngettext("%llu row was refused: 'custody import rejects %" PRId64
				  "' shows it with its line and reason",
				  "%llu rows were refused: 'custody import rejects %" PRId64
				  "' shows them with their lines and reasons",
				  (unsigned long)c->rejects));
out:
	cy_buf_wipe(&s.b);
	return rc;
}

/* ---- import rejects ---- */

static const char *o_rfonds, *o_output;
static bool o_rjson, o_runs;

static const cli_opt REJECT_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the newest run of this fonds (default: of any fonds)"),
	 &o_rfonds},
	{"output", OPT_STRING, "FILE",
	 N_("write the refused rows as they were in the file (mode 0600: they hold personal "
	    "data)"),
	 &o_output},
	{"runs", OPT_FLAG, NULL, N_("list the import runs instead"), &o_runs},
	{"json", OPT_FLAG, NULL, N_("one JSON line per refused row"), &o_rjson},
	{NULL, 0, NULL, NULL, NULL},
};

const cli_cmd cmd_import_rejects_spec = {
	"custody import rejects [RUN] [--fonds CODE] [-o FILE] [--runs]",
	N_("Show what an import refused: each row's line (1-based, the header is line 1 of its\n"
	   "file) or message number, and why. Without RUN, the newest import run. The rows\n"
	   "themselves are shown only with --json (base64) or written with -o FILE, exactly as\n"
	   "they were in the file; that file holds personal data. Reading them is logged."),
	NULL,
	REJECT_OPTS,
	0,
	1,
};

typedef struct rej_ctx {
	cy_buf b;
	cy_outfile of;
	bool to_file;
	uint64_t n;
	int rc;
} rej_ctx;

static int print_reject(void *arg, const cy_import_reject_info *r)
{
	rej_ctx *x = arg;

	x->n++;
	if (x->to_file) {
		if (write(x->of.fd, r->raw, r->raw_len) != (ssize_t)r->raw_len)
			return cy_error_set(CY_EIO, "cannot write '%s': %s", o_output,
					    strerror(errno));
		if (r->raw_len && r->raw[r->raw_len - 1] != '\n' && write(x->of.fd, "\n", 1) != 1)
			return cy_error_set(CY_EIO, "cannot write '%s': %s", o_output,
					    strerror(errno));
	}
	if (o_rjson || g_json) {
		cy_buf_printf(&x->b,
			      "{\"run\":%" PRId64 ",\"seq\":%" PRId64 ",\"line\":%llu,"
			      "\"reason\":",
			      r->run, r->seq, (unsigned long long)r->line);
		cy_json_cstr(&x->b, r->reason);
		cy_buf_puts(&x->b, ",\"raw_base64\":\"");
		cy_base64_encode(r->raw, r->raw_len, &x->b);
		cy_buf_printf(&x->b, "\",\"cut\":%s}", r->cut ? "true" : "false");
		cli_json_line(&x->b);
		cy_buf_wipe(&x->b);
	} else {
		printf(_("line %llu: %s\n"), (unsigned long long)r->line, cli_safe(r->reason));
	}
	return 0;
}

static int print_run(void *arg, const cy_import_run_info *r)
{
	cy_buf *b = arg;

	if (o_rjson || g_json) {
		cy_buf_printf(b,
			      "{\"run\":%" PRId64 ",\"fonds\":\"%s\",\"kind\":\"%s\",\"source\":",
			      r->id, r->fonds, r->kind);
		cy_json_cstr(b, r->source);
		cy_buf_printf(b,
			      ",\"started\":\"%s\",\"finished\":\"%s\",\"rows\":%llu,"
			      "\"imported\":%llu,\"duplicates\":%llu,\"rejects\":%llu,"
			      "\"subjects\":%llu}",
			      r->started, r->finished, (unsigned long long)r->counts.rows,
			      (unsigned long long)r->counts.imported,
			      (unsigned long long)r->counts.duplicates,
			      (unsigned long long)r->counts.rejects,
			      (unsigned long long)r->counts.subjects);
		cli_json_line(b);
		return 0;
	}
	printf("%6" PRId64 "  %-5s %-20s %-20s %8llu %8llu %8llu  ", r->id, r->fonds, r->kind,
	       r->started, (unsigned long long)r->counts.rows,
	       (unsigned long long)r->counts.imported, (unsigned long long)r->counts.rejects);
	cli_put_safe(stdout, r->source);
	if (!*r->finished)
		fputs(_("  (did not finish)"), stdout);
	putchar('\n');
	return 0;
}

int cmd_import_rejects_prepare(int argc, char **argv)
{
	int rc;

	if (argc == 1) {
		char *end;
		long long id = strtoll(argv[0], &end, 10);
		if (*end || id < 1) {
			cli_error(_("RUN is the number of an import run (see --runs)"));
			return EXIT_USAGE;
		}
	}
	if (o_output && (rc = cy_outfile_check(o_output, 0))) {
		cli_error("%s", cy_error_message());
		return EXIT_ERR;
	}
	return 0;
}

int cmd_import_rejects(cy_vault *v, int argc, char **argv)
{
	rej_ctx x;
	int64_t run = argc == 1 ? strtoll(argv[0], NULL, 10) : 0, shown = 0;
	int rc;

	memset(&x, 0, sizeof(x));
	if (o_runs) {
		if (!o_rjson && !g_json)
			printf("%6s  %-5s %-20s %-20s %8s %8s %8s  %s\n", _("run"), _("fonds"),
			       _("kind"), _("started"), _("rows"), _("imported"), _("refused"),
			       _("file"));
		rc = cy_import_runs(v, o_rfonds, print_run, &x.b);
		cy_buf_release(&x.b);
		return rc ? cli_fail(rc) : EXIT_OK;
	}
	if (o_output) {
		if ((rc = cy_outfile_open(&x.of, o_output, 0600, 0))) {
			cy_outfile_abort(&x.of);
			return cli_fail(rc);
		}
		x.to_file = true;
	}
	rc = cy_import_rejects(v, o_rfonds, run, print_reject, &x, &shown);
	if (x.to_file) {
		if (rc)
			cy_outfile_abort(&x.of);
		else
			rc = cy_outfile_commit(&x.of);
	}
	cy_buf_wipe(&x.b);
	if (rc)
		return cli_fail(rc);
	if (!o_rjson && !g_json) {
		if (!x.n)
			printf(_("import run %" PRId64 " refused nothing\n"), shown);
		else
			printf(ngettext("import run %" PRId64 ": %llu row refused\n",
					"import run %" PRId64 ": %llu rows refused\n",
					(unsigned long)x.n),
			       shown, (unsigned long long)x.n);
	}
	if (x.to_file)
		cli_error(_("'%s' holds personal data in plaintext (mode 0600): delete it when "
			    "done"),
			  cli_safe(o_output));
	return EXIT_OK;
}

/* ---- import mail ---- */

static const char *o_mfonds, *o_myear, *o_morg;
static bool o_mdry, o_mjson, o_mquiet;

static const cli_opt MAIL_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the fonds to import into"), &o_mfonds},
	{"year", OPT_STRING, "YYYY",
	 N_("the year of messages without a readable Date header (default: they are refused)"),
	 &o_myear},
	{"org", OPT_STRING, "CODE",
	 N_("organisation (机构) code of DA/T 22, 1-3 letters or digits"), &o_morg},
	{"rules", OPT_STRING, "FILE|DIR",
	 N_("the classification rules (docs/formats/rules.md; default: $CUSTODY_RULES, else the "
	    "installed rules)"),
	 &o_rules},
	{"dry-run", OPT_FLAG, NULL, N_("read every message and report; write nothing"), &o_mdry},
	{"json", OPT_FLAG, NULL, N_("one JSON line per refused message, then a summary line"),
	 &o_mjson},
	{"quiet", OPT_FLAG, NULL, N_("print only the summary"), &o_mquiet},
	{NULL, 0, NULL, NULL, NULL},
};

const cli_cmd cmd_import_mail_spec = {
	"custody import mail MBOX|DIR --fonds CODE [--year YYYY] [--dry-run]",
	N_("Import a mailbox: an mbox file, a folder of .eml files, or a Maildir. Each message\n"
	   "becomes a correspondence record holding the message exactly as found, its text and its\n"
	   "attachments, linked to the customers whose e-mail addresses it names. Charsets (GBK,\n"
	   "GB18030, Big5, RFC 2047 headers) are decoded. A message that cannot be read is kept\n"
	   "encrypted as a reject with its number and the reason ('custody import rejects').\n"
	   "Importing the same mailbox again adds nothing twice."),
	NULL,
	MAIL_OPTS,
	1,
	1,
};

static cy_mail_import_opts mopts;
static char mname[256];

int cmd_import_mail_prepare(int argc, char **argv)
{
	const char *slash;

	(void)argc;
	memset(&mopts, 0, sizeof(mopts));
	if (!o_mfonds) {
		cli_error(_("give the fonds: --fonds CODE"));
		return EXIT_USAGE;
	}
	if (access(argv[0], R_OK)) {
		cli_error(_("cannot read '%s': %s"), cli_safe(argv[0]), strerror(errno));
		return EXIT_ERR;
	}
	if (cli_opt_year(o_myear, &mopts.year))
		return EXIT_USAGE;
	if (cli_opt_org(o_morg))
		return EXIT_USAGE;
	mopts.fonds = o_mfonds;
	mopts.path = argv[0];
	mopts.org = o_morg;
	mopts.dry_run = o_mdry;
	{
		int rc = load_rules(o_rules);
		if (rc)
			return rc;
		mopts.rules = g_rules;
	}
	/* the base name, without a trailing slash */
	snprintf(mname, sizeof(mname), "%s", argv[0]);
	while (strlen(mname) > 1 && mname[strlen(mname) - 1] == '/')
		mname[strlen(mname) - 1] = 0;
	slash = strrchr(mname, '/');
	mopts.source_name = slash && slash[1] ? slash + 1 : mname;
	return 0;
}

static void on_mail_reject(void *arg, uint64_t number, const char *reason)
{
	show_reject(arg, o_mjson, o_mquiet, "message", number, reason,
		    _("custody: message %llu refused: %s\n"));
}

static int on_mail_progress(void *arg, const cy_progress *p)
{
	if (cli_cancelled())
		return 1;
	show_progress(arg, o_mjson, p, _("\rimporting: %llu messages read, %llu refused"));
	return 0;
}

int cmd_import_mail(cy_vault *v, int argc, char **argv)
{
	show s = {CY_BUF_INIT, 0, 0, 0};
	cy_mail_import_events ev = {on_mail_reject, on_mail_progress, &s};
	cy_mail_import_summary sum;
	const cy_import_counts *c = &sum.counts;
	double t0 = cli_now();
	int rc;

	(void)argc;
	(void)argv;
	cli_cancel_install();
	rc = cy_import_mail(v, &mopts, &ev, &sum);
	clear_line();
	if (rc && rc != CY_ECANCELLED && !c->rows) {
		rc = cli_fail(rc);
		goto out;
	}
	if (o_mjson) {
		cy_buf_printf(&s.b,
			      "{\"summary\":true,\"run\":%" PRId64
			      ",\"dry_run\":%s,\"messages\":%llu,"
			      "\"imported\":%llu,\"duplicates\":%llu,\"rejects\":%llu,"
			      "\"linked\":%llu,\"problems\":%llu,\"skipped\":%llu,"
			      "\"seconds\":%.3f,\"stopped\":%s}",
			      sum.run, o_mdry ? "true" : "false", (unsigned long long)c->rows,
			      (unsigned long long)c->imported, (unsigned long long)c->duplicates,
			      (unsigned long long)c->rejects, (unsigned long long)sum.linked,
			      (unsigned long long)sum.problems, (unsigned long long)sum.skipped,
			      cli_now() - t0, rc ? "true" : "false");
		cli_json_line(&s.b);
	} else if (o_mdry) {
		printf(_("dry run: %llu messages read, %llu would be refused; nothing was written\n"),
		       (unsigned long long)c->rows, (unsigned long long)c->rejects);
	} else {
		printf(_("%llu messages read: %llu records imported, %llu already in the vault, "
			 "%llu linked to customers, %llu refused (run %" PRId64 "), in %.1f s\n"),
		       (unsigned long long)c->rows, (unsigned long long)c->imported,
		       (unsigned long long)c->duplicates, (unsigned long long)sum.linked,
		       (unsigned long long)c->rejects, sum.run, cli_now() - t0);
	}
	rc = import_exit(rc, c, o_mdry, sum.run,
			 ngettext("%llu message was refused: 'custody import rejects %" PRId64
				  "' shows it with its number and reason",
				  "%llu messages were refused: 'custody import rejects %" PRId64
				  "' shows them with their numbers and reasons",
				  (unsigned long)c->rejects));
out:
	cy_buf_wipe(&s.b);
	return rc;
}
