/* bagit_parse.c - the pure parsers of a bag's tag files: bagit.txt, manifests,
 * bag-info.txt, Payload-Oxum; the decoding of tag files from their declared
 * encoding; the path rules.  Buffers in, callbacks out, no file access: what
 * tests/fuzz/fuzz_bag_manifest.c and fuzz_bag_info.c drive. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

/* ---- paths ---------------------------------------------------------------------------------- */

bool cy_bag__path_clean(const char *p, size_t n, const char **why)
{
	size_t seg = 0;

	if (n == 0)
		return *why = "empty path", false;
	if (!cy_utf8_valid(p, n))
		return *why = "not UTF-8", false;
	if (p[0] == '/')
		return *why = "absolute path", false;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)p[i] : '/';
		if (c < 0x20 || c == 0x7f)
			return *why = "control character in the name", false;
		if (c == '\\')
			return *why = "backslash in the path (a Windows path?)", false;
		if (c != '/')
			continue;
		if (i == seg)
			return *why = "empty path segment", false;
		if (i - seg == 1 && p[seg] == '.')
			return *why = "'.' path segment", false;
		if (i - seg == 2 && p[seg] == '.' && p[seg + 1] == '.')
			return *why = "'..' path segment (escapes the directory)", false;
		seg = i + 1;
	}
	return true;
}

int cy_bag__fold_key(const char *p, size_t n, cy_buf *out)
{
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t len;
	int rc;

	cy_buf_clear(out);
	len = utf8proc_map((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, &m,
			   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	if (len < 0) {
		free(m);
		if (len == UTF8PROC_ERROR_NOMEM)
			return cy_error_set(CY_ENOMEM, "out of memory");
		return cy_error_set(CY_EINVALID, "name is not UTF-8: %s", utf8proc_errmsg(len));
	}
	rc = cy_buf_put(out, m, (size_t)len);
	free(m);
	return rc;
}

/* ---- lines ---------------------------------------------------------------------------------- */

/* The next line of text[*at..n): [*s, *e) without its end (LF, CR or CRLF). */
static bool next_line(const char *t, size_t n, size_t *at, size_t *s, size_t *e)
{
	size_t i = *at;

	if (i >= n)
		return false;
	*s = i;
	while (i < n && t[i] != '\n' && t[i] != '\r')
		i++;
	*e = i;
	if (i < n && t[i] == '\r')
		i++;
	if (i < n && t[i] == '\n' && (i == *e || t[i - 1] == '\r'))
		i++;
	*at = i;
	return true;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- bagit.txt ------------------------------------------------------------------------------ */

static bool parse_version(const char *v, size_t n, int *major, int *minor)
{
	size_t i = 0, d;
	long a = 0, b = 0;

	for (d = 0; i < n && v[i] >= '0' && v[i] <= '9' && d < 4; i++, d++)
		a = a * 10 + (v[i] - '0');
	if (!d || i >= n || v[i] != '.')
		return false;
	i++;
	for (d = 0; i < n && v[i] >= '0' && v[i] <= '9' && d < 4; i++, d++)
		b = b * 10 + (v[i] - '0');
	if (!d || i != n)
		return false;
	*major = (int)a;
	*minor = (int)b;
	return true;
}

int cy_bag__parse_decl(const uint8_t *buf, size_t n, cy_bag__decl *out,
		       void (*warn)(void *arg, const char *msg), void *arg)
{
	const char *t = (const char *)buf;
	size_t at = 0, s, e, lineno = 0;
	bool have_v = false, have_e = false;

	memset(out, 0, sizeof(*out));
	if (n >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
		return cy_error_set(CY_EINVALID, "bagit.txt begins with a byte order mark "
						 "(RFC 8493 2.1.1 forbids one)");
	if (!cy_utf8_valid(t, n) || memchr(t, 0, n))
		return cy_error_set(CY_EINVALID, "bagit.txt is not UTF-8 text");
	while (next_line(t, n, &at, &s, &e)) {
		const char *colon, *v;
		size_t ll = e - s, vl;

		lineno++;
		if (ll == 0)
			continue;
		colon = memchr(t + s, ':', ll);
		if (!colon)
			return cy_error_set(CY_EINVALID, "bagit.txt line %zu: no ':'", lineno);
		if (colon > t + s && blank(colon[-1]))
			return cy_error_set(CY_EINVALID,
					    "bagit.txt line %zu: white space before ':' "
					    "(RFC 8493 2.1.1: \"BagIt-Version: M.N\")",
					    lineno);
		if ((size_t)(colon - (t + s)) + 1 >= ll || colon[1] != ' ')
			return cy_error_set(CY_EINVALID,
					    "bagit.txt line %zu: ':' must be followed by one space",
					    lineno);
		v = colon + 2;
		vl = (size_t)(t + e - v);
		while (vl && blank(v[vl - 1]))
			vl--;
		if ((size_t)(colon - (t + s)) == 13 && !memcmp(t + s, "BagIt-Version", 13)) {
			if (have_v)
				return cy_error_set(CY_EINVALID,
						    "bagit.txt: BagIt-Version given twice");
			if (have_e && warn)
				warn(arg, "bagit.txt: BagIt-Version should be the first line");
			if (!parse_version(v, vl, &out->major, &out->minor))
				return cy_error_set(CY_EINVALID,
						    "bagit.txt: BagIt-Version '%.*s' is not "
						    "MAJOR.MINOR",
						    (int)(vl > 20 ? 20 : vl), v);
			memcpy(out->version, v, vl < sizeof(out->version) ? vl : 0);
			have_v = true;
		} else if ((size_t)(colon - (t + s)) == 27 &&
			   !memcmp(t + s, "Tag-File-Character-Encoding", 27)) {
			if (have_e)
				return cy_error_set(CY_EINVALID,
						    "bagit.txt: Tag-File-Character-Encoding "
						    "given twice");
			if (vl == 0 || vl >= sizeof(out->encoding))
				return cy_error_set(CY_EINVALID,
						    "bagit.txt: Tag-File-Character-Encoding is "
						    "empty or too long");
			memcpy(out->encoding, v, vl);
			have_e = true;
		} else if (warn) {
			warn(arg, "bagit.txt: a line other than BagIt-Version and "
				  "Tag-File-Character-Encoding (ignored)");
		}
	}
	if (!have_v)
		return cy_error_set(CY_EINVALID, "bagit.txt has no BagIt-Version line");
	if (!have_e)
		return cy_error_set(CY_EINVALID,
				    "bagit.txt has no Tag-File-Character-Encoding line");
	return 0;
}

/* ---- text encodings ------------------------------------------------------------------------- */

static int put_cp(cy_buf *b, uint32_t c)
{
	utf8proc_uint8_t u[4];
	utf8proc_ssize_t k = utf8proc_encode_char((utf8proc_int32_t)c, u);

	return cy_buf_put(b, u, (size_t)k);
}

static bool enc_is(const char *e, const char *a, const char *b)
{
	return !strcasecmp(e, a) || (b && !strcasecmp(e, b));
}

int cy_bag__decode_text(const uint8_t *in, size_t n, const char *encoding, cy_buf *out,
			bool *had_bom)
{
	int rc = 0;

	cy_buf_clear(out);
	*had_bom = false;
	if (enc_is(encoding, "UTF-8", "UTF8")) {
		if (n >= 3 && in[0] == 0xef && in[1] == 0xbb && in[2] == 0xbf) {
			*had_bom = true;
			in += 3;
			n -= 3;
		}
		if (!cy_utf8_valid((const char *)in, n))
			return cy_error_set(CY_EINVALID, "not UTF-8");
		return cy_buf_put(out, in, n);
	}
	if (enc_is(encoding, "ISO-8859-1", "ISO8859-1") || enc_is(encoding, "latin1", "latin-1")) {
		for (size_t i = 0; i < n && !rc; i++)
			rc = put_cp(out, in[i]);
		return rc;
	}
	if (enc_is(encoding, "UTF-16", "UTF16") || enc_is(encoding, "UTF-16LE", "UTF-16BE")) {
		bool le = !strcasecmp(encoding, "UTF-16LE");
		size_t i = 0;

		if (n % 2)
			return cy_error_set(CY_EINVALID, "not UTF-16 (odd length)");
		if (n >= 2 &&
		    ((in[0] == 0xff && in[1] == 0xfe) || (in[0] == 0xfe && in[1] == 0xff))) {
			le = in[0] == 0xff;
			*had_bom = true;
			i = 2;
		}
		for (; i < n && !rc; i += 2) {
			uint32_t u = le ? (uint32_t)(in[i] | in[i + 1] << 8)
					: (uint32_t)(in[i] << 8 | in[i + 1]);
			if (u >= 0xd800 && u < 0xdc00) {
				uint32_t l;
				if (i + 3 >= n)
					return cy_error_set(CY_EINVALID,
							    "not UTF-16 (lone surrogate)");
				i += 2;
				l = le ? (uint32_t)(in[i] | in[i + 1] << 8)
				       : (uint32_t)(in[i] << 8 | in[i + 1]);
				if (l < 0xdc00 || l >= 0xe000)
					return cy_error_set(CY_EINVALID,
							    "not UTF-16 (lone surrogate)");
				u = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
			} else if (u >= 0xdc00 && u < 0xe000) {
				return cy_error_set(CY_EINVALID, "not UTF-16 (lone surrogate)");
			}
			rc = put_cp(out, u);
		}
		return rc;
	}
	return cy_error_set(CY_EUNSUPPORTED,
			    "tag file encoding '%s' is not supported (UTF-8, "
			    "UTF-16 and ISO-8859-1 are)",
			    encoding);
}

/* ---- manifests ------------------------------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cy_bag__parse_manifest(const char *t, size_t n, cy_bag__manifest_fn fn, void *arg)
{
	size_t at = 0, s, e, lineno = 0;
	cy_buf ck = CY_BUF_INIT, path = CY_BUF_INIT;
	int rc = 0;

	while (!rc && next_line(t, n, &at, &s, &e)) {
		size_t i = s, nb = 0;
		unsigned flags = 0;
		bool tab = false;

		lineno++;
		while (i < e && blank(t[i]))
			i++;
		if (i == e)
			continue; /* a blank line */
		if (i != s) {
			rc = cy_error_set(CY_EINVALID, "line %zu: starts with white space", lineno);
			break;
		}
		while (i < e && !blank(t[i]))
			i++;
		cy_buf_clear(&ck);
		if ((rc = cy_buf_put(&ck, t + s, i - s)))
			break;
		for (size_t k = 0; k < ck.len; k++)
			if (hexval((char)ck.ptr[k]) < 0) {
				rc = cy_error_set(CY_EINVALID,
						  "line %zu: the checksum is not hexadecimal",
						  lineno);
				break;
			}
		if (rc)
			break;
		while (i < e && blank(t[i]))
			tab |= t[i++] == '\t', nb++;
		if (i == e) {
			rc = cy_error_set(CY_EINVALID, "line %zu: no file path after the checksum",
					  lineno);
			break;
		}
		if (tab || nb > 1)
			flags |= CY_BAG__LINE_TAB;
		if (t[i] == '*') {
			flags |= CY_BAG__LINE_STAR;
			i++;
		}
		if (e - i >= 2 && t[i] == '.' && t[i + 1] == '/') {
			flags |= CY_BAG__LINE_DOTSLASH;
			i += 2;
		}
		cy_buf_clear(&path);
		for (; i < e && !rc; i++) {
			char c = t[i];
			if (c == '%' && e - i >= 3) {
				int h = hexval(t[i + 1]), l = hexval(t[i + 2]), v = h * 16 + l;
				if (h >= 0 && l >= 0 && (v == 0x0a || v == 0x0d || v == 0x25)) {
					c = (char)v;
					i += 2;
				}
			}
			rc = cy_buf_putc(&path, c);
		}
		if (!rc)
			rc = fn(arg, lineno, cy_buf_cstr(&ck), cy_buf_cstr(&path), path.len, flags);
	}
	cy_buf_release(&ck);
	cy_buf_release(&path);
	return rc;
}

bool cy_bag__manifest_name(const char *name, char alg[16], bool *tag)
{
	size_t n = strlen(name), p;

	*tag = !strncmp(name, "tagmanifest-", 12);
	p = *tag ? 12 : 9;
	if (!*tag && strncmp(name, "manifest-", 9))
		return false;
	if (n < p + 5 || strcmp(name + n - 4, ".txt") || n - 4 - p >= 16)
		return false;
	for (size_t i = p; i < n - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return false;
	memcpy(alg, name + p, n - 4 - p);
	alg[n - 4 - p] = '\0';
	return true;
}

/* ---- bag-info.txt --------------------------------------------------------------------------- */

int cy_bag__parse_info(const char *t, size_t n, cy_bag__info_fn fn, void *arg, bool *loose)
{
	size_t at = 0, s, e, lineno = 0, start = 0;
	cy_buf label = CY_BUF_INIT, value = CY_BUF_INIT;
	bool open = false;
	int rc = 0;

	*loose = false;
	while (!rc && next_line(t, n, &at, &s, &e)) {
		size_t i = s, ll;
		const char *colon;

		lineno++;
		if (s < e && blank(t[s])) {
			while (i < e && blank(t[i]))
				i++;
			if (i == e)
				continue; /* only blanks */
			if (!open) {
				rc = cy_error_set(CY_EINVALID,
						  "line %zu: a continuation line with no element "
						  "before it",
						  lineno);
				break;
			}
			while (e > i && blank(t[e - 1]))
				e--;
			if ((rc = cy_buf_putc(&value, ' ')) ||
			    (rc = cy_buf_put(&value, t + i, e - i)))
				break;
			continue;
		}
		if (s == e)
			continue; /* an empty line */
		if (open && (rc = fn(arg, start, cy_buf_cstr(&label), cy_buf_cstr(&value))))
			break;
		open = false;
		colon = memchr(t + s, ':', e - s);
		if (!colon) {
			rc = cy_error_set(CY_EINVALID, "line %zu: no ':' between label and value",
					  lineno);
			break;
		}
		ll = (size_t)(colon - (t + s));
		while (ll && blank(t[s + ll - 1]))
			ll--, *loose = true;
		if (!ll) {
			rc = cy_error_set(CY_EINVALID, "line %zu: empty label", lineno);
			break;
		}
		i = (size_t)(colon - t) + 1;
		if (i == e || !blank(t[i]) || (i + 1 < e && blank(t[i + 1])))
			*loose = true;
		while (i < e && blank(t[i]))
			i++;
		while (e > i && blank(t[e - 1]))
			e--;
		cy_buf_clear(&label);
		cy_buf_clear(&value);
		if ((rc = cy_buf_put(&label, t + s, ll)) || (rc = cy_buf_put(&value, t + i, e - i)))
			break;
		open = true;
		start = lineno;
	}
	if (!rc && open)
		rc = fn(arg, start, cy_buf_cstr(&label), cy_buf_cstr(&value));
	cy_buf_release(&label);
	cy_buf_release(&value);
	return rc;
}

int cy_bag__parse_oxum(const char *v, uint64_t *bytes, uint64_t *files)
{
	uint64_t a = 0, b = 0;
	const char *p = v;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (a > (UINT64_MAX - 9) / 10)
			goto bad;
		a = a * 10 + (uint64_t)(*p - '0');
	}
	if (*p++ != '.' || *p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (b > (UINT64_MAX - 9) / 10)
			goto bad;
		b = b * 10 + (uint64_t)(*p - '0');
	}
	if (*p)
		goto bad;
	*bytes = a;
	*files = b;
	return 0;
bad:
	return cy_error_set(CY_EINVALID, "Payload-Oxum '%.40s' is not OCTETS.STREAMS", v);
}
