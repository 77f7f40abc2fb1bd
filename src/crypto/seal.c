/* seal.c - short secrets sealed to an X25519 public key or under a password.
 *
 * These blobs carry the key hierarchy: a user's private key sealed under the password (key
 * slot), fonds keys sealed to users and to the recovery key.  Byte layouts, constructions and
 * test vectors are in docs/formats/keys.md.  Each blob is encrypted under a key used exactly
 * once (fresh ephemeral key or fresh salt), so the AEAD nonce is constant zero.  Any failure
 * to authenticate reports the same message whatever its cause, so a caller cannot learn
 * whether the key, the context or the bytes were wrong. */
#include <string.h>

#include "crypto/crypto_internal.h"
#include "crypto/crypto.h"
#include "custody/error.h"

#include "custody/banned.h"

#define SEAL_VERSION 0x01
#define PWSEAL_VERSION 0x02
#define SECRET_MAX 4096
#define SEAL_HEAD (1 + CY_X25519_LEN)
#define PWSEAL_HEAD (4 + CY_PWSEAL_SALT_LEN)
#define PWSEAL_LOG2N_DEFAULT 15
#define PWSEAL_LOG2N_MIN 10
#define PWSEAL_LOG2N_MAX 22
#define PWSEAL_R 8
#define PWSEAL_P 1

static const uint8_t zero_nonce[CY_AEAD_NONCE_LEN];
static const char seal_info[] = "custody seal v1";

static const char *ctx_str(const char *context)
{
	return context ? context : "";
}

/* Encrypt secret under key with the context as associated data, appending to dst. */
static int aead_once(const uint8_t key[CY_KEY_LEN], const char *context, const void *secret,
		     size_t n, uint8_t *dst)
{
	cy_aead *a;
	int rc = cy_aead_new(&a, key);

	if (rc)
		return rc;
	context = ctx_str(context);
	rc = cy_aead_seal(a, zero_nonce, context, strlen(context), secret, n, dst);
	cy_aead_free(a);
	return rc;
}

static int open_once(const uint8_t key[CY_KEY_LEN], const char *context, const uint8_t *ct,
		     size_t ctlen, void *secret)
{
	cy_aead *a;
	int rc = cy_aead_new(&a, key);

	if (rc)
		return rc;
	context = ctx_str(context);
	rc = cy_aead_open(a, zero_nonce, context, strlen(context), ct, ctlen, secret);
	cy_aead_free(a);
	return rc;
}

/* key = HKDF-SHA-256(X25519(priv, peer), eph_pub || recipient_pub, "custody seal v1") */
static int seal_key(const uint8_t priv[CY_X25519_LEN], const uint8_t peer[CY_X25519_LEN],
		    const uint8_t eph_pub[CY_X25519_LEN], const uint8_t rcpt_pub[CY_X25519_LEN],
		    uint8_t key[CY_KEY_LEN])
{
	uint8_t shared[CY_X25519_LEN], salt[2 * CY_X25519_LEN];
	int rc = cy_x25519(priv, peer, shared);

	if (rc)
		return rc;
	memcpy(salt, eph_pub, CY_X25519_LEN);
	memcpy(salt + CY_X25519_LEN, rcpt_pub, CY_X25519_LEN);
	rc = cy_hkdf_sha256(shared, sizeof(shared), salt, sizeof(salt), seal_info,
			    sizeof(seal_info) - 1, key, CY_KEY_LEN);
	cy_wipe(shared, sizeof(shared));
	return rc;
}

int cy_crypto__seal_with(const uint8_t eph_priv[CY_X25519_LEN],
			 const uint8_t recipient_pub[CY_X25519_LEN], const char *context,
			 const void *secret, size_t n, cy_buf *out)
{
	uint8_t eph_pub[CY_X25519_LEN], key[CY_KEY_LEN];
	size_t total = SEAL_HEAD + n + CY_AEAD_TAG_LEN;
	uint8_t *p;
	int rc;

	if (n > SECRET_MAX)
		return cy_error_set(CY_EINVALID, "secret of %zu bytes is too long to seal (max %d)",
				    n, SECRET_MAX);
	rc = cy_x25519_public(eph_priv, eph_pub);
	if (rc)
		return rc;
	rc = seal_key(eph_priv, recipient_pub, eph_pub, recipient_pub, key);
	if (rc == CY_EINVALID)
		cy_error_set(rc, "cannot seal: the recipient public key is unusable");
	if (rc)
		goto out;
	rc = cy_buf_grow(out, total);
	if (rc)
		goto out;
	p = out->ptr + out->len;
	p[0] = SEAL_VERSION;
	memcpy(p + 1, eph_pub, CY_X25519_LEN);
	rc = aead_once(key, context, secret, n, p + SEAL_HEAD);
	if (rc)
		goto out;
	out->len += total;
	out->ptr[out->len] = 0;
out:
	cy_wipe(key, sizeof(key));
	return rc;
}

int cy_seal(const uint8_t recipient_pub[CY_X25519_LEN], const char *context, const void *secret,
	    size_t n, cy_buf *out)
{
	uint8_t eph_priv[CY_X25519_LEN];
	int rc = cy_random(eph_priv, sizeof(eph_priv));

	if (!rc)
		rc = cy_crypto__seal_with(eph_priv, recipient_pub, context, secret, n, out);
	cy_wipe(eph_priv, sizeof(eph_priv));
	return rc;
}

int cy_seal_open(const uint8_t recipient_priv[CY_X25519_LEN], const char *context,
		 const void *sealed, size_t sealedlen, void *secret, size_t n)
{
	const uint8_t *s = sealed;
	uint8_t rcpt_pub[CY_X25519_LEN], key[CY_KEY_LEN];
	int rc;

	if (n > SECRET_MAX || sealedlen != SEAL_HEAD + n + CY_AEAD_TAG_LEN)
		return cy_error_set(CY_EINVALID, "sealed secret has %zu bytes, expected %zu",
				    sealedlen, SEAL_HEAD + n + CY_AEAD_TAG_LEN);
	if (s[0] != SEAL_VERSION)
		return cy_error_set(CY_EINVALID, "sealed secret has unknown version %u", s[0]);
	rc = cy_x25519_public(recipient_priv, rcpt_pub);
	if (rc)
		return rc;
	/* A small-order ephemeral key (CY_EINVALID from cy_x25519) is an altered blob. */
	rc = seal_key(recipient_priv, s + 1, s + 1, rcpt_pub, key);
	if (!rc)
		rc = open_once(key, context, s + SEAL_HEAD, sealedlen - SEAL_HEAD, secret);
	if (rc == CY_EINVALID || rc == CY_ECORRUPT)
		rc = cy_error_set(CY_EAUTH, "cannot open sealed key: wrong key or damaged data");
	cy_wipe(key, sizeof(key));
	return rc;
}

/* Bounds on parameters read from a blob: they decide how much memory and time opening takes.
 * r * 2^log2n <= 2^25 keeps scrypt at or below 4 GiB (128 * r * N bytes). */
static int pwseal_params_ok(unsigned log2n, unsigned r, unsigned p)
{
	return log2n >= PWSEAL_LOG2N_MIN && log2n <= PWSEAL_LOG2N_MAX && r >= 1 && r <= 32 &&
	       p >= 1 && p <= 16 && ((uint64_t)r << log2n) <= (1u << 25);
}

int cy_crypto__pwseal_with(const uint8_t salt[CY_PWSEAL_SALT_LEN], const char *pw, size_t pwlen,
			   unsigned log2_n, const char *context, const void *secret, size_t n,
			   cy_buf *out)
{
	uint8_t key[CY_KEY_LEN];
	size_t total = PWSEAL_HEAD + n + CY_AEAD_TAG_LEN;
	uint8_t *p;
	int rc;

	if (log2_n == 0)
		log2_n = PWSEAL_LOG2N_DEFAULT;
	if (!pwseal_params_ok(log2_n, PWSEAL_R, PWSEAL_P))
		return cy_error_set(CY_EINVALID, "scrypt cost 2^%u out of range (2^%d..2^%d)",
				    log2_n, PWSEAL_LOG2N_MIN, PWSEAL_LOG2N_MAX);
	if (n > SECRET_MAX)
		return cy_error_set(CY_EINVALID, "secret of %zu bytes is too long to seal (max %d)",
				    n, SECRET_MAX);
	rc = cy_scrypt(pw, pwlen, salt, CY_PWSEAL_SALT_LEN, (uint64_t)1 << log2_n, PWSEAL_R,
		       PWSEAL_P, key, sizeof(key));
	if (rc)
		return rc;
	rc = cy_buf_grow(out, total);
	if (rc)
		goto out;
	p = out->ptr + out->len;
	p[0] = PWSEAL_VERSION;
	p[1] = (uint8_t)log2_n;
	p[2] = PWSEAL_R;
	p[3] = PWSEAL_P;
	memcpy(p + 4, salt, CY_PWSEAL_SALT_LEN);
	rc = aead_once(key, context, secret, n, p + PWSEAL_HEAD);
	if (rc)
		goto out;
	out->len += total;
	out->ptr[out->len] = 0;
out:
	cy_wipe(key, sizeof(key));
	return rc;
}

int cy_pwseal(const char *pw, size_t pwlen, unsigned log2_n, const char *context,
	      const void *secret, size_t n, cy_buf *out)
{
	uint8_t salt[CY_PWSEAL_SALT_LEN];
	int rc = cy_random(salt, sizeof(salt));

	if (rc)
		return rc;
	return cy_crypto__pwseal_with(salt, pw, pwlen, log2_n, context, secret, n, out);
}

int cy_pwseal_open(const char *pw, size_t pwlen, const char *context, const void *sealed,
		   size_t sealedlen, void *secret, size_t n)
{
	const uint8_t *s = sealed;
	uint8_t key[CY_KEY_LEN];
	int rc;

	if (n > SECRET_MAX || sealedlen != PWSEAL_HEAD + n + CY_AEAD_TAG_LEN)
		return cy_error_set(CY_EINVALID,
				    "password-sealed secret has %zu bytes, expected %zu", sealedlen,
				    PWSEAL_HEAD + n + CY_AEAD_TAG_LEN);
	if (s[0] != PWSEAL_VERSION)
		return cy_error_set(CY_EINVALID, "password-sealed secret has unknown version %u",
				    s[0]);
	if (!pwseal_params_ok(s[1], s[2], s[3]))
		return cy_error_set(CY_EINVALID,
				    "password-sealed secret has out-of-range scrypt parameters "
				    "(log2 N %u, r %u, p %u)",
				    s[1], s[2], s[3]);
	rc = cy_scrypt(pw, pwlen, s + 4, CY_PWSEAL_SALT_LEN, (uint64_t)1 << s[1], s[2], s[3], key,
		       sizeof(key));
	if (rc)
		return rc;
	rc = open_once(key, context, s + PWSEAL_HEAD, sealedlen - PWSEAL_HEAD, secret);
	if (rc == CY_ECORRUPT)
		rc = cy_error_set(CY_EAUTH, "wrong password or damaged key slot");
	cy_wipe(key, sizeof(key));
	return rc;
}
