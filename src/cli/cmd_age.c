/* cmd_age.c - custody age encrypt | decrypt: the age v1 layer of the
 * handover on its own (custody/age.h), interoperable with the stock age tool:
 *
 *   custody age encrypt -r RECIPIENT [-r ...] [-o OUT] [FILE|-]
 *   custody age decrypt -i IDENTITY [-i ...] [-o OUT] [FILE|-]
 *
 * Standard input and output when no file is named.  OUT is written through
 * cy_outfile (custody/file.h): a new file with a random name beside it,
 * renamed to OUT only once everything was written and, when decrypting, the
 * whole file verified; a failure removes it, so OUT never holds half a
 * plaintext.  Standard output cannot be taken back: what was verified chunk
 * by chunk has been written when a later chunk fails.  Binary data is not
 * written to a terminal.  No vault is needed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/age.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/banned.h"

#define IO_BLOCK (1024 * 1024)

static cli_list o_recipients, o_identities;
static const char *o_output;
static bool o_force;

static const cli_opt ENC_OPTS[] = {
	{"recipient", OPT_LIST, "RECIPIENT",
	 N_("encrypt to this age1... public key (-r; may be given several times)"), &o_recipients},
	{"output", OPT_STRING, "OUT", N_("write to OUT (-o OUT); -o - or none: standard output"),
	 &o_output},
	{"force", OPT_FLAG, NULL, N_("replace OUT if it is an existing file"), &o_force},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd ENC = {
	"custody age encrypt -r RECIPIENT [-r ...] [-o OUT] [--force] [FILE|-]",
	N_("Encrypt FILE (or standard input) to one or more age X25519 recipients in the age v1\n"
	   "format, which the stock age tool decrypts (age -d -i KEY). The data is streamed: nothing\n"
	   "of it is written to disk in the clear."),
	NULL,
	ENC_OPTS,
	0,
	1,
};

static const cli_opt DEC_OPTS[] = {
	{"identity", OPT_LIST, "IDENTITY",
	 N_("an identity file (-i; AGE-SECRET-KEY-1... lines, as age-keygen writes them); may be "
	    "given several times"),
	 &o_identities},
	{"output", OPT_STRING, "OUT", N_("write to OUT (-o OUT); -o - or none: standard output"),
	 &o_output},
	{"force", OPT_FLAG, NULL, N_("replace OUT if it is an existing file"), &o_force},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd DEC = {
	"custody age decrypt -i IDENTITY [-i ...] [-o OUT] [--force] [FILE|-]",
	N_("Decrypt an age v1 file (X25519 recipients; not armored, not passphrase-encrypted) made\n"
	   "by custody or the stock age tool. Every 64 KiB chunk is authenticated before it is\n"
	   "written; OUT appears only once the whole file has been verified. Exit codes: 3 when no\n"
	   "identity matches, 5 when the file was altered or cut short."),
	NULL,
	DEC_OPTS,
	0,
	1,
};

struct fd_in {
	int fd;
	const char *what;
};

static long read_fd(void *arg, void *buf, size_t n)
{
	struct fd_in *in = arg;

	for (;;) {
		ssize_t got;

		if (cli_cancelled())
			return cy_error_set(CY_ECANCELLED, "stopped by Ctrl-C");
		got = read(in->fd, buf, n);
		if (got >= 0)
			return (long)got;
		if (errno != EINTR)
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot read %s", in->what);
	}
}

static bool to_stdout(void)
{
	return !o_output || !strcmp(o_output, "-");
}

/* Where the input comes from and the output goes; EXIT_USAGE / EXIT_ERR
 * after saying why, before anything is read. */
static int open_ends(int argc, char **argv, struct fd_in *in, cy_outfile *of, mode_t mode,
		     bool *opened)
{
	const char *file = argc ? argv[0] : "-";
	unsigned flags = CY_OUT_HINT_FORCE | (o_force ? CY_OUT_FORCE : 0);
	int rc;

	*opened = false;
	if (!o_output && isatty(1)) {
		cli_error(_("refusing to write binary data to a terminal: use -o OUT, or -o - to "
			    "write to standard output anyway"));
		return EXIT_USAGE;
	}
	if (!strcmp(file, "-")) {
		in->fd = 0;
		in->what = "standard input";
	} else {
		in->fd = open(file, O_RDONLY | O_CLOEXEC);
		in->what = file;
		if (in->fd < 0) {
			cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open %s",
					   cli_safe(file));
			return cli_fail(cy_error_code());
		}
	}
	if (to_stdout())
		return 0;
	if (!*o_output || o_output[strlen(o_output) - 1] == '/') {
		cli_error(_("-o needs a file name, not '%s'"), cli_safe(o_output));
		return EXIT_USAGE;
	}
	if ((rc = cy_outfile_open(of, o_output, mode, flags))) {
		cy_outfile_abort(of);
		return cli_fail(rc);
	}
	*opened = true;
	return 0;
}

static void close_in(struct fd_in *in)
{
	if (in->fd > 0)
		close(in->fd);
	in->fd = -1;
}

/* Commit OUT after success, remove it after a failure; the exit code. */
static int finish(int rc, cy_outfile *of, bool opened, const char *what)
{
	if (rc == 0 && opened && (rc = cy_outfile_commit(of)))
		opened = false;
	if (rc && opened)
		cy_outfile_abort(of);
	if (rc == CY_ECANCELLED) {
		cli_error(to_stdout() ? _("%s stopped by Ctrl-C: the output is incomplete")
				      : _("%s stopped by Ctrl-C: no file was written"),
			  what);
		return EXIT_CANCELLED;
	}
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int age_encrypt(cy_vault *v, int argc, char **argv)
{
	uint8_t(*pubs)[32] = NULL;
	struct fd_in in = {-1, NULL};
	cli_fd_sink out = {1, "standard output"};
	cy_outfile of;
	cy_age_enc *e = NULL;
	uint8_t *buf = NULL;
	bool opened = false;
	int rc = 0, ex;

	(void)v;
	if (!o_recipients.n) {
		cli_error(_("give at least one recipient with -r age1...\nusage: %s"), ENC.usage);
		return EXIT_USAGE;
	}
	if (!(pubs = calloc(o_recipients.n, sizeof(*pubs))) || !(buf = malloc(IO_BLOCK))) {
		free(pubs);
		cli_error(_("out of memory"));
		return EXIT_ERR;
	}
	for (size_t i = 0; i < o_recipients.n; i++)
		if (cy_age_recipient_parse(o_recipients.v[i], pubs[i])) {
			cli_error(_("'%s' is not an age recipient (age1..., as age-keygen -y prints "
				    "it)"),
				  cli_safe(o_recipients.v[i]));
			free(pubs);
			free(buf);
			return EXIT_USAGE;
		}
	cli_cancel_install();
	if ((ex = open_ends(argc, argv, &in, &of, 0644, &opened)))
		goto out_early;
	if (opened)
		out.fd = of.fd, out.what = o_output;
	rc = cy_age_enc_new(&e, (const uint8_t(*)[32])pubs, o_recipients.n, cli_write_fd, &out);
	while (!rc) {
		long got = read_fd(&in, buf, IO_BLOCK);
		if (got <= 0) {
			rc = got < 0 ? (int)got : cy_age_enc_finish(e);
			break;
		}
		rc = cy_age_enc_write(e, buf, (size_t)got);
	}
	cy_age_enc_free(e);
	ex = finish(rc, &of, opened, "encrypt");
out_early:
	close_in(&in);
	free(pubs);
	free(buf);
	return ex;
}

static int age_decrypt(cy_vault *v, int argc, char **argv)
{
	uint8_t(*privs)[32] = NULL;
	size_t nprivs = 0;
	struct fd_in in = {-1, NULL};
	cli_fd_sink out = {1, "standard output"};
	cy_outfile of;
	cy_age_dec *d = NULL;
	uint8_t *buf = NULL;
	bool opened = false;
	int rc = 0, ex;

	(void)v;
	if (!o_identities.n) {
		cli_error(_("give the identity file with -i FILE\nusage: %s"), DEC.usage);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o_identities.n; i++)
		if (cy_age_key_file_check(o_identities.v[i]) == CY_EPERM)
			fprintf(stderr, _("custody: warning: %s\n"), cy_error_message());
	if ((rc = cy_age_identity_load_all(o_identities.v, o_identities.n, &privs, &nprivs)))
		return cli_fail(rc);
	if (!(buf = malloc(IO_BLOCK))) {
		cy_age_identity_free(privs, nprivs);
		cli_error(_("out of memory"));
		return EXIT_ERR;
	}
	cli_cancel_install();
	if ((ex = open_ends(argc, argv, &in, &of, 0600, &opened)))
		goto out_early;
	if (opened)
		out.fd = of.fd, out.what = o_output;
	rc = cy_age_dec_new(&d, (const uint8_t(*)[32])privs, nprivs, read_fd, &in);
	while (!rc) {
		long got = cy_age_dec_read(d, buf, IO_BLOCK);
		if (got <= 0) {
			rc = (int)got;
			break;
		}
		rc = cli_write_fd(&out, buf, (size_t)got);
	}
	cy_age_dec_free(d);
	ex = finish(rc, &of, opened, "decrypt");
out_early:
	close_in(&in);
	if (buf) {
		explicit_bzero(buf, IO_BLOCK);
		free(buf);
	}
	cy_age_identity_free(privs, nprivs);
	return ex;
}

const cli_command cmd_age_sub[] = {
	{"encrypt", age_encrypt, &ENC, 0, N_("encrypt to age recipients (age1...)"), NULL, NULL},
	{"decrypt", age_decrypt, &DEC, 0, N_("decrypt with age identities (AGE-SECRET-KEY-1...)"),
	 NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
