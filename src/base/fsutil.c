/* fsutil.c - file-system helpers (see src/base/fsutil.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/banned.h"

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
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
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
