/* vault_objects.c - the keys of objects and reading them back.
 *
 * Object format 2 (docs/formats/object.md): every object is encrypted under
 * its own random data key, and the catalog keeps that key wrapped by the key
 * of the object's owner: the subject key for an object of one subject, else
 * the fonds key.  Destroying the wrapped key (and every copy of it) shreds
 * exactly that object.  Version 1 objects (the foundation's) derive their key
 * from the fonds key and stay readable. */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "store/object.h"
#include "vault/vault_internal.h"
#include "vault/vault_subjects.h"
#include "custody/banned.h"

#define DKEY_AAD "custody/data-key/v2"

int cy_vault__dkey_new(uint8_t dkey[32], uint8_t key_id[8])
{
	int rc = cy_random(dkey, 32);

	if (!rc)
		cy_vault__key_id(dkey, key_id);
	return rc;
}

static void dkey_aad(const uint8_t salt[16], uint8_t aad[sizeof(DKEY_AAD) + 16])
{
	memcpy(aad, DKEY_AAD, sizeof(DKEY_AAD)); /* with its NUL as the separator */
	memcpy(aad + sizeof(DKEY_AAD), salt, 16);
}

int cy_vault__dkey_wrap_with(cy_aead *a, const uint8_t salt[16], const uint8_t dkey[32],
			     const uint8_t nonce[12], uint8_t wrapped[CY_DKEY_WRAPPED_LEN])
{
	uint8_t aad[sizeof(DKEY_AAD) + 16];

	dkey_aad(salt, aad);
	memcpy(wrapped, nonce, 12);
	return cy_aead_seal(a, nonce, aad, sizeof(aad), dkey, 32, wrapped + 12);
}

int cy_vault__dkey_wrap_nonce(const uint8_t wrap_key[32], const uint8_t salt[16],
			      const uint8_t dkey[32], const uint8_t nonce[12],
			      uint8_t wrapped[CY_DKEY_WRAPPED_LEN])
{
	cy_aead *a = NULL;
	int rc = cy_aead_new(&a, wrap_key);

	rc = rc ? rc : cy_vault__dkey_wrap_with(a, salt, dkey, nonce, wrapped);
	cy_aead_free(a);
	return rc;
}

int cy_vault__dkey_unwrap(const uint8_t wrap_key[32], const uint8_t salt[16], const void *wrapped,
			  size_t n, uint8_t dkey[32])
{
	uint8_t aad[sizeof(DKEY_AAD) + 16];
	cy_aead *a = NULL;
	int rc;

	if (n != CY_DKEY_WRAPPED_LEN)
		return cy_error_set(CY_ECORRUPT, "wrapped data key has %zu bytes, not %d", n,
				    CY_DKEY_WRAPPED_LEN);
	dkey_aad(salt, aad);
	rc = cy_aead_new(&a, wrap_key);
	rc = rc ? rc
		: cy_aead_open(a, wrapped, aad, sizeof(aad), (const uint8_t *)wrapped + 12, 48,
			       dkey);
	cy_aead_free(a);
	if (rc && rc != CY_ENOMEM)
		return cy_error_set(CY_ECORRUPT,
				    "data key does not unwrap (wrong owner or altered)");
	if (rc)
		return rc;
	return 0;
}

int cy_vault__subject_wrap_key(const cy_fonds_key *k, int epoch, const uint8_t sk[32],
			       uint8_t key[32])
{
	if (epoch == 0)
		return cy_vault__subkey(sk, CY_WRAP_LABEL, key);
	/* bound to the epoch too: a subject key learnt under an old epoch
	 * does not open what is written for the subject afterwards */
	return cy_hkdf_sha256(sk, 32, CY_EPOCH_WRAP(k, epoch), 32, CY_WRAP_LABEL,
			      strlen(CY_WRAP_LABEL), key, 32);
}

int cy_vault__owner_wrap_key(cy_vault *v, const cy_fonds_key *k, int64_t owner_subject_id,
			     uint8_t key[32])
{
	uint8_t sk[32];
	int rc;

	if (!owner_subject_id) {
		memcpy(key, CY_WRAP_KEY(k), 32);
		return 0;
	}
	rc = cy_vault__subject_key(v, owner_subject_id, sk);
	rc = rc ? rc : cy_vault__subject_wrap_key(k, k->epoch, sk, key);
	cy_wipe(sk, sizeof(sk));
	return rc;
}

/* ---- reading ---- */

struct head {
	uint8_t b[CY_OBJ_HEADER_LEN];
	size_t n;
};

static int head_sink(void *arg, const void *p, size_t n)
{
	struct head *h = arg;
	size_t take = n < sizeof(h->b) - h->n ? n : sizeof(h->b) - h->n;

	memcpy(h->b + h->n, p, take);
	h->n += take;
	return 0;
}

int cy_vault__read_header(cy_vault *v, const char *pack, uint64_t offset, uint64_t length,
			  cy_obj_header *out)
{
	struct head h = {{0}, 0};
	int rc = cy_store_read(v->store, pack, offset,
			       length < CY_OBJ_HEADER_LEN ? length : CY_OBJ_HEADER_LEN, head_sink,
			       &h);

	return rc ? rc : cy_object_header_parse(h.b, h.n, out);
}

struct get_ctx {
	cy_objr *r;
	cy_sha256_ctx *sha;
	cy_data_sink sink;
	void *arg;
	uint64_t n;
};

static int get_plain(void *arg, const void *p, size_t n)
{
	struct get_ctx *g = arg;
	int rc = cy_sha256_update(g->sha, p, n);

	g->n += n;
	return rc ? rc : g->sink(g->arg, p, n);
}

static int get_cipher(void *arg, const void *p, size_t n)
{
	return cy_objr_feed(((struct get_ctx *)arg)->r, p, n);
}

static int discard(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

/* Name the record in a message that does not already. */
static int with_record(int rc, const char *archive_no, const char *fmt)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", cy_error_message());
	if (strstr(msg, archive_no))
		return cy_error_set(rc, "%s", msg);
	return cy_error_set(rc, fmt, archive_no, msg);
}

/* The key an object is read with: version 1, the fonds key itself; version
 * 2, its own data key, unwrapped. */
static int object_key(cy_vault *v, const cy_fonds_key *k, const char *archive_no,
		      const cy_obj_ref *o, const cy_obj_header *oh, uint8_t *key)
{
	uint8_t wk[32], kid[8];
	int rc;

	if (oh->version == 1) {
		if (o->dkey)
			return cy_error_set(
				CY_ECORRUPT,
				"record %s: a version 1 object with a data key in the catalog",
				archive_no);
		if (memcmp(oh->key_id, k->key_id, 8))
			return cy_error_set(
				CY_ECORRUPT,
				"record %s: the object found is not this record's (its header "
				"was altered, or the catalog points elsewhere)",
				archive_no);
		memcpy(key, k->key, 32);
		return 0;
	}
	if (!o->dkey)
		return cy_error_set(CY_ECORRUPT,
				    "record %s: the catalog holds no data key for its object",
				    archive_no);
	if (o->owner_subject_id) {
		uint8_t sk[32];
		/* under the subject's key and the epoch it was written in: the
		 * newest first (vault_epochs.c) */
		rc = cy_vault__subject_key(v, o->owner_subject_id, sk);
		for (int e = k->epoch; !rc && e >= 0; e--) {
			rc = cy_vault__subject_wrap_key(k, e, sk, wk);
			rc = rc ? rc
				: cy_vault__dkey_unwrap(wk, oh->salt, o->dkey, o->dkey_len, key);
			if (rc == CY_ECORRUPT && e > 0) {
				cy_error_clear();
				rc = 0;
				continue;
			}
			break;
		}
		cy_wipe(wk, sizeof(wk));
		cy_wipe(sk, sizeof(sk));
	} else {
		/* wrapped under the fonds' key epoch of the day it was written:
		 * the newest first (vault_epochs.c) */
		rc = CY_ECORRUPT;
		for (int e = k->epoch; rc == CY_ECORRUPT && e >= 0; e--) {
			if (e < k->epoch)
				cy_error_clear();
			rc = cy_vault__dkey_unwrap(CY_EPOCH_WRAP(k, e), oh->salt, o->dkey,
						   o->dkey_len, key);
		}
	}
	if (rc)
		return with_record(rc, archive_no, "record %s: %s");
	cy_vault__key_id(key, kid);
	if (memcmp(kid, oh->key_id, 8)) {
		cy_wipe(key, 32);
		return cy_error_set(CY_ECORRUPT, "record %s: the object's header names another key",
				    archive_no);
	}
	return 0;
}

int cy_vault__read_object(cy_vault *v, const cy_fonds_key *k, const char *archive_no,
			  const cy_obj_ref *o, const char *sha_hex, const uint8_t salt[16],
			  cy_data_sink sink, void *arg)
{
	struct get_ctx g = {.sink = sink ? sink : discard, .arg = arg};
	cy_obj_header oh;
	uint8_t *key = NULL, sha[32];
	char hex[65];
	int rc;

	/* before any byte is released: is this the record's own object, under its owner's key? */
	rc = cy_vault__read_header(v, o->pack, o->offset, o->length, &oh);
	if (rc == CY_EINVALID || rc == CY_EUNSUPPORTED)
		return with_record(CY_ECORRUPT, archive_no,
				   "record %s: object header is damaged (%s)");
	if (!rc && memcmp(oh.salt, salt, 16))
		return cy_error_set(
			CY_ECORRUPT,
			"record %s: the object found is not this record's (its header was "
			"altered, or the catalog points elsewhere)",
			archive_no);
	if (rc)
		return rc == CY_ECORRUPT ? with_record(rc, archive_no, "record %s: %s") : rc;
	if (!(key = cy_secure_alloc(32)))
		return CY_ENOMEM;
	rc = object_key(v, k, archive_no, o, &oh, key);
	rc = rc ? rc : cy_sha256_new(&g.sha);
	rc = rc ? rc : cy_objr_new(&g.r, key, o->size, get_plain, &g);
	cy_secure_free(key, 32);
	rc = rc ? rc : cy_store_read(v->store, o->pack, o->offset, o->length, get_cipher, &g);
	rc = rc ? rc : cy_objr_finish(g.r);
	rc = rc ? rc : cy_sha256_final(g.sha, sha);
	if (!rc) {
		cy_hex_encode(sha, 32, hex);
		if (g.n != o->size || strcmp(hex, sha_hex))
			rc = cy_error_set(CY_ECORRUPT,
					  "record %s: content does not match its recorded SHA-256",
					  archive_no);
	} else if (rc == CY_ECORRUPT || rc == CY_EINVALID || rc == CY_EUNSUPPORTED) {
		rc = with_record(CY_ECORRUPT, archive_no, "record %s: %s");
	}
	cy_objr_free(g.r);
	cy_sha256_free(g.sha);
	return rc;
}
