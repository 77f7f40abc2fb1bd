/* age.c - the age v1 file format with X25519 recipients, streamed (age.h,
 * docs/formats/age.md).
 *
 * Writing: the header (version line, one X25519 stanza per recipient, the
 * header MAC) and the 16-byte payload nonce go out in one write; then the
 * payload in STREAM chunks of 64 KiB of plaintext sealed with
 * ChaCha20-Poly1305 under a nonce of an 11-byte big-endian counter and a
 * last-chunk flag.  A full buffer is held back until more data arrives, so
 * that the final chunk is flagged even when it is full, and an empty final
 * chunk is written only for an empty payload.  Large writes are sealed from
 * the caller's buffer, without a copy.
 *
 * Reading: the header is parsed as strictly as the spec and the C2SP vectors
 * demand (canonical unpadded base64, 64-column body lines, a short final line
 * per stanza), the file key unwrapped, the MAC checked before any payload
 * byte is read.  Whether a chunk is the last one is decided by looking one
 * byte ahead: a chunk followed by more data must not carry the flag, a chunk
 * at the end of input must.  A chunk's plaintext is handed out only after its
 * tag verified; a chunk that fills the caller's buffer is opened straight
 * into it (cy_aead_open wipes it again if the tag fails). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/age.h"
#include "custody/buf.h"
#include "custody/error.h"

#include "custody/banned.h"

#define CHUNK 65536
#define TAG CY_AEAD_TAG_LEN
#define ENC_CHUNK (CHUNK + TAG)
#define FILE_KEY_LEN 16
#define NONCE_LEN 16
#define COLUMNS 64
#define LINE_BYTES 48
#define MAX_STANZAS 1024

static const char VERSION_LINE[] = "age-encryption.org/v1";
static const char X25519_LABEL[] = "age-encryption.org/v1/X25519";

/* ---- unpadded, canonical base64 (RFC 4648 section 4, no '=') -------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = B64[w >> 18];
		out[o++] = B64[(w >> 12) & 63];
		out[o++] = B64[(w >> 6) & 63];
		out[o++] = B64[w & 63];
	}
	if (n - i == 1) {
		uint32_t w = (uint32_t)in[i] << 16;
		out[o++] = B64[w >> 18];
		out[o++] = B64[(w >> 12) & 63];
	} else if (n - i == 2) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = B64[w >> 18];
		out[o++] = B64[(w >> 12) & 63];
		out[o++] = B64[(w >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode in[0..n): only the 64 alphabet characters, no padding, the unused
 * bits of the last character zero.  Decodes at most outsz bytes; *outn is
 * the full decoded length even when it is larger (nothing past outsz is
 * stored).  -1 if not canonical base64. */
static int b64_decode(const char *in, size_t n, uint8_t *out, size_t outsz, size_t *outn)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < outsz)
				out[o] = (uint8_t)(acc >> bits);
			o++;
		}
	}
	if (acc & ((1u << bits) - 1))
		return -1;
	*outn = o;
	return 0;
}

/* ---- keys ------------------------------------------------------------------------------------ */

/* HKDF-SHA-256 of the X25519 shared secret, salted with share || recipient. */
static int wrap_key(const uint8_t shared[32], const uint8_t share[32], const uint8_t recip[32],
		    uint8_t key[32])
{
	uint8_t salt[64];

	memcpy(salt, share, 32);
	memcpy(salt + 32, recip, 32);
	return cy_hkdf_sha256(shared, 32, salt, sizeof(salt), X25519_LABEL,
			      sizeof(X25519_LABEL) - 1, key, 32);
}

static int header_mac(const uint8_t file_key[FILE_KEY_LEN], const void *hdr, size_t n,
		      uint8_t mac[32])
{
	uint8_t k[32];
	int rc = cy_hkdf_sha256(file_key, FILE_KEY_LEN, NULL, 0, "header", 6, k, sizeof(k));

	if (!rc)
		rc = cy_hmac_sha256(k, sizeof(k), hdr, n, mac);
	cy_wipe(k, sizeof(k));
	return rc;
}

static int payload_aead(const uint8_t file_key[FILE_KEY_LEN], const uint8_t nonce[NONCE_LEN],
			cy_aead **out)
{
	uint8_t k[32];
	int rc = cy_hkdf_sha256(file_key, FILE_KEY_LEN, nonce, NONCE_LEN, "payload", 7, k,
				sizeof(k));

	if (!rc)
		rc = cy_aead_new(out, k);
	cy_wipe(k, sizeof(k));
	return rc;
}

static void chunk_nonce(uint64_t counter, bool last, uint8_t nonce[CY_AEAD_NONCE_LEN])
{
	memset(nonce, 0, CY_AEAD_NONCE_LEN);
	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (uint8_t)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

/* ---- encryption ------------------------------------------------------------------------------ */

struct cy_age_enc {
	cy_age_write_fn w;
	void *arg;
	cy_aead *aead;
	uint64_t counter;
	int err; /* sticky */
	bool finished;
	size_t len; /* plaintext held in buf */
	uint8_t buf[CHUNK];
	uint8_t out[ENC_CHUNK];
};

static int enc_fail(cy_age_enc *e, int rc)
{
	e->err = rc;
	return rc;
}

static int seal_chunk(cy_age_enc *e, const uint8_t *pt, size_t n, bool last)
{
	uint8_t nonce[CY_AEAD_NONCE_LEN];
	int rc;

	if (e->counter == UINT64_MAX)
		return enc_fail(e, cy_error_set(CY_EINVALID, "age: payload too large"));
	chunk_nonce(e->counter, last, nonce);
	if ((rc = cy_aead_seal(e->aead, nonce, NULL, 0, pt, n, e->out)))
		return enc_fail(e, rc);
	e->counter++;
	if ((rc = e->w(e->arg, e->out, n + TAG)))
		return enc_fail(e, rc);
	return 0;
}

/* One "-> X25519 share\nbody\n" stanza wrapping file_key to recip. */
static int put_stanza(cy_buf *h, const uint8_t recip[32], const uint8_t file_key[FILE_KEY_LEN],
		      size_t idx)
{
	static const uint8_t zero_nonce[CY_AEAD_NONCE_LEN];
	uint8_t eph[32], share[32], shared[32], key[32], body[FILE_KEY_LEN + TAG];
	char s64[48], b64[48];
	cy_aead *a = NULL;
	int rc = cy_x25519_keygen(eph, share);

	if (rc)
		goto out;
	if ((rc = cy_x25519(eph, recip, shared))) {
		rc = cy_error_set(CY_EINVALID, "age: recipient %zu is not a usable X25519 key",
				  idx + 1);
		goto out;
	}
	if ((rc = wrap_key(shared, share, recip, key)) || (rc = cy_aead_new(&a, key)) ||
	    (rc = cy_aead_seal(a, zero_nonce, NULL, 0, file_key, FILE_KEY_LEN, body)))
		goto out;
	b64_encode(share, sizeof(share), s64);
	b64_encode(body, sizeof(body), b64);
	rc = cy_buf_printf(h, "-> X25519 %s\n%s\n", s64, b64);
out:
	cy_aead_free(a);
	cy_wipe(eph, sizeof(eph));
	cy_wipe(shared, sizeof(shared));
	cy_wipe(key, sizeof(key));
	return rc;
}

int cy_age_enc_new(cy_age_enc **out, const uint8_t (*recipients)[32], size_t n, cy_age_write_fn w,
		   void *arg)
{
	uint8_t file_key[FILE_KEY_LEN], mac[32], nonce[NONCE_LEN];
	char mac64[48];
	cy_buf h = CY_BUF_INIT;
	cy_age_enc *e = NULL;
	int rc;

	*out = NULL;
	if (!recipients || n == 0 || !w)
		return cy_error_set(CY_EINVALID, "age: no recipient to encrypt to");
	if (n > MAX_STANZAS)
		return cy_error_set(CY_EINVALID, "age: too many recipients (%zu)", n);
	if (!(e = calloc(1, sizeof(*e)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	e->w = w;
	e->arg = arg;
	if ((rc = cy_random(file_key, sizeof(file_key))) || (rc = cy_random(nonce, sizeof(nonce))))
		goto out;
	if ((rc = cy_buf_printf(&h, "%s\n", VERSION_LINE)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((rc = put_stanza(&h, recipients[i], file_key, i)))
			goto out;
	if ((rc = cy_buf_puts(&h, "---")) || (rc = header_mac(file_key, h.ptr, h.len, mac)))
		goto out;
	b64_encode(mac, sizeof(mac), mac64);
	if ((rc = cy_buf_printf(&h, " %s\n", mac64)) || (rc = cy_buf_put(&h, nonce, NONCE_LEN)) ||
	    (rc = payload_aead(file_key, nonce, &e->aead)))
		goto out;
	rc = w(arg, h.ptr, h.len);
out:
	cy_wipe(file_key, sizeof(file_key));
	cy_buf_release(&h);
	if (rc)
		cy_age_enc_free(e);
	else
		*out = e;
	return rc;
}

int cy_age_enc_write(cy_age_enc *e, const void *data, size_t n)
{
	const uint8_t *p = data;
	int rc;

	if (e->err)
		return e->err;
	if (e->finished)
		return cy_error_set(CY_EINVALID, "age: write after the last chunk");
	while (n > 0) {
		if (e->len == CHUNK) {
			/* more data follows, so the held chunk is not the last */
			if ((rc = seal_chunk(e, e->buf, CHUNK, false)))
				return rc;
			e->len = 0;
		}
		if (e->len == 0 && n > CHUNK) {
			if ((rc = seal_chunk(e, p, CHUNK, false)))
				return rc;
			p += CHUNK;
			n -= CHUNK;
			continue;
		}
		size_t take = CHUNK - e->len < n ? CHUNK - e->len : n;
		memcpy(e->buf + e->len, p, take);
		e->len += take;
		p += take;
		n -= take;
	}
	return 0;
}

int cy_age_enc_finish(cy_age_enc *e)
{
	int rc;

	if (e->err)
		return e->err;
	if (e->finished)
		return cy_error_set(CY_EINVALID, "age: the file is already finished");
	if ((rc = seal_chunk(e, e->buf, e->len, true)))
		return rc;
	cy_wipe(e->buf, e->len);
	e->len = 0;
	e->finished = true;
	return 0;
}

void cy_age_enc_free(cy_age_enc *e)
{
	if (!e)
		return;
	cy_aead_free(e->aead);
	cy_wipe(e, sizeof(*e));
	free(e);
}

/* ---- decryption ------------------------------------------------------------------------------ */

struct cy_age_dec {
	cy_age_read_fn r;
	void *arg;
	cy_aead *aead;
	uint64_t counter;
	int err; /* sticky */
	bool eof, done;
	enum { PENDING_NONE, PENDING_CUT, PENDING_TRAILING } pending; /* the next read's error */
	size_t inlen;						      /* ciphertext bytes in `in` */
	size_t ptpos, ptlen; /* plaintext of the current chunk in pt */
	uint8_t in[ENC_CHUNK + 1];
	uint8_t pt[CHUNK];
};

/* Read until `in` holds want bytes or the input ends. */
static int fill(cy_age_dec *d, size_t want)
{
	while (d->inlen < want && !d->eof) {
		long got = d->r(d->arg, d->in + d->inlen, want - d->inlen);
		if (got < 0)
			return (int)got;
		if ((size_t)got > want - d->inlen)
			return cy_error_set(CY_EINVALID, "age: read callback returned too much");
		if (got == 0)
			d->eof = true;
		d->inlen += (size_t)got;
	}
	return 0;
}

/* A recipient stanza as parsed: where its arguments are in the header and
 * its body, decoded (bodies longer than `body` keep their length only). */
struct stanza {
	const char *args[3]; /* the first three arguments */
	size_t arglen[3];
	size_t nargs;
	uint8_t body[64];
	size_t bodylen;
};

static bool vchar_string(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
			return false;
	return true;
}

static int bad_header(const char *why)
{
	return cy_error_set(CY_EINVALID, "not an age file: %s", why);
}

/* Parse the header text h[0..n) (each line ends in '\n', the last is the MAC
 * line).  Fills st (room for max), *nst, the MAC and where the MAC line's
 * "---" ends (what the MAC covers). */
static int parse_header(const char *h, size_t n, struct stanza *st, size_t max, size_t *nst,
			uint8_t mac[32], size_t *covered)
{
	const char *p = h, *end = h + n;
	size_t ns = 0;

	*nst = 0;
	/* the version line */
	{
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(nl - p);
		static const char prefix[] = "age-encryption.org/";

		if (len != sizeof(VERSION_LINE) - 1 || memcmp(p, VERSION_LINE, len)) {
			if (len > sizeof(prefix) - 1 && !memcmp(p, prefix, sizeof(prefix) - 1) &&
			    vchar_string(p, len))
				return cy_error_set(
					CY_EUNSUPPORTED,
					"age: version '%.*s' is not supported (only v1)",
					(int)(len - (sizeof(prefix) - 1)), p + sizeof(prefix) - 1);
			return bad_header("it does not start with 'age-encryption.org/v1'");
		}
		p = nl + 1;
	}
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(nl - p);

		if (len >= 3 && !memcmp(p, "---", 3)) {
			size_t macn = 0;
			if (len != 4 + 43 || p[3] != ' ' || b64_decode(p + 4, 43, mac, 32, &macn) ||
			    macn != 32)
				return bad_header("malformed header MAC line");
			if (nl + 1 != end)
				return bad_header("data after the header MAC line");
			*covered = (size_t)(p + 3 - h);
			break;
		}
		if (len < 3 || memcmp(p, "-> ", 3))
			return bad_header("unexpected line in the header");
		if (ns == max)
			return bad_header("too many recipient stanzas");
		struct stanza *s = &st[ns++];
		memset(s, 0, sizeof(*s));
		/* arguments: non-empty strings of visible ASCII separated by one space */
		for (const char *a = p + 3; a <= nl;) {
			const char *sp = memchr(a, ' ', (size_t)(nl - a));
			const char *ae = sp ? sp : nl;

			if (!vchar_string(a, (size_t)(ae - a)))
				return bad_header("malformed stanza arguments");
			if (s->nargs < 3) {
				s->args[s->nargs] = a;
				s->arglen[s->nargs] = (size_t)(ae - a);
			}
			s->nargs++;
			a = ae + 1;
		}
		p = nl + 1;
		/* the body: full 64-column lines, then one shorter line (maybe empty) */
		for (;;) {
			const char *bl;
			size_t blen, got = 0;

			if (p >= end)
				return bad_header("stanza without its final body line");
			bl = memchr(p, '\n', (size_t)(end - p));
			blen = (size_t)(bl - p);
			if (blen > COLUMNS)
				return bad_header("stanza body line longer than 64 columns");
			if (b64_decode(p, blen,
				       s->bodylen < sizeof(s->body) ? s->body + s->bodylen : NULL,
				       s->bodylen < sizeof(s->body) ? sizeof(s->body) - s->bodylen
								    : 0,
				       &got))
				return bad_header("stanza body is not canonical base64");
			s->bodylen += got;
			p = bl + 1;
			if (blen < COLUMNS)
				break;
		}
	}
	*nst = ns;
	return 0;
}

/* Try one identity on one X25519 stanza: 0 and the file key if it opens,
 * 1 if it is not for this identity, < 0 if the stanza is malformed. */
static int x25519_unwrap(const struct stanza *s, const uint8_t priv[32], const uint8_t pub[32],
			 uint8_t file_key[FILE_KEY_LEN])
{
	static const uint8_t zero_nonce[CY_AEAD_NONCE_LEN];
	uint8_t share[32], shared[32], key[32];
	size_t sharen = 0;
	cy_aead *a = NULL;
	int rc;

	if (s->nargs != 2)
		return bad_header("an X25519 stanza must have exactly one argument");
	if (s->arglen[1] != 43 || b64_decode(s->args[1], 43, share, 32, &sharen) || sharen != 32)
		return bad_header("malformed X25519 share");
	if (s->bodylen != FILE_KEY_LEN + TAG)
		return bad_header("an X25519 stanza must wrap a 16-byte file key");
	if (cy_x25519(priv, share, shared))
		return bad_header("an X25519 share of small order");
	if ((rc = wrap_key(shared, share, pub, key)) || (rc = cy_aead_new(&a, key)))
		goto out;
	rc = cy_aead_open(a, zero_nonce, NULL, 0, s->body, s->bodylen, file_key) ? 1 : 0;
out:
	cy_aead_free(a);
	cy_wipe(shared, sizeof(shared));
	cy_wipe(key, sizeof(key));
	return rc;
}

/* The file key from the first identity that opens a stanza. */
static int unwrap(const struct stanza *st, size_t ns, const uint8_t (*privs)[32], size_t n,
		  uint8_t file_key[FILE_KEY_LEN])
{
	uint8_t pub[32];
	int rc;

	for (size_t i = 0; i < ns; i++)
		if (st[i].nargs && st[i].arglen[0] == 6 && !memcmp(st[i].args[0], "scrypt", 6) &&
		    ns != 1)
			return bad_header("an scrypt stanza must be the only one");
	if (ns == 0)
		return bad_header("no recipient stanza");
	for (size_t k = 0; k < n; k++) {
		if ((rc = cy_x25519_public(privs[k], pub)))
			return rc;
		for (size_t i = 0; i < ns; i++) {
			if (st[i].arglen[0] != 6 || memcmp(st[i].args[0], "X25519", 6))
				continue;
			rc = x25519_unwrap(&st[i], privs[k], pub, file_key);
			if (rc <= 0)
				return rc;
		}
	}
	return cy_error_set(CY_EAUTH,
			    "no identity matches: the package was not encrypted to this key");
}

int cy_age_dec_new(cy_age_dec **out, const uint8_t (*privs)[32], size_t n, cy_age_read_fn r,
		   void *arg)
{
	uint8_t file_key[FILE_KEY_LEN], mac[32], want[32];
	struct stanza *st = NULL;
	size_t hend = 0, ns = 0, covered = 0, max = 0;
	cy_age_dec *d = NULL;
	int rc;

	*out = NULL;
	if (!privs || n == 0 || !r)
		return cy_error_set(CY_EINVALID, "age: no identity to decrypt with");
	if (!(d = calloc(1, sizeof(*d)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	d->r = r;
	d->arg = arg;
	/* the header ends with the first line that starts with "---"; it must fit
	 * in the buffer, which is filled once (a header is a few hundred bytes) */
	if ((rc = fill(d, sizeof(d->in))))
		goto out;
	for (size_t i = 0; i + 4 <= d->inlen && !hend; i++) {
		const uint8_t *nl;

		if (d->in[i] != '\n' || memcmp(d->in + i + 1, "---", 3))
			continue;
		if (!(nl = memchr(d->in + i + 1, '\n', d->inlen - i - 1)))
			break;
		hend = (size_t)(nl - d->in) + 1;
	}
	if (!hend) {
		if (d->inlen == 0)
			rc = bad_header("the input is empty");
		else if (d->eof)
			rc = bad_header("the header is incomplete (cut short, or not an age file)");
		else
			rc = bad_header("the header is too long");
		goto out;
	}
	for (size_t i = 0; i < hend; i++)
		if (d->in[i] == '\n' && i + 3 < hend && !memcmp(d->in + i + 1, "-> ", 3))
			max++;
	if (max > MAX_STANZAS) {
		rc = bad_header("too many recipient stanzas");
		goto out;
	}
	if (max && !(st = calloc(max, sizeof(*st)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = parse_header((const char *)d->in, hend, st, max, &ns, mac, &covered)) ||
	    (rc = unwrap(st, ns, privs, n, file_key)))
		goto out;
	if ((rc = header_mac(file_key, d->in, covered, want)))
		goto out;
	if (!cy_memeq(want, mac, sizeof(mac))) {
		rc = cy_error_set(CY_ECORRUPT,
				  "age: the header MAC does not match: the package was altered");
		goto out;
	}
	if ((rc = fill(d, hend + NONCE_LEN)))
		goto out;
	if (d->inlen < hend + NONCE_LEN) {
		rc = bad_header("the package was cut short: the payload nonce is missing");
		goto out;
	}
	if ((rc = payload_aead(file_key, d->in + hend, &d->aead)))
		goto out;
	d->inlen -= hend + NONCE_LEN;
	memmove(d->in, d->in + hend + NONCE_LEN, d->inlen);
out:
	cy_wipe(file_key, sizeof(file_key));
	if (st) {
		cy_wipe(st, max * sizeof(*st));
		free(st);
	}
	if (rc)
		cy_age_dec_free(d);
	else
		*out = d;
	return rc;
}

static long dec_fail(cy_age_dec *d, int rc)
{
	d->err = rc;
	return rc;
}

/* Open the next chunk into out (room for CHUNK bytes); *n its length. */
static int next_chunk(cy_age_dec *d, uint8_t *out, size_t *n)
{
	uint8_t nonce[CY_AEAD_NONCE_LEN];
	size_t len;
	bool last;
	int rc;

	if ((rc = fill(d, sizeof(d->in))))
		return rc;
	last = d->inlen <= ENC_CHUNK;
	len = last ? d->inlen : ENC_CHUNK;
	if (last && len == 0 && d->counter)
		return cy_error_set(CY_ECORRUPT,
				    "age: the package was cut short: the final chunk is missing");
	if (last && len < TAG)
		return cy_error_set(CY_ECORRUPT, "age: the package was cut short inside chunk %llu",
				    (unsigned long long)d->counter + 1);
	if (last && len == TAG && d->counter)
		return cy_error_set(CY_ECORRUPT, "age: the final chunk is empty (not allowed "
						 "after a non-empty one)");
	if (d->counter == UINT64_MAX)
		return cy_error_set(CY_ECORRUPT, "age: too many chunks");
	chunk_nonce(d->counter, last, nonce);
	if (cy_aead_open(d->aead, nonce, NULL, 0, d->in, len, out)) {
		/* say why, when the other flag would have opened it */
		chunk_nonce(d->counter, !last, nonce);
		if (len == ENC_CHUNK && !cy_aead_open(d->aead, nonce, NULL, 0, d->in, len, out)) {
			/* A verified final chunk with data after it, or a verified full
			 * chunk that is not the final one at the end of input: the chunk
			 * is sound, so its plaintext is handed out (as age does) and the
			 * next read fails. */
			d->pending = last ? PENDING_CUT : PENDING_TRAILING;
			d->counter++;
			d->inlen = 0;
			*n = len - TAG;
			return 0;
		}
		if (last && len < ENC_CHUNK)
			return cy_error_set(CY_ECORRUPT,
					    "age: the final chunk (%llu) failed authentication: the "
					    "package was cut short, altered or damaged",
					    (unsigned long long)d->counter + 1);
		return cy_error_set(CY_ECORRUPT,
				    "age: chunk %llu failed authentication: the package was "
				    "altered or damaged",
				    (unsigned long long)d->counter + 1);
	}
	d->counter++;
	*n = len - TAG;
	if (last) {
		d->inlen = 0;
		d->done = true;
	} else {
		d->in[0] = d->in[ENC_CHUNK];
		d->inlen = 1;
	}
	return 0;
}

long cy_age_dec_read(cy_age_dec *d, void *buf, size_t n)
{
	int rc;

	if (d->err)
		return d->err;
	if (n == 0)
		return 0;
	if (n > (size_t)LONG_MAX)
		n = (size_t)LONG_MAX;
	while (d->ptpos == d->ptlen) {
		size_t got = 0;

		if (d->done)
			return 0;
		if (d->pending == PENDING_TRAILING)
			return dec_fail(d, cy_error_set(CY_ECORRUPT, "age: data after the end of "
								     "the encrypted payload"));
		if (d->pending == PENDING_CUT)
			return dec_fail(d, cy_error_set(CY_ECORRUPT,
							"age: the package was cut short after "
							"chunk %llu: the final chunk is missing",
							(unsigned long long)d->counter));
		if (n >= CHUNK) {
			/* straight into the caller's buffer */
			if ((rc = next_chunk(d, buf, &got)))
				return dec_fail(d, rc);
			if (got)
				return (long)got;
			continue;
		}
		if ((rc = next_chunk(d, d->pt, &got)))
			return dec_fail(d, rc);
		d->ptpos = 0;
		d->ptlen = got;
	}
	size_t take = d->ptlen - d->ptpos < n ? d->ptlen - d->ptpos : n;
	memcpy(buf, d->pt + d->ptpos, take);
	d->ptpos += take;
	if (d->ptpos == d->ptlen) {
		cy_wipe(d->pt, d->ptlen);
		d->ptpos = d->ptlen = 0;
	}
	return (long)take;
}

void cy_age_dec_free(cy_age_dec *d)
{
	if (!d)
		return;
	cy_aead_free(d->aead);
	cy_wipe(d->pt, sizeof(d->pt));
	free(d);
}
