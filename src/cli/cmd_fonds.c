/* cmd_fonds.c - custody fonds add | list. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/banned.h"

static const char *o_name, *o_uscc;
static bool o_json;

static const cli_opt ADD_OPTS[] = {
	{"name", OPT_STRING, "NAME", N_("the company's registered name"), &o_name},
	{"uscc", OPT_STRING, "CODE", N_("its unified social credit code (18 characters, GB 32100)"), &o_uscc},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd ADD = {
	"custody fonds add CODE --name NAME [--uscc CODE]",
	N_("Take a company's records into custody as a fonds (archivist only; you are granted it).\n"
	   "CODE is the 4-character fonds number of DA/T 22, e.g. Z109."),
	NULL, ADD_OPTS, 1, 1,
};
static const cli_opt LIST_OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("JSON Lines output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd LIST = {
	"custody fonds list [--json]",
	N_("List the fonds you can see: archivists and viewers see those granted to them."),
	NULL, LIST_OPTS, 0, 0,
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
	rc = cy_fonds_add(v, args[0], o_name, o_uscc);
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
		cy_buf_printf(b, ",\"status\":\"%s\",\"created\":\"%s\",\"records\":%lld,\"bytes\":%llu,"
			      "\"held\":%s}",
			      f->status, f->created, (long long)f->records, (unsigned long long)f->bytes,
			      f->held ? "true" : "false");
		cli_json_line(b);
	} else {
		cli_bytes(f->bytes, size);
		printf("%-6s %-18s ", f->code, *f->uscc ? f->uscc : "-");
		cli_put_padded(stdout, cli_value("status", f->status), 12);
		printf(" %8lld %10s  %s\n", (long long)f->records, size, f->name);
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
		printf("%-6s %-18s %-12s %8s %10s  %s\n", _("CODE"), _("USCC"), _("STATUS"), _("RECORDS"),
		       _("SIZE"), _("NAME"));
	rc = cy_fonds_list(v, print_fonds, &b);
	cy_buf_release(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_fonds_sub[] = {
	{"add", fonds_add, &ADD, NEEDS_UNLOCK, N_("take a company into custody"), NULL, fonds_add_prepare},
	{"list", fonds_list, &LIST, NEEDS_UNLOCK, N_("list fonds"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
