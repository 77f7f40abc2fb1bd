/* buf.h - growable byte buffer, the one way custody grows strings and bytes.
 *
 * A cy_buf always keeps a NUL after its `len` bytes, so `ptr` can be used as a
 * C string when the content is text.  Lifecycle: cy_buf_init (or CY_BUF_INIT),
 * then cy_buf_release to free the contents.  Buffers holding secrets are
 * released with cy_buf_wipe, which zeroes before freeing. */
#ifndef CUSTODY_BUF_H
#define CUSTODY_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cy_buf {
	uint8_t *ptr;
	size_t len;
	size_t cap;
} cy_buf;

#define CY_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void cy_buf_init(cy_buf *b);
void cy_buf_release(cy_buf *b);
/* Zero the whole allocation, then free it. */
void cy_buf_wipe(cy_buf *b);
/* A buffer that failed to grow stays failed: it holds nothing (its old
 * contents wiped and freed) and every later append returns CY_ENOMEM, until
 * cy_buf_release.  True in that state. */
int cy_buf_failed(const cy_buf *b);
/* Ensure room for `extra` more bytes (plus the NUL). */
int cy_buf_grow(cy_buf *b, size_t extra);
int cy_buf_put(cy_buf *b, const void *data, size_t n);
int cy_buf_puts(cy_buf *b, const char *s);
int cy_buf_putc(cy_buf *b, char c);
int cy_buf_printf(cy_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cy_buf_vprintf(cy_buf *b, const char *fmt, va_list ap);
/* Big-endian integers. */
int cy_buf_put_u8(cy_buf *b, uint8_t v);
int cy_buf_put_u32be(cy_buf *b, uint32_t v);
int cy_buf_put_u64be(cy_buf *b, uint64_t v);
/* Set len to 0, keep the allocation. */
void cy_buf_clear(cy_buf *b);
/* Give up the contents: returns ptr (caller frees), buffer becomes empty. */
char *cy_buf_detach(cy_buf *b);
/* The content as a C string ("" when empty); borrowed. */
const char *cy_buf_cstr(const cy_buf *b);

#endif
