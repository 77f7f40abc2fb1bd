/* crypto.h - every cryptographic operation custody performs.
 *
 * src/crypto/ is the only place that includes OpenSSL.  Everything here is a
 * thin, checked wrapper over OpenSSL 3 libcrypto (EVP), plus three documented
 * constructions: sealing a secret to an X25519 public key, sealing a secret
 * under a password (scrypt), and secure memory.  Formats of the sealed blobs
 * are in docs/formats/keys.md.
 *
 * All functions return 0 or a negative CY_E code with cy_error_set() called. */
#ifndef CUSTODY_CRYPTO_H
#define CUSTODY_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

#define CY_KEY_LEN 32
#define CY_HASH_LEN 32
#define CY_AEAD_TAG_LEN 16
#define CY_AEAD_NONCE_LEN 12
#define CY_X25519_LEN 32
#define CY_ED25519_SEED_LEN 32
#define CY_ED25519_PUB_LEN 32
#define CY_ED25519_SIG_LEN 64

/* Fill buf with n bytes from the OS CSPRNG (RAND_bytes). */
int cy_random(void *buf, size_t n);

/* Zero memory in a way the compiler will not elide (OPENSSL_cleanse). */
void cy_wipe(void *p, size_t n);

/* Constant-time equality (CRYPTO_memcmp); true when equal. */
bool cy_memeq(const void *a, const void *b, size_t n);

/* Locked memory for keys: mlock'd when possible, zeroed on free.  NULL on
 * failure (error set).  cy_secure_free accepts NULL. */
void *cy_secure_alloc(size_t n);
void cy_secure_free(void *p, size_t n);

/* SHA-256. */
void cy_sha256(const void *data, size_t n, uint8_t out[CY_HASH_LEN]);
typedef struct cy_sha256_ctx cy_sha256_ctx;
int cy_sha256_new(cy_sha256_ctx **out);
int cy_sha256_update(cy_sha256_ctx *c, const void *data, size_t n);
int cy_sha256_final(cy_sha256_ctx *c,
		    uint8_t out[CY_HASH_LEN]); /* ctx may be reused after _reset */
int cy_sha256_reset(cy_sha256_ctx *c);
void cy_sha256_free(cy_sha256_ctx *c);

/* SHA-512 (digest.c), one-shot and streaming like cy_sha256_*. */
#define CY_SHA512_LEN 64
void cy_sha512(const void *data, size_t n, uint8_t out[CY_SHA512_LEN]);
typedef struct cy_digest cy_sha512_ctx;
int cy_sha512_new(cy_sha512_ctx **out);
int cy_sha512_update(cy_sha512_ctx *c, const void *data, size_t n);
int cy_sha512_final(cy_sha512_ctx *c, uint8_t out[CY_SHA512_LEN]); /* reuse after _reset */
int cy_sha512_reset(cy_sha512_ctx *c);
void cy_sha512_free(cy_sha512_ctx *c);

/* A digest named as BagIt names its manifests ("md5", "sha1", "sha224",
 * "sha256", "sha384", "sha512"; digest.c), for validating bags that others
 * made.  CY_EUNSUPPORTED for another name.  cy_digest_final leaves the
 * context ready for the next message. */
#define CY_DIGEST_MAX 64
typedef struct cy_digest cy_digest;
int cy_digest_new(cy_digest **out, const char *name);
size_t cy_digest_len(const cy_digest *d);
int cy_digest_update(cy_digest *d, const void *data, size_t n);
int cy_digest_final(cy_digest *d, uint8_t *out);
void cy_digest_free(cy_digest *d);

/* HMAC-SHA-256. */
int cy_hmac_sha256(const uint8_t *key, size_t keylen, const void *data, size_t n,
		   uint8_t out[CY_HASH_LEN]);

/* HKDF-SHA-256 (RFC 5869), extract and expand. salt may be NULL/0. */
int cy_hkdf_sha256(const uint8_t *ikm, size_t ikmlen, const uint8_t *salt, size_t saltlen,
		   const void *info, size_t infolen, uint8_t *out, size_t outlen);

/* ChaCha20-Poly1305 (RFC 8439).  A context holds one key and is reused for
 * many messages (avoids per-chunk key setup).  ct must have room for n+16. */
typedef struct cy_aead cy_aead;
int cy_aead_new(cy_aead **out, const uint8_t key[CY_KEY_LEN]);
void cy_aead_free(cy_aead *a); /* wipes the key */
int cy_aead_seal(cy_aead *a, const uint8_t nonce[CY_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
		 const void *pt, size_t n, uint8_t *ct);
/* ctlen includes the tag; pt must have room for ctlen-16.  CY_ECORRUPT on auth failure. */
int cy_aead_open(cy_aead *a, const uint8_t nonce[CY_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
		 const void *ct, size_t ctlen, uint8_t *pt);

/* scrypt (RFC 7914). */
int cy_scrypt(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen, uint64_t N,
	      uint32_t r, uint32_t p, uint8_t *out, size_t outlen);

/* X25519. */
int cy_x25519_keygen(uint8_t priv[CY_X25519_LEN], uint8_t pub[CY_X25519_LEN]);
int cy_x25519_public(const uint8_t priv[CY_X25519_LEN], uint8_t pub[CY_X25519_LEN]);
int cy_x25519(const uint8_t priv[CY_X25519_LEN], const uint8_t peer[CY_X25519_LEN],
	      uint8_t shared[CY_X25519_LEN]);

/* Ed25519 (pure). */
int cy_ed25519_keygen(uint8_t seed[CY_ED25519_SEED_LEN], uint8_t pub[CY_ED25519_PUB_LEN]);
int cy_ed25519_public(const uint8_t seed[CY_ED25519_SEED_LEN], uint8_t pub[CY_ED25519_PUB_LEN]);
int cy_ed25519_sign(const uint8_t seed[CY_ED25519_SEED_LEN], const void *msg, size_t n,
		    uint8_t sig[CY_ED25519_SIG_LEN]);
/* 0 if valid, CY_ECORRUPT if not. */
int cy_ed25519_verify(const uint8_t pub[CY_ED25519_PUB_LEN], const void *msg, size_t n,
		      const uint8_t sig[CY_ED25519_SIG_LEN]);

/* Seal a short secret (<= 4096 bytes) to an X25519 public key: ephemeral
 * X25519, HKDF-SHA-256 bound to `context` and both public keys,
 * ChaCha20-Poly1305.  Appends the sealed blob to out (docs/formats/keys.md). */
int cy_seal(const uint8_t recipient_pub[CY_X25519_LEN], const char *context, const void *secret,
	    size_t n, cy_buf *out);
/* Open a sealed blob with the recipient's private key.  Writes exactly
 * `n` bytes to secret; CY_EAUTH if the key or context is wrong or the blob was
 * altered, CY_EINVALID if the blob is malformed or its secret length is not n. */
int cy_seal_open(const uint8_t recipient_priv[CY_X25519_LEN], const char *context,
		 const void *sealed, size_t sealedlen, void *secret, size_t n);

/* Seal a short secret under a password: scrypt (parameters stored in the
 * blob) then ChaCha20-Poly1305.  log2_n of 0 means the default (15). */
int cy_pwseal(const char *pw, size_t pwlen, unsigned log2_n, const char *context,
	      const void *secret, size_t n, cy_buf *out);
/* CY_EAUTH on a wrong password, CY_EINVALID on a malformed blob. */
int cy_pwseal_open(const char *pw, size_t pwlen, const char *context, const void *sealed,
		   size_t sealedlen, void *secret, size_t n);

#endif
