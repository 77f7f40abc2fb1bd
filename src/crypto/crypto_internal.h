/* crypto_internal.h - deterministic forms of the sealing constructions, for known-answer tests.
 *
 * cy_seal and cy_pwseal draw an ephemeral key or a salt from the CSPRNG; these take it as an
 * argument instead, so docs/formats/keys.md can carry a test vector that tests/unit/test_crypto.c
 * reproduces byte for byte.  Production code must not call them. */
#ifndef CY_CRYPTO_INTERNAL_H
#define CY_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"
#include "crypto/crypto.h"

#define CY_PWSEAL_SALT_LEN 16

/* cy_seal with the given ephemeral X25519 private key. */
int cy_crypto__seal_with(const uint8_t eph_priv[CY_X25519_LEN],
			 const uint8_t recipient_pub[CY_X25519_LEN], const char *context,
			 const void *secret, size_t n, cy_buf *out);

/* cy_pwseal with the given scrypt salt. */
int cy_crypto__pwseal_with(const uint8_t salt[CY_PWSEAL_SALT_LEN], const char *pw, size_t pwlen,
			   unsigned log2_n, const char *context, const void *secret, size_t n,
			   cy_buf *out);

#endif
