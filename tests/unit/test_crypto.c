/* test_crypto.c - src/crypto: known-answer tests for every primitive (FIPS 180-2, RFC 4231,
 * RFC 5869, RFC 8439, RFC 7914, RFC 7748, RFC 8032), and the sealing constructions: round
 * trips, every way to get them wrong, and the test vectors printed in docs/formats/keys.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto_internal.h"
#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "testutil.h"

#include "custody/banned.h"

#define KEYS_MD CY_SRCDIR "/docs/formats/keys.md"

/* Decode hex into a fresh buffer of exactly the decoded length. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	long n = tu_unhex(hex, out, cap);

	assert_true(n >= 0);
	return (size_t)n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
	char hex[2 * 4096 + 1];

	assert_true(n <= 4096);
	cy_hex_encode(got, n, hex);
	assert_string_equal(hex, want);
}

/* ---- SHA-256 --------------------------------------------------------------------------------- */

static void test_crypto_sha256_fips(void **state)
{
	static const char two_block[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t md[CY_HASH_LEN];

	(void)state;
	cy_sha256("abc", 3, md);
	assert_hex(md, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cy_sha256("", 0, md);
	assert_hex(md, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cy_sha256(two_block, strlen(two_block), md);
	assert_hex(md, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_crypto_sha256_stream(void **state)
{
	static const char two_block[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	cy_sha256_ctx *c;
	uint8_t md[CY_HASH_LEN], a[1000];

	(void)state;
	assert_int_equal(cy_sha256_new(&c), 0);
	/* One million 'a' (FIPS 180-2 appendix B.3), in pieces that straddle blocks. */
	memset(a, 'a', sizeof(a));
	for (int i = 0; i < 1000; i++)
		assert_int_equal(cy_sha256_update(c, a, sizeof(a)), 0);
	assert_int_equal(cy_sha256_final(c, md), 0);
	assert_hex(md, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* Reuse after reset, byte at a time. */
	assert_int_equal(cy_sha256_reset(c), 0);
	for (size_t i = 0; i < strlen(two_block); i++)
		assert_int_equal(cy_sha256_update(c, two_block + i, 1), 0);
	assert_int_equal(cy_sha256_update(c, NULL, 0), 0);
	assert_int_equal(cy_sha256_final(c, md), 0);
	assert_hex(md, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cy_sha256_free(c);
	cy_sha256_free(NULL);
}

/* ---- HMAC, HKDF ------------------------------------------------------------------------------ */

static void test_crypto_hmac_rfc4231(void **state)
{
	static const char what[] = "what do ya want for nothing?";
	uint8_t key[20], md[CY_HASH_LEN];

	(void)state;
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(cy_hmac_sha256(key, sizeof(key), "Hi There", 8, md), 0);
	assert_hex(md, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	assert_int_equal(cy_hmac_sha256((const uint8_t *)"Jefe", 4, what, strlen(what), md), 0);
	assert_hex(md, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_crypto_hkdf_rfc5869(void **state)
{
	uint8_t ikm[22], salt[13], info[10], okm[42];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	for (int i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	/* Test case 1. */
	assert_int_equal(cy_hkdf_sha256(ikm, 22, salt, 13, info, 10, okm, 42), 0);
	assert_hex(okm, 42,
		   "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
		   "34007208d5b887185865");
	/* Test case 3: no salt, no info. */
	assert_int_equal(cy_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, okm, 42), 0);
	assert_hex(okm, 42,
		   "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
		   "9d201395faa4b61a96c8");
	assert_int_equal(cy_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, okm, 0), CY_EINVALID);
}

/* ---- ChaCha20-Poly1305 ----------------------------------------------------------------------- */

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				"only one tip for the future, sunscreen would be it.";
static const char sunscreen_ct[] =
	"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69"
	"da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad67594"
	"5585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
	"1ae10b594f09e26a7e902ecbd0600691";

static void test_crypto_aead_rfc8439(void **state)
{
	uint8_t key[32], nonce[12], aad[12], ct[256], pt[256];
	size_t n = strlen(sunscreen);
	cy_aead *a;

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	unhex("070000004041424344454647", nonce, sizeof(nonce));
	unhex("50515253c0c1c2c3c4c5c6c7", aad, sizeof(aad));
	assert_int_equal(cy_aead_new(&a, key), 0);
	/* Twice through the same context: the per-message reset must be complete. */
	for (int round = 0; round < 2; round++) {
		assert_int_equal(cy_aead_seal(a, nonce, aad, sizeof(aad), sunscreen, n, ct), 0);
		assert_hex(ct, n + 16, sunscreen_ct);
		memset(pt, 0, sizeof(pt));
		assert_int_equal(cy_aead_open(a, nonce, aad, sizeof(aad), ct, n + 16, pt), 0);
		assert_memory_equal(pt, sunscreen, n);
	}
	/* Any flipped bit, in ciphertext, tag, AAD or nonce, fails. */
	for (size_t bit = 0; bit < (n + 16) * 8; bit += 7) {
		ct[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(cy_aead_open(a, nonce, aad, sizeof(aad), ct, n + 16, pt),
				 CY_ECORRUPT);
		ct[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	aad[0] ^= 1;
	assert_int_equal(cy_aead_open(a, nonce, aad, sizeof(aad), ct, n + 16, pt), CY_ECORRUPT);
	assert_string_equal(cy_error_message(), "authentication failed");
	aad[0] ^= 1;
	nonce[11] ^= 1;
	assert_int_equal(cy_aead_open(a, nonce, aad, sizeof(aad), ct, n + 16, pt), CY_ECORRUPT);
	nonce[11] ^= 1;
	assert_int_equal(cy_aead_open(a, nonce, aad, sizeof(aad), ct, 15, pt), CY_ECORRUPT);
	/* Still good after failures. */
	assert_int_equal(cy_aead_open(a, nonce, aad, sizeof(aad), ct, n + 16, pt), 0);
	assert_memory_equal(pt, sunscreen, n);
	cy_aead_free(a);
	cy_aead_free(NULL);
}

static void test_crypto_aead_empty_and_large(void **state)
{
	uint8_t key[32] = {1}, nonce[12] = {0}, tag[16], one[1];
	size_t big = 1 << 20;
	uint8_t *pt = malloc(big), *ct = malloc(big + 16), *back = malloc(big);
	cy_aead *a;

	(void)state;
	assert_non_null(pt);
	assert_non_null(ct);
	assert_non_null(back);
	assert_int_equal(cy_aead_new(&a, key), 0);
	assert_int_equal(cy_aead_seal(a, nonce, NULL, 0, NULL, 0, tag), 0);
	assert_int_equal(cy_aead_open(a, nonce, NULL, 0, tag, 16, one), 0);
	assert_int_equal(cy_random(pt, big), 0);
	assert_int_equal(cy_aead_seal(a, nonce, "x", 1, pt, big, ct), 0);
	assert_int_equal(cy_aead_open(a, nonce, "x", 1, ct, big + 16, back), 0);
	assert_memory_equal(pt, back, big);
	/* On failure the output buffer holds no plaintext. */
	ct[big] ^= 1;
	assert_int_equal(cy_aead_open(a, nonce, "x", 1, ct, big + 16, back), CY_ECORRUPT);
	for (size_t i = 0; i < big; i++)
		if (back[i])
			fail_msg("plaintext left behind at %zu", i);
	cy_aead_free(a);
	free(pt);
	free(ct);
	free(back);
}

/* ---- scrypt ---------------------------------------------------------------------------------- */

static void test_crypto_scrypt_rfc7914(void **state)
{
	uint8_t dk[64];

	(void)state;
	assert_int_equal(cy_scrypt("", 0, (const uint8_t *)"", 0, 16, 1, 1, dk, 64), 0);
	assert_hex(dk, 64,
		   "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
		   "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
	assert_int_equal(cy_scrypt("password", 8, (const uint8_t *)"NaCl", 4, 1024, 8, 16, dk, 64),
			 0);
	assert_hex(dk, 64,
		   "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
		   "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
	assert_int_equal(cy_scrypt("pw", 2, (const uint8_t *)"s", 1, 1000, 8, 1, dk, 32),
			 CY_EINVALID);
	assert_int_equal(cy_scrypt("pw", 2, (const uint8_t *)"s", 1, 1024, 0, 1, dk, 32),
			 CY_EINVALID);
}

static void test_crypto_scrypt_default_cost(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	/* N = 2^15, r = 8 needs 32 MiB plus bookkeeping: above OpenSSL's default maxmem. */
	assert_int_equal(cy_scrypt("pw", 2, (const uint8_t *)"salt", 4, 1 << 15, 8, 1, a, 32), 0);
	assert_int_equal(cy_scrypt("pw", 2, (const uint8_t *)"salt", 4, 1 << 15, 8, 1, b, 32), 0);
	assert_memory_equal(a, b, 32);
}

/* ---- X25519, Ed25519 ------------------------------------------------------------------------- */

static const char alice_priv[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char alice_pub[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char bob_priv[] = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char bob_pub[] = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char shared_ab[] = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

static void test_crypto_x25519_rfc7748(void **state)
{
	uint8_t a[32], b[32], pa[32], pb[32], pub[32], s[32], zero[32] = {0};

	(void)state;
	unhex(alice_priv, a, 32);
	unhex(bob_priv, b, 32);
	unhex(alice_pub, pa, 32);
	unhex(bob_pub, pb, 32);
	assert_int_equal(cy_x25519_public(a, pub), 0);
	assert_memory_equal(pub, pa, 32);
	assert_int_equal(cy_x25519_public(b, pub), 0);
	assert_memory_equal(pub, pb, 32);
	assert_int_equal(cy_x25519(a, pb, s), 0);
	assert_hex(s, 32, shared_ab);
	assert_int_equal(cy_x25519(b, pa, s), 0);
	assert_hex(s, 32, shared_ab);
	/* A small-order peer (here 0) gives an all-zero secret, which must be refused. */
	assert_int_equal(cy_x25519(a, zero, s), CY_EINVALID);
	/* keygen agrees with _public. */
	assert_int_equal(cy_x25519_keygen(a, pa), 0);
	assert_int_equal(cy_x25519_public(a, pub), 0);
	assert_memory_equal(pub, pa, 32);
}

static void test_crypto_ed25519_rfc8032(void **state)
{
	static const struct {
		const char *seed, *pub, *msg, *sig;
	} v[] = {
		{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33ba"
		 "cc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996"
		 "e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	};
	uint8_t seed[32], pub[32], want_pub[32], msg[8], sig[64], want_sig[64];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n;

		unhex(v[i].seed, seed, 32);
		unhex(v[i].pub, want_pub, 32);
		n = unhex(v[i].msg, msg, sizeof(msg));
		unhex(v[i].sig, want_sig, 64);
		assert_int_equal(cy_ed25519_public(seed, pub), 0);
		assert_memory_equal(pub, want_pub, 32);
		assert_int_equal(cy_ed25519_sign(seed, msg, n, sig), 0);
		assert_memory_equal(sig, want_sig, 64);
		assert_int_equal(cy_ed25519_verify(pub, msg, n, sig), 0);
		sig[0] ^= 1;
		assert_int_equal(cy_ed25519_verify(pub, msg, n, sig), CY_ECORRUPT);
		sig[0] ^= 1;
		msg[n] = 0x55;
		assert_int_equal(cy_ed25519_verify(pub, msg, n + 1, sig), CY_ECORRUPT);
	}
	assert_int_equal(cy_ed25519_keygen(seed, pub), 0);
	assert_int_equal(cy_ed25519_sign(seed, "m", 1, sig), 0);
	assert_int_equal(cy_ed25519_verify(pub, "m", 1, sig), 0);
}

/* ---- small helpers --------------------------------------------------------------------------- */

static void test_crypto_helpers(void **state)
{
	uint8_t a[64] = {0}, b[64] = {0}, *k;

	(void)state;
	assert_true(cy_memeq(a, b, 64));
	b[63] = 1;
	assert_false(cy_memeq(a, b, 64));
	assert_true(cy_memeq(a, b, 0));
	assert_int_equal(cy_random(a, sizeof(a)), 0);
	assert_int_equal(cy_random(b, sizeof(b)), 0);
	assert_false(cy_memeq(a, b, 64));
	cy_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_memory_equal(a, b, 64);
	cy_wipe(NULL, 0);
	k = cy_secure_alloc(32);
	assert_non_null(k);
	memset(k, 0xAA, 32);
	cy_secure_free(k, 32);
	k = cy_secure_alloc(10000);
	assert_non_null(k);
	k[9999] = 1;
	cy_secure_free(k, 10000);
	cy_secure_free(NULL, 32);
}

/* ---- seal ------------------------------------------------------------------------------------ */

static const uint8_t secret32[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
				     0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
				     0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

static void test_crypto_seal_roundtrip(void **state)
{
	uint8_t priv[32], pub[32], other[32], other_pub[32], got[32];
	cy_buf b = CY_BUF_INIT, b2 = CY_BUF_INIT;

	(void)state;
	assert_int_equal(cy_x25519_keygen(priv, pub), 0);
	assert_int_equal(cy_x25519_keygen(other, other_pub), 0);
	assert_int_equal(cy_seal(pub, "fonds key", secret32, 32, &b), 0);
	assert_int_equal(b.len, 1 + 32 + 32 + 16);
	assert_int_equal(b.ptr[0], 0x01);
	assert_int_equal(cy_seal_open(priv, "fonds key", b.ptr, b.len, got, 32), 0);
	assert_memory_equal(got, secret32, 32);
	/* Two seals of one secret differ (fresh ephemeral key). */
	assert_int_equal(cy_seal(pub, "fonds key", secret32, 32, &b2), 0);
	assert_memory_not_equal(b.ptr, b2.ptr, b.len);

	assert_int_equal(cy_seal_open(other, "fonds key", b.ptr, b.len, got, 32), CY_EAUTH);
	assert_int_equal(cy_seal_open(priv, "fonds kez", b.ptr, b.len, got, 32), CY_EAUTH);
	assert_int_equal(cy_seal_open(priv, NULL, b.ptr, b.len, got, 32), CY_EAUTH);
	/* Every bit after the version byte: ephemeral key, ciphertext, tag. */
	for (size_t bit = 8; bit < b.len * 8; bit++) {
		b.ptr[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(cy_seal_open(priv, "fonds key", b.ptr, b.len, got, 32), CY_EAUTH);
		b.ptr[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	assert_string_equal(cy_error_message(),
			    "cannot open sealed key: wrong key or damaged data");
	b.ptr[0] = 0x02;
	assert_int_equal(cy_seal_open(priv, "fonds key", b.ptr, b.len, got, 32), CY_EINVALID);
	b.ptr[0] = 0x01;
	assert_int_equal(cy_seal_open(priv, "fonds key", b.ptr, b.len, got, 31), CY_EINVALID);
	assert_int_equal(cy_seal_open(priv, "fonds key", b.ptr, b.len - 1, got, 32), CY_EINVALID);
	/* A small-order ephemeral key is an altered blob, not a crash. */
	memset(b.ptr + 1, 0, 32);
	assert_int_equal(cy_seal_open(priv, "fonds key", b.ptr, b.len, got, 32), CY_EAUTH);

	/* Empty secrets and the length limit. */
	cy_buf_clear(&b);
	assert_int_equal(cy_seal(pub, "", NULL, 0, &b), 0);
	assert_int_equal(cy_seal_open(priv, "", b.ptr, b.len, got, 0), 0);
	assert_int_equal(cy_seal(pub, "", secret32, 4097, &b), CY_EINVALID);
	cy_buf_release(&b);
	cy_buf_release(&b2);
}

static void test_crypto_pwseal_roundtrip(void **state)
{
	uint8_t got[32];
	cy_buf b = CY_BUF_INIT;

	(void)state;
	assert_int_equal(cy_pwseal("hunter2", 7, 0, "key slot", secret32, 32, &b), 0);
	assert_int_equal(b.len, 4 + 16 + 32 + 16);
	assert_int_equal(b.ptr[0], 0x02);
	assert_int_equal(b.ptr[1], 15);
	assert_int_equal(b.ptr[2], 8);
	assert_int_equal(b.ptr[3], 1);
	assert_int_equal(cy_pwseal_open("hunter2", 7, "key slot", b.ptr, b.len, got, 32), 0);
	assert_memory_equal(got, secret32, 32);
	assert_int_equal(cy_pwseal_open("hunter3", 7, "key slot", b.ptr, b.len, got, 32), CY_EAUTH);
	assert_string_equal(cy_error_message(), "wrong password or damaged key slot");
	assert_int_equal(cy_pwseal_open("hunter2", 6, "key slot", b.ptr, b.len, got, 32), CY_EAUTH);
	assert_int_equal(cy_pwseal_open("hunter2", 7, "key slou", b.ptr, b.len, got, 32), CY_EAUTH);
	cy_buf_release(&b);
}

/* Flip bits of a cheap (2^10) password seal: after the header every bit gives CY_EAUTH; in
 * the parameters it is CY_EAUTH (other key) or CY_EINVALID (out of range), never success. */
static void test_crypto_pwseal_tamper(void **state)
{
	static const uint8_t salt[16] = {9};
	uint8_t got[32];
	cy_buf b = CY_BUF_INIT;

	(void)state;
	assert_int_equal(cy_crypto__pwseal_with(salt, "pw", 2, 10, "ctx", secret32, 32, &b), 0);
	for (size_t bit = 0; bit < b.len * 8; bit += (bit < 32 ? 1 : 5)) {
		int rc;

		b.ptr[bit / 8] ^= (uint8_t)(1u << bit % 8);
		rc = cy_pwseal_open("pw", 2, "ctx", b.ptr, b.len, got, 32);
		if (bit < 32)
			assert_true(rc == CY_EAUTH || rc == CY_EINVALID);
		else
			assert_int_equal(rc, CY_EAUTH);
		b.ptr[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	assert_int_equal(cy_pwseal_open("pw", 2, "ctx", b.ptr, b.len, got, 32), 0);
	/* Out-of-range costs are refused before any work. */
	b.ptr[1] = 9;
	assert_int_equal(cy_pwseal_open("pw", 2, "ctx", b.ptr, b.len, got, 32), CY_EINVALID);
	b.ptr[1] = 23;
	assert_int_equal(cy_pwseal_open("pw", 2, "ctx", b.ptr, b.len, got, 32), CY_EINVALID);
	b.ptr[1] = 22;
	b.ptr[2] = 9; /* 9 * 2^22 * 128 bytes > 4 GiB */
	assert_int_equal(cy_pwseal_open("pw", 2, "ctx", b.ptr, b.len, got, 32), CY_EINVALID);
	b.ptr[1] = 10;
	b.ptr[2] = 8;
	b.ptr[3] = 0;
	assert_int_equal(cy_pwseal_open("pw", 2, "ctx", b.ptr, b.len, got, 32), CY_EINVALID);
	assert_int_equal(cy_pwseal("pw", 2, 9, "ctx", secret32, 32, &b), CY_EINVALID);
	assert_int_equal(cy_pwseal("pw", 2, 23, "ctx", secret32, 32, &b), CY_EINVALID);
	cy_buf_release(&b);
}

/* ---- vectors of docs/formats/keys.md --------------------------------------------------------- */

/* The blob must appear verbatim in keys.md, so the document cannot drift from the code. */
static void assert_in_doc(const char *hex)
{
	cy_buf doc = CY_BUF_INIT;

	assert_int_equal(tu_read_file(KEYS_MD, &doc), 0);
	if (!strstr(cy_buf_cstr(&doc), hex))
		fail_msg("%s does not contain %s", KEYS_MD, hex);
	cy_buf_release(&doc);
}

static void test_crypto_seal_vector(void **state)
{
	uint8_t eph[32], bpriv[32], bpub[32], got[32];
	char hex[2 * 81 + 1];
	cy_buf b = CY_BUF_INIT;

	(void)state;
	unhex(alice_priv, eph, 32);
	unhex(bob_priv, bpriv, 32);
	unhex(bob_pub, bpub, 32);
	assert_int_equal(cy_crypto__seal_with(eph, bpub, "custody test vector", secret32, 32, &b),
			 0);
	assert_int_equal(b.len, 81);
	cy_hex_encode(b.ptr, b.len, hex);
	printf("seal vector: %s\n", hex);
	assert_in_doc(hex);
	assert_int_equal(cy_seal_open(bpriv, "custody test vector", b.ptr, b.len, got, 32), 0);
	assert_memory_equal(got, secret32, 32);
	cy_buf_release(&b);
}

static void test_crypto_pwseal_vector(void **state)
{
	uint8_t salt[16], got[32];
	char hex[2 * 68 + 1];
	cy_buf b = CY_BUF_INIT;

	(void)state;
	for (int i = 0; i < 16; i++)
		salt[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(cy_crypto__pwseal_with(salt, "correct horse battery staple", 28, 10,
						"custody test vector", secret32, 32, &b),
			 0);
	assert_int_equal(b.len, 68);
	cy_hex_encode(b.ptr, b.len, hex);
	printf("pwseal vector: %s\n", hex);
	assert_in_doc(hex);
	assert_int_equal(cy_pwseal_open("correct horse battery staple", 28, "custody test vector",
					b.ptr, b.len, got, 32),
			 0);
	assert_memory_equal(got, secret32, 32);
	cy_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crypto_sha256_fips),
		cmocka_unit_test(test_crypto_sha256_stream),
		cmocka_unit_test(test_crypto_hmac_rfc4231),
		cmocka_unit_test(test_crypto_hkdf_rfc5869),
		cmocka_unit_test(test_crypto_aead_rfc8439),
		cmocka_unit_test(test_crypto_aead_empty_and_large),
		cmocka_unit_test(test_crypto_scrypt_rfc7914),
		cmocka_unit_test(test_crypto_scrypt_default_cost),
		cmocka_unit_test(test_crypto_x25519_rfc7748),
		cmocka_unit_test(test_crypto_ed25519_rfc8032),
		cmocka_unit_test(test_crypto_helpers),
		cmocka_unit_test(test_crypto_seal_roundtrip),
		cmocka_unit_test(test_crypto_pwseal_roundtrip),
		cmocka_unit_test(test_crypto_pwseal_tamper),
		cmocka_unit_test(test_crypto_seal_vector),
		cmocka_unit_test(test_crypto_pwseal_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
