/* test_object.c - the encrypted object format (src/store/object.c, docs/formats/object.md):
 * round trips over the sizes around chunk boundaries, every way the reader must refuse a
 * damaged stream, the AUTO compression decision, independence from how the streams are cut,
 * and the test vectors printed in object.md, rebuilt from the primitives. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "store/object.h"
#include "store/object_internal.h"
#include "testutil.h"

#include "custody/banned.h"

#define OBJECT_MD CY_SRCDIR "/docs/formats/object.md"
#define CHUNK CY_OBJ_CHUNK
#define CT (CHUNK + CY_AEAD_TAG_LEN)
#define HDR CY_OBJ_HEADER_LEN

static const uint8_t master[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
				   0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
				   0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static const uint8_t key_id[8] = {'k', 'e', 'y', '-', '0', '0', '0', '1'};
static const uint8_t salt[16] = {0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
				 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf};

/* ---- data and helpers ------------------------------------------------------------------------ */

enum kind { RANDOM, TEXT, PATTERN };

/* Deterministic data: xorshift noise (incompressible), text lines, or the vector pattern. */
static uint8_t *make_data(enum kind k, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	uint64_t x = 0x9E3779B97F4A7C15ull;
	size_t i = 0;

	assert_non_null(p);
	if (k == RANDOM) {
		for (; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (uint8_t)(x >> 32);
		}
	} else if (k == TEXT) {
		for (unsigned line = 0; i < n; line++) {
			char tmp[96];
			int len = snprintf(tmp, sizeof(tmp),
					   "record %u; fonds A-%u; customer file, retention 30y\n",
					   line, line % 97);

			for (int j = 0; j < len && i < n; j++)
				p[i++] = (uint8_t)tmp[j];
		}
	} else {
		for (; i < n; i++)
			p[i] = (uint8_t)(i * 31 + 7);
	}
	return p;
}

static int buf_sink(void *arg, const void *data, size_t n)
{
	return cy_buf_put(arg, data, n);
}

/* Seal with the fixed salt, writing in pieces of `piece` bytes (0 = one write). */
static int seal_split(int mode, const uint8_t *data, size_t n, size_t piece, cy_buf *out,
		      int *compressed)
{
	cy_objw *w;
	uint64_t stored = 0;
	int rc = cy_store__objw_new_with_salt(&w, master, key_id, salt, mode, buf_sink, out);

	if (rc)
		return rc;
	if (!piece)
		piece = n ? n : 1;
	for (size_t off = 0; off < n && !rc; off += piece)
		rc = cy_objw_write(w, data + off, n - off < piece ? n - off : piece);
	if (!rc)
		rc = cy_objw_finish(w, &stored);
	if (!rc)
		assert_int_equal(stored, out->len);
	if (compressed)
		*compressed = cy_objw_compressed(w);
	cy_objw_free(w);
	return rc;
}

/* Open with the reader fed in pieces of `piece` bytes (0 = one feed). */
static int open_split(const uint8_t *key, uint64_t max, const uint8_t *obj, size_t n, size_t piece,
		      cy_buf *out)
{
	cy_objr *r;
	int rc = cy_objr_new(&r, key, max, buf_sink, out);

	if (rc)
		return rc;
	if (!piece)
		piece = n ? n : 1;
	for (size_t off = 0; off < n && !rc; off += piece)
		rc = cy_objr_feed(r, obj + off, n - off < piece ? n - off : piece);
	if (!rc)
		rc = cy_objr_finish(r);
	cy_objr_free(r);
	return rc;
}

static size_t plain_size(size_t n)
{
	size_t chunks = n == 0 ? 1 : (n + CHUNK - 1) / CHUNK;

	return HDR + n + chunks * CY_AEAD_TAG_LEN;
}

/* ---- round trips ----------------------------------------------------------------------------- */

/* Seal and open n bytes of one kind in one mode; check the stored size and AUTO's choice. */
static void roundtrip_one(int mode, enum kind k, size_t n)
{
	uint8_t *data = make_data(k, n);
	cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT;
	int compressed = -2;

	assert_int_equal(seal_split(mode, data, n, 0, &obj, &compressed), 0);
	if (mode == CY_OBJ_COMPRESS_AUTO) {
		/* Noise, the empty object and one byte stay as they are; text is compressed. */
		assert_int_equal(compressed, k == TEXT && n >= 100);
	} else {
		assert_int_equal(compressed, mode);
	}
	if (!compressed)
		assert_int_equal(obj.len, plain_size(n));
	assert_int_equal(obj.ptr[10], compressed);
	assert_int_equal(cy_object_open(master, 0, obj.ptr, obj.len, &back), 0);
	assert_int_equal(back.len, n);
	if (n)
		assert_memory_equal(back.ptr, data, n);
	cy_buf_release(&obj);
	cy_buf_release(&back);
	free(data);
}

static void test_object_roundtrip_sizes(void **state)
{
	static const size_t sizes[] = {0, 1, 65535, 65536, 65537, 3 * 65536, 1048576 + 7};

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int k = RANDOM; k <= TEXT; k++)
			for (int mode = CY_OBJ_COMPRESS_AUTO; mode <= CY_OBJ_COMPRESS_ZSTD; mode++)
				roundtrip_one(mode, (enum kind)k, sizes[s]);
}

static void test_object_oneshot_helpers(void **state)
{
	uint8_t *data = make_data(TEXT, 300000);
	cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT, obj2 = CY_BUF_INIT;
	cy_obj_header h;

	(void)state;
	assert_int_equal(cy_object_seal(master, key_id, CY_OBJ_COMPRESS_AUTO, data, 300000, &obj),
			 0);
	assert_true(obj.len < 300000 / 4);
	assert_int_equal(cy_object_header_parse(obj.ptr, obj.len, &h), 0);
	assert_int_equal(h.version, 2); /* new objects are written in format 2 */
	assert_int_equal(h.alg, 1);
	assert_int_equal(h.flags, 1);
	assert_int_equal(h.chunk_log2, 16);
	assert_memory_equal(h.key_id, key_id, 8);
	/* A fresh salt per object: the same input never gives the same bytes. */
	assert_int_equal(cy_object_seal(master, key_id, CY_OBJ_COMPRESS_AUTO, data, 300000, &obj2),
			 0);
	assert_int_equal(obj.len, obj2.len);
	assert_memory_not_equal(obj.ptr + 24, obj2.ptr + 24, 16);
	assert_int_equal(cy_object_open(master, 300000, obj.ptr, obj.len, &back), 0);
	assert_int_equal(back.len, 300000);
	assert_memory_equal(back.ptr, data, 300000);
	/* cy_object_open appends. */
	assert_int_equal(cy_object_open(master, 0, obj2.ptr, obj2.len, &back), 0);
	assert_int_equal(back.len, 600000);
	cy_buf_release(&obj);
	cy_buf_release(&obj2);
	cy_buf_release(&back);
	free(data);
}

/* The bytes of an object do not depend on how the writer was fed, nor the plaintext on how
 * the reader was fed. */
static void split_one(int mode, enum kind k)
{
	static const size_t pieces[] = {1, 7, 4096, 65535, 65536, 65537, 100000};
	static const size_t rpieces[] = {1, 15, 16, 48, 49, CT - 1, CT, CT + 1, 200000};
	const size_t n = 3 * 65536 + 4321;
	uint8_t *data = make_data(k, n);
	cy_buf ref = CY_BUF_INIT, obj = CY_BUF_INIT, back = CY_BUF_INIT;

	assert_int_equal(seal_split(mode, data, n, 0, &ref, NULL), 0);
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		cy_buf_clear(&obj);
		assert_int_equal(seal_split(mode, data, n, pieces[i], &obj, NULL), 0);
		assert_int_equal(obj.len, ref.len);
		assert_memory_equal(obj.ptr, ref.ptr, ref.len);
	}
	for (size_t i = 0; i < sizeof(rpieces) / sizeof(rpieces[0]); i++) {
		cy_buf_clear(&back);
		assert_int_equal(open_split(master, 0, ref.ptr, ref.len, rpieces[i], &back), 0);
		assert_int_equal(back.len, n);
		assert_memory_equal(back.ptr, data, n);
	}
	cy_buf_release(&ref);
	cy_buf_release(&obj);
	cy_buf_release(&back);
	free(data);
}

static void test_object_split_invariance(void **state)
{
	(void)state;
	for (int k = RANDOM; k <= TEXT; k++)
		for (int mode = CY_OBJ_COMPRESS_AUTO; mode <= CY_OBJ_COMPRESS_ZSTD; mode++)
			split_one(mode, (enum kind)k);
}

/* ---- AUTO ------------------------------------------------------------------------------------ */

static int auto_decision(const char *magic, size_t magic_len, size_t n)
{
	uint8_t *data = make_data(TEXT, n);
	cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT;
	int compressed;

	memcpy(data, magic, magic_len);
	assert_int_equal(seal_split(CY_OBJ_COMPRESS_AUTO, data, n, 0, &obj, &compressed), 0);
	assert_int_equal(cy_object_open(master, 0, obj.ptr, obj.len, &back), 0);
	assert_int_equal(back.len, n);
	assert_memory_equal(back.ptr, data, n);
	cy_buf_release(&obj);
	cy_buf_release(&back);
	free(data);
	return compressed;
}

static void test_object_auto_decision(void **state)
{
	static const struct {
		const char *magic;
		size_t len;
	} packed[] = {
		{"\xFF\xD8\xFF\xE0", 4},
		{"\x89PNG\r\n\x1A\n", 8},
		{"GIF89a", 6},
		{"%PDF-1.7", 8},
		{"PK\x03\x04", 4},
		{"\x1F\x8B\x08", 3},
		{"BZh9", 4},
		{"\xFD"
		 "7zXZ\0",
		 6},
		{"\x28\xB5\x2F\xFD", 4},
		{"7z\xBC\xAF\x27\x1C", 6},
		{"Rar!\x1A\x07\x01", 7},
		{"RIFF\0\0\0\0WEBP", 12},
		{"\0\0\0\x20"
		 "ftypisom",
		 12},
		{"ID3\x04", 4},
	};
	cy_objw *w;
	cy_buf obj = CY_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(packed) / sizeof(packed[0]); i++) {
		assert_int_equal(auto_decision(packed[i].magic, packed[i].len, 200000), 0);
		assert_int_equal(auto_decision(packed[i].magic, packed[i].len, 3000), 0);
	}
	/* WAV is RIFF too, but raw PCM: it gets the trial, and this "audio" is text. */
	assert_int_equal(auto_decision("RIFF\0\0\0\0WAVE", 12, 200000), 1);
	assert_int_equal(auto_decision("BZh", 3, 200000), 1);
	assert_int_equal(auto_decision("", 0, 3000), 1);
	assert_int_equal(auto_decision("", 0, 65536), 1);
	assert_int_equal(auto_decision("", 0, 65537), 1);
	/* Undecided until 64 KiB are in or the object ends. */
	assert_int_equal(cy_store__objw_new_with_salt(&w, master, key_id, salt,
						      CY_OBJ_COMPRESS_AUTO, buf_sink, &obj),
			 0);
	assert_int_equal(cy_objw_compressed(w), CY_OBJ_COMPRESS_AUTO);
	assert_int_equal(cy_objw_write(w, "abc", 3), 0);
	assert_int_equal(cy_objw_compressed(w), CY_OBJ_COMPRESS_AUTO);
	assert_int_equal(obj.len, 0);
	assert_int_equal(cy_objw_finish(w, NULL), 0);
	assert_int_equal(cy_objw_compressed(w), 0);
	assert_int_equal(cy_objw_write(w, "abc", 3), CY_EINVALID);
	assert_int_equal(cy_objw_finish(w, NULL), CY_EINVALID);
	cy_objw_free(w);
	cy_objw_free(NULL);
	cy_buf_release(&obj);
	/* Half noise, half text: the first 64 KiB decide. */
	{
		uint8_t *data = make_data(TEXT, 200000), *noise = make_data(RANDOM, 65536);
		int c;

		memcpy(data, noise, 65536);
		assert_int_equal(seal_split(CY_OBJ_COMPRESS_AUTO, data, 200000, 1000, &obj, &c), 0);
		assert_int_equal(c, 0);
		cy_buf_release(&obj);
		free(data);
		free(noise);
	}
}

/* ---- damage ---------------------------------------------------------------------------------- */

struct counting {
	size_t bytes;
	int fail_after; /* fail on this call (1-based), 0 = never */
	int calls;
};

static int counting_sink(void *arg, const void *data, size_t n)
{
	struct counting *c = arg;

	(void)data;
	if (c->fail_after && ++c->calls >= c->fail_after)
		return cy_error_set(CY_ENOSPC, "test sink full");
	c->bytes += n;
	return 0;
}

/* Open obj streaming; returns the code, *released = plaintext bytes the sink got. */
static int open_count(const uint8_t *key, const uint8_t *obj, size_t n, size_t *released)
{
	struct counting c = {0, 0, 0};
	cy_objr *r;
	int rc = cy_objr_new(&r, key, 0, counting_sink, &c);

	assert_int_equal(rc, 0);
	rc = cy_objr_feed(r, obj, n);
	if (!rc)
		rc = cy_objr_finish(r);
	cy_objr_free(r);
	if (released)
		*released = c.bytes;
	return rc;
}

static void expect_corrupt(const uint8_t *obj, size_t n, const char *msg)
{
	cy_buf back = CY_BUF_INIT;

	assert_int_equal(cy_object_open(master, 0, obj, n, &back), CY_ECORRUPT);
	if (msg && !strstr(cy_error_message(), msg))
		fail_msg("error '%s' does not contain '%s'", cy_error_message(), msg);
	assert_int_equal(back.len, 0);
	cy_buf_release(&back);
}

static void test_object_tamper(void **state)
{
	const size_t n = 3 * 65536 + 1000; /* chunks 0..2 full, chunk 3 short and last */
	uint8_t *data = make_data(RANDOM, n), *bad;
	cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT;
	size_t released;

	(void)state;
	assert_int_equal(seal_split(CY_OBJ_COMPRESS_NO, data, n, 0, &obj, NULL), 0);
	assert_int_equal(obj.len, HDR + 3 * CT + 1000 + 16);
	bad = malloc(obj.len + 2 * CT);
	assert_non_null(bad);

	/* Every bit of the header. */
	for (size_t bit = 0; bit < HDR * 8; bit++) {
		int rc;

		memcpy(bad, obj.ptr, obj.len);
		bad[bit / 8] ^= (uint8_t)(1u << bit % 8);
		rc = open_count(master, bad, obj.len, &released);
		if (bit < 64)
			assert_int_equal(rc, CY_EINVALID);
		else if (bit / 8 == 8 || bit / 8 == 9 || bit / 8 == 11)
			assert_int_equal(rc, CY_EUNSUPPORTED);
		else
			assert_int_equal(rc, CY_ECORRUPT);
		assert_int_equal(released, 0);
	}
	memcpy(bad, obj.ptr, obj.len);
	bad[16] ^= 1; /* key id: authenticated as associated data */
	expect_corrupt(bad, obj.len, "chunk 0 failed authentication");
	memcpy(bad, obj.ptr, obj.len);
	bad[10] = 1; /* claim compression */
	expect_corrupt(bad, obj.len, "chunk 0 failed authentication");
	memcpy(bad, obj.ptr, obj.len);
	bad[10] = 0x80;
	expect_corrupt(bad, obj.len, "unknown flags");
	memcpy(bad, obj.ptr, obj.len);
	bad[45] = 1;
	expect_corrupt(bad, obj.len, "reserved");

	/* A bit in chunk 1's ciphertext: chunk 0 was released, nothing of chunk 1. */
	memcpy(bad, obj.ptr, obj.len);
	bad[HDR + CT + 100] ^= 0x10;
	assert_int_equal(open_count(master, bad, obj.len, &released), CY_ECORRUPT);
	assert_string_equal(cy_error_message(), "object damaged: chunk 1 failed authentication");
	assert_int_equal(released, CHUNK);
	/* In chunk 2's tag. */
	memcpy(bad, obj.ptr, obj.len);
	bad[HDR + 3 * CT - 1] ^= 0x80;
	assert_int_equal(open_count(master, bad, obj.len, &released), CY_ECORRUPT);
	assert_string_equal(cy_error_message(), "object damaged: chunk 2 failed authentication");
	assert_int_equal(released, 2 * CHUNK);
	/* In the last chunk's tag and body. */
	memcpy(bad, obj.ptr, obj.len);
	bad[obj.len - 1] ^= 1;
	expect_corrupt(bad, obj.len, "chunk 3 failed authentication");
	memcpy(bad, obj.ptr, obj.len);
	bad[HDR + 3 * CT] ^= 1;
	expect_corrupt(bad, obj.len, "chunk 3 failed authentication");

	/* Dropping the last chunk = cut at a chunk boundary. */
	expect_corrupt(obj.ptr, HDR + 3 * CT, "object truncated");
	expect_corrupt(obj.ptr, HDR + 2 * CT, "object truncated");
	expect_corrupt(obj.ptr, HDR + CT, "object truncated");
	/* Cut inside a chunk, inside a tag, right after the header, inside the header. */
	expect_corrupt(obj.ptr, HDR + 3 * CT + 500, "chunk 3 failed authentication");
	expect_corrupt(obj.ptr, obj.len - 1, "chunk 3 failed authentication");
	expect_corrupt(obj.ptr, HDR + 10, "object truncated");
	expect_corrupt(obj.ptr, HDR, "object truncated");
	expect_corrupt(obj.ptr, 20, "object truncated");
	expect_corrupt(obj.ptr, 0, "object truncated");
	/* Dropping a middle chunk. */
	memcpy(bad, obj.ptr, HDR + CT);
	memcpy(bad + HDR + CT, obj.ptr + HDR + 2 * CT, obj.len - HDR - 2 * CT);
	expect_corrupt(bad, obj.len - CT, "chunk 1 failed authentication");
	/* Swapping chunks 0 and 1. */
	memcpy(bad, obj.ptr, obj.len);
	memcpy(bad + HDR, obj.ptr + HDR + CT, CT);
	memcpy(bad + HDR + CT, obj.ptr + HDR, CT);
	expect_corrupt(bad, obj.len, "chunk 0 failed authentication");
	/* Garbage after the end: a byte, a tag's worth, a whole chunk's worth. */
	memcpy(bad, obj.ptr, obj.len);
	memset(bad + obj.len, 0xEE, 2 * CT);
	expect_corrupt(bad, obj.len + 1, "chunk 3 failed authentication");
	expect_corrupt(bad, obj.len + 16, "chunk 3 failed authentication");
	expect_corrupt(bad, obj.len + CT, NULL);
	/* Appending a copy of the last chunk. */
	memcpy(bad + obj.len, obj.ptr + HDR + 3 * CT, 1016);
	expect_corrupt(bad, obj.len + 1016, NULL);

	/* The wrong key. */
	{
		uint8_t other[32];

		memcpy(other, master, 32);
		other[31] ^= 1;
		assert_int_equal(open_count(other, obj.ptr, obj.len, &released), CY_ECORRUPT);
		assert_int_equal(released, 0);
	}
	/* After a failure the reader stays failed. */
	{
		static const uint8_t junk[HDR] = "NOT AN OBJECT";
		cy_objr *r;

		assert_int_equal(cy_objr_new(&r, master, 0, buf_sink, &back), 0);
		assert_int_equal(cy_objr_feed(r, junk, HDR), CY_EINVALID);
		assert_int_equal(cy_objr_feed(r, obj.ptr, obj.len), CY_EINVALID);
		assert_int_equal(cy_objr_finish(r), CY_EINVALID);
		cy_objr_free(r);
		cy_objr_free(NULL);
	}
	cy_buf_release(&obj);
	cy_buf_release(&back);
	free(bad);
	free(data);
}

/* When the stream is a whole number of chunks, the last full chunk carries the flag. */
static void test_object_exact_chunks(void **state)
{
	uint8_t *data = make_data(RANDOM, 2 * CHUNK), *bad;
	cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT;

	(void)state;
	assert_int_equal(seal_split(CY_OBJ_COMPRESS_NO, data, 2 * CHUNK, 0, &obj, NULL), 0);
	assert_int_equal(obj.len, HDR + 2 * CT);
	assert_int_equal(cy_object_open(master, 0, obj.ptr, obj.len, &back), 0);
	assert_int_equal(back.len, 2 * CHUNK);
	bad = malloc(obj.len + CT + 1);
	assert_non_null(bad);
	memcpy(bad, obj.ptr, obj.len);
	memset(bad + obj.len, 0, CT + 1);
	expect_corrupt(bad, obj.len + 1, "data after the final chunk 1");
	expect_corrupt(bad, obj.len + CT, "data after the final chunk 1");
	expect_corrupt(bad, obj.len + CT + 1, "data after the final chunk 1");
	/* A second copy of the final chunk after itself. */
	memcpy(bad + obj.len, obj.ptr + HDR + CT, CT);
	expect_corrupt(bad, obj.len + CT, "data after the final chunk 1");
	expect_corrupt(obj.ptr, HDR + CT, "object truncated: stream ends after chunk 0");
	cy_buf_release(&obj);
	cy_buf_release(&back);
	free(bad);
	free(data);
}

/* Rebuild objects from the primitives as object.md describes them. */
static void build_chunk(cy_aead *a, const uint8_t *hdr, uint64_t i, bool last, const uint8_t *pt,
			size_t n, cy_buf *out)
{
	uint8_t nonce[12] = {0};

	cy_store_u64be(nonce + 3, i);
	nonce[11] = last;
	assert_int_equal(cy_buf_grow(out, n + 16), 0);
	assert_int_equal(cy_aead_seal(a, nonce, hdr, HDR, pt, n, out->ptr + out->len), 0);
	out->len += n + 16;
}

static cy_aead *object_key(void)
{
	uint8_t key[32];
	cy_aead *a;

	assert_int_equal(cy_hkdf_sha256(master, 32, salt, 16, "custody object v1", 17, key, 32), 0);
	assert_int_equal(cy_aead_new(&a, key), 0);
	return a;
}

static void make_header(uint8_t h[HDR], uint8_t flags)
{
	memset(h, 0, HDR);
	memcpy(h, "CYOBJ\0\r\n", 8);
	h[8] = 1;
	h[9] = 1;
	h[10] = flags;
	h[11] = 16;
	memcpy(h + 16, key_id, 8);
	memcpy(h + 24, salt, 16);
}

static void test_object_construction(void **state)
{
	const size_t n = CHUNK + 10;
	uint8_t *data = make_data(PATTERN, n), h[HDR];
	cy_buf mine = CY_BUF_INIT, theirs = CY_BUF_INIT, back = CY_BUF_INIT;
	cy_aead *a = object_key();

	(void)state;
	make_header(h, 0);
	assert_int_equal(cy_buf_put(&mine, h, HDR), 0);
	build_chunk(a, h, 0, false, data, CHUNK, &mine);
	build_chunk(a, h, 1, true, data + CHUNK, 10, &mine);
	assert_int_equal(seal_split(CY_OBJ_COMPRESS_NO, data, n, 0, &theirs, NULL), 0);
	assert_int_equal(mine.len, theirs.len);
	assert_memory_equal(mine.ptr, theirs.ptr, mine.len);

	/* An empty final chunk is allowed only as the sole chunk. */
	cy_buf_clear(&mine);
	assert_int_equal(cy_buf_put(&mine, h, HDR), 0);
	build_chunk(a, h, 0, true, NULL, 0, &mine);
	assert_int_equal(cy_object_open(master, 0, mine.ptr, mine.len, &back), 0);
	assert_int_equal(back.len, 0);
	cy_buf_clear(&mine);
	assert_int_equal(cy_buf_put(&mine, h, HDR), 0);
	build_chunk(a, h, 0, false, data, CHUNK, &mine);
	build_chunk(a, h, 1, true, NULL, 0, &mine);
	expect_corrupt(mine.ptr, mine.len, "empty final chunk 1");
	/* A short chunk that is not flagged last cannot be followed by anything. */
	cy_buf_clear(&mine);
	assert_int_equal(cy_buf_put(&mine, h, HDR), 0);
	build_chunk(a, h, 0, false, data, 100, &mine);
	build_chunk(a, h, 1, true, data, 100, &mine);
	expect_corrupt(mine.ptr, mine.len, "chunk 0 failed authentication");
	/* A compressed object whose zstd frame is cut short, or followed by junk, or not zstd. */
	{
		uint8_t *text = make_data(TEXT, 5000);
		cy_buf z = CY_BUF_INIT;
		cy_obj_header ph;
		size_t zlen;

		assert_int_equal(seal_split(CY_OBJ_COMPRESS_ZSTD, text, 5000, 0, &z, NULL), 0);
		assert_int_equal(cy_object_header_parse(z.ptr, z.len, &ph), 0);
		assert_int_equal(ph.flags, 1);
		make_header(h, 1);
		assert_memory_equal(z.ptr, h, HDR);
		/* Recover the zstd frame from the object, then re-wrap variants of it. */
		assert_int_equal(cy_aead_open(a, (uint8_t[12]){[11] = 1}, h, HDR, z.ptr + HDR,
					      z.len - HDR, z.ptr + HDR),
				 0);
		zlen = z.len - HDR - 16;
		for (int v = 0; v < 3; v++) {
			uint8_t junk[8] = "garbage!";

			cy_buf_clear(&mine);
			assert_int_equal(cy_buf_put(&mine, h, HDR), 0);
			if (v == 0) {
				build_chunk(a, h, 0, true, z.ptr + HDR, zlen - 1, &mine);
				expect_corrupt(mine.ptr, mine.len, "ends early");
			} else if (v == 1) {
				cy_buf tmp = CY_BUF_INIT;

				assert_int_equal(cy_buf_put(&tmp, z.ptr + HDR, zlen), 0);
				assert_int_equal(cy_buf_put(&tmp, junk, 8), 0);
				build_chunk(a, h, 0, true, tmp.ptr, tmp.len, &mine);
				expect_corrupt(mine.ptr, mine.len, "after the end");
				cy_buf_release(&tmp);
			} else {
				build_chunk(a, h, 0, true, junk, 8, &mine);
				expect_corrupt(mine.ptr, mine.len, "bad compressed data");
			}
		}
		cy_buf_release(&z);
		free(text);
	}
	cy_aead_free(a);
	cy_buf_release(&mine);
	cy_buf_release(&theirs);
	cy_buf_release(&back);
	free(data);
}

static void test_object_max_plain(void **state)
{
	const size_t n = 1 << 20;
	uint8_t *zeros = calloc(1, n), *rnd = make_data(RANDOM, 100000);
	cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT;
	struct counting c = {0, 0, 0};
	cy_objr *r;

	(void)state;
	assert_non_null(zeros);
	/* A megabyte of zeros compresses to a few hundred bytes: a small bomb. */
	assert_int_equal(seal_split(CY_OBJ_COMPRESS_AUTO, zeros, n, 0, &obj, NULL), 0);
	assert_true(obj.len < 1000);
	assert_int_equal(cy_object_open(master, n, obj.ptr, obj.len, &back), 0);
	assert_int_equal(back.len, n);
	cy_buf_clear(&back);
	assert_int_equal(cy_object_open(master, n - 1, obj.ptr, obj.len, &back), CY_ECORRUPT);
	assert_int_equal(back.len, 0);
	assert_int_equal(cy_objr_new(&r, master, 4096, counting_sink, &c), 0);
	/* The object is a single chunk, opened at finish. */
	assert_int_equal(cy_objr_feed(r, obj.ptr, obj.len), 0);
	assert_int_equal(cy_objr_finish(r), CY_ECORRUPT);
	assert_true(c.bytes <= 4096);
	cy_objr_free(r);
	cy_buf_release(&obj);
	/* Uncompressed too. */
	assert_int_equal(seal_split(CY_OBJ_COMPRESS_NO, rnd, 100000, 0, &obj, NULL), 0);
	assert_int_equal(cy_object_open(master, 100000, obj.ptr, obj.len, &back), 0);
	cy_buf_clear(&back);
	assert_int_equal(cy_object_open(master, 99999, obj.ptr, obj.len, &back), CY_ECORRUPT);
	assert_true(strstr(cy_error_message(), "larger than") != NULL);
	cy_buf_release(&obj);
	cy_buf_release(&back);
	free(zeros);
	free(rnd);
}

static void test_object_sink_errors(void **state)
{
	uint8_t *data = make_data(RANDOM, 5 * CHUNK);
	struct counting c = {0, 3, 0};
	cy_buf obj = CY_BUF_INIT;
	cy_objw *w;
	cy_objr *r;

	(void)state;
	/* Third sink call (header, chunk 0, chunk 1) fails: the code comes back unchanged and
	 * sticks. */
	assert_int_equal(cy_objw_new(&w, master, key_id, CY_OBJ_COMPRESS_NO, counting_sink, &c), 0);
	assert_int_equal(cy_objw_write(w, data, 5 * CHUNK), CY_ENOSPC);
	assert_int_equal(cy_objw_write(w, data, 1), CY_ENOSPC);
	assert_int_equal(cy_objw_finish(w, NULL), CY_ENOSPC);
	cy_objw_free(w);
	/* Bad arguments. */
	assert_int_equal(cy_objw_new(&w, master, key_id, 7, buf_sink, &obj), CY_EINVALID);
	assert_null(w);
	assert_int_equal(cy_objw_new(&w, master, key_id, CY_OBJ_COMPRESS_NO, NULL, NULL),
			 CY_EINVALID);
	assert_int_equal(cy_objr_new(&r, master, 0, NULL, NULL), CY_EINVALID);
	/* Reader: the second plaintext delivery fails. */
	assert_int_equal(seal_split(CY_OBJ_COMPRESS_NO, data, 5 * CHUNK, 0, &obj, NULL), 0);
	c = (struct counting){0, 2, 0};
	assert_int_equal(cy_objr_new(&r, master, 0, counting_sink, &c), 0);
	assert_int_equal(cy_objr_feed(r, obj.ptr, obj.len), CY_ENOSPC);
	assert_int_equal(cy_objr_finish(r), CY_ENOSPC);
	cy_objr_free(r);
	cy_buf_release(&obj);
	free(data);
}

static void test_object_header_parse(void **state)
{
	uint8_t h[HDR];
	cy_obj_header ph;

	(void)state;
	make_header(h, 1);
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), 0);
	assert_int_equal(ph.flags, 1);
	assert_memory_equal(ph.salt, salt, 16);
	assert_int_equal(cy_object_header_parse(h, HDR - 1, &ph), CY_EINVALID);
	h[8] = 2;
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), 0);
	assert_int_equal(ph.version, 2);
	h[8] = 3;
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), CY_EUNSUPPORTED);
	h[8] = 0;
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), CY_EUNSUPPORTED);
	h[8] = 1;
	h[11] = 20;
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), CY_EUNSUPPORTED);
	h[11] = 16;
	h[12] = 1;
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), CY_ECORRUPT);
	h[12] = 0;
	h[10] = 2;
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), CY_ECORRUPT);
	h[10] = 0;
	h[5] = 'X';
	assert_int_equal(cy_object_header_parse(h, HDR, &ph), CY_EINVALID);
}

/* Writers and readers on several threads at once (the per-thread zstd contexts, the crypto
 * module's one-time algorithm fetch). */
static void *thread_main(void *arg)
{
	uint8_t *data = make_data((uintptr_t)arg % 2 ? TEXT : RANDOM, 100000);
	long bad = 0;

	for (int i = 0; i < 20; i++) {
		cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT;
		size_t n = 1000 * (size_t)i + (uintptr_t)arg;

		if (cy_object_seal(master, key_id, CY_OBJ_COMPRESS_AUTO, data, n, &obj) ||
		    cy_object_open(master, n, obj.ptr, obj.len, &back) || back.len != n ||
		    (n && memcmp(back.ptr, data, n) != 0))
			bad++;
		cy_buf_release(&obj);
		cy_buf_release(&back);
	}
	free(data);
	return (void *)bad;
}

static void test_object_threads(void **state)
{
	pthread_t t[4];

	(void)state;
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, (void *)i), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;

		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

/* ---- vectors of docs/formats/object.md ------------------------------------------------------- */

static void assert_in_doc(const char *hex)
{
	cy_buf doc = CY_BUF_INIT;

	assert_int_equal(tu_read_file(OBJECT_MD, &doc), 0);
	if (!strstr(cy_buf_cstr(&doc), hex))
		fail_msg("%s does not contain %s", OBJECT_MD, hex);
	cy_buf_release(&doc);
}

static void test_object_vectors(void **state)
{
	static const char hello[] = "hello, custody\n";
	uint8_t key[32], md[32], *data = make_data(PATTERN, 150000);
	char hex[2 * 200 + 1];
	cy_buf obj = CY_BUF_INIT;

	(void)state;
	assert_int_equal(cy_hkdf_sha256(master, 32, salt, 16, "custody object v1", 17, key, 32), 0);
	cy_hex_encode(key, 32, hex);
	printf("object key: %s\n", hex);
	assert_in_doc(hex);

	assert_int_equal(seal_split(CY_OBJ_COMPRESS_NO, (const uint8_t *)hello, 15, 0, &obj, NULL),
			 0);
	assert_int_equal(obj.len, 79);
	cy_hex_encode(obj.ptr, obj.len, hex);
	printf("vector 1: %s\n", hex);
	assert_in_doc(hex);
	cy_buf_clear(&obj);

	assert_int_equal(seal_split(CY_OBJ_COMPRESS_NO, data, 150000, 0, &obj, NULL), 0);
	assert_int_equal(obj.len, 150096);
	cy_sha256(obj.ptr, obj.len, md);
	cy_hex_encode(md, 32, hex);
	printf("vector 2 sha256: %s\n", hex);
	assert_in_doc(hex);
	cy_hex_encode(obj.ptr + obj.len - 16, 16, hex);
	printf("vector 2 last tag: %s\n", hex);
	assert_in_doc(hex);
	cy_buf_release(&obj);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_roundtrip_sizes),
		cmocka_unit_test(test_object_oneshot_helpers),
		cmocka_unit_test(test_object_split_invariance),
		cmocka_unit_test(test_object_auto_decision),
		cmocka_unit_test(test_object_tamper),
		cmocka_unit_test(test_object_exact_chunks),
		cmocka_unit_test(test_object_construction),
		cmocka_unit_test(test_object_max_plain),
		cmocka_unit_test(test_object_sink_errors),
		cmocka_unit_test(test_object_header_parse),
		cmocka_unit_test(test_object_threads),
		cmocka_unit_test(test_object_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
