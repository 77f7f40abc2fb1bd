/* age.h - the age v1 file format (https://age-encryption.org/v1) with X25519
 * recipients, streamed: the layer that encrypts a transfer package to its
 * receiver (issue 9).  docs/formats/age.md says what is implemented.
 *
 * Keys: a recipient is the receiver's X25519 public key, written age1...; an
 * identity is the matching private key, AGE-SECRET-KEY-1... (both BIP 173
 * Bech32, as age-keygen writes them).
 *
 * Errors: CY_EINVALID for a malformed key or header ("not an age file"),
 * CY_EUNSUPPORTED for another age version, CY_EAUTH when no identity opens any
 * recipient stanza, CY_ECORRUPT for a bad header MAC, a chunk that fails its
 * tag, a payload cut short or followed by extra bytes; a code from the write
 * or read callback is passed up unchanged.  Every function sets the detail
 * with cy_error_set. */
#ifndef CUSTODY_AGE_H
#define CUSTODY_AGE_H

#include <stddef.h>
#include <stdint.h>

#define CY_AGE_RECIPIENT_MAX 128

/* Write all n bytes; 0 or a negative CY_E code. */
typedef int (*cy_age_write_fn)(void *arg, const void *data, size_t n);
/* Read up to n bytes; returns the bytes read (0 = end of input) or a negative CY_E code. */
typedef long (*cy_age_read_fn)(void *arg, void *buf, size_t n);

/* age1... -> the 32-byte X25519 public key.  Strict: lower case, the "age"
 * prefix, a valid checksum, 32 bytes.  CY_EINVALID otherwise. */
int cy_age_recipient_parse(const char *s, uint8_t pub[32]);
int cy_age_recipient_format(const uint8_t pub[32], char out[CY_AGE_RECIPIENT_MAX]);
/* AGE-SECRET-KEY-1... (upper case only) -> the 32-byte X25519 private key. */
int cy_age_identity_parse(const char *s, uint8_t priv[32]);
int cy_age_identity_format(const uint8_t priv[32], char out[CY_AGE_RECIPIENT_MAX]);
/* The recipient of an identity (its X25519 public key). */
int cy_age_identity_to_recipient(const uint8_t priv[32], uint8_t pub[32]);

/* Read an identity file as age-keygen writes it: lines starting with '#'
 * and empty lines are skipped, every other line must be an
 * AGE-SECRET-KEY-1... identity (at least one).  *privs is the caller's, in
 * locked memory: free it with cy_age_identity_free(*privs, *n).  The file's
 * mode is not checked here: see cy_age_key_file_check. */
int cy_age_identity_load(const char *path, uint8_t (**privs)[32], size_t *n);
/* The same for several identity files (age -i A -i B), in order. */
int cy_age_identity_load_all(const char *const *paths, size_t npaths, uint8_t (**privs)[32],
			     size_t *n);
/* Wipe and free what cy_age_identity_load returned; accepts NULL. */
void cy_age_identity_free(uint8_t (*privs)[32], size_t n);

/* Make a new X25519 key pair and write the identity to path (created with
 * O_EXCL, mode 0600: an existing file is never replaced, CY_EEXISTS) with
 * age-keygen's comment lines "# created: ..." and "# public key: age1...".
 * The recipient goes to recipient_out. */
int cy_age_keygen_file(const char *path, char recipient_out[CY_AGE_RECIPIENT_MAX]);

/* 0 if the key file at path is readable by its owner only; CY_EPERM (with a
 * message saying what to do) if group or others may read or write it, which a
 * front end shows as a warning; another code if it cannot be examined. */
int cy_age_key_file_check(const char *path);

/* ---- encryption: header on _new, then the payload in 64 KiB chunks -------- */
typedef struct cy_age_enc cy_age_enc;
/* Start an age file to n >= 1 recipients: a fresh file key, one X25519
 * stanza per recipient, the header MAC and the payload nonce are written
 * through w before this returns.  *out is the caller's (cy_age_enc_free). */
int cy_age_enc_new(cy_age_enc **out, const uint8_t (*recipients)[32], size_t n, cy_age_write_fn w,
		   void *arg);
/* Encrypt n more bytes; full chunks are written as they fill. */
int cy_age_enc_write(cy_age_enc *e, const void *data, size_t n);
/* Write the last chunk.  The file is complete only once this returned 0;
 * after it, _write and _finish fail. */
int cy_age_enc_finish(cy_age_enc *e);
/* Wipe and free; accepts NULL.  Freeing without _finish leaves a file that
 * every reader refuses as cut short. */
void cy_age_enc_free(cy_age_enc *e);

/* ---- decryption -------------------------------------------------------------- */
typedef struct cy_age_dec cy_age_dec;
/* Read and check the header: parse it strictly, unwrap the file key with
 * the first of privs (n >= 1) that opens an X25519 stanza, verify the header
 * MAC and read the payload nonce.  *out is the caller's (cy_age_dec_free). */
int cy_age_dec_new(cy_age_dec **out, const uint8_t (*privs)[32], size_t n, cy_age_read_fn r,
		   void *arg);
/* Up to n bytes of plaintext: > 0 bytes, 0 once the whole file has been
 * read and verified (last chunk authenticated, nothing after it), < 0 on an
 * error (sticky: every later call returns it again).  No byte of a chunk is
 * handed out before the chunk's tag verified. */
long cy_age_dec_read(cy_age_dec *d, void *buf, size_t n);
/* Wipe and free; accepts NULL. */
void cy_age_dec_free(cy_age_dec *d);

#endif
