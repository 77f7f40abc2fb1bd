/* cmd_get.c - custody get ARCHIVE_NO [-o FILE|-] [--force]: the original
 * bytes, verified.
 *
 * To a file, the bytes go to a new file with a random name in FILE's
 * directory (openat, O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600), which is renamed
 * to FILE only after the whole object has been authenticated and its SHA-256
 * matched: FILE never holds unverified content, and a failed, cancelled or
 * refused read leaves nothing behind.  An existing FILE is replaced only
 * with --force.  Binary data is not written to a terminal unless asked for
 * with -o -. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *o_output;
static bool o_force;

static const cli_opt OPTS[] = {
	{"output", OPT_STRING, "FILE",
	 N_("write to FILE (-o FILE); -o - writes to standard output"), &o_output},
	{"force", OPT_FLAG, NULL, N_("replace FILE if it exists"), &o_force},
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

typedef struct sink {
	int fd;
	const char *what;
} sink;

static int to_fd(void *arg, const void *p, size_t n)
{
	sink *s = arg;
	const char *c = p;

	if (cli_cancelled())
		return cy_error_set(CY_ECANCELLED, "stopped by Ctrl-C");
	while (n > 0) {
		ssize_t w = write(s->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot write to %s", s->what);
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static bool to_stdout(void)
{
	return !o_output || !strcmp(o_output, "-");
}

/* Before the password prompt: where the bytes would go. */
int cmd_get_prepare(int argc, char **argv)
{
	struct stat st;

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
	if (lstat(o_output, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			cli_error(_("'%s' is a directory: give a file name with -o"), o_output);
			return EXIT_USAGE;
		}
		if (!o_force) {
			cli_error(_("'%s' exists: use --force to replace it"), o_output);
			return EXIT_ERR;
		}
	}
	return 0;
}

/* Move the verified temporary file to its name: never over an existing file
 * unless --force (renameat2 NOREPLACE, or link where that is not supported). */
static int publish(int dfd, const char *tmp, const char *base)
{
	if (o_force) {
		if (renameat(dfd, tmp, dfd, base) < 0)
			return cy_error_set_errno(CY_EIO, errno, "cannot rename to '%s'", o_output);
		return 0;
	}
	if (renameat2(dfd, tmp, dfd, base, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		if (linkat(dfd, tmp, dfd, base, 0) == 0) {
			unlinkat(dfd, tmp, 0);
			return 0;
		}
	}
	if (errno == EEXIST)
		return cy_error_set(CY_EEXISTS, "'%s' exists: use --force to replace it", o_output);
	return cy_error_set_errno(CY_EIO, errno, "cannot rename to '%s'", o_output);
}

static int get_to_file(cy_vault *v, const char *no)
{
	const char *slash = strrchr(o_output, '/');
	char *dir = NULL, tmp[64];
	const char *base = slash ? slash + 1 : o_output;
	unsigned char rnd[8];
	sink s = {-1, o_output};
	int dfd = -1, rc = 0, made = 0;

	if (slash)
		dir = slash == o_output ? strdup("/")
					: strndup(o_output, (size_t)(slash - o_output));
	else
		dir = strdup(".");
	if (!dir)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
					"cannot open the directory '%s'", dir);
		goto out;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		rc = cy_error_set_errno(CY_EIO, errno, "no random bytes for a temporary name");
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".custody-get-%02x%02x%02x%02x%02x%02x%02x%02x.tmp", rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	s.fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s.fd < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
					"cannot create a file in '%s'", dir);
		goto out;
	}
	made = 1;
	rc = cy_record_get(v, no, to_fd, &s);
	if (!rc && fsync(s.fd) < 0)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write '%s'",
					o_output);
	if (close(s.fd) < 0 && !rc)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write '%s'",
					o_output);
	s.fd = -1;
	if (!rc)
		rc = publish(dfd, tmp, base);
	if (!rc) {
		made = 0;
		fsync(dfd);
	}
out:
	if (made)
		unlinkat(dfd, tmp, 0);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return rc;
}

int cmd_get(cy_vault *v, int argc, char **argv)
{
	char no[64];
	sink s = {1, "standard output"};
	int rc;

	(void)argc;
	if ((rc = cli_archive_no(argv[0], no)))
		return rc;
	cli_cancel_install();
	rc = to_stdout() ? cy_record_get(v, no, to_fd, &s) : get_to_file(v, no);
	if (rc == CY_ECANCELLED) {
		cli_error(to_stdout() ? _("get stopped by Ctrl-C: the output is incomplete")
				      : _("get stopped by Ctrl-C: no file was written"));
		return EXIT_CANCELLED;
	}
	return rc ? cli_fail_record(v, no, rc) : EXIT_OK;
}
