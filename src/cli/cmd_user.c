/* cmd_user.c - custody user add | list | passwd | grant | revoke | disable | enable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *o_role, *o_newpw;
static bool o_json;

static const cli_opt ADD_OPTS[] = {
	{"role", OPT_STRING, "ROLE", N_("sysadmin, secadmin, auditor, archivist or viewer"),
	 &o_role},
	{"new-password-file", OPT_STRING, "FILE",
	 N_("the new user's password (else asked on the terminal)"), &o_newpw},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd ADD = {
	"custody user add NAME --role ROLE [--new-password-file FILE]",
	N_("Add a user (secadmin only). Administrative roles (sysadmin, secadmin, auditor) never\n"
	   "hold fonds keys; archivists and viewers see the fonds granted to them."),
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
	"custody user list [--json]",
	N_("List users, their roles, whether they are enabled, and their grants (a '*' marks a grant\n"
	   "still pending until a holder of the fonds key opens the vault). With --json, one object per\n"
	   "user with \"disabled\" and \"grants\" as an array of {\"fonds\", \"pending\"}."),
	NULL,
	LIST_OPTS,
	0,
	0,
};

static const cli_opt PW_OPTS[] = {
	{"new-password-file", OPT_STRING, "FILE",
	 N_("the new password (else asked on the terminal)"), &o_newpw},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd PASSWD = {
	"custody user passwd [NAME] [--new-password-file FILE]",
	N_("Change your own password; or, as a secadmin, give user NAME a new password when it was\n"
	   "lost. Either way the user gets a new key pair and certificate serial, so an old copy of\n"
	   "the key slot no longer opens the vault. After a reset NAME's fonds grants wait until a\n"
	   "holder of each fonds key opens the vault; a fonds left without a key holder is named."),
	NULL,
	PW_OPTS,
	0,
	1,
};

static const cli_opt NO_OPTS[] = {{NULL, 0, NULL, NULL, NULL}};
static const cli_cmd GRANT = {
	"custody user grant NAME FONDS",
	N_("Grant a user (archivist or viewer) a fonds (secadmin only). The grant takes effect\n"
	   "when a holder of that fonds' key next opens the vault."),
	NULL,
	NO_OPTS,
	2,
	2,
};
static const cli_cmd REVOKE = {
	"custody user revoke NAME FONDS",
	N_("Withdraw a user's grant of a fonds (secadmin only). A copy of the grant restored into the\n"
	   "catalog is never used again. If no archivist or viewer holds the fonds key afterwards,\n"
	   "custody says so and how to recover it (custody recovery grant)."),
	NULL,
	NO_OPTS,
	2,
	2,
};

static cy_role role;

static const cli_cmd DISABLE = {
	"custody user disable NAME",
	N_("Disable a user (secadmin only): the user can no longer open the vault. Key slots and\n"
	   "grants stay, for the audit trail and for 'user enable'; grants still pending are not\n"
	   "completed while the user is disabled (no new fonds key is sealed to it). You cannot\n"
	   "disable yourself or the last enabled secadmin."),
	NULL,
	NO_OPTS,
	1,
	1,
};
static const cli_cmd ENABLE = {
	"custody user enable NAME",
	N_("Enable a disabled user again (secadmin only)."),
	NULL,
	NO_OPTS,
	1,
	1,
};

static int user_add_prepare(int argc, char **args)
{
	int rc;

	(void)argc;
	(void)args;
	if (!o_role) {
		cli_error(_(
			"give the new user's role with --role (sysadmin secadmin auditor archivist viewer)"));
		return EXIT_USAGE;
	}
	if ((rc = cy_role_parse(o_role, &role))) {
		cli_fail(rc);
		return EXIT_USAGE;
	}
	return 0;
}

static int user_add(cy_vault *v, int n, char **args)
{
	int rc = 0;
	cy_buf pw = CY_BUF_INIT;
	char prompt[128];

	(void)n;
	snprintf(prompt, sizeof(prompt), _("New password for %s: "), args[0]);
	if (!rc && !o_newpw && !getenv("CUSTODY_NEW_PASSWORD_FILE"))
		rc = cli_read_password("", prompt, true, &pw);
	else if (!rc)
		rc = cli_read_password(o_newpw ? o_newpw : getenv("CUSTODY_NEW_PASSWORD_FILE"),
				       prompt, false, &pw);
	if (!rc)
		rc = cy_user_add(v, args[0], role, (const char *)pw.ptr, pw.len);
	if (!rc)
		printf(_("added user '%s' (%s)\n"), args[0], cli_value("role", cy_role_name(role)));
	cy_buf_wipe(&pw);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int print_user(void *arg, const cy_user_info *u)
{
	cy_buf *b = arg;

	if (o_json) {
		cy_buf_printf(b, "{\"id\":%lld,\"name\":", (long long)u->id);
		cy_json_cstr(b, u->name);
		cy_buf_printf(b, ",\"role\":\"%s\",\"disabled\":%s,\"created\":",
			      cy_role_name(u->role), u->disabled ? "true" : "false");
		cy_json_cstr(b, u->created);
		cy_buf_puts(b, ",\"grants\":[");
		for (size_t i = 0; i < u->ngrants; i++) {
			cy_buf_puts(b, i ? ",{\"fonds\":" : "{\"fonds\":");
			cy_json_cstr(b, u->grants[i].fonds);
			cy_buf_printf(b, ",\"pending\":%s}",
				      u->grants[i].pending ? "true" : "false");
		}
		cy_buf_puts(b, "]}");
		cli_json_line(b);
	} else {
		/* names are checked when added, but the catalog can be edited */
		cli_put_safe(stdout, u->name);
		printf("%*s ", (int)(strlen(u->name) < 20 ? 20 - strlen(u->name) : 0), "");
		cli_put_padded(stdout, cli_value("role", cy_role_name(u->role)), 10);
		putchar(' ');
		cli_put_padded(stdout, u->disabled ? _("disabled") : _("enabled"), 9);
		putchar(' ');
		cli_put_safe(stdout, u->created);
		putchar(' ');
		for (size_t i = 0; i < u->ngrants; i++)
			printf("%s%s%s", i ? "," : "", cli_safe(u->grants[i].fonds),
			       u->grants[i].pending ? "*" : "");
		printf("%s\n", u->ngrants ? "" : "-");
	}
	return 0;
}

static int user_list(cy_vault *v, int n, char **args)
{
	int rc;
	cy_buf b = CY_BUF_INIT;

	(void)n;
	(void)args;
	if (!o_json)
		printf("%-20s %-10s %-9s %-20s %s\n", _("NAME"), _("ROLE"), _("STATE"),
		       _("CREATED"), _("GRANTS"));
	rc = cy_user_list(v, print_user, &b);
	cy_buf_release(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

/* A fonds that a revocation or reset left without a key holder: say so, and how to recover. */
static int warn_no_holder(void *arg, const char *code)
{
	(void)arg;
	fprintf(stderr,
		_("custody: warning: fonds %s now has no key holder: its records can be reached "
		  "again with 'custody recovery grant --recovery-file FILE %s USER'\n"),
		code, code);
	return 0;
}

static int user_passwd(cy_vault *v, int n, char **args)
{
	int rc;
	cy_buf pw = CY_BUF_INIT;

	rc = cli_read_password(o_newpw ? o_newpw : "", _("New password: "), !o_newpw, &pw);
	if (!rc && n == 1 && strcmp(args[0], cy_vault_user(v)))
		rc = cy_user_reset(v, args[0], (const char *)pw.ptr, pw.len);
	else if (!rc)
		rc = cy_user_passwd(v, (const char *)pw.ptr, pw.len);
	if (!rc)
		printf(_("password changed for '%s'\n"), n == 1 ? args[0] : cy_vault_user(v));
	if (!rc && n == 1 && strcmp(args[0], cy_vault_user(v)))
		cy_fonds_without_holder(v, NULL, warn_no_holder, NULL);
	cy_buf_wipe(&pw);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int user_grant(cy_vault *v, int n, char **args)
{
	int rc;
	bool pending = false;

	(void)n;
	rc = cy_user_grant(v, args[0], args[1], &pending);
	if (!rc && pending)
		printf(_("granted fonds '%s' to '%s': pending until a holder of the fonds key opens the "
			 "vault\n"),
		       args[1], args[0]);
	else if (!rc)
		printf(_("granted fonds '%s' to '%s'\n"), args[1], args[0]);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int user_revoke(cy_vault *v, int n, char **args)
{
	int rc;

	(void)n;
	rc = cy_user_revoke(v, args[0], args[1]);
	if (!rc)
		printf(_("revoked fonds '%s' from '%s'\n"), args[1], args[0]);
	if (!rc)
		cy_fonds_without_holder(v, args[1], warn_no_holder, NULL);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int set_disabled(cy_vault *v, bool disabled, const char *name)
{
	bool changed = false;
	int rc = cy_user_set_disabled(v, name, disabled, &changed);

	if (!rc && !changed)
		printf(disabled ? _("user '%s' is already disabled\n")
				: _("user '%s' is already enabled\n"),
		       name);
	else if (!rc)
		printf(disabled ? _("disabled user '%s': it can no longer open the vault\n")
				: _("enabled user '%s'\n"),
		       name);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int user_disable(cy_vault *v, int n, char **args)
{
	(void)n;
	return set_disabled(v, true, args[0]);
}

static int user_enable(cy_vault *v, int n, char **args)
{
	(void)n;
	return set_disabled(v, false, args[0]);
}

const cli_command cmd_user_sub[] = {
	{"add", user_add, &ADD, NEEDS_UNLOCK, N_("add a user with a role"), NULL, user_add_prepare},
	{"list", user_list, &LIST, NEEDS_UNLOCK, N_("list users, roles and grants"), NULL, NULL},
	{"passwd", user_passwd, &PASSWD, NEEDS_UNLOCK, N_("change your password"), NULL, NULL},
	{"grant", user_grant, &GRANT, NEEDS_UNLOCK, N_("grant a fonds to a user"), NULL, NULL},
	{"revoke", user_revoke, &REVOKE, NEEDS_UNLOCK, N_("withdraw a grant"), NULL, NULL},
	{"disable", user_disable, &DISABLE, NEEDS_UNLOCK, N_("stop a user from opening the vault"),
	 NULL, NULL},
	{"enable", user_enable, &ENABLE, NEEDS_UNLOCK,
	 N_("let a disabled user open the vault again"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
