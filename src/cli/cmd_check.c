/* cmd_check.c - custody check: objects, catalog and ledger, with a list of
 * every problem; exit 0 only when everything holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/banned.h"

static bool o_json;

static const cli_opt OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("one JSON object: {\"ok\": bool, \"problems\": [...], ...}"),
	 &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_check_spec = {
	"custody check [--json]",
	N_("Verify that every object is present, decrypts and matches its recorded SHA-256, that the\n"
	   "catalog is consistent (numbering without gaps) and that the ledger verifies. Records of fonds\n"
	   "you hold no key for are checked for presence only. Exit status 0 only if all holds."),
	NULL,
	OPTS,
	0,
	0,
};

typedef struct out {
	cy_buf problems, warnings;
	int np, nw;
} out;

static void add(cy_buf *b, int *n, const cy_check_problem *p)
{
	if (*n)
		cy_buf_putc(b, ',');
	cy_buf_puts(b, "{\"archive_no\":");
	if (p->archive_no)
		cy_json_cstr(b, p->archive_no);
	else
		cy_buf_puts(b, "null");
	cy_buf_puts(b, ",\"problem\":");
	cy_json_cstr(b, p->problem);
	cy_buf_putc(b, '}');
	(*n)++;
}

static void on_problem(void *arg, const cy_check_problem *p)
{
	out *o = arg;

	if (o_json)
		add(&o->problems, &o->np, p);
	else {
		if (isatty(2))
			fputs("\r\033[K", stderr);
		if (p->archive_no && !strstr(p->problem, p->archive_no))
			printf(_("PROBLEM %s: %s\n"), cli_safe(p->archive_no),
			       cli_safe(p->problem));
		else
			printf(_("PROBLEM %s\n"), cli_safe(p->problem));
		o->np++;
	}
}

static void on_warning(void *arg, const cy_check_problem *p)
{
	out *o = arg;

	if (o_json)
		add(&o->warnings, &o->nw, p);
	else {
		printf(_("warning %s\n"), cli_safe(p->problem));
		o->nw++;
	}
}

int cmd_check(cy_vault *v, int argc, char **argv)
{
	int rc;
	out o = {CY_BUF_INIT, CY_BUF_INIT, 0, 0};
	cy_check_stats st;
	cli_progress prog;
	cy_buf b = CY_BUF_INIT;

	(void)argc;
	(void)argv;
	cli_cancel_install();
	cli_progress_init(&prog, _("checking"));
	rc = cy_vault_check(v, on_problem, on_warning, &o, cli_progress_cb, &prog, &st);
	cli_progress_done(&prog);
	if (rc == CY_ECANCELLED) {
		uint64_t left = prog.files_total > st.records ? prog.files_total - st.records : 0;
		/* TRANSLATORS: the first %llu is a count of records, the second the total */
		cli_error(ngettext("check stopped by Ctrl-C after %llu of %llu record",
				   "check stopped by Ctrl-C after %llu of %llu records",
				   (unsigned long)prog.files_total),
			  (unsigned long long)st.records, (unsigned long long)prog.files_total);
		cli_error(ngettext("not checked: %llu record and the ledger; %s",
				   "not checked: %llu records and the ledger; %s",
				   (unsigned long)left),
			  (unsigned long long)left,
			  st.problems ? _("problems were found in what was checked (see above)")
				      : _("no problem in what was checked"));
		rc = EXIT_CANCELLED;
		goto out;
	}
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	if (o_json) {
		cy_buf_printf(
			&b,
			"{\"ok\":%s,\"problems\":[%s],\"warnings\":[%s],\"records\":%llu,"
			"\"verified\":%llu,\"unverifiable\":%llu,\"packs\":%llu,\"bytes\":%llu,"
			"\"ledger_entries\":%llu,\"checkpoints\":%llu}",
			st.problems ? "false" : "true", cy_buf_cstr(&o.problems),
			cy_buf_cstr(&o.warnings), (unsigned long long)st.records,
			(unsigned long long)st.verified, (unsigned long long)st.unverifiable,
			(unsigned long long)st.packs, (unsigned long long)st.bytes,
			(unsigned long long)st.ledger_entries, (unsigned long long)st.checkpoints);
		cli_json_line(&b);
	} else {
		/* TRANSLATORS: "N records: " begins the line; the rest follows */
		printf(ngettext("%llu record: ", "%llu records: ", (unsigned long)st.records),
		       (unsigned long long)st.records);
		printf(ngettext("%llu verified, ", "%llu verified, ", (unsigned long)st.verified),
		       (unsigned long long)st.verified);
		printf(ngettext("%llu not verifiable without its fonds key; ",
				"%llu not verifiable without their fonds key; ",
				(unsigned long)st.unverifiable),
		       (unsigned long long)st.unverifiable);
		printf(ngettext("ledger: %llu entry, ", "ledger: %llu entries, ",
				(unsigned long)st.ledger_entries),
		       (unsigned long long)st.ledger_entries);
		printf(ngettext("%llu checkpoint\n", "%llu checkpoints\n",
				(unsigned long)st.checkpoints),
		       (unsigned long long)st.checkpoints);
		if (st.problems)
			printf(ngettext("%llu problem found\n", "%llu problems found\n",
					(unsigned long)st.problems),
			       (unsigned long long)st.problems);
		else
			printf(_("ok: everything checked holds\n"));
	}
	rc = st.problems ? EXIT_INTEGRITY : EXIT_OK;
out:
	cy_buf_release(&b);
	cy_buf_release(&o.problems);
	cy_buf_release(&o.warnings);
	return rc;
}
