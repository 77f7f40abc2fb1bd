/* test_store.c - pack files: write, truncate, finish, read back, tmp cleanup. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/fsutil.h"
#include "store/store.h"
#include "testutil.h"

static int collect(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

static int count_fn(void *arg, const char *name)
{
	(void)name;
	(*(int *)arg)++;
	return 0;
}

static void test_store_pack_roundtrip(void **state)
{
	char *dir = tu_tmpdir();
	cy_store *s;
	cy_pack *p;
	cy_buf out = CY_BUF_INIT, big = CY_BUF_INIT;
	char name[64];
	uint64_t size;
	int n = 0;

	(void)state;
	assert_int_equal(cy_store_open(&s, dir, 1), 0);
	assert_int_equal(cy_pack_begin(s, &p), 0);
	snprintf(name, sizeof(name), "%s", cy_pack_name(p));
	assert_int_equal(strlen(name), 30);
	assert_int_equal(cy_pack_write(p, "hello ", 6), 0);
	assert_int_equal(cy_pack_write(p, "garbage", 7), 0);
	assert_int_equal(cy_pack_truncate(p, 6), 0);
	for (int i = 0; i < (3 << 20); i++)
		cy_buf_putc(&big, (char)i);
	assert_int_equal(cy_pack_write(p, big.ptr, big.len), 0);
	assert_int_equal(cy_pack_size(p), 6 + big.len);
	/* not visible before it is finished */
	assert_int_equal(cy_store_pack_stat(s, name, &size), CY_ENOTFOUND);
	assert_int_equal(cy_pack_finish(p), 0);
	assert_int_equal(cy_store_sync_dirs(s), 0);
	cy_pack_free(p);
	assert_int_equal(cy_store_pack_stat(s, name, &size), 0);
	assert_int_equal(size, 6 + big.len);
	assert_int_equal(cy_store_read(s, name, 0, 6, collect, &out), 0);
	assert_string_equal(cy_buf_cstr(&out), "hello ");
	cy_buf_clear(&out);
	assert_int_equal(cy_store_read(s, name, 6, big.len, collect, &out), 0);
	assert_int_equal(out.len, big.len);
	assert_memory_equal(out.ptr, big.ptr, big.len);
	/* reading past the end is an integrity failure, not garbage */
	assert_int_equal(cy_store_read(s, name, 6, big.len + 1, collect, &out), CY_ECORRUPT);
	/* malformed names never reach the file system */
	assert_int_equal(cy_store_read(s, "../../etc/passwd", 0, 1, collect, &out), CY_ECORRUPT);
	assert_int_equal(cy_store_each_pack(s, count_fn, &n), 0);
	assert_int_equal(n, 1);
	cy_store_close(s);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&out);
	cy_buf_release(&big);
}

static void test_store_discard_and_clean(void **state)
{
	char *dir = tu_tmpdir();
	cy_store *s;
	cy_pack *p;
	cy_buf tmp = CY_BUF_INIT, f = CY_BUF_INIT;
	int n = 0;
	DIR *d;
	struct dirent *e;

	(void)state;
	assert_int_equal(cy_store_open(&s, dir, 1), 0);
	assert_int_equal(cy_pack_begin(s, &p), 0);
	cy_pack_write(p, "x", 1);
	cy_pack_discard(p);
	/* a pack left by a process that is gone */
	cy_buf_printf(&tmp, "%s/objects/tmp", dir);
	cy_buf_printf(&f, "%s/999999999-abc.pack", cy_buf_cstr(&tmp));
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&f), "y", 1, 0600), 0);
	cy_store_clean_tmp(s);
	d = opendir(cy_buf_cstr(&tmp));
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 0);
	n = 0;
	assert_int_equal(cy_store_each_pack(s, count_fn, &n), 0);
	assert_int_equal(n, 0);
	cy_store_close(s);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&tmp);
	cy_buf_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_pack_roundtrip),
		cmocka_unit_test(test_store_discard_and_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
