/* cmd_log.c - custody log show | verify | checkpoint | prove SEQ | key. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/fsutil.h"
#include "base/banned.h"

static bool o_json;
static const char *o_from, *o_checkpoint;

static const cli_opt SHOW_OPTS[] = {
	{"from", OPT_STRING, "SEQ", N_("start at entry SEQ"), &o_from},
	{"json", OPT_FLAG, NULL, N_("JSON Lines: the entries as stored"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_opt VERIFY_OPTS[] = {
	{"checkpoint", OPT_STRING, "FILE", N_("also check a checkpoint kept outside the vault"), &o_checkpoint},
	{"json", OPT_FLAG, NULL, N_("JSON output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_opt NO_OPTS[] = {{NULL, 0, NULL, NULL, NULL}};

static const cli_cmd SHOW = {"custody log show [--from SEQ] [--json]",
			     N_("Print the ledger's entries (auditor, secadmin, sysadmin)."), NULL,
			     SHOW_OPTS, 0, 0};
static const cli_cmd VERIFY = {
	"custody log verify [--checkpoint FILE] [--json]",
	N_("Verify the whole ledger: every entry's hash, no gaps, every signed checkpoint. Names the\n"
	   "first bad entry. With --checkpoint, also check that a checkpoint saved earlier outside the\n"
	   "vault (custody log checkpoint > FILE) still matches: nothing it covers was changed or cut."),
	NULL, VERIFY_OPTS, 0, 0};
static const cli_cmd CHECKPOINT = {
	"custody log checkpoint",
	N_("Print the latest signed checkpoint (C2SP tlog-checkpoint in a signed note). Keep a copy\n"
	   "outside the vault: it lets anyone check later that history was only appended to."),
	NULL, NO_OPTS, 0, 0};
static const cli_cmd PROVE = {"custody log prove SEQ",
			      N_("Print an inclusion proof of entry SEQ in the latest checkpoint."), NULL,
			      NO_OPTS, 1, 1};
static const cli_cmd KEY = {"custody log key",
			    N_("Print the note verifier key of this vault's ledger."), NULL, NO_OPTS, 0,
			    0};

static int print_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	(void)arg;
	if (o_json)
		printf("%.*s\n", (int)n, entry);
	else
		printf("%8" PRIu64 "  %.*s\n", seq, (int)n, entry);
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
	rc = cy_log_list(v, from, print_entry, NULL);
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
			printf(_("checkpoint '%s' (%" PRIu64 " entries) matches the ledger\n"), o_checkpoint, size);
		cy_buf_release(&note);
	}
	if (o_json) {
		printf("{\"ok\":%s,\"entries\":%" PRIu64 ",\"checkpoints\":%" PRIu64, rc ? "false" : "true",
		       n, ncp);
		if (rc) {
			cy_buf b = CY_BUF_INIT;
			cy_json_cstr(&b, cy_error_message());
			printf(",\"first_bad_entry\":%" PRIu64 ",\"error\":%s", bad, cy_buf_cstr(&b));
			cy_buf_release(&b);
		}
		printf("}\n");
	} else if (!rc) {
		printf(_("ledger ok: %" PRIu64 " entries, %" PRIu64 " signed checkpoints verified\n"), n, ncp);
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
		fputs(cy_buf_cstr(&note), stdout);
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
		fputs(cy_buf_cstr(&out), stdout);
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
	{"checkpoint", log_checkpoint, &CHECKPOINT, NEEDS_UNLOCK, N_("print the latest signed checkpoint"),
	 NULL, NULL},
	{"prove", log_prove, &PROVE, NEEDS_UNLOCK, N_("inclusion proof of one entry"), NULL, NULL},
	{"key", log_key, &KEY, NEEDS_UNLOCK, N_("print the ledger's verifier key"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
