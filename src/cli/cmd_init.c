/* cmd_init.c - custody init: create a vault and its first user (a secadmin). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/banned.h"

static const char *o_recovery_file, *o_kdf;
static bool o_json, o_tighten;

static const cli_opt OPTS[] = {
	{"recovery-file", OPT_STRING, "FILE",
	 N_("write the recovery key to FILE (new, mode 0600) instead of showing it"),
	 &o_recovery_file},
	{"kdf-cost", OPT_STRING, "N", N_("scrypt cost 2^N for password slots (10-22, default 15)"),
	 &o_kdf},
	{"tighten", OPT_FLAG, NULL,
	 N_("if DIR exists (empty) and group or others may use it, make it private (mode 0700)"),
	 &o_tighten},
	{"json", OPT_FLAG, NULL, N_("print the result as one JSON object"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};

const cli_cmd cmd_init_spec = {
	"custody init [--vault DIR] --user NAME [--password-file FILE] [--tighten]",
	N_("Create a vault in a new or empty directory. The first user is a security administrator\n"
	   "(secadmin), who adds the other users. A recovery key is shown once: keep it offline.\n"
	   "An existing directory must be private to its owner (mode 0700), or --tighten makes it so."),
	NULL,
	OPTS,
	0,
	0,
};

int cmd_init(cy_vault *v, int argc, char **argv)
{
	int rc;
	cy_buf pw = CY_BUF_INIT, rec = CY_BUF_INIT, out = CY_BUF_INIT;
	unsigned kdf = 0;
	const char *user;

	(void)v;
	(void)argc;
	(void)argv;
	if (!(user = cli_user())) {
		cli_error(_("no user given: use --user NAME or set CUSTODY_USER"));
		return EXIT_USAGE;
	}
	if (o_kdf) {
		char *end;
		long k = strtol(o_kdf, &end, 10);
		if (*end || k < 10 || k > 22) {
			cli_error(_("--kdf-cost must be a number from 10 to 22"));
			return EXIT_USAGE;
		}
		kdf = (unsigned)k;
	}
	if (o_tighten && (rc = cy_dir_make_private(cli_vault_dir())))
		return cli_fail(rc);
	rc = cli_read_password(g_password_file, _("New password for the first user: "), true, &pw);
	if (!rc)
		rc = cy_vault_init(cli_vault_dir(), user, (const char *)pw.ptr, pw.len, kdf, &rec);
	cy_buf_wipe(&pw);
	if (rc)
		return cli_fail(rc);
	if (o_recovery_file) {
		cy_buf_putc(&rec, '\n');
		rc = cy_outfile_write(o_recovery_file, rec.ptr, rec.len, 0600);
		rec.len--;
		if (rc) {
			/* the vault exists; the key must not be lost: show it instead */
			cli_error(
				_("cannot write the recovery key to '%s' (%s); here it is instead:"),
				o_recovery_file, cy_error_message());
			fprintf(stderr, "%s\n", cy_buf_cstr(&rec));
		}
	}
	if (o_json) {
		cy_buf_puts(&out, "{\"vault\":");
		cy_json_cstr(&out, cli_vault_dir());
		cy_buf_puts(&out, ",\"user\":");
		cy_json_cstr(&out, user);
		cy_buf_puts(&out, ",\"role\":\"secadmin\"");
		if (!o_recovery_file) {
			cy_buf_puts(&out, ",\"recovery_key\":");
			cy_json_cstr(&out, cy_buf_cstr(&rec));
		}
		cy_buf_putc(&out, '}');
		cli_json_line(&out);
	} else {
		printf(_("created vault '%s'; first user '%s' (secadmin)\n"), cli_vault_dir(),
		       user);
		if (!o_recovery_file)
			printf(_("\nRECOVERY KEY (shown only now: print it or write it down and keep it offline;\n"
				 "it can open every fonds if all passwords are lost)\n"
				 "恢复密钥（仅显示这一次，请离线妥善保管）:\n\n  %s\n\n"),
			       cy_buf_cstr(&rec));
		else if (!rc)
			printf(_("recovery key written to '%s': keep it offline\n"),
			       o_recovery_file);
		printf(_("next: add users with 'custody user add NAME --role archivist'\n"));
	}
	cy_buf_wipe(&rec);
	cy_buf_release(&out);
	return EXIT_OK;
}
