/* object.h - the encrypted object format: one file's bytes, optionally zstd
 * compressed, then encrypted as a chunked ChaCha20-Poly1305 stream (STREAM
 * construction, 64 KiB chunks).  Byte layout in docs/formats/object.md.
 *
 * An object is encrypted under a per-object key derived with HKDF from a
 * 32-byte master key (the fonds key) and a random 16-byte salt in the header,
 * so nonces never repeat across objects.  The header is authenticated as
 * associated data of every chunk.
 *
 * Writer: feed plaintext with cy_objw_write, then cy_objw_finish; ciphertext
 * goes to the sink callback in pieces.  Reader: feed ciphertext bytes with
 * cy_objr_feed (any split), plaintext goes to the sink; cy_objr_finish fails if
 * the stream was truncated.  Neither ever releases plaintext of a chunk whose
 * tag did not verify. */
#ifndef CUSTODY_OBJECT_H
#define CUSTODY_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

#define CY_OBJ_HEADER_LEN 48
#define CY_OBJ_CHUNK 65536
#define CY_OBJ_KEYID_LEN 8
#define CY_OBJ_SALT_BYTES 16

/* Returns 0 or a CY_E code (which aborts the stream and is passed up). */
typedef int (*cy_obj_sink)(void *arg, const void *data, size_t n);

enum cy_obj_compress {
	CY_OBJ_COMPRESS_AUTO = -1, /* decide from the first bytes: sniff + trial */
	CY_OBJ_COMPRESS_NO = 0,
	CY_OBJ_COMPRESS_ZSTD = 1,
};

typedef struct cy_objw cy_objw;

int cy_objw_new(cy_objw **out, const uint8_t master[32], const uint8_t key_id[CY_OBJ_KEYID_LEN],
		int compress, cy_obj_sink sink, void *arg);
/* Pieces of 64 KiB or more are sealed straight from data; smaller ones are copied once. */
int cy_objw_write(cy_objw *w, const void *data, size_t n);
/* Flush the last chunk.  After it, *stored is the total bytes sent to the sink. */
int cy_objw_finish(cy_objw *w, uint64_t *stored);
void cy_objw_free(cy_objw *w);
/* Whether the object is compressed: 1 or 0, or CY_OBJ_COMPRESS_AUTO (-1) while AUTO has not
 * decided yet (it decides once 64 KiB have been written, or at finish). */
int cy_objw_compressed(const cy_objw *w);

/* The object's random salt (header bytes 24-39): it identifies the object, so
 * a record can be bound to its own object (see vault_records.c). */
void cy_objw_salt(const cy_objw *w, uint8_t salt[CY_OBJ_SALT_BYTES]);

/* One-shot helper: encrypt buf into out (appended). */
int cy_object_seal(const uint8_t master[32], const uint8_t key_id[CY_OBJ_KEYID_LEN], int compress,
		   const void *data, size_t n, cy_buf *out);

typedef struct cy_objr cy_objr;

/* max_plain bounds the decompressed size (guards against zstd bombs); 0 = none. */
int cy_objr_new(cy_objr **out, const uint8_t master[32], uint64_t max_plain, cy_obj_sink sink,
		void *arg);
/* Pieces of more than 65552 bytes (a sealed chunk) are opened in place; smaller ones are
 * gathered first. */
int cy_objr_feed(cy_objr *r, const void *data, size_t n);
int cy_objr_finish(cy_objr *r);
void cy_objr_free(cy_objr *r);

/* One-shot: decrypt an entire object held in memory into out (appended). */
int cy_object_open(const uint8_t master[32], uint64_t max_plain, const void *data, size_t n,
		   cy_buf *out);

/* Parse just the header (no key needed): key id and flags.  CY_EINVALID on short input or bad
 * magic, CY_EUNSUPPORTED on an unknown version, cipher or chunk size, CY_ECORRUPT on unknown
 * flags or nonzero reserved bytes. */
typedef struct cy_obj_header {
	uint8_t version;
	uint8_t alg;
	uint8_t flags;
	uint8_t chunk_log2;
	uint8_t key_id[CY_OBJ_KEYID_LEN];
	uint8_t salt[16];
} cy_obj_header;
int cy_object_header_parse(const void *data, size_t n, cy_obj_header *out);

#endif
