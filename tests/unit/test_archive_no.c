/* test_archive_no.c - archive numbers as people type them
 * (cy_archive_no_normalize) and "did you mean" hints (cy_record_suggest):
 * what is folded, what is left alone, and that hints come only from fonds
 * the caller holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/ingest.h"
#include "custody/custody.h"
#include "testutil.h"

#define DOT "\xc2\xb7"
#define PW "correct horse"

static void norm_is(const char *in, const char *want)
{
	char out[64];
	int rc = cy_archive_no_normalize(in, out, sizeof(out));

	if (rc)
		print_error("normalize '%s': %s\n", in, cy_error_message());
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

static void test_archive_no_normalize(void **state)
{
	(void)state;
	/* already right */
	norm_is("Z109-WS" DOT "2019-D10-0001", "Z109-WS" DOT "2019-D10-0001");
	/* the keyboard's stand-ins for the middle dot */
	norm_is("Z109-WS.2019-D10-0001", "Z109-WS" DOT "2019-D10-0001");
	norm_is("Z109-WS-2019-D10-0001", "Z109-WS" DOT "2019-D10-0001");
	/* with an organisation code */
	norm_is("Z109-KH-2020-D30-HR-0012", "Z109-KH" DOT "2020-D30-HR-0012");
	/* lower case, spaces around */
	norm_is("  z109-ws.2019-d10-0001\n", "Z109-WS" DOT "2019-D10-0001");
	/* input methods: katakana middle dot, full-width hyphen, digits, letters, full stop */
	norm_is("Z109-WS\xe3\x83\xbb"
		"2019-D10-0001",
		"Z109-WS" DOT "2019-D10-0001");
	norm_is("Z109\xef\xbc\x8dWS\xef\xbc\x8e\xef\xbc\x92\xef\xbc\x90\xef\xbc\x91\xef\xbc\x99-D10-0001",
		"Z109-WS" DOT "2019-D10-0001");
	norm_is("\xef\xbc\xba"
		"109-WS\xe2\x80\xa2"
		"2019-D10-0001",
		"Z109-WS" DOT "2019-D10-0001");
	/* nothing else is taken for the separator: the look-up then finds nothing */
	norm_is("Z109-WS_2019-D10-0001", "Z109-WS_2019-D10-0001");
	norm_is("Z109-W-2019-D10-0001", "Z109-W-2019-D10-0001");
	norm_is("Z109-WS-X019-D10-0001", "Z109-WS-X019-D10-0001");
	norm_is("not-an-archive-number", "NOT-AN-ARCHIVE-NUMBER");
	/* only the separator after the class code; other dashes stay */
	norm_is("Z109-WS.2019.D10.0001", "Z109-WS" DOT "2019.D10.0001");
}

static void test_archive_no_normalize_refuses(void **state)
{
	char out[64], small[8];

	(void)state;
	assert_int_equal(cy_archive_no_normalize("", out, sizeof(out)), CY_EINVALID);
	assert_int_equal(cy_archive_no_normalize("   ", out, sizeof(out)), CY_EINVALID);
	assert_int_equal(cy_archive_no_normalize("Z109\x1b[2J", out, sizeof(out)), CY_EINVALID);
	assert_int_equal(cy_archive_no_normalize("Z109-WS.2019-D10-0001", small, sizeof(small)),
			 CY_EINVALID);
	{
		char big[300];
		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		assert_int_equal(cy_archive_no_normalize(big, out, sizeof(out)), CY_EINVALID);
	}
	assert_int_equal(cy_archive_no_normalize(NULL, out, sizeof(out)), CY_EINVALID);
}

static cy_vault *open_as(const char *dir, const char *user)
{
	cy_vault *v = NULL;

	assert_int_equal(cy_vault_open(&v, dir, user, PW, strlen(PW)), 0);
	return v;
}

static void test_archive_no_suggest(void **state)
{
	char *tmp = tu_tmpdir();
	cy_buf dir = CY_BUF_INIT, in = CY_BUF_INIT, f = CY_BUF_INIT, rec = CY_BUF_INIT;
	cy_vault *v;
	cy_import_opts o;
	cy_import_summary sum;
	char near[3][64];
	int n;

	(void)state;
	cy_path_join(&dir, tmp, "v");
	cy_path_join(&in, tmp, "in");
	assert_int_equal(mkdir(cy_buf_cstr(&in), 0700), 0);
	for (int i = 0; i < 12; i++) {
		char name[16], body[32];
		snprintf(name, sizeof(name), "f%02d.txt", i);
		snprintf(body, sizeof(body), "file %d\n", i);
		cy_path_join(&f, cy_buf_cstr(&in), name);
		assert_int_equal(cy_write_file_excl(cy_buf_cstr(&f), body, strlen(body), 0600), 0);
	}
	assert_int_equal(cy_vault_init(cy_buf_cstr(&dir), "sec", PW, strlen(PW), 10, &rec), 0);
	v = open_as(cy_buf_cstr(&dir), "sec");
	assert_int_equal(cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "vv", CY_ROLE_VIEWER, PW, strlen(PW)), 0);
	cy_vault_close(v);
	v = open_as(cy_buf_cstr(&dir), "li");
	assert_int_equal(cy_fonds_add(v, "Z109", "Test Co", NULL), 0);
	memset(&o, 0, sizeof(o));
	o.fonds = "Z109";
	o.klass = CY_CLASS_CORRESPONDENCE;
	o.year = 2019;
	assert_int_equal(cy_import_tree(v, cy_buf_cstr(&in), &o, NULL, NULL, NULL, NULL, &sum), 0);
	assert_int_equal(sum.imported, 12);

	/* one digit off: the nearest come first, at most as many as asked for */
	n = cy_record_suggest(v, "Z109-WS-2019-D10-0013", near, 3);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++) {
		cy_record_info r;
		assert_int_equal(cy_record_show(v, near[i], &r), 0);
		cy_record_info_release(&r);
		assert_true(strncmp(near[i], "Z109-WS" DOT "2019-D10-001", 21) == 0 ||
			    strcmp(near[i], "Z109-WS" DOT "2019-D10-0003") == 0);
	}
	/* two digits of the year swapped: the record of that year */
	n = cy_record_suggest(v, "Z109-WS.2091-D10-0001", near, 1);
	assert_int_equal(n, 1);
	assert_string_equal(near[0], "Z109-WS" DOT "2019-D10-0001");
	/* the wrong fonds code */
	n = cy_record_suggest(v, "Z190-WS.2019-D10-0007", near, 1);
	assert_int_equal(n, 1);
	assert_string_equal(near[0], "Z109-WS" DOT "2019-D10-0007");
	/* an existing number is not its own suggestion; far-off strings get none */
	n = cy_record_suggest(v, "Z109-WS.2019-D10-0001", near, 3);
	assert_true(n >= 0 && n <= 3);
	for (int i = 0; i < n; i++)
		assert_string_not_equal(near[i], "Z109-WS" DOT "2019-D10-0001");
	assert_int_equal(cy_record_suggest(v, "hello", near, 3), 0);
	assert_int_equal(cy_record_suggest(v, "not-an-archive-number", near, 3), 0);
	assert_int_equal(cy_record_suggest(v, "", near, 3), 0);
	assert_int_equal(cy_record_suggest(v, "Z109-WS.2019-D10-0013", near, 0), 0);
	cy_vault_close(v);

	/* a viewer without a grant, and an administrator, are told nothing */
	v = open_as(cy_buf_cstr(&dir), "vv");
	assert_int_equal(cy_record_suggest(v, "Z109-WS-2019-D10-0013", near, 3), 0);
	cy_vault_close(v);
	v = open_as(cy_buf_cstr(&dir), "sec");
	assert_int_equal(cy_record_suggest(v, "Z109-WS-2019-D10-0013", near, 3), 0);
	cy_vault_close(v);

	cy_buf_wipe(&rec);
	cy_buf_release(&dir);
	cy_buf_release(&in);
	cy_buf_release(&f);
	tu_rmrf(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_no_normalize),
		cmocka_unit_test(test_archive_no_normalize_refuses),
		cmocka_unit_test(test_archive_no_suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
