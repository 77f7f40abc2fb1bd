/* encoding.c - hex, base64, UTF-8 validation, JSON string escaping. */
#include <string.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char HEX[] = "0123456789abcdef";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void cy_hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = HEX[in[i] >> 4];
		out[2 * i + 1] = HEX[in[i] & 15];
	}
	out[2 * n] = '\0';
}

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

int cy_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t n)
{
	if (inlen != 2 * n)
		return cy_error_set(CY_EINVALID, "hex string has %zu digits, expected %zu", inlen,
				    2 * n);
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return cy_error_set(CY_EINVALID, "not a hex digit at position %zu", 2 * i);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int cy_base64_encode(const uint8_t *in, size_t n, cy_buf *out)
{
	int rc = cy_buf_grow(out, (n + 2) / 3 * 4);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;
		char q[4];

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		q[0] = B64[v >> 18 & 63];
		q[1] = B64[v >> 12 & 63];
		q[2] = left > 1 ? B64[v >> 6 & 63] : '=';
		q[3] = left > 2 ? B64[v & 63] : '=';
		cy_buf_put(out, q, 4);
	}
	return 0;
}

static int b64val(char c)
{
	const char *p = c ? strchr(B64, c) : NULL;

	return p ? (int)(p - B64) : -1;
}

int cy_base64_decode(const char *in, size_t n, cy_buf *out)
{
	if (n % 4)
		return cy_error_set(CY_EINVALID, "base64 length %zu is not a multiple of 4", n);
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		uint8_t o[3];

		for (int j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad)
				return cy_error_set(CY_EINVALID, "bad base64 padding");
			v[j] = b64val(in[i + j]);
			if (v[j] < 0)
				return cy_error_set(CY_EINVALID, "bad base64 character");
		}
		if (pad == 1 && in[i + 2] == '=')
			return cy_error_set(CY_EINVALID, "bad base64 padding");
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		/* non-canonical encodings (bits set under padding) are rejected */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return cy_error_set(CY_EINVALID, "non-canonical base64");
		o[0] = (uint8_t)(w >> 16);
		o[1] = (uint8_t)(w >> 8);
		o[2] = (uint8_t)w;
		int rc = cy_buf_put(out, o, (size_t)(3 - pad));
		if (rc)
			return rc;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

bool cy_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

int cy_json_str(cy_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* start of the bytes that go out as they are */
	int rc = cy_buf_grow(out, n + 2);

	rc = rc ? rc : cy_buf_putc(out, '"');
	for (size_t i = 0; !rc && i < n;) {
		unsigned c = p[i];
		size_t k;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++; /* plain ASCII: copied with its run */
			continue;
		}
		if (c >= 0x80 && (k = utf8_seq(p + i, n - i)) != 0) {
			i += k;
			continue;
		}
		rc = cy_buf_put(out, p + run, i - run);
		if (rc)
			break;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			rc = cy_buf_put(out, e, 2);
		} else if (c < 0x20) {
			switch (c) {
			case '\n':
				rc = cy_buf_puts(out, "\\n");
				break;
			case '\r':
				rc = cy_buf_puts(out, "\\r");
				break;
			case '\t':
				rc = cy_buf_puts(out, "\\t");
				break;
			default:
				rc = cy_buf_printf(out, "\\u%04x", c);
				break;
			}
		} else {
			rc = cy_buf_puts(out, "\xef\xbf\xbd"); /* not UTF-8: U+FFFD */
		}
		run = ++i;
	}
	rc = rc ? rc : cy_buf_put(out, p + run, n - run);
	return rc ? rc : cy_buf_putc(out, '"');
}

int cy_json_cstr(cy_buf *out, const char *s)
{
	return cy_json_str(out, s ? s : "", s ? strlen(s) : 0);
}

/* The code point of a valid sequence of k bytes. */
static uint32_t utf8_cp(const unsigned char *p, size_t k)
{
	switch (k) {
	case 1:
		return p[0];
	case 2:
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	case 3:
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	default:
		return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
		       (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	}
}

/* Code points that steer a terminal or the order in which text is shown. */
static bool cp_unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e ||
	       c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

int cy_text_safe(cy_buf *out, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;
	int rc = cy_buf_grow(out, n);

	for (size_t i = 0; !rc && i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		uint32_t c = 0;

		if (k && !cp_unsafe(c = utf8_cp(p + i, k))) {
			i += k;
			continue;
		}
		if (k == 1 && c == '\n' && (flags & CY_TEXT_LINES)) {
			i++;
			continue;
		}
		rc = cy_buf_put(out, p + run, i - run);
		if (rc)
			break;
		if (!k && (flags & CY_TEXT_JSON)) {
			rc = cy_buf_puts(out, "\\ufffd");
			k = 1;
		} else if (!k || (c < 0x80 && !(flags & CY_TEXT_JSON))) {
			rc = cy_buf_printf(out, "\\x%02x", p[i]);
			k = k ? k : 1;
		} else {
			rc = cy_buf_printf(out, "\\u%04x", (unsigned)c);
		}
		i += k;
		run = i;
	}
	rc = rc ? rc : cy_buf_put(out, p + run, n - run);
	return rc;
}

bool cy_text_is_safe(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (!k || cp_unsafe(utf8_cp(p + i, k)))
			return false;
		i += k;
	}
	return true;
}

int cy_html_text(cy_buf *b, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		switch (*s) {
		case '<':
			rc = cy_buf_puts(b, "&lt;");
			break;
		case '>':
			rc = cy_buf_puts(b, "&gt;");
			break;
		case '&':
			rc = cy_buf_puts(b, "&amp;");
			break;
		case '"':
			rc = cy_buf_puts(b, "&quot;");
			break;
		case '\'':
			rc = cy_buf_puts(b, "&#39;");
			break;
		default:
			rc = cy_buf_putc(b, *s);
		}
	}
	return rc;
}
