/* bagit_validate.c - the validator: is this directory a valid, complete bag
 * (RFC 8493)?  The rules, and where they part from bagit-python, are in
 * docs/internals/bagit.md.  The bag is reached through descriptors only
 * (openat, O_NOFOLLOW on every path segment): a link inside it is reported,
 * never followed.  Each file is read once for all manifests that list it;
 * files that extraction already hashed (cy_bag__digests) are not read for
 * SHA-256 and SHA-512 at all. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

#define MAX_MESSAGES 200		/* of each kind; then "... and N more" */
#define MAX_TAGFILE (UINT64_C(1) << 30) /* a tag file read whole */
#define MAX_DEPTH 256
#define READ_BLOCK (1024 * 1024)

struct mentry {
	char *path;
	uint8_t dg[CY_DIGEST_MAX];
	size_t lineno;
};

struct manifest {
	char name[48];
	char alg[16];
	bool tag;
	cy_digest *d; /* NULL: algorithm not supported, not checked */
	size_t dlen;
	cy_bag__map index; /* path -> entry */
	struct mentry *e;
	size_t n, cap;
	bool warned_star, warned_dot;
};

struct file {
	char *path;
	uint64_t size;
};

struct files {
	cy_bag__map index;
	struct file *f;
	size_t n, cap;
};

typedef struct vctx {
	cy_bag_report *rep;
	int dirfd;
	cy_bag__decl decl;
	bool v1;
	struct manifest *m;
	size_t nm;
	struct files payload, tags; /* on disk: under data/, and the other files */
	cy_bag__map fetch;	    /* paths fetch.txt names */
	size_t tolerated;	    /* listed, missing, forgiven with a warning */
	const cy_bag__digests *pre;
	uint8_t *buf;
	size_t more_err, more_warn;
	int fatal; /* ENOMEM and the like: stop */
} vctx;

/* ---- messages ------------------------------------------------------------------------------- */

static void push(vctx *v, bool err, const char *fmt, va_list ap)
{
	char ***list = err ? &v->rep->errors : &v->rep->warnings;
	size_t *n = err ? &v->rep->nerrors : &v->rep->nwarnings;
	cy_buf b = CY_BUF_INIT;
	char **g;

	if (*n >= MAX_MESSAGES) {
		(*(err ? &v->more_err : &v->more_warn))++;
		return;
	}
	if (cy_buf_vprintf(&b, fmt, ap) || !(g = realloc(*list, (*n + 1) * sizeof(*g)))) {
		cy_buf_release(&b);
		v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
		return;
	}
	*list = g;
	g[(*n)++] = cy_buf_detach(&b);
}

static void __attribute__((format(printf, 2, 3))) error(vctx *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	push(v, true, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3))) warning(vctx *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	push(v, false, fmt, ap);
	va_end(ap);
}

/* A name for messages: controls escaped (names come from the bag). */
static const char *shown(cy_buf *b, const char *s)
{
	cy_buf_clear(b);
	if (cy_text_safe(b, s, strlen(s), 0))
		return "?";
	return cy_buf_cstr(b);
}

/* ---- file access by descriptor -------------------------------------------------------------- */

/* Open path (relative, '/'-separated) under dirfd without following a link
 * on any segment.  flags: O_DIRECTORY or 0.  fd or -errno. */
static int open_beneath(int dirfd, const char *path, int flags)
{
	char seg[256];
	const char *p = path, *slash;
	int fd = dirfd, next;

	while ((slash = strchr(p, '/'))) {
		size_t l = (size_t)(slash - p);
		if (l == 0 || l >= sizeof(seg)) {
			next = -ENOENT;
			goto fail;
		}
		memcpy(seg, p, l);
		seg[l] = '\0';
		next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			next = -errno;
			goto fail;
		}
		if (fd != dirfd)
			close(fd);
		fd = next;
		p = slash + 1;
	}
	next = openat(fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | flags);
	if (next < 0)
		next = -errno;
fail:
	if (fd != dirfd)
		close(fd);
	return next;
}

/* Read a whole tag file.  0, -ENOENT (missing), or another -errno. */
static int read_all(vctx *v, const char *path, cy_buf *out)
{
	struct stat st;
	int fd = open_beneath(v->dirfd, path, 0), rc = 0;
	ssize_t r;

	cy_buf_clear(out);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_TAGFILE) {
		rc = -EINVAL;
		goto out;
	}
	if (cy_buf_grow(out, (size_t)st.st_size)) {
		v->fatal = CY_ENOMEM;
		rc = -ENOMEM;
		goto out;
	}
	while ((r = read(fd, v->buf, READ_BLOCK)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (out->len + (size_t)r > MAX_TAGFILE || cy_buf_put(out, v->buf, (size_t)r)) {
			rc = -EFBIG;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

/* Hash a file with the digests d[0..n) in one read.  0, -errno. */
static int hash_file(vctx *v, const char *path, cy_digest **d, size_t n, uint8_t (*out)[64],
		     uint64_t *size)
{
	int fd = open_beneath(v->dirfd, path, 0), rc = 0;
	ssize_t r;

	*size = 0;
	if (fd < 0)
		return fd;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((r = read(fd, v->buf, READ_BLOCK)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		*size += (uint64_t)r;
		for (size_t i = 0; i < n; i++)
			if (cy_digest_update(d[i], v->buf, (size_t)r)) {
				rc = -EIO;
				goto out;
			}
	}
	for (size_t i = 0; i < n; i++)
		if (cy_digest_final(d[i], out[i]))
			rc = -EIO;
out:
	close(fd);
	return rc;
}

/* ---- the tree on disk ----------------------------------------------------------------------- */

static int files_add(vctx *v, struct files *fs, const char *path, uint64_t size)
{
	struct file *g;
	int rc;

	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 256;
		if (!(g = realloc(fs->f, cap * sizeof(*g))))
			return v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
		fs->f = g;
		fs->cap = cap;
	}
	if (!(fs->f[fs->n].path = strdup(path)))
		return v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
	fs->f[fs->n].size = size;
	if ((rc = cy_bag__map_put(&fs->index, path, strlen(path), fs->n, NULL)) &&
	    rc != CY_EEXISTS) {
		free(fs->f[fs->n].path);
		return v->fatal = rc;
	}
	fs->n++;
	return 0;
}

static void files_release(struct files *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->f[i].path);
	free(fs->f);
	cy_bag__map_release(&fs->index);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->path, ((const struct file *)b)->path);
}

/* Record every file below dirfd/name (its path `prefix`) into fs. */
static void walk(vctx *v, int parent, const char *name, const char *prefix, struct files *fs,
		 int depth)
{
	cy_buf path = CY_BUF_INIT, sb = CY_BUF_INIT;
	struct dirent *de;
	DIR *d = NULL;
	int fd;

	if (depth > MAX_DEPTH) {
		error(v, "%s: directories nested too deeply", shown(&sb, prefix));
		goto out;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		error(v, "%s: cannot read the directory: %s", shown(&sb, prefix), strerror(errno));
		goto out;
	}
	while (!v->fatal && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cy_buf_clear(&path);
		if (cy_buf_printf(&path, "%s%s%s", prefix, *prefix ? "/" : "", de->d_name)) {
			v->fatal = CY_ENOMEM;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			error(v, "%s: %s", shown(&sb, cy_buf_cstr(&path)), strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			/* the top's data/ is the payload, walked on its own */
			if (!(depth == 0 && fs == &v->tags && !strcmp(de->d_name, "data")))
				walk(v, dirfd(d), de->d_name, cy_buf_cstr(&path), fs, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			files_add(v, fs, cy_buf_cstr(&path), (uint64_t)st.st_size);
		} else {
			error(v, "%s: %s (not followed; a bag holds regular files only)",
			      shown(&sb, cy_buf_cstr(&path)),
			      S_ISLNK(st.st_mode) ? "a symbolic link" : "a special file");
		}
	}
out:
	if (d)
		closedir(d);
	cy_buf_release(&path);
	cy_buf_release(&sb);
}

/* ---- manifests ------------------------------------------------------------------------------ */

static const char *SYSTEM_FILES[] = {".DS_Store", "Thumbs.db", "desktop.ini", "Desktop.ini", NULL};

static bool system_file(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strncmp(base, "._", 2))
		return true;
	for (size_t i = 0; SYSTEM_FILES[i]; i++)
		if (!strcmp(base, SYSTEM_FILES[i]))
			return true;
	return false;
}

struct mctx {
	vctx *v;
	struct manifest *m;
};

static int on_manifest_line(void *arg, size_t lineno, const char *ck, const char *path,
			    size_t pathlen, unsigned flags)
{
	struct mctx *c = arg;
	vctx *v = c->v;
	struct manifest *m = c->m;
	cy_buf sb = CY_BUF_INIT;
	struct mentry *e;
	const char *why;
	size_t old;
	int rc;

	if (strlen(path) != pathlen || !cy_bag__path_clean(path, pathlen, &why)) {
		error(v, "%s line %zu: '%s' is not a path inside the bag (%s)", m->name, lineno,
		      shown(&sb, path), strlen(path) != pathlen ? "a NUL byte" : why);
		goto out;
	}
	if (!m->tag && strncmp(path, "data/", 5)) {
		error(v, "%s line %zu: '%s' is outside the payload directory data/", m->name,
		      lineno, shown(&sb, path));
		goto out;
	}
	if (m->tag && !strncmp(path, "data/", 5))
		warning(v, "%s line %zu: '%s' is a payload file in a tag manifest", m->name, lineno,
			shown(&sb, path));
	if ((flags & CY_BAG__LINE_STAR) && !m->warned_star) {
		m->warned_star = true;
		warning(v,
			"%s line %zu: a '*' before the path (md5sum's binary mode), read as "
			"part of the separator",
			m->name, lineno);
	}
	if ((flags & CY_BAG__LINE_DOTSLASH) && !m->warned_dot) {
		m->warned_dot = true;
		warning(v, "%s line %zu: the path begins with './', read as relative to the bag",
			m->name, lineno);
	}
	if (!m->d)
		goto out;
	if (strlen(ck) != 2 * m->dlen) {
		error(v, "%s line %zu: the checksum has %zu hex digits, %s has %zu", m->name,
		      lineno, strlen(ck), m->alg, 2 * m->dlen);
		goto out;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct mentry *g = realloc(m->e, cap * sizeof(*g));
		if (!g)
			return v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
		m->e = g;
		m->cap = cap;
	}
	e = &m->e[m->n];
	memset(e, 0, sizeof(*e));
	e->lineno = lineno;
	if (cy_hex_decode(ck, strlen(ck), e->dg, m->dlen))
		goto out; /* checked hex by the parser: cannot happen */
	rc = cy_bag__map_put(&m->index, path, pathlen, m->n, &old);
	if (rc == CY_EEXISTS) {
		bool same = !memcmp(m->e[old].dg, e->dg, m->dlen);
		if (!same)
			error(v,
			      "%s lines %zu and %zu: '%s' is listed twice with different "
			      "checksums",
			      m->name, m->e[old].lineno, lineno, shown(&sb, path));
		else if (v->v1)
			error(v,
			      "%s lines %zu and %zu: '%s' is listed twice (RFC 8493 2.1.3: "
			      "once only)",
			      m->name, m->e[old].lineno, lineno, shown(&sb, path));
		else
			warning(v, "%s lines %zu and %zu: '%s' is listed twice (same checksum)",
				m->name, m->e[old].lineno, lineno, shown(&sb, path));
		goto out;
	}
	if (rc)
		return v->fatal = rc;
	if (!(e->path = strdup(path)))
		return v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
	m->n++;
out:
	cy_buf_release(&sb);
	return v->fatal;
}

static void load_manifest(vctx *v, struct manifest *m)
{
	cy_buf raw = CY_BUF_INIT, text = CY_BUF_INIT;
	struct mctx c = {v, m};
	bool bom;
	int rc;

	if ((rc = read_all(v, m->name, &raw))) {
		error(v, "%s: cannot read it: %s", m->name, strerror(-rc));
		goto out;
	}
	if (cy_bag__decode_text(raw.ptr, raw.len, v->decl.encoding, &text, &bom)) {
		error(v, "%s: %s", m->name, cy_error_message());
		goto out;
	}
	if (bom && !strcasecmp(v->decl.encoding, "UTF-8"))
		warning(v, "%s begins with a byte order mark", m->name);
	rc = cy_bag__parse_manifest((const char *)text.ptr, text.len, on_manifest_line, &c);
	if (rc && !v->fatal)
		error(v, "%s %s", m->name, cy_error_message());
out:
	cy_buf_release(&raw);
	cy_buf_release(&text);
}

/* ---- fetch.txt ------------------------------------------------------------------------------ */

static void load_fetch(vctx *v)
{
	cy_buf raw = CY_BUF_INIT, text = CY_BUF_INIT, path = CY_BUF_INIT, sb = CY_BUF_INIT;
	const char *t, *end;
	size_t lineno = 0;
	bool bom;
	int rc;

	if ((rc = read_all(v, "fetch.txt", &raw))) {
		error(v, "fetch.txt: cannot read it: %s", strerror(-rc));
		goto out;
	}
	if (cy_bag__decode_text(raw.ptr, raw.len, v->decl.encoding, &text, &bom)) {
		error(v, "fetch.txt: %s", cy_error_message());
		goto out;
	}
	t = cy_buf_cstr(&text);
	end = t + text.len;
	while (t < end) {
		const char *e = t, *p;
		const char *why;
		int field = 0;

		while (e < end && *e != '\n' && *e != '\r')
			e++;
		lineno++;
		/* URL, blanks, LENGTH or '-', blanks, FILEPATH */
		for (p = t; p < e && field < 2; field++) {
			while (p < e && *p != ' ' && *p != '\t')
				p++;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
		}
		if (p == t || (field < 2 && p < e)) {
			/* nothing */
		} else if (p < e) {
			cy_buf_clear(&path);
			for (; p < e; p++) {
				char c = *p;
				if (c == '%' && e - p >= 3 &&
				    (!strncasecmp(p, "%0A", 3) || !strncasecmp(p, "%0D", 3) ||
				     !strncmp(p, "%25", 3))) {
					c = p[2] == '5'			   ? '%'
					    : (p[2] == 'A' || p[2] == 'a') ? '\n'
									   : '\r';
					p += 2;
				}
				if (cy_buf_putc(&path, c)) {
					v->fatal = CY_ENOMEM;
					goto out;
				}
			}
			if (!cy_bag__path_clean((const char *)path.ptr, path.len, &why))
				error(v,
				      "fetch.txt line %zu: '%s' is not a path inside the bag (%s)",
				      lineno, shown(&sb, cy_buf_cstr(&path)), why);
			else if (strncmp(cy_buf_cstr(&path), "data/", 5))
				error(v,
				      "fetch.txt line %zu: '%s' is outside the payload directory",
				      lineno, shown(&sb, cy_buf_cstr(&path)));
			else if ((rc = cy_bag__map_put(&v->fetch, (const char *)path.ptr, path.len,
						       0, NULL)) &&
				 rc != CY_EEXISTS)
				v->fatal = rc;
		} else if (e > t) {
			error(v, "fetch.txt line %zu: not 'URL LENGTH FILEPATH'", lineno);
		}
		t = e;
		while (t < end && (*t == '\n' || *t == '\r'))
			t++;
	}
	warning(v, "fetch.txt: a holey bag; custody does not fetch: a file it names that is not "
		   "here makes the bag incomplete and invalid");
out:
	cy_buf_release(&raw);
	cy_buf_release(&text);
	cy_buf_release(&path);
	cy_buf_release(&sb);
}

/* ---- checking ------------------------------------------------------------------------------- */

/* Is path present though not under this spelling: a manifest line that
 * differs from a present one only by case or Unicode normalisation? */
static size_t fold_twin(vctx *v, struct manifest *m, const char *path)
{
	cy_buf k = CY_BUF_INIT, k2 = CY_BUF_INIT;
	size_t found = SIZE_MAX;

	if (cy_bag__fold_key(path, strlen(path), &k))
		goto out;
	for (size_t i = 0; i < m->n && found == SIZE_MAX; i++) {
		if (!strcmp(m->e[i].path, path) ||
		    cy_bag__map_get(&v->payload.index, m->e[i].path, strlen(m->e[i].path)) ==
			    SIZE_MAX)
			continue;
		if (!cy_bag__fold_key(m->e[i].path, strlen(m->e[i].path), &k2) && k2.len == k.len &&
		    !memcmp(k.ptr, k2.ptr, k.len))
			found = i;
	}
out:
	cy_buf_release(&k);
	cy_buf_release(&k2);
	return found;
}

static void check_listing(vctx *v, struct manifest *m)
{
	cy_buf sb = CY_BUF_INIT, sb2 = CY_BUF_INIT;

	for (size_t i = 0; i < m->n && !v->fatal; i++) {
		const char *p = m->e[i].path;
		size_t twin;

		if (cy_bag__map_get(&v->payload.index, p, strlen(p)) != SIZE_MAX)
			continue;
		if ((twin = fold_twin(v, m, p)) != SIZE_MAX) {
			if (memcmp(m->e[twin].dg, m->e[i].dg, m->dlen))
				error(v,
				      "%s: '%s' is missing; '%s', the same name on a "
				      "case-insensitive file system, has another checksum",
				      m->name, shown(&sb, p), shown(&sb2, m->e[twin].path));
			else
				warning(v,
					"%s: '%s' and '%s' differ only in case or Unicode "
					"normalisation: one file where file systems fold names",
					m->name, shown(&sb, p), shown(&sb2, m->e[twin].path));
		} else if (cy_bag__map_get(&v->fetch, p, strlen(p)) != SIZE_MAX) {
			v->rep->complete = false;
			error(v,
			      "%s: '%s' is listed in fetch.txt and not here (custody does not "
			      "fetch)",
			      m->name, shown(&sb, p));
		} else if (system_file(p)) {
			v->tolerated++;
			warning(v,
				"%s: '%s' is missing: an operating system's file, which copies "
				"often drop",
				m->name, shown(&sb, p));
		} else {
			v->rep->complete = false;
			error(v, "%s: '%s' is listed but missing", m->name, shown(&sb, p));
		}
	}
	for (size_t i = 0; i < v->payload.n && !v->fatal; i++) {
		const char *p = v->payload.f[i].path;
		if (cy_bag__map_get(&m->index, p, strlen(p)) == SIZE_MAX)
			error(v, "%s is present but not listed in %s", shown(&sb, p), m->name);
	}
	cy_buf_release(&sb);
	cy_buf_release(&sb2);
}

/* Check the digests of one file against every manifest of kind `tag` that
 * lists it, reading it at most once. */
static void check_file(vctx *v, const char *path, bool tag)
{
	cy_digest *d[8];
	size_t which[8], nd = 0;
	uint8_t got[8][64];
	const struct cy_bag__digest *pre = NULL;
	cy_buf sb = CY_BUF_INIT;
	uint64_t size;
	size_t k;
	int rc;

	if (v->pre && (k = cy_bag__map_get(&v->pre->index, path, strlen(path))) != SIZE_MAX)
		pre = &v->pre->e[k];
	for (size_t i = 0; i < v->nm && nd < 8; i++) {
		struct manifest *m = &v->m[i];
		size_t e;
		const uint8_t *have = NULL;

		if (m->tag != tag || !m->d ||
		    (e = cy_bag__map_get(&m->index, path, strlen(path))) == SIZE_MAX)
			continue;
		if (pre && !strcmp(m->alg, "sha256"))
			have = pre->sha256;
		else if (pre && !strcmp(m->alg, "sha512"))
			have = pre->sha512;
		if (have) {
			if (memcmp(have, m->e[e].dg, m->dlen))
				error(v, "%s: the %s checksum does not match %s", shown(&sb, path),
				      m->alg, m->name);
			continue;
		}
		which[nd] = i;
		d[nd++] = m->d;
	}
	if (!nd)
		goto out;
	if ((rc = hash_file(v, path, d, nd, got, &size))) {
		if (rc == -ENOENT)
			error(v, "%s is listed in %s but missing", shown(&sb, path),
			      v->m[which[0]].name);
		else
			error(v, "%s: cannot read it: %s", shown(&sb, path), strerror(-rc));
		goto out;
	}
	for (size_t j = 0; j < nd; j++) {
		struct manifest *m = &v->m[which[j]];
		size_t e = cy_bag__map_get(&m->index, path, strlen(path));
		if (memcmp(got[j], m->e[e].dg, m->dlen))
			error(v, "%s: the %s checksum does not match %s", shown(&sb, path), m->alg,
			      m->name);
	}
out:
	cy_buf_release(&sb);
}

/* ---- bag-info.txt --------------------------------------------------------------------------- */

static int on_info(void *arg, size_t lineno, const char *label, const char *value)
{
	vctx *v = arg;
	cy_bag_report *r = v->rep;
	char **l, **val;

	if (!(l = realloc(r->info_labels, (r->ninfo + 1) * sizeof(*l))))
		return v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
	r->info_labels = l;
	if (!(val = realloc(r->info_values, (r->ninfo + 1) * sizeof(*val))))
		return v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
	r->info_values = val;
	l[r->ninfo] = strdup(label);
	val[r->ninfo] = strdup(value);
	if (!l[r->ninfo] || !val[r->ninfo]) {
		free(l[r->ninfo]);
		free(val[r->ninfo]);
		return v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
	}
	r->ninfo++;
	return 0;
}

static void load_info(vctx *v)
{
	cy_buf raw = CY_BUF_INIT, text = CY_BUF_INIT;
	const char *oxum;
	bool bom, loose;
	int rc;

	if ((rc = read_all(v, "bag-info.txt", &raw))) {
		if (rc != -ENOENT)
			error(v, "bag-info.txt: cannot read it: %s", strerror(-rc));
		goto out;
	}
	if (cy_bag__decode_text(raw.ptr, raw.len, v->decl.encoding, &text, &bom)) {
		error(v, "bag-info.txt: %s", cy_error_message());
		goto out;
	}
	rc = cy_bag__parse_info((const char *)text.ptr, text.len, on_info, v, &loose);
	if (rc) {
		if (!v->fatal)
			error(v, "bag-info.txt %s", cy_error_message());
		goto out;
	}
	if (loose && v->v1)
		warning(v, "bag-info.txt: white space around ':' other than one blank after it");
	if ((oxum = cy_bag_info_get(v->rep, "Payload-Oxum"))) {
		uint64_t bytes, files;
		if (cy_bag__parse_oxum(oxum, &bytes, &files))
			error(v, "bag-info.txt: %s", cy_error_message());
		else if (bytes != v->rep->bytes || files != v->rep->files) {
			if (v->tolerated)
				warning(v,
					"Payload-Oxum says %llu bytes in %llu files; %llu bytes "
					"in %llu files are present (operating system files "
					"missing)",
					(unsigned long long)bytes, (unsigned long long)files,
					(unsigned long long)v->rep->bytes,
					(unsigned long long)v->rep->files);
			else
				error(v,
				      "Payload-Oxum says %llu bytes in %llu files; the payload "
				      "has %llu bytes in %llu files",
				      (unsigned long long)bytes, (unsigned long long)files,
				      (unsigned long long)v->rep->bytes,
				      (unsigned long long)v->rep->files);
		}
	}
out:
	cy_buf_release(&raw);
	cy_buf_release(&text);
}

/* ---- the whole ------------------------------------------------------------------------------ */

static void warn_decl(void *arg, const char *msg)
{
	warning(arg, "%s", msg);
}

static int cmp_manifest(const void *a, const void *b)
{
	return strcmp(((const struct manifest *)a)->name, ((const struct manifest *)b)->name);
}

static void find_manifests(vctx *v)
{
	for (size_t i = 0; i < v->tags.n && !v->fatal; i++) {
		const char *p = v->tags.f[i].path;
		struct manifest *g, *m;
		char alg[16];
		bool tag;
		int rc;

		if (strchr(p, '/') || !cy_bag__manifest_name(p, alg, &tag))
			continue;
		if (!(g = realloc(v->m, (v->nm + 1) * sizeof(*g)))) {
			v->fatal = cy_error_set(CY_ENOMEM, "out of memory");
			return;
		}
		v->m = g;
		m = &v->m[v->nm++];
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", p);
		memcpy(m->alg, alg, sizeof(m->alg));
		m->tag = tag;
		rc = cy_digest_new(&m->d, alg);
		if (rc == CY_EUNSUPPORTED)
			warning(v, "%s: algorithm '%s' is not supported; not checked", p, alg);
		else if (rc)
			v->fatal = rc;
		else
			m->dlen = cy_digest_len(m->d);
	}
	if (v->nm)
		qsort(v->m, v->nm, sizeof(*v->m), cmp_manifest);
}

int cy_bag__validate_fd(int dirfd, const cy_bag__digests *pre, cy_bag_report *rep)
{
	vctx v = {.rep = rep, .dirfd = dirfd, .pre = pre};
	cy_buf raw = CY_BUF_INIT, sb = CY_BUF_INIT;
	size_t payload_manifests = 0;
	struct stat st;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->complete = true;
	if (!(v.buf = malloc(READ_BLOCK))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	/* bagit.txt: without it nothing else can be read */
	if ((rc = read_all(&v, "bagit.txt", &raw))) {
		rep->complete = false;
		if (rc == -ENOENT)
			error(&v, "bagit.txt is missing (every bag has one)");
		else
			error(&v, "bagit.txt cannot be read: %s", strerror(-rc));
		goto done;
	}
	if (cy_bag__parse_decl(raw.ptr, raw.len, &v.decl, warn_decl, &v)) {
		error(&v, "%s", cy_error_message());
		goto done;
	}
	snprintf(rep->version, sizeof(rep->version), "%s", v.decl.version);
	v.v1 = v.decl.major >= 1;
	if (v.decl.major > 1)
		warning(&v, "BagIt-Version %s is newer than 1.0; checked as 1.0", v.decl.version);

	walk(&v, dirfd, ".", "", &v.tags, 0);
	/* a missing data/ is judged below, once the manifests are read */
	if (fstatat(dirfd, "data", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			walk(&v, dirfd, "data", "data", &v.payload, 1);
		else
			error(&v, "data is not a directory (a symbolic link or a file)");
	}
	if (v.fatal)
		goto done;
	if (v.payload.n)
		qsort(v.payload.f, v.payload.n, sizeof(*v.payload.f), cmp_file);
	/* the map's values are indexes: rebuild after sorting */
	cy_bag__map_release(&v.payload.index);
	for (size_t i = 0; i < v.payload.n; i++)
		if ((rc = cy_bag__map_put(&v.payload.index, v.payload.f[i].path,
					  strlen(v.payload.f[i].path), i, NULL)) &&
		    rc != CY_EEXISTS) {
			v.fatal = rc;
			goto done;
		}
	for (size_t i = 0; i < v.payload.n; i++) {
		rep->files++;
		rep->bytes += v.payload.f[i].size;
	}

	find_manifests(&v);
	if (cy_bag__map_get(&v.tags.index, "fetch.txt", 9) != SIZE_MAX)
		load_fetch(&v);
	for (size_t i = 0; i < v.nm && !v.fatal; i++) {
		load_manifest(&v, &v.m[i]);
		if (!v.m[i].tag && v.m[i].d)
			payload_manifests++;
	}
	if (v.fatal)
		goto done;
	if (!payload_manifests) {
		error(&v, "no payload manifest (manifest-ALG.txt) of a supported algorithm");
		rep->complete = false;
	}
	if (fstatat(dirfd, "data", &st, AT_SYMLINK_NOFOLLOW) != 0) {
		bool listed = false;
		for (size_t i = 0; i < v.nm; i++)
			listed |= !v.m[i].tag && v.m[i].n > 0;
		if (listed)
			error(&v, "the payload directory data/ is missing");
		else
			warning(&v, "the payload directory data/ is missing (an empty payload; "
				    "some copies, Git's among them, drop empty directories)");
	}
	for (size_t i = 0; i < v.nm && !v.fatal; i++)
		if (!v.m[i].tag && v.m[i].d)
			check_listing(&v, &v.m[i]);
	for (size_t i = 0; i < v.payload.n && !v.fatal; i++)
		check_file(&v, v.payload.f[i].path, false);
	/* tag manifests: every file they list, present or not */
	for (size_t i = 0; i < v.nm && !v.fatal; i++) {
		struct manifest *m = &v.m[i];
		for (size_t j = 0; m->tag && m->d && j < m->n && !v.fatal; j++) {
			const char *p = m->e[j].path;
			bool first = true;
			/* once per file: skip it if an earlier tag manifest lists it */
			for (size_t k = 0; k < i && first; k++)
				if (v.m[k].tag && v.m[k].d &&
				    cy_bag__map_get(&v.m[k].index, p, strlen(p)) != SIZE_MAX)
					first = false;
			if (!first)
				continue;
			if (cy_bag__map_get(&v.tags.index, p, strlen(p)) == SIZE_MAX &&
			    cy_bag__map_get(&v.payload.index, p, strlen(p)) == SIZE_MAX) {
				rep->complete = false;
				error(&v, "%s is listed in %s but missing", shown(&sb, p), m->name);
				continue;
			}
			check_file(&v, p, true);
		}
	}
	load_info(&v);
	if (cy_bag__map_get(&v.tags.index, "tagmanifest-sha256.txt", 22) != SIZE_MAX) {
		size_t k = SIZE_MAX;
		if (pre)
			k = cy_bag__map_get(&pre->index, "tagmanifest-sha256.txt", 22);
		if (k != SIZE_MAX) {
			memcpy(rep->tagmanifest_sha256, pre->e[k].sha256, 32);
			rep->has_tagmanifest_sha256 = true;
		} else if (!read_all(&v, "tagmanifest-sha256.txt", &raw)) {
			cy_sha256(raw.ptr, raw.len, rep->tagmanifest_sha256);
			rep->has_tagmanifest_sha256 = true;
		}
	}
done:
	if (v.fatal) {
		rc = v.fatal;
		goto out;
	}
	if (v.more_err)
		error(&v, "... and %zu more errors", v.more_err);
	if (v.more_warn)
		warning(&v, "... and %zu more warnings", v.more_warn);
	rep->valid = rep->nerrors == 0;
	rc = rep->valid ? 0
			: cy_error_set(CY_ECORRUPT, "the bag is not valid: %s%s", rep->errors[0],
				       rep->nerrors > 1 ? " (and more)" : "");
out:
	for (size_t i = 0; i < v.nm; i++) {
		for (size_t j = 0; j < v.m[i].n; j++)
			free(v.m[i].e[j].path);
		free(v.m[i].e);
		cy_bag__map_release(&v.m[i].index);
		cy_digest_free(v.m[i].d);
	}
	free(v.m);
	files_release(&v.payload);
	files_release(&v.tags);
	cy_bag__map_release(&v.fetch);
	free(v.buf);
	cy_buf_release(&raw);
	cy_buf_release(&sb);
	return rc;
}

int cy_bag_validate(const char *dir, cy_bag_report *rep)
{
	int fd, rc;

	memset(rep, 0, sizeof(*rep));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "bag %s", dir);
	rc = cy_bag__validate_fd(fd, NULL, rep);
	close(fd);
	return rc;
}

const char *cy_bag_info_get(const cy_bag_report *r, const char *label)
{
	for (size_t i = 0; i < r->ninfo; i++)
		if (!strcasecmp(r->info_labels[i], label))
			return r->info_values[i];
	return NULL;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void cy_bag_report_free(cy_bag_report *r)
{
	if (!r)
		return;
	free_list(r->errors, r->nerrors);
	free_list(r->warnings, r->nwarnings);
	free_list(r->info_labels, r->ninfo);
	free_list(r->info_values, r->ninfo);
	memset(r, 0, sizeof(*r));
}
