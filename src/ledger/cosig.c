/* cosig.c - C2SP cosignature/v1 (signature type 0x04): a witness's
 * timestamped signature of a checkpoint, added to the checkpoint's signed
 * note as one more signature line.  The note syntax itself is note.c's
 * business: these functions only find and make the witness's own line.
 * Formats in docs/formats/ledger.md section 9. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/cosig.h"

#include "custody/banned.h"

static const char SIG_PREFIX[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof(SIG_PREFIX) - 1)
#define COSIG_LEN (4 + 8 + CY_ED25519_SIG_LEN)
static const char SKEY_PREFIX[] = "PRIVATE+KEY+";

/* SHA-256(name || '\n' || 0x04 || pub)[:4], big-endian. */
static uint32_t cosig_key_id(const char *name, const uint8_t pub[32])
{
	uint8_t tmp[CY_NOTE_NAME_MAX + 2 + CY_ED25519_PUB_LEN];
	uint8_t h[CY_HASH_LEN];
	size_t n = strlen(name);

	memcpy(tmp, name, n);
	tmp[n] = '\n';
	tmp[n + 1] = CY_COSIG_TYPE;
	memcpy(tmp + n + 2, pub, CY_ED25519_PUB_LEN);
	cy_sha256(tmp, n + 2 + CY_ED25519_PUB_LEN, h);
	return cy_load_u32be(h);
}

/* A verifier for name and pub with the cosignature key id (the name is
 * checked as a note key name by cy_note_verifier_init). */
static int cosig_verifier(cy_note_verifier *v, const char *name, const uint8_t pub[32])
{
	int rc = cy_note_verifier_init(v, name, pub);

	if (!rc)
		v->key_id = cosig_key_id(v->name, pub);
	return rc;
}

int cy_cosig_vkey(const char *name, const uint8_t pub[32], cy_buf *out)
{
	cy_note_verifier v;
	uint8_t key[1 + CY_ED25519_PUB_LEN];
	int rc;

	if ((rc = cosig_verifier(&v, name, pub)))
		return rc;
	key[0] = CY_COSIG_TYPE;
	memcpy(key + 1, pub, CY_ED25519_PUB_LEN);
	cy_buf_printf(out, "%s+%08" PRIx32 "+", v.name, v.key_id);
	return cy_base64_encode(key, sizeof(key), out);
}

/* Split "<name>+<8 hex>+<base64>" (after an optional prefix was removed);
 * the decoded key into key (type byte first). */
static int split_key(const char *s, size_t n, const char *what, char name[CY_NOTE_NAME_MAX + 1],
		     uint32_t *id, cy_buf *key)
{
	const char *plus = memchr(s, '+', n), *hex, *b64;
	size_t name_len;
	uint8_t idb[4];

	if (!plus)
		return cy_error_set(CY_EINVALID, "%s: expected <name>+<key id>+<base64 key>", what);
	name_len = (size_t)(plus - s);
	if (name_len == 0 || name_len > CY_NOTE_NAME_MAX || memchr(s, 0, name_len))
		return cy_error_set(CY_EINVALID, "%s: the key name is empty or too long", what);
	memcpy(name, s, name_len);
	name[name_len] = 0;
	hex = plus + 1;
	if ((size_t)(s + n - hex) < 9 || hex[8] != '+')
		return cy_error_set(CY_EINVALID, "%s: key id must be 8 hex digits followed by '+'",
				    what);
	for (int i = 0; i < 8; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return cy_error_set(CY_EINVALID,
					    "%s: key id must be 8 lower-case hex digits", what);
	cy_hex_decode(hex, 8, idb, 4);
	*id = cy_load_u32be(idb);
	b64 = hex + 9;
	if (cy_base64_decode(b64, (size_t)(s + n - b64), key) || key->len == 0)
		return cy_error_set(CY_EINVALID, "%s: the key is not valid base64", what);
	if (key->ptr[0] != CY_COSIG_TYPE)
		return cy_error_set(CY_EUNSUPPORTED,
				    "%s: signature type 0x%02x is not a cosignature/v1 key (0x04)",
				    what, key->ptr[0]);
	if (key->len != 1 + 32)
		return cy_error_set(CY_EINVALID, "%s: the Ed25519 key is %zu bytes, expected 32",
				    what, key->len - 1);
	return 0;
}

int cy_cosig_vkey_parse(const char *vkey, size_t n, cy_note_verifier *out)
{
	char name[CY_NOTE_NAME_MAX + 1];
	cy_note_verifier v;
	cy_buf key = CY_BUF_INIT;
	uint32_t id;
	int rc;

	while (n && (vkey[n - 1] == '\n' || vkey[n - 1] == '\r' || vkey[n - 1] == ' '))
		n--;
	rc = split_key(vkey, n, "witness key", name, &id, &key);
	rc = rc ? rc : cosig_verifier(&v, name, key.ptr + 1);
	if (!rc && v.key_id != id)
		rc = cy_error_set(CY_EINVALID,
				  "witness key: key id %08" PRIx32
				  " does not match the key (expected %08" PRIx32 ")",
				  id, v.key_id);
	if (!rc)
		*out = v;
	cy_buf_release(&key);
	return rc;
}

int cy_cosig_skey(const char *name, const uint8_t seed[32], cy_buf *out)
{
	cy_note_verifier v;
	uint8_t pub[32], *key = cy_secure_alloc(33);
	int rc;

	if (!key)
		return CY_ENOMEM;
	rc = cy_ed25519_public(seed, pub);
	rc = rc ? rc : cosig_verifier(&v, name, pub);
	if (!rc) {
		key[0] = CY_COSIG_TYPE;
		memcpy(key + 1, seed, 32);
		cy_buf_printf(out, "%s%s+%08" PRIx32 "+", SKEY_PREFIX, v.name, v.key_id);
		rc = cy_base64_encode(key, 33, out);
		rc = rc ? rc : cy_buf_putc(out, '\n');
	}
	cy_secure_free(key, 33);
	return rc;
}

int cy_cosig_skey_parse(const char *text, size_t n, char *name_out, uint8_t seed[32])
{
	size_t pl = sizeof(SKEY_PREFIX) - 1;
	cy_note_verifier v;
	cy_buf key = CY_BUF_INIT;
	uint8_t pub[32];
	uint32_t id;
	int rc;

	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	if (n < pl || memcmp(text, SKEY_PREFIX, pl))
		return cy_error_set(
			CY_EINVALID,
			"witness secret key: expected PRIVATE+KEY+<name>+<key id>+<key>");
	rc = split_key(text + pl, n - pl, "witness secret key", name_out, &id, &key);
	rc = rc ? rc : cy_ed25519_public(key.ptr + 1, pub);
	rc = rc ? rc : cosig_verifier(&v, name_out, pub);
	if (!rc && v.key_id != id)
		rc = cy_error_set(CY_EINVALID, "witness secret key: key id does not match the key");
	if (!rc)
		memcpy(seed, key.ptr + 1, 32);
	cy_buf_wipe(&key);
	return rc;
}

int cy_cosig_message(const char *body, size_t n, uint64_t time, cy_buf *out)
{
	cy_buf_printf(out, "cosignature/v1\ntime %" PRIu64 "\n", time);
	return cy_buf_put(out, body, n);
}

/* The body of a note: up to and including the newline before the last blank
 * line; *sigs is where the signature lines start. */
static int note_split(const char *note, size_t n, size_t *body_len, size_t *sigs)
{
	if (n < 3 || note[n - 1] != '\n')
		return cy_error_set(CY_EINVALID, "the note does not end in a newline");
	for (size_t i = n; i >= 2; i--) {
		if (note[i - 1] == '\n' && note[i - 2] == '\n') {
			if (i - 2 == 0)
				break;
			*body_len = i - 1;
			*sigs = i;
			return 0;
		}
	}
	return cy_error_set(CY_EINVALID, "the note has no blank line before its signatures");
}

/* Walk the signature lines; for the one by w (name and cosignature key id)
 * decode its signature into sig.  *found: whether there was one. */
static int find_line(const char *note, size_t n, size_t sigs, const cy_note_verifier *w,
		     cy_buf *sig, int *found)
{
	const char *p = note + sigs, *end = note + n;
	size_t wlen = strlen(w->name);
	cy_buf tmp = CY_BUF_INIT;
	int rc = 0;

	*found = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *name, *sp;
		if (!nl || (size_t)(nl - p) < SIG_PREFIX_LEN ||
		    memcmp(p, SIG_PREFIX, SIG_PREFIX_LEN)) {
			rc = cy_error_set(CY_EINVALID,
					  "the note has a signature line that does not start with "
					  "an em dash and a space");
			break;
		}
		name = p + SIG_PREFIX_LEN;
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (!sp) {
			rc = cy_error_set(CY_EINVALID, "the note has a malformed signature line");
			break;
		}
		cy_buf_clear(&tmp);
		if (cy_base64_decode(sp + 1, (size_t)(nl - sp - 1), &tmp) || tmp.len < 5) {
			rc = cy_error_set(CY_EINVALID,
					  "the note has a signature line that is not valid base64");
			break;
		}
		if ((size_t)(sp - name) == wlen && !memcmp(name, w->name, wlen) &&
		    cy_load_u32be(tmp.ptr) == w->key_id) {
			if (*found) {
				rc = cy_error_set(CY_EINVALID,
						  "the note has two cosignatures by %s", w->name);
				break;
			}
			*found = 1;
			cy_buf_clear(sig);
			rc = cy_buf_put(sig, tmp.ptr, tmp.len);
			if (rc)
				break;
		}
		p = nl + 1;
	}
	cy_buf_release(&tmp);
	return rc;
}

int cy_cosig_add(const char *note, size_t n, const char *name, const uint8_t seed[32],
		 uint64_t time, cy_buf *out)
{
	cy_note_verifier w;
	cy_buf msg = CY_BUF_INIT, sig = CY_BUF_INIT;
	uint8_t pub[32], line[COSIG_LEN];
	size_t body_len = 0, sigs = 0;
	int rc, found;

	rc = cy_ed25519_public(seed, pub);
	rc = rc ? rc : cosig_verifier(&w, name, pub);
	rc = rc ? rc : note_split(note, n, &body_len, &sigs);
	rc = rc ? rc : find_line(note, n, sigs, &w, &sig, &found);
	if (!rc && found)
		rc = cy_error_set(CY_EEXISTS, "the checkpoint is already cosigned by %s", name);
	rc = rc ? rc : cy_cosig_message(note, body_len, time, &msg);
	if (!rc) {
		cy_store_u32be(line, w.key_id);
		cy_store_u64be(line + 4, time);
		rc = cy_ed25519_sign(seed, msg.ptr, msg.len, line + 12);
	}
	if (!rc) {
		size_t mark = out->len;
		cy_buf_put(out, note, n);
		cy_buf_put(out, SIG_PREFIX, SIG_PREFIX_LEN);
		cy_buf_puts(out, w.name);
		cy_buf_putc(out, ' ');
		cy_base64_encode(line, sizeof(line), out);
		rc = cy_buf_putc(out, '\n');
		if (rc && out->ptr) {
			out->len = mark;
			out->ptr[mark] = 0;
		}
	}
	cy_buf_release(&msg);
	cy_buf_release(&sig);
	return rc;
}

int cy_cosig_open(const char *note, size_t n, const cy_note_verifier *w, uint64_t *time)
{
	cy_buf msg = CY_BUF_INIT, sig = CY_BUF_INIT;
	size_t body_len = 0, sigs = 0;
	uint64_t t = 0;
	int rc, found = 0;

	rc = note_split(note, n, &body_len, &sigs);
	rc = rc ? rc : find_line(note, n, sigs, w, &sig, &found);
	if (!rc && !found)
		rc = cy_error_set(CY_ECORRUPT,
				  "the checkpoint is not cosigned by witness %s+%08" PRIx32,
				  w->name, w->key_id);
	if (!rc && sig.len != COSIG_LEN)
		rc = cy_error_set(CY_ECORRUPT,
				  "the cosignature by %s is %zu bytes, not a cosignature/v1 (76)",
				  w->name, sig.len);
	if (!rc) {
		t = cy_load_u64be(sig.ptr + 4);
		rc = cy_cosig_message(note, body_len, t, &msg);
	}
	if (!rc && cy_ed25519_verify(w->pub, msg.ptr, msg.len, sig.ptr + 12))
		rc = cy_error_set(CY_ECORRUPT, "the cosignature by witness %s does not verify",
				  w->name);
	if (!rc && time)
		*time = t;
	cy_buf_release(&msg);
	cy_buf_release(&sig);
	return rc;
}
