/* note.h - C2SP signed notes with Ed25519 signatures, and C2SP tlog-checkpoint
 * bodies carried in them.  Formats in docs/formats/ledger.md.
 *
 *   verifier key:  <name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>
 *   key id:        first 4 bytes of SHA-256(<name> || 0x0A || 0x01 || pubkey), big-endian
 *   note:          <body ending in \n>\n— <name> <base64(key id || 64-byte signature)>\n ...
 *   checkpoint:    <origin>\n<decimal tree size>\n<base64 root hash>\n[extension lines]
 */
#ifndef CUSTODY_NOTE_H
#define CUSTODY_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

#define CY_NOTE_NAME_MAX 255

/* Key names (C2SP): non-empty UTF-8 without Unicode spaces, '+' or control
 * characters; custody also limits them to CY_NOTE_NAME_MAX bytes. */

/* Append the verifier key string for name and an Ed25519 public key to out.
 * CY_EINVALID if name is not a valid key name. */
int cy_note_vkey(const char *name, const uint8_t pub[32], cy_buf *out);

typedef struct cy_note_verifier {
	char name[CY_NOTE_NAME_MAX + 1]; /* NUL-terminated */
	uint32_t key_id;
	uint8_t pub[32];
} cy_note_verifier;
/* Parse a verifier key string (n bytes, no NUL needed); checks the name, the
 * key id (8 lower-case hex digits, must match the key) and the key.
 * CY_EINVALID if malformed, CY_EUNSUPPORTED for a signature type other than
 * Ed25519 (0x01).  *out is written only on success. */
int cy_note_vkey_parse(const char *vkey, size_t n, cy_note_verifier *out);

/* Fill *v from a name and an Ed25519 public key (computes the key id), as
 * cy_note_vkey_parse would from the string cy_note_vkey makes.  Added for the
 * ledger, which holds the public key itself.  CY_EINVALID on a bad name. */
int cy_note_verifier_init(cy_note_verifier *v, const char *name, const uint8_t pub[32]);

/* Sign body with the Ed25519 key of seed under name, and append the whole
 * note (body, blank line, one signature line) to out.  The body must be
 * non-empty UTF-8 ending in '\n', without control characters other than '\n',
 * and must not end in an empty line; empty lines inside it are allowed as in
 * C2SP.  CY_EINVALID otherwise; out is unchanged on failure. */
int cy_note_sign(const char *body, size_t n, const char *name, const uint8_t seed[32], cy_buf *out);

/* Parse a note (n bytes, no NUL needed) and verify that it carries a valid
 * signature by v.  On success the body (up to and including its final
 * newline) is appended to body_out.  Signatures by other keys are ignored.
 * CY_EINVALID if malformed (not UTF-8, control characters or '\r', no or more
 * than one blank line before the signatures, a bad signature line, more than
 * 100 signature lines, two signatures by v); CY_ECORRUPT if a signature
 * claiming v's name and key id fails, or if there is none. */
int cy_note_open(const char *note, size_t n, const cy_note_verifier *v, cy_buf *body_out);

typedef struct cy_checkpoint {
	char origin[CY_NOTE_NAME_MAX + 1];
	uint64_t size;
	uint8_t root[32];
} cy_checkpoint;

/* Append the checkpoint body (origin, size, base64 root, each ending in '\n').
 * CY_EINVALID if the origin is empty, unterminated or has control characters. */
int cy_checkpoint_format(const cy_checkpoint *cp, cy_buf *out);
/* Parse a checkpoint body: origin (non-empty, at most CY_NOTE_NAME_MAX bytes),
 * decimal size without leading zeros, base64 of a 32-byte root, then optional
 * non-empty extension lines (ignored).  CY_EINVALID, naming the line, on
 * anything else.  *out is written only on success. */
int cy_checkpoint_parse(const char *body, size_t n, cy_checkpoint *out);

#endif
