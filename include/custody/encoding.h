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
