/* sigkey.h - custody's Ed25519 signing keys for transfer receipts
 * (docs/formats/keys-files.md): the secret seed in a key file as
 * CUSTODY-SIGNING-KEY-1... and the public key as custody-sign1... (BIP 173
 * Bech32, as age's keys are).  The receiver signs its receipt with the seed;
 * the sender names the public key in `receiver add --signing-key`. */
#ifndef CUSTODY_SIGKEY_H
#define CUSTODY_SIGKEY_H

#include <stdint.h>

#define CY_SIGKEY_MAX 128

/* custody-sign1... -> the 32-byte Ed25519 public key; CY_EINVALID if it is not one. */
int cy_signing_pub_parse(const char *s, uint8_t pub[32]);
int cy_signing_pub_format(const uint8_t pub[32], char out[CY_SIGKEY_MAX]);
/* CUSTODY-SIGNING-KEY-1... (upper case) -> the 32-byte seed. */
int cy_signing_key_parse(const char *s, uint8_t seed[32]);
int cy_signing_key_format(const uint8_t seed[32], char out[CY_SIGKEY_MAX]);
/* The public key of a seed. */
int cy_signing_key_public(const uint8_t seed[32], uint8_t pub[32]);
/* Read a signing key file: '#' comment lines and empty lines skipped,
 * exactly one CUSTODY-SIGNING-KEY-1 line.  The caller wipes seed. */
int cy_signing_key_load(const char *path, uint8_t seed[32]);
/* Make a new key pair: the seed to path (O_EXCL, mode 0600, with comment
 * lines "# created: ..." and "# public key: custody-sign1..."), the public
 * key to pub_out. */
int cy_signing_keygen_file(const char *path, char pub_out[CY_SIGKEY_MAX]);

#endif
