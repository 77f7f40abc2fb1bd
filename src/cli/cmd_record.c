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

/* ---- record restrict (store-only, PIPL Art. 47 ¶2; cmd_hold.c has the holds) ---- */

static const char *o_reason;

static const cli_opt RESTRICT_OPTS[] = {
	{"reason", OPT_STRING, "art47-1..art47-5",
	 N_("the deletion trigger of PIPL Art. 47 ¶1 that applies (art47-2: the business stopped)"),
	 &o_reason},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd RESTRICT = {
	"custody record restrict ARCHIVE_NO... --reason art47-N",
	N_("Make records store-only (archivist): a legal period still runs, so they are kept,\n"
	   "backed up and checked, but not shown, read, searched, exported or handed over except\n"
	   "through an approved exception (custody access request)."),
	NULL,
	RESTRICT_OPTS,
	1,
	1 << 20,
};

static int record_restrict_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!cy_restrict_reason_valid(o_reason)) {
		cli_error(_("--reason must be one of art47-1 ... art47-5"));
		return EXIT_USAGE;
	}
	return 0;
}

static int record_restrict(cy_vault *v, int argc, char **argv)
{
	char(*nos)[64] = calloc((size_t)argc, sizeof(*nos));
	const char **ptrs = calloc((size_t)argc, sizeof(*ptrs));
	int rc = 0;

	if (!nos || !ptrs) {
		cli_error(_("out of memory"));
		rc = EXIT_ERR;
		goto out;
	}
	for (int i = 0; i < argc; i++) {
		if ((rc = cli_archive_no(argv[i], nos[i])))
			goto out;
		ptrs[i] = nos[i];
	}
	if ((rc = cy_record_restrict(v, ptrs, (size_t)argc, o_reason))) {
		rc = argc == 1 ? cli_fail_record(v, nos[0], rc) : cli_fail(rc);
		goto out;
	}
	printf(ngettext("%d record is store-only (%s)\n", "%d records are store-only (%s)\n",
			(unsigned long)argc),
	       argc, o_reason);
out:
	free(nos);
	free(ptrs);
	return rc;
}

const cli_command cmd_record_sub[] = {
	{"restrict", record_restrict, &RESTRICT, NEEDS_UNLOCK,
	 N_("make records store-only (PIPL Art. 47 ¶2)"), NULL, record_restrict_prepare},
	{"amend", record_amend, &AMEND, NEEDS_UNLOCK,
	 N_("correct a record's year, class, title or date"), NULL, record_amend_prepare},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
