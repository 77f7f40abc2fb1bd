/* vault_ledger.c - reading, verifying and proving the audit ledger.
 *
 * log verify recomputes every leaf hash from its entry, checks that sequence
 * numbers have no gaps, checks every stored checkpoint's signature against the
 * ledger key sealed to the users (not just the one in the catalog), and
 * recomputes the root at each checkpoint's size.  The first entry that fails
 * is named.  See docs/formats/ledger.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define LOG_READERS (CY_R(CY_ROLE_AUDITOR) | CY_R(CY_ROLE_SECADMIN) | CY_R(CY_ROLE_SYSADMIN))

int cy_log_list(cy_vault *v, uint64_t from, cy_entry_fn fn, void *arg)
{
	cy_catalog_ledger_iter *it = NULL;
	cy_catalog_ledger_row row = {0};
	int rc;

	if ((rc = cy_vault__require(v, LOG_READERS, N_("read the ledger"))))
		return rc;
	rc = cy_catalog_ledger_iter_open(v->cat, from, 0, &it);
	while (!rc && (rc = cy_catalog_ledger_iter_next(it, &row)) == 1) {
		rc = 0; /* a row */
		rc = fn(arg, row.seq, (const char *)row.entry.ptr, row.entry.len);
	}
	cy_catalog_ledger_iter_free(it);
	cy_catalog_ledger_row_release(&row);
	return rc < 0 ? rc : 0;
}

static int verifier(cy_vault *v, cy_note_verifier *out)
{
	cy_buf vk = CY_BUF_INIT;
	char origin[64];
	int rc;

	snprintf(origin, sizeof(origin), "custody/%s", v->vault_id);
	rc = cy_note_vkey(origin, v->ledger_pub, &vk);
	rc = rc ? rc : cy_note_vkey_parse((char *)vk.ptr, vk.len, out);
	cy_buf_release(&vk);
	return rc;
}

int cy_log_vkey(cy_vault *v, cy_buf *out)
{
	char origin[64];

	snprintf(origin, sizeof(origin), "custody/%s", v->vault_id);
	return cy_note_vkey(origin, v->ledger_pub, out);
}

typedef struct cp_row {
	uint64_t size;
	char *note;
} cp_row;

typedef struct cp_rows {
	cp_row *rows;
	size_t cnt;
} cp_rows;

static int collect_checkpoint(void *arg, uint64_t size, const char *note)
{
	cp_rows *cr = arg;
	cp_row *nr = realloc(cr->rows, sizeof(*nr) * (cr->cnt + 1));

	if (!nr)
		return cy_error_set(CY_ENOMEM, "out of memory");
	cr->rows = nr;
	cr->rows[cr->cnt].size = size;
	cr->rows[cr->cnt].note = strdup(note);
	cr->cnt++;
	return 0;
}

static int load_checkpoints(cy_vault *v, cp_row **out, size_t *n)
{
	cp_rows cr = {NULL, 0};
	int rc = cy_catalog_checkpoint_list(v->cat, collect_checkpoint, &cr);

	*out = cr.rows;
	*n = cr.cnt;
	return rc < 0 ? rc : 0;
}

static void free_checkpoints(cp_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].note);
	free(rows);
}

int cy_log_verify(cy_vault *v, uint64_t *bad_seq, uint64_t *entries, uint64_t *checkpoints)
{
	cy_note_verifier ver;
	cp_row *cps = NULL;
	size_t ncp = 0, ci = 0;
	cy_frontier fr;
	cy_catalog_ledger_iter *it = NULL;
	cy_catalog_ledger_row lrow = {0};
	uint64_t expect = 1, prev_cp = 0;
	int rc;

	*bad_seq = 0;
	*entries = *checkpoints = 0;
	if ((rc = cy_vault__require(v, CY_R_ALL, N_("verify the ledger"))))
		return rc;
	if ((rc = verifier(v, &ver)) || (rc = load_checkpoints(v, &cps, &ncp)))
		goto out;
	cy_frontier_init(&fr);
	rc = cy_catalog_ledger_iter_open(v->cat, 1, 0, &it);
	for (;;) {
		int row = rc ? rc : cy_catalog_ledger_iter_next(it, &lrow);
		if (row < 0) {
			rc = row;
			break;
		}
		if (row == 1) {
			uint64_t seq = lrow.seq;
			size_t n = lrow.entry.len, ln = lrow.leaf.len;
			const char *entry = (const char *)lrow.entry.ptr;
			const void *leaf = lrow.leaf.ptr;
			uint8_t h[32];
			char prefix[40];
			int pl;
			if (seq != expect) {
				*bad_seq = expect;
				rc = cy_error_set(CY_ECORRUPT,
						  "ledger entry %" PRIu64 " is missing", expect);
				break;
			}
			pl = snprintf(prefix, sizeof(prefix), "{\"seq\":%" PRIu64 ",", seq);
			cy_merkle_leaf_hash(entry, n, h);
			if (ln != 32 || !cy_memeq(h, leaf, 32) || n < (size_t)pl ||
			    memcmp(entry, prefix, (size_t)pl)) {
				*bad_seq = seq;
				rc = cy_error_set(CY_ECORRUPT,
						  "ledger entry %" PRIu64
						  " was altered: its hash does not match",
						  seq);
				break;
			}
			cy_frontier_append(&fr, h);
			expect++;
			(*entries)++;
		}
		/* check every checkpoint whose size has been reached (or all, at the end) */
		while (ci < ncp && (cps[ci].size <= fr.size || row == 0)) {
			cy_buf body = CY_BUF_INIT;
			cy_checkpoint cp;
			uint8_t root[32];
			int crc = cy_note_open(cps[ci].note, strlen(cps[ci].note), &ver, &body);
			crc = crc ? crc : cy_checkpoint_parse((char *)body.ptr, body.len, &cp);
			cy_buf_release(&body);
			if (crc) {
				char why[512]; /* not formatted from the buffer it goes into */
				snprintf(why, sizeof(why), "%s", cy_error_message());
				*bad_seq = prev_cp + 1;
				rc = cy_error_set(CY_ECORRUPT,
						  "checkpoint at size %" PRIu64
						  " has no valid signature: %s",
						  cps[ci].size, why);
				break;
			}
			if (strcmp(cp.origin, ver.name)) {
				*bad_seq = prev_cp + 1;
				rc = cy_error_set(CY_ECORRUPT,
						  "checkpoint at size %" PRIu64
						  " is for another log (%s)",
						  cps[ci].size, cp.origin);
				break;
			}
			if (cp.size != cps[ci].size) {
				*bad_seq = prev_cp + 1;
				rc = cy_error_set(CY_ECORRUPT,
						  "checkpoint row %" PRIu64
						  " holds a note for size %" PRIu64,
						  cps[ci].size, cp.size);
				break;
			}
			if (cp.size > fr.size) {
				*bad_seq = fr.size + 1;
				rc = cy_error_set(
					CY_ECORRUPT,
					"ledger entries from %" PRIu64
					" on were deleted: a signed checkpoint covers %" PRIu64
					" entries",
					fr.size + 1, cp.size);
				break;
			}
			cy_frontier_root(&fr, root);
			if (!cy_memeq(root, cp.root, 32)) {
				*bad_seq = prev_cp + 1;
				rc = cy_error_set(
					CY_ECORRUPT,
					"ledger entries %" PRIu64 " to %" PRIu64
					" do not match the signed checkpoint at size %" PRIu64
					" (first bad entry at or after %" PRIu64 ")",
					prev_cp + 1, cp.size, cp.size, prev_cp + 1);
				break;
			}
			prev_cp = cp.size;
			(*checkpoints)++;
			ci++;
		}
		if (rc || row == 0)
			break;
	}
	cy_catalog_ledger_iter_free(it);
	cy_catalog_ledger_row_release(&lrow);
	if (!rc && prev_cp != fr.size) {
		*bad_seq = prev_cp + 1;
		rc = cy_error_set(CY_ECORRUPT,
				  "ledger entries %" PRIu64 " to %" PRIu64
				  " are not covered by a signed checkpoint",
				  prev_cp + 1, fr.size);
	}
out:
	free_checkpoints(cps, ncp);
	return rc;
}

int cy_log_verify_checkpoint(cy_vault *v, const char *note, size_t n, uint64_t *size)
{
	cy_note_verifier ver;
	cy_buf body = CY_BUF_INIT;
	cy_checkpoint cp;
	cy_frontier fr;
	cy_catalog_ledger_iter *it = NULL;
	cy_catalog_ledger_row row = {0};
	uint8_t root[32];
	int rc;

	*size = 0;
	if ((rc = cy_vault__require(v, CY_R_ALL, N_("verify the ledger"))) ||
	    (rc = verifier(v, &ver)))
		return rc;
	rc = cy_note_open(note, n, &ver, &body);
	if (rc == CY_ECORRUPT)
		rc = cy_error_set(CY_ECORRUPT,
				  "the checkpoint is not signed by this vault's ledger key");
	rc = rc ? rc : cy_checkpoint_parse((char *)body.ptr, body.len, &cp);
	cy_buf_release(&body);
	if (rc)
		return rc;
	if (strcmp(cp.origin, ver.name))
		return cy_error_set(CY_ECORRUPT, "the checkpoint is for another log (%s)",
				    cp.origin);
	*size = cp.size;
	cy_frontier_init(&fr);
	if (cp.size == 0)
		rc = 0; /* an empty tree: no entries to read (0 would mean "to the end") */
	else
		rc = cy_catalog_ledger_iter_open(v->cat, 1, cp.size, &it);
	while (!rc && it && (rc = cy_catalog_ledger_iter_next(it, &row)) == 1) {
		size_t en = row.entry.len;
		const void *e = row.entry.ptr;
		uint8_t leaf[32];
		rc = 0;
		if (row.seq != fr.size + 1) {
			rc = cy_error_set(CY_ECORRUPT, "ledger entry %" PRIu64 " is missing",
					  fr.size + 1);
			break;
		}
		cy_merkle_leaf_hash(e, en, leaf);
		cy_frontier_append(&fr, leaf);
	}
	cy_catalog_ledger_iter_free(it);
	cy_catalog_ledger_row_release(&row);
	if (rc < 0 || rc > 0)
		return rc < 0 ? rc : CY_ECORRUPT;
	if (fr.size < cp.size)
		return cy_error_set(CY_ECORRUPT,
				    "the ledger has %" PRIu64
				    " entries but this checkpoint covers %" PRIu64
				    ": entries were deleted",
				    fr.size, cp.size);
	cy_frontier_root(&fr, root);
	if (!cy_memeq(root, cp.root, 32))
		return cy_error_set(CY_ECORRUPT,
				    "the ledger's first %" PRIu64
				    " entries are not those this checkpoint "
				    "signed: history was rewritten",
				    cp.size);
	return 0;
}

int cy_log_checkpoint(cy_vault *v, cy_buf *note)
{
	uint64_t size;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_ALL, N_("read checkpoints"))))
		return rc;
	return cy_catalog_checkpoint_latest(v->cat, &size, note);
}

int cy_log_prove(cy_vault *v, uint64_t seq, cy_buf *out)
{
	cy_catalog_ledger_iter *it = NULL;
	cy_catalog_ledger_row row = {0};
	const uint8_t(*leaves)[32];
	uint64_t n = 0, size = 0;
	cy_buf lv = CY_BUF_INIT, proof = CY_BUF_INIT, note = CY_BUF_INIT, entry = CY_BUF_INIT;
	cy_buf body = CY_BUF_INIT;
	cy_note_verifier ver;
	cy_checkpoint cp;
	uint8_t root[32];
	int rc;

	if ((rc = cy_vault__require(v, LOG_READERS, N_("prove ledger entries"))))
		return rc;
	if ((rc = cy_log_checkpoint(v, &note)))
		return rc;
	if ((rc = cy_catalog_checkpoint_latest(v->cat, &size, NULL)))
		goto out;
	/* the size comes from a row anyone can edit: only the signed note is
	 * believed, and it must say the same size */
	rc = verifier(v, &ver);
	rc = rc ? rc : cy_note_open((const char *)note.ptr, note.len, &ver, &body);
	rc = rc ? rc : cy_checkpoint_parse((const char *)body.ptr, body.len, &cp);
	if (rc) {
		char why[512];
		snprintf(why, sizeof(why), "%s", cy_error_message());
		rc = cy_error_set(CY_ECORRUPT,
				  "the latest checkpoint (size %" PRIu64
				  ") is not validly signed: %s; run 'custody log verify'",
				  size, why);
		goto out;
	}
	if (cp.size != size || strcmp(cp.origin, ver.name)) {
		rc = cy_error_set(CY_ECORRUPT,
				  "the latest checkpoint row (size %" PRIu64
				  ") holds a note for size %" PRIu64
				  " or another log; run 'custody log verify'",
				  size, cp.size);
		goto out;
	}
	if (seq == 0 || seq > size) {
		rc = cy_error_set(CY_ENOTFOUND,
				  "no ledger entry %" PRIu64
				  " in the latest checkpoint (entries 1 to %" PRIu64 ")",
				  seq, size);
		goto out;
	}
	/* the leaves are collected as the rows come, so memory follows the rows
	 * that exist, never a size the catalog claims */
	rc = cy_catalog_ledger_iter_open(v->cat, 1, size, &it);
	while (!rc && (rc = cy_catalog_ledger_iter_next(it, &row)) == 1) {
		rc = 0; /* a row */
		if (row.leaf.len != 32 || row.seq != n + 1) {
			rc = cy_error_set(CY_ECORRUPT,
					  "ledger is damaged at entry %" PRIu64
					  "; run 'custody log verify'",
					  n + 1);
			break;
		}
		rc = cy_buf_put(&lv, row.leaf.ptr, 32);
		if (!rc && n + 1 == seq)
			rc = cy_buf_put(&entry, row.entry.ptr, row.entry.len);
		n++;
	}
	cy_catalog_ledger_iter_free(it);
	cy_catalog_ledger_row_release(&row);
	if (rc < 0)
		goto out;
	if (n != size) {
		rc = cy_error_set(CY_ECORRUPT,
				  "ledger has %" PRIu64 " entries, its checkpoint %" PRIu64, n,
				  size);
		goto out;
	}
	leaves = (const uint8_t(*)[32])lv.ptr;
	rc = cy_merkle_inclusion_proof(leaves, size, seq - 1, &proof);
	rc = rc ? rc : cy_merkle_root(leaves, size, root);
	if (rc)
		goto out;
	if (!cy_memeq(root, cp.root, 32)) {
		rc = cy_error_set(CY_ECORRUPT,
				  "the ledger's entries do not match the latest signed checkpoint; "
				  "run 'custody log verify'");
		goto out;
	}
	cy_buf_printf(out, "entry: %s\nindex: %" PRIu64 "\ntree size: %" PRIu64 "\nleaf hash: ",
		      cy_buf_cstr(&entry), seq - 1, size);
	cy_base64_encode(leaves[seq - 1], 32, out);
	cy_buf_puts(out, "\nroot: ");
	cy_base64_encode(root, 32, out);
	cy_buf_puts(out, "\nproof:\n");
	for (size_t i = 0; i + 32 <= proof.len; i += 32) {
		cy_base64_encode(proof.ptr + i, 32, out);
		cy_buf_putc(out, '\n');
	}
	cy_buf_puts(out, "checkpoint:\n");
	cy_buf_put(out, note.ptr, note.len);
out:
	cy_buf_release(&lv);
	cy_buf_release(&body);
	cy_buf_release(&proof);
	cy_buf_release(&note);
	cy_buf_release(&entry);
	return rc;
}
