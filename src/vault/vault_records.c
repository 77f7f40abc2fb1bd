/* vault_records.c - records: classes and archive numbers, import, listing,
 * metadata, reading the original bytes back.
 *
 * A record's descriptive metadata (title, source path, SHA-256, format, file
 * time) is encrypted under the fonds' record-meta key and bound to its
 * archive number; the catalog keeps in clear only what carries no personal
 * data: archive number, class, year, retention, sizes.  Re-imports are
 * recognised by a blind index: HMAC of the content's SHA-256 under the fonds'
 * index key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "custody/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/fsutil.h"
#include "custody/object.h"
#include "vault/vault_internal.h"
#include "base/banned.h"

#define SMALL_FILE (16u << 20) /* sealed in memory by prepare; larger ones are streamed */
#define PACK_TARGET (64u << 20) /* start a new pack after this many bytes */
#define READ_BLOCK (1u << 20)

static const struct {
	const char *name, *code, *retention;
} CLASSES[CY_CLASS_COUNT] = {
	{"customer", "KH", "D30"},      {"contract", "HT", "D30"},
	{"transaction", "JY", "D30"},   {"accounting", "KJ", "D30"},
	{"correspondence", "WS", "D10"}, {"other", "QT", "D10"},
};

const char *cy_class_name(cy_class c)
{
	return c < CY_CLASS_COUNT ? CLASSES[c].name : "?";
}

const char *cy_class_code(cy_class c)
{
	return c < CY_CLASS_COUNT ? CLASSES[c].code : "??";
}

const char *cy_class_default_retention(cy_class c)
{
	return c < CY_CLASS_COUNT ? CLASSES[c].retention : "D10";
}

int cy_class_parse(const char *s, cy_class *out)
{
	for (int i = 0; i < CY_CLASS_COUNT; i++) {
		if (!strcmp(s, CLASSES[i].name)) {
			*out = (cy_class)i;
			return 0;
		}
	}
	return cy_error_set(CY_EINVALID,
			    "unknown class '%s' (classes: customer contract transaction accounting "
			    "correspondence other)",
			    s);
}

bool cy_retention_valid(const char *s)
{
	return !strcmp(s, "Y") || !strcmp(s, "D30") || !strcmp(s, "D10");
}

void cy_record_info_release(cy_record_info *r)
{
	free(r->title);
	free(r->source);
	r->title = r->source = NULL;
}

/* ---- encrypted record metadata ---- */

typedef struct rec_meta {
	uint8_t sha256[32];
	uint8_t salt[16]; /* the object's salt: binds the record to its own object */
	int64_t mtime;
	const char *title, *source, *format;
} rec_meta;

static void put_str16(cy_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > 65535)
		n = 65535;
	cy_buf_put_u8(b, (uint8_t)(n >> 8));
	cy_buf_put_u8(b, (uint8_t)n);
	cy_buf_put(b, s, n);
}

static void meta_aad(const char *archive_no, cy_buf *aad)
{
	cy_buf_clear(aad);
	cy_buf_printf(aad, "custody/record-meta/v1/%s", archive_no);
}

static int meta_seal(cy_aead *a, const char *archive_no, const rec_meta *m, cy_buf *out)
{
	cy_buf pt = CY_BUF_INIT, aad = CY_BUF_INIT;
	uint8_t nonce[12], t[8];
	int rc;

	cy_buf_put_u8(&pt, 1);
	cy_buf_put(&pt, m->sha256, 32);
	cy_store_u64be(t, (uint64_t)m->mtime);
	cy_buf_put(&pt, t, 8);
	cy_buf_put(&pt, m->salt, 16);
	put_str16(&pt, m->title);
	put_str16(&pt, m->source);
	put_str16(&pt, m->format);
	meta_aad(archive_no, &aad);
	rc = cy_random(nonce, 12);
	rc = rc ? rc : cy_buf_put(out, nonce, 12);
	rc = rc ? rc : cy_buf_grow(out, pt.len + 16);
	rc = rc ? rc : cy_aead_seal(a, nonce, aad.ptr, aad.len, pt.ptr, pt.len, out->ptr + out->len);
	if (!rc)
		out->len += pt.len + 16;
	cy_buf_wipe(&pt);
	cy_buf_release(&aad);
	return rc;
}

static int get_str16(const uint8_t **p, const uint8_t *end, char **out)
{
	size_t n;

	if (end - *p < 2)
		return -1;
	n = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	if ((size_t)(end - *p) < n)
		return -1;
	*out = strndup((const char *)*p, n);
	*p += n;
	return *out ? 0 : -1;
}

/* Decrypt a record's metadata into r (sha256, format, title, source). */
static int meta_open(const cy_fonds_key *k, const char *archive_no, const void *blob, size_t n,
		     cy_record_info *r)
{
	cy_buf aad = CY_BUF_INIT, pt = CY_BUF_INIT;
	cy_aead *a = NULL;
	char *fmt = NULL;
	const uint8_t *p, *end;
	int rc;

	if (n < 12 + 16 + 57 + 6)
		return cy_error_set(CY_ECORRUPT, "record %s: metadata is damaged", archive_no);
	meta_aad(archive_no, &aad);
	rc = cy_buf_grow(&pt, n);
	rc = rc ? rc : cy_aead_new(&a, CY_META_KEY(k));
	rc = rc ? rc : cy_aead_open(a, blob, aad.ptr, aad.len, (const uint8_t *)blob + 12, n - 12, pt.ptr);
	cy_aead_free(a);
	cy_buf_release(&aad);
	if (rc) {
		cy_buf_wipe(&pt);
		return cy_error_set(CY_ECORRUPT, "record %s: metadata fails authentication", archive_no);
	}
	pt.len = n - 12 - 16;
	p = pt.ptr;
	end = p + pt.len;
	if (p[0] != 1) {
		cy_buf_wipe(&pt);
		return cy_error_set(CY_ECORRUPT, "record %s: unknown metadata version", archive_no);
	}
	cy_hex_encode(p + 1, 32, r->sha256);
	memcpy(r->salt, p + 1 + 32 + 8, 16);
	p += 1 + 32 + 8 + 16;
	if (get_str16(&p, end, &r->title) || get_str16(&p, end, &r->source) || get_str16(&p, end, &fmt)) {
		cy_buf_wipe(&pt);
		cy_record_info_release(r);
		free(fmt);
		return cy_error_set(CY_ECORRUPT, "record %s: metadata is damaged", archive_no);
	}
	snprintf(r->format, sizeof(r->format), "%s", fmt);
	free(fmt);
	cy_buf_wipe(&pt);
	return 0;
}

/* ---- format sniffing (for the record's metadata; compression decides for itself) ---- */

/* Whether the first bytes of a file look like UTF-8 text (a sequence cut at
 * the end of the sample does not count against it). */
static bool sample_utf8(const uint8_t *p, size_t n)
{
	for (size_t cut = 0; cut < 4 && cut <= n; cut++)
		if (cy_utf8_valid((const char *)p, n - cut))
			return true;
	return false;
}

static const char *sniff_format(const uint8_t *p, size_t n, const char *name)
{
	const char *dot = strrchr(name, '.');

	if (n >= 4 && !memcmp(p, "%PDF", 4))
		return "pdf";
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "png";
	if (n >= 3 && !memcmp(p, "\xff\xd8\xff", 3))
		return "jpeg";
	if (n >= 4 && (!memcmp(p, "GIF8", 4)))
		return "gif";
	if (n >= 4 && !memcmp(p, "PK\x03\x04", 4))
		return "zip";
	if (n >= 4 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4)))
		return "tiff";
	if (memchr(p, 0, n) == NULL) {
		if (dot && !strcasecmp(dot, ".csv"))
			return "csv";
		if (dot && (!strcasecmp(dot, ".eml")))
			return "eml";
		if (dot && (!strcasecmp(dot, ".xml")))
			return "xml";
		if (dot && (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")))
			return "html";
		return sample_utf8(p, n) ? "text" : "text-legacy";
	}
	return "binary";
}

/* ---- import ---- */

/* A file on its way in.  Small files are read, hashed and sealed by
 * cy_import_prepare (which may run on another thread); large ones keep their
 * descriptor and are streamed by cy_import_add. */
struct cy_import_item {
	char *rel;
	int64_t mtime;
	uint64_t size;
	int fd;       /* large files: a dup of the caller's descriptor */
	int prepared; /* small file: obj holds the sealed object */
	uint8_t sha[32];
	uint8_t salt[16];
	const char *format;
	int compressed;
	cy_buf obj;
};

typedef struct item_no {
	int year;
	int64_t next;
} item_no;

struct cy_import {
	cy_vault *v;
	cy_fonds_key *fk;
	cy_class klass;
	int year;
	char retention[8];
	char org[8];
	cy_pack *pack;       /* current pack being filled */
	int64_t pack_id;     /* its row */
	cy_pack **done;      /* packs finished in this batch */
	size_t ndone;
	uint64_t pending_bytes, pending_files;
	cy_sha256_ctx *sha;
	uint8_t *buf;
	cy_buf meta;
	cy_aead *meta_aead;
	item_no *items; /* next item number per year, valid within the open transaction */
	size_t nitems;
	int swept;
};

int cy_import_begin(cy_vault *v, const cy_import_opts *o, cy_import **out)
{
	cy_import *im;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("import records"))))
		return rc;
	if (!cy_vault__fonds_key(v, o->fonds))
		return CY_EPERM;
	if (o->retention && !cy_retention_valid(o->retention))
		return cy_error_set(CY_EINVALID, "retention '%s' is not valid (Y, D30 or D10)", o->retention);
	if (o->year && (o->year < 1900 || o->year > 9999))
		return cy_error_set(CY_EINVALID, "year %d is not valid", o->year);
	if (o->org && *o->org) {
		size_t n = strlen(o->org);
		if (n > 3 || strspn(o->org, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
			return cy_error_set(CY_EINVALID,
					    "organisation code '%s' is not valid: 1-3 upper-case letters or digits",
					    o->org);
	}
	if (!(im = calloc(1, sizeof(*im))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	im->v = v;
	im->fk = cy_vault__fonds_key(v, o->fonds);
	im->klass = o->klass;
	im->year = o->year;
	snprintf(im->retention, sizeof(im->retention), "%s",
		 o->retention ? o->retention : cy_class_default_retention(o->klass));
	snprintf(im->org, sizeof(im->org), "%s", o->org ? o->org : "");
	if ((rc = cy_sha256_new(&im->sha)) || (rc = cy_aead_new(&im->meta_aead, CY_META_KEY(im->fk))))
		goto fail;
	if (!(im->buf = malloc(READ_BLOCK))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto fail;
	}
	*out = im;
	return 0;
fail:
	cy_import_free(im);
	return rc;
}

uint64_t cy_import_pending_bytes(const cy_import *im)
{
	return im->pending_bytes;
}

uint64_t cy_import_pending_files(const cy_import *im)
{
	return im->pending_files;
}

void cy_import_item_free(cy_import_item *it)
{
	if (!it)
		return;
	if (it->fd >= 0)
		close(it->fd);
	free(it->rel);
	cy_buf_wipe(&it->obj);
	free(it);
}

uint64_t cy_import_item_memory(const cy_import_item *it)
{
	return it->obj.cap + 256;
}

uint64_t cy_import_item_estimate(uint64_t size)
{
	/* what prepare will hold: the sealed copy (small files) plus a read block */
	return (size <= SMALL_FILE ? size + size / 64 + 4096 : 0) + READ_BLOCK / 16 + 256;
}

static int buf_sink(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

/* Read a file in blocks of bsz, hashing it into sha and sealing it as one
 * object into sink: one pass over the bytes.  Sets the item's SHA-256,
 * format, salt and compression; *stored is the sealed size.  A file that
 * grows or shrinks while it is read is refused. */
static int seal_file(const cy_import *im, int fd, cy_import_item *it, uint8_t *blk, size_t bsz,
		     cy_sha256_ctx *sha, cy_obj_sink sink, void *arg, uint64_t *stored)
{
	cy_objw *w = NULL;
	uint64_t total = 0;
	int rc;

	it->format = NULL;
	rc = cy_sha256_reset(sha);
	rc = rc ? rc : cy_objw_new(&w, im->fk->key, im->fk->key_id, CY_OBJ_COMPRESS_AUTO, sink, arg);
	while (!rc) {
		ssize_t n = cy_read_full(fd, blk, bsz, it->rel);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n == 0)
			break;
		if (!it->format)
			it->format = sniff_format(blk, n < 1024 ? (size_t)n : 1024, it->rel);
		total += (uint64_t)n;
		if (total > it->size)
			break;
		rc = cy_sha256_update(sha, blk, (size_t)n);
		rc = rc ? rc : cy_objw_write(w, blk, (size_t)n);
	}
	if (!rc && total != it->size)
		rc = cy_error_set(CY_EIO, "%s changed while it was read", it->rel);
	if (!rc && !it->format)
		it->format = sniff_format(blk, 0, it->rel);
	rc = rc ? rc : cy_objw_finish(w, stored);
	rc = rc ? rc : cy_sha256_final(sha, it->sha);
	if (!rc) {
		it->compressed = cy_objw_compressed(w);
		cy_objw_salt(w, it->salt);
	}
	cy_objw_free(w);
	return rc;
}

int cy_import_prepare(const cy_import *im, int fd, const char *rel, int64_t mtime,
		      cy_import_item **out)
{
	cy_import_item *it;
	struct stat st;
	uint64_t stored;
	int rc = 0;

	if (fstat(fd, &st) < 0)
		return cy_error_set_errno(CY_EIO, errno, "cannot stat %s", rel);
	if (!S_ISREG(st.st_mode))
		return cy_error_set(CY_EINVALID, "not a regular file");
	if (!cy_utf8_valid(rel, strlen(rel)))
		return cy_error_set(CY_EINVALID, "file name is not valid UTF-8");
	if (!(it = calloc(1, sizeof(*it))) || !(it->rel = strdup(rel))) {
		free(it);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	it->fd = -1;
	it->mtime = mtime;
	it->size = (uint64_t)st.st_size;
	if (it->size > SMALL_FILE) {
		/* streamed later by cy_import_add */
		if ((it->fd = dup(fd)) < 0)
			rc = cy_error_set_errno(CY_EIO, errno, "cannot keep %s open", rel);
		goto out;
	}
	{
		/* sealed into memory, in blocks: no second copy of the file */
		size_t bsz = it->size < READ_BLOCK ? (size_t)it->size + 1 : READ_BLOCK;
		uint8_t *blk = malloc(bsz);
		cy_sha256_ctx *sha = NULL;
		rc = blk ? 0 : cy_error_set(CY_ENOMEM, "out of memory");
		rc = rc ? rc : cy_buf_grow(&it->obj, (size_t)it->size + (size_t)it->size / 64 +
							     CY_OBJ_HEADER_LEN + 64);
		rc = rc ? rc : cy_sha256_new(&sha);
		rc = rc ? rc : seal_file(im, fd, it, blk, bsz, sha, buf_sink, &it->obj, &stored);
		cy_sha256_free(sha);
		if (blk) {
			explicit_bzero(blk, bsz);
			free(blk);
		}
		it->prepared = !rc;
	}
out:
	if (rc) {
		cy_import_item_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

static int ensure_tx(cy_import *im)
{
	int rc;

	if (im->v->in_tx)
		return 0;
	im->nitems = 0; /* numbers are read afresh in each transaction */
	if ((rc = cy_vault__begin(im->v)))
		return rc;
	if (!im->swept) {
		im->swept = 1;
		if ((rc = cy_vault__sweep_orphan_packs(im->v)))
			cy_vault__rollback(im->v);
	}
	return rc;
}

static int ensure_pack(cy_import *im, int64_t *pack_id)
{
	cy_stmt *s;
	int rc;

	if (!im->pack) {
		if ((rc = cy_pack_begin(im->v->store, &im->pack)))
			return rc;
		rc = cy_catalog_prepare(im->v->cat, "INSERT INTO packs (name, size) VALUES (?, 0)", &s);
		rc = rc ? rc : cy_stmt_bind_text(s, 1, cy_pack_name(im->pack));
		rc = rc ? rc : cy_stmt_step(s);
		if (rc < 0) {
			cy_pack_discard(im->pack);
			im->pack = NULL;
			return rc;
		}
		im->pack_id = cy_catalog_last_id(im->v->cat);
	}
	*pack_id = im->pack_id;
	return 0;
}

static int close_pack(cy_import *im)
{
	cy_stmt *s;
	cy_pack **nd;
	int rc;

	if (!im->pack)
		return 0;
	rc = cy_catalog_prepare(im->v->cat, "UPDATE packs SET size = ? WHERE name = ?", &s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)cy_pack_size(im->pack));
	rc = rc ? rc : cy_stmt_bind_text(s, 2, cy_pack_name(im->pack));
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	/* durable at the batch's commit; until then its writeback overlaps the next files */
	if ((rc = cy_pack_seal(im->pack)))
		return rc;
	nd = realloc(im->done, sizeof(*nd) * (im->ndone + 1));
	if (!nd)
		return cy_error_set(CY_ENOMEM, "out of memory");
	im->done = nd;
	im->done[im->ndone++] = im->pack;
	im->pack = NULL;
	return 0;
}

/* An existing record in this fonds with the same content, if any. */
static int find_duplicate(cy_import *im, const uint8_t dedup[32], char *archive_no)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(im->v->cat,
				    "SELECT archive_no FROM records WHERE fonds_id = ? AND dedup = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, im->fk->fonds_id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, dedup, 32);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		snprintf(archive_no, 64, "%s", cy_stmt_text(s, 0));
		cy_stmt_reset(s);
	}
	return rc;
}

/* The next item number of the year's group; *slot is where to store the
 * successor once the record is in. */
static int next_item(cy_import *im, int year, int64_t *item, item_no **slot)
{
	cy_stmt *s;
	item_no *ni;
	int rc;

	for (size_t i = 0; i < im->nitems; i++) {
		if (im->items[i].year == year) {
			*item = im->items[i].next;
			*slot = &im->items[i];
			return 0;
		}
	}
	rc = cy_catalog_prepare(im->v->cat,
				"SELECT coalesce(max(item), 0) + 1 FROM records WHERE fonds_id = ? "
				"AND class = ? AND year = ? AND retention = ? AND org = ?",
				&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, im->fk->fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, cy_class_name(im->klass));
	rc = rc ? rc : cy_stmt_bind_int(s, 3, year);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, im->retention);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, im->org);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc != 1)
		return rc < 0 ? rc : cy_error_set(CY_EDB, "cannot number record");
	*item = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	ni = realloc(im->items, sizeof(*ni) * (im->nitems + 1));
	if (!ni)
		return cy_error_set(CY_ENOMEM, "out of memory");
	im->items = ni;
	ni[im->nitems] = (item_no){year, *item};
	*slot = &ni[im->nitems++];
	return 0;
}

static int year_of(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	return tm.tm_year + 1900;
}

static const char *base_name(const char *rel)
{
	const char *s = strrchr(rel, '/');

	return s ? s + 1 : rel;
}

static int add_one(cy_import *im, cy_import_item *it, cy_import_outcome *outcome, char *archive_no)
{
	cy_vault *v = im->v;
	uint8_t dedup[32];
	uint64_t start, stored = 0;
	int64_t pack_id = 0, object_id, item = 0;
	item_no *slot = NULL;
	int year, rc;
	char title[256], now[21];
	cy_stmt *s;
	cy_ledger_entry e;

	pack_id = im->pack_id;
	start = cy_pack_size(im->pack);
	if (it->prepared) {
		cy_hmac_sha256(CY_INDEX_KEY(im->fk), 32, it->sha, 32, dedup);
		if ((rc = find_duplicate(im, dedup, archive_no)) != 0) {
			if (rc == 1)
				*outcome = CY_DUPLICATE;
			return rc == 1 ? 0 : rc;
		}
		stored = it->obj.len;
		if ((rc = cy_pack_write(im->pack, it->obj.ptr, it->obj.len)))
			goto undo;
	} else {
		/* large: a duplicate is only known after the pass; its bytes stay in
		 * the pack, unreferenced, until compaction */
		if ((rc = seal_file(im, it->fd, it, im->buf, READ_BLOCK, im->sha, cy_pack_write, im->pack,
				    &stored)))
			goto undo;
		cy_hmac_sha256(CY_INDEX_KEY(im->fk), 32, it->sha, 32, dedup);
		rc = find_duplicate(im, dedup, archive_no);
		if (rc == 1) {
			*outcome = CY_DUPLICATE;
			return 0;
		}
		if (rc < 0)
			goto undo;
	}

	/* number it: CODE-KL·YEAR-RET[-ORG]-NNNN */
	year = im->year ? im->year : year_of(it->mtime);
	if ((rc = next_item(im, year, &item, &slot)))
		goto undo;
	snprintf(archive_no, 64, "%s-%s\xc2\xb7%04d-%s%s%s-%04lld", im->fk->code,
		 cy_class_code(im->klass), year, im->retention, *im->org ? "-" : "", im->org,
		 (long long)item);

	rc = cy_catalog_prepare(v->cat,
				"INSERT INTO objects (pack_id, offset, length, size, compressed) "
				"VALUES (?, ?, ?, ?, ?)",
				&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, pack_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, (int64_t)start);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, (int64_t)stored);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, (int64_t)it->size);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, it->compressed);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		goto undo;
	object_id = cy_catalog_last_id(v->cat);

	{
		const char *bn = base_name(it->rel);
		const char *dot = strrchr(bn, '.');
		size_t tl = dot && dot != bn ? (size_t)(dot - bn) : strlen(bn);
		if (tl >= sizeof(title))
			tl = sizeof(title) - 1;
		memcpy(title, bn, tl);
		title[tl] = 0;
		/* do not cut a UTF-8 sequence in half */
		while (tl && !cy_utf8_valid(title, tl))
			title[--tl] = 0;
	}
	rec_meta m = {.mtime = it->mtime, .title = title, .source = it->rel,
		      .format = it->format ? it->format : "binary"};
	memcpy(m.sha256, it->sha, 32);
	memcpy(m.salt, it->salt, 16);
	cy_buf_clear(&im->meta);
	if ((rc = meta_seal(im->meta_aead, archive_no, &m, &im->meta)))
		goto undo;
	cy_vault__now(now);
	rc = cy_catalog_prepare(v->cat,
				"INSERT INTO records (fonds_id, archive_no, class, year, retention, org,"
				" item, object_id, size, dedup, meta, created, created_by)"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, im->fk->fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, archive_no);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, cy_class_name(im->klass));
	rc = rc ? rc : cy_stmt_bind_int(s, 4, year);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, im->retention);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, im->org);
	rc = rc ? rc : cy_stmt_bind_int(s, 7, item);
	rc = rc ? rc : cy_stmt_bind_int(s, 8, object_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 9, (int64_t)it->size);
	rc = rc ? rc : cy_stmt_bind_blob(s, 10, dedup, 32);
	rc = rc ? rc : cy_stmt_bind_blob(s, 11, im->meta.ptr, im->meta.len);
	rc = rc ? rc : cy_stmt_bind_text(s, 12, now);
	rc = rc ? rc : cy_stmt_bind_int(s, 13, v->user_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		goto undo;
	memset(&e, 0, sizeof(e));
	e.action = "record.import";
	e.targets[0] = archive_no;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", im->fk->code, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"object", NULL, object_id};
	e.details[e.ndetails++] = (cy_ledger_detail){"pack", cy_pack_name(im->pack), 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"size", NULL, (int64_t)it->size};
	if ((rc = cy_vault__log(v, &e)))
		goto undo;
	slot->next = item + 1;
	im->pending_bytes += it->size;
	im->pending_files++;
	*outcome = CY_IMPORTED;
	if (cy_pack_size(im->pack) >= PACK_TARGET)
		return close_pack(im);
	return 0;
undo:
	/* the savepoint drops this file's rows; its bytes, if any, stay in the
	 * pack unreferenced (packs are never rewritten in place) */
	return rc;
}

static int exec_cached(cy_vault *v, const char *sql)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(v->cat, sql, &s);

	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_import_add(cy_import *im, cy_import_item *it, cy_import_outcome *outcome, char *archive_no)
{
	cy_vault *v = im->v;
	cy_frontier saved;
	uint64_t saved_entries;
	int rc;

	int64_t pack_id;

	/* one savepoint per file: a failed file leaves no row behind, the batch goes on
	 * (the pack and its row belong to the batch, so they are made outside it) */
	if ((rc = ensure_tx(im)) || (rc = ensure_pack(im, &pack_id)) ||
	    (rc = exec_cached(v, "SAVEPOINT file")))
		return rc;
	saved = v->fr;
	saved_entries = v->tx_entries;
	rc = add_one(im, it, outcome, archive_no);
	if (rc) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		exec_cached(v, "ROLLBACK TO file");
		v->fr = saved;
		v->tx_entries = saved_entries;
		cy_error_set(rc, "%s", msg);
	}
	exec_cached(v, "RELEASE file");
	return rc;
}

int cy_import_file(cy_import *im, int fd, const char *rel, int64_t mtime, cy_import_outcome *outcome,
		   char *archive_no)
{
	cy_import_item *it = NULL;
	int rc = cy_import_prepare(im, fd, rel, mtime, &it);

	if (!rc)
		rc = cy_import_add(im, it, outcome, archive_no);
	cy_import_item_free(it);
	return rc;
}

int cy_import_commit(cy_import *im)
{
	int rc = 0;

	if (!im->v->in_tx)
		return 0;
	if (im->pack && cy_pack_size(im->pack) == 0) {
		cy_stmt *s;
		rc = cy_catalog_prepare(im->v->cat, "DELETE FROM packs WHERE name = ?", &s);
		rc = rc ? rc : cy_stmt_bind_text(s, 1, cy_pack_name(im->pack));
		rc = rc ? rc : cy_stmt_step(s);
		rc = rc < 0 ? rc : 0;
		cy_pack_discard(im->pack);
		im->pack = NULL;
	}
	rc = rc ? rc : close_pack(im);
	/* objects durable before the catalog says they exist */
	for (size_t i = 0; !rc && i < im->ndone; i++)
		rc = cy_pack_finish(im->done[i]);
	rc = rc ? rc : cy_store_sync_dirs(im->v->store);
	rc = rc ? rc : cy_vault__commit(im->v);
	if (rc) {
		cy_vault__rollback(im->v);
		for (size_t i = 0; i < im->ndone; i++)
			cy_pack_discard(im->done[i]);
		cy_pack_discard(im->pack);
		im->pack = NULL;
	} else {
		for (size_t i = 0; i < im->ndone; i++)
			cy_pack_free(im->done[i]);
	}
	im->ndone = 0;
	im->nitems = 0;
	im->pending_bytes = im->pending_files = 0;
	return rc;
}

void cy_import_free(cy_import *im)
{
	if (!im)
		return;
	if (im->v->in_tx)
		cy_vault__rollback(im->v);
	for (size_t i = 0; i < im->ndone; i++)
		cy_pack_discard(im->done[i]);
	cy_pack_discard(im->pack);
	free(im->done);
	free(im->items);
	cy_sha256_free(im->sha);
	cy_aead_free(im->meta_aead);
	free(im->buf);
	cy_buf_release(&im->meta);
	free(im);
}

/* ---- listing and reading ---- */

#define RECORD_COLS                                                                              \
	"SELECT r.archive_no, f.code, r.class, r.year, r.retention, r.org, r.item, r.size,"      \
	" o.length, o.compressed, r.status, r.created, u.name, r.meta, r.fonds_id, p.name,"     \
	" o.offset FROM records r JOIN fonds f ON f.id = r.fonds_id JOIN objects o ON"          \
	" o.id = r.object_id JOIN packs p ON p.id = o.pack_id JOIN users u ON u.id = r.created_by"

static int fill_record(cy_vault *v, cy_stmt *s, cy_record_info *r)
{
	size_t n;
	const void *meta;
	cy_fonds_key *k;

	memset(r, 0, sizeof(*r));
	snprintf(r->archive_no, sizeof(r->archive_no), "%s", cy_stmt_text(s, 0));
	snprintf(r->fonds, sizeof(r->fonds), "%s", cy_stmt_text(s, 1));
	snprintf(r->class_name, sizeof(r->class_name), "%s", cy_stmt_text(s, 2));
	r->year = (int)cy_stmt_int(s, 3);
	snprintf(r->retention, sizeof(r->retention), "%s", cy_stmt_text(s, 4));
	snprintf(r->org, sizeof(r->org), "%s", cy_stmt_text(s, 5));
	r->item = cy_stmt_int(s, 6);
	r->size = (uint64_t)cy_stmt_int(s, 7);
	r->stored = (uint64_t)cy_stmt_int(s, 8);
	r->compressed = cy_stmt_int(s, 9) != 0;
	snprintf(r->status, sizeof(r->status), "%s", cy_stmt_text(s, 10));
	snprintf(r->created, sizeof(r->created), "%s", cy_stmt_text(s, 11));
	snprintf(r->created_by, sizeof(r->created_by), "%s", cy_stmt_text(s, 12));
	meta = cy_stmt_blob(s, 13, &n);
	k = cy_vault__fonds_key_by_id(v, cy_stmt_int(s, 14));
	if (!k)
		return cy_error_set(CY_EPERM, "user '%s' holds no key for fonds '%s'", v->user, r->fonds);
	return meta_open(k, r->archive_no, meta, n, r);
}

int cy_record_list(cy_vault *v, const char *fonds, cy_record_fn fn, void *arg)
{
	cy_stmt *s;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("list records"))))
		return rc;
	if (fonds && !cy_vault__fonds_key(v, fonds))
		return CY_EPERM;
	rc = cy_catalog_prepare(v->cat, RECORD_COLS " ORDER BY f.code, r.class, r.year, r.retention, r.org, r.item", &s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = 0; /* a row */
		cy_record_info r;
		if (!cy_vault__fonds_key_by_id(v, cy_stmt_int(s, 14)))
			continue;
		if (fonds && strcmp(fonds, cy_stmt_text(s, 1)))
			continue;
		rc = fill_record(v, s, &r);
		if (!rc)
			rc = fn(arg, &r);
		cy_record_info_release(&r);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

static int lookup(cy_vault *v, const char *archive_no, cy_stmt **out)
{
	cy_stmt *s;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("read records"))))
		return rc;
	rc = cy_catalog_prepare(v->cat, RECORD_COLS " WHERE r.archive_no = ?", &s);
	rc = rc ? rc : cy_stmt_bind_text(s, 1, archive_no);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no record '%s'", archive_no);
	if (rc < 0)
		return rc;
	if (!cy_vault__fonds_key_by_id(v, cy_stmt_int(s, 14))) {
		cy_stmt_reset(s);
		/* same answer as a missing record: do not reveal what exists elsewhere */
		return cy_error_set(CY_ENOTFOUND, "no record '%s'", archive_no);
	}
	*out = s;
	return 0;
}

int cy_record_show(cy_vault *v, const char *archive_no, cy_record_info *out)
{
	cy_stmt *s;
	int rc = lookup(v, archive_no, &s);

	if (rc)
		return rc;
	rc = fill_record(v, s, out);
	cy_stmt_reset(s);
	return rc;
}

struct get_ctx {
	cy_objr *r;
	cy_sha256_ctx *sha;
	cy_data_sink sink;
	void *arg;
	uint64_t n;
};

static int get_plain(void *arg, const void *p, size_t n)
{
	struct get_ctx *g = arg;
	int rc = cy_sha256_update(g->sha, p, n);

	g->n += n;
	return rc ? rc : g->sink(g->arg, p, n);
}

static int get_cipher(void *arg, const void *p, size_t n)
{
	return cy_objr_feed(((struct get_ctx *)arg)->r, p, n);
}

static int discard(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

struct head {
	uint8_t b[CY_OBJ_HEADER_LEN];
	size_t n;
};

static int head_sink(void *arg, const void *p, size_t n)
{
	struct head *h = arg;
	size_t take = n < sizeof(h->b) - h->n ? n : sizeof(h->b) - h->n;

	memcpy(h->b + h->n, p, take);
	h->n += take;
	return 0;
}

int cy_vault__read_header(cy_vault *v, const char *pack, uint64_t offset, uint64_t length,
			  cy_obj_header *out)
{
	struct head h = {{0}, 0};
	int rc = cy_store_read(v->store, pack, offset,
			       length < CY_OBJ_HEADER_LEN ? length : CY_OBJ_HEADER_LEN, head_sink, &h);

	return rc ? rc : cy_object_header_parse(h.b, h.n, out);
}

int cy_vault__read_object(cy_vault *v, const cy_fonds_key *k, const char *archive_no,
			  const char *pack, uint64_t offset, uint64_t length, uint64_t size,
			  const char *sha_hex, const uint8_t salt[16], cy_data_sink sink, void *arg)
{
	struct get_ctx g = {.sink = sink ? sink : discard, .arg = arg};
	cy_obj_header oh;
	uint8_t sha[32];
	char hex[65];
	int rc;

	/* before any byte is released: is this the record's own object, under its fonds' key? */
	rc = cy_vault__read_header(v, pack, offset, length, &oh);
	if (rc == CY_EINVALID || rc == CY_EUNSUPPORTED) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		rc = cy_error_set(CY_ECORRUPT, "record %s: object header is damaged (%s)", archive_no, msg);
	} else if (!rc && (memcmp(oh.salt, salt, 16) || memcmp(oh.key_id, k->key_id, 8))) {
		rc = cy_error_set(CY_ECORRUPT,
				  "record %s: the object found is not this record's (its header was altered, "
				  "or the catalog points elsewhere)",
				  archive_no);
	}
	if (rc == CY_ECORRUPT && !strstr(cy_error_message(), archive_no)) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		rc = cy_error_set(CY_ECORRUPT, "record %s: %s", archive_no, msg);
	}
	if (rc)
		return rc;
	rc = cy_sha256_new(&g.sha);
	rc = rc ? rc : cy_objr_new(&g.r, k->key, size, get_plain, &g);
	rc = rc ? rc : cy_store_read(v->store, pack, offset, length, get_cipher, &g);
	rc = rc ? rc : cy_objr_finish(g.r);
	rc = rc ? rc : cy_sha256_final(g.sha, sha);
	if (!rc) {
		cy_hex_encode(sha, 32, hex);
		if (g.n != size || strcmp(hex, sha_hex))
			rc = cy_error_set(CY_ECORRUPT,
					  "record %s: content does not match its recorded SHA-256", archive_no);
	} else if (rc == CY_ECORRUPT || rc == CY_EINVALID || rc == CY_EUNSUPPORTED) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		rc = cy_error_set(CY_ECORRUPT, "record %s: %s", archive_no, msg);
	}
	cy_objr_free(g.r);
	cy_sha256_free(g.sha);
	return rc;
}

int cy_record_get(cy_vault *v, const char *archive_no, cy_data_sink sink, void *arg)
{
	cy_stmt *s;
	cy_record_info r;
	cy_fonds_key *k;
	char pack[64];
	uint64_t offset;
	cy_ledger_entry e;
	int rc = lookup(v, archive_no, &s);

	if (rc)
		return rc;
	rc = fill_record(v, s, &r);
	k = cy_vault__fonds_key_by_id(v, cy_stmt_int(s, 14));
	snprintf(pack, sizeof(pack), "%s", cy_stmt_text(s, 15));
	offset = (uint64_t)cy_stmt_int(s, 16);
	cy_stmt_reset(s);
	if (rc)
		return rc;
	/* the read is on the record before a byte leaves the vault */
	rc = cy_vault__begin(v);
	if (!rc) {
		memset(&e, 0, sizeof(e));
		e.action = "record.read";
		e.targets[0] = archive_no;
		e.ntargets = 1;
		e.details[e.ndetails++] = (cy_ledger_detail){"fonds", r.fonds, 0};
		rc = cy_vault__log(v, &e);
		rc = rc ? rc : cy_vault__commit(v);
		if (rc)
			cy_vault__rollback(v);
	}
	if (!rc)
		rc = cy_vault__read_object(v, k, archive_no, pack, offset, r.stored, r.size, r.sha256,
					   r.salt, sink, arg);
	cy_record_info_release(&r);
	return rc;
}

/* The recorded SHA-256 and object salt of a record, from its encrypted metadata (for check). */
int cy_vault__meta_sha(cy_vault *v, const cy_fonds_key *k, const char *archive_no, const void *meta,
		       size_t n, char sha_hex[65], uint8_t salt[16])
{
	cy_record_info r;
	int rc;

	(void)v;
	memset(&r, 0, sizeof(r));
	rc = meta_open(k, archive_no, meta, n, &r);
	if (!rc) {
		memcpy(sha_hex, r.sha256, 65);
		memcpy(salt, r.salt, 16);
	}
	cy_record_info_release(&r);
	return rc;
}
