/* tar_safe.c - extracting a tar that may be hostile (the receiver's side of a
 * transfer, issue 9).  libarchive reads the tar (plain tar only: no
 * decompression filter is enabled); custody writes the entries itself,
 * relative to the work directory's descriptor, because archive_write_disk
 * resolves names against the process's current directory, which a library
 * must not change.  Its ARCHIVE_EXTRACT_SECURE_SYMLINKS, _SECURE_NODOTDOT and
 * _SECURE_NOABSOLUTEPATHS guarantees hold here by construction: no link is
 * ever created or followed (O_NOFOLLOW on every segment, O_EXCL on every
 * file), `..` and absolute names are refused before anything is written.
 * The defences are listed in docs/internals/bagit.md. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/fsutil.h"
#include "crypto/crypto.h"
#include "custody/error.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

#define READ_BLOCK (1024 * 1024)
#define MAX_SEGMENTS 64

struct xctx {
	cy_bag_source src;
	void *arg;
	int src_rc;
	uint8_t *buf;
	uint8_t head[8];
	size_t headn;
	int wfd;
	char *top;
	bool top_made;
	cy_bag__map claims;
	cy_bag__digests *dg;
	cy_bag_limits lim;
	uint64_t files, total;
	cy_sha256_ctx *h256;
	cy_sha512_ctx *h512;
};

static la_ssize_t read_cb(struct archive *a, void *client, const void **out)
{
	struct xctx *x = client;
	long n = x->src(x->arg, x->buf, READ_BLOCK);

	if (n < 0) {
		x->src_rc = (int)n;
		archive_set_error(a, EIO, "the source failed");
		return -1;
	}
	if (x->headn < sizeof(x->head)) {
		size_t k = sizeof(x->head) - x->headn;
		if (k > (size_t)n)
			k = (size_t)n;
		memcpy(x->head + x->headn, x->buf, k);
		x->headn += k;
	}
	*out = x->buf;
	return (la_ssize_t)n;
}

/* Which compression the first bytes show, or NULL. */
static const char *compression(const struct xctx *x)
{
	const uint8_t *h = x->head;
	size_t n = x->headn;

	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return "gzip";
	if (n >= 3 && !memcmp(h, "BZh", 3))
		return "bzip2";
	if (n >= 6 && !memcmp(h,
			      "\xfd"
			      "7zXZ\0",
			      6))
		return "xz";
	if (n >= 4 && !memcmp(h, "\x28\xb5\x2f\xfd", 4))
		return "zstd";
	if (n >= 4 && !memcmp(h, "\x04\x22\x4d\x18", 4))
		return "lz4";
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x9d)
		return "compress (.Z)";
	return NULL;
}

static int la_error(struct xctx *x, struct archive *a, const char *what)
{
	const char *s = archive_error_string(a);

	if (x->src_rc)
		return x->src_rc;
	return cy_error_set(CY_ECORRUPT, "tar: %s: %s", what, s ? s : "damaged");
}

int cy_bag__remove_tree(int pfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP) {
			if (unlinkat(pfd, name, 0) && errno != ENOENT)
				return cy_error_set_errno(CY_EIO, errno, "remove %s", name);
			return 0;
		}
		return cy_error_set_errno(CY_EIO, errno, "remove %s", name);
	}
	if (!(d = fdopendir(fd))) {
		close(fd);
		return cy_error_set_errno(CY_EIO, errno, "remove %s", name);
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			int r = cy_bag__remove_tree(dirfd(d), de->d_name);
			rc = rc ? rc : r;
		} else if (unlinkat(dirfd(d), de->d_name, 0) && errno != ENOENT && !rc) {
			rc = cy_error_set_errno(CY_EIO, errno, "remove %s", de->d_name);
		}
	}
	closedir(d);
	if (unlinkat(pfd, name, AT_REMOVEDIR) && errno != ENOENT && !rc)
		rc = cy_error_set_errno(CY_EIO, errno, "remove %s", name);
	return rc;
}

/* Open (creating with mode 0700 when missing) the directories of path's
 * first `upto` bytes below the work directory, one segment at a time,
 * never following a link.  fd or a CY_E code. */
static int open_dirs(struct xctx *x, const char *path, size_t upto)
{
	char seg[256];
	size_t s = 0;
	int fd = x->wfd, next;

	while (s < upto) {
		size_t e = s;
		while (e < upto && path[e] != '/')
			e++;
		if (e - s >= sizeof(seg)) {
			next = cy_error_set(CY_ECORRUPT, "tar entry '%s': a name segment too long",
					    path);
			goto fail;
		}
		memcpy(seg, path + s, e - s);
		seg[e - s] = '\0';
		if (mkdirat(fd, seg, 0700) && errno != EEXIST) {
			next = cy_error_set_errno(cy_error_from_errno(errno), errno, "mkdir %s",
						  seg);
			goto fail;
		}
		next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			next = cy_error_set_errno(CY_ECORRUPT, errno,
						  "tar entry '%s': '%s' is not a directory", path,
						  seg);
			goto fail;
		}
		if (fd != x->wfd)
			close(fd);
		fd = next;
		s = e + 1;
	}
	return fd;
fail:
	if (fd != x->wfd)
		close(fd);
	return next;
}

static int record_digest(struct xctx *x, const char *rel, const uint8_t *d256, const uint8_t *d512,
			 uint64_t size)
{
	cy_bag__digests *g = x->dg;
	int rc;

	if (!g)
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		struct cy_bag__digest *e = realloc(g->e, cap * sizeof(*e));
		if (!e)
			return cy_error_set(CY_ENOMEM, "out of memory");
		g->e = e;
		g->cap = cap;
	}
	memcpy(g->e[g->n].sha256, d256, 32);
	memcpy(g->e[g->n].sha512, d512, 64);
	g->e[g->n].size = size;
	if ((rc = cy_bag__map_put(&g->index, rel, strlen(rel), g->n, NULL)))
		return rc == CY_EEXISTS ? cy_error_set(CY_ECORRUPT, "tar entry '%s' twice", rel)
					: rc;
	g->n++;
	return 0;
}

/* Write one regular file's data: counted as written, hashed, against limits. */
static int write_file(struct xctx *x, struct archive *a, const char *path, int parent,
		      const char *base, uint64_t declared, const char *rel)
{
	uint8_t d256[CY_HASH_LEN], d512[CY_SHA512_LEN];
	uint64_t written = 0;
	int fd, rc = 0;

	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return cy_error_set(CY_ECORRUPT, "tar entry '%s' is there twice", path);
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "create %s", path);
	}
	for (;;) {
		const void *p;
		size_t n;
		la_int64_t off;
		int r = archive_read_data_block(a, &p, &n, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = x->src_rc ? x->src_rc
				       : cy_error_set(CY_ECORRUPT,
						      "tar ends early or is damaged in "
						      "'%s': %s",
						      path,
						      archive_error_string(a)
							      ? archive_error_string(a)
							      : "read error");
			goto out;
		}
		if (off < 0 || (uint64_t)off != written) {
			rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': a sparse file (holes)",
					  path);
			goto out;
		}
		/* count what arrives, whatever the header declared */
		if (n > declared - written || written + n > x->lim.max_file ||
		    x->total + n > x->lim.max_total) {
			rc = cy_error_set(CY_EINVALID,
					  "tar entry '%s': more bytes than %s (a decompression "
					  "bomb?)",
					  path,
					  n > declared - written	  ? "declared"
					  : written + n > x->lim.max_file ? "the limit per file"
									  : "the limit in total");
			goto out;
		}
		if ((rc = cy_sha256_update(x->h256, p, n)) ||
		    (rc = cy_sha512_update(x->h512, p, n)) || (rc = cy_write_all(fd, p, n, path)))
			goto out;
		written += n;
		x->total += n;
	}
	if (written != declared) {
		rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': %llu bytes, %llu declared", path,
				  (unsigned long long)written, (unsigned long long)declared);
		goto out;
	}
	if ((rc = cy_sha256_final(x->h256, d256)) || (rc = cy_sha512_final(x->h512, d512)))
		goto out;
	rc = record_digest(x, rel, d256, d512, written);
out:
	cy_sha256_reset(x->h256);
	cy_sha512_reset(x->h512);
	if (close(fd) && !rc)
		rc = cy_error_set_errno(CY_EIO, errno, "close %s", path);
	return rc;
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFCHR:
		return "a character device";
	case AE_IFBLK:
		return "a block device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "an entry of unknown type";
	}
}

/* One entry: every check before anything is written. */
static int entry(struct xctx *x, struct archive *a, struct archive_entry *ent)
{
	const char *raw = archive_entry_pathname_utf8(ent);
	unsigned type = archive_entry_filetype(ent);
	char *path = NULL;
	const char *why, *slash;
	size_t n, segs = 1;
	int rc = 0, parent = -1;

	if (!raw)
		raw = archive_entry_pathname(ent);
	if (!raw)
		return cy_error_set(CY_ECORRUPT, "tar entry without a name");
	if (!strncmp(raw, "./", 2))
		raw += 2;
	if (!(path = strdup(raw)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	n = strlen(path);
	if (type == AE_IFDIR)
		while (n > 1 && path[n - 1] == '/')
			path[--n] = '\0';
	if (!cy_bag__path_clean(path, n, &why)) {
		rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': %s", path, why);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		segs += path[i] == '/';
	if (segs > MAX_SEGMENTS) {
		rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': nested too deeply", path);
		goto out;
	}
	if (archive_entry_hardlink(ent)) {
		rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': a hard link (refused)", path);
		goto out;
	}
	if (type != AE_IFREG && type != AE_IFDIR) {
		rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': %s (refused)", path,
				  type_name(type));
		goto out;
	}
	if (archive_entry_sparse_count(ent) > 0) {
		rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': a sparse file (refused)", path);
		goto out;
	}
	slash = strchr(path, '/');
	{
		size_t tl = slash ? (size_t)(slash - path) : n;
		if (!x->top) {
			if (!(x->top = strndup(path, tl))) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				goto out;
			}
		} else if (strlen(x->top) != tl || memcmp(x->top, path, tl)) {
			rc = cy_error_set(CY_ECORRUPT,
					  "tar entry '%s' is outside the top directory '%s' (one "
					  "bag, one top directory)",
					  path, x->top);
			goto out;
		}
		if (!slash && type != AE_IFDIR) {
			rc = cy_error_set(CY_ECORRUPT,
					  "tar entry '%s': a file where the bag's top directory "
					  "should be",
					  path);
			goto out;
		}
	}
	if (type == AE_IFREG) {
		la_int64_t sz = archive_entry_size(ent);
		if (!archive_entry_size_is_set(ent) || sz < 0) {
			rc = cy_error_set(CY_ECORRUPT, "tar entry '%s': no size", path);
			goto out;
		}
		if (x->files + 1 > x->lim.max_files) {
			rc = cy_error_set(CY_EINVALID,
					  "the tar holds more than %llu files (the "
					  "limit)",
					  (unsigned long long)x->lim.max_files);
			goto out;
		}
		if ((uint64_t)sz > x->lim.max_file || (uint64_t)sz > x->lim.max_total - x->total) {
			rc = cy_error_set(CY_EINVALID,
					  "tar entry '%s' declares %lld bytes, beyond the limit",
					  path, (long long)sz);
			goto out;
		}
	}
	if ((rc = cy_bag__claim(&x->claims, path, n, type == AE_IFDIR))) {
		if (rc == CY_EEXISTS || rc == CY_EINVALID) {
			char *m = strdup(cy_error_message());
			rc = cy_error_set(CY_ECORRUPT, "tar entry %s", m ? m : path);
			free(m);
		}
		goto out;
	}
	if (!x->top_made) {
		if (mkdirat(x->wfd, x->top, 0700)) {
			rc = errno == EEXIST
				     ? cy_error_set(CY_EEXISTS,
						    "'%s' exists in the work directory already",
						    x->top)
				     : cy_error_set_errno(cy_error_from_errno(errno), errno,
							  "mkdir %s", x->top);
			goto out;
		}
		x->top_made = true;
	}
	if (type == AE_IFDIR) {
		if ((parent = open_dirs(x, path, n)) < 0)
			rc = parent;
		goto out;
	}
	{
		const char *base = strrchr(path, '/') + 1;
		if ((parent = open_dirs(x, path, (size_t)(base - 1 - path))) < 0) {
			rc = parent;
			goto out;
		}
		x->files++;
		rc = write_file(x, a, path, parent, base, (uint64_t)archive_entry_size(ent),
				path + strlen(x->top) + 1);
	}
out:
	if (parent >= 0 && parent != x->wfd)
		close(parent);
	free(path);
	return rc;
}

static int extract(cy_bag_source src, void *arg, const char *workdir, const cy_bag_limits *lim,
		   char **top_out, cy_bag__digests *dg)
{
	struct xctx x = {.src = src, .arg = arg, .wfd = -1, .dg = dg};
	struct archive *a = NULL;
	struct archive_entry *ent;
	struct stat st;
	la_int64_t entry_end = 0;
	int rc = 0, r;

	if (top_out)
		*top_out = NULL;
	x.lim.max_total = lim && lim->max_total ? lim->max_total : CY_BAG_MAX_TOTAL;
	x.lim.max_files = lim && lim->max_files ? lim->max_files : CY_BAG_MAX_FILES;
	x.lim.max_file = lim && lim->max_file ? lim->max_file : CY_BAG_MAX_FILE;
	x.wfd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (x.wfd < 0) {
		rc = cy_error_set_errno(errno == ELOOP || errno == ENOTDIR
						? CY_EINVALID
						: cy_error_from_errno(errno),
					errno, "work directory %s (a real directory, not a link)",
					workdir);
		goto out;
	}
	if (fstat(x.wfd, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		rc = cy_error_set(CY_EINVALID,
				  "work directory %s must be a directory of yours with mode 0700",
				  workdir);
		goto out;
	}
	if (!(x.buf = malloc(READ_BLOCK))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = cy_sha256_new(&x.h256)) || (rc = cy_sha512_new(&x.h512)))
		goto out;
	if (!(a = archive_read_new()) || archive_read_support_format_tar(a) != ARCHIVE_OK) {
		rc = cy_error_set(CY_ENOMEM, "tar: cannot start the reader");
		goto out;
	}
	if (archive_read_open2(a, &x, NULL, read_cb, NULL, NULL) != ARCHIVE_OK) {
		const char *c = compression(&x);
		rc = c ? cy_error_set(CY_ECORRUPT,
				      "a %s-compressed tar: custody expects a plain tar", c)
		       : la_error(&x, a, "not a tar");
		goto out;
	}
	for (;;) {
		locale_t old = cy_bag__utf8_begin();

		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF) {
			cy_bag__utf8_end(old);
			break;
		}
		if (r != ARCHIVE_OK) {
			const char *c = compression(&x);
			if (c && !x.top)
				rc = cy_error_set(
					CY_ECORRUPT,
					"a %s-compressed tar: custody expects a plain tar", c);
			else
				rc = la_error(&x, a,
					      x.top ? "ends early or is damaged" : "not a tar");
			cy_bag__utf8_end(old);
			goto out;
		}
		rc = entry(&x, a, ent);
		cy_bag__utf8_end(old);
		if (rc)
			goto out;
		entry_end = archive_filter_bytes(a, 0);
	}
	if (!x.top) {
		rc = cy_error_set(CY_ECORRUPT, "the tar holds no bag (no entries)");
		goto out;
	}
	/* libarchive takes a tar that stops at an entry's end as finished; a
	 * whole tar ends with two zero blocks after its last entry */
	if (archive_filter_bytes(a, 0) - entry_end < 1024) {
		rc = cy_error_set(CY_ECORRUPT, "tar ends early: no end-of-archive blocks after "
					       "the last entry");
		goto out;
	}
	if (top_out && !(*top_out = strdup(x.top)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
out:
	if (a)
		archive_read_free(a);
	if (rc && x.top_made) {
		int save = cy_error_code();
		cy_buf msg = CY_BUF_INIT;
		(void)cy_buf_puts(&msg, cy_error_message());
		(void)cy_bag__remove_tree(x.wfd, x.top);
		cy_error_set(save ? save : rc, "%s", cy_buf_cstr(&msg));
		cy_buf_release(&msg);
	}
	if (x.wfd >= 0)
		close(x.wfd);
	cy_sha256_free(x.h256);
	cy_sha512_free(x.h512);
	cy_bag__map_release(&x.claims);
	free(x.buf);
	free(x.top);
	return rc;
}

int cy_bag_extract(cy_bag_source src, void *arg, const char *workdir, const cy_bag_limits *lim,
		   char **top_out)
{
	return extract(src, arg, workdir, lim, top_out, NULL);
}

void cy_bag__digests_release(cy_bag__digests *d)
{
	cy_bag__map_release(&d->index);
	free(d->e);
	memset(d, 0, sizeof(*d));
}

int cy_bag_extract_validate(cy_bag_source src, void *arg, const char *workdir,
			    const cy_bag_limits *lim, char **top_out, cy_bag_report *rep)
{
	cy_bag__digests dg = {0};
	char *top = NULL;
	int rc, wfd = -1, tfd = -1;

	memset(rep, 0, sizeof(*rep));
	if ((rc = extract(src, arg, workdir, lim, &top, &dg)))
		goto out;
	if ((wfd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (tfd = openat(wfd, top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = cy_error_set_errno(CY_EIO, errno, "%s/%s", workdir, top);
		goto out;
	}
	rc = cy_bag__validate_fd(tfd, &dg, rep);
	if (rc == CY_ECORRUPT) {
		/* refused: nothing of it stays (rep and the error say why) */
		char *m = strdup(cy_error_message());
		(void)cy_bag__remove_tree(wfd, top);
		cy_error_set(CY_ECORRUPT, "%s", m ? m : "the bag is not valid");
		free(m);
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (wfd >= 0)
		close(wfd);
	cy_bag__digests_release(&dg);
	if (top_out)
		*top_out = top;
	else
		free(top);
	return rc;
}
