/* vault_spill.c - sealed scratch files for an importer that must hold more
 * than memory allows (a transactions export grouped by customer): unnamed
 * files (O_TMPFILE) in the vault's directory, so that nothing is left behind
 * by a crash, written in chunks sealed with ChaCha20-Poly1305 under a random
 * key that lives only in this process's locked memory.  What reaches the
 * disk is ciphertext that nobody, the process itself after it ends included,
 * can read (docs/internals/import-table.md "Memory"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/import.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define SPILL_CHUNK_MAX (64u << 20)

struct cy_spill {
	int fd;
	cy_aead *a;
	uint64_t wchunks, rchunks; /* chunks written, read: each chunk's number is in its AAD */
	uint64_t woff, roff;
	uint32_t id;
	cy_buf ct, pt;
};

int cy_import_spill_new(cy_import *im, uint32_t id, cy_spill **out)
{
	cy_vault *v = cy_import__vault(im);
	uint8_t *key = cy_secure_alloc(32);
	cy_spill *s = calloc(1, sizeof(*s));
	int rc;

	if (!s || !key) {
		free(s);
		cy_secure_free(key, 32);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	s->id = id;
	s->fd = open(v->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* a file system without unnamed files: a random name, removed at once */
		uint8_t rnd[12];
		char hex[25];
		cy_buf path = CY_BUF_INIT;
		if (!(rc = cy_random(rnd, sizeof(rnd)))) {
			cy_hex_encode(rnd, sizeof(rnd), hex);
			rc = cy_buf_printf(&path, "%s/.scratch-%s", v->dir, hex);
		}
		if (!rc) {
			s->fd = open((const char *)path.ptr,
				     O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (s->fd >= 0)
				unlink((const char *)path.ptr);
		}
		cy_buf_release(&path);
		if (rc)
			goto fail;
	}
	if (s->fd < 0) {
		rc = cy_error_set(errno == ENOSPC ? CY_ENOSPC : CY_EIO,
				  "cannot make a scratch file in %s: %s", v->dir, strerror(errno));
		goto fail;
	}
	rc = cy_random(key, 32);
	rc = rc ? rc : cy_aead_new(&s->a, key);
	if (rc)
		goto fail;
	cy_secure_free(key, 32);
	*out = s;
	return 0;
fail:
	cy_secure_free(key, 32);
	cy_spill_free(s);
	return rc;
}

static void chunk_aad(const cy_spill *s, uint64_t no, uint8_t aad[12])
{
	for (int i = 0; i < 4; i++)
		aad[i] = (uint8_t)(s->id >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		aad[4 + i] = (uint8_t)(no >> (56 - 8 * i));
}

int cy_spill_write(cy_spill *s, const void *p, size_t n)
{
	uint8_t nonce[12], aad[12], hdr[4];
	int rc;

	if (!n)
		return 0;
	if (n > SPILL_CHUNK_MAX)
		return cy_error_set(CY_EINVALID, "a scratch chunk of %zu bytes is too large", n);
	chunk_aad(s, s->wchunks, aad);
	cy_buf_clear(&s->ct);
	rc = cy_random(nonce, sizeof(nonce));
	hdr[0] = (uint8_t)(n >> 24);
	hdr[1] = (uint8_t)(n >> 16);
	hdr[2] = (uint8_t)(n >> 8);
	hdr[3] = (uint8_t)n;
	rc = rc ? rc : cy_buf_put(&s->ct, hdr, 4);
	rc = rc ? rc : cy_buf_put(&s->ct, nonce, 12);
	rc = rc ? rc : cy_buf_grow(&s->ct, n + 16);
	rc = rc ? rc : cy_aead_seal(s->a, nonce, aad, sizeof(aad), p, n, s->ct.ptr + s->ct.len);
	if (rc)
		return rc;
	s->ct.len += n + 16;
	if ((rc = cy_write_all(s->fd, s->ct.ptr, s->ct.len, "a scratch file")))
		return rc;
	s->woff += s->ct.len;
	s->wchunks++;
	return 0;
}

int cy_spill_rewind(cy_spill *s)
{
	s->roff = 0;
	s->rchunks = 0;
	return 0;
}

int cy_spill_read(cy_spill *s, const uint8_t **p, size_t *n)
{
	uint8_t hdr[16], aad[12];
	size_t len;
	int rc;

	*p = NULL;
	*n = 0;
	if (s->rchunks == s->wchunks)
		return 0;
	if ((rc = cy_pread_all(s->fd, hdr, 16, s->roff, "a scratch file")))
		return rc;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len > SPILL_CHUNK_MAX)
		return cy_error_set(CY_ECORRUPT, "a scratch file was changed under custody");
	cy_buf_clear(&s->ct);
	cy_buf_wipe(&s->pt);
	rc = cy_buf_grow(&s->ct, len + 16);
	rc = rc ? rc : cy_buf_grow(&s->pt, len + 1);
	rc = rc ? rc : cy_pread_all(s->fd, s->ct.ptr, len + 16, s->roff + 16, "a scratch file");
	if (rc)
		return rc;
	chunk_aad(s, s->rchunks, aad);
	if (cy_aead_open(s->a, hdr + 4, aad, sizeof(aad), s->ct.ptr, len + 16, s->pt.ptr))
		return cy_error_set(CY_ECORRUPT, "a scratch file was changed under custody");
	s->pt.len = len;
	s->roff += 16 + len + 16;
	s->rchunks++;
	*p = s->pt.ptr;
	*n = len;
	return 0;
}

void cy_spill_free(cy_spill *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	cy_aead_free(s->a);
	cy_buf_release(&s->ct);
	cy_buf_wipe(&s->pt);
	free(s);
}
