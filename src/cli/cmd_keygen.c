/* cmd_keygen.c - custody keygen --age | --signing -o FILE: make a key pair
 * for a transfer (issue 9).  The secret goes to a new FILE (O_EXCL, mode 0600,
 * never replaced), the public key to standard output, so that a script can
 * capture it: an age recipient (age1..., the package is encrypted to it) or a
 * receipt signing key (custody-sign1..., docs/formats/keys-files.md).  No
 * vault is needed. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/age.h"
#include "custody/error.h"
#include "custody/sigkey.h"
#include "custody/banned.h"

static bool o_age, o_signing;
static const char *o_output;

static const cli_opt OPTS[] = {
	{"age", OPT_FLAG, NULL,
	 N_("an age X25519 key pair: AGE-SECRET-KEY-1... in FILE, age1... printed"), &o_age},
	{"signing", OPT_FLAG, NULL,
	 N_("an Ed25519 key pair for receipts: CUSTODY-SIGNING-KEY-1... in FILE, "
	    "custody-sign1... printed"),
	 &o_signing},
	{"output", OPT_STRING, "FILE", N_("the new file for the secret key (-o FILE), mode 0600"),
	 &o_output},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_keygen_spec = {
	"custody keygen --age|--signing -o FILE",
	N_("Make a key pair. The secret key is written to FILE, a new file (never replaced) that only\n"
	   "you can read, with comment lines saying when it was made and what its public key is; the\n"
	   "public key is printed on standard output. --age makes a key the stock age tool reads too\n"
	   "(age -d -i FILE); --signing makes the key a receiver signs its receipts with."),
	NULL,
	OPTS,
	0,
	0,
};

int cmd_keygen(cy_vault *v, int argc, char **argv)
{
	char pub[CY_AGE_RECIPIENT_MAX > CY_SIGKEY_MAX ? CY_AGE_RECIPIENT_MAX : CY_SIGKEY_MAX];
	int rc;

	(void)v;
	(void)argc;
	(void)argv;
	if (o_age == o_signing) {
		cli_error(_("say which key to make: --age or --signing\nusage: %s"),
			  cmd_keygen_spec.usage);
		return EXIT_USAGE;
	}
	if (!o_output || !*o_output || !strcmp(o_output, "-")) {
		cli_error(_("give the file for the secret key with -o FILE (it is never printed)"));
		return EXIT_USAGE;
	}
	rc = o_age ? cy_age_keygen_file(o_output, pub) : cy_signing_keygen_file(o_output, pub);
	if (rc == CY_EEXISTS) {
		cli_error(_("'%s' exists: a key file is never replaced; choose another name"),
			  cli_safe(o_output));
		return EXIT_ERR;
	}
	if (rc)
		return cli_fail(rc);
	printf("%s\n", pub);
	return EXIT_OK;
}
