/* cmd_import.c - custody import files DIR: one record per file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/ingest.h"
#include "custody/rules.h"
#include "custody/banned.h"

static const char *o_fonds, *o_class, *o_year, *o_retention, *o_org, *o_sidecar, *o_rules,
	*o_subject;
static bool o_json, o_quiet;

static const cli_opt OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the fonds to import into"), &o_fonds},
	{"class", OPT_STRING, "CLASS",
	 N_("customer contract transaction accounting correspondence other unclassified; without "
	    "it each file is classified by the rules"),
	 &o_class},
	{"rules", OPT_STRING, "FILE|DIR",
	 N_("the classification rules (docs/formats/rules.md; default: $CUSTODY_RULES, else the "
	    "installed rules)"),
	 &o_rules},
	{"year", OPT_STRING, "YYYY",
	 N_("the year the documents were formed (年度); needed unless the sidecar gives each file's year"),
	 &o_year},
	{"sidecar", OPT_STRING, "META.csv",
	 N_("a CSV describing the files: columns file, year, title, class, date (docs/formats/sidecar.md)"),
	 &o_sidecar},
	{"retention", OPT_STRING, "Y|D30|D10",
	 N_("retention period (default by class: D30, correspondence and other D10)"),
	 &o_retention},
	{"org", OPT_STRING, "CODE",
	 N_("organisation (机构) code of DA/T 22, 1-3 letters or digits"), &o_org},
	{"subject", OPT_STRING, "ID",
	 N_("link every imported file to this subject (customer) of the fonds, e.g. Z109-C000001"),
	 &o_subject},
	{"json", OPT_FLAG, NULL, N_("one JSON line per file, then a summary line"), &o_json},
	{"quiet", OPT_FLAG, NULL, N_("print only problems and the summary"), &o_quiet},
	{NULL, 0, NULL, NULL, NULL},
};

static const cli_cmd CMD = {
	"custody import files DIR --fonds CODE [--class CLASS | --rules FILE] [--year YYYY] [--sidecar META.csv] [--retention Y|D30|D10] [--subject ID]",
	N_("Import every file under DIR (recursively) as one record with a DA/T 22 archive number\n"
	   "CODE-门类·YEAR-RETENTION-NNNN. YEAR is the year the document was formed (年度): per file from\n"
	   "a sidecar CSV, else --year, else the document's own date (a PDF's creation date, a photo's\n"
	   "EXIF date); never from file times, which copying changes. A file with no year is refused.\n"
	   "Without --class, each file the sidecar gives no class is classified by the rule pack (its\n"
	   "name, format and first KiB of text; the first rule that matches wins) and gets the rule's\n"
	   "retention; a file no rule matches is imported as class 'unclassified' for review.\n"
	   "Files already in the fonds are recognised and skipped, so an\n"
	   "interrupted import is simply run again. Symbolic links, special files and names that are\n"
	   "not UTF-8 are reported and left out; a full disk stops the import cleanly."),
	NULL,
	OPTS,
	1,
	1,
};

static const char *STATUS[] = {"imported", "duplicate", "skipped", "failed"};

static void on_file(void *arg, const cy_file_event *e)
{
	cy_buf *b = arg;

	if (o_json) {
		cy_buf_puts(b, "{\"path\":");
		cy_json_cstr(b, e->path);
		cy_buf_printf(b, ",\"status\":\"%s\"", STATUS[e->status]);
		if (e->archive_no) {
			cy_buf_puts(b, ",\"archive_no\":");
			cy_json_cstr(b, e->archive_no);
		}
		if (e->reason) {
			cy_buf_puts(b, ",\"reason\":");
			cy_json_cstr(b, e->reason);
		}
		cy_buf_putc(b, '}');
		cli_json_line(b);
		return;
	}
	if (e->status == CY_FILE_FAILED || e->status == CY_FILE_SKIPPED) {
		/* clear the progress line first */
		if (isatty(2))
			fputs("\r\033[K", stderr);
		fprintf(stderr, "custody: ");
		cli_put_safe(stderr, e->path);
		fprintf(stderr, ": %s\n", e->reason);
	} else if (!o_quiet && !isatty(1)) {
		printf("%s\t%s\t", STATUS[e->status], e->archive_no);
		cli_put_safe(stdout, e->path);
		putchar('\n');
	}
}

static cy_import_opts opts;
static cy_rules *rules;

/* Usage checks, before any password prompt. */
static int import_files_prepare(int argc, char **argv)
{
	int rc;

	(void)argc;
	(void)argv;
	memset(&opts, 0, sizeof(opts));
	if (!o_fonds) {
		cli_error(_("give the fonds: --fonds CODE"));
		return EXIT_USAGE;
	}
	if (o_class && o_rules) {
		cli_error(_("give --class or --rules, not both"));
		return EXIT_USAGE;
	}
	opts.fonds = o_fonds;
	opts.sidecar = o_sidecar;
	opts.subject = o_subject;
	if (o_class && (rc = cy_class_parse(o_class, &opts.klass))) {
		cli_fail(rc);
		return EXIT_USAGE;
	}
	if (cli_opt_year(o_year, &opts.year))
		return EXIT_USAGE;
	if (o_retention && !cy_retention_valid(o_retention)) {
		cli_error(_("--retention must be Y, D30 or D10"));
		return EXIT_USAGE;
	}
	if (cli_opt_org(o_org))
		return EXIT_USAGE;
	opts.retention = o_retention;
	opts.org = o_org;
	/* no class: the rules classify each file (loaded now: a broken pack stops us early) */
	if (!o_class) {
		rc = o_rules ? cy_rules_load(o_rules, &rules) : cy_rules_load_default(&rules);
		if (rc) {
			int code = cli_fail(rc);
			if (!o_rules && rc == CY_ENOTFOUND)
				cli_error(_("give the class with --class CLASS, or the rules with "
					    "--rules FILE (or CUSTODY_RULES)"));
			return code;
		}
		opts.rules = rules;
	}
	return 0;
}

static int import_files(cy_vault *v, int argc, char **argv)
{
	int rc;
	cy_import_summary sum;
	cli_progress prog;
	cy_buf b = CY_BUF_INIT;
	char bytes[32];
	double t0;

	(void)argc;
	cli_cancel_install();
	cli_progress_init(&prog, _("importing"));
	opts.count_first = prog.on; /* totals only for a bar on a terminal */
	t0 = cli_now();
	rc = cy_import_tree(v, argv[0], &opts, on_file, &b, cli_progress_cb, &prog, &sum);
	cli_progress_done(&prog);
	if (rc && !sum.stopped) {
		rc = cli_fail(rc);
		goto out;
	}
	cli_bytes(sum.bytes, bytes);
	if (o_json) {
		cy_buf_printf(
			&b,
			"{\"summary\":true,\"imported\":%llu,\"unclassified\":%llu,\"duplicates\":%llu,"
			"\"skipped\":%llu,\"failed\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
			"\"stopped\":%s}",
			(unsigned long long)sum.imported, (unsigned long long)sum.unclassified,
			(unsigned long long)sum.duplicates, (unsigned long long)sum.skipped,
			(unsigned long long)sum.failed, (unsigned long long)sum.bytes,
			cli_now() - t0, sum.stopped ? "true" : "false");
		cli_json_line(&b);
	} else {
		printf(_("%llu imported (%s), %llu already in the vault, %llu skipped, %llu failed, in %.1f s\n"),
		       (unsigned long long)sum.imported, bytes, (unsigned long long)sum.duplicates,
		       (unsigned long long)sum.skipped, (unsigned long long)sum.failed,
		       cli_now() - t0);
		if (sum.unclassified)
			cli_error(ngettext("%llu file matched no classification rule: imported as "
					   "class 'unclassified' for review (see custody ls)",
					   "%llu files matched no classification rule: imported as "
					   "class 'unclassified' for review (see custody ls)",
					   (unsigned long)sum.unclassified),
				  (unsigned long long)sum.unclassified);
	}
	if (rc == CY_ECANCELLED) {
		uint64_t seen = sum.imported + sum.duplicates + sum.skipped + sum.failed;
		uint64_t left = prog.files_total > seen ? prog.files_total - seen : 0;
		cli_error(
			ngettext(
				"import stopped by Ctrl-C after %llu of %llu file: what is listed as "
				"imported is in the vault",
				"import stopped by Ctrl-C after %llu of %llu files: what is listed as "
				"imported is in the vault",
				(unsigned long)prog.files_total),
			(unsigned long long)seen, (unsigned long long)prog.files_total);
		cli_error(
			ngettext(
				"not imported: %llu file not reached; run the same command again to "
				"import it (files already in the vault are recognised)",
				"not imported: %llu files not reached; run the same command again to "
				"import them (files already in the vault are recognised)",
				(unsigned long)left),
			(unsigned long long)left);
		rc = EXIT_CANCELLED;
	} else if (sum.stopped) {
		cli_error(_("import stopped: %s"), cy_error_message());
		cli_error(_(
			"the files of the unfinished batch were not imported; fix the cause and run the "
			"same command again"));
		rc = cli_exit_code(rc);
	} else {
		rc = sum.failed ? EXIT_ERR : EXIT_OK;
		if (sum.failed)
			cli_error(
				ngettext("%llu file could not be imported (see the messages above)",
					 "%llu files could not be imported (see the messages above)",
					 (unsigned long)sum.failed),
				(unsigned long long)sum.failed);
	}
out:
	cy_buf_release(&b);
	cy_rules_free(rules);
	rules = NULL;
	return rc;
}

const cli_command cmd_import_sub[] = {
	{"files", import_files, &CMD, NEEDS_UNLOCK,
	 N_("import a directory of files, one record per file"), NULL, import_files_prepare},
	{"csv", cmd_import_csv, &cmd_import_csv_spec, NEEDS_UNLOCK,
	 N_("import a CRM's CSV export as customers and records"), NULL, cmd_import_csv_prepare},
	{"xlsx", cmd_import_csv, &cmd_import_xlsx_spec, NEEDS_UNLOCK,
	 N_("import a sheet of an Excel workbook as customers and records"), NULL,
	 cmd_import_xlsx_prepare},
	{"mail", cmd_import_mail, &cmd_import_mail_spec, NEEDS_UNLOCK,
	 N_("import a mailbox (mbox, .eml files, Maildir), one record per message"), NULL,
	 cmd_import_mail_prepare},
	{"rejects", cmd_import_rejects, &cmd_import_rejects_spec, NEEDS_UNLOCK,
	 N_("show what an import refused, by line, and why"), NULL, cmd_import_rejects_prepare},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
