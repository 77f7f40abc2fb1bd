/* bagit_write.c - a BagIt bag written as a stream: a POSIX tar (libarchive,
 * pax restricted: ustar headers, pax ones only for long or non-ASCII names)
 * handed to a sink block by block.  Each file is hashed with SHA-256 and
 * SHA-512 as its bytes pass on their way into libarchive, which sends full
 * blocks straight from the caller's buffer; the manifests, bag-info.txt and
 * the tag manifests are built in memory and written last.  The profile is
 * docs/formats/bagit.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "crypto/crypto.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

/* libarchive's block: the sink sees writes of this size (an age STREAM chunk
 * is 64 KiB too), and full blocks go to it without a copy. */
#define BLOCK (64 * 1024)

/* USER: a file the caller adds (payload under data/, else a tag file). */
enum kind { USER, PAYLOAD, TAG, TAGMANIFEST };

struct cy_bag_writer {
	struct archive *a;
	struct archive_entry *ent;
	char *top;
	cy_bag_sink sink;
	void *arg;
	int sink_rc; /* the sink's code, returned instead of libarchive's text */
	cy_sha256_ctx *h256;
	cy_sha512_ctx *h512;
	/* the open file */
	bool open;
	enum kind kind;
	char *path;
	uint64_t size, done;
	/* manifests (payload) and tag manifests, as lines */
	cy_buf m256, m512, t256, t512;
	cy_buf info; /* the caller's bag-info elements */
	bool has_date, has_size;
	uint64_t files, bytes;
	cy_bag__map names;	    /* claimed names (cy_bag__claim) */
	uint8_t tm256[CY_HASH_LEN]; /* SHA-256 of tagmanifest-sha256.txt */
	int64_t now;
	bool failed, finished;
	bool discard; /* being freed unfinished: the sink sees nothing more */
};

static la_ssize_t write_cb(struct archive *a, void *client, const void *buf, size_t n)
{
	cy_bag_writer *b = client;
	int rc;

	if (b->discard)
		return (la_ssize_t)n;
	rc = b->sink(b->arg, buf, n);

	if (rc) {
		b->sink_rc = rc < 0 ? rc : CY_EIO;
		archive_set_error(a, 5 /* EIO */, "the sink refused the bytes");
		return -1;
	}
	return (la_ssize_t)n;
}

/* libarchive's failure as ours (the sink's own code when it was the sink). */
static int la_error(cy_bag_writer *b, const char *what)
{
	b->failed = true;
	if (b->sink_rc)
		return b->sink_rc;
	return cy_error_set(CY_EIO, "tar: %s: %s", what,
			    archive_error_string(b->a) ? archive_error_string(b->a) : "failed");
}

static int put_header(cy_bag_writer *b, const char *rel, uint64_t size, int64_t mtime, bool dir)
{
	cy_buf full = CY_BUF_INIT;
	int rc;

	locale_t old;

	if ((rc = cy_buf_printf(&full, "%s%s%s", b->top, *rel ? "/" : "", rel)))
		return rc;
	old = cy_bag__utf8_begin();
	archive_entry_clear(b->ent);
	archive_entry_set_pathname_utf8(b->ent, cy_buf_cstr(&full));
	archive_entry_set_filetype(b->ent, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(b->ent, dir ? 0700 : 0600);
	archive_entry_set_size(b->ent, dir ? 0 : (la_int64_t)size);
	archive_entry_set_mtime(b->ent, (time_t)mtime, 0);
	if (archive_write_header(b->a, b->ent) != ARCHIVE_OK)
		rc = la_error(b, cy_buf_cstr(&full));
	cy_bag__utf8_end(old);
	cy_buf_release(&full);
	return rc;
}

static bool reserved(const char *p)
{
	char alg[16];
	bool tag;

	return !strcmp(p, "bagit.txt") || !strcmp(p, "bag-info.txt") || !strcmp(p, "fetch.txt") ||
	       !strcmp(p, "data") || cy_bag__manifest_name(p, alg, &tag);
}

static int add(cy_bag_writer *b, const char *path, const void *data, size_t n, int64_t mtime,
	       enum kind k);

int cy_bag_writer_new(cy_bag_writer **out, const char *top, cy_bag_sink sink, void *arg)
{
	static const char DECL[] = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
	cy_bag_writer *b = NULL;
	const char *why;
	int rc;

	*out = NULL;
	if (!cy_bag__path_clean(top, strlen(top), &why) || strchr(top, '/'))
		return cy_error_set(CY_EINVALID, "bag name '%s': %s", top,
				    strchr(top, '/') ? "not one path segment" : why);
	if (!(b = calloc(1, sizeof(*b))) || !(b->top = strdup(top)))
		goto nomem;
	b->sink = sink;
	b->arg = arg;
	b->now = (int64_t)time(NULL);
	if ((rc = cy_sha256_new(&b->h256)) || (rc = cy_sha512_new(&b->h512)))
		goto out;
	if (!(b->a = archive_write_new()) || !(b->ent = archive_entry_new()))
		goto nomem;
	if (archive_write_set_format_pax_restricted(b->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(b->a, BLOCK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(b->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(b->a, b, NULL, write_cb, NULL, NULL) != ARCHIVE_OK) {
		rc = la_error(b, "open");
		goto out;
	}
	if ((rc = put_header(b, "", 0, b->now, true)))
		goto out;
	if ((rc = add(b, "bagit.txt", DECL, sizeof(DECL) - 1, b->now, TAG)))
		goto out;
	*out = b;
	return 0;
nomem:
	rc = cy_error_set(CY_ENOMEM, "out of memory");
out:
	cy_bag_writer_free(b);
	return rc;
}

/* Begin any file; internal names skip the reserved-name check. */
static int begin(cy_bag_writer *b, const char *path, uint64_t size, int64_t mtime, enum kind k)
{
	size_t n = strlen(path);
	const char *why;
	int rc;

	if (b->failed || b->finished)
		return cy_error_set(CY_EINVALID, "bag writer: %s",
				    b->failed ? "failed before" : "already finished");
	if (b->open)
		return cy_error_set(CY_EINVALID, "bag writer: '%s' is still open", b->path);
	if (!cy_bag__path_clean(path, n, &why))
		return cy_error_set(CY_EINVALID, "bag file '%s': %s", path, why);
	if ((rc = cy_bag__claim(&b->names, path, n, false)))
		return rc;
	free(b->path);
	if (!(b->path = strdup(path)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = put_header(b, path, size, mtime, false)))
		return rc;
	b->open = true;
	b->kind = k;
	b->size = size;
	b->done = 0;
	return 0;
}

int cy_bag_file_begin(cy_bag_writer *b, const char *path, uint64_t size, int64_t mtime)
{
	if (reserved(path))
		return cy_error_set(CY_EINVALID, "bag file '%s': a name BagIt reserves", path);
	return begin(b, path, size, mtime, strncmp(path, "data/", 5) ? TAG : PAYLOAD);
}

int cy_bag_file_write(cy_bag_writer *b, const void *data, size_t n)
{
	const uint8_t *p = data;
	int rc;

	if (!b->open || b->failed)
		return cy_error_set(CY_EINVALID, "bag writer: no file open");
	if (n > b->size - b->done) {
		b->failed = true;
		return cy_error_set(CY_EINVALID, "bag file '%s': more bytes than its size %llu",
				    b->path, (unsigned long long)b->size);
	}
	if ((rc = cy_sha256_update(b->h256, p, n)) || (rc = cy_sha512_update(b->h512, p, n))) {
		b->failed = true;
		return rc;
	}
	while (n) {
		la_ssize_t w = archive_write_data(b->a, p, n);
		if (w <= 0)
			return la_error(b, b->path);
		p += w;
		n -= (size_t)w;
		b->done += (uint64_t)w;
	}
	return 0;
}

/* "%" as "%25" (RFC 8493 2.1.3; CR and LF never reach here). */
static int put_line(cy_buf *m, const uint8_t *dg, size_t len, const char *path)
{
	char hex[2 * CY_SHA512_LEN + 1];
	int rc;

	cy_hex_encode(dg, len, hex);
	if ((rc = cy_buf_puts(m, hex)) || (rc = cy_buf_puts(m, "  ")))
		return rc;
	for (const char *s = path; *s && !rc; s++)
		rc = *s == '%' ? cy_buf_puts(m, "%25") : cy_buf_putc(m, *s);
	return rc ? rc : cy_buf_putc(m, '\n');
}

int cy_bag_file_end(cy_bag_writer *b)
{
	uint8_t d256[CY_HASH_LEN], d512[CY_SHA512_LEN];
	int rc;

	if (!b->open || b->failed)
		return cy_error_set(CY_EINVALID, "bag writer: no file open");
	if (b->done != b->size) {
		b->failed = true;
		return cy_error_set(CY_EINVALID, "bag file '%s': %llu bytes written, %llu declared",
				    b->path, (unsigned long long)b->done,
				    (unsigned long long)b->size);
	}
	if ((rc = cy_sha256_final(b->h256, d256)) || (rc = cy_sha512_final(b->h512, d512)) ||
	    (rc = cy_sha256_reset(b->h256)) || (rc = cy_sha512_reset(b->h512)))
		goto out;
	if (archive_write_finish_entry(b->a) != ARCHIVE_OK) {
		rc = la_error(b, b->path);
		goto out;
	}
	b->open = false;
	if (b->kind == PAYLOAD) {
		b->files++;
		b->bytes += b->size;
		if ((rc = put_line(&b->m256, d256, sizeof(d256), b->path)) ||
		    (rc = put_line(&b->m512, d512, sizeof(d512), b->path)))
			goto out;
	} else if (b->kind == TAG) {
		if ((rc = put_line(&b->t256, d256, sizeof(d256), b->path)) ||
		    (rc = put_line(&b->t512, d512, sizeof(d512), b->path)))
			goto out;
	} else if (!strcmp(b->path, "tagmanifest-sha256.txt")) {
		memcpy(b->tm256, d256, sizeof(d256));
	}
out:
	if (rc)
		b->failed = true;
	return rc;
}

static int add(cy_bag_writer *b, const char *path, const void *data, size_t n, int64_t mtime,
	       enum kind k)
{
	int rc;

	if ((rc = k == USER ? cy_bag_file_begin(b, path, n, mtime) : begin(b, path, n, mtime, k)))
		return rc;
	if ((rc = cy_bag_file_write(b, data, n)))
		return rc;
	return cy_bag_file_end(b);
}

int cy_bag_add_bytes(cy_bag_writer *b, const char *path, const void *data, size_t n, int64_t mtime)
{
	return add(b, path, data, n, mtime, USER);
}

int cy_bag_info_add(cy_bag_writer *b, const char *label, const char *value)
{
	size_t n = strlen(value);
	int rc = 0;

	if (!*label)
		return cy_error_set(CY_EINVALID, "bag-info: empty label");
	for (const char *s = label; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == ':')
			return cy_error_set(CY_EINVALID,
					    "bag-info label '%s': printable ASCII "
					    "without ':' or spaces",
					    label);
	if (!strcasecmp(label, "Payload-Oxum"))
		return cy_error_set(CY_EINVALID, "bag-info: Payload-Oxum is computed, not given");
	if (!cy_utf8_valid(value, n))
		return cy_error_set(CY_EINVALID, "bag-info %s: the value is not UTF-8", label);
	for (const char *s = value; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f)
			return cy_error_set(CY_EINVALID,
					    "bag-info %s: a control character in the value", label);
	b->has_date |= !strcasecmp(label, "Bagging-Date");
	b->has_size |= !strcasecmp(label, "Bag-Size");
	if ((rc = cy_buf_printf(&b->info, "%s: ", label)))
		return rc;
	for (const char *s = value; *s && !rc; s++)
		rc = *s == '\n' ? cy_buf_puts(&b->info, "\n  ") : cy_buf_putc(&b->info, *s);
	return rc ? rc : cy_buf_putc(&b->info, '\n');
}

static int bag_size(cy_buf *out, uint64_t n)
{
	static const char *U[] = {"B", "KB", "MB", "GB", "TB", "PB"};
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 5)
		v /= 1000, u++;
	return u ? cy_buf_printf(out, "Bag-Size: %.1f %s\n", v, U[u])
		 : cy_buf_printf(out, "Bag-Size: %llu B\n", (unsigned long long)n);
}

int cy_bag_finish(cy_bag_writer *b, uint8_t tagmanifest_sha256[32])
{
	cy_buf info = CY_BUF_INIT;
	int rc;

	if (b->failed || b->finished || b->open)
		return cy_error_set(CY_EINVALID, "bag writer: cannot finish (%s)",
				    b->open ? "a file is open" : "failed or finished");
	if ((rc = add(b, "manifest-sha256.txt", b->m256.ptr, b->m256.len, b->now, TAG)) ||
	    (rc = add(b, "manifest-sha512.txt", b->m512.ptr, b->m512.len, b->now, TAG)))
		goto out;
	if ((rc = cy_buf_put(&info, b->info.ptr, b->info.len)))
		goto out;
	if (!b->has_date) {
		struct tm tm;
		time_t t = (time_t)b->now;
		gmtime_r(&t, &tm);
		if ((rc = cy_buf_printf(&info, "Bagging-Date: %04d-%02d-%02d\n", tm.tm_year + 1900,
					tm.tm_mon + 1, tm.tm_mday)))
			goto out;
	}
	if (!b->has_size && (rc = bag_size(&info, b->bytes)))
		goto out;
	if ((rc = cy_buf_printf(&info, "Payload-Oxum: %llu.%llu\n", (unsigned long long)b->bytes,
				(unsigned long long)b->files)))
		goto out;
	if ((rc = add(b, "bag-info.txt", info.ptr, info.len, b->now, TAG)))
		goto out;
	if ((rc = add(b, "tagmanifest-sha256.txt", b->t256.ptr, b->t256.len, b->now,
		      TAGMANIFEST)) ||
	    (rc = add(b, "tagmanifest-sha512.txt", b->t512.ptr, b->t512.len, b->now, TAGMANIFEST)))
		goto out;
	if (archive_write_close(b->a) != ARCHIVE_OK) {
		rc = la_error(b, "close");
		goto out;
	}
	b->finished = true;
	if (tagmanifest_sha256)
		memcpy(tagmanifest_sha256, b->tm256, sizeof(b->tm256));
out:
	if (rc)
		b->failed = true;
	cy_buf_release(&info);
	return rc;
}

void cy_bag_writer_free(cy_bag_writer *b)
{
	if (!b)
		return;
	b->discard = !b->finished;
	if (b->a)
		archive_write_free(b->a); /* closes first: the tar's end, discarded */
	archive_entry_free(b->ent);
	cy_sha256_free(b->h256);
	cy_sha512_free(b->h512);
	free(b->top);
	free(b->path);
	cy_buf_release(&b->m256);
	cy_buf_release(&b->m512);
	cy_buf_release(&b->t256);
	cy_buf_release(&b->t512);
	cy_buf_release(&b->info);
	cy_bag__map_release(&b->names);
	free(b);
}
