/* receipt.c - the receipt: canonical body, Ed25519 signature, strict
 * parsing (receipt.h, docs/formats/receipt.md). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonsec.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/receipt.h"
#include "custody/sigkey.h"
#include "custody/banned.h"

#define RECEIPT_TAG "custody-receipt/v1"

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static json_t *body(const cy_receipt *r)
{
	return json_pack("{s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:s, s:{s:I, s:s}, s:s}",
			 "version", RECEIPT_TAG, "transfer", r->transfer, "tag_manifest_sha256",
			 r->tag_manifest, "counts", "records", (json_int_t)r->records, "subjects",
			 (json_int_t)r->subjects, "files", (json_int_t)r->files, "bytes",
			 (json_int_t)r->bytes, "received", r->received, "sender_ledger", "size",
			 (json_int_t)r->ledger_size, "root", r->ledger_root, "receiver_key",
			 r->receiver_key);
}

int cy_receipt_message(const cy_receipt *r, cy_buf *out)
{
	json_t *j;
	char *s;
	int rc;

	if (!ascii(r->transfer) || !ascii(r->tag_manifest) || !ascii(r->received) ||
	    !ascii(r->ledger_root) || !ascii(r->receiver_key))
		return cy_error_set(CY_EINVALID, "a receipt holds ASCII text only");
	if (!(j = body(r)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	s = cy_json_dumps_whole(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (!s)
		return cy_error_set(CY_ENOMEM, "out of memory");
	cy_buf_clear(out);
	rc = cy_buf_printf(out, "%s\n%s", RECEIPT_TAG, s);
	cy_json_free(s);
	return rc;
}

int cy_receipt_sign(cy_receipt *r, const uint8_t seed[32], cy_buf *out)
{
	cy_buf msg = CY_BUF_INIT, sig64 = CY_BUF_INIT;
	uint8_t pub[32];
	json_t *j = NULL;
	char *s = NULL;
	int rc = cy_signing_key_public(seed, pub);

	rc = rc ? rc : cy_signing_pub_format(pub, r->receiver_key);
	rc = rc ? rc : cy_receipt_message(r, &msg);
	rc = rc ? rc : cy_ed25519_sign(seed, msg.ptr, msg.len, r->signature);
	rc = rc ? rc : cy_base64_encode(r->signature, 64, &sig64);
	rc = rc ? rc : cy_buf_putc(&sig64, 0);
	if (!rc && (!(j = json_pack("{s:o, s:s}", "receipt", body(r), "signature",
				    (const char *)sig64.ptr)) ||
		    !(s = cy_json_dumps_whole(j, JSON_INDENT(2) | JSON_SORT_KEYS))))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	/* s is set whenever rc is 0; gcc -O3 cannot see it (format-overflow) */
	if (!rc && s) {
		cy_buf_clear(out);
		rc = cy_buf_printf(out, "%s\n", s);
	}
	cy_json_free(s);
	json_decref(j);
	cy_buf_release(&msg);
	cy_buf_release(&sig64);
	return rc;
}

static int str(json_t *o, const char *key, char *dst, size_t cap)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);

	if (!json_is_string(v) || strlen(s) >= cap || strlen(s) != json_string_length(v) ||
	    !ascii(s))
		return cy_error_set(CY_EINVALID, "receipt: '%s' is missing or not short ASCII text",
				    key);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int num(json_t *o, const char *key, uint64_t *dst)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return cy_error_set(CY_EINVALID, "receipt: '%s' is missing or not a count", key);
	*dst = (uint64_t)json_integer_value(v);
	return 0;
}

static bool hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int cy_receipt_parse(const void *data, size_t n, cy_receipt *out)
{
	json_t *j = NULL, *b, *c, *l;
	json_error_t err;
	cy_buf sig = CY_BUF_INIT, msg = CY_BUF_INIT;
	char ver[32], sig64[128];
	uint8_t pub[32];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (n > 65536 || !(j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &err)))
		return cy_error_set(CY_EINVALID, "the receipt is not JSON (%s)",
				    n > 65536 ? "too long" : err.text);
	b = json_object_get(j, "receipt");
	c = json_object_get(b, "counts");
	l = json_object_get(b, "sender_ledger");
	if (!json_is_object(j) || json_object_size(j) != 2 || !json_is_object(b) ||
	    json_object_size(b) != 7 || !json_is_object(c) || json_object_size(c) != 4 ||
	    !json_is_object(l) || json_object_size(l) != 2)
		rc = cy_error_set(CY_EINVALID,
				  "the receipt does not have the members of custody-receipt/v1");
	rc = rc ? rc : str(b, "version", ver, sizeof(ver));
	if (!rc && strcmp(ver, RECEIPT_TAG))
		rc = cy_error_set(CY_EINVALID, "not a custody-receipt/v1 receipt");
	rc = rc ? rc : str(b, "transfer", out->transfer, sizeof(out->transfer));
	rc = rc ? rc : str(b, "tag_manifest_sha256", out->tag_manifest, sizeof(out->tag_manifest));
	rc = rc ? rc : str(b, "received", out->received, sizeof(out->received));
	rc = rc ? rc : str(b, "receiver_key", out->receiver_key, sizeof(out->receiver_key));
	rc = rc ? rc : num(c, "records", &out->records);
	rc = rc ? rc : num(c, "subjects", &out->subjects);
	rc = rc ? rc : num(c, "files", &out->files);
	rc = rc ? rc : num(c, "bytes", &out->bytes);
	rc = rc ? rc : num(l, "size", &out->ledger_size);
	rc = rc ? rc : str(l, "root", out->ledger_root, sizeof(out->ledger_root));
	rc = rc ? rc : str(j, "signature", sig64, sizeof(sig64));
	if (!rc && (!hex64(out->tag_manifest) || !hex64(out->ledger_root)))
		rc = cy_error_set(CY_EINVALID, "receipt: a digest is not 64 lower-case hex digits");
	if (!rc && (cy_base64_decode(sig64, strlen(sig64), &sig) || sig.len != 64))
		rc = cy_error_set(CY_EINVALID, "receipt: the signature is not 64 bytes of base64");
	if (!rc)
		memcpy(out->signature, sig.ptr, 64);
	if (!rc && cy_signing_pub_parse(out->receiver_key, pub))
		rc = cy_error_set(CY_EINVALID, "receipt: '%s' is not a signing key",
				  out->receiver_key);
	rc = rc ? rc : cy_receipt_message(out, &msg);
	if (!rc && cy_ed25519_verify(pub, msg.ptr, msg.len, out->signature))
		rc = cy_error_set(CY_ECORRUPT,
				  "the receipt's signature does not verify with the key it names");
	json_decref(j);
	cy_buf_release(&sig);
	cy_buf_release(&msg);
	return rc;
}
