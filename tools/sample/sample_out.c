/* sample_out.c - the output tree of custody-sample: the root directory and
 * its checks, writing each file, and manifest.csv, which lists every file
 * with its class, year, size and SHA-256 so that tests and the import can
 * compare what custody holds with what was generated. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "sample.h"

#include "custody/banned.h"

static const char *const class_names[] = {
	[SAMPLE_CUSTOMER] = "customer",
	[SAMPLE_CONTRACT] = "contract",
	[SAMPLE_TRANSACTION] = "transaction",
	[SAMPLE_ACCOUNTING] = "accounting",
	[SAMPLE_CORRESPONDENCE] = "correspondence",
	[SAMPLE_OTHER] = "other",
};

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create '%s'", path);
}

/* mkdir -p, reporting the directory that could not be made. */
static int make_dirs(const char *path)
{
	cy_buf b = CY_BUF_INIT;
	size_t i;
	int rc = 0;

	sample_puts(&b, path);
	for (i = 1; !rc && i <= b.len; i++) {
		char save;

		if (i < b.len && b.ptr[i] != '/')
			continue;
		save = (char)b.ptr[i];
		b.ptr[i] = 0;
		rc = make_dir((char *)b.ptr);
		b.ptr[i] = (uint8_t)save;
	}
	cy_buf_release(&b);
	return rc;
}

int sample_out_open(sample_out *o, const char *root, bool force)
{
	struct stat st;
	size_t n = strlen(root);

	memset(o, 0, sizeof(*o));
	while (n > 1 && root[n - 1] == '/')
		n--;
	o->root = strndup(root, n);
	if (!o->root)
		sample_die_nomem();
	o->force = force;
	if (stat(o->root, &st) < 0) {
		if (errno != ENOENT)
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot create '%s'", o->root);
		return make_dirs(o->root);
	}
	if (!S_ISDIR(st.st_mode))
		return cy_error_set_errno(CY_EEXISTS, ENOTDIR, "cannot create '%s'", o->root);
	if (!force && !cy_dir_is_empty(o->root))
		return cy_error_set(CY_EEXISTS, "'%s' is not empty; use --force to write into it",
				    o->root);
	return 0;
}

int sample_out_mkdir(sample_out *o, const char *rel)
{
	cy_buf path = CY_BUF_INIT;
	int rc;

	sample_printf(&path, "%s/%s", o->root, rel);
	rc = make_dir(cy_buf_cstr(&path));
	cy_buf_release(&path);
	return rc;
}

static int open_file(sample_out *o, const char *rel, cy_buf *path, int *fd)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (o->force ? O_TRUNC : O_EXCL);

	sample_printf(path, "%s/%s", o->root, rel);
	*fd = open(cy_buf_cstr(path), flags, 0644);
	if (*fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create '%s'",
					  cy_buf_cstr(path));
	return 0;
}

static int write_file(sample_out *o, const char *rel, const void *data, size_t n)
{
	cy_buf path = CY_BUF_INIT;
	int fd, rc;

	rc = open_file(o, rel, &path, &fd);
	if (rc)
		goto out;
	rc = cy_write_all(fd, data, n, cy_buf_cstr(&path));
	if (close(fd) < 0 && !rc)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write '%s'",
					cy_buf_cstr(&path));
	if (!rc) {
		o->files++;
		o->bytes += n;
	}
out:
	cy_buf_release(&path);
	return rc;
}

static void add_entry(sample_out *o, const char *rel, enum sample_class cls, int year, uint64_t n,
		      const uint8_t sha256[32])
{
	sample_entry *e;

	if (o->nentries == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		sample_entry *p = realloc(o->entries, cap * sizeof(*p));

		if (!p)
			sample_die_nomem();
		o->entries = p;
		o->cap = cap;
	}
	e = &o->entries[o->nentries++];
	e->path = strdup(rel);
	if (!e->path)
		sample_die_nomem();
	e->cls = cls;
	e->year = year;
	e->bytes = (size_t)n;
	memcpy(e->sha256, sha256, 32);
}

int sample_out_write(sample_out *o, const char *rel, enum sample_class cls, int year,
		     const void *data, size_t n)
{
	uint8_t sha[32];
	int rc = write_file(o, rel, data, n);

	if (rc)
		return rc;
	cy_sha256(data, n, sha);
	add_entry(o, rel, cls, year, n, sha);
	return 0;
}

int sample_file_open(sample_out *o, sample_file *f, const char *rel, enum sample_class cls,
		     int year)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->o = o;
	f->cls = cls;
	f->year = year;
	f->rel = strdup(rel);
	if (!f->rel)
		sample_die_nomem();
	if (cy_sha256_new(&f->sha))
		sample_die_nomem();
	rc = open_file(o, rel, &f->path, &f->fd);
	if (rc)
		sample_file_abort(f);
	return rc;
}

int sample_file_write(sample_file *f, const void *data, size_t n)
{
	int rc;

	if (!n)
		return 0;
	rc = cy_write_all(f->fd, data, n, cy_buf_cstr(&f->path));
	if (rc)
		return rc;
	if (cy_sha256_update(f->sha, data, n))
		sample_die_nomem();
	f->bytes += n;
	return 0;
}

int sample_file_flush(sample_file *f, cy_buf *b)
{
	int rc = sample_file_write(f, b->ptr, b->len);

	cy_buf_clear(b);
	return rc;
}

int sample_file_close(sample_file *f)
{
	uint8_t sha[32];
	int rc = 0;

	if (close(f->fd) < 0)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write '%s'",
					cy_buf_cstr(&f->path));
	f->fd = -1;
	if (!rc && cy_sha256_final(f->sha, sha))
		sample_die_nomem();
	if (!rc) {
		add_entry(f->o, f->rel, f->cls, f->year, f->bytes, sha);
		f->o->files++;
		f->o->bytes += f->bytes;
	}
	sample_file_abort(f);
	return rc;
}

void sample_file_abort(sample_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	cy_sha256_free(f->sha);
	f->sha = NULL;
	free(f->rel);
	f->rel = NULL;
	cy_buf_release(&f->path);
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const sample_entry *)a)->path, ((const sample_entry *)b)->path);
}

int sample_out_finish(sample_out *o)
{
	cy_buf b = CY_BUF_INIT;
	char hex[65];
	size_t i;
	int rc;

	qsort(o->entries, o->nentries, sizeof(*o->entries), entry_cmp);
	sample_puts(&b, "path,class,year,bytes,sha256\n");
	for (i = 0; i < o->nentries; i++) {
		const sample_entry *e = &o->entries[i];

		cy_hex_encode(e->sha256, sizeof(e->sha256), hex);
		sample_csv_field(&b, e->path);
		sample_printf(&b, ",%s,%d,%zu,%s\n", class_names[e->cls], e->year, e->bytes, hex);
	}
	rc = write_file(o, "manifest.csv", b.ptr, b.len);
	cy_buf_release(&b);
	return rc;
}

void sample_out_release(sample_out *o)
{
	size_t i;

	for (i = 0; i < o->nentries; i++)
		free(o->entries[i].path);
	free(o->entries);
	free(o->root);
	memset(o, 0, sizeof(*o));
}
