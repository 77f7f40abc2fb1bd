/* test_entry.c - ledger entry encoding and the tree frontier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"

/* The vector of docs/formats/ledger.md, "Entry encoding". */
static void test_entry_vector(void **state)
{
	cy_ledger_entry e;
	cy_buf b = CY_BUF_INIT;
	uint8_t leaf[32];
	char hex[65];

	(void)state;
	memset(&e, 0, sizeof(e));
	e.seq = 7;
	e.time = 1795759200; /* 2026-11-27T06:00:00Z */
	e.actor = "u2";
	e.action = "record.import";
	e.targets[0] = "Z109-KH\xc2\xb7"
		       "2019-D30-0001";
	e.ntargets = 1;
	e.details[0] = (cy_ledger_detail){"size", NULL, 478};
	e.details[1] = (cy_ledger_detail){"fonds", "Z109", 0};
	e.details[2] = (cy_ledger_detail){"object", NULL, 50};
	e.ndetails = 3;
	assert_int_equal(cy_ledger_entry_encode(&e, &b), 0);
	assert_string_equal(
		cy_buf_cstr(&b),
		"{\"seq\":7,\"time\":\"2026-11-27T06:00:00Z\",\"actor\":\"u2\","
		"\"action\":\"record.import\",\"targets\":[\"Z109-KH\xc2\xb7"
		"2019-D30-0001\"],\"details\":{\"fonds\":\"Z109\",\"object\":50,\"size\":478}}");
	cy_merkle_leaf_hash(b.ptr, b.len, leaf);
	cy_hex_encode(leaf, 32, hex);
	assert_string_equal(hex,
			    "497b6218eaf29020fb9fef64e04ab92f1875d8ca054129b381bf878bb7c1e1ba");
	cy_buf_release(&b);
}

static void test_entry_escaping(void **state)
{
	cy_ledger_entry e;
	cy_buf b = CY_BUF_INIT;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.seq = 1;
	e.actor = "system";
	e.action = "a\"b";
	e.details[0] = (cy_ledger_detail){"k", "line\nbreak\\", 0};
	e.ndetails = 1;
	assert_int_equal(cy_ledger_entry_encode(&e, &b), 0);
	assert_string_equal(
		cy_buf_cstr(&b),
		"{\"seq\":1,\"time\":\"1970-01-01T00:00:00Z\",\"actor\":\"system\",\"action\":"
		"\"a\\\"b\",\"targets\":[],\"details\":{\"k\":\"line\\nbreak\\\\\"}}");
	cy_buf_release(&b);
}

/* The frontier's root equals the Merkle root over all leaves, for every size. */
static void test_entry_frontier(void **state)
{
	enum { N = 300 };
	uint8_t(*leaves)[32] = malloc(N * 32);
	uint8_t a[32], r[32];
	cy_frontier f, g;
	cy_buf saved = CY_BUF_INIT;

	(void)state;
	cy_frontier_init(&f);
	cy_frontier_root(&f, a);
	cy_sha256("", 0, r);
	assert_memory_equal(a, r, 32);
	for (int i = 0; i < N; i++) {
		uint8_t d[4] = {(uint8_t)i, (uint8_t)(i >> 8), 1, 2};
		cy_merkle_leaf_hash(d, 4, leaves[i]);
		cy_frontier_append(&f, leaves[i]);
		cy_frontier_root(&f, a);
		assert_int_equal(cy_merkle_root((const uint8_t(*)[32])leaves, (uint64_t)i + 1, r),
				 0);
		assert_memory_equal(a, r, 32);
		/* save and load keep it */
		cy_buf_clear(&saved);
		cy_frontier_save(&f, &saved);
		assert_int_equal(cy_frontier_load(&g, f.size, saved.ptr, saved.len), 0);
		cy_frontier_root(&g, r);
		assert_memory_equal(a, r, 32);
	}
	/* a frontier whose hash count does not match its size is refused */
	assert_int_not_equal(cy_frontier_load(&g, 5, saved.ptr, 32), 0);
	cy_buf_release(&saved);
	free(leaves);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_vector),
		cmocka_unit_test(test_entry_escaping),
		cmocka_unit_test(test_entry_frontier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
