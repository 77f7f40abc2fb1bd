/* test_rules.c - src/ingest/rules.c: the classification rule pack.  The
 * shipped pack (rules/default.json, read in place) case by case: every rule
 * has a case here that hits it, and the test fails when a rule has none;
 * unknown material is unclassified; malformed packs fail with the line or the
 * rule named; first match by order and priority; Chinese, English and
 * full-width names; headers; text samples in UTF-8 and GB18030; a rules
 * directory of several files; where the pack is looked for. */
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
#include "custody/error.h"
#include "custody/file.h"
#include "custody/rules.h"
#include "testutil.h"

#include "custody/banned.h"

#define PACK_DIR CY_SRCDIR "/rules"

typedef struct want {
	const char *kind, *name, *format;
	const char *headers[4];
	const char *folder, *text;
	const char *rule, *klass, *retention;
} want;

/* One case per shipped rule (at least): what it is given and what it must say. */
static const want CASES[] = {
	{"customers", "contracts.csv", "csv", {0}, NULL, NULL, "kind-customers", "customer", "D10"},
	{"transactions", "t.csv", "csv", {0}, NULL, NULL, "kind-transactions", "transaction", "D30"},
	{"contracts", "凭证.csv", "csv", {0}, NULL, NULL, "kind-contracts", "contract", "D30"},
	{"mail", NULL, NULL, {0}, "INBOX/发票", NULL, "mail-folder-invoices", "accounting", "D30"},
	{"mail", NULL, NULL, {0}, "Contracts 2019", NULL, "mail-folder-contracts", "contract", "D30"},
	{"mail", NULL, NULL, {0}, "INBOX", NULL, "mail", "correspondence", "D10"},
	{"files",
	 "2019/会计档案销毁清册.pdf",
	 "pdf",
	 {0},
	 NULL,
	 NULL,
	 "archive-inventory-permanent",
	 "accounting",
	 "Y"},
	{"files",
	 "会计档案移交清册2020.xlsx",
	 "zip",
	 {0},
	 NULL,
	 NULL,
	 "archive-handover-inventory",
	 "accounting",
	 "D30"},
	{"files",
	 "2019半年度财务报告.pdf",
	 "pdf",
	 {0},
	 NULL,
	 NULL,
	 "financial-report-interim",
	 "accounting",
	 "D10"},
	{"files",
	 "2019年度财务报告.pdf",
	 "pdf",
	 {0},
	 NULL,
	 NULL,
	 "financial-report-annual",
	 "accounting",
	 "Y"},
	{"files",
	 "Annual Report 2019.pdf",
	 "pdf",
	 {0},
	 NULL,
	 NULL,
	 "financial-report-annual",
	 "accounting",
	 "Y"},
	{"files",
	 "银行存款余额调节表-03.xls",
	 "binary",
	 {0},
	 NULL,
	 NULL,
	 "bank-reconciliation",
	 "accounting",
	 "D10"},
	{"files",
	 "工行对账单202001.pdf",
	 "pdf",
	 {0},
	 NULL,
	 NULL,
	 "bank-statement",
	 "accounting",
	 "D10"},
	{"files",
	 "Bank_Statement_Jan.PDF",
	 "pdf",
	 {0},
	 NULL,
	 NULL,
	 "bank-statement",
	 "accounting",
	 "D10"},
	{"files", "增值税纳税申报表.pdf", "pdf", {0}, NULL, NULL, "tax-return", "accounting", "D10"},
	{"files",
	 "记账凭证-0012.pdf",
	 "pdf",
	 {0},
	 NULL,
	 NULL,
	 "accounting-voucher",
	 "accounting",
	 "D30"},
	{"files",
	 "scans/Voucher 12.tif",
	 "tiff",
	 {0},
	 NULL,
	 NULL,
	 "accounting-voucher",
	 "accounting",
	 "D30"},
	{"files", "发票_00123.pdf", "pdf", {0}, NULL, NULL, "invoice", "accounting", "D30"},
	{"files", "INVOICE-7.pdf", "pdf", {0}, NULL, NULL, "invoice", "accounting", "D30"},
	{"files", "明细账2019.xlsx", "zip", {0}, NULL, NULL, "accounting-books", "accounting", "D30"},
	{"files", "2019工资表.xlsx", "zip", {0}, NULL, NULL, "payroll", "accounting", "D30"},
	{"files", "payroll_march.csv", "csv", {0}, NULL, NULL, "payroll", "accounting", "D30"},
	{"files", "购销合同-张三.pdf", "pdf", {0}, NULL, NULL, "contract", "contract", "D30"},
	{"files", "Service Agreement.docx", "zip", {0}, NULL, NULL, "contract", "contract", "D30"},
	{"files", "客户来函2019.txt", "text", {0}, NULL, NULL, "letter", "correspondence", "D10"},
	{"files", "letter-to-li.txt", "text", {0}, NULL, NULL, "letter", "correspondence", "D10"},
	{"files", "msg0001.eml", "eml", {0}, NULL, NULL, "email-file", "correspondence", "D10"},
	{"records",
	 "export.csv",
	 "csv",
	 {"日期", "凭证 字号", "摘要"},
	 NULL,
	 NULL,
	 "headers-voucher",
	 "accounting",
	 "D30"},
	{"records",
	 "export.csv",
	 "csv",
	 {"Contract No.", "Signed"},
	 NULL,
	 NULL,
	 "headers-contract",
	 "contract",
	 "D30"},
	{"records",
	 "export.csv",
	 "csv",
	 {"交易日期", "金额"},
	 NULL,
	 NULL,
	 "headers-transaction",
	 "transaction",
	 "D30"},
	{"records",
	 "export.csv",
	 "csv",
	 {"客户名称", "手机"},
	 NULL,
	 NULL,
	 "headers-customer",
	 "customer",
	 "D10"},
	{"files",
	 "scan0001.txt",
	 "text",
	 {0},
	 NULL,
	 "附件：记账凭证 第12号",
	 "text-voucher",
	 "accounting",
	 "D30"},
	{"files",
	 "scan0002.txt",
	 "text",
	 {0},
	 NULL,
	 "XX银行 对账单\n账号",
	 "text-bank-statement",
	 "accounting",
	 "D10"},
	{"files",
	 "scan0003.txt",
	 "text",
	 {0},
	 NULL,
	 "发票代码 044001",
	 "text-invoice",
	 "accounting",
	 "D30"},
	{"files",
	 "scan0004.txt",
	 "text",
	 {0},
	 NULL,
	 "甲方：某某公司\n乙方：李四",
	 "text-contract",
	 "contract",
	 "D30"},
	{"files",
	 "scan0005.txt",
	 "text",
	 {0},
	 NULL,
	 "Dear Sir,\nthank you",
	 "text-letter",
	 "correspondence",
	 "D10"},
};

static cy_rules *default_pack(void)
{
	cy_rules *r = NULL;

	if (cy_rules_load(PACK_DIR, &r))
		fail_msg("%s", cy_error_message());
	return r;
}

static cy_classification classify(const cy_rules *r, const want *w)
{
	cy_classify_input in = {w->kind, w->name, w->format, w->headers, 0, w->folder, NULL, 0};
	cy_classification c;

	while (in.nheaders < 4 && w->headers[in.nheaders])
		in.nheaders++;
	if (w->text) {
		in.text = w->text;
		in.text_len = strlen(w->text);
	}
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	return c;
}

static void test_rules_shipped(void **state)
{
	cy_rules *r = default_pack();
	size_t ncases = sizeof(CASES) / sizeof(CASES[0]);

	(void)state;
	assert_true(cy_rules_count(r) > 20);
	for (size_t i = 0; i < ncases; i++) {
		cy_classification c = classify(r, &CASES[i]);
		if (strcmp(c.rule_id, CASES[i].rule))
			fail_msg("case %zu (%s): rule %s, want %s", i,
				 CASES[i].name ? CASES[i].name : CASES[i].folder, c.rule_id,
				 CASES[i].rule);
		assert_true(c.matched);
		assert_string_equal(cy_class_name(c.klass), CASES[i].klass);
		assert_string_equal(c.retention, CASES[i].retention);
		assert_true(strlen(c.rule_id) <= CY_RULE_ID_MAX);
		assert_non_null(strstr(c.citation, "DOMAIN.md"));
	}
	/* every rule of the pack is hit by some case: a new rule needs a case */
	for (size_t i = 0; i < cy_rules_count(r); i++) {
		cy_rule_info ri;
		bool hit = false;
		assert_int_equal(cy_rules_get(r, i, &ri), 0);
		for (size_t k = 0; k < ncases; k++)
			hit |= !strcmp(CASES[k].rule, ri.id);
		if (!hit)
			fail_msg("shipped rule '%s' (%s) has no test case", ri.id, ri.source);
		assert_true(!strcmp(ri.certainty, "verified") || !strcmp(ri.certainty, "partial") ||
			    !strcmp(ri.certainty, "unverified"));
	}
	assert_int_equal(cy_rules_get(r, cy_rules_count(r), &(cy_rule_info){0}), CY_ENOTFOUND);
	cy_rules_free(r);
}

static void test_rules_unclassified(void **state)
{
	cy_rules *r = default_pack();
	static const want nothing[] = {
		{"files", "IMG_0001.jpg", "jpeg", {0}, NULL, NULL, NULL, NULL, NULL},
		{"files", "scan.txt", "text", {0}, NULL, "nothing to see here", NULL, NULL, NULL},
		{"records", "x.csv", "csv", {"a", "b"}, NULL, NULL, NULL, NULL, NULL},
		{NULL, NULL, NULL, {0}, NULL, NULL, NULL, NULL, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(nothing) / sizeof(nothing[0]); i++) {
		cy_classification c = classify(r, &nothing[i]);
		assert_false(c.matched);
		assert_int_equal(c.klass, CY_CLASS_UNCLASSIFIED);
		assert_string_equal(c.rule_id, CY_RULE_UNCLASSIFIED);
		assert_string_equal(c.retention, "D30");
		assert_string_equal(cy_class_name(c.klass), "unclassified");
		assert_string_equal(cy_class_code(c.klass), "DF");
		assert_non_null(c.citation);
	}
	/* no pack at all: everything is unclassified, nothing dropped */
	{
		cy_classification c = classify(NULL, &CASES[0]);
		assert_false(c.matched);
		assert_int_equal(c.klass, CY_CLASS_UNCLASSIFIED);
	}
	/* the class is a class like the others */
	{
		cy_class k;
		assert_int_equal(cy_class_parse("unclassified", &k), 0);
		assert_int_equal(k, CY_CLASS_UNCLASSIFIED);
	}
	cy_rules_free(r);
}

#define RULE(id, extra)                                                                            \
	"{\"id\":\"" id "\",\"match\":{\"name_words\":\"x\"},\"class\":\"other\","                 \
	"\"retention\":\"D10\",\"certainty\":\"verified\",\"citation\":{\"law\":\"L\","            \
	"\"article\":\"A\",\"domain\":\"D\"}" extra "}"

/* A pack that must fail, with each of the words in want in the message. */
static void bad(const char *text, const char *want1, const char *want2)
{
	cy_rules *r = (cy_rules *)1;
	int rc = cy_rules_parse(text, strlen(text), "t.json", &r);

	if (rc != CY_EINVALID)
		fail_msg("accepted (rc %d): %s", rc, text);
	assert_null(r);
	if (!strstr(cy_error_message(), want1) || (want2 && !strstr(cy_error_message(), want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", cy_error_message(), want1,
			 want2 ? want2 : "");
}

static void test_rules_malformed(void **state)
{
	cy_rules *r = NULL;
	const char *ok = "{\"custody_rules\":1,\"rules\":[" RULE("a", "") "]}";

	(void)state;
	assert_int_equal(cy_rules_parse(ok, strlen(ok), "t.json", &r), 0);
	assert_int_equal(cy_rules_count(r), 1);
	cy_rules_free(r);

	/* syntax: the line */
	bad("{\"custody_rules\":1,\n\"rules\":[\n{\"id\":\"a\",,}]}", "t.json, line 3", NULL);
	bad("", "t.json, line", NULL);
	/* not a pack */
	bad("[]", "not a custody rule pack", NULL);
	bad("{\"custody_rules\":2,\"rules\":[]}", "not a custody rule pack", NULL);
	bad("{\"custody_rules\":1,\"rules\":{}}", "must be an array", NULL);
	bad("{\"custody_rules\":1,\"rules\":[],\"rule\":[]}", "unknown member 'rule'", NULL);
	/* a rule: its number and id */
	bad("{\"custody_rules\":1,\"rules\":[" RULE("a", "") "," RULE("b", ",\"x\":1") "]}",
	    "rule 2 ('b')", "unknown member 'x'");
	bad("{\"custody_rules\":1,\"rules\":[" RULE("a", "") "," RULE("a", "") "]}", "rule 2 ('a')",
	    "t.json: rule 1");
	bad("{\"custody_rules\":1,\"rules\":[{\"class\":\"other\"}]}", "rule 1:", "needs an 'id'");
	bad("{\"custody_rules\":1,\"rules\":[" RULE("unclassified", "") "]}", "rule 1", "'id'");
	bad("{\"custody_rules\":1,\"rules\":[" RULE(
		    "a23456789012345678901234567890123456789012345678", "") "]}",
	    "rule 1", "1-47");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"kind\":\"files\"},"
	    "\"class\":\"vouchers\",\"retention\":\"D30\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "unknown class 'vouchers'");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"kind\":\"files\"},"
	    "\"class\":\"other\",\"retention\":\"D5\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "retention");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"kind\":\"files\"},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\"}]}",
	    "rule 1 ('v')", "citation");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"kind\":\"files\"},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\"}}]}",
	    "rule 1 ('v')", "'domain'");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"kind\":\"files\"},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"sure\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "certainty");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"kind\":\"letters\"},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "unknown kind 'letters'");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "'match' is empty");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"filename\":\"x\"},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "unknown condition 'filename'");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"name_words\":[]},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "'name_words' is empty");
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"name_words\":[\"a\",3]},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "value 2 is not a string");
	/* a header of punctuation only compares as nothing (found by fuzz_rules: it leaked) */
	bad("{\"custody_rules\":1,\"rules\":[{\"id\":\"v\",\"match\":{\"headers\":[\"a\",\";\"]},"
	    "\"class\":\"other\",\"retention\":\"D10\",\"certainty\":\"verified\","
	    "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}}]}",
	    "rule 1 ('v')", "'headers' value 2 is empty once folded");
	bad("{\"custody_rules\":1,\"rules\":[" RULE("p", ",\"priority\":\"high\"") "]}",
	    "rule 1 ('p')", "priority");
	/* a load names the file */
	assert_int_equal(cy_rules_load(CY_SRCDIR "/rules/no-such.json", &r), CY_ENOTFOUND);
	assert_null(r);
}

static cy_rules *pack(const char *rules)
{
	cy_buf b = CY_BUF_INIT;
	cy_rules *r = NULL;

	assert_int_equal(cy_buf_printf(&b, "{\"custody_rules\":1,\"rules\":[%s]}", rules), 0);
	if (cy_rules_parse(b.ptr, b.len, "t.json", &r))
		fail_msg("%s", cy_error_message());
	cy_buf_release(&b);
	return r;
}

#define R(id, prio, match, klass)                                                                  \
	"{\"id\":\"" id "\"," prio "\"match\":{" match "},\"class\":\"" klass "\","                \
	"\"retention\":\"D10\",\"certainty\":\"unverified\",\"citation\":{\"law\":\"L\","          \
	"\"article\":\"A\",\"domain\":\"D\"}}"

static const char *rule_for(const cy_rules *r, const char *name, const char *kind)
{
	cy_classify_input in = {.kind = kind, .name = name};
	cy_classification c;

	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	return c.rule_id;
}

static void test_rules_order(void **state)
{
	cy_rules *r;

	(void)state;
	/* first match wins, in file order */
	r = pack(R("first", "", "\"name_words\":\"合同\"",
		   "contract") "," R("second", "", "\"name_words\":[\"合同\",\"x\"]", "other"));
	assert_string_equal(rule_for(r, "合同.pdf", "files"), "first");
	assert_string_equal(rule_for(r, "x.pdf", "files"), "second");
	cy_rules_free(r);
	/* a higher priority goes first, whatever the order */
	r = pack(R("first", "", "\"name_words\":\"合同\"", "contract") "," R(
		"urgent", "\"priority\":5,", "\"name_words\":\"合同\"",
		"other") "," R("low", "\"priority\":-1,", "\"name_words\":\"y\"",
			       "other") "," R("last", "", "\"name_words\":\"y\"", "other"));
	assert_string_equal(rule_for(r, "合同.pdf", "files"), "urgent");
	assert_string_equal(rule_for(r, "y.pdf", "files"), "last");
	{
		cy_rule_info ri;
		assert_int_equal(cy_rules_get(r, 0, &ri), 0);
		assert_string_equal(ri.id, "urgent");
		assert_int_equal(ri.priority, 5);
		assert_int_equal(cy_rules_get(r, 3, &ri), 0);
		assert_string_equal(ri.id, "low");
	}
	cy_rules_free(r);
	/* all conditions of a rule must hold; any value of one condition */
	r = pack(R("both", "", "\"kind\":[\"files\",\"records\"],\"name_words\":\"合同\"",
		   "contract"));
	assert_string_equal(rule_for(r, "合同.pdf", "files"), "both");
	assert_string_equal(rule_for(r, "合同.csv", "records"), "both");
	assert_string_equal(rule_for(r, "合同.pdf", "mail"), CY_RULE_UNCLASSIFIED);
	assert_string_equal(rule_for(r, "合同.pdf", NULL), CY_RULE_UNCLASSIFIED);
	assert_string_equal(rule_for(r, "letter.pdf", "files"), CY_RULE_UNCLASSIFIED);
	cy_rules_free(r);
}

static void test_rules_names(void **state)
{
	cy_rules *r = default_pack();
	cy_rules *g;

	(void)state;
	/* Chinese and English, any case, full-width letters, a word in a directory name */
	assert_string_equal(rule_for(r, "合同/扫描件001.pdf", "files"), "contract");
	assert_string_equal(rule_for(r, "CONTRACT_li.pdf", "files"), "contract");
	assert_string_equal(rule_for(r, "ｃｏｎｔｒａｃｔ.pdf", "files"), "contract");
	assert_string_equal(rule_for(r, "Ｖｏｕｃｈｅｒ.pdf", "files"), "accounting-voucher");
	assert_string_equal(rule_for(r, "凭证/0001.pdf", "files"), "accounting-voucher");
	/* the interim report is not taken for the annual one (半年度 holds 年度) */
	assert_string_equal(rule_for(r, "2019年半年度财务报告.pdf", "files"),
			    "financial-report-interim");
	/* the kind the user gave wins over the file's name */
	assert_string_equal(rule_for(r, "合同清单.csv", "customers"), "kind-customers");
	/* a name that is not UTF-8 matches no name rule (and does not fail) */
	assert_string_equal(rule_for(r, "\xff\xfe合同.pdf", "files"), CY_RULE_UNCLASSIFIED);
	cy_rules_free(r);

	/* globs on the last name component */
	g = pack(R("pdf", "", "\"name\":[\"*.PDF\",\"scan-??.tif\"]", "other"));
	assert_string_equal(rule_for(g, "a/b/Report.pdf", "files"), "pdf");
	assert_string_equal(rule_for(g, "scan-01.tif", "files"), "pdf");
	assert_string_equal(rule_for(g, "scan-001.tif", "files"), CY_RULE_UNCLASSIFIED);
	assert_string_equal(rule_for(g, "a.pdf/b.txt", "files"), CY_RULE_UNCLASSIFIED);
	cy_rules_free(g);
}

static void test_rules_headers(void **state)
{
	cy_rules *r;
	const char *h1[] = {"序号", "合同　编号", "签订日期"}; /* an ideographic space */
	const char *h2[] = {"合同名称", "签订日期"};
	const char *h3[] = {"Contract_No", NULL};
	cy_classify_input in = {.kind = "records", .headers = h1, .nheaders = 3};
	cy_classification c;

	(void)state;
	r = pack(R("all", "", "\"headers_all\":[\"合同编号\",\"签订日期\"]", "contract") "," R(
		"any", "", "\"headers\":[\"contract no\",\"合同名称\"]", "other"));
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	assert_string_equal(c.rule_id, "all");
	in.headers = h2;
	in.nheaders = 2;
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	assert_string_equal(c.rule_id, "any");
	in.headers = h3;
	in.nheaders = 2; /* a missing header cell is skipped */
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	assert_string_equal(c.rule_id, "any");
	in.nheaders = 0;
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	assert_string_equal(c.rule_id, CY_RULE_UNCLASSIFIED);
	cy_rules_free(r);
}

static void test_rules_text(void **state)
{
	cy_rules *r = default_pack();
	/* "记账凭证 第1号" in GB18030 */
	static const uint8_t gb[] = {0xbc, 0xc7, 0xd5, 0xcb, 0xc6, 0xbe, 0xd6,
				     0xa4, 0x20, 0xb5, 0xda, 0x31, 0xba, 0xc5};
	cy_buf s = CY_BUF_INIT;
	cy_classify_input in = {.kind = "files", .name = "scan.txt", .format = "text-legacy"};
	cy_classification c;
	char big[CY_RULES_TEXT_MAX + 64];

	(void)state;
	assert_int_equal(cy_rules_text_sample(gb, sizeof(gb), &s), 0);
	assert_string_equal((char *)s.ptr, "记账凭证 第1号");
	in.text = (char *)s.ptr;
	in.text_len = s.len;
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	assert_string_equal(c.rule_id, "text-voucher");
	/* UTF-8 as it is; a sequence cut at the end is dropped */
	assert_int_equal(cy_rules_text_sample((const uint8_t *)"甲方\xe6\x9d", 8, &s), 0);
	assert_string_equal((char *)s.ptr, "甲方");
	/* binary: no sample */
	assert_int_equal(cy_rules_text_sample((const uint8_t *)"a\0b", 3, &s), 0);
	assert_int_equal(s.len, 0);
	/* only the first KiB counts */
	memset(big, ' ', sizeof(big));
	memcpy(big + CY_RULES_TEXT_MAX + 8, "甲方", 6);
	in.text = big;
	in.text_len = sizeof(big);
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	assert_string_equal(c.rule_id, CY_RULE_UNCLASSIFIED);
	memcpy(big + 100, "甲方", 6);
	assert_int_equal(cy_rules_classify(r, &in, &c), 0);
	assert_string_equal(c.rule_id, "text-contract");
	cy_buf_wipe(&s);
	cy_rules_free(r);
}

static void test_rules_directory(void **state)
{
	char *dir = tu_tmpdir();
	cy_buf p = CY_BUF_INIT;
	cy_rules *r = NULL;
	const char *a = "{\"custody_rules\":1,\"rules\":[" R("site", "", "\"name_words\":\"合同\"",
							     "other") "]}";
	const char *b = "{\"custody_rules\":1,\"rules\":[" R("dflt", "", "\"name_words\":\"合同\"",
							     "contract") "]}";
	char path[4096];

	(void)state;
	assert_int_equal(cy_rules_load(dir, &r), CY_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/50-default.json", dir);
	assert_int_equal(cy_write_file_excl(path, b, strlen(b), 0600), 0);
	snprintf(path, sizeof(path), "%s/10-site.json", dir);
	assert_int_equal(cy_write_file_excl(path, a, strlen(a), 0600), 0);
	snprintf(path, sizeof(path), "%s/README.md", dir);
	assert_int_equal(cy_write_file_excl(path, "x", 1, 0600), 0);
	assert_int_equal(cy_rules_load(dir, &r), 0);
	assert_int_equal(cy_rules_count(r), 2);
	/* files in name order: the site's file first */
	assert_string_equal(rule_for(r, "合同.pdf", "files"), "site");
	cy_rules_free(r);
	/* the same id in two files: the second file and the first rule named */
	snprintf(path, sizeof(path), "%s/60-dup.json", dir);
	assert_int_equal(cy_write_file_excl(path, a, strlen(a), 0600), 0);
	assert_int_equal(cy_rules_load(dir, &r), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "60-dup.json: rule 1 ('site')"));
	assert_non_null(strstr(cy_error_message(), "10-site.json: rule 1"));
	/* where the pack is looked for: $CUSTODY_RULES first */
	setenv("CUSTODY_RULES", path, 1);
	assert_int_equal(cy_rules_default_path(path, sizeof(path)), 0);
	assert_non_null(strstr(path, "60-dup.json"));
	assert_int_equal(cy_rules_load_default(&r), 0);
	assert_int_equal(cy_rules_count(r), 1);
	cy_rules_free(r);
	unsetenv("CUSTODY_RULES");
	/* this test program is not the one in the build root: the installed pack */
	assert_int_equal(cy_rules_default_path(path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/custody/rules"));
	cy_buf_release(&p);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_shipped),	cmocka_unit_test(test_rules_unclassified),
		cmocka_unit_test(test_rules_malformed), cmocka_unit_test(test_rules_order),
		cmocka_unit_test(test_rules_names),	cmocka_unit_test(test_rules_headers),
		cmocka_unit_test(test_rules_text),	cmocka_unit_test(test_rules_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
