/* test_pii.c - src/ingest/pii.c: the personal-data detector.  The resident ID
 * and credit code verdicts against the shared identifier data
 * (../shared/testdata/ids/cn_ids.tsv, read in place) case by case; the
 * scanner over mixed Chinese text with exact offsets; digit runs inside
 * longer runs; full-width digits; Excel's scientific notation; Luhn-valid
 * numbers of unknown issuers; +86 forms; under 14 on fixed dates; sex; the
 * PIPL labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/datetime.h"
#include "custody/normalize.h"
#include "custody/pii.h"
#include "testutil.h"

#include "custody/banned.h"

#define IDS_TSV CY_TESTDATA "/ids/cn_ids.tsv"

/* every date in these tests is fixed: the results must not move with the clock */
#define AS_OF (cy_days_from_civil(2026, 11, 30))

typedef struct found {
	int n;
	cy_pii_match m[16];
} found;

static int collect(void *arg, const cy_pii_match *m)
{
	found *f = arg;

	if (f->n < 16)
		f->m[f->n] = *m;
	f->n++;
	return 0;
}

static found scan(const char *text, int64_t as_of)
{
	found f;

	memset(&f, 0, sizeof(f));
	assert_int_equal(cy_pii_scan(text, strlen(text), as_of, collect, &f), 0);
	return f;
}

/* The value of a match is cy_normalize of the text it covers: what the
 * blind index of its field hashes. */
static void assert_normal_form(const char *text, const cy_pii_match *m)
{
	cy_buf norm = CY_BUF_INIT;
	int field = cy_pii_norm_field(m->kind);

	assert_true(field >= 0);
	assert_int_equal(cy_normalize((cy_norm_field)field, text + m->offset, m->length, &norm), 0);
	if (strcmp(cy_buf_cstr(&norm), m->value))
		fail_msg("%s at %zu: value '%s', cy_normalize gives '%s'",
			 cy_pii_kind_name(m->kind), m->offset, m->value, cy_buf_cstr(&norm));
	cy_buf_wipe(&norm);
}

static void expect(const found *f, int i, cy_pii_kind kind, size_t off, size_t len,
		   const char *value)
{
	if (i >= f->n)
		fail_msg("match %d missing (%d found)", i, f->n);
	if (f->m[i].kind != kind || f->m[i].offset != off || f->m[i].length != len ||
	    strcmp(f->m[i].value, value))
		fail_msg("match %d: got %s at %zu+%zu '%s', want %s at %zu+%zu '%s'", i,
			 cy_pii_kind_name(f->m[i].kind), f->m[i].offset, f->m[i].length,
			 f->m[i].value, cy_pii_kind_name(kind), off, len, value);
}

/* ---- the shared data ---- */

static bool col_true(const char *s)
{
	return !strcmp(s, "true");
}

/* Each resident ID row: the checksum and date verdicts equal the data's
 * computed columns; the verdict is checksum && date (18 digits) or date &&
 * province (15 digits); a wrong shape has neither.  The scanner finds the
 * number in a sentence exactly when the verdict is yes.  Each credit code:
 * accepted exactly when its check character is right. */
static void test_pii_shared_ids(void **state)
{
	cy_buf tsv = CY_BUF_INIT, norm = CY_BUF_INIT;
	char *line, *save = NULL, text[256];
	int n18 = 0, n15 = 0, nother = 0, nuscc = 0, nvalid = 0;

	(void)state;
	if (tu_read_file(IDS_TSV, &tsv))
		fail_msg("cannot read %s", IDS_TSV);
	for (line = strtok_r((char *)tsv.ptr, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *col[8] = {0}, *p = line;
		int nc = 0;
		cy_pii_id id;
		while (nc < 8) {
			col[nc++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = 0;
		}
		if (nc < 7 || !strcmp(col[0], "kind"))
			continue;
		const char *kind = col[0], *v = col[1], *sum = col[5], *date = col[6];
		if (!strcmp(kind, "cn_resident_id_18") || !strcmp(kind, "cn_resident_id_15") ||
		    !strcmp(kind, "cn_resident_id_other")) {
			bool valid = cy_pii_id_number(v, strlen(v), AS_OF, &id), want;
			if (!strcmp(kind, "cn_resident_id_18")) {
				n18++;
				if (!strcmp(sum, "n/a")) {
					/* not 17 digits and a check character */
					if (id.digits || valid)
						fail_msg("%s: shape accepted", v);
					continue;
				}
				if (id.digits != 18 || id.checksum_ok != col_true(sum) ||
				    id.date_ok != col_true(date))
					fail_msg("%s: digits %d checksum %d date %d; data: %s %s",
						 v, id.digits, id.checksum_ok, id.date_ok, sum,
						 date);
				want = col_true(sum) && col_true(date);
			} else if (!strcmp(kind, "cn_resident_id_15")) {
				n15++;
				if (id.digits != 15 || id.date_ok != col_true(date) ||
				    id.checksum_ok)
					fail_msg("%s: digits %d date %d; data: %s", v, id.digits,
						 id.date_ok, date);
				want = col_true(date) && id.region_ok;
				/* with the province check, the source's own verdicts too */
				assert_int_equal(valid, col_true(col[2]));
			} else {
				nother++;
				want = false;
				assert_int_equal(id.digits, 0);
			}
			if (valid != want)
				fail_msg("%s %s: verdict %d, want %d", kind, v, valid, want);
			if (valid) {
				nvalid++;
				/* the normal form is the blind index's */
				assert_int_equal(
					cy_normalize(CY_NORM_ID_NUMBER, v, strlen(v), &norm), 0);
				assert_string_equal(id.normal, cy_buf_cstr(&norm));
			}
			/* the scanner agrees, in a sentence */
			snprintf(text, sizeof(text), "客户身份证号%s，已核实。", v);
			found f = scan(text, AS_OF);
			bool seen = false;
			for (int i = 0; i < f.n; i++)
				if (f.m[i].kind == CY_PII_ID_NUMBER) {
					seen = true;
					assert_int_equal(f.m[i].offset, strlen("客户身份证号"));
					assert_int_equal(f.m[i].length, strlen(v));
					assert_string_equal(f.m[i].value, id.normal);
				}
			if (seen != valid)
				fail_msg("scanner on %s: found %d, verdict %d", v, seen, valid);
		} else if (!strcmp(kind, "cn_uscc")) {
			char normal[19];
			nuscc++;
			if (cy_pii_uscc(v, strlen(v), normal) != col_true(sum))
				fail_msg("uscc %s: verdict differs from the check column %s", v,
					 sum);
		} else {
			fail_msg("a kind of row this test does not know: %s", kind);
		}
	}
	/* the data set is all there */
	assert_true(n18 >= 35);
	assert_true(n15 >= 9);
	assert_true(nother >= 14);
	assert_true(nuscc >= 224);
	assert_true(nvalid >= 25);
	cy_buf_release(&tsv);
	cy_buf_wipe(&norm);
}

/* ---- one value ---- */

static void test_pii_id_dates(void **state)
{
	cy_pii_id id;

	(void)state;
	/* GB 11643's own examples, one born in 1880 */
	assert_true(cy_pii_id_number("11010519491231002X", 18, AS_OF, &id));
	assert_int_equal(id.year, 1949);
	assert_int_equal(id.month, 12);
	assert_int_equal(id.day, 31);
	assert_int_equal(id.sex, 'F');
	assert_true(cy_pii_id_number("440524188001010014", 18, AS_OF, &id));
	assert_int_equal(id.sex, 'M');
	/* born before 1800: the right check character, not a plausible date */
	assert_false(cy_pii_id_number("440524179901010015", 18, AS_OF, &id));
	assert_true(id.checksum_ok && id.date_ok && !id.date_plausible);
	/* born in 2030: not yet, and valid once that day has come */
	assert_false(cy_pii_id_number("11010520300101001X", 18, AS_OF, &id));
	assert_true(id.checksum_ok && id.date_ok);
	assert_true(
		cy_pii_id_number("11010520300101001X", 18, cy_days_from_civil(2030, 1, 1), &id));
	assert_false(
		cy_pii_id_number("11010520300101001X", 18, cy_days_from_civil(2029, 12, 31), &id));
	/* 29 February: a leap year has it, 1900 does not */
	assert_true(cy_pii_id_number("110101201202290025", 18, AS_OF, &id));
	assert_false(cy_pii_id_number("110105190002290018", 18, AS_OF, &id));
	assert_false(id.date_ok);
	/* spaces, full width, lower-case x */
	assert_true(cy_pii_id_number("110105 19491231 002x", 20, AS_OF, &id));
	assert_string_equal(id.normal, "11010519491231002X");
	/* no dashes: the blind index's normal form keeps them */
	assert_false(cy_pii_id_number("110105-19491231-002X", 20, AS_OF, NULL));
	const char *fw = "１１０１０５１９４９１２３１００２Ｘ";
	assert_true(cy_pii_id_number(fw, strlen(fw), AS_OF, NULL));
	/* 15 digits: sex from the last digit, upgraded to 18 */
	assert_true(cy_pii_id_number("150102880730303", 15, AS_OF, &id));
	assert_int_equal(id.sex, 'M');
	assert_int_equal(id.digits, 15);
	assert_string_equal(id.normal, "150102198807303035");
	/* not one */
	assert_false(cy_pii_id_number("", 0, AS_OF, &id));
	assert_false(cy_pii_id_number("11010519491231002XX", 19, AS_OF, &id));
	assert_false(cy_pii_id_number("身份证", strlen("身份证"), AS_OF, &id));
}

static void test_pii_values(void **state)
{
	char n12[12], n20[20], e[CY_PII_VALUE_MAX], u[19];
	const char *net = NULL;

	(void)state;
	/* mobile numbers */
	static const char *MOBILES[] = {"13912345678",
					"+86 139-1234-5678",
					"+8613912345678",
					"0086 139 1234 5678",
					"8613912345678",
					"(+86) 139.1234.5678",
					"＋８６　１３９１２３４５６７８",
					" 199 0000 1111 "};
	for (size_t i = 0; i < sizeof(MOBILES) / sizeof(MOBILES[0]); i++) {
		if (!cy_pii_mobile(MOBILES[i], strlen(MOBILES[i]), n12))
			fail_msg("'%s' is a mobile number", MOBILES[i]);
	}
	assert_true(cy_pii_mobile("+86 139-1234-5678", 17, n12));
	assert_string_equal(n12, "13912345678");
	static const char *NOT_MOBILES[] = {"12912345678",  "1391234567",	"139123456789",
					    "010-65529988", "+1 139 1234 5678", "1391234567a"};
	for (size_t i = 0; i < sizeof(NOT_MOBILES) / sizeof(NOT_MOBILES[0]); i++)
		if (cy_pii_mobile(NOT_MOBILES[i], strlen(NOT_MOBILES[i]), n12))
			fail_msg("'%s' is not a mobile number", NOT_MOBILES[i]);

	/* bank cards: Luhn and a known prefix */
	assert_true(cy_pii_bank_card("6222 0202 0000 1235", 19, n20, &net));
	assert_string_equal(n20, "6222020200001235");
	assert_string_equal(net, "unionpay");
	assert_true(cy_pii_bank_card("6222020200001234562", 19, n20, &net));
	assert_true(cy_pii_bank_card("4111111111111111", 16, n20, &net));
	assert_string_equal(net, "visa");
	assert_true(cy_pii_bank_card("5100000000000008", 16, n20, &net));
	assert_string_equal(net, "mastercard");
	assert_true(cy_pii_bank_card("9558801234567890128", 19, n20, &net));
	assert_string_equal(net, "cn-domestic");
	/* Luhn-valid, but no issuer custody knows: not cards */
	assert_false(cy_pii_bank_card("1234567812345670", 16, n20, &net));
	assert_false(cy_pii_bank_card("7000000000000000003", 19, n20, &net));
	/* a known prefix, the Luhn check fails */
	assert_false(cy_pii_bank_card("6222020200001234", 16, n20, &net));
	/* Visa is 16 digits here; too short; too long */
	assert_false(cy_pii_bank_card("4111111111111", 13, n20, &net));
	assert_false(cy_pii_bank_card("622202020000123500000", 21, n20, &net));

	/* credit codes */
	assert_true(cy_pii_uscc("91350100M000100Y43", 18, u));
	assert_true(cy_pii_uscc("91 110000 600037341l", 20, u));
	assert_string_equal(u, "91110000600037341L");
	assert_false(cy_pii_uscc("91350200M000000510", 18, u)); /* DOMAIN.md's wrong example */

	/* e-mail addresses */
	assert_true(cy_pii_email(" Zhang.Wei@Example.CN ", 22, e));
	assert_string_equal(e, "zhang.wei@example.cn");
	const char *fw = "ＺＨＡＮＧ＠ＥＸＡＭＰＬＥ．ｃｎ";
	assert_true(cy_pii_email(fw, strlen(fw), e));
	assert_string_equal(e, "zhang@example.cn");
	assert_true(cy_pii_email("o'brien+tag@mail.xn--fiqs8s", 27, e));
	static const char *NOT_EMAILS[] = {"zhang@example",	 "zhang@@example.cn",
					   ".zhang@example.cn",	 "zhang.@example.cn",
					   "zh..ang@example.cn", "zhang@-ex.cn",
					   "zhang@ex-.cn",	 "zhang@example.c",
					   "zhang@example.c1",	 "张@example.cn",
					   "zhang@例子.cn",	 "@example.cn",
					   "zhang example.cn",	 "\"zh ang\"@example.cn"};
	for (size_t i = 0; i < sizeof(NOT_EMAILS) / sizeof(NOT_EMAILS[0]); i++)
		if (cy_pii_email(NOT_EMAILS[i], strlen(NOT_EMAILS[i]), e))
			fail_msg("'%s' is not an address custody accepts", NOT_EMAILS[i]);
	char local[80], big[300];
	memset(local, 'a', 65);
	snprintf(big, sizeof(big), "%.65s@example.cn", local);
	assert_false(cy_pii_email(big, strlen(big), e)); /* local part of 65 bytes */
	snprintf(big, sizeof(big), "%.64s@example.cn", local);
	assert_true(cy_pii_email(big, strlen(big), e));

	/* Excel's rounding */
	assert_true(cy_pii_excel_rounded("1.10105E+17", 11));
	assert_true(cy_pii_excel_rounded(" 6.22202e+18", 12));
	assert_true(cy_pii_excel_rounded("1.39123E+10", 11));
	assert_false(cy_pii_excel_rounded("1.5E+03", 7));
	assert_false(cy_pii_excel_rounded("1.10105E+17x", 12));
	assert_false(cy_pii_excel_rounded("110105194912310000", 18));
	assert_false(cy_pii_id_number("1.10105E+17", 11, AS_OF, NULL));
	/* the form both readers share: any scientific notation, its parts, where it ends */
	cy_pii_sci sci;
	assert_int_equal(cy_pii_sci_form("-4,5e-3 kg", 10, &sci), 7);
	assert_true(sci.sign);
	assert_int_equal(sci.point, ',');
	assert_int_equal(sci.int_digits, 1);
	assert_int_equal(sci.frac_digits, 1);
	assert_int_equal(sci.exp_sign, '-');
	assert_int_equal(sci.exp_digits, 1);
	assert_int_equal(cy_pii_sci_form("1.10105E+170", 12, NULL), 12);
	assert_false(cy_pii_excel_rounded("1.10105E+170", 12)); /* Excel: a two-digit exponent */
	assert_int_equal(cy_pii_sci_form(".5E2", 4, NULL), 4);
	assert_int_equal(cy_pii_sci_form("E12", 3, NULL), 0);
	assert_int_equal(cy_pii_sci_form("1.5E", 4, NULL), 0);
	assert_int_equal(cy_pii_sci_form("1.5E+", 5, NULL), 0);
}

static void test_pii_classify(void **state)
{
	static const struct {
		const char *v;
		cy_pii_kind k;
		const char *normal;
	} C[] = {
		{"11010519491231002x", CY_PII_ID_NUMBER, "11010519491231002X"},
		{"150102880730303", CY_PII_ID_NUMBER, "150102198807303035"},
		{"91350100M000100Y43", CY_PII_USCC, "91350100M000100Y43"},
		{"+86 139 1234 5678", CY_PII_MOBILE, "13912345678"},
		{"6222-0202-0000-1235", CY_PII_BANK_CARD, "6222020200001235"},
		{"Li.Na@Example.com", CY_PII_EMAIL, "li.na@example.com"},
		{"1.10105E+17", CY_PII_EXCEL_ROUNDED, "1.10105E+17"},
		{"110105194912310021", CY_PII_NONE, ""}, /* DOMAIN.md: bad check character */
		{"1234567812345670", CY_PII_NONE, ""},
		{"张三", CY_PII_NONE, ""},
		{"", CY_PII_NONE, ""},
	};
	cy_pii_match m;

	(void)state;
	for (size_t i = 0; i < sizeof(C) / sizeof(C[0]); i++) {
		cy_pii_classify(C[i].v, strlen(C[i].v), AS_OF, &m);
		if (m.kind != C[i].k || strcmp(m.value, C[i].normal) || m.length != strlen(C[i].v))
			fail_msg("'%s': %s '%s', want %s '%s'", C[i].v, cy_pii_kind_name(m.kind),
				 m.value, cy_pii_kind_name(C[i].k), C[i].normal);
		if (m.kind != CY_PII_NONE && m.kind != CY_PII_EXCEL_ROUNDED)
			assert_normal_form(C[i].v, &m);
	}
	assert_string_equal(cy_pii_kind_name(CY_PII_BANK_CARD), "bank_card");
	assert_string_equal(cy_pii_kind_name(CY_PII_KIND_COUNT), "?");
	assert_int_equal(cy_pii_norm_field(CY_PII_MOBILE), CY_NORM_PHONE);
	assert_int_equal(cy_pii_norm_field(CY_PII_EXCEL_ROUNDED), -1);
}

/* ---- free text ---- */

static const char MIXED[] =
	"客户张三（女），身份证号11010519491231002X，手机+86 139-1234-5678，邮箱 "
	"Zhang.San@Example.CN。工资卡6222 0202 0000 1235，公司统一社会信用代码91350100M000100Y43，"
	"备注：订单20231105139123456789，电话13812345678/13912345679.";

static void test_pii_scan_mixed(void **state)
{
	found f = scan(MIXED, AS_OF);

	(void)state;
	assert_int_equal(f.n, 7);
	expect(&f, 0, CY_PII_ID_NUMBER, 36, 18, "11010519491231002X");
	assert_int_equal(f.m[0].sex, 'F');
	assert_int_equal(f.m[0].birth_year, 1949);
	assert_int_equal(f.m[0].id_digits, 18);
	expect(&f, 1, CY_PII_MOBILE, 63, 17, "13912345678");
	expect(&f, 2, CY_PII_EMAIL, 90, 20, "zhang.san@example.cn");
	expect(&f, 3, CY_PII_BANK_CARD, 122, 19, "6222020200001235");
	assert_string_equal(f.m[3].card_network, "unionpay");
	expect(&f, 4, CY_PII_USCC, 174, 18, "91350100M000100Y43");
	/* the order number's digits hold a mobile number: not a match */
	expect(&f, 5, CY_PII_MOBILE, 239, 11, "13812345678");
	expect(&f, 6, CY_PII_MOBILE, 251, 11, "13912345679"); /* the full stop is not a decimal */
	for (int i = 0; i < f.n; i++)
		assert_normal_form(MIXED, &f.m[i]);
}

/* A run of digits inside a longer run, a code or a decimal is not a value. */
static void test_pii_scan_embedded(void **state)
{
	static const char *NONE[] = {
		"订单号2013912345678901",		 /* a mobile number inside 22 digits */
		"流水号139123456780",			 /* 12 digits */
		"编号A13912345678",			 /* letters before */
		"编号13912345678B",			 /* letters after */
		"SO-13912345678",			 /* a code with a dash */
		"13912345678-01",			 /* a dash then more digits */
		"金额3.13912345678",			 /* a decimal part */
		"金额13912345678.50元",			 /* the integer part of a decimal */
		"file_13912345678",			 /* an identifier */
		"11010519491231002X1",			 /* an ID number with one more digit */
		"911101199001010012345",		 /* 21 digits */
		"IP 10.13912345678",			 /* after a dot */
		"+1 139 1234 5678",			 /* another country's number */
		"+852 6222 0202 0000 1235",		 /* another country's code before a card */
		"1234567812345670",			 /* Luhn-valid, unknown issuer */
		"卡号 7000 0000 0000 0000 003",		 /* the same in groups */
		"6666666666666666",			 /* one digit repeated */
		"110105194912310021",			 /* the wrong check character */
		"生日19491231，序号002",		 /* parts of an ID apart */
		"电话 010-6552 9988",			 /* a landline */
		"139 1234 567",				 /* a group short */
		"x@13912345678",			 /* after an @ */
		"9111000060003IOZSV 91110000600037341N", /* credit codes that fail */
		"5E15+119",				 /* no exponent sign (fuzz_pii) */
		"N\u2013955880123456789pzpple@example.cnp", /* an en dash is not an address's '-' (fuzz_pii) */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(NONE) / sizeof(NONE[0]); i++) {
		found f = scan(NONE[i], AS_OF);
		if (f.n)
			fail_msg("'%s': found %s '%s' at %zu", NONE[i],
				 cy_pii_kind_name(f.m[0].kind), f.m[0].value, f.m[0].offset);
	}
	/* the same values alone, or set off by spaces and punctuation, are found */
	static const char *ONE[] = {"13912345678",   "(13912345678)", "tel:13912345678",
				    "13912345678。", "“13912345678”", "电话13912345678号",
				    "A 13912345678", "13912345678 01"};
	for (size_t i = 0; i < sizeof(ONE) / sizeof(ONE[0]); i++) {
		found f = scan(ONE[i], AS_OF);
		if (f.n != 1 || f.m[0].kind != CY_PII_MOBILE)
			fail_msg("'%s': %d matches", ONE[i], f.n);
		assert_string_equal(f.m[0].value, "13912345678");
	}
}

static void test_pii_scan_fullwidth(void **state)
{
	const char *t = "手机：１３９１２３４５６７８，身份证１１０１０５１９４９１２３１００２ｘ";
	found f = scan(t, AS_OF);

	(void)state;
	assert_int_equal(f.n, 2);
	expect(&f, 0, CY_PII_MOBILE, 9, 33, "13912345678");
	expect(&f, 1, CY_PII_ID_NUMBER, 54, 54, "11010519491231002X");
	assert_normal_form(t, &f.m[0]);
	assert_normal_form(t, &f.m[1]);
	/* an ideographic space and a full-width plus */
	t = "＋８６　１３９　１２３４　５６７８";
	f = scan(t, AS_OF);
	assert_int_equal(f.n, 1);
	expect(&f, 0, CY_PII_MOBILE, 0, strlen(t), "13912345678");
	/* bytes that are not UTF-8 are separators, not part of a value */
	f = scan("\xff"
		 "13912345678\xc3",
		 AS_OF);
	assert_int_equal(f.n, 1);
	expect(&f, 0, CY_PII_MOBILE, 1, 11, "13912345678");
}

static void test_pii_scan_excel(void **state)
{
	const char *t = "身份证号,1.10105E+17,手机,1.39123E+10,金额,1.5E+03,卡 6.22202E+18";
	found f = scan(t, AS_OF);

	(void)state;
	assert_int_equal(f.n, 3);
	expect(&f, 0, CY_PII_EXCEL_ROUNDED, strlen("身份证号,"), 11, "1.10105E+17");
	expect(&f, 1, CY_PII_EXCEL_ROUNDED, strlen("身份证号,1.10105E+17,手机,"), 11,
	       "1.39123E+10");
	expect(&f, 2, CY_PII_EXCEL_ROUNDED, strlen(t) - 11, 11, "6.22202E+18");
	/* never anything else: no ID number, no phone from its digits */
	f = scan("1.10105e+17", AS_OF);
	assert_int_equal(f.n, 1);
	expect(&f, 0, CY_PII_EXCEL_ROUNDED, 0, 11, "1.10105E+17");
	cy_pii_match m;
	cy_pii_classify("1.10105e+17", 11, AS_OF, &m); /* as the scanner gives it (fuzz_pii) */
	assert_int_equal(m.kind, CY_PII_EXCEL_ROUNDED);
	assert_string_equal(m.value, "1.10105E+17");
	assert_false(cy_pii_excel_rounded("1.10105E17", 10));
	cy_pii_classify("5E+14", 5, AS_OF, &m); /* few digits (fuzz_pii) */
	assert_int_equal(m.kind, CY_PII_EXCEL_ROUNDED);
	assert_int_equal(scan("v1.10105E+17", AS_OF).n, 0);
	assert_int_equal(scan("1.10105E+170", AS_OF).n, 0);
}

static void test_pii_scan_phones(void **state)
{
	static const struct {
		const char *t;
		size_t off, len;
	} P[] = {
		{"手机+86 13912345678", 6, 15},
		{"手机+8613912345678", 6, 14},
		{"手机 0086 139 1234 5678", 7, 18},
		{"手机(+86) 139-1234-5678", 7, 18},
		{"手机：+86-139-1234-5678", 9, 17},
		{"8613912345678", 0, 13},
		{"手机 008613912345678", 7, 15},
		{"139 1234 5678", 0, 13},
		{"139-12345678", 0, 12},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(P) / sizeof(P[0]); i++) {
		found f = scan(P[i].t, AS_OF);
		if (f.n != 1)
			fail_msg("'%s': %d matches", P[i].t, f.n);
		expect(&f, 0, CY_PII_MOBILE, P[i].off, P[i].len, "13912345678");
		assert_normal_form(P[i].t, &f.m[0]);
	}
	/* two numbers side by side */
	found f = scan("13912345678 13812345678、13712345678", AS_OF);
	assert_int_equal(f.n, 3);
	expect(&f, 2, CY_PII_MOBILE, 26, 11, "13712345678");
}

/* A callback's nonzero return stops the scan and comes back. */
static int stop_first(void *arg, const cy_pii_match *m)
{
	(*(int *)arg)++;
	return m->kind == CY_PII_MOBILE ? 42 : 0;
}

static void test_pii_scan_stop(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(cy_pii_scan(MIXED, strlen(MIXED), AS_OF, stop_first, &calls), 42);
	assert_int_equal(calls, 2);
	assert_int_equal(cy_pii_scan("", 0, AS_OF, stop_first, &calls), 0);
}

/* ---- derived facts ---- */

static void test_pii_minor(void **state)
{
	/* born 2015-06-15, male: 14 from the day after the 14th birthday */
	found f = scan("学员身份证110101201506150013", AS_OF);

	(void)state;
	assert_int_equal(f.n, 1);
	assert_int_equal(f.m[0].sex, 'M');
	assert_true(cy_pii_under_14(2015, 6, 15, cy_days_from_civil(2029, 6, 14)));
	assert_true(cy_pii_under_14(2015, 6, 15, cy_days_from_civil(2029, 6, 15)));
	assert_false(cy_pii_under_14(2015, 6, 15, cy_days_from_civil(2029, 6, 16)));
	assert_true(cy_pii_labels(&f.m[0], AS_OF, 0) & CY_PII_SENS_MINOR_UNDER_14);
	assert_true(cy_pii_labels(&f.m[0], cy_days_from_civil(2029, 6, 15), 0) &
		    CY_PII_SENS_MINOR_UNDER_14);
	assert_int_equal(cy_pii_labels(&f.m[0], cy_days_from_civil(2029, 6, 16), 0), 0);
	/* born 29 February 2012 (female): a common year's 1 March stands for it */
	f = scan("110101201202290025", AS_OF);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.m[0].sex, 'F');
	assert_true(cy_pii_under_14(2012, 2, 29, cy_days_from_civil(2026, 3, 1)));
	assert_false(cy_pii_under_14(2012, 2, 29, cy_days_from_civil(2026, 3, 2)));
	/* an adult: not a minor */
	f = scan("11010519491231002X", AS_OF);
	assert_false(cy_pii_labels(&f.m[0], AS_OF, 0) & CY_PII_SENS_MINOR_UNDER_14);
	/* today is a real day near now */
	assert_true(cy_pii_today() > cy_days_from_civil(2024, 1, 1));
}

static void test_pii_labels(void **state)
{
	found f = scan("卡号6222020200001235，身份证11010519491231002X，手机13912345678", AS_OF);

	(void)state;
	assert_int_equal(f.n, 3);
	assert_int_equal(cy_pii_labels(&f.m[0], AS_OF, CY_PII_POLICY_DEFAULT),
			 CY_PII_SENS_FINANCIAL_ACCOUNT);
	assert_int_equal(cy_pii_labels(&f.m[1], AS_OF, CY_PII_POLICY_DEFAULT),
			 CY_PII_SENS_ID_NUMBER);
	assert_int_equal(cy_pii_labels(&f.m[1], AS_OF, 0), 0);
	assert_int_equal(cy_pii_labels(&f.m[2], AS_OF, CY_PII_POLICY_DEFAULT), 0);
	assert_string_equal(cy_pii_label_name(CY_PII_SENS_FINANCIAL_ACCOUNT), "financial_account");
	assert_string_equal(cy_pii_label_name(CY_PII_SENS_MINOR_UNDER_14), "minor_under_14");
	assert_string_equal(cy_pii_label_name(CY_PII_SENS_ID_NUMBER), "id_number");
	assert_string_equal(cy_pii_label_name(3), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pii_shared_ids),	   cmocka_unit_test(test_pii_id_dates),
		cmocka_unit_test(test_pii_values),	   cmocka_unit_test(test_pii_classify),
		cmocka_unit_test(test_pii_scan_mixed),	   cmocka_unit_test(test_pii_scan_embedded),
		cmocka_unit_test(test_pii_scan_fullwidth), cmocka_unit_test(test_pii_scan_excel),
		cmocka_unit_test(test_pii_scan_phones),	   cmocka_unit_test(test_pii_scan_stop),
		cmocka_unit_test(test_pii_minor),	   cmocka_unit_test(test_pii_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
