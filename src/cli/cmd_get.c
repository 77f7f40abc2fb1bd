/* cmd_get.c - custody get ARCHIVE_NO [-o FILE]: the original bytes, verified.
 *
 * With -o the bytes go to a temporary file beside FILE that is renamed only
 * after the whole object has been authenticated and its SHA-256 matched, so
 * FILE never holds unverified content. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "custody/fsutil.h"
#include "base/banned.h"

static const char *o_output;

static const cli_opt OPTS[] = {
	{"output", OPT_STRING, "FILE", N_("write to FILE (-o FILE) instead of standard output"), &o_output},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd CMD = {
	"custody get ARCHIVE_NO [-o FILE]",
	N_("Write out a record's original bytes. Every chunk is authenticated and the SHA-256 checked;\n"
	   "the read is recorded in the ledger."),
	NULL, OPTS, 1, 1,
};

static int to_fd(void *arg, const void *p, size_t n)
{
	return cy_write_all(*(int *)arg, p, n, o_output ? o_output : "standard output");
}

int cmd_get(int argc, char **argv)
{
	char **args;
	int n, rc, fd = 1;
	cy_vault *v = NULL;
	cy_buf tmp = CY_BUF_INIT;

	if ((rc = cli_parse(&CMD, argc, argv, &args, &n)))
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open(&v)))
		goto out;
	if (o_output) {
		cy_buf_printf(&tmp, "%s.custody-partial", o_output);
		fd = open(cy_buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create '%s'",
						cy_buf_cstr(&tmp));
			goto out;
		}
	}
	rc = cy_record_get(v, args[0], to_fd, &fd);
	if (o_output) {
		if (!rc)
			rc = cy_fsync_fd(fd, o_output);
		close(fd);
		if (!rc && rename(cy_buf_cstr(&tmp), o_output) < 0)
			rc = cy_error_set_errno(CY_EIO, errno, "cannot rename to '%s'", o_output);
		if (rc)
			unlink(cy_buf_cstr(&tmp));
	}
out:
	cy_buf_release(&tmp);
	cy_vault_close(v);
	free(args);
	return rc ? cli_fail(rc) : EXIT_OK;
}
