/* store.c - packs on top of a store backend (see store.h): names, write
 * gathering, sticky failures and name checks live here, once, for every
 * backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "store/store.h"
#include "custody/banned.h"

/* Small objects are gathered into one backend write of up to this many bytes. */
#define PACK_WBUF (1u << 20)

struct cy_store {
	cy_store_backend *b;
};

struct cy_pack {
	cy_store *s;
	cy_store_put *put; /* until finished or dropped */
	char name[CY_PACK_NAME_LEN + 1];
	uint64_t flushed; /* bytes handed to the backend */
	uint8_t *wbuf;
	size_t wlen;
	int failed; /* a write failed: only discard is left */
	int finished;
	char err[256];
};

int cy_store_name_valid(const char *name)
{
	return strlen(name) == CY_PACK_NAME_LEN &&
	       strspn(name, "0123456789abcdef") == CY_PACK_NAME_LEN;
}

static int check_name(const char *pack)
{
	if (!cy_store_name_valid(pack))
		return cy_error_set(CY_ECORRUPT, "catalog names a malformed pack '%s'", pack);
	return 0;
}

int cy_store_open_backend(cy_store **out, cy_store_backend *b)
{
	cy_store *s = calloc(1, sizeof(*s));

	if (!s) {
		b->free(b);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	s->b = b;
	*out = s;
	return 0;
}

int cy_store_open(cy_store **out, const char *vault_dir, int create)
{
	cy_store_backend *b;
	cy_store *s = NULL;
	int rc = cy_store_local_new(&b, vault_dir, create);

	rc = rc ? rc : cy_store_open_backend(&s, b);
#ifdef CY_TEST_HOOKS
	{
		const char *spec = getenv("CUSTODY_STORE_FAULT");
		cy_store_backend *f;
		cy_fault_cfg cfg;
		if (!rc && spec && *spec) {
			rc = cy_store_fault_parse(spec, &cfg);
			rc = rc ? rc : cy_store_fault_attach(s, &f);
			if (!rc)
				cy_store_fault_set(f, &cfg);
		}
	}
#endif
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
	s->b->free(s->b);
	free(s);
}

cy_store_backend *cy_store_backend_of(cy_store *s)
{
	return s->b;
}

int cy_store_fault_attach(cy_store *s, cy_store_backend **fault)
{
	cy_store_backend *f;
	int rc = cy_store_fault_new(&f, s->b);

	if (rc)
		return rc;
	s->b = f;
	if (fault)
		*fault = f;
	return 0;
}

void cy_store_clean_tmp(cy_store *s)
{
	if (s->b->clean)
		s->b->clean(s->b);
}

int cy_pack_begin(cy_store *s, cy_pack **out)
{
	cy_pack *p = calloc(1, sizeof(*p));
	uint8_t id[CY_PACK_NAME_LEN / 2];
	int rc;

	if (!p)
		return cy_error_set(CY_ENOMEM, "out of memory");
	p->s = s;
	if (!(p->wbuf = malloc(PACK_WBUF))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = cy_random(id, sizeof(id))))
		goto fail;
	cy_hex_encode(id, sizeof(id), p->name); /* the first two digits name the subdirectory */
	if ((rc = s->b->put_begin(s->b, p->name, &p->put)))
		goto fail;
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

static int pack_fail(cy_pack *p, int rc)
{
	p->failed = rc;
	snprintf(p->err, sizeof(p->err), "%s", cy_error_message());
	return rc;
}

static int pack_put(cy_pack *p, const uint8_t *data, size_t n)
{
	if (p->failed)
		return cy_error_set(p->failed, "%s", p->err);
	if (!p->put)
		return cy_error_set(CY_EINVALID, "object pack %s is already finished", p->name);
	while (n) {
		ssize_t w = p->s->b->put_write(p->s->b, p->put, data, n);
		if (w < 0)
			return pack_fail(p, (int)w);
		if (w == 0 || (size_t)w > n)
			return pack_fail(p, cy_error_set(CY_EIO,
							 "cannot write object pack %s: the store "
							 "took %zd of %zu bytes",
							 p->name, w, n));
		data += w;
		n -= (size_t)w;
		p->flushed += (uint64_t)w;
	}
	return 0;
}

static int pack_flush(cy_pack *p)
{
	int rc;

	if (p->failed)
		return cy_error_set(p->failed, "%s", p->err);
	rc = p->wlen ? pack_put(p, p->wbuf, p->wlen) : 0;

	if (!rc)
		p->wlen = 0;
	return rc;
}

int cy_pack_write(void *arg, const void *data, size_t n)
{
	cy_pack *p = arg;
	int rc;

	if (p->failed)
		return cy_error_set(p->failed, "%s", p->err);
	if (p->wlen + n > PACK_WBUF && (rc = pack_flush(p)))
		return rc;
	if (n >= PACK_WBUF)
		return pack_put(p, data, n);
	memcpy(p->wbuf + p->wlen, data, n);
	p->wlen += n;
	return 0;
}

int cy_pack_seal(cy_pack *p)
{
	int rc = pack_flush(p);

	if (!rc && p->s->b->put_flush)
		rc = p->s->b->put_flush(p->s->b, p->put);
	return rc;
}

int cy_pack_finish(cy_pack *p)
{
	int rc = pack_flush(p);
	cy_store_put *put = p->put;

	if (rc)
		return rc;
	p->put = NULL; /* consumed by commit, whatever it returns */
	if ((rc = p->s->b->put_commit(p->s->b, put)))
		return pack_fail(p, rc);
	p->finished = 1;
	return 0;
}

void cy_pack_discard(cy_pack *p)
{
	if (!p)
		return;
	if (p->finished)
		p->s->b->remove(p->s->b, p->name);
	cy_pack_free(p);
}

void cy_pack_free(cy_pack *p)
{
	if (!p)
		return;
	if (p->put)
		p->s->b->put_abort(p->s->b, p->put);
	free(p->wbuf);
	free(p);
}

int cy_store_sync_dirs(cy_store *s)
{
	return s->b->sync_batch(s->b);
}

int cy_store_read(cy_store *s, const char *pack, uint64_t offset, uint64_t length,
		  cy_store_sink sink, void *arg)
{
	int rc = check_name(pack);

	if (!rc && offset > UINT64_MAX - length)
		rc = cy_error_set(CY_ECORRUPT, "object pack %s: range out of bounds", pack);
	return rc ? rc : s->b->read_range(s->b, pack, offset, length, sink, arg);
}

int cy_store_pack_stat(cy_store *s, const char *pack, uint64_t *size)
{
	int rc = check_name(pack);

	return rc ? rc : s->b->stat(s->b, pack, size);
}

int cy_store_remove_pack(cy_store *s, const char *pack)
{
	int rc = check_name(pack);

	return rc ? rc : s->b->remove(s->b, pack);
}

typedef struct each_ctx {
	cy_store_name_fn fn;
	void *arg;
} each_ctx;

static int each_valid(void *arg, const char *name)
{
	each_ctx *c = arg;

	return cy_store_name_valid(name) ? c->fn(c->arg, name) : 0;
}

int cy_store_each_pack(cy_store *s, cy_store_name_fn fn, void *arg)
{
	each_ctx c = {fn, arg};

	return s->b->list(s->b, each_valid, &c);
}
