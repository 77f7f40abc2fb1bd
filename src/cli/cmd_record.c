/* cmd_record.c - custody record amend: correct what a record says about itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *o_year, *o_class, *o_title, *o_date, *o_retention;

static const cli_opt AMEND_OPTS[] = {
	{"year", OPT_STRING, "YYYY", N_("the year the document was formed (年度)"), &o_year},
	{"class", OPT_STRING, "CLASS",
	 N_("customer contract transaction accounting correspondence other"), &o_class},
	{"title", OPT_STRING, "TEXT", N_("the record's title"), &o_title},
	{"date", OPT_STRING, "DATE",
	 N_("the date the document was formed: YYYY, YYYY-MM or YYYY-MM-DD (\"\" clears it)"),
	 &o_date},
	{"retention", OPT_STRING, "Y|D30|D10", N_("retention period"), &o_retention},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd AMEND = {
	"custody record amend ARCHIVE_NO [--year YYYY] [--class CLASS] [--title TEXT] [--date DATE] [--retention R]",
	N_("Correct a record (archivist). A changed year, class or retention moves the record to the\n"
	   "next free number of its new group; the old number keeps working and says where the record\n"
	   "went. The change is in the audit ledger (which fields, never their values)."),
	NULL,
	AMEND_OPTS,
	1,
	1,
};

static cy_record_amend amend;

/* Usage checks, before any password prompt. */
static int record_amend_prepare(int argc, char **argv)
{
	cy_record_amend a = {.klass = -1};
	int rc;

	(void)argc;
	(void)argv;
	if (cli_opt_year(o_year, &a.year))
		return EXIT_USAGE;
	if (o_class) {
		cy_class k;
		if ((rc = cy_class_parse(o_class, &k))) {
			cli_fail(rc);
			return EXIT_USAGE;
		}
		a.klass = (int)k;
	}
	if (o_retention && !cy_retention_valid(o_retention)) {
		cli_error(_("--retention must be Y, D30 or D10"));
		return EXIT_USAGE;
	}
	a.title = o_title;
	a.date = o_date;
	a.retention = o_retention;
	amend = a;
	return 0;
}

static int record_amend(cy_vault *v, int argc, char **argv)
{
	char no[64], new_no[64];
	int rc;

	(void)argc;
	if ((rc = cli_archive_no(argv[0], no)))
		return rc;
	if ((rc = cy_record_amend_apply(v, no, &amend, new_no)))
		return cli_fail_record(v, no, rc);
	if (strcmp(new_no, no))
		printf(_("amended %s: it is now %s (the old number still finds it)\n"), no, new_no);
	else
		printf(_("amended %s\n"), new_no);
	return EXIT_OK;
}

const cli_command cmd_record_sub[] = {
	{"amend", record_amend, &AMEND, NEEDS_UNLOCK,
	 N_("correct a record's year, class, title or date"), NULL, record_amend_prepare},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
