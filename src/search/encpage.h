/* encpage.h - the sealed page of the encrypted search index (internal).
 *
 * One page of the index database (its main file, or a page image in its
 * rollback journal) is CY_ENCPAGE_SIZE bytes: the first CY_ENCPAGE_BODY bytes
 * are ChaCha20-Poly1305 ciphertext of SQLite's page content, the last
 * CY_ENCPAGE_RESERVE bytes (SQLite's "reserved bytes per page") hold the
 * database id, the nonce and the tag.  The layout and a test vector are in
 * docs/formats/index-page.md.  No SQLite here: the fuzz target and the unit
 * tests drive these functions directly. */
#ifndef CUSTODY_SEARCH_ENCPAGE_H
#define CUSTODY_SEARCH_ENCPAGE_H

#include <stdint.h>

#include "crypto/crypto.h"

#define CY_ENCPAGE_SIZE 4096
#define CY_ENCPAGE_ID_LEN 16
#define CY_ENCPAGE_RESERVE (CY_ENCPAGE_ID_LEN + CY_AEAD_NONCE_LEN + CY_AEAD_TAG_LEN) /* 44 */
#define CY_ENCPAGE_BODY (CY_ENCPAGE_SIZE - CY_ENCPAGE_RESERVE)
/* offsets inside the page */
#define CY_ENCPAGE_OFF_ID CY_ENCPAGE_BODY
#define CY_ENCPAGE_OFF_NONCE (CY_ENCPAGE_OFF_ID + CY_ENCPAGE_ID_LEN)
#define CY_ENCPAGE_OFF_TAG (CY_ENCPAGE_OFF_NONCE + CY_AEAD_NONCE_LEN)

/* What file a page lives in; part of the associated data, so a journal page
 * image cannot be passed off as a database page or the reverse. */
enum { CY_ENCPAGE_KIND_DB = 1, CY_ENCPAGE_KIND_JOURNAL = 2 };

/* Seal one page: `in` is SQLite's plaintext page (CY_ENCPAGE_SIZE bytes; its
 * reserved tail is ignored), `out` receives the sealed page.  nonce is the
 * 12 fresh random bytes to use (the VFS draws them; tests pass fixed ones).
 * in and out may be the same buffer. */
int cy_encpage_seal(cy_aead *a, const uint8_t id[CY_ENCPAGE_ID_LEN], int kind, uint32_t pgno,
		    const uint8_t nonce[CY_AEAD_NONCE_LEN], const uint8_t *in, uint8_t *out);

/* Open one sealed page: checks that its id field equals `id` (when id is not
 * NULL), authenticates it under (id, kind, pgno) and writes the plaintext
 * page to out (the body decrypted, the reserved tail copied as it was).
 * CY_ECORRUPT if the page does not authenticate; out is then zeroed.
 * in and out may be the same buffer. */
int cy_encpage_open(cy_aead *a, const uint8_t id[CY_ENCPAGE_ID_LEN], int kind, uint32_t pgno,
		    const uint8_t *in, uint8_t *out);

#endif
