/* object.c - the encrypted object format (docs/formats/object.md).
 *
 * header (48 bytes) || chunk 0 || ... || chunk k, where chunk i is ChaCha20-Poly1305 of up to
 * 64 KiB of the (optionally zstd-compressed) stream under the per-object key, with nonce
 * i (11 bytes, big-endian) || last-flag and the header as associated data: the STREAM
 * construction as age uses it.  Truncation, reordering, appended data and any change to the
 * header all fail authentication.
 *
 * Both directions are streams with memory bounded by two chunks plus zstd's state.  A chunk's
 * nonce carries the last flag, which the writer cannot know for a full chunk until more data or
 * the finish arrives.  So a whole chunk present in the caller's buffer is sealed straight from
 * it as not last and its output held back; in the rare case that it was the final one after
 * all, it is opened and sealed again.  Pieces smaller than a chunk gather in a buffer.  Writes
 * of 64 KiB or more thus cost no copy beyond the sealing itself.  The reader opens a chunk
 * straight from the caller's buffer when the whole chunk and at least one more byte are there,
 * and otherwise gathers it first: feed it more than 65552 bytes at a time to avoid the copy. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "store/object.h"
#include "store/object_internal.h"

#include "custody/banned.h"

#define MAGIC "CYOBJ\0\r\n"
#define MAGIC_LEN 8
#define OBJ_VERSION_1 1 /* key derived from the fonds key (foundation) */
#define OBJ_VERSION 2	/* key derived from the object's own data key */
#define OBJ_ALG_CHACHA20_POLY1305 1
#define OBJ_FLAG_ZSTD 0x01
#define OBJ_CHUNK_LOG2 16
#define CT_CHUNK (CY_OBJ_CHUNK + CY_AEAD_TAG_LEN)
/* Level 1: import speed matters more than the last few percent of ratio, and the AUTO
 * trial (level 1, docs/formats/object.md) then doubles as the start of the stream. */
#define ZSTD_LEVEL 1
#define ZSTD_MIN_SIZE 512 /* smaller whole objects are not compressed */
/* The writer's frames use windows of at most 2^19 bytes at level 1; refusing more than 2^23
 * keeps a hostile object from making the reader allocate up to zstd's default of 2^27. */
#define ZSTD_WINDOWLOG_MAX 23

/* Header offsets. */
enum {
	H_VERSION = 8,
	H_ALG = 9,
	H_FLAGS = 10,
	H_CHUNK_LOG2 = 11,
	H_RESERVED1 = 12, /* 4 bytes */
	H_KEY_ID = 16,
	H_SALT = 24,
	H_RESERVED2 = 40, /* 8 bytes */
};

_Static_assert(H_RESERVED2 + 8 == CY_OBJ_HEADER_LEN, "header layout");
_Static_assert(CY_OBJ_CHUNK == 1 << OBJ_CHUNK_LOG2, "chunk size");

static const char obj_info_v1[] = "custody object v1";
static const char obj_info_v2[] = "custody object v2";

static void make_nonce(uint8_t nonce[CY_AEAD_NONCE_LEN], uint64_t index, bool last)
{
	nonce[0] = nonce[1] = nonce[2] = 0;
	cy_store_u64be(nonce + 3, index);
	nonce[11] = last ? 1 : 0;
}

/* Per-object key = HKDF-SHA-256(master, salt, "custody object vN"): in version 1 the master
 * is the fonds key, in version 2 the object's own random data key. */
static int object_aead(unsigned version, const uint8_t master[32], const uint8_t *salt,
		       cy_aead **out)
{
	const char *info = version == OBJ_VERSION_1 ? obj_info_v1 : obj_info_v2;
	uint8_t key[CY_KEY_LEN];
	int rc = cy_hkdf_sha256(master, 32, salt, CY_OBJ_SALT_LEN, info, strlen(info), key,
				sizeof(key));

	if (!rc)
		rc = cy_aead_new(out, key);
	cy_wipe(key, sizeof(key));
	return rc;
}

int cy_object_header_parse(const void *data, size_t n, cy_obj_header *out)
{
	static const uint8_t zero[8];
	const uint8_t *h = data;

	if (n < CY_OBJ_HEADER_LEN)
		return cy_error_set(CY_EINVALID, "object too short for a header (%zu bytes)", n);
	if (memcmp(h, MAGIC, MAGIC_LEN) != 0)
		return cy_error_set(CY_EINVALID, "not a custody object (bad magic)");
	if (h[H_VERSION] != OBJ_VERSION && h[H_VERSION] != OBJ_VERSION_1)
		return cy_error_set(CY_EUNSUPPORTED, "object format version %u is not supported",
				    h[H_VERSION]);
	if (h[H_ALG] != OBJ_ALG_CHACHA20_POLY1305)
		return cy_error_set(CY_EUNSUPPORTED, "object cipher %u is not supported", h[H_ALG]);
	if (h[H_CHUNK_LOG2] != OBJ_CHUNK_LOG2)
		return cy_error_set(CY_EUNSUPPORTED, "object chunk size 2^%u is not supported",
				    h[H_CHUNK_LOG2]);
	if (h[H_FLAGS] & ~OBJ_FLAG_ZSTD)
		return cy_error_set(CY_ECORRUPT, "object header has unknown flags 0x%02x",
				    h[H_FLAGS]);
	if (memcmp(h + H_RESERVED1, zero, 4) != 0 || memcmp(h + H_RESERVED2, zero, 8) != 0)
		return cy_error_set(CY_ECORRUPT, "object header has nonzero reserved bytes");
	out->version = h[H_VERSION];
	out->alg = h[H_ALG];
	out->flags = h[H_FLAGS];
	out->chunk_log2 = h[H_CHUNK_LOG2];
	memcpy(out->key_id, h + H_KEY_ID, CY_OBJ_KEYID_LEN);
	memcpy(out->salt, h + H_SALT, CY_OBJ_SALT_LEN);
	return 0;
}

/* ---- zstd contexts --------------------------------------------------------------------------- */

/* Each thread keeps one compression and one decompression context between objects.  Making
 * them per object cost more than sealing a small file: the workspace is allocated and cleared
 * each time, and glibc gives the heap top back to the kernel after each free.  A context
 * still holds the last object's window until it is reused, as freed memory would. */
struct zcache {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
};

static pthread_key_t zkey;
static bool zkey_ok;
static pthread_once_t zonce = PTHREAD_ONCE_INIT;
static _Thread_local struct zcache *zlocal;

static void zcache_free(void *p)
{
	struct zcache *z = p;

	ZSTD_freeCCtx(z->c);
	ZSTD_freeDCtx(z->d);
	free(z);
}

static void zcache_key(void)
{
	zkey_ok = pthread_key_create(&zkey, zcache_free) == 0;
}

/* The calling thread's cache, or NULL (then contexts are simply made and freed). */
static struct zcache *zcache(void)
{
	pthread_once(&zonce, zcache_key);
	if (!zlocal && zkey_ok) {
		zlocal = calloc(1, sizeof(*zlocal));
		if (zlocal && pthread_setspecific(zkey, zlocal) != 0) {
			free(zlocal);
			zlocal = NULL;
		}
	}
	return zlocal;
}

static ZSTD_CCtx *cctx_take(void)
{
	struct zcache *z = zcache();
	ZSTD_CCtx *c;

	if (z && z->c) {
		c = z->c;
		z->c = NULL;
		return c;
	}
	return ZSTD_createCCtx();
}

static void cctx_give(ZSTD_CCtx *c)
{
	struct zcache *z = c ? zcache() : NULL;

	if (z && !z->c && !ZSTD_isError(ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters)))
		z->c = c;
	else
		ZSTD_freeCCtx(c);
}

static ZSTD_DCtx *dctx_take(void)
{
	struct zcache *z = zcache();
	ZSTD_DCtx *d;

	if (z && z->d) {
		d = z->d;
		z->d = NULL;
		return d;
	}
	return ZSTD_createDCtx();
}

static void dctx_give(ZSTD_DCtx *d)
{
	struct zcache *z = d ? zcache() : NULL;

	if (z && !z->d && !ZSTD_isError(ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters)))
		z->d = d;
	else
		ZSTD_freeDCtx(d);
}

/* ---- compression decision -------------------------------------------------------------------- */

/* Formats that are already compressed: zstd would spend time to gain nothing. */
static bool looks_compressed(const uint8_t *p, size_t n)
{
	static const struct {
		uint8_t off, len;
		const char *magic;
	} sigs[] = {
		{0, 3, "\xFF\xD8\xFF"},	     /* JPEG */
		{0, 8, "\x89PNG\r\n\x1A\n"}, /* PNG */
		{0, 6, "GIF87a"},	     /* GIF */
		{0, 6, "GIF89a"},	     /* GIF */
		{0, 5, "%PDF-"},	     /* PDF: streams are deflated already */
		{0, 4, "PK\x03\x04"},	     /* ZIP, docx, xlsx, odt, epub, jar */
		{0, 4, "PK\x05\x06"},	     /* empty ZIP */
		{0, 4, "PK\x07\x08"},	     /* spanned ZIP */
		{0, 2, "\x1F\x8B"},	     /* gzip */
		{0, 6,
		 "\xFD"
		 "7zXZ\0"},		      /* xz */
		{0, 4, "\x28\xB5\x2F\xFD"},   /* zstd */
		{0, 6, "7z\xBC\xAF\x27\x1C"}, /* 7z */
		{0, 6, "Rar!\x1A\x07"},	      /* RAR 4 and 5 */
		{0, 4, "\x04\x22\x4D\x18"},   /* lz4 */
		{0, 4, "LZIP"},		      /* lzip */
		{0, 4, "MSCF"},		      /* cab */
		{4, 4, "ftyp"},		      /* MP4, MOV, M4A, HEIC, AVIF */
		{0, 3, "ID3"},		      /* MP3 */
		{0, 4, "OggS"},		      /* Ogg */
		{0, 4, "fLaC"},		      /* FLAC */
		{0, 4, "\x1A\x45\xDF\xA3"},   /* Matroska, WebM */
	};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (n >= (size_t)sigs[i].off + sigs[i].len &&
		    memcmp(p + sigs[i].off, sigs[i].magic, sigs[i].len) == 0)
			return true;
	if (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9')
		return true; /* bzip2 */
	/* RIFF holds WAV (raw PCM, worth a trial) as well as WebP and AVI (compressed). */
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    (memcmp(p + 8, "WEBP", 4) == 0 || memcmp(p + 8, "AVI ", 4) == 0))
		return true;
	return false;
}

/* ---- writer ---------------------------------------------------------------------------------- */

struct cy_objw {
	cy_aead *aead;
	cy_obj_sink sink;
	void *arg;
	uint8_t header[CY_OBJ_HEADER_LEN]; /* flags are final once compress is decided */
	int compress;			   /* CY_OBJ_COMPRESS_AUTO until decided */
	int failed;			   /* first error; the writer is unusable after it */
	bool header_sent, finished, zended;
	bool held;	 /* cbuf holds chunk `chunk - 1`, sealed as not last, not yet emitted */
	uint64_t chunk;	 /* index of the next chunk to seal */
	uint64_t stored; /* bytes given to the sink */
	uint8_t *pbuf;	 /* plaintext not sealed yet (CY_OBJ_CHUNK) */
	size_t plen;
	uint8_t *cbuf; /* one sealed chunk (CT_CHUNK) */
	ZSTD_CCtx *zc;
	uint8_t *zbuf; /* compressor output */
	size_t zcap;
	size_t pdirty, zdirty; /* how much of pbuf and zbuf ever held data, to wipe */
};

/* Buffers are wiped up to the most they held: wiping all of a buffer that a small object
 * never touched would fault in its pages for nothing. */
static void mark_dirty(size_t *mark, size_t n)
{
	if (n > *mark)
		*mark = n;
}

static int emit(cy_objw *w, const void *p, size_t n)
{
	int rc = w->sink(w->arg, p, n);

	if (rc)
		return rc;
	w->stored += n;
	return 0;
}

/* Seal pt into cbuf as chunk w->chunk. */
static int seal_chunk(cy_objw *w, const uint8_t *pt, size_t n, bool last)
{
	uint8_t nonce[CY_AEAD_NONCE_LEN];
	int rc;

	make_nonce(nonce, w->chunk, last);
	rc = cy_aead_seal(w->aead, nonce, w->header, CY_OBJ_HEADER_LEN, pt, n, w->cbuf);
	if (rc)
		return rc;
	w->chunk++;
	return 0;
}

static int emit_chunk(cy_objw *w, size_t n)
{
	int rc;

	if (!w->header_sent) {
		rc = emit(w, w->header, CY_OBJ_HEADER_LEN);
		if (rc)
			return rc;
		w->header_sent = true;
	}
	return emit(w, w->cbuf, n + CY_AEAD_TAG_LEN);
}

/* Append bytes of the stream (after compression).  A whole chunk available in p is sealed
 * straight from it; if nothing follows it in this call it is held, sealed as not last, until
 * the next bytes or the finish show which it was.  Smaller pieces gather in pbuf, which is
 * sealed once more bytes arrive. */
static int stream_put(cy_objw *w, const uint8_t *p, size_t n)
{
	int rc;

	while (n > 0) {
		if (w->held) {
			rc = emit_chunk(w, CY_OBJ_CHUNK);
			if (rc)
				return rc;
			w->held = false;
		}
		if (w->plen == CY_OBJ_CHUNK) {
			rc = seal_chunk(w, w->pbuf, CY_OBJ_CHUNK, false);
			if (!rc)
				rc = emit_chunk(w, CY_OBJ_CHUNK);
			if (rc)
				return rc;
			w->plen = 0;
		}
		if (w->plen == 0 && n >= CY_OBJ_CHUNK) {
			rc = seal_chunk(w, p, CY_OBJ_CHUNK, false);
			if (rc)
				return rc;
			p += CY_OBJ_CHUNK;
			n -= CY_OBJ_CHUNK;
			w->held = true;
			continue;
		}
		size_t take = CY_OBJ_CHUNK - w->plen < n ? CY_OBJ_CHUNK - w->plen : n;

		memcpy(w->pbuf + w->plen, p, take);
		w->plen += take;
		mark_dirty(&w->pdirty, w->plen);
		p += take;
		n -= take;
	}
	return 0;
}

/* The stream ended: seal its final chunk with the last flag.  A held chunk was the final
 * one after all; it is opened and sealed again (once per object, and only when the stream
 * ends on a chunk boundary that came in one piece). */
static int stream_end(cy_objw *w)
{
	uint8_t nonce[CY_AEAD_NONCE_LEN];
	int rc;

	if (w->held) {
		w->chunk--;
		make_nonce(nonce, w->chunk, false);
		rc = cy_aead_open(w->aead, nonce, w->header, CY_OBJ_HEADER_LEN, w->cbuf, CT_CHUNK,
				  w->pbuf);
		if (rc)
			return rc;
		w->plen = CY_OBJ_CHUNK;
		w->pdirty = CY_OBJ_CHUNK;
		w->held = false;
	}
	rc = seal_chunk(w, w->pbuf, w->plen, true);
	if (!rc)
		rc = emit_chunk(w, w->plen);
	return rc;
}

static int zstd_failed(size_t ret)
{
	return cy_error_set(ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation ? CY_ENOMEM
										   : CY_ERROR,
			    "zstd compression: %s", ZSTD_getErrorName(ret));
}

static int compress_put(cy_objw *w, const uint8_t *p, size_t n, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = {p, n, 0};
	int rc;

	for (;;) {
		ZSTD_outBuffer out = {w->zbuf, w->zcap, 0};
		size_t ret = ZSTD_compressStream2(w->zc, &out, &in, end);

		if (ZSTD_isError(ret))
			return zstd_failed(ret);
		mark_dirty(&w->zdirty, out.pos);
		rc = stream_put(w, w->zbuf, out.pos);
		if (rc)
			return rc;
		if (end == ZSTD_e_continue ? in.pos == in.size : ret == 0)
			break;
	}
	if (end == ZSTD_e_end)
		w->zended = true;
	return 0;
}

static int zstd_start(cy_objw *w)
{
	size_t ret;

	w->zc = cctx_take();
	w->zcap = CY_OBJ_CHUNK; /* enough for a trial that saves 10%; streaming loops anyway */
	w->zbuf = malloc(w->zcap);
	if (!w->zc || !w->zbuf)
		return cy_error_set(CY_ENOMEM, "out of memory for zstd");
	ret = ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	if (ZSTD_isError(ret))
		return zstd_failed(ret);
	return 0;
}

static void set_compress(cy_objw *w, int compress)
{
	w->compress = compress;
	w->header[H_FLAGS] = compress == CY_OBJ_COMPRESS_ZSTD ? OBJ_FLAG_ZSTD : 0;
}

/* CY_OBJ_COMPRESS_AUTO: the first min(64 KiB, size) bytes sit in pbuf.  Skip known compressed
 * formats; otherwise compress them as the start of the real zstd stream and keep that if it
 * saved at least 10%, else discard it and store the bytes as they are. */
/* Whether a sample looks like random bytes (encrypted, already compressed):
 * its collision entropy, -log2(sum p^2), is above 7.5 bits per byte, where
 * zstd at level 1 cannot save the 10% that compression must earn.  Counting
 * bytes is far cheaper than a trial compression that fails. */
static bool looks_random(const uint8_t *p, size_t n)
{
	uint32_t count[256] = {0};
	uint64_t sum = 0;

	if (n > 4096)
		n = 4096;
	if (n < 1024)
		return false;
	for (size_t i = 0; i < n; i++)
		count[p[i]]++;
	for (int i = 0; i < 256; i++)
		sum += (uint64_t)count[i] * count[i];
	/* sum / n^2 < 2^-7.5  <=>  sum * 2^7.5 < n^2, with 2^7.5 ~ 181.02 */
	return sum * 18102 < (uint64_t)n * n * 100;
}

static int decide(cy_objw *w, bool at_finish)
{
	ZSTD_inBuffer in = {w->pbuf, w->plen, 0};
	ZSTD_outBuffer out;
	size_t ret;
	int rc;

	/* a whole object under ZSTD_MIN_SIZE is stored as it is: zstd's frame
	 * header and a fresh context's tables cost more than the 10 % it could
	 * save there (a CSV row, a JSON of its fields: half of a customer import
	 * was spent compressing them) */
	if (w->plen == 0 || (at_finish && w->plen < ZSTD_MIN_SIZE) ||
	    looks_compressed(w->pbuf, w->plen) || looks_random(w->pbuf, w->plen)) {
		set_compress(w, CY_OBJ_COMPRESS_NO);
		return 0;
	}
	if (!w->zc) {
		rc = zstd_start(w);
		if (rc)
			return rc;
	}
	/* A whole small object: let zstd size its tables for it. */
	if (at_finish)
		ZSTD_CCtx_setPledgedSrcSize(w->zc, w->plen);
	out = (ZSTD_outBuffer){w->zbuf, w->zcap, 0};
	ret = ZSTD_compressStream2(w->zc, &out, &in, at_finish ? ZSTD_e_end : ZSTD_e_flush);
	if (ZSTD_isError(ret))
		return zstd_failed(ret);
	mark_dirty(&w->zdirty, out.pos);
	/* ret != 0: the output did not even fit in zcap (> 64 KiB), so nothing was saved. */
	if (ret != 0 || out.pos * 10 > w->plen * 9) {
		ZSTD_CCtx_reset(w->zc, ZSTD_reset_session_only);
		set_compress(w, CY_OBJ_COMPRESS_NO);
		return 0;
	}
	set_compress(w, CY_OBJ_COMPRESS_ZSTD);
	w->zended = at_finish;
	w->plen = 0;
	return stream_put(w, w->zbuf, out.pos);
}

int cy_store__objw_new_version(cy_objw **out, unsigned version, const uint8_t master[32],
			       const uint8_t key_id[CY_OBJ_KEYID_LEN],
			       const uint8_t salt[CY_OBJ_SALT_LEN], int compress, cy_obj_sink sink,
			       void *arg)
{
	cy_objw *w;
	int rc;

	*out = NULL;
	if (compress != CY_OBJ_COMPRESS_AUTO && compress != CY_OBJ_COMPRESS_NO &&
	    compress != CY_OBJ_COMPRESS_ZSTD)
		return cy_error_set(CY_EINVALID, "unknown compression mode %d", compress);
	if (!sink)
		return cy_error_set(CY_EINVALID, "object writer needs a sink");
	if (version != OBJ_VERSION && version != OBJ_VERSION_1)
		return cy_error_set(CY_EINVALID, "object format version %u cannot be written",
				    version);
	w = calloc(1, sizeof(*w));
	if (!w)
		return cy_error_set(CY_ENOMEM, "out of memory");
	w->sink = sink;
	w->arg = arg;
	memcpy(w->header, MAGIC, MAGIC_LEN);
	w->header[H_VERSION] = (uint8_t)version;
	w->header[H_ALG] = OBJ_ALG_CHACHA20_POLY1305;
	w->header[H_CHUNK_LOG2] = OBJ_CHUNK_LOG2;
	memcpy(w->header + H_KEY_ID, key_id, CY_OBJ_KEYID_LEN);
	memcpy(w->header + H_SALT, salt, CY_OBJ_SALT_LEN);
	set_compress(w, compress);
	w->pbuf = malloc(CY_OBJ_CHUNK + CT_CHUNK);
	if (!w->pbuf) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	w->cbuf = w->pbuf + CY_OBJ_CHUNK;
	rc = object_aead(version, master, salt, &w->aead);
	if (!rc && compress == CY_OBJ_COMPRESS_ZSTD)
		rc = zstd_start(w);
out:
	if (rc)
		cy_objw_free(w);
	else
		*out = w;
	return rc;
}

int cy_objw_new(cy_objw **out, const uint8_t master[32], const uint8_t key_id[CY_OBJ_KEYID_LEN],
		int compress, cy_obj_sink sink, void *arg)
{
	uint8_t salt[CY_OBJ_SALT_LEN];
	int rc = cy_random(salt, sizeof(salt));

	*out = NULL;
	if (rc)
		return rc;
	return cy_store__objw_new_version(out, OBJ_VERSION, master, key_id, salt, compress, sink,
					  arg);
}

int cy_store__objw_new_with_salt(cy_objw **out, const uint8_t master[32],
				 const uint8_t key_id[CY_OBJ_KEYID_LEN],
				 const uint8_t salt[CY_OBJ_SALT_LEN], int compress,
				 cy_obj_sink sink, void *arg)
{
	return cy_store__objw_new_version(out, OBJ_VERSION_1, master, key_id, salt, compress, sink,
					  arg);
}

int cy_objw_write(cy_objw *w, const void *data, size_t n)
{
	const uint8_t *p = data;
	int rc = 0;

	if (w->failed)
		return w->failed;
	if (w->finished)
		return cy_error_set(CY_EINVALID, "object writer used after finish");
	if (n == 0)
		return 0;
	if (w->compress == CY_OBJ_COMPRESS_AUTO) {
		size_t take = CY_OBJ_CHUNK - w->plen < n ? CY_OBJ_CHUNK - w->plen : n;

		memcpy(w->pbuf + w->plen, p, take);
		w->plen += take;
		mark_dirty(&w->pdirty, w->plen);
		p += take;
		n -= take;
		if (w->plen < CY_OBJ_CHUNK)
			return 0;
		rc = decide(w, false);
	}
	if (!rc)
		rc = w->compress == CY_OBJ_COMPRESS_ZSTD ? compress_put(w, p, n, ZSTD_e_continue)
							 : stream_put(w, p, n);
	if (rc)
		w->failed = rc;
	return rc;
}

int cy_objw_finish(cy_objw *w, uint64_t *stored)
{
	int rc = 0;

	if (w->failed)
		return w->failed;
	if (w->finished)
		return cy_error_set(CY_EINVALID, "object writer finished twice");
	if (w->compress == CY_OBJ_COMPRESS_AUTO)
		rc = decide(w, true);
	if (!rc && w->compress == CY_OBJ_COMPRESS_ZSTD && !w->zended)
		rc = compress_put(w, NULL, 0, ZSTD_e_end);
	if (!rc)
		rc = stream_end(w);
	if (rc) {
		w->failed = rc;
		return rc;
	}
	w->plen = 0;
	w->finished = true;
	if (stored)
		*stored = w->stored;
	return 0;
}

void cy_objw_salt(const cy_objw *w, uint8_t salt[CY_OBJ_SALT_BYTES])
{
	memcpy(salt, w->header + H_SALT, CY_OBJ_SALT_BYTES);
}

int cy_objw_compressed(const cy_objw *w)
{
	return w->compress;
}

void cy_objw_free(cy_objw *w)
{
	if (!w)
		return;
	cy_aead_free(w->aead);
	cctx_give(w->zc);
	if (w->pbuf) {
		cy_wipe(w->pbuf, w->pdirty);
		free(w->pbuf);
	}
	if (w->zbuf) {
		cy_wipe(w->zbuf, w->zdirty);
		free(w->zbuf);
	}
	free(w);
}

static int buf_sink(void *arg, const void *data, size_t n)
{
	return cy_buf_put(arg, data, n);
}

int cy_object_seal(const uint8_t master[32], const uint8_t key_id[CY_OBJ_KEYID_LEN], int compress,
		   const void *data, size_t n, cy_buf *out)
{
	size_t start = out->len;
	cy_objw *w;
	int rc;

	/* Room for the uncompressed case, so the appends do not reallocate. */
	if (n < SIZE_MAX / 2)
		cy_buf_grow(out, CY_OBJ_HEADER_LEN + n + (n / CY_OBJ_CHUNK + 1) * CY_AEAD_TAG_LEN);
	rc = cy_objw_new(&w, master, key_id, compress, buf_sink, out);
	if (rc)
		return rc;
	rc = cy_objw_write(w, data, n);
	if (!rc)
		rc = cy_objw_finish(w, NULL);
	cy_objw_free(w);
	if (rc && out->ptr) {
		out->len = start;
		out->ptr[start] = 0;
	}
	return rc;
}

/* ---- reader ---------------------------------------------------------------------------------- */

struct cy_objr {
	uint8_t master[32]; /* wiped as soon as the object key is derived */
	cy_aead *aead;
	cy_obj_sink sink;
	void *arg;
	uint64_t max_plain; /* 0 = no bound */
	uint64_t plain;	    /* plaintext bytes given to the sink */
	uint8_t header[CY_OBJ_HEADER_LEN];
	size_t hlen;
	bool zstd, zdone, finished;
	int failed;
	uint64_t chunk; /* index of the next chunk to open */
	uint8_t *cbuf;	/* ciphertext of the chunk being collected (CT_CHUNK) */
	size_t clen;
	uint8_t *pbuf; /* plaintext of the chunk just opened (CY_OBJ_CHUNK) */
	ZSTD_DCtx *zd;
	uint8_t *zbuf;
	size_t zcap;
	size_t pdirty, zdirty; /* as in cy_objw */
};

static int give_plain(cy_objr *r, const uint8_t *p, size_t n)
{
	int rc;

	if (n == 0)
		return 0;
	if (r->max_plain && n > r->max_plain - r->plain)
		return cy_error_set(CY_ECORRUPT, "object is larger than the expected %llu bytes",
				    (unsigned long long)r->max_plain);
	rc = r->sink(r->arg, p, n);
	if (rc)
		return rc;
	r->plain += n;
	return 0;
}

static int decompress_put(cy_objr *r, const uint8_t *p, size_t n)
{
	ZSTD_inBuffer in = {p, n, 0};
	bool more = true; /* the output buffer was filled: zstd may hold more */
	int rc;

	while (in.pos < in.size || more) {
		ZSTD_outBuffer out = {r->zbuf, r->zcap, 0};
		size_t before = in.pos, ret;

		if (r->zdone) {
			if (in.pos < in.size)
				return cy_error_set(CY_ECORRUPT,
						    "object damaged: data after the end of its "
						    "compressed stream");
			break;
		}
		ret = ZSTD_decompressStream(r->zd, &out, &in);
		if (ZSTD_isError(ret))
			return cy_error_set(CY_ECORRUPT, "object damaged: bad compressed data (%s)",
					    ZSTD_getErrorName(ret));
		mark_dirty(&r->zdirty, out.pos);
		rc = give_plain(r, r->zbuf, out.pos);
		if (rc)
			return rc;
		r->zdone = ret == 0;
		more = out.pos == out.size;
		if (!more && in.pos == before && in.pos < in.size)
			return cy_error_set(CY_ECORRUPT,
					    "object damaged: compressed stream stalls");
	}
	return 0;
}

static int open_as(cy_objr *r, const uint8_t *ct, size_t len, bool last)
{
	uint8_t nonce[CY_AEAD_NONCE_LEN];

	make_nonce(nonce, r->chunk, last);
	return cy_aead_open(r->aead, nonce, r->header, CY_OBJ_HEADER_LEN, ct, len, r->pbuf);
}

/* Say what is wrong with a chunk that failed: if it opens with the other last flag, the stream
 * was cut after it or goes on past its end; otherwise it is damaged. */
static int chunk_failed(cy_objr *r, const uint8_t *ct, size_t len, bool last)
{
	unsigned long long idx = r->chunk;

	if (len == CT_CHUNK && open_as(r, ct, len, !last) == 0) {
		cy_wipe(r->pbuf, CY_OBJ_CHUNK);
		return cy_error_set(CY_ECORRUPT,
				    last ? "object truncated: stream ends after chunk %llu"
					 : "object damaged: data after the final chunk %llu",
				    idx);
	}
	return cy_error_set(CY_ECORRUPT, "object damaged: chunk %llu failed authentication", idx);
}

/* Open chunk r->chunk from ct (ciphertext and tag) and pass its plaintext on. */
static int open_chunk(cy_objr *r, const uint8_t *ct, size_t len, bool last)
{
	size_t n = len - CY_AEAD_TAG_LEN;
	int rc;

	mark_dirty(&r->pdirty, n);
	rc = open_as(r, ct, len, last);
	if (rc == CY_ECORRUPT)
		return chunk_failed(r, ct, len, last);
	if (rc)
		return rc;
	if (last && n == 0 && r->chunk > 0)
		return cy_error_set(CY_ECORRUPT, "object damaged: empty final chunk %llu",
				    (unsigned long long)r->chunk);
	r->chunk++;
	return r->zstd ? decompress_put(r, r->pbuf, n) : give_plain(r, r->pbuf, n);
}

static int reader_start(cy_objr *r)
{
	cy_obj_header h;
	size_t ret;
	int rc = cy_object_header_parse(r->header, CY_OBJ_HEADER_LEN, &h);

	if (!rc)
		rc = object_aead(h.version, r->master, h.salt, &r->aead);
	cy_wipe(r->master, sizeof(r->master));
	if (rc)
		return rc;
	r->zstd = h.flags & OBJ_FLAG_ZSTD;
	if (!r->zstd)
		return 0;
	r->zd = dctx_take();
	r->zcap = ZSTD_DStreamOutSize();
	r->zbuf = malloc(r->zcap);
	if (!r->zd || !r->zbuf)
		return cy_error_set(CY_ENOMEM, "out of memory for zstd");
	ret = ZSTD_DCtx_setParameter(r->zd, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX);
	if (ZSTD_isError(ret))
		return cy_error_set(CY_ERROR, "zstd: %s", ZSTD_getErrorName(ret));
	return 0;
}

int cy_objr_new(cy_objr **out, const uint8_t master[32], uint64_t max_plain, cy_obj_sink sink,
		void *arg)
{
	cy_objr *r;

	*out = NULL;
	if (!sink)
		return cy_error_set(CY_EINVALID, "object reader needs a sink");
	r = calloc(1, sizeof(*r));
	if (!r)
		return cy_error_set(CY_ENOMEM, "out of memory");
	r->cbuf = malloc(CT_CHUNK + CY_OBJ_CHUNK);
	if (!r->cbuf) {
		free(r);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	r->pbuf = r->cbuf + CT_CHUNK;
	memcpy(r->master, master, sizeof(r->master));
	r->max_plain = max_plain;
	r->sink = sink;
	r->arg = arg;
	*out = r;
	return 0;
}

static int reader_feed(cy_objr *r, const uint8_t *p, size_t n)
{
	int rc;

	while (n > 0) {
		if (r->hlen < CY_OBJ_HEADER_LEN) {
			size_t left = CY_OBJ_HEADER_LEN - r->hlen, take = left < n ? left : n;

			memcpy(r->header + r->hlen, p, take);
			r->hlen += take;
			p += take;
			n -= take;
			if (r->hlen == CY_OBJ_HEADER_LEN && (rc = reader_start(r)))
				return rc;
			continue;
		}
		/* More bytes follow, so a full buffered chunk is not the last one. */
		if (r->clen == CT_CHUNK) {
			rc = open_chunk(r, r->cbuf, CT_CHUNK, false);
			if (rc)
				return rc;
			r->clen = 0;
		}
		if (r->clen == 0 && n > CT_CHUNK) {
			rc = open_chunk(r, p, CT_CHUNK, false);
			if (rc)
				return rc;
			p += CT_CHUNK;
			n -= CT_CHUNK;
			continue;
		}
		size_t take = CT_CHUNK - r->clen < n ? CT_CHUNK - r->clen : n;

		memcpy(r->cbuf + r->clen, p, take);
		r->clen += take;
		p += take;
		n -= take;
	}
	return 0;
}

int cy_objr_feed(cy_objr *r, const void *data, size_t n)
{
	int rc;

	if (r->failed)
		return r->failed;
	if (r->finished)
		return cy_error_set(CY_EINVALID, "object reader used after finish");
	rc = reader_feed(r, data, n);
	if (rc)
		r->failed = rc;
	return rc;
}

int cy_objr_finish(cy_objr *r)
{
	int rc;

	if (r->failed)
		return r->failed;
	if (r->finished)
		return cy_error_set(CY_EINVALID, "object reader finished twice");
	if (r->hlen < CY_OBJ_HEADER_LEN)
		rc = cy_error_set(CY_ECORRUPT, "object truncated: %zu of %d header bytes", r->hlen,
				  CY_OBJ_HEADER_LEN);
	else if (r->clen < CY_AEAD_TAG_LEN)
		rc = cy_error_set(CY_ECORRUPT, "object truncated: stream ends after chunk %llu",
				  (unsigned long long)r->chunk);
	else
		rc = open_chunk(r, r->cbuf, r->clen, true);
	if (!rc && r->zstd && !r->zdone)
		rc = cy_error_set(CY_ECORRUPT, "object damaged: compressed stream ends early");
	if (rc) {
		r->failed = rc;
		return rc;
	}
	r->finished = true;
	return 0;
}

void cy_objr_free(cy_objr *r)
{
	if (!r)
		return;
	cy_wipe(r->master, sizeof(r->master));
	cy_aead_free(r->aead);
	dctx_give(r->zd);
	cy_wipe(r->pbuf, r->pdirty);
	free(r->cbuf);
	if (r->zbuf) {
		cy_wipe(r->zbuf, r->zdirty);
		free(r->zbuf);
	}
	free(r);
}

int cy_object_open(const uint8_t master[32], uint64_t max_plain, const void *data, size_t n,
		   cy_buf *out)
{
	size_t start = out->len;
	cy_objr *r;
	int rc = cy_objr_new(&r, master, max_plain, buf_sink, out);

	if (rc)
		return rc;
	rc = cy_objr_feed(r, data, n);
	if (!rc)
		rc = cy_objr_finish(r);
	cy_objr_free(r);
	/* Plaintext of a stream that failed is not the object's: take it back. */
	if (rc && out->ptr) {
		cy_wipe(out->ptr + start, out->len - start);
		out->len = start;
	}
	return rc;
}
