/* test_retention.c - src/retention/retention.c: the retention rule packs and
 * the date arithmetic.  Every rule of every shipped pack (read in place
 * from rules/retention/) is hit by a case with its expected due date, and
 * the test fails when a rule has none; the edge cases of
 * docs/formats/retention-rules.md (FY2015 + 30 years, permanent, a fixed
 * asset's disposal, 29 February, a fiscal year ending 30 June, the end of
 * business, the retention-code fallback); malformed packs fail with the
 * rule named; overrides may not shorten a minimum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "custody/datetime.h"
#include "custody/error.h"
#include "custody/retention.h"
#include "testutil.h"

#include "custody/banned.h"

#define PACK_DIR CY_SRCDIR "/rules/retention"

typedef struct want {
	const char *klass, *rule_in, *retention, *title;
	int year;
	const char *disposal; /* the field disposal_date, or NULL */
	const char *status, *status_date;
	/* expected */
	const char *rule, *trigger, *due, *action;
} want;

/* One case per shipped rule at least. */
static const want CN[] = {
	{"accounting", "invoice", "D30", "发票 2015-001", 2015, NULL, NULL, NULL,
	 "cn-acct-01-original-voucher", "2016-01-01", "2046-01-01", "appraise"},
	{"accounting", "accounting-voucher", "D30", "记账凭证 2015-12", 2015, NULL, NULL, NULL,
	 "cn-acct-02-bookkeeping-voucher", "2016-01-01", "2046-01-01", "appraise"},
	{"accounting", "user", "D30", "原始凭证 第3册", 2019, NULL, NULL, NULL,
	 "cn-acct-01-original-voucher", "2020-01-01", "2050-01-01", "appraise"},
	{"accounting", "accounting-books", "D30", "2018年总账", 2018, NULL, NULL, NULL,
	 "cn-acct-03-general-ledger", "2019-01-01", "2049-01-01", "appraise"},
	{"accounting", "accounting-books", "D30", "应收账款明细账", 2018, NULL, NULL, NULL,
	 "cn-acct-04-subsidiary-ledger", "2019-01-01", "2049-01-01", "appraise"},
	{"accounting", "accounting-books", "D30", "现金日记账 2017", 2017, NULL, NULL, NULL,
	 "cn-acct-05-journal", "2018-01-01", "2048-01-01", "appraise"},
	{"accounting", "unclassified", "D30", "固定资产卡片 车辆", 2010, "2020-06-30", NULL, NULL,
	 "cn-acct-06-fixed-asset-card", "2020-06-30", "2025-06-30", "appraise"},
	{"accounting", "accounting-books", "D30", "账簿 其他", 2016, NULL, NULL, NULL,
	 "cn-acct-07-other-books", "2017-01-01", "2047-01-01", "appraise"},
	{"accounting", "financial-report-interim", "D10", "2020年第三季度财务报告", 2020, NULL,
	 NULL, NULL, "cn-acct-08-interim-report", "2021-01-01", "2031-01-01", "appraise"},
	{"accounting", "financial-report-annual", "Y", "2020年度财务会计报告", 2020, NULL, NULL,
	 NULL, "cn-acct-09-annual-report", "2021-01-01", "", "appraise"},
	{"accounting", "bank-reconciliation", "D10", "余额调节表 2019-12", 2019, NULL, NULL, NULL,
	 "cn-acct-10-bank-reconciliation", "2020-01-01", "2030-01-01", "appraise"},
	{"accounting", "bank-statement", "D10", "工行 2019-12", 2019, NULL, NULL, NULL,
	 "cn-acct-11-bank-statement", "2020-01-01", "2030-01-01", "appraise"},
	{"accounting", "tax-return", "D10", "增值税申报 2019-12", 2019, NULL, NULL, NULL,
	 "cn-acct-12-tax-return", "2020-01-01", "2030-01-01", "appraise"},
	{"accounting", "archive-handover-inventory", "D30", "会计档案移交清册", 2021, NULL, NULL,
	 NULL, "cn-acct-13-handover-inventory", "2022-01-01", "2052-01-01", "appraise"},
	{"accounting", "archive-inventory-permanent", "Y", "会计档案保管清册 2021", 2021, NULL,
	 NULL, NULL, "cn-acct-14-custody-inventory", "2022-01-01", "", "appraise"},
	{"accounting", "archive-inventory-permanent", "Y", "会计档案销毁清册 2021", 2021, NULL,
	 NULL, NULL, "cn-acct-15-destruction-register", "2022-01-01", "", "appraise"},
	{"accounting", "archive-inventory-permanent", "Y", "会计档案鉴定意见书", 2021, NULL, NULL,
	 NULL, "cn-acct-16-appraisal-opinion", "2022-01-01", "", "appraise"},
	{"accounting", "unclassified", "D30", "完税证明 2018", 2018, NULL, NULL, NULL,
	 "cn-tax-records", "2019-01-01", "2029-01-01", "appraise"},
	{"transaction", "kind-transactions", "D30", NULL, 2015, NULL, NULL, NULL, "cn-transactions",
	 "2016-01-01", "2046-01-01", "appraise"},
	/* cn-pipl */
	{"customer", "kind-customers", "D10", NULL, 2019, NULL, "deregistered", "2026-05-31",
	 "pipl-customer-business-end", "2026-05-31", "2026-05-31", "destroy"},
	{"contract", "contract", "D30", "购销合同", 2019, NULL, NULL, NULL, "pipl-contract",
	 "2020-01-01", "2050-01-01", "appraise"},
	{"correspondence", "mail", "D10", NULL, 2019, NULL, NULL, NULL, "pipl-correspondence",
	 "2020-01-01", "2030-01-01", "appraise"},
	/* no rule: the retention code */
	{"other", "class-default", "D10", "杂项", 2019, NULL, NULL, NULL, CY_RETENTION_CODE_RULE,
	 "2020-01-01", "2030-01-01", "appraise"},
	{"other", "user", "Y", "杂项", 2019, NULL, NULL, NULL, CY_RETENTION_CODE_RULE, "2020-01-01",
	 "", "appraise"},
	{NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const want GDPR[] = {
	{"customer", "kind-customers", "D10", NULL, 2019, NULL, "deregistered", "2026-05-31",
	 "gdpr-customer-purpose-end", "2026-05-31", "2026-05-31", "destroy"},
	{"accounting", "invoice", "D30", "invoice", 2015, NULL, NULL, NULL, "gdpr-accounting",
	 "2016-01-01", "2026-01-01", "appraise"},
	{"contract", "contract", "D30", "agreement", 2019, NULL, NULL, NULL, "gdpr-other",
	 "2020-01-01", "2030-01-01", "appraise"},
	{NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

static void eval_case(const cy_retention_pack *p, const want *w, cy_retention_result *res)
{
	cy_kv field = {"disposal_date", w->disposal};
	cy_retention_facts f = {
		.klass = w->klass,
		.source_kind = "file",
		.retention = w->retention,
		.retention_rule = w->rule_in,
		.title = w->title,
		.year = w->year,
		.fields = w->disposal ? &field : NULL,
		.nfields = w->disposal ? 1 : 0,
		.fonds_status = w->status,
		.fonds_status_date = w->status_date,
	};

	if (cy_retention_eval(p, &f, res))
		fail_msg("eval: %s", cy_error_message());
	if (strcmp(res->rule, w->rule) || strcmp(res->trigger, w->trigger) ||
	    strcmp(res->due, w->due) || strcmp(res->action, w->action))
		fail_msg("case '%s' (%s): got rule %s trigger %s due %s action %s; want %s %s %s %s",
			 w->title ? w->title : "", w->klass, res->rule, res->trigger, res->due,
			 res->action, w->rule, w->trigger, w->due, w->action);
}

/* Every case, and every rule of the pack hit by one. */
static void run_cases(const cy_retention_pack *p, const want *cases)
{
	size_t n = cy_retention_count(p);
	bool *hit = calloc(n ? n : 1, 1);

	assert_non_null(hit);
	for (const want *w = cases; w->klass; w++) {
		cy_retention_result res;
		eval_case(p, w, &res);
		for (size_t i = 0; i < n; i++) {
			cy_retention_rule_info info;
			assert_int_equal(cy_retention_get(p, i, &info), 0);
			if (!strcmp(info.id, res.rule))
				hit[i] = true;
		}
	}
	for (size_t i = 0; i < n; i++) {
		cy_retention_rule_info info;
		assert_int_equal(cy_retention_get(p, i, &info), 0);
		if (!hit[i])
			fail_msg("shipped rule '%s' has no case in test_retention.c", info.id);
	}
	free(hit);
}

static void test_retention_shipped(void **state)
{
	cy_retention_pack *p = NULL;

	(void)state;
	/* the directory: the default packs, not gdpr (on request) */
	if (cy_retention_load(PACK_DIR, &p))
		fail_msg("%s", cy_error_message());
	assert_int_equal(cy_retention_count(p), 16 + 2 + 3);
	assert_string_equal(cy_retention_pack_name(p), "cn-accounting.json, cn-pipl.json");
	run_cases(p, CN);
	cy_retention_free(p);

	/* by name: gdpr alone */
	setenv("CUSTODY_RETENTION", PACK_DIR "/gdpr.json", 1);
	if (cy_retention_load(NULL, &p))
		fail_msg("%s", cy_error_message());
	unsetenv("CUSTODY_RETENTION");
	assert_string_equal(cy_retention_pack_name(p), "gdpr.json");
	run_cases(p, GDPR);
	cy_retention_free(p);
}

static cy_retention_pack *parse(const char *json)
{
	cy_retention_pack *p = NULL;

	if (cy_retention_parse(json, strlen(json), "t.json", &p))
		fail_msg("%s: %s", json, cy_error_message());
	return p;
}

#define CIT "\"citation\":{\"law\":\"L\",\"article\":\"A\",\"domain\":\"D\"}"
#define RULE(id, match, rest)                                                                      \
	"{\"id\":\"" id "\",\"match\":" match ",\"action\":\"appraise\",\"certainty\":"            \
	"\"verified\"," CIT rest "}"

static void test_retention_dates(void **state)
{
	cy_retention_pack *p;
	cy_retention_result res;
	cy_kv leap = {"disposal_date", "2020-02-29"};
	cy_retention_facts f = {.klass = "accounting", .retention = "D30", .year = 2015};
	int y, m, d;

	(void)state;
	/* the date helper itself */
	y = 2020, m = 2, d = 29;
	cy_date_add_years(&y, &m, &d, 5);
	assert_true(y == 2025 && m == 3 && d == 1);
	y = 2020, m = 2, d = 29;
	cy_date_add_years(&y, &m, &d, 4);
	assert_true(y == 2024 && m == 2 && d == 29);
	y = 2015, m = 12, d = 31;
	cy_date_add_years(&y, &m, &d, 30);
	assert_true(y == 2045 && m == 12 && d == 31);

	p = parse("{\"custody_retention\":1,\"rules\":[" RULE("thirty", "{\"class\":\"accounting\"}", ",\"trigger\":\"fiscal-year-end\",\"period\":30,\"minimum\":true") "," RULE(
		"card", "{\"class\":\"other\"}",
		",\"trigger\":\"event\",\"event_field\":\"disposal_date\",\"period\":5") "," RULE("forever",
												  "{\"class\":\"contract\"}",
												  ",\"trigger\":\"fiscal-year-end\",\"period\":\"permanent\"") "," RULE("gone",
																					"{\"class\":\"customer\"}",
																					",\"trigger\":\"business-end\",\"period\":0") "]}");
	/* FY2015, 30 years: due 2046-01-01 (DOMAIN.md §2) */
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.rule, "thirty");
	assert_string_equal(res.trigger, "2016-01-01");
	assert_string_equal(res.due, "2046-01-01");
	assert_true(res.minimum);
	assert_string_equal(res.period_text, "30 years from the end of the fiscal year");
	/* a fixed asset disposed of on 29 February 2020: 5 years later is 1 March 2025 */
	f.klass = "other";
	f.fields = &leap;
	f.nfields = 1;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.trigger, "2020-02-29");
	assert_string_equal(res.due, "2025-03-01");
	/* no disposal yet: no due date, and why */
	f.nfields = 0;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.due, "");
	assert_string_equal(res.waiting, "no disposal_date yet");
	leap.value = "2020-02-30";
	f.nfields = 1;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.due, "");
	assert_non_null(strstr(res.waiting, "not a date"));
	/* permanent: never due */
	f.klass = "contract";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.due, "");
	assert_int_equal(res.period, CY_RETENTION_PERMANENT);
	assert_string_equal(res.period_text, "permanent");
	assert_string_equal(res.waiting, "");
	/* the end of business: only once the fonds is deregistered */
	f.klass = "customer";
	f.fonds_status = "deregistering";
	f.fonds_status_date = "2026-03-01";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.due, "");
	assert_non_null(strstr(res.waiting, "not ended"));
	f.fonds_status = "deregistered";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.trigger, "2026-03-01");
	assert_string_equal(res.due, "2026-03-01");
	/* no rule: the retention code, said so */
	f.klass = "transaction";
	f.retention = "D10";
	f.year = 2015;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.rule, CY_RETENTION_CODE_RULE);
	assert_string_equal(res.due, "2026-01-01");
	/* the last year there is: its period would start in 10000 (found by fuzz_retention) */
	f.year = 9999;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.trigger, "");
	assert_string_equal(res.due, "");
	assert_string_equal(res.waiting, "the period starts after 9999");
	f.year = 9989;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.trigger, "9990-01-01");
	assert_string_equal(res.due, "");
	assert_string_equal(res.waiting, "the due date is after 9999");
	f.year = 2015;
	f.retention = "X";
	assert_int_equal(cy_retention_eval(p, &f, &res), CY_EINVALID);
	cy_retention_free(p);

	/* a fiscal year that ends on 30 June: FY2015 ends 2015-06-30 */
	p = parse("{\"custody_retention\":1,\"fiscal_year_end\":\"06-30\",\"rules\":[" RULE(
		"thirty", "{\"class\":\"accounting\"}",
		",\"trigger\":\"fiscal-year-end\",\"period\":30") "]}");
	assert_string_equal(cy_retention_fiscal_year_end(p), "06-30");
	f.klass = "accounting";
	f.retention = "D30";
	f.year = 2015;
	f.nfields = 0;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.trigger, "2015-07-01");
	assert_string_equal(res.due, "2045-07-01");
	/* the fallback uses the pack's fiscal year too */
	f.klass = "other";
	f.retention = "D10";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.rule, CY_RETENTION_CODE_RULE);
	assert_string_equal(res.due, "2025-07-01");
	cy_retention_free(p);
	/* a fiscal year ending 28 February: the day after is 1 March, leap year or not */
	p = parse("{\"custody_retention\":1,\"fiscal_year_end\":\"02-28\",\"rules\":[]}");
	f.year = 2020;
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.trigger, "2020-02-29");
	assert_string_equal(res.due, "2030-03-01");
	cy_retention_free(p);
}

static void test_retention_match(void **state)
{
	cy_retention_pack *p;
	cy_retention_result res;
	cy_retention_facts f = {.klass = "accounting", .retention = "D30", .year = 2020};

	(void)state;
	/* alternatives (any), conditions (all), titles folded (full width, case) */
	p = parse("{\"custody_retention\":1,\"rules\":[" RULE(
		"a",
		"[{\"class\":\"accounting\",\"source_kind\":\"csv\"},{\"title_words\":\"Ledger\"}]",
		",\"trigger\":\"fiscal-year-end\",\"period\":10") "," RULE("b",
									   "{\"retention\":[\"D30\","
									   "\"D10\"]}",
									   ",\"trigger\":\"fiscal-"
									   "year-end\",\"period\":20") "]}");
	f.source_kind = "file";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.rule, "b");
	f.source_kind = "csv";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.rule, "a");
	f.source_kind = NULL;
	f.title = "ＧＥＮＥＲＡＬ ＬＥＤＧＥＲ 2020";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.rule, "a");
	assert_string_equal(res.due, "2031-01-01");
	cy_retention_free(p);
}

static void bad(const char *json, const char *want1, const char *want2)
{
	cy_retention_pack *p = NULL;
	int rc = cy_retention_parse(json, strlen(json), "t.json", &p);

	if (rc != CY_EINVALID)
		fail_msg("accepted (%d): %s", rc, json);
	assert_null(p);
	if (!strstr(cy_error_message(), want1) || (want2 && !strstr(cy_error_message(), want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", cy_error_message(), want1,
			 want2 ? want2 : "");
}

#define OKR(id) RULE(id, "{\"class\":\"other\"}", ",\"trigger\":\"fiscal-year-end\",\"period\":10")

/* "signatories": who signs a destruction batch, by kind (destruction.md) */
static void test_retention_signatories(void **state)
{
	static const char ok[] = "{\"custody_retention\":1,\"signatories\":{\"other\":"
				 "[\"proposer\",\"archives-head\",\"approver\"]},\"rules\":[]}";
	cy_retention_pack *p = NULL;

	(void)state;
	assert_int_equal(cy_retention_parse(ok, sizeof(ok) - 1, "t.json", &p), 0);
	assert_string_equal(cy_retention_signatory(p, "other", 0), "proposer");
	assert_string_equal(cy_retention_signatory(p, "other", 1), "archives-head");
	assert_string_equal(cy_retention_signatory(p, "other", 2), "approver");
	assert_null(cy_retention_signatory(p, "other", 3));
	assert_null(cy_retention_signatory(p, "accounting", 0)); /* custody's own then */
	cy_retention_free(p);
	bad("{\"custody_retention\":1,\"signatories\":{\"other\":[\"approver\"]},\"rules\":[]}",
	    "signatories of 'other'", "2 to 12 roles");
	bad("{\"custody_retention\":1,\"signatories\":{\"other\":[\"a\",\"a\"]},\"rules\":[]}",
	    "signatories of 'other', role 2", "each named once");
	bad("{\"custody_retention\":1,\"signatories\":{\"other\":[\"A b\",\"c\"]},\"rules\":[]}",
	    "signatories of 'other', role 1", "lower-case");
	bad("{\"custody_retention\":1,\"signatories\":{\"boss\":[\"a\",\"b\"]},\"rules\":[]}",
	    "unknown kind 'boss'", NULL);
	bad("{\"custody_retention\":1,\"signatories\":[],\"rules\":[]}", "'signatories' must be",
	    NULL);
}

static void test_retention_malformed(void **state)
{
	(void)state;
	bad("{\"custody_retention\":1,\n\"rules\":[\n{\"id\":\"a\",,}]}", "t.json, line 3", NULL);
	bad("{\"custody_rules\":1,\"rules\":[]}", "not a custody retention pack", NULL);
	bad("{\"custody_retention\":1,\"rules\":[],\"x\":1}", "unknown member 'x'", NULL);
	bad("{\"custody_retention\":1,\"rules\":[],\"rules\":[]}", "duplicate", NULL);
	/* unknown member of a rule, duplicate id: the rule named */
	bad("{\"custody_retention\":1,\"rules\":[" OKR("a") ",{\"id\":\"b\",\"x\":1}]}",
	    "rule 2 ('b')", "unknown member 'x'");
	bad("{\"custody_retention\":1,\"rules\":[" OKR("a") "," OKR("a") "]}", "rule 2 ('a')",
	    "also that of t.json: rule 1");
	bad("{\"custody_retention\":1,\"rules\":[" RULE("a", "{\"klass\":\"other\"}",
							",\"trigger\":\"fiscal-year-end\","
							"\"period\":10") "]}",
	    "rule 1 ('a')", "unknown condition 'klass'");
	bad("{\"custody_retention\":1,\"rules\":[" RULE("a", "{\"class\":\"vouchers\"}",
							",\"trigger\":\"fiscal-year-end\","
							"\"period\":10") "]}",
	    "rule 1 ('a')", "unknown class 'vouchers'");
	/* bad periods */
	bad("{\"custody_retention\":1,\"rules\":[" RULE("a", "{\"class\":\"other\"}",
							",\"trigger\":\"fiscal-year-end\","
							"\"period\":-3") "]}",
	    "rule 1 ('a')", "'period' must be");
	bad("{\"custody_retention\":1,\"rules\":[" RULE("a", "{\"class\":\"other\"}",
							",\"trigger\":\"fiscal-year-end\","
							"\"period\":\"30\"") "]}",
	    "rule 1 ('a')", "'period' must be");
	bad("{\"custody_retention\":1,\"rules\":[" RULE("a", "{\"class\":\"other\"}",
							",\"trigger\":\"fiscal-year-end\","
							"\"period\":1.5") "]}",
	    "rule 1 ('a')", "'period' must be");
	/* bad dates: fiscal year end */
	bad("{\"custody_retention\":1,\"fiscal_year_end\":\"02-29\",\"rules\":[]}",
	    "'fiscal_year_end'", "02-29");
	bad("{\"custody_retention\":1,\"fiscal_year_end\":\"13-01\",\"rules\":[]}",
	    "'fiscal_year_end'", NULL);
	bad("{\"custody_retention\":1,\"fiscal_year_end\":\"2015-12-31\",\"rules\":[]}",
	    "'fiscal_year_end'", NULL);
	/* triggers and actions */
	bad("{\"custody_retention\":1,\"rules\":[" RULE("a", "{\"class\":\"other\"}",
							",\"trigger\":\"event\",\"period\":5") "]}",
	    "rule 1 ('a')", "event_field");
	bad("{\"custody_retention\":1,\"rules\":[" RULE(
		    "a", "{\"class\":\"other\"}", ",\"trigger\":\"disposal\",\"period\":5") "]}",
	    "rule 1 ('a')", "'trigger'");
	bad("{\"custody_retention\":1,\"rules\":[{\"id\":\"a\",\"match\":{\"class\":\"other\"},"
	    "\"trigger\":\"fiscal-year-end\",\"period\":5,\"action\":\"shred\","
	    "\"certainty\":\"verified\"," CIT "}]}",
	    "rule 1 ('a')", "'action'");
	bad("{\"custody_retention\":1,\"rules\":[" RULE("retention-code", "{\"class\":\"other\"}",
							",\"trigger\":\"fiscal-year-end\","
							"\"period\":10") "]}",
	    "rule 1", "'id'");
	bad("{\"custody_retention\":1,\"rules\":[" RULE("a", "{}",
							",\"trigger\":\"fiscal-year-end\","
							"\"period\":10") "]}",
	    "rule 1 ('a')", "'match' is empty");
	bad("{\"custody_retention\":1,\"load\":\"sometimes\",\"rules\":[]}", "'load'", NULL);
}

static void test_retention_override(void **state)
{
	cy_retention_pack *p;
	cy_retention_result res;
	cy_retention_rule_info info;
	cy_retention_facts f = {.klass = "accounting", .retention = "D30", .year = 2015};
	int period = 0;

	(void)state;
	p = parse("{\"custody_retention\":1,\"rules\":[" RULE("min", "{\"class\":\"accounting\"}", ",\"trigger\":\"fiscal-year-end\",\"period\":30,\"minimum\":true") "," RULE(
		"free", "{\"class\":\"contract\"}",
		",\"trigger\":\"fiscal-year-end\",\"period\":30") "," RULE("perm",
									   "{\"class\":\"other\"}",
									   ",\"trigger\":\"fiscal-year-end\",\"period\":\"permanent\","
									   "\"minimum\":true") "]}");
	/* a minimum is not shortened, and the refusal names the article */
	assert_int_equal(cy_retention_set_override(p, "min", 10), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "第十五条"));
	assert_int_equal(cy_retention_set_override(p, "perm", 100), CY_EINVALID);
	assert_int_equal(cy_retention_set_override(p, "nope", 40), CY_ENOTFOUND);
	/* lengthened: used */
	assert_int_equal(cy_retention_set_override(p, "min", 40), 0);
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_true(res.overridden);
	assert_string_equal(res.due, "2056-01-01");
	assert_int_equal(cy_retention_get(p, 0, &info), 0);
	assert_true(info.overridden && info.override_period == 40 && info.period == 30);
	/* a rule that is no minimum may be shortened */
	assert_int_equal(cy_retention_set_override(p, "free", 5), 0);
	f.klass = "contract";
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.due, "2021-01-01");
	assert_int_equal(cy_retention_set_override(p, "free", CY_RETENTION_PERMANENT), 0);
	assert_int_equal(cy_retention_eval(p, &f, &res), 0);
	assert_string_equal(res.due, "");
	cy_retention_free(p);

	assert_int_equal(cy_retention_period_parse("permanent", &period), 0);
	assert_int_equal(period, CY_RETENTION_PERMANENT);
	assert_int_equal(cy_retention_period_parse("40", &period), 0);
	assert_int_equal(period, 40);
	assert_int_equal(cy_retention_period_parse("-1", &period), CY_EINVALID);
	assert_int_equal(cy_retention_period_parse("1001", &period), CY_EINVALID);
	assert_int_equal(cy_retention_period_parse("ten", &period), CY_EINVALID);
}

static void test_retention_load(void **state)
{
	cy_retention_pack *p = NULL;

	(void)state;
	/* names: the shipped packs, whatever their "load" */
	setenv("CUSTODY_RETENTION_DIR", PACK_DIR, 1);
	if (cy_retention_load("gdpr", &p))
		fail_msg("%s", cy_error_message());
	assert_int_equal(cy_retention_count(p), 3);
	cy_retention_free(p);
	if (cy_retention_load("cn-accounting,gdpr", &p))
		fail_msg("%s", cy_error_message());
	assert_int_equal(cy_retention_count(p), 16 + 2 + 3);
	cy_retention_free(p);
	assert_int_equal(cy_retention_load("nosuch", &p), CY_ENOTFOUND);
	assert_null(p);
	assert_int_equal(cy_retention_load("../no-such-dir/x.json", &p), CY_ENOTFOUND);
	assert_int_equal(cy_retention_load("a b", &p), CY_EINVALID);
	unsetenv("CUSTODY_RETENTION_DIR");
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void test_retention_directory(void **state)
{
	cy_retention_pack *p = NULL;
	char *dir = tu_tmpdir();

	(void)state;
	put(dir, "a.json",
	    "{\"custody_retention\":1,\"fiscal_year_end\":\"12-31\",\"rules\":[" OKR("a") "]}");
	/* on request: left out of the directory, and so is its fiscal year end */
	put(dir, "b.json",
	    "{\"custody_retention\":1,\"load\":\"on-request\",\"fiscal_year_end\":\"06-30\","
	    "\"rules\":[" OKR("b") "]}");
	put(dir, "README.md", "not a pack");
	if (cy_retention_load(dir, &p))
		fail_msg("%s", cy_error_message());
	assert_int_equal(cy_retention_count(p), 1);
	assert_string_equal(cy_retention_fiscal_year_end(p), "12-31");
	assert_string_equal(cy_retention_pack_name(p), "a.json");
	cy_retention_free(p);
	/* a second default pack with another fiscal year: refused */
	put(dir, "c.json",
	    "{\"custody_retention\":1,\"fiscal_year_end\":\"06-30\",\"rules\":[" OKR("c") "]}");
	assert_int_equal(cy_retention_load(dir, &p), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "a company has one fiscal year"));
	/* a duplicate id across files: refused, naming the other file */
	put(dir, "c.json", "{\"custody_retention\":1,\"rules\":[" OKR("a") "]}");
	assert_int_equal(cy_retention_load(dir, &p), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "a.json: rule 1"));
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retention_shipped),
		cmocka_unit_test(test_retention_dates),
		cmocka_unit_test(test_retention_match),
		cmocka_unit_test(test_retention_malformed),
		cmocka_unit_test(test_retention_signatories),
		cmocka_unit_test(test_retention_override),
		cmocka_unit_test(test_retention_load),
		cmocka_unit_test(test_retention_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
