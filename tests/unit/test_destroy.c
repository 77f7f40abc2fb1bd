/* test_destroy.c - the byte layouts of destruction (docs/formats/
 * destruction-register.md): the batch hash that binds a batch's items to its
 * ledger entries, and the message the register's signature covers, each
 * against a vector computed independently (Python hashlib and
 * cryptography's Ed25519); and the signatories of 第十八条. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "crypto/crypto.h"
#include "custody/buf.h"
#include "custody/destroy.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "testutil.h"
#include "custody/banned.h"

static const char VID[] = "0123456789abcdef0123456789abcdef";

static void test_batch_hash_vector(void **state)
{
	uint8_t d1[32], d2[32], h[32];
	char hex[65];
	cy_destroy_hash_item items[2] = {
		{"Z109-WS\xc2\xb7"
		 "1990-D10-0001",
		 d1, 32, "2001-01-01"},
		{"Z109-WS\xc2\xb7"
		 "1990-D10-0002",
		 d2, 32, "2001-01-01"},
	};

	(void)state;
	memset(d1, 0xaa, 32);
	memset(d2, 0xbb, 32);
	assert_int_equal(cy_destroy_batch_hash(VID, "Z109", 7, "other", items, 2, h), 0);
	cy_hex_encode(h, 32, hex);
	assert_string_equal(hex,
			    "c8c1942443e3e47e4b30cafd2256025a5deb7db7712aa7cf605debb9880d20e6");
	/* any change of an item, the batch id or the kind changes it */
	d2[31] ^= 1;
	assert_int_equal(cy_destroy_batch_hash(VID, "Z109", 7, "other", items, 2, h), 0);
	cy_hex_encode(h, 32, hex);
	assert_string_not_equal(hex,
				"c8c1942443e3e47e4b30cafd2256025a5deb7db7712aa7cf605debb9880d20e6");
	d2[31] ^= 1;
	assert_int_equal(cy_destroy_batch_hash(VID, "Z109", 8, "other", items, 2, h), 0);
	cy_hex_encode(h, 32, hex);
	assert_string_not_equal(hex,
				"c8c1942443e3e47e4b30cafd2256025a5deb7db7712aa7cf605debb9880d20e6");
}

static void test_register_signature_vector(void **state)
{
	static const char reg[] = "{\"batch\":1,\"fonds\":\"Z109\",\"records\":[{\"archive_no\":"
				  "\"Z109-WS\xc2\xb7"
				  "1990-D10-0001\"}]}";
	uint8_t seed[32], pub[32], sig[64];
	char msghex[256], sighex[129], pubhex[65];
	cy_buf msg = CY_BUF_INIT;

	(void)state;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	assert_int_equal(cy_destroy_register_msg(VID, "Z109", reg, &msg), 0);
	assert_int_equal(msg.len, 31 + 1 + 32 + 1 + 4 + 1 + 32);
	cy_hex_encode(msg.ptr, msg.len, msghex);
	assert_string_equal(msghex, "637573746f64792f6465737472756374696f6e2d72656769737465722f7631"
				    "00303132333435363738396162636465663031323334353637383961626364"
				    "6566005a3130390050322be7d2195a3c4f49ecfaaa46c877fc4988f12df392"
				    "6f0a04acfe6bf2e93d");
	assert_int_equal(cy_ed25519_public(seed, pub), 0);
	cy_hex_encode(pub, 32, pubhex);
	assert_string_equal(pubhex,
			    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
	assert_int_equal(cy_ed25519_sign(seed, msg.ptr, msg.len, sig), 0);
	cy_hex_encode(sig, 64, sighex);
	assert_string_equal(sighex,
			    "dd5ff8e276e83a325355fa62fbd9ecbc54192bd1954756d90f026c7ca2cf4e23"
			    "dac9124a625181a0ca2172292f90e30d2ce78063e8aa4543f86124dcfbf88e03");
	assert_int_equal(cy_ed25519_verify(pub, msg.ptr, msg.len, sig), 0);
	cy_buf_release(&msg);
}

static void test_signatories(void **state)
{
	const char *const *acc = cy_destroy_roles("accounting"), *const *oth = cy_destroy_roles(
									 "other");
	size_t n = 0;

	(void)state;
	for (; acc[n]; n++)
		assert_string_not_equal(cy_destroy_role_zh(acc[n]), "");
	/* 第十八条: five signers and supervisors from archives, accounting and IT */
	assert_int_equal(n, 8);
	assert_string_equal(cy_destroy_role_zh("unit-head"), "单位负责人");
	assert_string_equal(oth[0], "proposer");
	assert_string_equal(oth[1], "approver");
	assert_null(oth[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_hash_vector),
		cmocka_unit_test(test_register_signature_vector),
		cmocka_unit_test(test_signatories),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
