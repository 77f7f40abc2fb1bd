/* cmd_log.c - custody log show | verify | checkpoint | prove SEQ | key. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/banned.h"

static bool o_json;
static const char *o_from, *o_checkpoint;
static const char *o_actor, *o_action, *o_record, *o_since, *o_until;

static const cli_opt SHOW_OPTS[] = {
	{"from", OPT_STRING, "SEQ", N_("start at entry SEQ"), &o_from},
	{"actor", OPT_STRING, "NAME",
	 N_("only entries made by user NAME (--user is who runs the command)"), &o_actor},
	{"action", OPT_STRING, "ACTION",
	 N_("only actions that start with ACTION (record. or user.disable)"), &o_action},
	{"record", OPT_STRING, "ARCHIVE_NO", N_("only entries about this record"), &o_record},
	{"since", OPT_STRING, "DATE", N_("only entries from DATE on (YYYY-MM-DD or RFC 3339; UTC)"),
	 &o_since},
	{"until", OPT_STRING, "DATE", N_("only entries up to DATE, that day included"), &o_until},
	{"json", OPT_FLAG, NULL, N_("JSON Lines: the entries as stored"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_opt VERIFY_OPTS[] = {
	{"checkpoint", OPT_STRING, "FILE", N_("also check a checkpoint kept outside the vault"),
	 &o_checkpoint},
	{"json", OPT_FLAG, NULL, N_("JSON output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_opt NO_OPTS[] = {{NULL, 0, NULL, NULL, NULL}};

static const cli_cmd SHOW = {
	"custody log show [--from SEQ] [--actor NAME] [--action ACTION] [--record ARCHIVE_NO]\n"
	"                        [--since DATE] [--until DATE] [--json]",
	N_("Print the ledger's entries (auditor, secadmin, sysadmin); the filters combine."),
	N_("Entries name users by id (u3), never by name. The text form shows the acting user's\n"
	   "name after the sequence number and the names of users the entry is about at the end of\n"
	   "the line. Every role that may read the ledger (auditor, secadmin, sysadmin) sees these\n"
	   "names: the same roles may list the users anyway, and user names are staff accounts, not\n"
	   "customers' personal data. Archivists and viewers do not read the ledger. --json prints\n"
	   "the entries exactly as stored and hashed (log prove, log verify): map ids to names with\n"
	   "'custody user list --json'."),
	SHOW_OPTS,
	0,
	0};
static const cli_cmd VERIFY = {
	"custody log verify [--checkpoint FILE] [--json]",
	N_("Verify the whole ledger: every entry's hash, no gaps, every signed checkpoint. Names the\n"
	   "first bad entry. With --checkpoint, also check that a checkpoint saved earlier outside the\n"
	   "vault (custody log checkpoint > FILE) still matches: nothing it covers was changed or cut."),
	NULL,
	VERIFY_OPTS,
	0,
	0};
static const cli_cmd CHECKPOINT = {
	"custody log checkpoint",
	N_("Print the latest signed checkpoint (C2SP tlog-checkpoint in a signed note). Keep a copy\n"
	   "outside the vault: it lets anyone check later that history was only appended to."),
	NULL,
	NO_OPTS,
	0,
	0};
static const cli_cmd PROVE = {"custody log prove SEQ",
			      N_("Print an inclusion proof of entry SEQ in the latest checkpoint."),
			      NULL,
			      NO_OPTS,
			      1,
			      1};
static const cli_cmd KEY = {"custody log key",
			    N_("Print the note verifier key of this vault's ledger."),
			    NULL,
			    NO_OPTS,
			    0,
			    0};

static int print_entry(void *arg, const cy_log_item *it)
{
	size_t *count = arg;
	cy_buf b = CY_BUF_INIT;

	(*count)++;
	/* the entry as stored (a hand-edited one may hold anything): through the
	 * sanitiser, which leaves every entry custody writes unchanged */
	cy_text_safe(&b, it->entry, it->len, o_json ? CY_TEXT_JSON : 0);
	if (o_json) {
		printf("%s\n", cy_buf_cstr(&b));
		cy_buf_release(&b);
		return 0;
	}
	printf("%8" PRIu64 "  %-12s  %s", it->seq, it->actor_name ? cli_safe(it->actor_name) : "-",
	       cy_buf_cstr(&b));
	for (int i = 0; i < it->nusers; i++)
		printf("%s%s=%s", i ? " " : "  ", cli_safe(it->user_ids[i]),
		       cli_safe(it->user_names[i]));
	putchar('\n');
	cy_buf_release(&b);
	return 0;
}

static int log_show(cy_vault *v, int n, char **args)
{
	uint64_t from = 1;
	int rc;

	(void)n;
	(void)args;
	if (o_from) {
		char *end;
		from = strtoull(o_from, &end, 10);
		if (*end || !*o_from || *o_from == '-' || from == 0) {
			cli_error(_("--from must be an entry number (1 or more)"));
			return EXIT_USAGE;
		}
	}
	{
		cy_log_filter f = {from, o_actor, o_action, o_record, o_since, o_until};
		size_t count = 0;
		int64_t t;
		if ((o_since && cy_time_parse(o_since, &t, NULL)) ||
		    (o_until && cy_time_parse(o_until, &t, NULL)) || (o_action && !*o_action)) {
			if (o_action && !*o_action)
				cli_error(_("--action needs an action or a prefix, e.g. record."));
			else
				cli_fail(CY_EINVALID);
			return EXIT_USAGE;
		}
		rc = cy_log_query(v, &f, print_entry, &count);
		if (!rc && !count && !o_json &&
		    (o_actor || o_action || o_record || o_since || o_until))
			cli_error(_("no ledger entry matches"));
	}
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int log_verify(cy_vault *v, int nargs, char **args)
{
	uint64_t bad, n, ncp;
	int rc;

	(void)nargs;
	(void)args;
	rc = cy_log_verify(v, &bad, &n, &ncp);
	if (!rc && o_checkpoint) {
		cy_buf note = CY_BUF_INIT;
		uint64_t size;
		rc = cy_read_file(o_checkpoint, 1 << 16, &note);
		if (rc)
			rc = cy_error_set(rc, "cannot read the checkpoint file '%s'", o_checkpoint);
		else
			rc = cy_log_verify_checkpoint(v, (char *)note.ptr, note.len, &size);
		if (!rc && !o_json)
			printf(_("checkpoint '%s' (%" PRIu64 " entries) matches the ledger\n"),
			       o_checkpoint, size);
		cy_buf_release(&note);
	}
	if (o_json) {
		printf("{\"ok\":%s,\"entries\":%" PRIu64 ",\"checkpoints\":%" PRIu64,
		       rc ? "false" : "true", n, ncp);
		if (rc) {
			cy_buf b = CY_BUF_INIT;
			cy_json_cstr(&b, cy_error_message());
			printf(",\"first_bad_entry\":%" PRIu64 ",\"error\":%s", bad,
			       cy_buf_cstr(&b));
			cy_buf_release(&b);
		}
		printf("}\n");
	} else if (!rc) {
		printf(_("ledger ok: %" PRIu64 " entries, %" PRIu64
			 " signed checkpoints verified\n"),
		       n, ncp);
	}
	if (rc && !o_json) {
		if (bad)
			cli_error(_("ledger verification failed at entry %" PRIu64 ": %s"), bad,
				  cy_error_message());
		else
			cli_error(_("ledger verification failed: %s"), cy_error_message());
	}
	return rc ? cli_exit_code(rc) : EXIT_OK;
}

static int log_checkpoint(cy_vault *v, int n, char **args)
{
	cy_buf note = CY_BUF_INIT;
	int rc;

	(void)n;
	(void)args;
	rc = cy_log_checkpoint(v, &note);
	if (!rc)
		cli_put_text(stdout, cy_buf_cstr(&note), true); /* a catalog row: may be edited */
	cy_buf_release(&note);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int log_prove(cy_vault *v, int n, char **args)
{
	char *end;
	cy_buf out = CY_BUF_INIT;
	uint64_t seq;
	int rc;

	(void)n;
	seq = strtoull(args[0], &end, 10);
	if (*end || !*args[0]) {
		cli_error(_("SEQ must be an entry number"));
		rc = EXIT_USAGE;
	} else if ((rc = cy_log_prove(v, seq, &out))) {
		rc = cli_fail(rc);
	} else {
		cli_put_text(stdout, cy_buf_cstr(&out), true); /* entry and note from the catalog */
	}
	cy_buf_release(&out);
	return rc;
}

static int log_key(cy_vault *v, int n, char **args)
{
	cy_buf out = CY_BUF_INIT;
	int rc;

	(void)n;
	(void)args;
	rc = cy_log_vkey(v, &out);
	if (!rc)
		printf("%s\n", cy_buf_cstr(&out));
	cy_buf_release(&out);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_log_sub[] = {
	{"show", log_show, &SHOW, NEEDS_UNLOCK, N_("print the entries"), NULL, NULL},
	{"verify", log_verify, &VERIFY, NEEDS_UNLOCK, N_("verify the whole ledger"), NULL, NULL},
	{"checkpoint", log_checkpoint, &CHECKPOINT, NEEDS_UNLOCK,
	 N_("print the latest signed checkpoint"), NULL, NULL},
	{"prove", log_prove, &PROVE, NEEDS_UNLOCK, N_("inclusion proof of one entry"), NULL, NULL},
	{"key", log_key, &KEY, NEEDS_UNLOCK, N_("print the ledger's verifier key"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
