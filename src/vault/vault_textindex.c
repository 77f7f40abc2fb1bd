/* vault_textindex.c - the full-text index of each fonds (docs/internals/
 * search.md): an encrypted SQLite FTS5 index (src/search) at
 * <vault>/index/<fonds code>.idx, under a key derived from the fonds key.
 * Importers hand each new record's title and text to the batch; once the
 * catalog has committed the batch, its documents go to the import's index
 * writer thread, which owns its own index handle and adds them in one index
 * transaction per batch while the import goes on.  So the index never holds
 * a document the catalog does not; a crash in between leaves that batch out
 * of it, which check reports and `custody search --reindex` repairs
 * (vault_reindex.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
/* Batches the writer may fall behind by before the import waits for it:
 * the queued texts are held in memory only. */
#define TEXT_BEHIND_MAX 4

typedef struct text_batch {
	cy_buf docs; /* per document: id (8), title length (4), title, body length (4), body */
	struct text_batch *next;
} text_batch;

struct cy_import_text {
	cy_buf docs; /* the open batch's documents (the import's thread) */
	size_t n;
	/* the writer thread and what it is handed */
	bool started, closing;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	text_batch *head, *tail;
	size_t queued;
	char *path;
	uint8_t *key; /* locked; the index key */
	int failed;   /* batches the index could not take (the import goes on) */
};

int cy_vault__text_key(const cy_fonds_key *k, uint8_t key[32])
{
	return cy_hkdf_sha256(CY_EPOCH_RAW(k, 0), 32, NULL, 0, CY_SINDEX_HKDF_LABEL,
			      strlen(CY_SINDEX_HKDF_LABEL), key, 32);
}

/* The index's path and key, its directory made (create) and checked. */
static int text_where(cy_vault *v, const cy_fonds_key *k, bool create, cy_buf *path, uint8_t *key)
{
	cy_buf dir = CY_BUF_INIT;
	struct stat st;
	int rc;

	rc = cy_buf_printf(&dir, "%s/index", v->dir);
	rc = rc ? rc : cy_buf_printf(path, "%s/index/%s.idx", v->dir, k->code);
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
	rc = cy_vault__text_key(k, key);
out:
	cy_buf_release(&dir);
	return rc;
}

int cy_vault__text_open(cy_vault *v, const cy_fonds_key *k, bool create, cy_sindex **out)
{
	cy_buf path = CY_BUF_INIT;
	uint8_t *key = cy_secure_alloc(32);
	int rc;

	if (!key)
		return CY_ENOMEM;
	rc = text_where(v, k, create, &path, key);
	rc = rc ? rc : cy_sindex_open(cy_buf_cstr(&path), key, create, out);
	cy_secure_free(key, 32);
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
	if (bl > TEXT_BODY_MAX) {
		bl = TEXT_BODY_MAX;
		while (bl && ((uint8_t)body[bl] & 0xc0) == 0x80) /* at a character's start */
			bl--;
	}
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

/* One batch into the index, in one transaction. */
static int add_batch(cy_sindex *idx, const cy_buf *docs)
{
	cy_buf title = CY_BUF_INIT, body = CY_BUF_INIT;
	size_t off = 0;
	int rc = cy_sindex_begin(idx);

	while (!rc && off + 12 <= docs->len) {
		const uint8_t *p = docs->ptr + off;
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
		rc = rc ? rc
			: cy_sindex_add(idx, id, (const char *)title.ptr,
					bl ? (const char *)body.ptr : NULL);
		/* a text that is not UTF-8: the title alone (as the rebuild does) */
		if (rc == CY_EINVALID)
			rc = cy_sindex_add(idx, id, (const char *)title.ptr, NULL);
		if (rc == CY_EINVALID)
			rc = 0;
		off += 16 + tl + bl;
	}
#ifdef CY_TEST_HOOKS
	/* CUSTODY_TEST_INDEX_CRASH: die between the catalog's commit of a
	 * batch and the index's (search.bats) */
	{
		const char *crash = getenv("CUSTODY_TEST_INDEX_CRASH");
		if (crash && *crash)
			_exit(70);
	}
#endif
	rc = rc ? rc : cy_sindex_commit(idx);
	if (rc)
		cy_sindex_rollback(idx);
	cy_buf_wipe(&title);
	cy_buf_wipe(&body);
	return rc;
}

static void *writer(void *arg)
{
	cy_import_text *t = arg;
	cy_sindex *idx = NULL;

	pthread_setname_np(pthread_self(), "custody-index");
	for (;;) {
		text_batch *b;
		int rc = 0;
		pthread_mutex_lock(&t->mu);
		while (!t->head && !t->closing)
			pthread_cond_wait(&t->cv, &t->mu);
		b = t->head;
		if (b && !(t->head = b->next))
			t->tail = NULL;
		pthread_mutex_unlock(&t->mu);
		if (!b)
			break;
		if (!idx)
			rc = cy_sindex_open(t->path, t->key, true, &idx);
		rc = rc ? rc : add_batch(idx, &b->docs);
		cy_buf_wipe(&b->docs);
		free(b);
		pthread_mutex_lock(&t->mu);
		if (rc)
			t->failed++;
		t->queued--;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
	}
	cy_sindex_close(idx);
	return NULL;
}

static int start_writer(cy_vault *v, const cy_fonds_key *k, cy_import_text *t)
{
	cy_buf path = CY_BUF_INIT;
	int rc;

	if (!t->key && !(t->key = cy_secure_alloc(32)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	rc = text_where(v, k, true, &path, t->key);
	if (!rc && !(t->path = cy_buf_detach(&path)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	cy_buf_release(&path);
	if (rc)
		return rc;
	if (pthread_mutex_init(&t->mu, NULL))
		return cy_error_set(CY_ENOMEM, "cannot start the index writer");
	if (pthread_cond_init(&t->cv, NULL)) {
		pthread_mutex_destroy(&t->mu);
		return cy_error_set(CY_ENOMEM, "cannot start the index writer");
	}
	if (pthread_create(&t->th, NULL, writer, t)) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		return cy_error_set(CY_ENOMEM, "cannot start the index writer");
	}
	t->started = true;
	return 0;
}

void cy_import__text_flush(cy_vault *v, const cy_fonds_key *k, cy_import_text *t)
{
	text_batch *b;

	if (!t || !t->n)
		return;
	if (!t->started && !t->path && start_writer(v, k, t)) {
		t->failed++;
		cy_import__text_discard(t);
		return;
	}
	if (!t->started || !(b = calloc(1, sizeof(*b)))) {
		t->failed++;
		cy_import__text_discard(t);
		return;
	}
	b->docs = t->docs;
	cy_buf_init(&t->docs);
	t->n = 0;
	pthread_mutex_lock(&t->mu);
	if (t->tail)
		t->tail->next = b;
	else
		t->head = b;
	t->tail = b;
	t->queued++;
	pthread_cond_broadcast(&t->cv);
	/* bounded: a writer that falls behind holds the import back */
	while (t->queued > TEXT_BEHIND_MAX)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

void cy_import__text_discard(cy_import_text *t)
{
	if (!t)
		return;
	cy_buf_wipe(&t->docs);
	t->n = 0;
}

int cy_import__text_finish(cy_import_text *t)
{
	int failed;

	if (!t)
		return 0;
	if (t->started) {
		pthread_mutex_lock(&t->mu);
		t->closing = true;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->th, NULL);
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		t->started = false;
	}
	failed = t->failed;
	return failed;
}

void cy_import__text_free(cy_import_text *t)
{
	if (!t)
		return;
	cy_import__text_finish(t);
	cy_buf_wipe(&t->docs);
	cy_secure_free(t->key, 32);
	free(t->path);
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
