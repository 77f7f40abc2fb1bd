/* cmd_fonds.c - custody fonds add | list | status. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *o_name, *o_uscc, *o_date;
static bool o_json, o_force;

static const cli_opt ADD_OPTS[] = {
	{"name", OPT_STRING, "NAME", N_("the company's registered name"), &o_name},
	{"uscc", OPT_STRING, "CODE", N_("its unified social credit code (18 characters, GB 32100)"),
	 &o_uscc},
	{"force", OPT_FLAG, NULL, N_("allow a credit code that another fonds already has"),
	 &o_force},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd ADD = {
	"custody fonds add CODE --name NAME [--uscc CODE] [--force]",
	N_("Take a company's records into custody as a fonds (archivist only; you are granted it).\n"
	   "CODE is the 4-character fonds number of DA/T 22, e.g. Z109. A second fonds with the\n"
	   "credit code of an existing one needs --force (and the ledger says which one)."),
	NULL,
	ADD_OPTS,
	1,
	1,
};
static const cli_opt LIST_OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("JSON Lines output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd LIST = {
	"custody fonds list [--json]",
	N_("List the fonds you can see: archivists and viewers see those granted to them."),
	NULL,
	LIST_OPTS,
	0,
	0,
};

static const cli_opt STATUS_OPTS[] = {
	{"date", OPT_STRING, "YYYY-MM-DD", N_("the date the status took effect"), &o_date},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd STATUS = {
	"custody fonds status CODE STATUS --date YYYY-MM-DD",
	N_("Record the company's status (archivist holding the fonds): operating, transferring,\n"
	   "deregistering or deregistered, as of --date. Logged; shown by 'fonds list'."),
	NULL,
	STATUS_OPTS,
	2,
	2,
};

static int fonds_add_prepare(int n, char **args)
{
	(void)n;
	(void)args;
	if (!o_name) {
		cli_error(_("give the company's name with --name"));
		return EXIT_USAGE;
	}
	return 0;
}

static int fonds_add(cy_vault *v, int n, char **args)
{
	int rc;

	(void)n;
	rc = cy_fonds_add_ext(v, args[0], o_name, o_uscc, o_force ? CY_FONDS_SAME_USCC : 0);
	if (!rc)
		printf(_("added fonds %s (%s)\n"), args[0], o_name);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int print_fonds(void *arg, const cy_fonds_info *f)
{
	cy_buf *b = arg;
	char size[32];

	if (o_json) {
		cy_buf_puts(b, "{\"code\":");
		cy_json_cstr(b, f->code);
		cy_buf_puts(b, ",\"name\":");
		cy_json_cstr(b, f->name);
		cy_buf_puts(b, ",\"uscc\":");
		cy_json_cstr(b, f->uscc);
		cy_buf_puts(b, ",\"status\":");
		cy_json_cstr(b, f->status);
		cy_buf_puts(b, ",\"status_date\":");
		if (*f->status_date)
			cy_json_cstr(b, f->status_date);
		else
			cy_buf_puts(b, "null");
		cy_buf_puts(b, ",\"created\":");
		cy_json_cstr(b, f->created);
		cy_buf_printf(b, ",\"records\":%lld,\"bytes\":%llu,\"held\":%s}",
			      (long long)f->records, (unsigned long long)f->bytes,
			      f->held ? "true" : "false");
		cli_json_line(b);
	} else {
		cli_bytes(f->bytes, size);
		printf("%-6s %-18s ", cli_safe(f->code), *f->uscc ? cli_safe(f->uscc) : "-");
		cli_put_padded(stdout, cli_value("status", f->status), 13);
		printf(" %-10s %8lld %10s  ", *f->status_date ? cli_safe(f->status_date) : "-",
		       (long long)f->records, size);
		cli_put_safe(stdout, f->name);
		putchar('\n');
	}
	return 0;
}

static int fonds_list(cy_vault *v, int n, char **args)
{
	int rc;
	cy_buf b = CY_BUF_INIT;

	(void)n;
	(void)args;
	if (!o_json)
		printf("%-6s %-18s %-13s %-10s %8s %10s  %s\n", _("CODE"), _("USCC"), _("STATUS"),
		       _("SINCE"), _("RECORDS"), _("SIZE"), _("NAME"));
	rc = cy_fonds_list(v, print_fonds, &b);
	cy_buf_release(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

/* Usage checks, before any password prompt. */
static int fonds_status_prepare(int n, char **args)
{
	int y, m, d, rc;

	(void)n;
	if (!o_date) {
		cli_error(_("give the date the status took effect with --date YYYY-MM-DD"));
		return EXIT_USAGE;
	}
	if (!cy_fonds_status_valid(args[1])) {
		cli_error(
			_("unknown fonds status '%s' (statuses: operating transferring deregistering "
			  "deregistered)"),
			args[1]);
		return EXIT_USAGE;
	}
	if ((rc = cy_date_parse(o_date, &y, &m, &d))) {
		cli_fail(rc);
		return EXIT_USAGE;
	}
	return 0;
}

static int fonds_status(cy_vault *v, int n, char **args)
{
	int rc;

	(void)n;
	size_t restricted = 0;

	rc = cy_fonds_set_status_ext(v, args[0], args[1], o_date, &restricted);
	if (!rc)
		printf(_("fonds %s: %s as of %s\n"), args[0], args[1], o_date);
	if (!rc && restricted)
		printf(_("%zu records whose legal period still runs are now store-only (PIPL Art. 47 "
			 "para. 2); customer data with no legal period is due for destruction (custody "
			 "retention due)\n"),
		       restricted);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_fonds_sub[] = {
	{"add", fonds_add, &ADD, NEEDS_UNLOCK, N_("take a company into custody"), NULL,
	 fonds_add_prepare},
	{"list", fonds_list, &LIST, NEEDS_UNLOCK, N_("list fonds"), NULL, NULL},
	{"status", fonds_status, &STATUS, NEEDS_UNLOCK,
	 N_("record a company's status as of a date"), NULL, fonds_status_prepare},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
