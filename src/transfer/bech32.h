/* bech32.h - BIP 173 Bech32 (not Bech32m) for the key strings of the
 * transfer layer: age recipients and identities (age1..., AGE-SECRET-KEY-1...)
 * and custody's signing keys (custody-sign1..., CUSTODY-SIGNING-KEY-1...).
 * Private to src/transfer/. */
#ifndef CY_TRANSFER_BECH32_H
#define CY_TRANSFER_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Encode data[0..n) under hrp (lower case, or all upper case when upper) into
 * out (NUL-terminated).  CY_EINVALID if hrp is not printable ASCII or out is
 * too small. */
int cy_bech32__encode(const char *hrp, const uint8_t *data, size_t n, bool upper, char *out,
		      size_t outsz);

/* Decode s strictly: one case throughout, printable ASCII, a valid Bech32
 * checksum, zero padding bits.  The human-readable part (lower-cased) goes to
 * hrp (hrpsz bytes with the NUL), the data to data; *n its length.
 * *upper says whether s was upper case.  CY_EINVALID on any fault. */
int cy_bech32__decode(const char *s, char *hrp, size_t hrpsz, uint8_t *data, size_t datasz,
		      size_t *n, bool *upper);

#endif
