/* encpage.c - sealing and opening one page of the encrypted search index.
 *
 * Associated data = "cyix1" || id (16) || kind (1) || pgno (4, big-endian):
 * a page authenticates only in its own database, file kind and position
 * (docs/formats/index-page.md). */
#include <string.h>

#include "custody/error.h"
#include "search/encpage.h"
#include "custody/banned.h"

#define AAD_LEN (5 + CY_ENCPAGE_ID_LEN + 1 + 4)

static void make_aad(uint8_t aad[AAD_LEN], const uint8_t id[CY_ENCPAGE_ID_LEN], int kind,
		     uint32_t pgno)
{
	memcpy(aad, "cyix1", 5);
	memcpy(aad + 5, id, CY_ENCPAGE_ID_LEN);
	aad[5 + CY_ENCPAGE_ID_LEN] = (uint8_t)kind;
	aad[6 + CY_ENCPAGE_ID_LEN] = (uint8_t)(pgno >> 24);
	aad[7 + CY_ENCPAGE_ID_LEN] = (uint8_t)(pgno >> 16);
	aad[8 + CY_ENCPAGE_ID_LEN] = (uint8_t)(pgno >> 8);
	aad[9 + CY_ENCPAGE_ID_LEN] = (uint8_t)pgno;
}

int cy_encpage_seal(cy_aead *a, const uint8_t id[CY_ENCPAGE_ID_LEN], int kind, uint32_t pgno,
		    const uint8_t nonce[CY_AEAD_NONCE_LEN], const uint8_t *in, uint8_t *out)
{
	uint8_t aad[AAD_LEN];
	uint8_t tag[CY_AEAD_TAG_LEN];
	int rc;

	if (pgno == 0)
		return cy_error_set(CY_EINVALID, "search index: page number 0");
	make_aad(aad, id, kind, pgno);
	/* cy_aead_seal writes the tag right after the ciphertext, that is over the
	 * id field; move it to its place. */
	rc = cy_aead_seal(a, nonce, aad, sizeof aad, in, CY_ENCPAGE_BODY, out);
	if (rc < 0)
		return rc;
	memcpy(tag, out + CY_ENCPAGE_BODY, CY_AEAD_TAG_LEN);
	memcpy(out + CY_ENCPAGE_OFF_ID, id, CY_ENCPAGE_ID_LEN);
	memcpy(out + CY_ENCPAGE_OFF_NONCE, nonce, CY_AEAD_NONCE_LEN);
	memcpy(out + CY_ENCPAGE_OFF_TAG, tag, CY_AEAD_TAG_LEN);
	return 0;
}

int cy_encpage_open(cy_aead *a, const uint8_t id[CY_ENCPAGE_ID_LEN], int kind, uint32_t pgno,
		    const uint8_t *in, uint8_t *out)
{
	uint8_t aad[AAD_LEN];
	uint8_t tail[CY_ENCPAGE_RESERVE];
	uint8_t ct[CY_ENCPAGE_BODY + CY_AEAD_TAG_LEN];
	int rc;

	memcpy(tail, in + CY_ENCPAGE_BODY, CY_ENCPAGE_RESERVE);
	if (pgno == 0 || (id && !cy_memeq(id, tail, CY_ENCPAGE_ID_LEN))) {
		rc = cy_error_set(CY_ECORRUPT,
				  "search index: page %u belongs to another index or is damaged",
				  (unsigned)pgno);
		goto fail;
	}
	make_aad(aad, tail, kind, pgno);
	memcpy(ct, in, CY_ENCPAGE_BODY);
	memcpy(ct + CY_ENCPAGE_BODY, tail + CY_ENCPAGE_ID_LEN + CY_AEAD_NONCE_LEN, CY_AEAD_TAG_LEN);
	rc = cy_aead_open(a, tail + CY_ENCPAGE_ID_LEN, aad, sizeof aad, ct, sizeof ct, out);
	if (rc < 0) {
		rc = cy_error_set(CY_ECORRUPT, "search index: page %u failed authentication",
				  (unsigned)pgno);
		goto fail;
	}
	memcpy(out + CY_ENCPAGE_BODY, tail, CY_ENCPAGE_RESERVE);
	return 0;
fail:
	memset(out, 0, CY_ENCPAGE_SIZE);
	return rc;
}
