/* fuzz_object.c - libFuzzer target for the encrypted object reader (docs/formats/object.md).
 *
 * Each input is used three ways, all under the fixed master key 00 01 .. 1f of the format's
 * test vectors and max_plain = 16 MiB:
 *   1. as an object: cy_object_open on the bytes as they are (header checks, truncation,
 *      tag failures; seeds in tests/fuzz/corpus/object/ are valid objects);
 *   2. as a recipe for an object that authenticates (what a holder of the key could write):
 *      chunks of fuzzer-chosen plaintext, sealed correctly, so the reader's logic after
 *      authentication (zstd decoding, last-flag and empty-chunk rules, size bound) is reached;
 *   3. as a file: sealed by the writer (compression mode from the last byte), then read back,
 *      which must give the input exactly.
 * Results must be 0 or a documented code, and a failed open must leave no output. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "store/object.h"
#include "store/object_internal.h"

#include "custody/banned.h"

#define MAX_PLAIN (16u << 20)

static const uint8_t master[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
				   0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
				   0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static const uint8_t key_id[8] = {'k', 'e', 'y', '-', '0', '0', '0', '1'};
static const uint8_t salt[16] = {0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
				 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Open obj; check the result codes and that failure leaves no output.  Returns the code. */
static int open_checked(const uint8_t *obj, size_t n, cy_buf *out)
{
	int rc = cy_object_open(master, MAX_PLAIN, obj, n, out);

	if (rc != 0 && rc != CY_EINVALID && rc != CY_ECORRUPT && rc != CY_EUNSUPPORTED)
		abort();
	if (rc != 0 && out->len != 0)
		abort();
	if (out->len > MAX_PLAIN)
		abort();
	return rc;
}

/* Recipe: byte 0 bit 0 = zstd flag, bit 1 = put the last flag on every chunk.  Then chunks,
 * each a 2-byte big-endian length L and plaintext: if L < 0x8000, the next L bytes; else a
 * full 64 KiB chunk repeating the next (L & 0xff) + 1 bytes.  The chunk after which no
 * length fits is the final one and gets the last flag (up to 8 chunks). */
static void authenticated(const uint8_t *data, size_t size)
{
	static uint8_t pt[CY_OBJ_CHUNK];
	uint8_t key[CY_KEY_LEN], hdr[CY_OBJ_HEADER_LEN] = {0}, nonce[CY_AEAD_NONCE_LEN];
	cy_buf obj = CY_BUF_INIT, out = CY_BUF_INIT;
	cy_aead *a = NULL;
	uint64_t i = 0;
	size_t pos = 1;
	bool final;

	if (size < 1)
		return;
	memcpy(hdr, "CYOBJ\0\r\n", 8);
	hdr[8] = 1;
	hdr[9] = 1;
	hdr[10] = data[0] & 1;
	hdr[11] = 16;
	memcpy(hdr + 16, key_id, 8);
	memcpy(hdr + 24, salt, 16);
	if (cy_hkdf_sha256(master, 32, salt, 16, "custody object v1", 17, key, 32) ||
	    cy_aead_new(&a, key) || cy_buf_put(&obj, hdr, sizeof(hdr)))
		abort();
	do {
		size_t len = 0, take;

		if (pos + 2 <= size) {
			unsigned l = (unsigned)data[pos] << 8 | data[pos + 1];

			pos += 2;
			if (l < 0x8000) {
				take = l < size - pos ? l : size - pos;
				memcpy(pt, data + pos, take);
				len = take;
				pos += take;
			} else {
				take = (l & 0xff) + 1;
				take = take < size - pos ? take : size - pos;
				len = CY_OBJ_CHUNK;
				memset(pt, 0, len);
				if (take) {
					size_t have = take;

					memcpy(pt, data + pos, take);
					for (; have < len; have *= 2)
						memcpy(pt + have, pt,
						       have < len - have ? have : len - have);
				}
				pos += take;
			}
		}
		final = pos + 2 > size;
		memset(nonce, 0, sizeof(nonce));
		cy_store_u64be(nonce + 3, i);
		nonce[11] = final || (data[0] & 2);
		if (cy_buf_grow(&obj, len + CY_AEAD_TAG_LEN) ||
		    cy_aead_seal(a, nonce, hdr, sizeof(hdr), pt, len, obj.ptr + obj.len))
			abort();
		obj.len += len + CY_AEAD_TAG_LEN;
		i++;
	} while (!final && i < 8);
	open_checked(obj.ptr, obj.len, &out);
	cy_aead_free(a);
	cy_wipe(key, sizeof(key));
	cy_buf_release(&obj);
	cy_buf_release(&out);
}

static int buf_sink(void *arg, const void *d, size_t n)
{
	return cy_buf_put(arg, d, n);
}

/* The last byte picks the compression mode (one writer per run keeps the target fast). */
static void roundtrip(const uint8_t *data, size_t size)
{
	int mode = size ? data[size - 1] % 3 - 1 : CY_OBJ_COMPRESS_AUTO;
	cy_buf obj = CY_BUF_INIT, out = CY_BUF_INIT;
	cy_objw *w;
	size_t half = size / 2;

	if (cy_store__objw_new_with_salt(&w, master, key_id, salt, mode, buf_sink, &obj) ||
	    cy_objw_write(w, data, half) || cy_objw_write(w, data + half, size - half) ||
	    cy_objw_finish(w, NULL))
		abort();
	cy_objw_free(w);
	if (open_checked(obj.ptr, obj.len, &out) != 0 || out.len != size ||
	    (size && memcmp(out.ptr, data, size) != 0))
		abort();
	cy_buf_release(&obj);
	cy_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cy_buf out = CY_BUF_INIT;
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	uint8_t *in = malloc(size ? size : 1);

	if (!in)
		return 0;
	if (size)
		memcpy(in, data, size);
	open_checked(in, size, &out);
	cy_buf_release(&out);
	authenticated(in, size);
	roundtrip(in, size);
	free(in);
	return 0;
}
