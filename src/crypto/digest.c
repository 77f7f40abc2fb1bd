/* digest.c - SHA-512 and the digests BagIt manifests name (md5 to sha512),
 * over OpenSSL EVP.  Kept apart from crypto.c: these serve bags (issue 9),
 * where SHA-512 is a manifest algorithm and md5/sha1 only check bags that
 * others made; custody's own constructions use SHA-256. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "custody/error.h"

#include "custody/banned.h"

static const struct {
	const char *bagit, *openssl;
} NAMES[] = {
	{"md5", "MD5"},		{"sha1", "SHA1"},	{"sha224", "SHA2-224"},
	{"sha256", "SHA2-256"}, {"sha384", "SHA2-384"}, {"sha512", "SHA2-512"},
};
#define NNAMES (sizeof(NAMES) / sizeof(NAMES[0]))

/* Fetched once per process: a fetch walks the provider tables under a lock. */
static EVP_MD *g_md[NNAMES];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	for (size_t i = 0; i < NNAMES; i++)
		g_md[i] = EVP_MD_fetch(NULL, NAMES[i].openssl, NULL);
}

static int ossl_error(int code, const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256] = "no detail from openssl";

	if (e)
		ERR_error_string_n(e, text, sizeof(text));
	ERR_clear_error();
	return cy_error_set(code, "%s: %s", what, text);
}

struct cy_digest {
	EVP_MD_CTX *md;
	const EVP_MD *alg;
	size_t len;
};

int cy_digest_new(cy_digest **out, const char *name)
{
	cy_digest *d;
	size_t i;

	*out = NULL;
	pthread_once(&g_once, fetch_all);
	for (i = 0; i < NNAMES; i++)
		if (!strcmp(name, NAMES[i].bagit))
			break;
	if (i == NNAMES)
		return cy_error_set(CY_EUNSUPPORTED, "digest '%s' is not supported", name);
	if (!g_md[i])
		return ossl_error(CY_ECRYPTO, NAMES[i].openssl);
	if (!(d = calloc(1, sizeof(*d))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	d->alg = g_md[i];
	d->len = (size_t)EVP_MD_get_size(d->alg);
	d->md = EVP_MD_CTX_new();
	if (!d->md || !EVP_DigestInit_ex2(d->md, d->alg, NULL)) {
		cy_digest_free(d);
		return ossl_error(CY_ECRYPTO, "digest init");
	}
	*out = d;
	return 0;
}

size_t cy_digest_len(const cy_digest *d)
{
	return d->len;
}

int cy_digest_update(cy_digest *d, const void *data, size_t n)
{
	if (n && !EVP_DigestUpdate(d->md, data, n))
		return ossl_error(CY_ECRYPTO, "digest update");
	return 0;
}

int cy_digest_final(cy_digest *d, uint8_t *out)
{
	if (!EVP_DigestFinal_ex(d->md, out, NULL) || !EVP_DigestInit_ex2(d->md, d->alg, NULL))
		return ossl_error(CY_ECRYPTO, "digest final");
	return 0;
}

void cy_digest_free(cy_digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->md);
	free(d);
}

void cy_sha512(const void *data, size_t n, uint8_t out[CY_SHA512_LEN])
{
	pthread_once(&g_once, fetch_all);
	/* as cy_sha256: a wrong hash would be worse than stopping */
	if (!g_md[5] || !EVP_Digest(data, n, out, NULL, g_md[5], NULL))
		abort();
}

int cy_sha512_new(cy_sha512_ctx **out)
{
	return cy_digest_new(out, "sha512");
}

int cy_sha512_update(cy_sha512_ctx *c, const void *data, size_t n)
{
	return cy_digest_update(c, data, n);
}

int cy_sha512_final(cy_sha512_ctx *c, uint8_t out[CY_SHA512_LEN])
{
	if (!EVP_DigestFinal_ex(c->md, out, NULL))
		return ossl_error(CY_ECRYPTO, "sha512 final");
	return 0;
}

int cy_sha512_reset(cy_sha512_ctx *c)
{
	if (!EVP_DigestInit_ex2(c->md, c->alg, NULL))
		return ossl_error(CY_ECRYPTO, "sha512 reset");
	return 0;
}

void cy_sha512_free(cy_sha512_ctx *c)
{
	cy_digest_free(c);
}
