/* cmd_show.c - custody show ARCHIVE_NO: one record's metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "custody/banned.h"

static bool o_json;

static const cli_opt OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("one JSON object"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_show_spec = {
	"custody show ARCHIVE_NO [--json]",
	N_("Show the metadata of one record. The archive number may be typed with '.' or '-' in\n"
	   "place of the middle dot: Z109-WS.2019-D10-0001 or Z109-WS-2019-D10-0001."),
	NULL,
	OPTS,
	1,
	1,
};

int cmd_show(cy_vault *v, int argc, char **argv)
{
	int rc;
	cy_record_info r;
	cy_buf b = CY_BUF_INIT;
	char size[32], stored[32], no[64], exact[48];

	(void)argc;
	if ((rc = cli_archive_no(argv[0], no)))
		return rc;
	if ((rc = cy_record_show(v, no, &r)))
		return cli_fail_record(v, no, rc);
	if (o_json) {
		cli_record_json(&b, &r);
		if (r.meta_json) {
			/* the whole structured metadata (docs/formats/record-meta.md) */
			b.len--; /* the closing brace */
			cy_buf_printf(&b, ",\"meta\":%s}", r.meta_json);
		}
		cli_json_line(&b);
	} else {
		/* every string from the catalog or the file system through the one
		 * sanitiser (cli_safe): nothing steers the terminal */
		cli_bytes(r.size, size);
		cli_bytes(r.stored, stored);
		snprintf(exact, sizeof(exact),
			 ngettext("%llu byte", "%llu bytes", (unsigned long)r.size),
			 (unsigned long long)r.size);
		printf(_("archive number  %s\nfonds           %s\nclass           %s\nyear            %d\n"
			 "retention       %s\ntitle           %s\nsource          %s\nformat          %s\n"
			 "size            %s (%s), stored %s%s\nsha256          %s\n"
			 "status          %s\nimported        %s by %s\n"),
		       cli_safe(r.archive_no), cli_safe(r.fonds),
		       cli_safe(cli_value("class", r.class_name)), r.year, cli_safe(r.retention),
		       cli_safe(r.title), cli_safe(r.source), cli_safe(r.format), size, exact,
		       stored, r.compressed ? _(" compressed") : "", cli_safe(r.sha256),
		       cli_safe(cli_value("status", r.status)), cli_safe(r.created),
		       cli_safe(r.created_by));
		if (*r.date)
			printf(_("date            %s%s%s\n"), cli_safe(r.date),
			       *r.date_end ? " - " : "", cli_safe(r.date_end));
		if (*r.retention_rule)
			printf(_("retention rule  %s\n"), cli_safe(r.retention_rule));
		if (r.source_line)
			printf(_("source line     %lld\n"), (long long)r.source_line);
		if (r.nobjects > 1 || r.nsubjects)
			printf(_("parts           %u, subjects %u\n"), r.nobjects, r.nsubjects);
		if (strcmp(r.archive_no, no))
			printf(_("note            %s was renumbered: it is now %s\n"), cli_safe(no),
			       cli_safe(r.archive_no));
	}
	cy_record_info_release(&r);
	cy_buf_release(&b);
	return EXIT_OK;
}
