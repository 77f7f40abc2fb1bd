/* test_base.c - buffers, encodings, JSON escaping, errors, file helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "testutil.h"

static void test_base_buf(void **state)
{
	cy_buf b = CY_BUF_INIT;

	(void)state;
	assert_string_equal(cy_buf_cstr(&b), "");
	assert_int_equal(cy_buf_puts(&b, "abc"), 0);
	assert_int_equal(cy_buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_string_equal(cy_buf_cstr(&b), "abc-42-x");
	assert_int_equal(b.len, 8);
	for (int i = 0; i < 10000; i++)
		cy_buf_putc(&b, 'z');
	assert_int_equal(b.len, 10008);
	assert_int_equal(b.ptr[b.len], 0);
	cy_buf_clear(&b);
	assert_int_equal(b.len, 0);
	cy_buf_put_u32be(&b, 0x01020304);
	cy_buf_put_u64be(&b, 0x05060708090a0b0cULL);
	assert_memory_equal(b.ptr, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12);
	assert_int_equal(cy_load_u32be(b.ptr), 0x01020304);
	assert_true(cy_load_u64be(b.ptr + 4) == 0x05060708090a0b0cULL);
	/* nothing to append, from nowhere: both with room to spare and without */
	assert_int_equal(cy_buf_put(&b, NULL, 0), 0);
	assert_int_equal(b.len, 12);
	cy_buf tiny = CY_BUF_INIT;
	assert_int_equal(cy_buf_put(&tiny, NULL, 0), 0);
	assert_int_equal(cy_buf_put(&tiny, NULL, 0), 0);
	assert_int_equal(tiny.len, 0);
	cy_buf_release(&tiny);
	char *d = cy_buf_detach(&b);
	assert_null(b.ptr);
	free(d);
	cy_buf_wipe(&b);
}

/* RFC 4648 section 10 vectors */
static void test_base_base64(void **state)
{
	static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	cy_buf b = CY_BUF_INIT;

	(void)state;
	for (int i = 0; i < 7; i++) {
		cy_buf_clear(&b);
		assert_int_equal(cy_base64_encode((const uint8_t *)in[i], strlen(in[i]), &b), 0);
		assert_string_equal(cy_buf_cstr(&b), out[i]);
		cy_buf_clear(&b);
		assert_int_equal(cy_base64_decode(out[i], strlen(out[i]), &b), 0);
		assert_int_equal(b.len, strlen(in[i]));
		assert_memory_equal(b.ptr ? (char *)b.ptr : "", in[i], strlen(in[i]));
	}
	/* malformed */
	static const char *bad[] = {"Zg=", "Z===", "Zm9v!", "Zh==", "Zm8=Zm8=", "=Zm8"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cy_buf_clear(&b);
		assert_int_equal(cy_base64_decode(bad[i], strlen(bad[i]), &b), CY_EINVALID);
	}
	cy_buf_release(&b);
}

static void test_base_hex(void **state)
{
	uint8_t in[4] = {0x00, 0xab, 0x10, 0xff}, out[4];
	char hex[9];

	(void)state;
	cy_hex_encode(in, 4, hex);
	assert_string_equal(hex, "00ab10ff");
	assert_int_equal(cy_hex_decode("00AB10ff", 8, out, 4), 0);
	assert_memory_equal(in, out, 4);
	assert_int_equal(cy_hex_decode("00ab10f", 7, out, 4), CY_EINVALID);
	assert_int_equal(cy_hex_decode("00ab10fg", 8, out, 4), CY_EINVALID);
}

static void test_base_utf8(void **state)
{
	(void)state;
	assert_true(cy_utf8_valid("", 0));
	assert_true(cy_utf8_valid("abc", 3));
	assert_true(cy_utf8_valid("张伟", strlen("张伟")));
	assert_true(cy_utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(cy_utf8_valid("\xff", 1));
	assert_false(cy_utf8_valid("\xc0\xaf", 2));	    /* overlong '/' */
	assert_false(cy_utf8_valid("\xe0\x80\xaf", 3));	    /* overlong */
	assert_false(cy_utf8_valid("\xed\xa0\x80", 3));	    /* surrogate */
	assert_false(cy_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(cy_utf8_valid("\xe5\xbc", 2));	    /* cut short */
	/* GB18030 bytes of 张 are not UTF-8 */
	assert_false(cy_utf8_valid("\xd5\xc5", 2));
}

static void test_base_json(void **state)
{
	cy_buf b = CY_BUF_INIT;

	(void)state;
	cy_json_cstr(&b, "a\"b\\c\n\t\x01张");
	assert_string_equal(cy_buf_cstr(&b), "\"a\\\"b\\\\c\\n\\t\\u0001张\"");
	cy_buf_clear(&b);
	cy_json_str(&b, "x\xffy", 3);
	assert_string_equal(cy_buf_cstr(&b), "\"x\xef\xbf\xbdy\"");
	cy_buf_release(&b);
}

static void test_base_error(void **state)
{
	(void)state;
	cy_error_clear();
	assert_int_equal(cy_error_code(), 0);
	assert_int_equal(cy_error_set(CY_ENOTFOUND, "no record '%s'", "X"), CY_ENOTFOUND);
	assert_string_equal(cy_error_message(), "no record 'X'");
	assert_int_equal(cy_error_code(), CY_ENOTFOUND);
	assert_int_equal(cy_error_from_errno(28 /* ENOSPC */), CY_ENOSPC);
	assert_string_equal(cy_error_name(CY_ECORRUPT), "integrity failure");
}

static void test_base_fsutil(void **state)
{
	char *dir = tu_tmpdir();
	cy_buf p = CY_BUF_INIT, data = CY_BUF_INIT;

	(void)state;
	assert_non_null(dir);
	assert_true(cy_dir_is_empty(dir));
	cy_path_join(&p, dir, "a/b/c");
	assert_int_equal(cy_mkdir_p(cy_buf_cstr(&p), 0700), 0);
	assert_false(cy_dir_is_empty(dir));
	cy_path_join(&p, dir, "a/f");
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&p), "hello", 5, 0600), 0);
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&p), "again", 5, 0600), CY_EEXISTS);
	assert_int_equal(cy_read_file(cy_buf_cstr(&p), 100, &data), 0);
	assert_string_equal(cy_buf_cstr(&data), "hello");
	cy_buf_clear(&data);
	assert_int_equal(cy_read_file(cy_buf_cstr(&p), 3, &data), CY_EINVALID);
	struct stat st;
	assert_int_equal(stat(cy_buf_cstr(&p), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cy_path_join(&p, dir, "missing");
	cy_buf_clear(&data);
	assert_int_equal(cy_read_file(cy_buf_cstr(&p), 100, &data), CY_ENOTFOUND);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&p);
	cy_buf_release(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_buf),    cmocka_unit_test(test_base_base64),
		cmocka_unit_test(test_base_hex),    cmocka_unit_test(test_base_utf8),
		cmocka_unit_test(test_base_json),   cmocka_unit_test(test_base_error),
		cmocka_unit_test(test_base_fsutil),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
