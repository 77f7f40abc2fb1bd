/* fuzz_retention.c - libFuzzer target for retention rule packs
 * (docs/formats/retention-rules.md, src/retention/retention.c): the input is
 * parsed as a pack; a pack that parses evaluates a few fixed records, and
 * every answer must name a rule, an action and a period, with due dates that
 * are dates (or empty) and never before the trigger.  Seed corpus:
 * tests/fuzz/corpus/retention/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/datetime.h"
#include "custody/error.h"
#include "custody/retention.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const cy_retention_pack *p, const cy_retention_facts *f)
{
	cy_retention_result r;
	int y, m, d, rc = cy_retention_eval(p, f, &r);

	if (rc) {
		if (rc != CY_EINVALID && rc != CY_ENOMEM)
			abort();
		return;
	}
	if (!*r.rule || !r.action || !r.trigger_kind || !r.citation || !r.certainty)
		abort();
	if (r.period < CY_RETENTION_PERMANENT || r.period > 1000)
		abort();
	if (*r.trigger && cy_date_parse(r.trigger, &y, &m, &d))
		abort();
	if (*r.due &&
	    (cy_date_parse(r.due, &y, &m, &d) || !*r.trigger || strcmp(r.due, r.trigger) < 0))
		abort();
	if (r.period == CY_RETENTION_PERMANENT && *r.due)
		abort();
	cy_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cy_kv fields[] = {{"disposal_date", "2020-02-29"}, {"x", "not a date"}};
	const cy_retention_facts facts[] = {
		{"accounting", "file", "D30", "invoice", "发票 ＧＥＮＥＲＡＬ", 2015, fields, 2,
		 NULL, NULL},
		{"customer", "csv", "D10", "kind-customers", NULL, 2019, NULL, 0, "deregistered",
		 "2026-05-31"},
		{"other", NULL, "Y", "user", "\xff\xfe", 9999, fields, 1, "operating", ""},
		{NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL},
	};
	cy_retention_pack *p = NULL;
	uint8_t *in = malloc(size ? size : 1);
	int rc;

	if (!in)
		return 0;
	memcpy(in, data, size);
	rc = cy_retention_parse(in, size, "fuzz.json", &p);
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ENOMEM)
		abort();
	if (rc) {
		if (p)
			abort(); /* nothing handed out on failure */
		free(in);
		return 0;
	}
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		check(p, &facts[i]);
	for (size_t i = 0; i < cy_retention_count(p); i++) {
		cy_retention_rule_info info;
		if (cy_retention_get(p, i, &info) || !info.id || !info.match || !info.citation)
			abort();
		/* an override that is allowed is applied; a refused one changes nothing */
		if (cy_retention_set_override(p, info.id, 7) == 0 && info.minimum &&
		    (info.period == CY_RETENTION_PERMANENT || info.period > 7))
			abort();
		cy_error_clear();
	}
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		check(p, &facts[i]);
	cy_retention_free(p);
	free(in);
	return 0;
}
