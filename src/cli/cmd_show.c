/* cmd_show.c - custody show ARCHIVE_NO: one record's metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "base/banned.h"

static bool o_json;

static const cli_opt OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("one JSON object"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd CMD = {
	"custody show ARCHIVE_NO [--json]", N_("Show the metadata of one record."), NULL, OPTS, 1, 1,
};

int cmd_show(int argc, char **argv)
{
	char **args;
	int n, rc;
	cy_vault *v = NULL;
	cy_record_info r;
	cy_buf b = CY_BUF_INIT;
	char size[32], stored[32];

	if ((rc = cli_parse(&CMD, argc, argv, &args, &n)))
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open(&v))) {
		free(args);
		return cli_fail(rc);
	}
	rc = cy_record_show(v, args[0], &r);
	if (!rc) {
		if (o_json) {
			cli_record_json(&b, &r);
			if (r.meta_json) {
				/* the whole structured metadata (docs/formats/record-meta.md) */
				b.len--; /* the closing brace */
				cy_buf_printf(&b, ",\"meta\":%s}", r.meta_json);
			}
			cli_json_line(&b);
		} else {
			/* names from outside: no control characters on the terminal */
			for (char *q = r.title; q && *q; q++)
				if ((unsigned char)*q < 0x20 || *q == 0x7f)
					*q = '?';
			for (char *q = r.source; q && *q; q++)
				if ((unsigned char)*q < 0x20 || *q == 0x7f)
					*q = '?';
			cli_bytes(r.size, size);
			cli_bytes(r.stored, stored);
			printf(_("archive number  %s\nfonds           %s\nclass           %s\nyear            %d\n"
				 "retention       %s\ntitle           %s\nsource          %s\nformat          %s\n"
				 "size            %s (%llu bytes), stored %s%s\nsha256          %s\n"
				 "status          %s\nimported        %s by %s\n"),
			       r.archive_no, r.fonds, r.class_name, r.year, r.retention, r.title, r.source,
			       r.format, size, (unsigned long long)r.size, stored,
			       r.compressed ? _(" compressed") : "", r.sha256, r.status, r.created,
			       r.created_by);
			if (*r.date)
				printf(_("date            %s%s%s\n"), r.date, *r.date_end ? " - " : "",
				       r.date_end);
			if (*r.retention_rule)
				printf(_("retention rule  %s\n"), r.retention_rule);
			if (r.source_line)
				printf(_("source line     %lld\n"), (long long)r.source_line);
			if (r.nobjects > 1 || r.nsubjects)
				printf(_("parts           %u, subjects %u\n"), r.nobjects, r.nsubjects);
			if (strcmp(r.archive_no, args[0]))
				printf(_("note            %s was renumbered: it is now %s\n"), args[0],
				       r.archive_no);
		}
		cy_record_info_release(&r);
	}
	cy_buf_release(&b);
	cy_vault_close(v);
	free(args);
	return rc ? cli_fail(rc) : EXIT_OK;
}
