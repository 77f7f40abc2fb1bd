/* store_local.c - the local directory backend (see store_backend.h and
 * docs/internals/store.md).
 *
 * A visible pack is objects/<2 hex>/<28 hex>.pack.  A pack being written is
 * objects/tmp/<30 hex>.pack, created with O_EXCL and held under an exclusive
 * flock(2) by its writer until it is committed or dropped.  A temporary whose
 * lock can be taken has no writer any more (the kernel drops a lock when its
 * holder dies, however it dies): clean() removes it.  No process id is ever
 * looked at.  Commit = fsync the file, rename it into place; the directory
 * entries are made durable by sync_batch (one fsync per touched directory
 * for a whole batch of packs). */
#include <dirent.h>
#include <errno.h>
#include <libintl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "store/store_backend.h"
#include "custody/banned.h"

/* the verbs are translated where they are used */
#define N_(s) (s)
#define CY_TR(s) dgettext("custody", s)

#define READ_PIECE (1u << 20)
/* Start writeback every 8 MiB, so the final fsync has little left to do. */
#define WRITEBACK_STEP (8u << 20)

typedef struct local {
	cy_store_backend b;
	char *root;	    /* <vault>/objects */
	int root_fd;	    /* objects/, opened with O_NOFOLLOW|O_DIRECTORY; -1 if missing */
	int tmp_fd;	    /* objects/tmp, opened with O_NOFOLLOW|O_DIRECTORY; -1 if missing */
	int sub[256];	    /* objects/XX, opened the same way on first use: fd + 1, 0 = not yet */
	uint8_t dirty[256]; /* subdirectories with new or removed entries */
} local;

struct cy_store_put {
	int fd;
	int tmp_fd; /* the store's objects/tmp (borrowed) */
	char name[CY_PACK_NAME_LEN + 1];
	char *tmp_path;	    /* its name in objects/tmp */
	uint64_t written;   /* bytes written to the file */
	uint64_t synced_to; /* bytes handed to writeback */
};

/* "cannot write object pack X (disk full)" and friends: the same words for
 * every operation, with the plain reason for the two a user can act on. */
static int io_error(int err, const char *what, const char *name)
{
	if (err == ENOSPC || err == EDQUOT)
		return cy_error_set_errno(CY_ENOSPC, err, "cannot %s object pack %s (disk full)",
					  CY_TR(what), name);
	return cy_error_set_errno(cy_error_from_errno(err), err, "cannot %s object pack %s",
				  CY_TR(what), name);
}

static int hex_nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The descriptor of objects/XX for pack `name`, opened once through objects/
 * with O_NOFOLLOW|O_DIRECTORY (made first if create): a subdirectory
 * replaced by a symbolic link is refused, never followed, for reads, writes
 * and removals alike (docs/security/files.md).  CY_ENOTFOUND (no error set)
 * if it does not exist. */
static int sub_fd(local *l, const char *name, int create, int *out)
{
	int hi = hex_nibble(name[0]), lo = hex_nibble(name[1]), i, fd;
	char d[3] = {name[0], name[1], 0};
	struct stat st;

	if (hi < 0 || lo < 0)
		return cy_error_set(CY_EINVALID, "'%s' is not a pack name", name);
	i = hi << 4 | lo;
	if (l->sub[i] > 0) {
		*out = l->sub[i] - 1;
		return 0;
	}
	if (l->root_fd < 0)
		return CY_ENOTFOUND;
	if (create && mkdirat(l->root_fd, d, 0700) < 0 && errno != EEXIST)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create %s/%s",
					  l->root, d);
	fd = openat(l->root_fd, d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT)
			return CY_ENOTFOUND;
		if (fstatat(l->root_fd, d, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
			return cy_error_set(
				CY_ECORRUPT,
				"objects/%s is a symbolic link or not a directory: the "
				"vault was tampered with (custody will not read, write or "
				"remove packs through it)",
				d);
		return cy_error_set_errno(cy_error_from_errno(err), err, "cannot open %s/%s",
					  l->root, d);
	}
	l->sub[i] = fd + 1;
	*out = fd;
	return 0;
}

/* "<28 hex>.pack": the pack's file name inside its subdirectory. */
static void pack_file(const char *name, char out[CY_PACK_NAME_LEN + 4])
{
	snprintf(out, CY_PACK_NAME_LEN + 4, "%s.pack", name + 2);
}

static void put_free(cy_store_put *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p->tmp_path);
	free(p);
}

static int l_put_begin(cy_store_backend *b, const char *name, cy_store_put **out)
{
	local *l = (local *)b;
	cy_store_put *p = calloc(1, sizeof(*p));
	cy_buf path = CY_BUF_INIT;
	struct stat st;
	int rc = 0;

	if (!p)
		return cy_error_set(CY_ENOMEM, "out of memory");
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->tmp_fd = l->tmp_fd;
	if (cy_buf_printf(&path, "%s.pack", name) || !(p->tmp_path = cy_buf_detach(&path))) {
		put_free(p);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	for (int tries = 0;; tries++) {
		/* through the directory opened (and checked) at open: never a path */
		p->fd = openat(l->tmp_fd, p->tmp_path,
			       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (p->fd < 0) {
			rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
						"cannot create pack in %s/tmp", l->root);
			break;
		}
		while (flock(p->fd, LOCK_EX) < 0 && errno == EINTR)
			;
		/* a cleaner that took the lock between open and flock has unlinked
		 * the file: start again under the same (now free) name */
		if (fstat(p->fd, &st) == 0 && st.st_nlink > 0)
			break;
		close(p->fd);
		p->fd = -1;
		if (tries == 3) {
			rc = cy_error_set(CY_EIO,
					  "cannot create pack in %s/tmp (removed while created)",
					  l->root);
			break;
		}
	}
	if (rc) {
		put_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

static ssize_t l_put_write(cy_store_backend *b, cy_store_put *p, const void *data, size_t n)
{
	ssize_t w;

	(void)b;
	do
		w = write(p->fd, data, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return io_error(errno, N_("write"), p->name);
	if (w == 0) /* write(2) took nothing: no room */
		return io_error(ENOSPC, N_("write"), p->name);
	p->written += (uint64_t)w;
	if (p->written - p->synced_to >= WRITEBACK_STEP) {
		/* ask the kernel to start writing now; the fsync at commit then waits less */
		sync_file_range(p->fd, (off_t)p->synced_to, (off_t)(p->written - p->synced_to),
				SYNC_FILE_RANGE_WRITE);
		p->synced_to = p->written;
	}
	return w;
}

static int l_put_flush(cy_store_backend *b, cy_store_put *p)
{
	(void)b;
	if (p->written > p->synced_to) {
		sync_file_range(p->fd, (off_t)p->synced_to, (off_t)(p->written - p->synced_to),
				SYNC_FILE_RANGE_WRITE);
		p->synced_to = p->written;
	}
	return 0;
}

static void l_put_abort(cy_store_backend *b, cy_store_put *p)
{
	(void)b;
	if (!p)
		return;
	unlinkat(p->tmp_fd, p->tmp_path, 0);
	put_free(p);
}

static int l_put_commit(cy_store_backend *b, cy_store_put *p)
{
	local *l = (local *)b;
	char file[CY_PACK_NAME_LEN + 4];
	int rc = 0, dfd = -1;

	if (fsync(p->fd) < 0) {
		rc = io_error(errno, N_("sync"), p->name);
		goto out;
	}
	rc = sub_fd(l, p->name, 1, &dfd);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ECORRUPT, "%s is missing: the vault was tampered with",
				  l->root);
	if (rc)
		goto out;
	pack_file(p->name, file);
	if (renameat(p->tmp_fd, p->tmp_path, dfd, file) < 0) {
		rc = io_error(errno, N_("rename"), p->name);
		goto out;
	}
	l->dirty[hex_nibble(p->name[0]) << 4 | hex_nibble(p->name[1])] = 1;
out:
	if (rc)
		unlinkat(p->tmp_fd, p->tmp_path, 0);
	put_free(p); /* closing drops the writer's lock */
	return rc;
}

static int l_read_range(cy_store_backend *b, const char *name, uint64_t offset, uint64_t length,
			cy_store_sink sink, void *arg)
{
	local *l = (local *)b;
	char file[CY_PACK_NAME_LEN + 4];
	uint8_t *buf = NULL;
	int fd = -1, dfd = -1, rc = sub_fd(l, name, 0, &dfd);

	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ECORRUPT, "object pack %s is missing", name);
	if (rc)
		return rc;
	pack_file(name, file);
	fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
			       ? cy_error_set(CY_ECORRUPT, "object pack %s is missing", name)
			       : io_error(errno, N_("open"), name);
	posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_SEQUENTIAL);
	if (!(buf = malloc(length < READ_PIECE ? (size_t)length + 1 : READ_PIECE))) {
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
	close(fd);
	free(buf);
	return rc;
}

static int l_stat(cy_store_backend *b, const char *name, uint64_t *size)
{
	char file[CY_PACK_NAME_LEN + 4];
	struct stat st;
	int dfd = -1, rc = sub_fd((local *)b, name, 0, &dfd);

	if (rc && rc != CY_ENOTFOUND)
		return rc;
	pack_file(name, file);
	if (rc || fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return cy_error_set(CY_ENOTFOUND, "object pack %s is missing", name);
	*size = (uint64_t)st.st_size;
	return 0;
}

static int l_list(cy_store_backend *b, cy_store_name_fn fn, void *arg)
{
	local *l = (local *)b;
	char name[CY_PACK_NAME_LEN + 1];
	int rc = 0;

	for (int i = 0; i < 256 && !rc; i++) {
		DIR *d;
		struct dirent *e;
		int dfd = -1, dup_fd;
		snprintf(name, sizeof(name), "%02x", i);
		rc = sub_fd(l, name, 0, &dfd);
		if (rc == CY_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if ((dup_fd = dup(dfd)) < 0 || !(d = fdopendir(dup_fd))) {
			if (dup_fd >= 0)
				close(dup_fd);
			continue;
		}
		rewinddir(d);
		while (!rc && (e = readdir(d))) {
			if (strlen(e->d_name) != CY_PACK_NAME_LEN - 2 + 5 ||
			    strcmp(e->d_name + CY_PACK_NAME_LEN - 2, ".pack"))
				continue;
			snprintf(name, sizeof(name), "%02x%.28s", i, e->d_name);
			rc = fn(arg, name);
		}
		closedir(d);
	}
	return rc;
}

static int l_remove(cy_store_backend *b, const char *name)
{
	local *l = (local *)b;
	char file[CY_PACK_NAME_LEN + 4];
	int dfd = -1, rc = sub_fd(l, name, 0, &dfd);

	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ENOTFOUND, "object pack %s is missing", name);
	if (rc)
		return rc;
	pack_file(name, file);
	if (unlinkat(dfd, file, 0) < 0)
		rc = errno == ENOENT ? cy_error_set(CY_ENOTFOUND, "object pack %s is missing", name)
				     : io_error(errno, N_("remove"), name);
	else
		l->dirty[hex_nibble(name[0]) << 4 | hex_nibble(name[1])] = 1;
	return rc;
}

static int l_sync_batch(cy_store_backend *b)
{
	local *l = (local *)b;
	int rc = 0;

	for (int i = 0; i < 256 && !rc; i++) {
		if (!l->dirty[i])
			continue;
		if (l->sub[i] > 0 && fsync(l->sub[i] - 1) < 0)
			rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
						"cannot sync %s/%02x", l->root, i);
		l->dirty[i] = 0;
	}
	/* the root changes when a subdirectory is made: fsync it too (cheap),
	 * so that a first pack's directory is never lost */
	if (!rc && l->root_fd >= 0 && fsync(l->root_fd) < 0)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot sync %s",
					l->root);
	return rc;
}

/* Temporaries without a writer, removed through the descriptor of objects/tmp
 * opened at open: a tmp replaced by a symbolic link was refused then, so
 * nothing outside the vault is ever removed. */
static void l_clean(cy_store_backend *b)
{
	local *l = (local *)b;
	int dfd = l->tmp_fd < 0 ? -1 : dup(l->tmp_fd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *e;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int fd;
		if (n < 6 || strcmp(e->d_name + n - 5, ".pack"))
			continue;
		fd = openat(l->tmp_fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* the writer holds the lock for as long as it lives */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlinkat(l->tmp_fd, e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

static void l_free(cy_store_backend *b)
{
	local *l = (local *)b;

	if (!l)
		return;
	if (l->tmp_fd >= 0)
		close(l->tmp_fd);
	if (l->root_fd >= 0)
		close(l->root_fd);
	for (int i = 0; i < 256; i++)
		if (l->sub[i] > 0)
			close(l->sub[i] - 1);
	free(l->root);
	free(l);
}

/* objects/ and objects/tmp must be directories of the vault, not symbolic
 * links to somewhere else: clean() removes files in tmp.  Opened once, here,
 * and used through the descriptor from then on.  A missing tmp (a read-only
 * copy of a vault) is no error: writers will fail to create packs. */
static int open_tmp(local *l, const char *tmp)
{
	int ofd = open(l->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	const char *bad = NULL;
	struct stat st;
	int err = 0;

	if (ofd < 0) {
		err = errno;
		if (lstat(l->root, &st) == 0 && S_ISLNK(st.st_mode))
			bad = "objects";
	} else if ((l->tmp_fd = openat(ofd, "tmp",
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err = errno;
		if (fstatat(ofd, "tmp", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			bad = "objects/tmp";
	}
	l->root_fd = ofd; /* kept: every subdirectory is opened through it */
	if (bad)
		return cy_error_set(CY_ECORRUPT,
				    "%s is a symbolic link: the vault was tampered with (custody "
				    "will not write or remove files through it)",
				    bad);
	if (err && err != ENOENT && err != EACCES)
		return cy_error_set_errno(CY_ECORRUPT, err,
					  "%s cannot be opened as a directory: the vault was "
					  "tampered with",
					  tmp);
	return 0;
}

int cy_store_local_new(cy_store_backend **out, const char *vault_dir, int create)
{
	local *l = calloc(1, sizeof(*l));
	cy_buf p = CY_BUF_INIT, t = CY_BUF_INIT;
	int rc;

	if (!l)
		return cy_error_set(CY_ENOMEM, "out of memory");
	l->tmp_fd = l->root_fd = -1;
	l->b = (cy_store_backend){
		.kind = "local",
		.put_begin = l_put_begin,
		.put_write = l_put_write,
		.put_flush = l_put_flush,
		.put_commit = l_put_commit,
		.put_abort = l_put_abort,
		.read_range = l_read_range,
		.stat = l_stat,
		.list = l_list,
		.remove = l_remove,
		.sync_batch = l_sync_batch,
		.clean = l_clean,
		.free = l_free,
	};
	rc = cy_path_join(&p, vault_dir, "objects");
	l->root = cy_buf_detach(&p);
	if (!rc && !l->root)
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	if (!rc && create) {
		rc = cy_mkdir_p(l->root, 0700);
		rc = rc ? rc : cy_path_join(&t, l->root, "tmp");
		rc = rc ? rc : cy_mkdir_p(cy_buf_cstr(&t), 0700);
	} else if (!rc && cy_path_join(&t, l->root, "tmp") == 0) {
		/* an empty tmp/ does not survive every copy of a vault (git, some archivers);
		 * writers need it back.  A read-only vault simply keeps failing to write. */
		(void)mkdir(cy_buf_cstr(&t), 0700);
	}
	if (!rc)
		rc = open_tmp(l, cy_buf_cstr(&t));
	cy_buf_release(&t);
	if (rc) {
		l_free(&l->b);
		return rc;
	}
	*out = &l->b;
	return 0;
}
