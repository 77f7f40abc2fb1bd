/* store.c - pack files on a local directory (see store.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/fsutil.h"
#include "store/store.h"
#include "base/banned.h"

#define READ_PIECE (1u << 20)
/* Start writeback every 8 MiB, so the final fsync has little left to do. */
#define WRITEBACK_STEP (8u << 20)
/* Small objects are gathered into one write(2) of up to this many bytes. */
#define PACK_WBUF (1u << 20)

struct cy_store {
	char *root;       /* <vault>/objects */
	uint8_t dirty[256]; /* subdirectories with new entries */
};

struct cy_pack {
	cy_store *s;
	int fd;
	char name[33]; /* 2 + 30 hex */
	char *tmp_path;
	uint64_t flushed;   /* bytes written to the file */
	uint64_t synced_to; /* bytes handed to writeback */
	uint8_t *wbuf;
	size_t wlen;
	int finished;
};

int cy_store_open(cy_store **out, const char *vault_dir, int create)
{
	cy_store *s = calloc(1, sizeof(*s));
	cy_buf p = CY_BUF_INIT;
	int rc;

	if (!s)
		return cy_error_set(CY_ENOMEM, "out of memory");
	rc = cy_path_join(&p, vault_dir, "objects");
	s->root = cy_buf_detach(&p);
	if (!rc && create) {
		rc = cy_mkdir_p(s->root, 0700);
		if (!rc) {
			cy_buf t = CY_BUF_INIT;
			cy_path_join(&t, s->root, "tmp");
			rc = cy_mkdir_p(cy_buf_cstr(&t), 0700);
			cy_buf_release(&t);
		}
	}
	if (rc) {
		cy_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void cy_store_close(cy_store *s)
{
	if (!s)
		return;
	free(s->root);
	free(s);
}

void cy_store_clean_tmp(cy_store *s)
{
	cy_buf dir = CY_BUF_INIT, f = CY_BUF_INIT;
	DIR *d;
	struct dirent *e;

	cy_path_join(&dir, s->root, "tmp");
	d = opendir(cy_buf_cstr(&dir));
	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (end == e->d_name || *end != '-')
			continue;
		if (pid > 0 && (pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		cy_path_join(&f, cy_buf_cstr(&dir), e->d_name);
		unlink(cy_buf_cstr(&f));
	}
	if (d)
		closedir(d);
	cy_buf_release(&dir);
	cy_buf_release(&f);
}

int cy_pack_begin(cy_store *s, cy_pack **out)
{
	cy_pack *p = calloc(1, sizeof(*p));
	uint8_t id[16];
	cy_buf path = CY_BUF_INIT;
	int rc;

	if (!p)
		return cy_error_set(CY_ENOMEM, "out of memory");
	p->s = s;
	p->fd = -1;
	if (!(p->wbuf = malloc(PACK_WBUF))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = cy_random(id, 15)))
		goto fail;
	cy_hex_encode(id, 15, p->name); /* 30 hex; the first two name the subdirectory */
	cy_buf_printf(&path, "%s/tmp/%ld-%s.pack", s->root, (long)getpid(), p->name);
	p->tmp_path = cy_buf_detach(&path);
	p->fd = open(p->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (p->fd < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create pack in %s/tmp",
					s->root);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	cy_pack_free(p);
	return rc;
}

const char *cy_pack_name(const cy_pack *p)
{
	return p->name;
}

uint64_t cy_pack_size(const cy_pack *p)
{
	return p->flushed + p->wlen;
}

static int pack_put(cy_pack *p, const void *data, size_t n)
{
	int rc = cy_write_all(p->fd, data, n, "object pack");

	if (rc)
		return rc;
	p->flushed += n;
	if (p->flushed - p->synced_to >= WRITEBACK_STEP) {
		/* ask the kernel to start writing now; the fsync at commit then waits less */
		sync_file_range(p->fd, (off_t)p->synced_to, (off_t)(p->flushed - p->synced_to),
				SYNC_FILE_RANGE_WRITE);
		p->synced_to = p->flushed;
	}
	return 0;
}

static int pack_flush(cy_pack *p)
{
	int rc = p->wlen ? pack_put(p, p->wbuf, p->wlen) : 0;

	if (!rc)
		p->wlen = 0;
	return rc;
}

int cy_pack_write(void *arg, const void *data, size_t n)
{
	cy_pack *p = arg;
	int rc;

	if (p->wlen + n > PACK_WBUF && (rc = pack_flush(p)))
		return rc;
	if (n >= PACK_WBUF)
		return pack_put(p, data, n);
	memcpy(p->wbuf + p->wlen, data, n);
	p->wlen += n;
	return 0;
}

int cy_pack_truncate(cy_pack *p, uint64_t offset)
{
	if (offset >= p->flushed) {
		if (offset - p->flushed <= p->wlen)
			p->wlen = (size_t)(offset - p->flushed);
		return 0;
	}
	p->wlen = 0;
	if (ftruncate(p->fd, (off_t)offset) < 0 || lseek(p->fd, (off_t)offset, SEEK_SET) < 0)
		return cy_error_set_errno(CY_EIO, errno, "cannot truncate pack");
	p->flushed = offset;
	if (p->synced_to > offset)
		p->synced_to = offset;
	return 0;
}

int cy_pack_seal(cy_pack *p)
{
	int rc = pack_flush(p);

	if (!rc && p->flushed > p->synced_to) {
		sync_file_range(p->fd, (off_t)p->synced_to, (off_t)(p->flushed - p->synced_to),
				SYNC_FILE_RANGE_WRITE);
		p->synced_to = p->flushed;
	}
	return rc;
}

int cy_pack_finish(cy_pack *p)
{
	cy_buf dir = CY_BUF_INIT, dst = CY_BUF_INIT;
	int rc;

	if ((rc = pack_flush(p)) || (rc = cy_fsync_fd(p->fd, "object pack")))
		return rc;
	if (close(p->fd) < 0) {
		p->fd = -1;
		return cy_error_set_errno(CY_EIO, errno, "cannot close pack");
	}
	p->fd = -1;
	cy_buf_printf(&dir, "%s/%.2s", p->s->root, p->name);
	if (mkdir(cy_buf_cstr(&dir), 0700) < 0 && errno != EEXIST) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create %s",
					cy_buf_cstr(&dir));
		goto out;
	}
	cy_buf_printf(&dst, "%s/%s.pack", cy_buf_cstr(&dir), p->name + 2);
	if (rename(p->tmp_path, cy_buf_cstr(&dst)) < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot move pack into place");
		goto out;
	}
	free(p->tmp_path);
	p->tmp_path = cy_buf_detach(&dst);
	p->finished = 1;
	int hi = (int)strtol((char[3]){p->name[0], p->name[1], 0}, NULL, 16);
	p->s->dirty[hi] = 1;
out:
	cy_buf_release(&dir);
	cy_buf_release(&dst);
	return rc;
}

void cy_pack_discard(cy_pack *p)
{
	if (!p)
		return;
	if (p->tmp_path)
		unlink(p->tmp_path);
	cy_pack_free(p);
}

void cy_pack_free(cy_pack *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->tmp_path);
	free(p->wbuf);
	free(p);
}

int cy_store_sync_dirs(cy_store *s)
{
	cy_buf dir = CY_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < 256 && !rc; i++) {
		if (!s->dirty[i])
			continue;
		cy_buf_clear(&dir);
		cy_buf_printf(&dir, "%s/%02x", s->root, i);
		rc = cy_fsync_dir(cy_buf_cstr(&dir));
		s->dirty[i] = 0;
	}
	if (!rc)
		rc = cy_fsync_dir(s->root);
	cy_buf_release(&dir);
	return rc;
}

static int pack_path(cy_store *s, const char *pack, cy_buf *out)
{
	if (strlen(pack) != 30 || strspn(pack, "0123456789abcdef") != 30)
		return cy_error_set(CY_ECORRUPT, "catalog names a malformed pack '%s'", pack);
	cy_buf_clear(out);
	return cy_buf_printf(out, "%s/%.2s/%s.pack", s->root, pack, pack + 2);
}

int cy_store_read(cy_store *s, const char *pack, uint64_t offset, uint64_t length,
		  cy_store_sink sink, void *arg)
{
	cy_buf path = CY_BUF_INIT;
	uint8_t *buf = NULL;
	int fd = -1, rc;

	if ((rc = pack_path(s, pack, &path)))
		goto out;
	fd = open(cy_buf_cstr(&path), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? cy_error_set(CY_ECORRUPT, "object pack %s is missing", pack)
				     : cy_error_set_errno(CY_EIO, errno, "cannot open pack %s", pack);
		goto out;
	}
	posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_SEQUENTIAL);
	buf = malloc(READ_PIECE);
	if (!buf) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	while (length) {
		size_t n = length < READ_PIECE ? (size_t)length : READ_PIECE;
		if ((rc = cy_pread_all(fd, buf, n, offset, "object pack")))
			goto out;
		if ((rc = sink(arg, buf, n)))
			goto out;
		offset += n;
		length -= n;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	cy_buf_release(&path);
	return rc;
}

int cy_store_pack_stat(cy_store *s, const char *pack, uint64_t *size)
{
	cy_buf path = CY_BUF_INIT;
	struct stat st;
	int rc = pack_path(s, pack, &path);

	if (!rc && stat(cy_buf_cstr(&path), &st) < 0)
		rc = cy_error_set(CY_ENOTFOUND, "object pack %s is missing", pack);
	if (!rc)
		*size = (uint64_t)st.st_size;
	cy_buf_release(&path);
	return rc;
}

int cy_store_remove_pack(cy_store *s, const char *pack)
{
	cy_buf path = CY_BUF_INIT;
	int rc = pack_path(s, pack, &path);

	if (!rc && unlink(cy_buf_cstr(&path)) < 0)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot remove pack %s", pack);
	cy_buf_release(&path);
	return rc;
}

int cy_store_each_pack(cy_store *s, cy_store_name_fn fn, void *arg)
{
	cy_buf dir = CY_BUF_INIT, name = CY_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < 256 && !rc; i++) {
		DIR *d;
		struct dirent *e;
		cy_buf_clear(&dir);
		cy_buf_printf(&dir, "%s/%02x", s->root, i);
		if (!(d = opendir(cy_buf_cstr(&dir))))
			continue;
		while (!rc && (e = readdir(d))) {
			size_t n = strlen(e->d_name);
			if (n != 33 || strcmp(e->d_name + 28, ".pack"))
				continue;
			cy_buf_clear(&name);
			cy_buf_printf(&name, "%02x%.28s", i, e->d_name);
			rc = fn(arg, cy_buf_cstr(&name));
		}
		closedir(d);
	}
	cy_buf_release(&dir);
	cy_buf_release(&name);
	return rc;
}
