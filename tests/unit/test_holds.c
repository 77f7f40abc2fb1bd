/* test_holds.c - the digests that tie a hold's catalog row to its ledger
 * entries (docs/internals/holds.md "Ledger entries"), as known-answer
 * vectors computed independently (Python hashlib), each with a changed
 * field that must change the digest; and the reasons store-only accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "custody/custody.h"
#include "vault/vault_holds.h"

static void test_holds_row_digest(void **state)
{
	uint8_t reason[40];
	int64_t ids[2] = {12, 15};
	char hex[33];
	cy_catalog_hold h;

	(void)state;
	for (int i = 0; i < 40; i++)
		reason[i] = (uint8_t)i;
	memset(&h, 0, sizeof(h));
	h.id = 7;
	h.fonds_code = "Z109";
	h.kind = "records";
	h.epoch = 1;
	h.reason = reason;
	h.reason_len = sizeof(reason);
	h.until = "2030-12-31";
	h.unsettled = 1;
	h.created = "2026-12-01T08:00:00Z";
	h.created_by = 3;
	assert_int_equal(cy_vault__hold_row_digest(&h, ids, 2, hex), 0);
	assert_string_equal(hex, "0c5d1ffacaee8e5b00050c363fbceb6b");
	/* each field is covered: a target, the until date, the flag, the reason */
	ids[1] = 16;
	assert_int_equal(cy_vault__hold_row_digest(&h, ids, 2, hex), 0);
	assert_string_not_equal(hex, "0c5d1ffacaee8e5b00050c363fbceb6b");
	ids[1] = 15;
	h.until = "2001-01-01";
	assert_int_equal(cy_vault__hold_row_digest(&h, ids, 2, hex), 0);
	assert_string_not_equal(hex, "0c5d1ffacaee8e5b00050c363fbceb6b");
	h.until = "2030-12-31";
	h.unsettled = 0;
	assert_int_equal(cy_vault__hold_row_digest(&h, ids, 2, hex), 0);
	assert_string_not_equal(hex, "0c5d1ffacaee8e5b00050c363fbceb6b");
	h.unsettled = 1;
	reason[39] ^= 1;
	assert_int_equal(cy_vault__hold_row_digest(&h, ids, 2, hex), 0);
	assert_string_not_equal(hex, "0c5d1ffacaee8e5b00050c363fbceb6b");
	reason[39] ^= 1;
	assert_int_equal(cy_vault__hold_row_digest(&h, ids, 1, hex), 0);
	assert_string_not_equal(hex, "0c5d1ffacaee8e5b00050c363fbceb6b");

	/* a fonds hold without an until date */
	memset(reason, 0xaa, 30);
	memset(&h, 0, sizeof(h));
	h.id = 8;
	h.fonds_code = "Z109";
	h.kind = "fonds";
	h.reason = reason;
	h.reason_len = 30;
	h.until = "";
	h.created = "2026-12-01T08:00:00Z";
	h.created_by = 2;
	ids[0] = 1;
	assert_int_equal(cy_vault__hold_row_digest(&h, ids, 1, hex), 0);
	assert_string_equal(hex, "1b2535ecba88a2fa2c67a9beff31f282");
}

static void test_holds_release_digest(void **state)
{
	char hex[33];

	(void)state;
	assert_int_equal(cy_vault__hold_release_digest(7, "2027-01-02T09:30:00Z", 4, NULL, 0, hex),
			 0);
	assert_string_equal(hex, "ec0357dc99467fa95f2750330cf10135");
	assert_int_equal(cy_vault__hold_release_digest(7, "2027-01-02T09:30:00Z", 5, NULL, 0, hex),
			 0);
	assert_string_not_equal(hex, "ec0357dc99467fa95f2750330cf10135");
	assert_int_equal(cy_vault__hold_release_digest(7, "2027-01-02T09:30:00Z", 4, "x", 1, hex),
			 0);
	assert_string_not_equal(hex, "ec0357dc99467fa95f2750330cf10135");
}

static void test_holds_restrict_reasons(void **state)
{
	const char *good[] = {"art47-1", "art47-2", "art47-3", "art47-4", "art47-5"};
	const char *bad[] = {"",	 "art47",   "art47-0",	"art47-6",
			     "art47-22", "ART47-2", "art47-2 ", "art19"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(cy_restrict_reason_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(cy_restrict_reason_valid(bad[i]));
	assert_false(cy_restrict_reason_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holds_row_digest),
		cmocka_unit_test(test_holds_release_digest),
		cmocka_unit_test(test_holds_restrict_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
