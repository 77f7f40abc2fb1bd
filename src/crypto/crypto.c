/* crypto.c - custody's primitives over OpenSSL 3 libcrypto (see src/crypto/crypto.h).
 *
 * The EVP algorithm objects are fetched once per process (pthread_once): a fetch walks the
 * provider tables under a lock and costs more than hashing a short message.  Every OpenSSL
 * failure is turned into a CY_E code here, once, with OpenSSL's own text in the message.
 * The sealed-blob constructions built on these primitives live in seal.c. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"
#include "custody/error.h"

#include "custody/banned.h"

/* ---- errors and algorithm objects ---------------------------------------------------------- */

/* Take the oldest queued OpenSSL error (the root cause), drop the rest, and record it as
 * `code`.  Returns code. */
static int ossl_error(int code, const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256] = "no detail from openssl";

	if (e)
		ERR_error_string_n(e, text, sizeof(text));
	ERR_clear_error();
	return cy_error_set(code, "%s: %s", what, text);
}

static EVP_MD *g_sha256;
static EVP_CIPHER *g_chacha;
static EVP_MAC *g_hmac;
/* HMAC with SHA-256 chosen, no key yet: each call duplicates it, which skips
 * looking the digest up by name (a locked fetch) on every call. */
static EVP_MAC_CTX *g_hmac_sha256;
static EVP_KDF *g_scrypt;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void fetch_algs(void)
{
	g_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	g_chacha = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (g_hmac && (g_hmac_sha256 = EVP_MAC_CTX_new(g_hmac))) {
		OSSL_PARAM params[2];
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA2-256", 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_MAC_CTX_set_params(g_hmac_sha256, params)) {
			EVP_MAC_CTX_free(g_hmac_sha256);
			g_hmac_sha256 = NULL;
		}
	}
	g_scrypt = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
}

static int algs(void)
{
	pthread_once(&g_once, fetch_algs);
	if (!g_sha256 || !g_chacha || !g_hmac || !g_hmac_sha256 || !g_scrypt)
		return ossl_error(CY_ECRYPTO, "openssl: cannot load sha256, chacha20-poly1305, "
					      "hmac or scrypt from the default provider");
	return 0;
}

/* ---- randomness and memory ------------------------------------------------------------------ */

/* Each thread keeps a little state between calls (thread_state):
 *
 * - Small random draws (keys, nonces, salts: a few per record on import) come
 *   from a pool that one RAND_bytes call fills: each call takes locks and
 *   walks the provider, which cost ~5 % of a CSV import when made per value.
 *   The pool sits in locked memory (cy_secure_alloc) and every byte handed out
 *   is wiped from it at once, so it only holds bytes no one has used; a forked
 *   child (custody does not fork; a caller might) refills, never shares its
 *   parent's bytes.  Large draws go to RAND_bytes directly.
 * - An HMAC-SHA-256 context, re-keyed per call (EVP_MAC_init with a key
 *   starts afresh) instead of duplicated and freed per call; HKDF is built on
 *   it (RFC 5869), as OpenSSL's own HKDF allocates and looks up per call. */
#define POOL_SIZE 1024
#define POOL_DIRECT 64 /* draws above this size skip the pool */

struct thread_state {
	uint8_t *pool; /* POOL_SIZE bytes of secure memory */
	size_t at;     /* next unused byte; POOL_SIZE when empty */
	pid_t pid;
	EVP_MAC_CTX *hmac;
};

static pthread_key_t g_ts_key;
static pthread_once_t g_ts_once = PTHREAD_ONCE_INIT;
static int g_ts_ok;

static void ts_free(void *arg)
{
	struct thread_state *t = arg;

	if (t) {
		cy_secure_free(t->pool, POOL_SIZE);
		EVP_MAC_CTX_free(t->hmac);
		free(t);
	}
}

static void ts_init(void)
{
	g_ts_ok = pthread_key_create(&g_ts_key, ts_free) == 0;
}

/* This thread's state; NULL when it cannot be made (callers fall back to the
 * stateless way). */
static struct thread_state *ts_get(void)
{
	struct thread_state *t;

	pthread_once(&g_ts_once, ts_init);
	if (!g_ts_ok)
		return NULL;
	if ((t = pthread_getspecific(g_ts_key)))
		return t;
	if (!(t = calloc(1, sizeof(*t))))
		return NULL;
	if (!(t->pool = cy_secure_alloc(POOL_SIZE)) || pthread_setspecific(g_ts_key, t)) {
		cy_secure_free(t->pool, POOL_SIZE);
		free(t);
		return NULL;
	}
	t->at = POOL_SIZE;
	return t;
}

static int rand_direct(uint8_t *p, size_t n)
{
	while (n > 0) {
		int k = n > INT_MAX ? INT_MAX : (int)n;

		if (RAND_bytes(p, k) != 1)
			return ossl_error(CY_ECRYPTO, "random bytes");
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int cy_random(void *buf, size_t n)
{
	struct thread_state *t;
	pid_t pid;

	if (n > POOL_DIRECT || !(t = ts_get()))
		return rand_direct(buf, n);
	pid = getpid();
	if (t->pid != pid || POOL_SIZE - t->at < n) {
		cy_wipe(t->pool, POOL_SIZE);
		t->at = POOL_SIZE;
		if (rand_direct(t->pool, POOL_SIZE))
			return CY_ECRYPTO;
		t->at = 0;
		t->pid = pid;
	}
	memcpy(buf, t->pool + t->at, n);
	cy_wipe(t->pool + t->at, n);
	t->at += n;
	return 0;
}

void cy_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

bool cy_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

static size_t page_round(size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - page)
		return 0;
	return (n + page - 1) / page * page;
}

/* Freed single pages, wiped and still locked, kept for the next allocation:
 * an import takes and gives back a key page per record, and mmap, mlock,
 * madvise and munmap each time were a measurable part of it. */
#define SECURE_POOL 16
static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static void *g_pool[SECURE_POOL];
static int g_npool;

/* Whole pages of their own, so that mlock and MADV_DONTDUMP cover the key and nothing else. */
void *cy_secure_alloc(size_t n)
{
	size_t len = page_round(n);
	void *p = NULL;

	if (len && len == page_round(1)) {
		pthread_mutex_lock(&g_pool_mu);
		if (g_npool)
			p = g_pool[--g_npool];
		pthread_mutex_unlock(&g_pool_mu);
		if (p)
			return p;
	}
	if (!len) {
		cy_error_set(CY_ENOMEM, "secure allocation of %zu bytes is too large", n);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		cy_error_set(CY_ENOMEM, "out of memory for a key (%zu bytes)", n);
		return NULL;
	}
	/* Without CAP_IPC_LOCK the RLIMIT_MEMLOCK may be small; an unlocked key is still
	 * wiped on free, so carry on. */
	(void)mlock(p, len);
#ifdef MADV_DONTDUMP
	(void)madvise(p, len, MADV_DONTDUMP);
#endif
	return p;
}

void cy_secure_free(void *p, size_t n)
{
	size_t len = page_round(n);

	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	if (len == page_round(1)) {
		bool kept = false;
		pthread_mutex_lock(&g_pool_mu);
		if (g_npool < SECURE_POOL) {
			g_pool[g_npool++] = p;
			kept = true;
		}
		pthread_mutex_unlock(&g_pool_mu);
		if (kept)
			return;
	}
	(void)munlock(p, len);
	munmap(p, len);
}

/* ---- SHA-256 and HMAC ----------------------------------------------------------------------- */

void cy_sha256(const void *data, size_t n, uint8_t out[CY_HASH_LEN])
{
	/* Fails only when OpenSSL cannot allocate a digest context; the void signature leaves
	 * no way to report that, and returning a wrong hash would be worse than stopping. */
	if (algs() || !EVP_Digest(data, n, out, NULL, g_sha256, NULL))
		abort();
}

struct cy_sha256_ctx {
	EVP_MD_CTX *md;
};

int cy_sha256_new(cy_sha256_ctx **out)
{
	cy_sha256_ctx *c;
	int rc = algs();

	*out = NULL;
	if (rc)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c)
		return cy_error_set(CY_ENOMEM, "out of memory");
	c->md = EVP_MD_CTX_new();
	if (!c->md || !EVP_DigestInit_ex2(c->md, g_sha256, NULL)) {
		cy_sha256_free(c);
		return ossl_error(CY_ECRYPTO, "sha256 init");
	}
	*out = c;
	return 0;
}

int cy_sha256_update(cy_sha256_ctx *c, const void *data, size_t n)
{
	if (n && !EVP_DigestUpdate(c->md, data, n))
		return ossl_error(CY_ECRYPTO, "sha256 update");
	return 0;
}

int cy_sha256_final(cy_sha256_ctx *c, uint8_t out[CY_HASH_LEN])
{
	if (!EVP_DigestFinal_ex(c->md, out, NULL))
		return ossl_error(CY_ECRYPTO, "sha256 final");
	return 0;
}

int cy_sha256_reset(cy_sha256_ctx *c)
{
	if (!EVP_DigestInit_ex2(c->md, g_sha256, NULL))
		return ossl_error(CY_ECRYPTO, "sha256 reset");
	return 0;
}

void cy_sha256_free(cy_sha256_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

/* HMAC-SHA-256 over the concatenation of up to three pieces (NULL or empty
 * pieces are skipped), with this thread's context when it has one. */
static int hmac3(const uint8_t *key, size_t keylen, const void *a, size_t na, const void *b,
		 size_t nb, const void *c, size_t nc, uint8_t out[CY_HASH_LEN])
{
	static const uint8_t nokey[1];
	struct thread_state *t = ts_get();
	EVP_MAC_CTX *m = t ? t->hmac : NULL;
	size_t outlen;
	int rc = algs();

	if (rc)
		return rc;
	if (!m) {
		m = EVP_MAC_CTX_dup(g_hmac_sha256);
		if (t)
			t->hmac = m;
	}
	if (!m || !EVP_MAC_init(m, keylen ? key : nokey, keylen, NULL) ||
	    (na && !EVP_MAC_update(m, a, na)) || (nb && !EVP_MAC_update(m, b, nb)) ||
	    (nc && !EVP_MAC_update(m, c, nc)) || !EVP_MAC_final(m, out, &outlen, CY_HASH_LEN))
		rc = ossl_error(CY_ECRYPTO, "hmac-sha256");
	if (!t || rc) {
		/* a context that failed midway is not kept */
		if (t)
			t->hmac = NULL;
		EVP_MAC_CTX_free(m);
	}
	return rc;
}

int cy_hmac_sha256(const uint8_t *key, size_t keylen, const void *data, size_t n,
		   uint8_t out[CY_HASH_LEN])
{
	return hmac3(key, keylen, data, n, NULL, 0, NULL, 0, out);
}

/* RFC 5869 over hmac3: PRK = HMAC(salt, IKM) (an absent salt is HashLen zero
 * bytes, which HMAC's key padding makes the same as an empty key);
 * T(i) = HMAC(PRK, T(i-1) | info | i), the output their concatenation. */
int cy_hkdf_sha256(const uint8_t *ikm, size_t ikmlen, const uint8_t *salt, size_t saltlen,
		   const void *info, size_t infolen, uint8_t *out, size_t outlen)
{
	uint8_t prk[CY_HASH_LEN], t[CY_HASH_LEN];
	size_t done = 0, tlen = 0;
	int rc;

	if (outlen == 0 || outlen > 255 * CY_HASH_LEN)
		return cy_error_set(CY_EINVALID, "hkdf: output length %zu out of range", outlen);
	rc = hmac3(salt, saltlen, ikm, ikmlen, NULL, 0, NULL, 0, prk);
	for (uint8_t i = 1; !rc && done < outlen; i++) {
		size_t take = outlen - done < CY_HASH_LEN ? outlen - done : CY_HASH_LEN;

		rc = hmac3(prk, sizeof(prk), t, tlen, info, infolen, &i, 1, t);
		if (!rc) {
			memcpy(out + done, t, take);
			done += take;
			tlen = sizeof(t);
		}
	}
	if (rc)
		cy_wipe(out, outlen);
	cy_wipe(prk, sizeof(prk));
	cy_wipe(t, sizeof(t));
	return rc;
}

int cy_scrypt(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen, uint64_t N,
	      uint32_t r, uint32_t p, uint8_t *out, size_t outlen)
{
	static char empty[1];
	OSSL_PARAM params[7];
	EVP_KDF_CTX *k;
	uint64_t maxmem;
	int rc = algs();

	if (rc)
		return rc;
	if (N < 2 || (N & (N - 1)) || r == 0 || p == 0 || outlen == 0)
		return cy_error_set(CY_EINVALID, "scrypt: bad parameters N=%llu r=%u p=%u",
				    (unsigned long long)N, r, p);
	/* OpenSSL refuses to run above maxmem (32 MiB by default, too little for N=2^15, r=8
	 * plus its bookkeeping); allow what these parameters need: 128*r*(N+p+2) bytes, with
	 * room for rounding.  Parameters come from the caller, who bounds them (seal.c). */
	if (r > UINT64_MAX / 128 / (N + p + 2))
		return cy_error_set(CY_EINVALID, "scrypt: parameters need too much memory");
	maxmem = 128 * (uint64_t)r * (N + p + 2) + (1u << 20);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						      pwlen ? (void *)pw : empty, pwlen);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &N);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	params[6] = OSSL_PARAM_construct_end();
	k = EVP_KDF_CTX_new(g_scrypt);
	if (!k || EVP_KDF_derive(k, out, outlen, params) != 1) {
		cy_wipe(out, outlen);
		rc = ossl_error(CY_ECRYPTO, "scrypt");
	}
	EVP_KDF_CTX_free(k);
	return rc;
}

/* ---- ChaCha20-Poly1305 ---------------------------------------------------------------------- */

/* One context per direction, keyed once: per message only the nonce is set, which in OpenSSL 3
 * resets the Poly1305 state without running the key schedule or allocating. */
struct cy_aead {
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
};

int cy_aead_new(cy_aead **out, const uint8_t key[CY_KEY_LEN])
{
	cy_aead *a;
	int rc = algs();

	*out = NULL;
	if (rc)
		return rc;
	a = calloc(1, sizeof(*a));
	if (!a)
		return cy_error_set(CY_ENOMEM, "out of memory");
	a->enc = EVP_CIPHER_CTX_new();
	a->dec = EVP_CIPHER_CTX_new();
	if (!a->enc || !a->dec || !EVP_EncryptInit_ex2(a->enc, g_chacha, key, NULL, NULL) ||
	    !EVP_DecryptInit_ex2(a->dec, g_chacha, key, NULL, NULL)) {
		cy_aead_free(a);
		return ossl_error(CY_ECRYPTO, "chacha20-poly1305 key setup");
	}
	*out = a;
	return 0;
}

void cy_aead_free(cy_aead *a)
{
	if (!a)
		return;
	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(a->enc);
	EVP_CIPHER_CTX_free(a->dec);
	free(a);
}

/* EVP takes int lengths; feed larger inputs in pieces (the AEAD is a stream). */
static int cipher_update(EVP_CIPHER_CTX *c, uint8_t *out, const uint8_t *in, size_t n)
{
	while (n > 0) {
		int k = n > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)n, got;

		if (!EVP_CipherUpdate(c, out, &got, in, k))
			return -1;
		if (out)
			out += got;
		in += k;
		n -= (size_t)k;
	}
	return 0;
}

int cy_aead_seal(cy_aead *a, const uint8_t nonce[CY_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
		 const void *pt, size_t n, uint8_t *ct)
{
	int got;

	if (!EVP_EncryptInit_ex2(a->enc, NULL, NULL, nonce, NULL) ||
	    cipher_update(a->enc, NULL, aad, aadlen) || cipher_update(a->enc, ct, pt, n) ||
	    !EVP_EncryptFinal_ex(a->enc, ct + n, &got) ||
	    EVP_CIPHER_CTX_ctrl(a->enc, EVP_CTRL_AEAD_GET_TAG, CY_AEAD_TAG_LEN, ct + n) <= 0)
		return ossl_error(CY_ECRYPTO, "chacha20-poly1305 encrypt");
	return 0;
}

int cy_aead_open(cy_aead *a, const uint8_t nonce[CY_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
		 const void *ct, size_t ctlen, uint8_t *pt)
{
	uint8_t tag[CY_AEAD_TAG_LEN];
	size_t n;
	int got;

	if (ctlen < CY_AEAD_TAG_LEN)
		return cy_error_set(CY_ECORRUPT, "authentication failed: ciphertext too short");
	n = ctlen - CY_AEAD_TAG_LEN;
	memcpy(tag, (const uint8_t *)ct + n, CY_AEAD_TAG_LEN);
	if (!EVP_DecryptInit_ex2(a->dec, NULL, NULL, nonce, NULL) ||
	    cipher_update(a->dec, NULL, aad, aadlen) || cipher_update(a->dec, pt, ct, n) ||
	    EVP_CIPHER_CTX_ctrl(a->dec, EVP_CTRL_AEAD_SET_TAG, CY_AEAD_TAG_LEN, tag) <= 0)
		return ossl_error(CY_ECRYPTO, "chacha20-poly1305 decrypt");
	if (EVP_DecryptFinal_ex(a->dec, pt + n, &got) != 1) {
		/* The plaintext was written before the tag could be checked: take it back. */
		cy_wipe(pt, n);
		ERR_clear_error();
		return cy_error_set(CY_ECORRUPT, "authentication failed");
	}
	return 0;
}

/* ---- X25519 and Ed25519 --------------------------------------------------------------------- */

static int raw_public(EVP_PKEY *k, uint8_t pub[32], const char *what)
{
	size_t len = 32;

	if (!EVP_PKEY_get_raw_public_key(k, pub, &len) || len != 32)
		return ossl_error(CY_ECRYPTO, what);
	return 0;
}

int cy_x25519_public(const uint8_t priv[CY_X25519_LEN], uint8_t pub[CY_X25519_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, CY_X25519_LEN);
	int rc;

	if (!k)
		return ossl_error(CY_ECRYPTO, "x25519 private key");
	rc = raw_public(k, pub, "x25519 public key");
	EVP_PKEY_free(k);
	return rc;
}

int cy_x25519_keygen(uint8_t priv[CY_X25519_LEN], uint8_t pub[CY_X25519_LEN])
{
	int rc = cy_random(priv, CY_X25519_LEN);

	if (!rc)
		rc = cy_x25519_public(priv, pub);
	if (rc)
		cy_wipe(priv, CY_X25519_LEN);
	return rc;
}

int cy_x25519(const uint8_t priv[CY_X25519_LEN], const uint8_t peer[CY_X25519_LEN],
	      uint8_t shared[CY_X25519_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, CY_X25519_LEN);
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, CY_X25519_LEN);
	EVP_PKEY_CTX *c = NULL;
	size_t len = CY_X25519_LEN;
	int rc = 0;

	if (!k || !pk) {
		rc = ossl_error(CY_ECRYPTO, "x25519 key");
		goto out;
	}
	c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (!c || EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer(c, pk) != 1) {
		rc = ossl_error(CY_ECRYPTO, "x25519 setup");
		goto out;
	}
	/* OpenSSL refuses an all-zero result, i.e. a peer key of small order: that is a bad
	 * input, not a library failure. */
	if (EVP_PKEY_derive(c, shared, &len) != 1 || len != CY_X25519_LEN) {
		cy_wipe(shared, CY_X25519_LEN);
		rc = ossl_error(CY_EINVALID, "x25519 with an unusable peer public key");
	}
out:
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(k);
	return rc;
}

int cy_ed25519_public(const uint8_t seed[CY_ED25519_SEED_LEN], uint8_t pub[CY_ED25519_PUB_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed,
						      CY_ED25519_SEED_LEN);
	int rc;

	if (!k)
		return ossl_error(CY_ECRYPTO, "ed25519 private key");
	rc = raw_public(k, pub, "ed25519 public key");
	EVP_PKEY_free(k);
	return rc;
}

int cy_ed25519_keygen(uint8_t seed[CY_ED25519_SEED_LEN], uint8_t pub[CY_ED25519_PUB_LEN])
{
	int rc = cy_random(seed, CY_ED25519_SEED_LEN);

	if (!rc)
		rc = cy_ed25519_public(seed, pub);
	if (rc)
		cy_wipe(seed, CY_ED25519_SEED_LEN);
	return rc;
}

int cy_ed25519_sign(const uint8_t seed[CY_ED25519_SEED_LEN], const void *msg, size_t n,
		    uint8_t sig[CY_ED25519_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed,
						      CY_ED25519_SEED_LEN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = CY_ED25519_SIG_LEN;
	int rc = 0;

	if (!k || !md || EVP_DigestSignInit_ex(md, NULL, NULL, NULL, NULL, k, NULL) != 1 ||
	    EVP_DigestSign(md, sig, &len, msg, n) != 1 || len != CY_ED25519_SIG_LEN)
		rc = ossl_error(CY_ECRYPTO, "ed25519 sign");
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}

int cy_ed25519_verify(const uint8_t pub[CY_ED25519_PUB_LEN], const void *msg, size_t n,
		      const uint8_t sig[CY_ED25519_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pub,
						     CY_ED25519_PUB_LEN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = 0, ok;

	if (!k || !md || EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, k, NULL) != 1) {
		rc = ossl_error(CY_ECRYPTO, "ed25519 verify");
		goto out;
	}
	ok = EVP_DigestVerify(md, sig, CY_ED25519_SIG_LEN, msg, n);
	ERR_clear_error();
	if (ok != 1)
		rc = cy_error_set(CY_ECORRUPT, "ed25519 signature does not verify");
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}
