/* cmd_get.c - custody get ARCHIVE_NO [-o FILE|-] [--force]: the original
 * bytes, verified.
 *
 * To a file, through cy_outfile (custody/file.h): the bytes go to a new file
 * with a random name in FILE's directory (openat, O_CREAT|O_EXCL|O_NOFOLLOW,
 * mode 0600), which is renamed to FILE only after the whole object has been
 * authenticated and its SHA-256 matched: FILE never holds unverified content,
 * and a failed, cancelled or refused read leaves nothing behind.  An existing
 * regular FILE is replaced only with --force; a symbolic link never; a device
 * or FIFO is written into (never replaced) only with --force.  Binary data is
 * not written to a terminal unless asked for with -o -. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/banned.h"

static const char *o_output;
static bool o_force;

static const cli_opt OPTS[] = {
	{"output", OPT_STRING, "FILE",
	 N_("write to FILE (-o FILE); -o - writes to standard output"), &o_output},
	{"force", OPT_FLAG, NULL,
	 N_("replace FILE if it is an existing file; write into it if it is a device or FIFO"),
	 &o_force},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_get_spec = {
	"custody get ARCHIVE_NO [-o FILE|-] [--force]",
	N_("Write out a record's original bytes. Every chunk is authenticated and the SHA-256 checked;\n"
	   "the read is recorded in the ledger. FILE appears only once all of it has been verified.\n"
	   "Without -o the bytes go to standard output, but not to a terminal."),
	NULL,
	OPTS,
	1,
	1,
};

static bool to_stdout(void)
{
	return !o_output || !strcmp(o_output, "-");
}

static unsigned out_flags(void)
{
	return CY_OUT_HINT_FORCE | (o_force ? CY_OUT_FORCE : 0);
}

/* Before the password prompt: where the bytes would go. */
int cmd_get_prepare(int argc, char **argv)
{
	struct stat st;
	int rc;

	(void)argc;
	(void)argv;
	if (!o_output && isatty(1)) {
		cli_error(_(
			"refusing to write a record's bytes to a terminal: use -o FILE, or -o - to "
			"write to standard output anyway"));
		return EXIT_USAGE;
	}
	if (to_stdout())
		return 0;
	if (!*o_output || o_output[strlen(o_output) - 1] == '/') {
		cli_error(_("-o needs a file name, not '%s'"), o_output);
		return EXIT_USAGE;
	}
	if (lstat(o_output, &st) == 0 && S_ISDIR(st.st_mode)) {
		cli_error(_("'%s' is a directory: give a file name with -o"), o_output);
		return EXIT_USAGE;
	}
	/* the refusals cy_outfile_open would make, before the password is asked */
	if ((rc = cy_outfile_check(o_output, out_flags()))) {
		cli_error("%s", cy_error_message());
		return EXIT_ERR;
	}
	return 0;
}

static int get_to_file(cy_vault *v, const char *no)
{
	cy_outfile of;
	cli_fd_sink s = {-1, o_output};
	int rc = cy_outfile_open(&of, o_output, 0600, out_flags());

	if (rc) {
		cy_outfile_abort(&of);
		return rc;
	}
	s.fd = of.fd;
	rc = cy_record_get(v, no, cli_write_fd, &s);
	if (rc) {
		cy_outfile_abort(&of);
		return rc;
	}
	return cy_outfile_commit(&of);
}

int cmd_get(cy_vault *v, int argc, char **argv)
{
	char no[64];
	cli_fd_sink s = {1, "standard output"};
	int rc;

	(void)argc;
	if ((rc = cli_archive_no(argv[0], no)))
		return rc;
	cli_cancel_install();
	rc = to_stdout() ? cy_record_get(v, no, cli_write_fd, &s) : get_to_file(v, no);
	if (rc == CY_ECANCELLED) {
		cli_error(to_stdout() ? _("get stopped by Ctrl-C: the output is incomplete")
				      : _("get stopped by Ctrl-C: no file was written"));
		return EXIT_CANCELLED;
	}
	return rc ? cli_fail_record(v, no, rc) : EXIT_OK;
}
