/* cmd_store.c - custody store: the object store's upkeep (compact). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "custody/banned.h"

static bool o_json;

static const cli_opt COMPACT_OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("one JSON object with the counts"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd COMPACT = {
	"custody store compact [--json]",
	N_("Rewrite every object pack that holds bytes no record refers to any more (duplicates,\n"
	   "files that failed, destroyed records) without them, and delete the old pack. Live objects\n"
	   "are copied as they are, still encrypted: a system administrator may run it. Each pack is\n"
	   "swapped in one catalog transaction, logged as store.compact; a crash at any point leaves a\n"
	   "vault that checks clean."),
	NULL,
	COMPACT_OPTS,
	0,
	0,
};

static int store_compact(cy_vault *v, int argc, char **argv)
{
	int rc;
	cy_compact_stats st;
	cli_progress prog;
	char freed[32];

	(void)argc;
	(void)argv;
	cli_progress_init(&prog, _("compacting"));
	rc = cy_vault_compact(v, cli_progress_cb, &prog, &st);
	cli_progress_done(&prog);
	if (rc)
		return cli_fail(rc);
	if (o_json) {
		cy_buf b = CY_BUF_INIT;
		cy_buf_printf(&b,
			      "{\"packs\":%llu,\"rewritten\":%llu,\"removed\":%llu,\"objects\":%llu,"
			      "\"freed\":%llu,\"leftover\":%llu}",
			      (unsigned long long)st.packs, (unsigned long long)st.rewritten,
			      (unsigned long long)st.removed, (unsigned long long)st.objects,
			      (unsigned long long)st.freed, (unsigned long long)st.leftover);
		cli_json_line(&b);
		cy_buf_release(&b);
		return EXIT_OK;
	}
	cli_bytes(st.freed, freed);
	if (!st.packs)
		printf(_("nothing to compact: every pack holds only live objects\n"));
	else
		printf(_("compacted %llu of %llu packs (%llu emptied and removed), %llu objects moved, "
			 "%s freed\n"),
		       (unsigned long long)(st.rewritten + st.removed),
		       (unsigned long long)st.packs, (unsigned long long)st.removed,
		       (unsigned long long)st.objects, freed);
	if (st.leftover)
		printf(_("%llu old packs could not be deleted yet; the next import or compaction removes "
			 "them\n"),
		       (unsigned long long)st.leftover);
	return EXIT_OK;
}

const cli_command cmd_store_sub[] = {
	{"compact", store_compact, &COMPACT, NEEDS_UNLOCK,
	 N_("rewrite packs without the bytes no record refers to"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
