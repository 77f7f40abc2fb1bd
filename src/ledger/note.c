/* note.c - C2SP signed notes (Ed25519, signature type 0x01) and C2SP
 * tlog-checkpoint bodies: the text form in which the ledger's signed tree
 * heads are stored and handed to outsiders.
 *
 * Everything here parses outside input and is fuzzed (tests/fuzz/fuzz_note.c):
 * lengths are checked before every access, nothing is NUL-terminated on trust,
 * and every rejection says which rule the input broke.  Malformed input is
 * CY_EINVALID; well-formed input that fails a signature is CY_ECORRUPT.  The
 * formats are in docs/formats/ledger.md. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/note.h"

#include "custody/banned.h"

#define SIG_TYPE_ED25519 0x01
#define MAX_SIG_LINES 100
/* A signature line starts with U+2014 EM DASH and a space. */
static const char SIG_PREFIX[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof(SIG_PREFIX) - 1)
/* base64 of 32 bytes */
#define ROOT_B64_LEN 44

/* Decode the code point at s[*i] (s already known to be valid UTF-8). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	uint32_t c = s[*i];
	size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	if (k > n - *i)
		k = n - *i; /* not reached for valid input; keeps the read in bounds */
	if (k == 2)
		c &= 0x1f;
	else if (k == 3)
		c &= 0x0f;
	else if (k == 4)
		c &= 0x07;
	for (size_t j = 1; j < k; j++)
		c = c << 6 | (s[*i + j] & 0x3f);
	*i += k;
	return c;
}

/* Unicode White_Space, as Go's unicode.IsSpace (which C2SP's reference
 * implementation uses for key names). */
static bool is_unicode_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
	       c == 0x205f || c == 0x3000;
}

/* The characters of a key name: non-empty, UTF-8, without Unicode spaces,
 * '+' or control characters.  `what` names it in errors. */
static int check_name_chars(const char *name, size_t n, const char *what)
{
	const unsigned char *s = (const unsigned char *)name;

	if (n == 0)
		return cy_error_set(CY_EINVALID, "%s: key name is empty", what);
	if (!cy_utf8_valid(name, n))
		return cy_error_set(CY_EINVALID, "%s: key name is not valid UTF-8", what);
	for (size_t i = 0; i < n;) {
		uint32_t c = utf8_next(s, n, &i);

		if (c == '+')
			return cy_error_set(CY_EINVALID, "%s: key name contains '+'", what);
		if (is_unicode_space(c))
			return cy_error_set(CY_EINVALID, "%s: key name contains a space (U+%04X)",
					    what, (unsigned)c);
		if (c < 0x20)
			return cy_error_set(CY_EINVALID,
					    "%s: key name contains control character 0x%02x", what,
					    (unsigned)c);
	}
	return 0;
}

/* A name we sign with or verify against: also at most CY_NOTE_NAME_MAX bytes. */
static int check_name(const char *name, size_t n, const char *what)
{
	if (n > CY_NOTE_NAME_MAX)
		return cy_error_set(CY_EINVALID, "%s: key name is %zu bytes, at most %d allowed",
				    what, n, CY_NOTE_NAME_MAX);
	return check_name_chars(name, n, what);
}

/* Note text rules shared by signing and opening: UTF-8, and no control
 * characters but '\n'.  A '\r' gets its own message: it is what a note that
 * went through a Windows editor or a text-mode transfer looks like. */
static int check_text(const char *s, size_t n, const char *what)
{
	if (!cy_utf8_valid(s, n))
		return cy_error_set(CY_EINVALID, "%s is not valid UTF-8", what);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			return cy_error_set(CY_EINVALID,
					    "%s contains a carriage return at byte %zu (CRLF line "
					    "endings are not allowed)",
					    what, i);
		if (c < 0x20 && c != '\n')
			return cy_error_set(CY_EINVALID,
					    "%s contains control character 0x%02x at byte %zu",
					    what, c, i);
	}
	return 0;
}

/* The body of a note: non-empty, ending in '\n', not ending in an empty line
 * (so that exactly one blank line separates it from the signatures). */
static int check_body(const char *body, size_t n, const char *what)
{
	if (n == 0)
		return cy_error_set(CY_EINVALID, "%s is empty", what);
	if (body[n - 1] != '\n')
		return cy_error_set(CY_EINVALID, "%s does not end in a newline", what);
	if (n == 1 || body[n - 2] == '\n')
		return cy_error_set(CY_EINVALID, "%s ends in an empty line", what);
	return check_text(body, n, what);
}

/* SHA-256(name || '\n' || 0x01 || pub)[:4], big-endian.  n <= CY_NOTE_NAME_MAX. */
static uint32_t key_id(const char *name, size_t n, const uint8_t pub[32])
{
	uint8_t tmp[CY_NOTE_NAME_MAX + 2 + CY_ED25519_PUB_LEN];
	uint8_t h[CY_HASH_LEN];

	memcpy(tmp, name, n);
	tmp[n] = '\n';
	tmp[n + 1] = SIG_TYPE_ED25519;
	memcpy(tmp + n + 2, pub, CY_ED25519_PUB_LEN);
	cy_sha256(tmp, n + 2 + CY_ED25519_PUB_LEN, h);
	return cy_load_u32be(h);
}

int cy_note_verifier_init(cy_note_verifier *v, const char *name, const uint8_t pub[32])
{
	size_t n;
	int rc;

	if (!v || !name || !pub)
		return cy_error_set(CY_EINVALID, "note verifier: missing argument");
	n = strlen(name);
	if ((rc = check_name(name, n, "note verifier")))
		return rc;
	memset(v, 0, sizeof(*v));
	memcpy(v->name, name, n);
	memcpy(v->pub, pub, CY_ED25519_PUB_LEN);
	v->key_id = key_id(name, n, pub);
	return 0;
}

int cy_note_vkey(const char *name, const uint8_t pub[32], cy_buf *out)
{
	cy_note_verifier v;
	uint8_t typed[1 + CY_ED25519_PUB_LEN];
	size_t mark;
	int rc;

	if (!out)
		return cy_error_set(CY_EINVALID, "verifier key: missing argument");
	if ((rc = cy_note_verifier_init(&v, name, pub)))
		return rc;
	typed[0] = SIG_TYPE_ED25519;
	memcpy(typed + 1, pub, CY_ED25519_PUB_LEN);
	mark = out->len;
	if ((rc = cy_buf_printf(out, "%s+%08x+", v.name, (unsigned)v.key_id)) ||
	    (rc = cy_base64_encode(typed, sizeof(typed), out))) {
		if (out->ptr) {
			out->len = mark;
			out->ptr[mark] = 0;
		}
		return rc;
	}
	return 0;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int cy_note_vkey_parse(const char *vkey, size_t n, cy_note_verifier *out)
{
	cy_note_verifier v;
	cy_buf key = CY_BUF_INIT;
	const char *plus, *id, *b64;
	size_t name_len;
	uint8_t idb[4];
	uint32_t want;
	int rc;

	if (!vkey || !out)
		return cy_error_set(CY_EINVALID, "verifier key: missing argument");
	plus = memchr(vkey, '+', n);
	if (!plus)
		return cy_error_set(
			CY_EINVALID,
			"verifier key: expected <name>+<key id>+<base64 key>, found no '+'");
	name_len = (size_t)(plus - vkey);
	if ((rc = check_name(vkey, name_len, "verifier key")))
		return rc;
	id = plus + 1;
	if ((size_t)(vkey + n - id) < 9 || id[8] != '+')
		return cy_error_set(CY_EINVALID,
				    "verifier key: key id must be 8 hex digits followed by '+'");
	for (int i = 0; i < 8; i++) {
		if (!is_lower_hex(id[i]))
			return cy_error_set(CY_EINVALID,
					    "verifier key: key id must be 8 lower-case hex digits");
	}
	b64 = id + 9;
	if ((rc = cy_base64_decode(b64, (size_t)(vkey + n - b64), &key))) {
		cy_error_set(rc, "verifier key: public key is not valid base64");
		goto out;
	}
	if (key.len == 0) {
		rc = cy_error_set(CY_EINVALID, "verifier key: public key is empty");
		goto out;
	}
	if (key.ptr[0] != SIG_TYPE_ED25519) {
		rc = cy_error_set(
			CY_EUNSUPPORTED,
			"verifier key: signature type 0x%02x is not supported (only Ed25519, "
			"0x01)",
			key.ptr[0]);
		goto out;
	}
	if (key.len != 1 + CY_ED25519_PUB_LEN) {
		rc = cy_error_set(CY_EINVALID,
				  "verifier key: Ed25519 key is %zu bytes, expected 32",
				  key.len - 1);
		goto out;
	}
	memset(&v, 0, sizeof(v));
	memcpy(v.name, vkey, name_len);
	memcpy(v.pub, key.ptr + 1, CY_ED25519_PUB_LEN);
	cy_hex_decode(id, 8, idb, 4); /* digits checked above */
	v.key_id = cy_load_u32be(idb);
	want = key_id(v.name, name_len, v.pub);
	if (v.key_id != want) {
		rc = cy_error_set(CY_EINVALID,
				  "verifier key: key id %08x does not match the key (expected %08x)",
				  (unsigned)v.key_id, (unsigned)want);
		goto out;
	}
	*out = v;
	rc = 0;
out:
	cy_buf_release(&key);
	return rc;
}

int cy_note_sign(const char *body, size_t n, const char *name, const uint8_t seed[32], cy_buf *out)
{
	cy_note_verifier v;
	uint8_t pub[CY_ED25519_PUB_LEN];
	uint8_t sig[4 + CY_ED25519_SIG_LEN];
	size_t mark = out ? out->len : 0;
	int rc;

	if (!body || !name || !seed || !out)
		return cy_error_set(CY_EINVALID, "note: missing argument");
	if ((rc = check_body(body, n, "note text")))
		return rc;
	if ((rc = cy_ed25519_public(seed, pub)))
		return rc;
	if ((rc = cy_note_verifier_init(&v, name, pub)))
		return rc;
	cy_store_u32be(sig, v.key_id);
	if ((rc = cy_ed25519_sign(seed, body, n, sig + 4)))
		return rc;
	if ((rc = cy_buf_put(out, body, n)) || (rc = cy_buf_putc(out, '\n')) ||
	    (rc = cy_buf_put(out, SIG_PREFIX, SIG_PREFIX_LEN)) || (rc = cy_buf_puts(out, v.name)) ||
	    (rc = cy_buf_putc(out, ' ')) || (rc = cy_base64_encode(sig, sizeof(sig), out)) ||
	    (rc = cy_buf_putc(out, '\n'))) {
		if (out->ptr) {
			out->len = mark;
			out->ptr[mark] = 0;
		}
		return rc;
	}
	return 0;
}

/* Find the last "\n\n" in s[0..n): its offset in *at. */
static bool last_blank(const char *s, size_t n, size_t *at)
{
	for (size_t i = n; i >= 2; i--) {
		if (s[i - 1] == '\n' && s[i - 2] == '\n') {
			*at = i - 2;
			return true;
		}
	}
	return false;
}

int cy_note_open(const char *note, size_t n, const cy_note_verifier *v, cy_buf *body_out)
{
	cy_buf sig = CY_BUF_INIT;
	const char *text, *p, *end;
	size_t split, text_len, vname_len, lineno = 0;
	bool good = false, bad = false, seen = false;
	int rc;

	if (!note || !v || !body_out)
		return cy_error_set(CY_EINVALID, "note: missing argument");
	vname_len = strnlen(v->name, sizeof(v->name));
	if (vname_len == sizeof(v->name))
		return cy_error_set(CY_EINVALID, "note verifier: name is not terminated");
	if ((rc = check_name(v->name, vname_len, "note verifier")))
		return rc;
	if ((rc = check_text(note, n, "note")))
		return rc;
	/* C2SP: the text is separated from the signatures by the last empty line. */
	if (!last_blank(note, n, &split))
		return cy_error_set(CY_EINVALID, "note has no blank line before its signatures");
	text = note;
	text_len = split + 1;
	if (text_len == 1)
		return cy_error_set(CY_EINVALID, "note text is empty");
	if (text[text_len - 2] == '\n')
		return cy_error_set(CY_EINVALID,
				    "note has more than one blank line before its signatures");
	p = note + text_len + 1;
	end = note + n;
	if (p == end)
		return cy_error_set(CY_EINVALID, "note has no signature lines");
	if (end[-1] != '\n')
		return cy_error_set(CY_EINVALID, "note does not end in a newline");

	/* Syntax errors anywhere win over signature failures, so the result does
	 * not depend on the order of the lines: a failed signature is remembered
	 * and reported once every line has been parsed. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *name, *sp, *b64;
		size_t name_len, b64_len;
		uint32_t id;
		char what[48];

		lineno++;
		if (lineno > MAX_SIG_LINES) {
			rc = cy_error_set(CY_EINVALID, "note has more than %d signature lines",
					  MAX_SIG_LINES);
			goto out;
		}
		if ((size_t)(nl - p) < SIG_PREFIX_LEN || memcmp(p, SIG_PREFIX, SIG_PREFIX_LEN)) {
			rc = cy_error_set(
				CY_EINVALID,
				"note signature line %zu does not start with an em dash and a "
				"space",
				lineno);
			goto out;
		}
		name = p + SIG_PREFIX_LEN;
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (!sp) {
			rc = cy_error_set(CY_EINVALID,
					  "note signature line %zu has no space between name and "
					  "signature",
					  lineno);
			goto out;
		}
		/* A name longer than CY_NOTE_NAME_MAX cannot be v's; it only has to be
		 * well-formed. */
		name_len = (size_t)(sp - name);
		snprintf(what, sizeof(what), "note signature line %zu", lineno);
		if ((rc = check_name_chars(name, name_len, what)))
			goto out;
		b64 = sp + 1;
		b64_len = (size_t)(nl - b64);
		cy_buf_clear(&sig);
		if (b64_len == 0 || cy_base64_decode(b64, b64_len, &sig)) {
			rc = cy_error_set(CY_EINVALID,
					  "note signature line %zu: signature is not valid base64",
					  lineno);
			goto out;
		}
		if (sig.len < 5) {
			rc = cy_error_set(
				CY_EINVALID,
				"note signature line %zu: signature is %zu bytes, too short",
				lineno, sig.len);
			goto out;
		}
		id = cy_load_u32be(sig.ptr);
		/* Unknown keys, even sharing the name or the id of v, are ignored. */
		if (id == v->key_id && name_len == vname_len && !memcmp(name, v->name, vname_len)) {
			if (seen) {
				rc = cy_error_set(CY_EINVALID, "note has two signatures by %s+%08x",
						  v->name, (unsigned)v->key_id);
				goto out;
			}
			seen = true;
			if (sig.len != 4 + CY_ED25519_SIG_LEN) {
				bad = true;
			} else {
				rc = cy_ed25519_verify(v->pub, text, text_len, sig.ptr + 4);
				if (rc == 0)
					good = true;
				else if (rc == CY_ECORRUPT)
					bad = true;
				else
					goto out;
			}
		}
		p = nl + 1;
	}
	if (bad) {
		rc = cy_error_set(CY_ECORRUPT, "note signature by %s+%08x does not verify", v->name,
				  (unsigned)v->key_id);
		goto out;
	}
	if (!good) {
		rc = cy_error_set(CY_ECORRUPT, "note is not signed by %s+%08x", v->name,
				  (unsigned)v->key_id);
		goto out;
	}
	rc = cy_buf_put(body_out, text, text_len);
out:
	cy_buf_release(&sig);
	return rc;
}

int cy_checkpoint_format(const cy_checkpoint *cp, cy_buf *out)
{
	size_t olen, mark;
	int rc;

	if (!cp || !out)
		return cy_error_set(CY_EINVALID, "checkpoint: missing argument");
	olen = strnlen(cp->origin, sizeof(cp->origin));
	if (olen == 0)
		return cy_error_set(CY_EINVALID, "checkpoint: origin is empty");
	if (olen == sizeof(cp->origin))
		return cy_error_set(CY_EINVALID, "checkpoint: origin is not terminated");
	if ((rc = check_text(cp->origin, olen, "checkpoint origin")))
		return rc;
	if (memchr(cp->origin, '\n', olen))
		return cy_error_set(CY_EINVALID, "checkpoint origin contains a newline");
	mark = out->len;
	if ((rc = cy_buf_printf(out, "%s\n%llu\n", cp->origin, (unsigned long long)cp->size)) ||
	    (rc = cy_base64_encode(cp->root, sizeof(cp->root), out)) ||
	    (rc = cy_buf_putc(out, '\n'))) {
		if (out->ptr) {
			out->len = mark;
			out->ptr[mark] = 0;
		}
		return rc;
	}
	return 0;
}

/* The next line of s[*pos..n) without its '\n'; false at the end.  A last
 * line without '\n' is returned too (the caller rejects it). */
static bool next_line(const char *s, size_t n, size_t *pos, const char **line, size_t *len)
{
	const char *nl;

	if (*pos >= n)
		return false;
	*line = s + *pos;
	nl = memchr(*line, '\n', n - *pos);
	*len = nl ? (size_t)(nl - *line) : n - *pos;
	*pos += *len + 1;
	return true;
}

static int parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return cy_error_set(CY_EINVALID, "checkpoint tree size (line 2) is empty");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return cy_error_set(CY_EINVALID,
					    "checkpoint tree size (line 2) is not a decimal number");
	}
	if (n > 1 && s[0] == '0')
		return cy_error_set(CY_EINVALID,
				    "checkpoint tree size (line 2) has a leading zero");
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return cy_error_set(CY_EINVALID,
					    "checkpoint tree size (line 2) does not fit in 64 bits");
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int cy_checkpoint_parse(const char *body, size_t n, cy_checkpoint *out)
{
	cy_checkpoint cp;
	cy_buf root = CY_BUF_INIT;
	const char *line;
	size_t len, pos = 0, lineno = 3;
	int rc;

	if (!body || !out)
		return cy_error_set(CY_EINVALID, "checkpoint: missing argument");
	if (n == 0)
		return cy_error_set(CY_EINVALID, "checkpoint is empty");
	if (body[n - 1] != '\n')
		return cy_error_set(CY_EINVALID, "checkpoint does not end in a newline");
	if ((rc = check_text(body, n, "checkpoint")))
		return rc;
	memset(&cp, 0, sizeof(cp));

	next_line(body, n, &pos, &line, &len);
	if (len == 0)
		return cy_error_set(CY_EINVALID, "checkpoint origin (line 1) is empty");
	if (len > CY_NOTE_NAME_MAX)
		return cy_error_set(CY_EINVALID,
				    "checkpoint origin (line 1) is %zu bytes, at most %d", len,
				    CY_NOTE_NAME_MAX);
	memcpy(cp.origin, line, len);

	if (!next_line(body, n, &pos, &line, &len))
		return cy_error_set(CY_EINVALID, "checkpoint has no tree size (line 2)");
	if ((rc = parse_size(line, len, &cp.size)))
		return rc;

	if (!next_line(body, n, &pos, &line, &len))
		return cy_error_set(CY_EINVALID, "checkpoint has no root hash (line 3)");
	if (len != ROOT_B64_LEN || cy_base64_decode(line, len, &root) || root.len != 32) {
		rc = cy_error_set(CY_EINVALID,
				  "checkpoint root hash (line 3) is not the base64 of 32 bytes");
		goto out;
	}
	memcpy(cp.root, root.ptr, 32);

	while (next_line(body, n, &pos, &line, &len)) {
		lineno++;
		if (len == 0) {
			rc = cy_error_set(CY_EINVALID, "checkpoint extension line %zu is empty",
					  lineno);
			goto out;
		}
	}
	*out = cp;
	rc = 0;
out:
	cy_buf_release(&root);
	return rc;
}
