/* fsutil.c - file-system helpers (see src/base/fsutil.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/banned.h"

#define N_(s) (s)
#define CY_TR(s) dgettext("custody", s)

int cy_write_all(int fd, const void *p, size_t n, const char *what)
{
	const uint8_t *q = p;

	while (n) {
		ssize_t w = write(fd, q, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot write %s", what);
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t cy_read_full(int fd, void *p, size_t n, const char *what)
{
	uint8_t *q = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, q + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot read %s", what);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int cy_pread_all(int fd, void *p, size_t n, uint64_t off, const char *what)
{
	uint8_t *q = p;

	while (n) {
		ssize_t r = pread(fd, q, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cy_error_set_errno(CY_EIO, errno, "cannot read %s", what);
		}
		if (r == 0)
			return cy_error_set(CY_ECORRUPT, "%s is shorter than recorded", what);
		q += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int cy_fsync_fd(int fd, const char *what)
{
	if (fsync(fd) < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot sync %s",
					  what);
	return 0;
}

int cy_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno,
					  "cannot open directory %s", path);
	rc = cy_fsync_fd(fd, path);
	close(fd);
	return rc;
}

int cy_mkdir_p(const char *path, mode_t mode)
{
	cy_buf b = CY_BUF_INIT;
	int rc = cy_buf_puts(&b, path);

	for (size_t i = 1; !rc && i <= b.len; i++) {
		if (i < b.len && b.ptr[i] != '/')
			continue;
		char save = (char)b.ptr[i];
		b.ptr[i] = 0;
		if (mkdir((char *)b.ptr, mode) < 0 && errno != EEXIST)
			rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
						"cannot create directory %s", (char *)b.ptr);
		b.ptr[i] = (uint8_t)save;
	}
	cy_buf_release(&b);
	return rc;
}

int cy_read_file(const char *path, size_t max, cy_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	if (fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open %s",
					  path);
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > max) {
		close(fd);
		return cy_error_set(CY_EINVALID, "%s is too large or unreadable", path);
	}
	for (;;) {
		ssize_t r;
		if ((rc = cy_buf_grow(out, 65536)))
			break;
		r = cy_read_full(fd, out->ptr + out->len, 65536, path);
		if (r < 0) {
			rc = (int)r;
			break;
		}
		out->len += (size_t)r;
		out->ptr[out->len] = 0;
		if (out->len > max) {
			rc = cy_error_set(CY_EINVALID, "%s is too large", path);
			break;
		}
		if (r < 65536)
			break;
	}
	close(fd);
	return rc;
}

int cy_write_file_excl(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int rc;

	if (fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create %s",
					  path);
	rc = cy_write_all(fd, data, n, path);
	if (!rc)
		rc = cy_fsync_fd(fd, path);
	if (close(fd) < 0 && !rc)
		rc = cy_error_set_errno(CY_EIO, errno, "cannot close %s", path);
	if (rc)
		unlink(path);
	return rc;
}

int cy_path_join(cy_buf *out, const char *a, const char *b)
{
	cy_buf_clear(out);
	if (a && *a) {
		int rc = cy_buf_puts(out, a);
		if (rc)
			return rc;
		if (out->ptr[out->len - 1] != '/' && b && *b)
			cy_buf_putc(out, '/');
	}
	return b ? cy_buf_puts(out, b) : 0;
}

int cy_dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return errno == ENOENT ? 1 : 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

int cy_dir_make_private(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0
				       : cy_error_set_errno(cy_error_from_errno(errno), errno,
							    "cannot open the directory %s", dir);
	if (fstat(fd, &st) < 0)
		rc = cy_error_set_errno(CY_EIO, errno, "cannot look at %s", dir);
	else if (st.st_uid != geteuid())
		rc = cy_error_set(CY_EPERM, "%s belongs to another user", dir);
	else if (!cy_dir_is_empty(dir))
		rc = cy_error_set(CY_EEXISTS,
				  "%s is not empty: a vault is created in a new or empty directory",
				  dir);
	else if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
					"cannot change the mode of %s", dir);
	close(fd);
	return rc;
}

/* One directory of the vault and what lies below it, max_depth levels down. */
static void open_modes_in(int fd, cy_buf *rel, int depth, cy_mode_fn fn, void *arg)
{
	int dfd = dup(fd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *e;
	size_t keep = rel->len;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (rel->ptr)
			rel->ptr[rel->len = keep] = 0;
		if (keep)
			cy_buf_putc(rel, '/');
		cy_buf_puts(rel, e->d_name);
		if (S_ISLNK(st.st_mode) || (st.st_mode & 077))
			fn(arg, cy_buf_cstr(rel), (unsigned)st.st_mode);
		if (S_ISDIR(st.st_mode) && depth > 1) {
			int sub = openat(fd, e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				open_modes_in(sub, rel, depth - 1, fn, arg);
				close(sub);
			}
		}
	}
	if (rel->ptr)
		rel->ptr[rel->len = keep] = 0;
	closedir(d);
}

int cy_fs_open_modes(const char *dir, int max_depth, cy_mode_fn fn, void *arg)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cy_buf rel = CY_BUF_INIT;
	struct stat st;

	if (fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno,
					  "cannot open the directory %s", dir);
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		fn(arg, ".", (unsigned)st.st_mode);
	open_modes_in(fd, &rel, max_depth, fn, arg);
	close(fd);
	cy_buf_release(&rel);
	return 0;
}

/* ---- output files a user names (custody/file.h) ---- */

static const char *kind_name(mode_t m)
{
	return S_ISCHR(m)    ? N_("a character device")
	       : S_ISBLK(m)  ? N_("a block device")
	       : S_ISFIFO(m) ? N_("a FIFO")
	       : S_ISSOCK(m) ? N_("a socket")
			     : N_("a special file");
}

/* Split path into its directory (opened) and last name. */
static int out_split(const char *path, int *dfd, char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc = 0;

	*dfd = -1;
	*base = NULL;
	if (!*path || path[strlen(path) - 1] == '/' || !strcmp(slash ? slash + 1 : path, ".") ||
	    !strcmp(slash ? slash + 1 : path, ".."))
		return cy_error_set(CY_EINVALID, "'%s' is not a file name", path);
	if (slash)
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	else
		dir = strdup(".");
	if (!dir || !(*base = strdup(slash ? slash + 1 : path))) {
		free(dir);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	if ((*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
					"cannot open the directory '%s'", dir);
	free(dir);
	if (rc) {
		free(*base);
		*base = NULL;
	}
	return rc;
}

/* What is at the target now: 0 (st filled), 1 (nothing there), or a refusal. */
static int out_judge(int dfd, const char *base, const char *path, unsigned flags, struct stat *st)
{
	const char *hint;

	if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 1;
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot look at '%s'",
					  path);
	}
	if (S_ISLNK(st->st_mode))
		return cy_error_set(CY_EINVALID,
				    "'%s' is a symbolic link: custody neither writes through nor "
				    "replaces one; remove it or name another file",
				    path);
	if (S_ISDIR(st->st_mode))
		return cy_error_set(CY_EINVALID, "'%s' is a directory: give a file name", path);
	if (flags & CY_OUT_FORCE)
		return 0;
	if (S_ISREG(st->st_mode)) {
		hint = flags & CY_OUT_HINT_FORCE ? N_(": use --force to replace it") : "";
		return cy_error_set(CY_EEXISTS, "'%s' exists%s", path, CY_TR(hint));
	}
	hint = flags & CY_OUT_HINT_FORCE ? N_(": use --force to write into it") : "";
	return cy_error_set(CY_EEXISTS, "'%s' is %s%s", path, CY_TR(kind_name(st->st_mode)),
			    CY_TR(hint));
}

int cy_outfile_check(const char *path, unsigned flags)
{
	struct stat st;
	char *base;
	int dfd, rc;

	if ((rc = out_split(path, &dfd, &base)))
		return rc;
	rc = out_judge(dfd, base, path, flags, &st);
	close(dfd);
	free(base);
	return rc < 0 ? rc : 0;
}

/* A random name for the temporary (in builds with test hooks, the first one
 * tried can be chosen with CUSTODY_TEST_TMPNAME, so that a test can plant
 * something there). */
static int out_tmpname(char *tmp, size_t n, int attempt)
{
	unsigned char rnd[8];

#ifdef CY_TEST_HOOKS
	const char *fixed = getenv("CUSTODY_TEST_TMPNAME");
	if (!attempt && fixed && *fixed && strlen(fixed) < n) {
		snprintf(tmp, n, "%s", fixed);
		return 0;
	}
#else
	(void)attempt;
#endif
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return cy_error_set_errno(CY_EIO, errno, "no random bytes for a temporary name");
	snprintf(tmp, n, ".custody-%02x%02x%02x%02x%02x%02x%02x%02x.tmp", rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	return 0;
}

int cy_outfile_open(cy_outfile *of, const char *path, mode_t mode, unsigned flags)
{
	struct stat st, got;
	int rc, there;

	memset(of, 0, sizeof(*of));
	of->fd = of->dfd = -1;
	of->flags = flags;
	if (!(of->path = strdup(path)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = out_split(path, &of->dfd, &of->base)))
		return rc;
	if ((there = out_judge(of->dfd, of->base, path, flags, &st)) < 0)
		return there;
	if (!there && !S_ISREG(st.st_mode)) {
		/* --force on a device or FIFO: write into it, never replace it */
		of->fd = openat(of->dfd, of->base, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
		if (of->fd < 0)
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot open '%s'", path);
		if (fstat(of->fd, &got) < 0 || got.st_dev != st.st_dev || got.st_ino != st.st_ino ||
		    S_ISREG(got.st_mode))
			return cy_error_set(CY_EINVALID, "'%s' changed while it was opened", path);
		of->direct = 1;
		return 0;
	}
	for (int attempt = 0; attempt < 8; attempt++) {
		if ((rc = out_tmpname(of->tmp, sizeof(of->tmp), attempt)))
			return rc;
		of->fd = openat(of->dfd, of->tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (of->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
				"cannot create a file next to '%s'", path);
	of->tmp[0] = 0;
	return rc;
}

/* The temporary becomes the target: never over anything but a regular file,
 * and over that only when forced. */
static int out_publish(cy_outfile *of)
{
	struct stat st;
	int there = out_judge(of->dfd, of->base, of->path, of->flags, &st);

	if (there < 0)
		return there;
	if (!there) {
		if (!S_ISREG(st.st_mode))
			return cy_error_set(CY_EINVALID,
					    "'%s' changed while it was written (it is %s now)",
					    of->path, CY_TR(kind_name(st.st_mode)));
		if (renameat(of->dfd, of->tmp, of->dfd, of->base) < 0)
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot rename to '%s'", of->path);
		return 0;
	}
	if (renameat2(of->dfd, of->tmp, of->dfd, of->base, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		if (linkat(of->dfd, of->tmp, of->dfd, of->base, 0) == 0) {
			unlinkat(of->dfd, of->tmp, 0);
			return 0;
		}
	}
	if (errno == EEXIST)
		return cy_error_set(CY_EEXISTS, "'%s' was created while it was written", of->path);
	return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot rename to '%s'",
				  of->path);
}

int cy_outfile_commit(cy_outfile *of)
{
	int rc = 0;

	if (of->fd < 0)
		rc = cy_error_set(CY_EINVALID, "'%s' is not open", of->path ? of->path : "");
	/* a device or a FIFO may not sync (EINVAL): its bytes went where it sends them */
	if (!rc && fsync(of->fd) < 0 && !(of->direct && (errno == EINVAL || errno == EROFS)))
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write '%s'",
					of->path);
	if (of->fd >= 0 && close(of->fd) < 0 && !rc)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write '%s'",
					of->path);
	of->fd = -1;
	if (!rc && !of->direct) {
		rc = out_publish(of);
		if (!rc) {
			of->tmp[0] = 0;
			(void)fsync(of->dfd);
		}
	}
	cy_outfile_abort(of);
	return rc;
}

void cy_outfile_abort(cy_outfile *of)
{
	if (of->fd >= 0)
		close(of->fd);
	if (of->tmp[0] && of->dfd >= 0)
		unlinkat(of->dfd, of->tmp, 0);
	if (of->dfd >= 0)
		close(of->dfd);
	free(of->base);
	free(of->path);
	memset(of, 0, sizeof(*of));
	of->fd = of->dfd = -1;
}

int cy_outfile_write(const char *path, const void *data, size_t n, mode_t mode)
{
	cy_outfile of;
	int rc = cy_outfile_open(&of, path, mode, 0);

	rc = rc ? rc : cy_write_all(of.fd, data, n, path);
	if (rc) {
		cy_outfile_abort(&of);
		return rc;
	}
	return cy_outfile_commit(&of);
}
