/* cmd_ls.c - custody ls: list the records of the fonds you hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/destroy.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *o_fonds;
static bool o_json, o_all;

static const cli_opt OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("only this fonds"), &o_fonds},
	{"json", OPT_FLAG, NULL, N_("JSON Lines: one object per record"), &o_json},
	{"all", OPT_FLAG, NULL, N_("also destroyed records"), &o_all},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_ls_spec = {
	"custody ls [--fonds CODE] [--json] [--all]",
	N_("List the records of the fonds granted to you, in archive-number order."),
	NULL,
	OPTS,
	0,
	0,
};

void cli_record_json(cy_buf *b, const cy_record_info *r)
{
	cy_buf_puts(b, "{\"archive_no\":");
	cy_json_cstr(b, r->archive_no);
	cy_buf_puts(b, ",\"fonds\":");
	cy_json_cstr(b, r->fonds);
	cy_buf_printf(b,
		      ",\"class\":\"%s\",\"year\":%d,\"retention\":\"%s\",\"org\":", r->class_name,
		      r->year, r->retention);
	cy_json_cstr(b, r->org);
	cy_buf_printf(b, ",\"item\":%lld,\"title\":", (long long)r->item);
	cy_json_cstr(b, r->title);
	cy_buf_puts(b, ",\"source\":");
	cy_json_cstr(b, r->source);
	cy_buf_printf(
		b,
		",\"size\":%llu,\"stored\":%llu,\"compressed\":%s,\"sha256\":\"%s\",\"format\":\"%s\","
		"\"status\":\"%s\",\"created\":\"%s\",\"created_by\":",
		(unsigned long long)r->size, (unsigned long long)r->stored,
		r->compressed ? "true" : "false", r->sha256, r->format, r->status, r->created);
	cy_json_cstr(b, r->created_by);
	cy_buf_puts(b, ",\"date\":");
	cy_json_cstr(b, r->date);
	cy_buf_puts(b, ",\"date_end\":");
	cy_json_cstr(b, r->date_end);
	cy_buf_puts(b, ",\"retention_rule\":");
	cy_json_cstr(b, r->retention_rule);
	cy_buf_puts(b, ",\"source_kind\":");
	cy_json_cstr(b, r->source_kind);
	if (r->source_line)
		cy_buf_printf(b, ",\"line\":%lld", (long long)r->source_line);
	if (r->message_id) {
		cy_buf_puts(b, ",\"message_id\":");
		cy_json_cstr(b, r->message_id);
	}
	cy_buf_printf(b, ",\"objects\":%u,\"subjects\":%u,\"meta_version\":%d", r->nobjects,
		      r->nsubjects, r->meta_version);
	cy_buf_putc(b, '}');
}

static int print_record(void *arg, const cy_record_info *r)
{
	cy_buf *b = arg;
	char size[32];

	if (!o_all && !strcmp(r->status, "destroyed"))
		return 0;
	if (o_json) {
		cli_record_json(b, r);
		cli_json_line(b);
	} else {
		cli_bytes(r->size, size);
		printf("%-28s ", cli_safe(r->archive_no));
		cli_put_padded(stdout, cli_value("class", r->class_name), 14);
		printf(" %10s  ", size);
		cli_put_safe(stdout, r->title);
		putchar('\n');
	}
	return 0;
}

/* A destroyed record (ls --all): what the register keeps of it. */
static int print_tomb(void *arg, const cy_destroy_item *it, int64_t batch, const char *fonds,
		      const char *executed)
{
	cy_buf *b = arg;

	if (o_json) {
		cy_buf_puts(b, "{\"archive_no\":");
		cy_json_cstr(b, it->archive_no);
		cy_buf_puts(b, ",\"fonds\":");
		cy_json_cstr(b, fonds);
		cy_buf_printf(b,
			      ",\"class\":\"%s\",\"year\":%d,\"retention\":\"%s\","
			      "\"status\":\"destroyed\",\"batch\":%lld,\"destroyed\":\"%s\"}",
			      it->class_name, it->year, it->retention, (long long)batch, executed);
		cli_json_line(b);
	} else {
		printf("%-28s ", cli_safe(it->archive_no));
		cli_put_padded(stdout, cli_value("class", it->class_name), 14);
		printf(_(" destroyed %s (batch %lld)\n"), executed, (long long)batch);
	}
	return 0;
}

int cmd_ls(cy_vault *v, int argc, char **argv)
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	(void)argc;
	(void)argv;
	rc = cy_record_list(v, o_fonds, print_record, &b);
	if (!rc && o_all)
		rc = cy_destroy_tombstones(v, o_fonds, print_tomb, &b);
	cy_buf_release(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}
