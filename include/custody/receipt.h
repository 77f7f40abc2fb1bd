/* receipt.h - the receiver's signed statement of what it received and
 * verified (docs/formats/receipt.md): custody-receipt/v1, Ed25519. */
#ifndef CUSTODY_RECEIPT_H
#define CUSTODY_RECEIPT_H

#include <stdint.h>

#include "custody/buf.h"

typedef struct cy_receipt {
	char transfer[160];    /* the package's Transfer-Id: "<vault id>/t<n>" */
	char tag_manifest[65]; /* SHA-256 of tagmanifest-sha256.txt, hex */
	uint64_t records, subjects, files, bytes;
	char received[32];    /* RFC 3339 UTC */
	uint64_t ledger_size; /* the sender's ledger as the package carried it */
	char ledger_root[65];
	char receiver_key[128]; /* custody-sign1... */
	uint8_t signature[64];
} cy_receipt;

/* The bytes the signature covers: "custody-receipt/v1\n" and the receipt's
 * body as JSON with sorted keys and no spaces (all values ASCII). */
int cy_receipt_message(const cy_receipt *r, cy_buf *out);
/* Sign r (seed: the receiver's signing key; receiver_key is set from it)
 * and write the receipt file's JSON into out. */
int cy_receipt_sign(cy_receipt *r, const uint8_t seed[32], cy_buf *out);
/* Parse a receipt file (strict: every member present, of its type, nothing
 * else) and verify its signature with the key it names.  CY_EINVALID for a
 * malformed one, CY_ECORRUPT for a signature that does not verify. */
int cy_receipt_parse(const void *data, size_t n, cy_receipt *out);

#endif
