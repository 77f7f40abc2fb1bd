/* vault_textindex.c - the full-text index of each fonds (docs/internals/
 * search.md): an encrypted SQLite FTS5 index (src/search) at
 * <vault>/index/<fonds code>.idx, under a key derived from the fonds key.
 * Importers hand each new record's title and text to the batch; they go into
 * the index once the catalog has committed the batch, so the index never
 * holds a document the catalog does not (a crash in between leaves that
 * batch out of the index; see "Not done" in search.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "custody/error.h"
#include "custody/import.h"
#include "custody/sindex.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define TEXT_BODY_MAX (64u << 10) /* what of a record's text is indexed */

struct cy_import_text {
	cy_buf docs; /* per document: id (8), title length (4), title, body length (4), body */
	size_t n;
	int failed; /* the index could not be written (the import goes on) */
};

int cy_vault__text_key(const cy_fonds_key *k, uint8_t key[32])
{
	return cy_hkdf_sha256(CY_EPOCH_RAW(k, 0), 32, NULL, 0, CY_SINDEX_HKDF_LABEL,
			      strlen(CY_SINDEX_HKDF_LABEL), key, 32);
}

int cy_vault__text_open(cy_vault *v, const cy_fonds_key *k, bool create, cy_sindex **out)
{
	cy_buf dir = CY_BUF_INIT, path = CY_BUF_INIT;
	uint8_t *key = cy_secure_alloc(32);
	struct stat st;
	int rc;

	if (!key)
		return CY_ENOMEM;
	rc = cy_buf_printf(&dir, "%s/index", v->dir);
	rc = rc ? rc : cy_buf_printf(&path, "%s/index/%s.idx", v->dir, k->code);
	if (rc)
		goto out;
	if (lstat((const char *)dir.ptr, &st)) {
		if (errno != ENOENT || !create) {
			rc = errno == ENOENT ? CY_ENOTFOUND
					     : cy_error_set(CY_EIO, "cannot read %s: %s",
							    (const char *)dir.ptr, strerror(errno));
			goto out;
		}
		if (mkdir((const char *)dir.ptr, 0700) && errno != EEXIST) {
			rc = cy_error_set(CY_EIO, "cannot make %s: %s", (const char *)dir.ptr,
					  strerror(errno));
			goto out;
		}
		if (lstat((const char *)dir.ptr, &st)) {
			rc = cy_error_set(CY_EIO, "cannot read %s: %s", (const char *)dir.ptr,
					  strerror(errno));
			goto out;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = cy_error_set(CY_ECORRUPT,
				  "%s is not a directory (a symbolic link or a file was put there): "
				  "custody does not use it",
				  (const char *)dir.ptr);
		goto out;
	}
	if ((rc = cy_vault__text_key(k, key)))
		goto out;
	rc = cy_sindex_open((const char *)path.ptr, key, create, out);
out:
	cy_secure_free(key, 32);
	cy_buf_release(&dir);
	cy_buf_release(&path);
	return rc;
}

static void put32(cy_buf *b, size_t n)
{
	cy_buf_put_u32be(b, (uint32_t)n);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int cy_import_index_text(cy_import *im, const char *title, const char *body)
{
	cy_import_text **tp = cy_import__text(im);
	int64_t id = cy_import_last_record(im);
	size_t tl = title ? strlen(title) : 0, bl = body ? strlen(body) : 0;
	int rc;

	if (!id)
		return 0;
	if (!*tp && !(*tp = calloc(1, sizeof(**tp))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (bl > TEXT_BODY_MAX)
		bl = TEXT_BODY_MAX;
	rc = cy_buf_put_u64be(&(*tp)->docs, (uint64_t)id);
	if (!rc)
		put32(&(*tp)->docs, tl);
	rc = rc ? rc : cy_buf_put(&(*tp)->docs, title ? title : "", tl);
	if (!rc)
		put32(&(*tp)->docs, bl);
	rc = rc ? rc : cy_buf_put(&(*tp)->docs, body ? body : "", bl);
	if (!rc)
		(*tp)->n++;
	return rc;
}

void cy_import__text_flush(cy_vault *v, const cy_fonds_key *k, cy_import_text *t)
{
	cy_sindex *idx = NULL;
	cy_buf title = CY_BUF_INIT, body = CY_BUF_INIT;
	size_t off = 0;
	int rc;

	if (!t || !t->n)
		return;
	rc = cy_vault__text_open(v, k, true, &idx);
	rc = rc ? rc : cy_sindex_begin(idx);
	while (!rc && off + 12 <= t->docs.len) {
		const uint8_t *p = t->docs.ptr + off;
		int64_t id = 0;
		for (int i = 0; i < 8; i++)
			id = (int64_t)((uint64_t)id << 8 | p[i]);
		size_t tl = get32(p + 8), bl = get32(p + 12 + tl);
		cy_buf_clear(&title);
		cy_buf_clear(&body);
		rc = cy_buf_put(&title, p + 12, tl);
		rc = rc ? rc : cy_buf_putc(&title, 0);
		rc = rc ? rc : cy_buf_put(&body, p + 16 + tl, bl);
		rc = rc ? rc : cy_buf_putc(&body, 0);
		/* a title or text that is not UTF-8 is indexed without that part */
		rc = rc ? rc
			: cy_sindex_add(idx, id, (const char *)title.ptr,
					bl ? (const char *)body.ptr : NULL);
		if (rc == CY_EINVALID)
			rc = 0;
		off += 16 + tl + bl;
	}
	rc = rc ? rc : cy_sindex_commit(idx);
	if (rc)
		t->failed++;
	cy_sindex_close(idx);
	cy_buf_wipe(&title);
	cy_buf_wipe(&body);
	cy_buf_wipe(&t->docs);
	t->n = 0;
}

void cy_import__text_free(cy_import_text *t)
{
	if (!t)
		return;
	cy_buf_wipe(&t->docs);
	free(t);
}

int cy_vault__text_cached(cy_vault *v, const cy_fonds_key *k, cy_sindex **out)
{
	cy_sindex **ni, *idx = NULL;
	int64_t *nf;
	int rc;

	for (int i = 0; i < v->ntext; i++)
		if (v->text_fonds[i] == k->fonds_id) {
			*out = v->text_idx[i];
			return 0;
		}
	if ((rc = cy_vault__text_open(v, k, false, &idx)))
		return rc;
	ni = realloc(v->text_idx, sizeof(*ni) * (size_t)(v->ntext + 1));
	if (ni)
		v->text_idx = ni;
	nf = ni ? realloc(v->text_fonds, sizeof(*nf) * (size_t)(v->ntext + 1)) : NULL;
	if (!ni || !nf) {
		cy_sindex_close(idx);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	v->text_fonds = nf;
	v->text_idx[v->ntext] = idx;
	v->text_fonds[v->ntext++] = k->fonds_id;
	*out = idx;
	return 0;
}

void cy_vault__text_close_all(cy_vault *v)
{
	for (int i = 0; i < v->ntext; i++)
		cy_sindex_close(v->text_idx[i]);
	free(v->text_idx);
	free(v->text_fonds);
	v->text_idx = NULL;
	v->text_fonds = NULL;
	v->ntext = 0;
}
