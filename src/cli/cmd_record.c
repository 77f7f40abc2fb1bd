/* cmd_record.c - custody record amend: correct what a record says about itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "base/banned.h"

static const char *o_year, *o_class, *o_title, *o_date, *o_retention;

static const cli_opt AMEND_OPTS[] = {
	{"year", OPT_STRING, "YYYY", N_("the year the document was formed (年度)"), &o_year},
	{"class", OPT_STRING, "CLASS", N_("customer contract transaction accounting correspondence other"), &o_class},
	{"title", OPT_STRING, "TEXT", N_("the record's title"), &o_title},
	{"date", OPT_STRING, "DATE", N_("the date the document was formed: YYYY, YYYY-MM or YYYY-MM-DD (\"\" clears it)"), &o_date},
	{"retention", OPT_STRING, "Y|D30|D10", N_("retention period"), &o_retention},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd AMEND = {
	"custody record amend ARCHIVE_NO [--year YYYY] [--class CLASS] [--title TEXT] [--date DATE] [--retention R]",
	N_("Correct a record (archivist). A changed year, class or retention moves the record to the\n"
	   "next free number of its new group; the old number keeps working and says where the record\n"
	   "went. The change is in the audit ledger (which fields, never their values)."),
	NULL, AMEND_OPTS, 1, 1,
};

static int record_amend(int argc, char **argv)
{
	char **args, new_no[64];
	int n, rc;
	cy_vault *v = NULL;
	cy_record_amend a = {.klass = -1};

	if ((rc = cli_parse(&AMEND, argc, argv, &args, &n)))
		return rc < 0 ? EXIT_OK : rc;
	if (o_year) {
		char *end;
		long y;
		errno = 0;
		y = strtol(o_year, &end, 10);
		if (errno || *end || y < 1900 || y > 9999) {
			cli_error(_("--year must be a four-digit year"));
			free(args);
			return EXIT_USAGE;
		}
		a.year = (int)y;
	}
	if (o_class) {
		cy_class k;
		if ((rc = cy_class_parse(o_class, &k))) {
			cli_fail(rc);
			free(args);
			return EXIT_USAGE;
		}
		a.klass = (int)k;
	}
	if (o_retention && !cy_retention_valid(o_retention)) {
		cli_error(_("--retention must be Y, D30 or D10"));
		free(args);
		return EXIT_USAGE;
	}
	a.title = o_title;
	a.date = o_date;
	a.retention = o_retention;
	if (!(rc = cli_open(&v)))
		rc = cy_record_amend_apply(v, args[0], &a, new_no);
	if (!rc) {
		if (strcmp(new_no, args[0]))
			printf(_("amended %s: it is now %s (the old number still finds it)\n"), args[0], new_no);
		else
			printf(_("amended %s\n"), new_no);
	}
	cy_vault_close(v);
	free(args);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static const subcmd SUB[] = {
	{"amend", record_amend, N_("correct a record's year, class, title or date")},
	{NULL, NULL, NULL},
};

int cmd_record(int argc, char **argv)
{
	return run_subcommand("record", SUB, argc, argv);
}
