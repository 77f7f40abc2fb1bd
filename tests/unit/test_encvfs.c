/* test_encvfs.c - src/search/encpage.c: the sealed page of the search index.
 * The vector of docs/formats/index-page.md (computed independently, with
 * Python's cryptography package, from the format as documented), then a
 * page that must not open: a flipped bit anywhere, another page number,
 * another file kind, another database id, another key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "custody/error.h"
#include "search/encpage.h"
#include "testutil.h"

#include "custody/banned.h"

/* docs/formats/index-page.md, "Test vector" */
#define VEC_PAGE_SHA256 "222d3c1d0e7f7f37b9e1c76f587efe715f2aa6a9b7d2ba48cdb401eaa40098d1"
#define VEC_TAG "22ad461e8fbd65b52c726b2601a753f1"
#define VEC_FIRST16 "89fa8d614816bafb6de29c7e7a8e4d46"

typedef struct vec {
	uint8_t key[32], id[16], nonce[12];
	uint8_t pt[CY_ENCPAGE_SIZE], sealed[CY_ENCPAGE_SIZE], back[CY_ENCPAGE_SIZE];
	cy_aead *aead;
} vec;

static void vec_make(vec *v)
{
	for (int i = 0; i < 32; i++)
		v->key[i] = (uint8_t)i;
	for (int i = 0; i < 16; i++)
		v->id[i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < 12; i++)
		v->nonce[i] = (uint8_t)(0x70 + i);
	for (int i = 0; i < CY_ENCPAGE_SIZE; i++)
		v->pt[i] = i < CY_ENCPAGE_BODY ? (uint8_t)(i * 7 + 1) : 0xEE;
	assert_int_equal(cy_aead_new(&v->aead, v->key), 0);
	assert_int_equal(cy_encpage_seal(v->aead, v->id, CY_ENCPAGE_KIND_DB, 3, v->nonce, v->pt,
					 v->sealed),
			 0);
}

static void test_encvfs_layout(void **state)
{
	assert_int_equal(CY_ENCPAGE_RESERVE, 44);
	assert_int_equal(CY_ENCPAGE_BODY, 4052);
	assert_int_equal(CY_ENCPAGE_OFF_ID, 4052);
	assert_int_equal(CY_ENCPAGE_OFF_NONCE, 4068);
	assert_int_equal(CY_ENCPAGE_OFF_TAG, 4080);
}

static void test_encvfs_vector(void **state)
{
	vec v;
	uint8_t h[32], want[32], tag[16], first[16];

	vec_make(&v);
	cy_sha256(v.sealed, sizeof v.sealed, h);
	assert_int_equal(tu_unhex(VEC_PAGE_SHA256, want, sizeof want), 32);
	assert_memory_equal(h, want, 32);
	assert_int_equal(tu_unhex(VEC_TAG, tag, sizeof tag), 16);
	assert_memory_equal(v.sealed + CY_ENCPAGE_OFF_TAG, tag, 16);
	assert_int_equal(tu_unhex(VEC_FIRST16, first, sizeof first), 16);
	assert_memory_equal(v.sealed, first, 16);
	assert_memory_equal(v.sealed + CY_ENCPAGE_OFF_ID, v.id, 16);
	assert_memory_equal(v.sealed + CY_ENCPAGE_OFF_NONCE, v.nonce, 12);
	/* the reserved tail of the input is not part of the page's content */
	memset(v.pt + CY_ENCPAGE_BODY, 0x11, CY_ENCPAGE_RESERVE);
	assert_int_equal(
		cy_encpage_seal(v.aead, v.id, CY_ENCPAGE_KIND_DB, 3, v.nonce, v.pt, v.back), 0);
	assert_memory_equal(v.back, v.sealed, CY_ENCPAGE_SIZE);

	/* opens, with the id given or learned from the page */
	assert_int_equal(cy_encpage_open(v.aead, v.id, CY_ENCPAGE_KIND_DB, 3, v.sealed, v.back), 0);
	assert_memory_equal(v.back, v.pt, CY_ENCPAGE_BODY);
	assert_memory_equal(v.back + CY_ENCPAGE_BODY, v.sealed + CY_ENCPAGE_BODY,
			    CY_ENCPAGE_RESERVE);
	memset(v.back, 0, sizeof v.back);
	assert_int_equal(cy_encpage_open(v.aead, NULL, CY_ENCPAGE_KIND_DB, 3, v.sealed, v.back), 0);
	assert_memory_equal(v.back, v.pt, CY_ENCPAGE_BODY);
	/* in place */
	memcpy(v.back, v.sealed, sizeof v.back);
	assert_int_equal(cy_encpage_open(v.aead, v.id, CY_ENCPAGE_KIND_DB, 3, v.back, v.back), 0);
	assert_memory_equal(v.back, v.pt, CY_ENCPAGE_BODY);
	cy_aead_free(v.aead);
}

static void test_encvfs_flipped_bits(void **state)
{
	vec v;
	/* a bit in the ciphertext, the id, the nonce, the tag */
	const int at[] = {0, 100, 4051, 4052, 4067, 4068, 4079, 4080, 4095};

	vec_make(&v);
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		uint8_t bad[CY_ENCPAGE_SIZE];
		memcpy(bad, v.sealed, sizeof bad);
		bad[at[i]] ^= 0x01;
		memset(v.back, 0xAA, sizeof v.back);
		assert_int_equal(cy_encpage_open(v.aead, NULL, CY_ENCPAGE_KIND_DB, 3, bad, v.back),
				 CY_ECORRUPT);
		/* nothing of a failed page is handed out */
		for (int k = 0; k < CY_ENCPAGE_SIZE; k++)
			assert_int_equal(v.back[k], 0);
	}
	cy_aead_free(v.aead);
}

static void test_encvfs_wrong_context(void **state)
{
	vec v;
	uint8_t other_id[16], other_key[32];
	cy_aead *other;

	vec_make(&v);
	/* another position */
	assert_int_equal(cy_encpage_open(v.aead, v.id, CY_ENCPAGE_KIND_DB, 4, v.sealed, v.back),
			 CY_ECORRUPT);
	assert_int_equal(cy_encpage_open(v.aead, v.id, CY_ENCPAGE_KIND_DB, 0, v.sealed, v.back),
			 CY_ECORRUPT);
	/* a journal image is not a database page */
	assert_int_equal(cy_encpage_open(v.aead, v.id, CY_ENCPAGE_KIND_JOURNAL, 3, v.sealed,
					 v.back),
			 CY_ECORRUPT);
	/* another database */
	memcpy(other_id, v.id, 16);
	other_id[15] ^= 0x80;
	assert_int_equal(cy_encpage_open(v.aead, other_id, CY_ENCPAGE_KIND_DB, 3, v.sealed, v.back),
			 CY_ECORRUPT);
	/* another key */
	memcpy(other_key, v.key, 32);
	other_key[0] ^= 1;
	assert_int_equal(cy_aead_new(&other, other_key), 0);
	assert_int_equal(cy_encpage_open(other, NULL, CY_ENCPAGE_KIND_DB, 3, v.sealed, v.back),
			 CY_ECORRUPT);
	/* page number 0 does not exist */
	assert_int_equal(cy_encpage_seal(v.aead, v.id, CY_ENCPAGE_KIND_DB, 0, v.nonce, v.pt,
					 v.back),
			 CY_EINVALID);
	cy_aead_free(other);
	cy_aead_free(v.aead);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encvfs_layout),
		cmocka_unit_test(test_encvfs_vector),
		cmocka_unit_test(test_encvfs_flipped_bits),
		cmocka_unit_test(test_encvfs_wrong_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
