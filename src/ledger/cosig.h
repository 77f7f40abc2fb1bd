/* cosig.h - C2SP cosignature/v1: a witness's timestamped Ed25519 signature
 * of a checkpoint, carried as one more signature line of the checkpoint's
 * signed note (https://c2sp.org/tlog-cosignature).  Formats in
 * docs/formats/ledger.md section 9.
 *
 *   verifier key:  <name>+<8 hex key id>+<base64(0x04 || 32-byte public key)>
 *   key id:        first 4 bytes of SHA-256(<name> || 0x0A || 0x04 || pubkey)
 *   signed message: "cosignature/v1\ntime <decimal seconds>\n" || checkpoint body
 *   signature line: — <name> <base64(key id || 8-byte big-endian time || signature)>
 *   secret key file: PRIVATE+KEY+<name>+<key id>+<base64(0x04 || 32-byte seed)>\n
 */
#ifndef CUSTODY_COSIG_H
#define CUSTODY_COSIG_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"
#include "ledger/note.h"

#define CY_COSIG_TYPE 0x04

/* The cosignature verifier key of name and an Ed25519 public key, appended
 * to out; CY_EINVALID on a bad name. */
int cy_cosig_vkey(const char *name, const uint8_t pub[32], cy_buf *out);
/* Parse a cosignature verifier key (type 0x04; the key id must match).
 * CY_EINVALID if malformed, CY_EUNSUPPORTED for another type.  The result's
 * key_id is the cosignature key id. */
int cy_cosig_vkey_parse(const char *vkey, size_t n, cy_note_verifier *out);

/* The secret key file text of name and seed (appended to out), and its
 * parse (CY_EINVALID if malformed or if the key id does not match).  seed
 * must be 32 bytes of (locked) memory; name_out holds CY_NOTE_NAME_MAX + 1. */
int cy_cosig_skey(const char *name, const uint8_t seed[32], cy_buf *out);
int cy_cosig_skey_parse(const char *text, size_t n, char *name_out, uint8_t seed[32]);

/* The message a cosignature signs: "cosignature/v1\ntime T\n" || body. */
int cy_cosig_message(const char *body, size_t n, uint64_t time, cy_buf *out);

/* Append to out the note (n bytes, a signed note whose body is a checkpoint)
 * followed by one cosignature line by the key of seed under name, at time.
 * The note's syntax is checked (CY_EINVALID); its signatures are not: verify
 * it against the log's key first.  A note that already carries a line by
 * this key is refused (CY_EEXISTS). */
int cy_cosig_add(const char *note, size_t n, const char *name, const uint8_t seed[32],
		 uint64_t time, cy_buf *out);

/* Verify that the note carries a valid cosignature by w over its body;
 * *time receives the cosignature's time.  CY_EINVALID if malformed,
 * CY_ECORRUPT if the line by w fails or there is none. */
int cy_cosig_open(const char *note, size_t n, const cy_note_verifier *w, uint64_t *time);

#endif
