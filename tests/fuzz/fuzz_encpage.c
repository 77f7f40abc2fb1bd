/* fuzz_encpage.c - libFuzzer target for the encrypted search index's pages
 * (src/search/encpage.c, encvfs.c): hostile bytes on disk.
 *
 * 1. The input, padded or cut to one page, is opened as a sealed page under
 *    a fixed key at a page number and file kind taken from its first bytes:
 *    it must fail with CY_ECORRUPT and leave the output zeroed, or (never in
 *    practice) succeed.
 * 2. The input's bytes are sealed as a page and opened again: the round trip
 *    must give them back; one bit flipped at a position taken from the input
 *    must make the open fail.
 * 3. The input is laid beside a valid index as its hot rollback journal and
 *    the index is opened and queried: whatever the journal holds (its header
 *    and page numbers are plaintext, its page images sealed), the result is
 *    an error code or a consistent answer, never a crash.
 * Seed corpus: tests/fuzz/corpus/encpage/. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "custody/error.h"
#include "custody/sindex.h"
#include "search/encpage.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEY[32] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
				7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 1};
static cy_aead *aead;
static char dir[256], base_path[300], path[300], journal[320];
static uint8_t *base_db;
static size_t base_len;

static int hit(void *arg, int64_t doc, double rank)
{
	return 0;
}

static void write_file(const char *p, const void *d, size_t n)
{
	FILE *f = fopen(p, "wb");
	if (!f)
		abort();
	if (n && fwrite(d, 1, n, f) != n)
		abort();
	fclose(f);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	cy_sindex *idx = NULL;
	FILE *f;

	if (cy_aead_new(&aead, KEY) < 0)
		abort();
	snprintf(dir, sizeof dir, "%s/fuzz-encpage.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(base_path, sizeof base_path, "%s/base.db", dir);
	snprintf(path, sizeof path, "%s/idx.db", dir);
	snprintf(journal, sizeof journal, "%s/idx.db-journal", dir);
	if (cy_sindex_open(base_path, KEY, true, &idx) < 0 || cy_sindex_begin(idx) < 0)
		abort();
	for (int i = 1; i <= 50; i++)
		if (cy_sindex_add(idx, i, "客户资料", "北京市朝阳区建国路 13812345678") < 0)
			abort();
	if (cy_sindex_commit(idx) < 0)
		abort();
	cy_sindex_close(idx);
	f = fopen(base_path, "rb");
	if (!f)
		abort();
	base_db = malloc(1 << 20);
	base_len = fread(base_db, 1, 1 << 20, f);
	fclose(f);
	unlink(base_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t page[CY_ENCPAGE_SIZE], out[CY_ENCPAGE_SIZE], sealed[CY_ENCPAGE_SIZE];
	uint8_t id[CY_ENCPAGE_ID_LEN] = {0}, nonce[CY_AEAD_NONCE_LEN] = {0};
	uint32_t pgno;
	int kind, rc;
	cy_sindex *idx = NULL;

	if (!aead)
		setup();
	memset(page, 0, sizeof page);
	memcpy(page, data, size < sizeof page ? size : sizeof page);
	pgno = size >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
				   (uint32_t)data[2] << 8 | data[3]
			 : 1;
	kind = size >= 5 && (data[4] & 1) ? CY_ENCPAGE_KIND_JOURNAL : CY_ENCPAGE_KIND_DB;

	/* 1: hostile page */
	rc = cy_encpage_open(aead, (size >= 6 && (data[5] & 1)) ? id : NULL, kind, pgno, page, out);
	if (rc != 0) {
		if (rc != CY_ECORRUPT)
			abort();
		for (size_t i = 0; i < sizeof out; i++)
			if (out[i])
				abort();
	}

	/* 2: round trip, then one flipped bit */
	if (pgno == 0)
		pgno = 1;
	memcpy(id, page + CY_ENCPAGE_OFF_ID, sizeof id);
	if (cy_encpage_seal(aead, id, kind, pgno, nonce, page, sealed) < 0)
		abort();
	if (cy_encpage_open(aead, id, kind, pgno, sealed, out) < 0 ||
	    memcmp(out, page, CY_ENCPAGE_BODY) != 0)
		abort();
	{
		size_t at = (size >= 8 ? ((size_t)data[6] << 8 | data[7]) : size) % CY_ENCPAGE_SIZE;
		sealed[at] ^= (uint8_t)(1u << (size % 8));
		if (cy_encpage_open(aead, id, kind, pgno, sealed, out) != CY_ECORRUPT)
			abort();
	}

	/* 3: the input as the hot journal of a valid index */
	write_file(path, base_db, base_len);
	write_file(journal, data, size);
	rc = cy_sindex_open(path, KEY, false, &idx);
	if (rc == 0) {
		rc = cy_sindex_query(idx, "朝阳区", 10, 0, hit, NULL);
		if (rc != 0 && rc != CY_ECORRUPT && rc != CY_EIO && rc != CY_EDB)
			abort();
		cy_sindex_close(idx);
	} else if (rc != CY_EAUTH && rc != CY_ECORRUPT && rc != CY_EIO && rc != CY_EDB) {
		abort();
	}
	unlink(journal);
	unlink(path);
	cy_error_clear();
	return 0;
}
