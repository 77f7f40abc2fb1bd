/* bagit_map.c - a map from strings to indexes (open addressing, FNV-1a), for
 * the path sets of a bag: a writer's names, an extraction's entries and
 * their digests, a validator's manifests. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

static uint64_t fnv(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
	return h;
}

static size_t slot(const cy_bag__map *m, const char *key, size_t n)
{
	size_t i = (size_t)fnv(key, n) & (m->cap - 1);

	while (m->keys[i] && (strlen(m->keys[i]) != n || memcmp(m->keys[i], key, n)))
		i = (i + 1) & (m->cap - 1);
	return i;
}

size_t cy_bag__map_get(const cy_bag__map *m, const char *key, size_t n)
{
	size_t i;

	if (!m->cap)
		return SIZE_MAX;
	i = slot(m, key, n);
	return m->keys[i] ? m->vals[i] : SIZE_MAX;
}

static int grow(cy_bag__map *m)
{
	cy_bag__map g = {0};

	g.cap = m->cap ? m->cap * 2 : 64;
	if (g.cap < m->cap || !(g.keys = calloc(g.cap, sizeof(*g.keys))) ||
	    !(g.vals = calloc(g.cap, sizeof(*g.vals)))) {
		free(g.keys);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = slot(&g, m->keys[i], strlen(m->keys[i]));
			g.keys[j] = m->keys[i];
			g.vals[j] = m->vals[i];
		}
	g.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = g;
	return 0;
}

int cy_bag__map_put(cy_bag__map *m, const char *key, size_t n, size_t val, size_t *old)
{
	size_t i;
	int rc;

	if ((m->n + 1) * 2 > m->cap && (rc = grow(m)))
		return rc;
	i = slot(m, key, n);
	if (m->keys[i]) {
		if (old)
			*old = m->vals[i];
		return CY_EEXISTS;
	}
	if (!(m->keys[i] = strndup(key, n)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	m->vals[i] = val;
	m->n++;
	return 0;
}

void cy_bag__map_release(cy_bag__map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Keys are "d:" or "f:" and the folded name, so that a file and a directory
 * of one name are told apart. */
static int claim_one(cy_bag__map *m, cy_buf *key, const char *path, size_t n, bool dir,
		     const char *whole)
{
	int rc;

	cy_buf_clear(key);
	if ((rc = cy_buf_puts(key, dir ? "f:" : "d:")))
		return rc;
	{
		cy_buf fold = CY_BUF_INIT;
		if ((rc = cy_bag__fold_key(path, n, &fold))) {
			cy_buf_release(&fold);
			return rc;
		}
		if ((rc = cy_buf_put(key, fold.ptr, fold.len))) {
			cy_buf_release(&fold);
			return rc;
		}
		cy_buf_release(&fold);
	}
	/* the other kind under this name: a file where a directory is, or back */
	if (cy_bag__map_get(m, (const char *)key->ptr, key->len) != SIZE_MAX)
		return cy_error_set(CY_EINVALID, "'%s': a file and a directory of the same name",
				    whole);
	key->ptr[0] = dir ? 'd' : 'f';
	rc = cy_bag__map_put(m, (const char *)key->ptr, key->len, 0, NULL);
	if (rc == CY_EEXISTS) {
		if (dir)
			return 0;
		return cy_error_set(CY_EEXISTS,
				    "'%s' is there twice, or collides with another name after "
				    "Unicode normalisation (NFC) and case folding",
				    whole);
	}
	return rc;
}

int cy_bag__claim(cy_bag__map *m, const char *path, size_t n, bool dir)
{
	cy_buf key = CY_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		if (path[i] == '/')
			rc = claim_one(m, &key, path, i, true, path);
	if (!rc)
		rc = claim_one(m, &key, path, n, dir, path);
	cy_buf_release(&key);
	return rc;
}

static locale_t g_utf8;
static pthread_once_t g_utf8_once = PTHREAD_ONCE_INIT;

static void make_utf8(void)
{
	g_utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (!g_utf8)
		g_utf8 = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
}

locale_t cy_bag__utf8_begin(void)
{
	pthread_once(&g_utf8_once, make_utf8);
	return g_utf8 ? uselocale(g_utf8) : (locale_t)0;
}

void cy_bag__utf8_end(locale_t old)
{
	if (old)
		uselocale(old);
}
