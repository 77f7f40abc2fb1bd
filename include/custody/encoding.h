/* encoding.h - hex, base64 (RFC 4648, padded), UTF-8 validation, JSON string
 * escaping, big-endian loads. Pure functions over bytes; no allocation except
 * through cy_buf. */
#ifndef CUSTODY_ENCODING_H
#define CUSTODY_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void cy_hex_encode(const uint8_t *in, size_t n, char *out);
/* Decode exactly 2n hex digits from `in` (either case) into out[n]. CY_EINVALID on bad input. */
int cy_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t n);

/* Append standard base64 with padding. */
int cy_base64_encode(const uint8_t *in, size_t n, cy_buf *out);
/* Strict decode of standard base64 with padding; appends to out. CY_EINVALID on bad input. */
int cy_base64_decode(const char *in, size_t n, cy_buf *out);

/* True if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool cy_utf8_valid(const char *s, size_t n);

/* Append s as a JSON string literal, quotes included.  Invalid UTF-8 bytes are
 * written as U+FFFD. */
int cy_json_str(cy_buf *out, const char *s, size_t n);
int cy_json_cstr(cy_buf *out, const char *s);
/* Append s as HTML text (< > & " ' escaped). */
int cy_html_text(cy_buf *b, const char *s);

/* Append s[0..n) to out for a terminal: what could steer the terminal or
 * reorder what the reader sees is shown escaped, the rest as it is.
 *  - C0 controls (U+0000..U+001F) as \xNN, except '\n' with CY_TEXT_LINES
 *    (a field that may span lines); DEL as \x7f;
 *  - C1 controls (U+0080..U+009F), the bidi embeddings, overrides and
 *    isolates (U+202A..U+202E, U+2066..U+2069), the marks U+200E, U+200F and
 *    U+061C, as \uNNNN;
 *  - each byte that is not part of valid UTF-8 as \xNN.
 * A backslash is kept as it is (so "\x1b" typed in a name reads the same as
 * an escaped ESC: the output stays harmless, not unambiguous).  The one
 * sanitiser for every string from the catalog or the file system that the
 * CLI prints (docs/security/hygiene.md).  0 or CY_ENOMEM. */
#define CY_TEXT_LINES 1u
/* For JSON text (where such characters can only stand inside strings): every
 * one as \uNNNN, a byte that is not UTF-8 as \ufffd, so the JSON means the
 * same and shows safely. */
#define CY_TEXT_JSON 2u
int cy_text_safe(cy_buf *out, const char *s, size_t n, unsigned flags);
/* Whether s[0..n) passes cy_text_safe unchanged (without CY_TEXT_LINES). */
bool cy_text_is_safe(const char *s, size_t n);

static inline uint32_t cy_load_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t cy_load_u64be(const uint8_t *p)
{
	return (uint64_t)cy_load_u32be(p) << 32 | cy_load_u32be(p + 4);
}

static inline void cy_store_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void cy_store_u64be(uint8_t *p, uint64_t v)
{
	cy_store_u32be(p, (uint32_t)(v >> 32));
	cy_store_u32be(p + 4, (uint32_t)v);
}

#endif
