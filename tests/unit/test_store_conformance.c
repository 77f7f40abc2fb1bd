/* test_store_conformance.c - what every store backend must do
 * (store_backend.h), run against every backend in BACKENDS: the local
 * directory, and the local directory wrapped by the fault injector with
 * faults off and with every write short (which the contract allows).  A
 * new backend (S3) adds one line to the table and must pass all of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "testutil.h"

typedef struct backend_kind {
	const char *name;
	int (*make)(cy_store_backend **out, const char *dir);
} backend_kind;

static int make_local(cy_store_backend **out, const char *dir)
{
	return cy_store_local_new(out, dir, 1);
}

static int make_fault_off(cy_store_backend **out, const char *dir)
{
	cy_store_backend *inner;
	int rc = cy_store_local_new(&inner, dir, 1);

	rc = rc ? rc : cy_store_fault_new(out, inner);
	return rc;
}

/* short writes are within the contract: every test must still pass */
static int make_fault_short(cy_store_backend **out, const char *dir)
{
	cy_fault_cfg c = {CY_FAULT_WRITE, CY_FAULT_SHORT_ONLY, 1, 0};
	int rc = make_fault_off(out, dir);

	if (!rc)
		cy_store_fault_set(*out, &c);
	return rc;
}

static const backend_kind BACKENDS[] = {
	{"local", make_local},
	{"fault (off) over local", make_fault_off},
	{"fault (every write short) over local", make_fault_short},
};
#define NBACKENDS (sizeof(BACKENDS) / sizeof(BACKENDS[0]))

#define N1 "00112233445566778899aabbccddee"
#define N2 "ff112233445566778899aabbccddee"
#define N3 "0f112233445566778899aabbccddee"

typedef struct env {
	char *dir;
	cy_store_backend *b;
} env;

static void env_open(env *e, const backend_kind *k)
{
	e->dir = tu_tmpdir();
	if (k->make(&e->b, e->dir))
		print_error("%s: %s\n", k->name, cy_error_message());
	assert_non_null(e->b);
}

static void env_close(env *e)
{
	e->b->free(e->b);
	tu_rmrf(e->dir);
	free(e->dir);
}

static int collect(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

typedef struct names {
	char v[8][31];
	int n;
} names;

static int list_fn(void *arg, const char *name)
{
	names *ns = arg;

	assert_true(ns->n < 8);
	snprintf(ns->v[ns->n++], 31, "%s", name);
	return 0;
}

static int listed(cy_store_backend *b, const char *name)
{
	names ns = {.n = 0};

	assert_int_equal(b->list(b, list_fn, &ns), 0);
	for (int i = 0; i < ns.n; i++)
		if (!strcmp(ns.v[i], name))
			return 1;
	return 0;
}

/* Write all of data through put_write, looping on short writes. */
static int put_all(cy_store_backend *b, cy_store_put *p, const uint8_t *data, size_t n)
{
	while (n) {
		ssize_t w = b->put_write(b, p, data, n);
		if (w < 0)
			return (int)w;
		assert_true(w > 0 && (size_t)w <= n);
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

static void fill(cy_buf *b, size_t n, unsigned seed)
{
	cy_buf_clear(b);
	for (size_t i = 0; i < n; i++)
		cy_buf_putc(b, (char)(i * 13 + seed + (i >> 11)));
}

/* A put is invisible until committed; then it reads back exactly, in any
 * range, and its size is what was written. */
static void test_store_conformance_put_read(void **state)
{
	(void)state;
	for (size_t k = 0; k < NBACKENDS; k++) {
		env e;
		cy_store_put *p;
		cy_buf data = CY_BUF_INIT, out = CY_BUF_INIT;
		uint64_t size;

		env_open(&e, &BACKENDS[k]);
		fill(&data, (5u << 20) + 123, 1);
		assert_int_equal(e.b->put_begin(e.b, N1, &p), 0);
		assert_int_equal(put_all(e.b, p, data.ptr, 1000), 0);
		assert_int_equal(put_all(e.b, p, data.ptr + 1000, data.len - 1000), 0);
		if (e.b->put_flush)
			assert_int_equal(e.b->put_flush(e.b, p), 0);
		assert_int_equal(e.b->stat(e.b, N1, &size), CY_ENOTFOUND);
		assert_false(listed(e.b, N1));
		assert_int_equal(e.b->read_range(e.b, N1, 0, 1, collect, &out), CY_ECORRUPT);
		assert_int_equal(e.b->put_commit(e.b, p), 0);
		assert_int_equal(e.b->sync_batch(e.b), 0);
		assert_int_equal(e.b->stat(e.b, N1, &size), 0);
		assert_int_equal(size, data.len);
		assert_true(listed(e.b, N1));
		assert_int_equal(e.b->read_range(e.b, N1, 0, data.len, collect, &out), 0);
		assert_int_equal(out.len, data.len);
		assert_memory_equal(out.ptr, data.ptr, data.len);
		cy_buf_clear(&out);
		assert_int_equal(e.b->read_range(e.b, N1, 3000001, 77, collect, &out), 0);
		assert_int_equal(out.len, 77);
		assert_memory_equal(out.ptr, data.ptr + 3000001, 77);
		cy_buf_clear(&out);
		assert_int_equal(e.b->read_range(e.b, N1, data.len, 0, collect, &out), 0);
		assert_int_equal(out.len, 0);
		/* past the end: an integrity failure */
		assert_int_equal(e.b->read_range(e.b, N1, data.len - 10, 11, collect, &out),
				 CY_ECORRUPT);
		/* an empty pack is a pack */
		assert_int_equal(e.b->put_begin(e.b, N2, &p), 0);
		assert_int_equal(e.b->put_commit(e.b, p), 0);
		assert_int_equal(e.b->stat(e.b, N2, &size), 0);
		assert_int_equal(size, 0);
		env_close(&e);
		cy_buf_release(&data);
		cy_buf_release(&out);
	}
}

/* An aborted put leaves nothing; two puts at once do not mix. */
static void test_store_conformance_abort_and_concurrent(void **state)
{
	(void)state;
	for (size_t k = 0; k < NBACKENDS; k++) {
		env e;
		cy_store_put *p, *q;
		cy_buf a = CY_BUF_INIT, b = CY_BUF_INIT, out = CY_BUF_INIT;
		uint64_t size;
		names ns = {.n = 0};

		env_open(&e, &BACKENDS[k]);
		fill(&a, 300000, 2);
		fill(&b, 200000, 3);
		assert_int_equal(e.b->put_begin(e.b, N1, &p), 0);
		assert_int_equal(e.b->put_begin(e.b, N2, &q), 0);
		for (size_t off = 0; off < 200000; off += 10000) {
			assert_int_equal(put_all(e.b, p, a.ptr + off, 10000), 0);
			assert_int_equal(put_all(e.b, q, b.ptr + off, 10000), 0);
		}
		assert_int_equal(put_all(e.b, p, a.ptr + 200000, 100000), 0);
		e.b->put_abort(e.b, q);
		assert_int_equal(e.b->put_commit(e.b, p), 0);
		assert_int_equal(e.b->sync_batch(e.b), 0);
		assert_int_equal(e.b->stat(e.b, N2, &size), CY_ENOTFOUND);
		assert_int_equal(e.b->list(e.b, list_fn, &ns), 0);
		assert_int_equal(ns.n, 1);
		assert_string_equal(ns.v[0], N1);
		assert_int_equal(e.b->read_range(e.b, N1, 0, a.len, collect, &out), 0);
		assert_memory_equal(out.ptr, a.ptr, a.len);
		/* the aborted name can be written again */
		assert_int_equal(e.b->put_begin(e.b, N2, &q), 0);
		assert_int_equal(put_all(e.b, q, b.ptr, 5), 0);
		assert_int_equal(e.b->put_commit(e.b, q), 0);
		assert_int_equal(e.b->stat(e.b, N2, &size), 0);
		assert_int_equal(size, 5);
		/* clean never touches a live writer's put nor a visible pack */
		assert_int_equal(e.b->put_begin(e.b, N3, &q), 0);
		assert_int_equal(put_all(e.b, q, b.ptr, 7), 0);
		if (e.b->clean)
			e.b->clean(e.b);
		assert_int_equal(put_all(e.b, q, b.ptr + 7, 3), 0);
		assert_int_equal(e.b->put_commit(e.b, q), 0);
		assert_int_equal(e.b->stat(e.b, N3, &size), 0);
		assert_int_equal(size, 10);
		assert_int_equal(e.b->stat(e.b, N1, &size), 0);
		env_close(&e);
		cy_buf_release(&a);
		cy_buf_release(&b);
		cy_buf_release(&out);
	}
}

/* remove: gone from stat, list and read; a second remove is not found. */
static void test_store_conformance_remove(void **state)
{
	(void)state;
	for (size_t k = 0; k < NBACKENDS; k++) {
		env e;
		cy_store_put *p;
		cy_buf out = CY_BUF_INIT;
		uint64_t size;

		env_open(&e, &BACKENDS[k]);
		assert_int_equal(e.b->put_begin(e.b, N3, &p), 0);
		assert_int_equal(put_all(e.b, p, (const uint8_t *)"abc", 3), 0);
		assert_int_equal(e.b->put_commit(e.b, p), 0);
		assert_int_equal(e.b->remove(e.b, N3), 0);
		assert_int_equal(e.b->sync_batch(e.b), 0);
		assert_int_equal(e.b->stat(e.b, N3, &size), CY_ENOTFOUND);
		assert_false(listed(e.b, N3));
		assert_int_equal(e.b->read_range(e.b, N3, 0, 1, collect, &out), CY_ECORRUPT);
		assert_int_equal(e.b->remove(e.b, N3), CY_ENOTFOUND);
		assert_int_equal(e.b->remove(e.b, N1), CY_ENOTFOUND);
		env_close(&e);
		cy_buf_release(&out);
	}
}

/* The pack layer (store.c) on every backend: names are fresh and valid,
 * discard of a finished pack removes it, reads check names. */
static void test_store_conformance_packs(void **state)
{
	(void)state;
	for (size_t k = 0; k < NBACKENDS; k++) {
		env e;
		cy_store *s;
		cy_pack *p, *q;
		cy_buf out = CY_BUF_INIT;
		char n1[31], n2[31];
		uint64_t size;

		env_open(&e, &BACKENDS[k]);
		assert_int_equal(cy_store_open_backend(&s, e.b), 0);
		assert_ptr_equal(cy_store_backend_of(s), e.b);
		assert_int_equal(cy_pack_begin(s, &p), 0);
		assert_int_equal(cy_pack_begin(s, &q), 0);
		snprintf(n1, sizeof(n1), "%s", cy_pack_name(p));
		snprintf(n2, sizeof(n2), "%s", cy_pack_name(q));
		assert_string_not_equal(n1, n2);
		assert_true(cy_store_name_valid(n1));
		assert_int_equal(cy_pack_write(p, "one", 3), 0);
		assert_int_equal(cy_pack_write(q, "two", 3), 0);
		assert_int_equal(cy_pack_finish(p), 0);
		assert_int_equal(cy_pack_finish(q), 0);
		assert_int_equal(cy_store_sync_dirs(s), 0);
		cy_pack_free(p);
		cy_pack_discard(q);
		assert_int_equal(cy_store_pack_stat(s, n1, &size), 0);
		assert_int_equal(cy_store_pack_stat(s, n2, &size), CY_ENOTFOUND);
		assert_int_equal(cy_store_read(s, n1, 0, 3, collect, &out), 0);
		assert_memory_equal(out.ptr, "one", 3);
		assert_int_equal(cy_store_read(s, "n1", 0, 3, collect, &out), CY_ECORRUPT);
		cy_store_close(s); /* frees the backend */
		tu_rmrf(e.dir);
		free(e.dir);
		cy_buf_release(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_conformance_put_read),
		cmocka_unit_test(test_store_conformance_abort_and_concurrent),
		cmocka_unit_test(test_store_conformance_remove),
		cmocka_unit_test(test_store_conformance_packs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
