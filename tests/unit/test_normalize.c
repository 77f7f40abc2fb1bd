/* test_normalize.c - src/base/normalize.c: the normal forms of the blind
 * indexes (a table of equivalent spellings, including full-width digits, +86
 * and U+3000), their stability, bad input, and the GB 11643 resident ID check
 * against the shared identifier data (../shared/testdata/ids/cn_ids.tsv). */
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
#include "custody/normalize.h"
#include "custody/custody.h"
#include "testutil.h"

#include "custody/banned.h"

#define IDS_TSV CY_TESTDATA "/ids/cn_ids.tsv"

typedef struct norm_case {
	cy_norm_field f;
	const char *in, *want;
} norm_case;

static const norm_case CASES[] = {
	/* names: NFKC, white space of every kind removed, case folded, middle dots unified */
	{CY_NORM_NAME, "张伟明", "张伟明"},
	{CY_NORM_NAME, "张 伟明", "张伟明"},
	{CY_NORM_NAME, "张\xe3\x80\x80伟明", "张伟明"},		     /* U+3000 ideographic space */
	{CY_NORM_NAME, " \t张\xc2\xa0伟\xe2\x80\x8b明\n", "张伟明"}, /* NBSP, zero-width space */
	{CY_NORM_NAME, "Zhang Wei", "zhangwei"},
	{CY_NORM_NAME, "ＺＨＡＮＧ　Ｗｅｉ", "zhangwei"}, /* full-width letters and space */
	{CY_NORM_NAME, "STRASSE", "strasse"},
	{CY_NORM_NAME, "Straße", "strasse"},	       /* full case folding */
	{CY_NORM_NAME, "Jose\xcc\x81", "jos\xc3\xa9"}, /* composed */
	{CY_NORM_NAME, "José", "jos\xc3\xa9"},
	{CY_NORM_NAME, "阿依古丽•买买提", "阿依古丽·买买提"},  /* U+2022 -> U+00B7 */
	{CY_NORM_NAME, "阿依古丽・买买提", "阿依古丽·买买提"}, /* U+30FB -> U+00B7 */
	{CY_NORM_NAME, "阿依古丽 · 买买提", "阿依古丽·买买提"},
	{CY_NORM_NAME, "e \xcc\x81", "\xc3\xa9"}, /* a mark left by a removed space composes */
	{CY_NORM_NAME, "\xe3\x80\x80", ""},
	/* ID numbers: NFKC, white space removed, upper case, 15 -> 18 */
	{CY_NORM_ID_NUMBER, "11010519491231002X", "11010519491231002X"},
	{CY_NORM_ID_NUMBER, "11010519491231002x", "11010519491231002X"},
	{CY_NORM_ID_NUMBER, "１１０１０５１９４９１２３１００２Ｘ",
	 "11010519491231002X"}, /* full width */
	{CY_NORM_ID_NUMBER, "110105 1949 1231 002x", "11010519491231002X"},
	{CY_NORM_ID_NUMBER,
	 "110105\xe3\x80\x80"
	 "19491231002X",
	 "11010519491231002X"},
	{CY_NORM_ID_NUMBER, "110105491231002", "11010519491231002X"}, /* first-generation card */
	{CY_NORM_ID_NUMBER, "e12345678", "E12345678"},		      /* a passport */
	/* phones */
	{CY_NORM_PHONE, "13912345678", "13912345678"},
	{CY_NORM_PHONE, "+86 139-1234-5678", "13912345678"},
	{CY_NORM_PHONE, "+86 13912345678", "13912345678"},
	{CY_NORM_PHONE, "0086 139 1234 5678", "13912345678"},
	{CY_NORM_PHONE, "8613912345678", "13912345678"},
	{CY_NORM_PHONE, "(+86) 139.1234.5678", "13912345678"},
	{CY_NORM_PHONE, "＋８６　１３９－１２３４－５６７８",
	 "13912345678"}, /* full width, U+3000 */
	{CY_NORM_PHONE,
	 "139\xe2\x80\x93"
	 "1234\xe2\x80\x94"
	 "5678",
	 "13912345678"}, /* en and em dash */
	{CY_NORM_PHONE, "010-6552 9988", "01065529988"},
	{CY_NORM_PHONE, "(010) 65529988", "01065529988"},
	{CY_NORM_PHONE, "+86 10 6552 9988", "01065529988"}, /* the trunk 0 comes back */
	{CY_NORM_PHONE, "0086 (591) 8765 4321", "059187654321"},
	{CY_NORM_PHONE, "+1 415 555 0100", "+14155550100"},
	{CY_NORM_PHONE, "861065529988", "861065529988"}, /* bare 86 only before a mobile */
	/* e-mails */
	{CY_NORM_EMAIL, "zhang@example.cn", "zhang@example.cn"},
	{CY_NORM_EMAIL, "", ""}, /* found by fuzz_normalize */
	{CY_NORM_EMAIL, " \t\xe3\x80\x80", ""},
	{CY_NORM_PHONE, "", ""},
	{CY_NORM_EMAIL, " Zhang.WeiMing@Example.CN ", "zhang.weiming@example.cn"},
	{CY_NORM_EMAIL, "\xe3\x80\x80ZHANG＠ＥＸＡＭＰＬＥ．ｃｎ\t", "zhang@example.cn"},
	{CY_NORM_EMAIL, "Ölaf@Example.de", "Ölaf@example.de"}, /* only ASCII is lowered */
	/* credit codes and accounts */
	{CY_NORM_USCC, "91 110000 600037341l", "91110000600037341L"},
	{CY_NORM_USCC, "９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"},
	{CY_NORM_ACCOUNT, "6222 0202 0000 1234", "6222020200001234"},
	{CY_NORM_ACCOUNT, "6222-0202-0000-1234", "6222020200001234"},
	{CY_NORM_ACCOUNT, "gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"},
};

static void test_normalize_table(void **state)
{
	cy_buf out = CY_BUF_INIT, again = CY_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		const norm_case *c = &CASES[i];
		int rc = cy_normalize(c->f, c->in, strlen(c->in), &out);
		if (rc || strcmp(cy_buf_cstr(&out), c->want))
			fail_msg("%s '%s': got rc %d '%s', want '%s'", cy_norm_field_name(c->f),
				 c->in, rc, cy_buf_cstr(&out), c->want);
		/* a normal form is its own normal form */
		assert_int_equal(cy_normalize(c->f, (const char *)out.ptr, out.len, &again), 0);
		assert_string_equal(cy_buf_cstr(&again), cy_buf_cstr(&out));
	}
	cy_buf_wipe(&out);
	cy_buf_wipe(&again);
}

/* Values that look alike but are not the same customer stay apart. */
static void test_normalize_distinct(void **state)
{
	static const struct {
		cy_norm_field f;
		const char *a, *b;
	} D[] = {
		{CY_NORM_NAME, "张伟明", "张伟"},
		{CY_NORM_NAME, "José", "Jose"},
		{CY_NORM_PHONE, "13912345678", "13912345679"},
		{CY_NORM_PHONE, "+1 139 1234 5678", "13912345678"},
		{CY_NORM_ID_NUMBER, "11010519491231002X", "110105194912310021"},
		{CY_NORM_EMAIL, "zhang@example.cn", "zhang@example.com"},
	};
	cy_buf a = CY_BUF_INIT, b = CY_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(D) / sizeof(D[0]); i++) {
		assert_int_equal(cy_normalize(D[i].f, D[i].a, strlen(D[i].a), &a), 0);
		assert_int_equal(cy_normalize(D[i].f, D[i].b, strlen(D[i].b), &b), 0);
		assert_string_not_equal(cy_buf_cstr(&a), cy_buf_cstr(&b));
	}
	cy_buf_wipe(&a);
	cy_buf_wipe(&b);
}

static void test_normalize_bad_input(void **state)
{
	cy_buf out = CY_BUF_INIT;
	char big[CY_NORM_MAX_INPUT + 2];
	cy_norm_field f;

	(void)state;
	assert_int_equal(cy_normalize(CY_NORM_NAME, "\xff\xfe", 2, &out), CY_EINVALID);
	assert_int_equal(cy_normalize(CY_NORM_NAME, "\xe5\xbc", 2, &out), CY_EINVALID); /* cut */
	assert_int_equal(cy_normalize(CY_NORM_NAME, "\xc0\xaf", 2, &out),
			 CY_EINVALID); /* overlong */
	assert_int_equal(cy_normalize(CY_NORM_NAME, "\xed\xa0\x80", 3, &out),
			 CY_EINVALID); /* surrogate */
	assert_int_equal(cy_normalize(CY_NORM_PHONE,
				      "139\0"
				      "1",
				      5, &out),
			 CY_EINVALID);
	memset(big, 'a', sizeof(big));
	assert_int_equal(cy_normalize(CY_NORM_EMAIL, big, CY_NORM_MAX_INPUT, &out), 0);
	assert_int_equal(cy_normalize(CY_NORM_EMAIL, big, CY_NORM_MAX_INPUT + 1, &out),
			 CY_EINVALID);
	assert_int_equal(cy_normalize(CY_NORM_COUNT, "a", 1, &out), CY_EINVALID);
	assert_int_equal(cy_norm_field_parse("phone", &f), 0);
	assert_int_equal(f, CY_NORM_PHONE);
	assert_int_equal(cy_norm_field_parse("telephone", &f), CY_EINVALID);
	cy_buf_wipe(&out);
}

static void test_normalize_resident_id(void **state)
{
	(void)state;
	assert_int_equal(cy_resident_id_check("11010519491231002X"), CY_ID_OK);
	assert_int_equal(cy_resident_id_check("440524188001010014"), CY_ID_OK);
	assert_int_equal(cy_resident_id_check("110105194912310021"), CY_ID_BAD_CHECK);
	/* the two numbers a public test file wrongly calls valid (DOMAIN.md) */
	assert_int_equal(cy_resident_id_check("110105195001010014"), CY_ID_BAD_CHECK);
	assert_int_equal(cy_resident_id_check("110105195001010027"), CY_ID_BAD_CHECK);
	assert_int_equal(cy_resident_id_check("11010519491231002x"),
			 CY_ID_BAD_FORMAT); /* not normal */
	assert_int_equal(cy_resident_id_check("1101051949123100"), CY_ID_BAD_LENGTH);
	assert_int_equal(cy_resident_id_check("110105194902301234"),
			 CY_ID_BAD_DATE); /* 30 February */
	assert_int_equal(cy_resident_id_check("110105200002290018"),
			 CY_ID_BAD_CHECK); /* 2000 leap */
	assert_int_equal(cy_resident_id_check("110105190002290018"), CY_ID_BAD_DATE); /* 1900 not */
	assert_int_equal(cy_resident_id_check("110105299901010012"), CY_ID_BAD_DATE); /* future */
	assert_string_equal(cy_id_check_name(CY_ID_BAD_CHECK), "bad-check-digit");
}

/* Every resident ID of the shared data set: valid exactly when its checksum and
 * date are (the data's computed columns); a 15-digit number is upgraded, so it
 * is valid exactly when its date is.  Credit codes: valid after normalisation
 * exactly when their check character is. */
static void test_normalize_shared_ids(void **state)
{
	cy_buf tsv = CY_BUF_INIT, norm = CY_BUF_INIT;
	char *line, *save = NULL;
	int n18 = 0, n15 = 0, nother = 0, nuscc = 0;

	(void)state;
	if (tu_read_file(IDS_TSV, &tsv))
		fail_msg("cannot read %s", IDS_TSV);
	for (line = strtok_r((char *)tsv.ptr, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *col[8] = {0}, *p = line;
		int nc = 0;
		while (nc < 8) {
			col[nc++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = 0;
		}
		if (nc < 7 || !strcmp(col[0], "kind"))
			continue;
		bool sum_ok = !strcmp(col[5], "true"), date_ok = !strcmp(col[6], "true");
		if (!strncmp(col[0], "cn_resident_id", 14)) {
			int rc = cy_normalize(CY_NORM_ID_NUMBER, col[1], strlen(col[1]), &norm);
			assert_int_equal(rc, 0);
			cy_id_check c = cy_resident_id_check(cy_buf_cstr(&norm));
			bool want;
			if (!strcmp(col[0], "cn_resident_id_18")) {
				want = sum_ok && date_ok;
				n18++;
			} else if (!strcmp(col[0], "cn_resident_id_15")) {
				want = date_ok;
				n15++;
			} else {
				want = false;
				nother++;
			}
			if ((c == CY_ID_OK) != want)
				fail_msg(
					"%s %s: check says %s (normal form %s), the data says checksum %s, date %s",
					col[0], col[1], cy_id_check_name(c), cy_buf_cstr(&norm),
					col[5], col[6]);
		} else if (!strcmp(col[0], "cn_uscc")) {
			if (cy_normalize(CY_NORM_USCC, col[1], strlen(col[1]), &norm))
				continue; /* not UTF-8 text at all is fine to refuse */
			bool ok = cy_uscc_valid(cy_buf_cstr(&norm));
			if (ok && !sum_ok)
				fail_msg("uscc %s accepted, but its check character is wrong",
					 col[1]);
			nuscc++;
		}
	}
	/* the data set is all there */
	assert_true(n18 >= 30);
	assert_true(n15 >= 9);
	assert_true(nother >= 10);
	assert_true(nuscc >= 200);
	cy_buf_release(&tsv);
	cy_buf_wipe(&norm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_distinct),
		cmocka_unit_test(test_normalize_bad_input),
		cmocka_unit_test(test_normalize_resident_id),
		cmocka_unit_test(test_normalize_shared_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
