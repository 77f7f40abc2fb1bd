/* cmd_recovery.c - custody recovery grant: a fonds whose every key holder is
 * gone, granted again with the vault's recovery key (a secadmin's work). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/banned.h"

static const char *o_file;

static const cli_opt GRANT_OPTS[] = {
	{"recovery-file", OPT_STRING, "FILE",
	 N_("the file holding the recovery key (CUSTODY-RECOVERY-1-...), as 'custody init' wrote "
	    "it"),
	 &o_file},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd GRANT = {
	"custody recovery grant --recovery-file FILE FONDS USER",
	N_("Grant FONDS to USER (an archivist or viewer) with the vault's recovery key, when no\n"
	   "user holds the fonds key any more (secadmin only). The recovery key opens the fonds'\n"
	   "recovery slot; the fonds key is sealed to USER's certified key at once. Logged as\n"
	   "grant.recover."),
	NULL,
	GRANT_OPTS,
	2,
	2,
};

static int recovery_grant(cy_vault *v, int n, char **args)
{
	cy_buf key = CY_BUF_INIT;
	int rc;

	(void)n;
	if (!o_file) {
		cli_error(_("give the recovery key's file with --recovery-file FILE"));
		return EXIT_USAGE;
	}
	rc = cy_read_file(o_file, 256, &key);
	rc = rc ? rc : cy_buf_putc(&key, 0);
	rc = rc ? rc : cy_recovery_grant(v, (const char *)key.ptr, args[0], args[1]);
	cy_buf_wipe(&key);
	if (!rc)
		printf(_("granted fonds '%s' to '%s' with the recovery key\n"), args[0], args[1]);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_recovery_sub[] = {
	{"grant", recovery_grant, &GRANT, NEEDS_UNLOCK,
	 N_("grant a fonds with the recovery key when no key holder is left"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
