/* fuzz_rules.c - libFuzzer target for classification rule packs
 * (docs/formats/rules.md, src/ingest/rules.c): the input is parsed as a
 * pack; a pack that parses classifies a few fixed inputs, and every answer
 * must be a class with a valid retention code and a rule id that fits a
 * record's retention_rule.  Seed corpus: tests/fuzz/corpus/rules/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "custody/rules.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const cy_rules *r, const cy_classify_input *in)
{
	cy_classification c;
	int rc = cy_rules_classify(r, in, &c);

	if (rc && rc != CY_ENOMEM)
		abort();
	if (c.klass >= CY_CLASS_COUNT || !cy_retention_valid(c.retention) || !c.rule_id ||
	    strlen(c.rule_id) > CY_RULE_ID_MAX || !c.citation || !c.certainty)
		abort();
	if (!c.matched && (c.klass != CY_CLASS_UNCLASSIFIED || strcmp(c.rule_id, "unclassified")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const headers[] = {"合同编号", "Contract No.", "", "交易日期"};
	static const char text[] = "甲方：某某公司 Dear Sir, 记账凭证 \xe5\x90";
	cy_classify_input ins[] = {
		{"files", "合同/扫描件001.pdf", "pdf", NULL, 0, NULL, NULL, 0},
		{"records", "x.csv", "csv", headers, 4, NULL, text, sizeof(text) - 1},
		{"mail", NULL, NULL, NULL, 0, "INBOX/发票", NULL, 0},
		{NULL, "\xff.txt", "text", NULL, 0, "\xc0", "\xff\xfe", 2},
	};
	cy_rules *r = NULL;
	uint8_t *in = malloc(size ? size : 1);
	int rc;

	if (!in)
		return 0;
	memcpy(in, data, size);
	rc = cy_rules_parse(in, size, "fuzz.json", &r);
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ENOMEM)
		abort();
	if (rc) {
		if (r)
			abort(); /* nothing handed out on failure */
		free(in);
		return 0;
	}
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++)
		check(r, &ins[i]);
	for (size_t i = 0; i < cy_rules_count(r); i++) {
		cy_rule_info ri;
		if (cy_rules_get(r, i, &ri) || strlen(ri.id) > CY_RULE_ID_MAX ||
		    !cy_retention_valid(ri.retention))
			abort();
	}
	/* the text sample helper on the same bytes: UTF-8 out, or nothing */
	{
		cy_buf s = CY_BUF_INIT;
		if (cy_rules_text_sample(in, size, &s) == 0 && s.len &&
		    strlen((const char *)s.ptr) != s.len)
			abort();
		cy_buf_wipe(&s);
	}
	cy_rules_free(r);
	free(in);
	return 0;
}
