/* test_textdoc.c - what a record gives the full-text index
 * (cy_vault__doc_body, vault_reindex.c): the one function the importers
 * and the rebuild share, so its answers are pinned here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "custody/custody.h"
#include "vault/vault_internal.h"

static void body_is(cy_source_kind kind, const cy_record_part *parts, size_t n, int want_rc,
		    const char *want)
{
	cy_buf b = CY_BUF_INIT;

	assert_int_equal(cy_vault__doc_body(kind, parts, n, &b), want_rc);
	assert_string_equal(cy_buf_cstr(&b), want);
	cy_buf_wipe(&b);
}

static void test_textdoc_table_row(void **state)
{
	const char *json = "{\"line\":2,\"fields\":{\"customer_no\":\"C01\",\"name\":\"张伟明\","
			   "\"email\":\"\"},\"columns\":{\"备注\":\"VIP 客户\",\"x\":\"\"}}";
	cy_record_part parts[2] = {{"original", "C01,张伟明", 13, "csv"},
				   {"fields", json, strlen(json), "json"}};
	(void)state;
	/* the values in the row's order, empty ones left out */
	body_is(CY_SOURCE_CSV, parts, 2, 1, "C01 张伟明 VIP 客户 ");
	/* a group of transactions keeps an array: a document with its title alone */
	parts[1].data = "[{\"amount\":\"1\"}]";
	parts[1].len = strlen(parts[1].data);
	body_is(CY_SOURCE_CSV, parts, 2, 1, "");
	/* not read (the rebuild's first question): still a document */
	parts[1].data = NULL;
	body_is(CY_SOURCE_CSV, parts, 2, 1, "");
}

static void test_textdoc_mail(void **state)
{
	const char *eml = "Received: x\r\nFrom: Wang <wang@example.cn>\r\nTo: a@example.cn,\r\n"
			  " b@example.cn\r\nSubject: s\r\n\r\nFrom: not a header\r\n";
	cy_record_part parts[3] = {{"original", eml, strlen(eml), "eml"},
				   {"attachment", "zz", 2, "binary"},
				   {"text", "请确认。", strlen("请确认。"), "text"}};
	(void)state;
	body_is(CY_SOURCE_MAIL, parts, 3, 1,
		"Wang <wang@example.cn> a@example.cn, b@example.cn 请确认。");
}

static void test_textdoc_file(void **state)
{
	char big[(64 << 10) + 8];
	cy_buf b = CY_BUF_INIT;
	cy_record_part p = {"original", "hello 世界\n", strlen("hello 世界\n"), "text"};
	(void)state;
	body_is(CY_SOURCE_FILE, &p, 1, 1, "hello 世界\n");
	/* not UTF-8: a document with the title alone */
	p.data = "\xff\xfe";
	p.len = 2;
	body_is(CY_SOURCE_FILE, &p, 1, 1, "");
	/* a binary file is no document */
	p.format = "pdf";
	body_is(CY_SOURCE_FILE, &p, 1, 0, "");
	assert_false(cy_import_indexes_format("binary"));
	assert_true(cy_import_indexes_format("html"));
	/* 64 KiB at most, cut at a character's start */
	memset(big, 'a', sizeof(big));
	memcpy(big + (64 << 10) - 1, "世", 3);
	p = (cy_record_part){"original", big, sizeof(big), "text"};
	assert_int_equal(cy_vault__doc_body(CY_SOURCE_FILE, &p, 1, &b), 1);
	assert_int_equal(b.len, (64 << 10) - 1);
	cy_buf_wipe(&b);
	/* records of no source are not indexed */
	body_is(CY_SOURCE_NONE, &p, 1, 0, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_textdoc_table_row),
		cmocka_unit_test(test_textdoc_mail),
		cmocka_unit_test(test_textdoc_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
