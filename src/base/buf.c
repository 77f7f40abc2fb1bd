/* buf.c - growable byte buffer (see include/custody/buf.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/banned.h"

void cy_buf_init(cy_buf *b)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void cy_buf_release(cy_buf *b)
{
	free(b->ptr);
	cy_buf_init(b);
}

int cy_buf_failed(const cy_buf *b)
{
	return !b->ptr && b->cap == SIZE_MAX;
}

void cy_buf_wipe(cy_buf *b)
{
	if (b->ptr)
		explicit_bzero(b->ptr, b->cap); /* not optimised away, at memset speed */
	cy_buf_release(b);
}

int cy_buf_grow(cy_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (cy_buf_failed(b))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (extra > SIZE_MAX - b->len - 1)
		return cy_error_set(CY_ENOMEM, "buffer too large");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	/* the first allocation is exactly what was asked (callers that know the size
	 * presize); later ones double, so appends stay amortised O(1) */
	cap = b->cap ? b->cap : need > 64 ? need : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* a new block, the old one wiped before it is freed (as OpenSSL's
	 * BUF_MEM_grow_clean): realloc would leave a copy of what the buffer
	 * held, plaintext perhaps, in freed memory (CONVENTIONS.md) */
	p = malloc(cap);
	if (p && b->ptr) {
		memcpy(p, b->ptr, b->cap); /* all of it, as realloc would */
		explicit_bzero(b->ptr, b->cap);
		free(b->ptr);
		b->ptr = NULL;
	}
	if (!p) {
		/* sticky: the buffer gives up what it held (wiped, it may be
		 * plaintext) and every later append fails, so that a caller that
		 * appends several times and checks once never seals a buffer with
		 * a piece missing from its middle */
		if (b->ptr)
			explicit_bzero(b->ptr, b->cap);
		free(b->ptr);
		b->ptr = NULL;
		b->len = 0;
		b->cap = SIZE_MAX;
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	b->ptr = p;
	b->cap = cap;
	b->ptr[b->len] = 0;
	return 0;
}

int cy_buf_put(cy_buf *b, const void *data, size_t n)
{
	int rc;

	if (b->ptr && n < b->cap - b->len) { /* room for the bytes and the NUL */
		if (n)
			memcpy(b->ptr + b->len, data, n);
		b->len += n;
		b->ptr[b->len] = 0;
		return 0;
	}
	if ((rc = cy_buf_grow(b, n)))
		return rc;
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = 0;
	return 0;
}

int cy_buf_puts(cy_buf *b, const char *s)
{
	return cy_buf_put(b, s, strlen(s));
}

int cy_buf_putc(cy_buf *b, char c)
{
	return cy_buf_put(b, &c, 1);
}

int cy_buf_vprintf(cy_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return cy_error_set(CY_EINVALID, "bad format");
	rc = cy_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf((char *)b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int cy_buf_printf(cy_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cy_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int cy_buf_put_u8(cy_buf *b, uint8_t v)
{
	return cy_buf_put(b, &v, 1);
}

int cy_buf_put_u32be(cy_buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return cy_buf_put(b, x, 4);
}

int cy_buf_put_u64be(cy_buf *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	return cy_buf_put(b, x, 8);
}

void cy_buf_clear(cy_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = 0;
}

char *cy_buf_detach(cy_buf *b)
{
	char *p = (char *)b->ptr;

	if (!p && !cy_buf_failed(b)) /* a failed buffer gives NULL, not "" */
		p = calloc(1, 1);
	cy_buf_init(b);
	return p;
}

const char *cy_buf_cstr(const cy_buf *b)
{
	return b->ptr ? (const char *)b->ptr : "";
}
