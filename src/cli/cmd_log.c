/* cmd_log.c - custody log show | verify | checkpoint | prove SEQ | key |
 * cosign | witness add|list|keygen. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/banned.h"

static bool o_json, o_sign;
static const char *o_from, *o_checkpoint, *o_witness, *o_key, *o_output, *o_vkey;
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
	{"witness", OPT_STRING, "VKEY",
	 N_("with --checkpoint: it must carry a valid cosignature by this witness (its verifier "
	    "key, or the name of a registered witness)"),
	 &o_witness},
	{"json", OPT_FLAG, NULL, N_("JSON output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_opt NO_OPTS[] = {{NULL, 0, NULL, NULL, NULL}};
static const cli_opt COSIGN_OPTS[] = {
	{"key", OPT_STRING, "FILE", N_("the witness's secret key (custody log witness keygen)"),
	 &o_key},
	{"checkpoint", OPT_STRING, "FILE",
	 N_("the checkpoint note to cosign (default: the vault's latest, which needs a log-in)"),
	 &o_checkpoint},
	{"vkey", OPT_STRING, "VKEY",
	 N_("the vault's ledger verifier key (custody log key); with --checkpoint, no log-in is "
	    "needed"),
	 &o_vkey},
	{"output", OPT_STRING, "FILE", N_("write the cosigned checkpoint to FILE (-o FILE)"),
	 &o_output},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_opt CHECKPOINT_OPTS[] = {
	{"sign", OPT_FLAG, NULL,
	 N_("require a checkpoint of the whole ledger: fail (exit 6) unless the caller holds the "
	    "ledger key"),
	 &o_sign},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_opt KEYGEN_OPTS[] = {
	{"output", OPT_STRING, "FILE",
	 N_("keygen: write the secret key to FILE (-o FILE; mode 0600)"), &o_output},
	{NULL, 0, NULL, NULL, NULL},
};

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
	"custody log verify [--checkpoint FILE [--witness VKEY|NAME]] [--json]",
	N_("Verify the whole ledger: every entry's hash, no gaps, every transaction's head signed by\n"
	   "its actor's certified key, every signed checkpoint. Names the first bad entry. With\n"
	   "--checkpoint, also check that a checkpoint saved earlier outside the vault (custody log\n"
	   "checkpoint > FILE) still matches: nothing it covers was changed or cut. With --witness,\n"
	   "that checkpoint must also carry the witness's cosignature (custody log cosign)."),
	NULL,
	VERIFY_OPTS,
	0,
	0};
static const cli_cmd CHECKPOINT = {
	"custody log checkpoint [--sign]",
	N_("Print the latest signed checkpoint (C2SP tlog-checkpoint in a signed note). Keep a copy\n"
	   "outside the vault: it lets anyone check later that history was only appended to."),
	N_("Auditors and security administrators hold the ledger key: for them a checkpoint of the\n"
	   "whole ledger is signed first if the latest one is older. Others (viewers, archivists,\n"
	   "sysadmins) get the latest one, which may not cover the newest entries; with --sign they\n"
	   "get an error saying so."),
	CHECKPOINT_OPTS,
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

static const cli_cmd COSIGN = {
	"custody log cosign --key FILE [--checkpoint FILE --vkey VKEY] -o FILE",
	N_("As a witness: check a checkpoint's signature by the vault's ledger key and add a\n"
	   "C2SP cosignature/v1 line (with the time) by the witness's key."),
	N_("With --checkpoint and --vkey (from 'custody log key', obtained from the vault's auditor\n"
	   "once and kept), no vault and no password are needed: the witness never opens the vault.\n"
	   "Without them, the vault's latest checkpoint and key are used (a log-in is needed).\n"
	   "The witness checks the signature only; it keeps no state between checkpoints, so keep\n"
	   "each cosigned checkpoint: 'custody log verify --checkpoint FILE --witness VKEY' later\n"
	   "proves that the ledger still holds exactly the history it covers."),
	COSIGN_OPTS,
	0,
	0};
static const cli_cmd WITNESS = {
	"custody log witness add NAME+KEYID+KEY | list | keygen NAME -o FILE",
	N_("Witnesses of the ledger (C2SP cosignature/v1): add registers a witness's verifier\n"
	   "key (auditor, secadmin; logged as witness.add); list shows them; keygen makes a witness\n"
	   "key pair: the secret key goes to FILE (mode 0600, never overwritten) and the verifier\n"
	   "key (NAME+KEYID+KEY, type 0x04) to standard output."),
	N_("keygen needs no vault: run it where the witness lives, outside the vault's machine.\n"
	   "add and list log in as --user."),
	KEYGEN_OPTS,
	1,
	2};

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

static int verify_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (o_witness && !o_checkpoint) {
		cli_error(_("--witness needs --checkpoint FILE: the cosigned checkpoint to check"));
		return EXIT_USAGE;
	}
	return 0;
}

static int log_verify(cy_vault *v, int nargs, char **args)
{
	uint64_t bad, n, ncp, wtime = 0;
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
		else if (o_witness)
			rc = cy_log_verify_witness(v, o_witness, (char *)note.ptr, note.len, &size,
						   &wtime);
		else
			rc = cy_log_verify_checkpoint(v, (char *)note.ptr, note.len, &size);
		if (!rc && !o_json)
			printf(_("checkpoint '%s' (%" PRIu64 " entries) matches the ledger\n"),
			       o_checkpoint, size);
		if (!rc && !o_json && o_witness)
			printf(_("cosigned by witness %s (cosignature time %" PRIu64
				 ", Unix seconds)\n"),
			       o_witness, wtime);
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
	if (o_sign) {
		uint64_t cps, size;
		bool can;
		if ((rc = cy_log_checkpoint_state(v, &cps, &size, &can)))
			return cli_fail(rc);
		if (!can) {
			cli_error(
				_("user '%s' holds no ledger key and cannot sign a checkpoint (the "
				  "latest covers %" PRIu64 " of the ledger's %" PRIu64
				  " entries): an auditor or a security administrator can"),
				cy_vault_user(v), cps, size);
			return EXIT_PERM;
		}
	}
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

static int cosign_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!o_key || !o_output) {
		cli_error(_("log cosign needs --key FILE and -o FILE"));
		return EXIT_USAGE;
	}
	if (!o_checkpoint != !o_vkey) {
		cli_error(_("--checkpoint and --vkey go together (or give neither, to use the "
			    "vault's latest checkpoint)"));
		return EXIT_USAGE;
	}
	return 0;
}

static int log_cosign(cy_vault *v, int n, char **args)
{
	cy_buf note = CY_BUF_INIT, vk = CY_BUF_INIT, skey = CY_BUF_INIT, out = CY_BUF_INIT;
	cy_vault *opened = NULL;
	uint64_t size = 0;
	int rc;

	(void)n;
	(void)args;
	rc = cy_read_file(o_key, 4096, &skey);
	if (rc)
		rc = cy_error_set(rc, "cannot read the witness key file '%s'", o_key);
	if (rc)
		goto out;
	if (o_checkpoint) {
		rc = cy_read_file(o_checkpoint, 1 << 16, &note);
		if (rc)
			rc = cy_error_set(rc, "cannot read the checkpoint file '%s'", o_checkpoint);
		rc = rc ? rc : cy_buf_puts(&vk, o_vkey);
	} else {
		rc = v ? 0 : cli_open(&opened);
		if (!v)
			v = opened;
		rc = rc ? rc : cy_log_checkpoint(v, &note);
		rc = rc ? rc : cy_log_vkey(v, &vk);
	}
	rc = rc ? rc
		: cy_log_cosign((const char *)skey.ptr, skey.len, (const char *)note.ptr, note.len,
				cy_buf_cstr(&vk), (uint64_t)time(NULL), &out, &size);
	if (!rc) {
		rc = cy_write_file_excl(o_output, out.ptr, out.len, 0644);
		if (rc)
			rc = cy_error_set(rc, "cannot write '%s' (it must not exist yet)",
					  o_output);
	}
	if (!rc)
		fprintf(stderr, _("checkpoint of %" PRIu64 " entries cosigned into '%s'\n"), size,
			o_output);
out:
	cy_buf_wipe(&skey);
	cy_buf_release(&note);
	cy_buf_release(&vk);
	cy_buf_release(&out);
	cy_vault_close(opened);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int witness_add(cy_vault *v, int n, char **args)
{
	int rc;

	(void)n;
	rc = cy_log_witness_add(v, args[0]);
	if (!rc)
		printf(_("witness added: %s\n"), args[0]);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int print_witness(void *arg, const char *name, const char *vkey, const char *added)
{
	(void)arg;
	(void)name;
	printf("%s  %s\n", vkey, added);
	return 0;
}

static int witness_list(cy_vault *v, int n, char **args)
{
	int rc;

	(void)n;
	(void)args;
	rc = cy_log_witness_list(v, print_witness, NULL);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int witness_prepare(int argc, char **argv)
{
	const char *what = argc > 0 ? argv[0] : "";
	int want = !strcmp(what, "list") ? 1 : 2;

	if (strcmp(what, "add") && strcmp(what, "list") && strcmp(what, "keygen")) {
		cli_error(_("log witness: give add VKEY, list or keygen NAME -o FILE"));
		return EXIT_USAGE;
	}
	if (argc != want) {
		cli_error(_("log witness %s: wrong number of arguments (see --help)"), what);
		return EXIT_USAGE;
	}
	if (!strcmp(what, "keygen") && !o_output) {
		cli_error(_("log witness keygen needs -o FILE for the secret key"));
		return EXIT_USAGE;
	}
	return 0;
}

static int witness_keygen(cy_vault *v, int n, char **args)
{
	cy_buf sk = CY_BUF_INIT, vk = CY_BUF_INIT;
	int rc;

	(void)v;
	(void)n;
	rc = cy_log_witness_keygen(args[0], &sk, &vk);
	if (!rc) {
		rc = cy_write_file_excl(o_output, sk.ptr, sk.len, 0600);
		if (rc)
			rc = cy_error_set(rc, "cannot write '%s' (it must not exist yet)",
					  o_output);
	}
	if (!rc)
		printf("%s\n", cy_buf_cstr(&vk));
	cy_buf_wipe(&sk);
	cy_buf_release(&vk);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int log_witness(cy_vault *v, int n, char **args)
{
	cy_vault *opened = NULL;
	int rc;

	if (!strcmp(args[0], "keygen"))
		return witness_keygen(NULL, n - 1, args + 1);
	if (!v && (rc = cli_open(&opened)))
		return cli_fail(rc);
	if (!v)
		v = opened;
	rc = !strcmp(args[0], "add") ? witness_add(v, n - 1, args + 1)
				     : witness_list(v, n - 1, args + 1);
	cy_vault_close(opened);
	return rc;
}

const cli_command cmd_log_sub[] = {
	{"show", log_show, &SHOW, NEEDS_UNLOCK, N_("print the entries"), NULL, NULL},
	{"verify", log_verify, &VERIFY, NEEDS_UNLOCK, N_("verify the whole ledger"), NULL,
	 verify_prepare},
	{"checkpoint", log_checkpoint, &CHECKPOINT, NEEDS_UNLOCK,
	 N_("print the latest signed checkpoint"), NULL, NULL},
	{"prove", log_prove, &PROVE, NEEDS_UNLOCK, N_("inclusion proof of one entry"), NULL, NULL},
	{"key", log_key, &KEY, NEEDS_UNLOCK, N_("print the ledger's verifier key"), NULL, NULL},
	{"cosign", log_cosign, &COSIGN, 0, N_("cosign a checkpoint as a witness"), NULL,
	 cosign_prepare},
	{"witness", log_witness, &WITNESS, 0, N_("witnesses of the ledger (add, list, keygen)"),
	 NULL, witness_prepare},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
