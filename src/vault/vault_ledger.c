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
#include "vault/vault_ledger_sig.h"
#include "ledger/cosig.h"
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

/* What log verify knows about the entries since the last signed head. */
typedef struct head_run {
	uint64_t from;	     /* the first entry not yet covered by a head */
	char from_actor[24]; /* ... its actor and action, for messages */
	char from_action[64];
	uint64_t streak; /* the first entry of the latest run of one actor */
	char streak_actor[24];
	char streak_action[64]; /* the action of the streak's first entry */
	uint64_t first_upgrade; /* the ledger's first user.upgrade entry (0: none yet) */
	uint64_t before;	/* the entry before the streak, its actor and action */
	char before_actor[24], before_action[64];
	char last_actor[24], last_action[64];
	int seen_head;
	uint64_t legacy; /* entries 1..legacy: made before schema 3, unsigned */
	uint64_t heads;
	/* the last valid head and its signer, and the last valid head before the
	 * run of heads by that signer: a user re-signing her own heads after a
	 * rewrite leaves only a run of her heads between it and the first head
	 * of someone else that fails, so the rewrite is after that anchor */
	uint64_t last_head, anchor;
	int64_t last_uid;
} head_run;

static int not_covered(uint64_t *bad_seq, uint64_t seq, const char *actor, const char *action,
		       const char *why)
{
	*bad_seq = seq;
	return cy_error_set(CY_ECORRUPT,
			    "entry %" PRIu64 " (%s, %s) is not covered by a valid signature of "
			    "its actor: %s",
			    seq, actor, action, why);
}

/* One entry (already hashed into fr) of the head walk. */
static int head_step(cy_head_verifier *hv, head_run *hr, const cy_frontier *fr,
		     const cy_catalog_ledger_row *row, uint64_t *bad_seq)
{
	char actor[24], action[64], why[320];
	uint8_t root[32];
	int64_t uid;
	char *end;
	int legacy_now = 0;

	if (cy_vault__entry_actor((const char *)row->entry.ptr, row->entry.len, actor, action)) {
		*bad_seq = row->seq;
		return cy_error_set(CY_ECORRUPT,
				    "ledger entry %" PRIu64 " is not in the canonical form: no "
				    "actor or action can be read from it",
				    row->seq);
	}
	if (row->seq == hr->from) {
		snprintf(hr->from_actor, sizeof(hr->from_actor), "%s", actor);
		snprintf(hr->from_action, sizeof(hr->from_action), "%s", action);
	}
	if (row->seq == hr->from || strcmp(actor, hr->streak_actor)) {
		hr->before = row->seq - 1;
		snprintf(hr->before_actor, sizeof(hr->before_actor), "%s", hr->last_actor);
		snprintf(hr->before_action, sizeof(hr->before_action), "%s", hr->last_action);
		hr->streak = row->seq;
		snprintf(hr->streak_actor, sizeof(hr->streak_actor), "%s", actor);
		snprintf(hr->streak_action, sizeof(hr->streak_action), "%s", action);
	}
	if (!hr->first_upgrade && !hr->seen_head && !strcmp(action, "user.upgrade"))
		hr->first_upgrade = row->seq;
	snprintf(hr->last_actor, sizeof(hr->last_actor), "%s", actor);
	snprintf(hr->last_action, sizeof(hr->last_action), "%s", action);
	if (row->sig.len == 0 && row->signer_serial < 0)
		return 0; /* not the last entry of a transaction */
	/* a signed head: every entry since the previous head is its signer's */
	if (actor[0] != 'u' || actor[1] < '1' || actor[1] > '9' ||
	    (uid = strtoll(actor + 1, &end, 10)) <= 0 || *end)
		return not_covered(bad_seq, row->seq, actor, action,
				   "its actor is not a user, so it cannot sign");
	if (!hr->seen_head && hr->first_upgrade > 1 && hr->streak <= hr->first_upgrade) {
		/* the first signed transaction of a vault made before schema 3 is
		 * the first log-in after the upgrade: the ledger's first
		 * user.upgrade, by the signer.  The entries before it are unsigned
		 * and accepted on first use (docs/security/ledger.md).  Only the
		 * first: stripping the heads up to a later upgrade is refused. */
		hr->legacy = hr->first_upgrade - 1;
		legacy_now = 1;
	} else if (hr->streak > hr->from) {
		snprintf(why, sizeof(why),
			 "the next signed head (entry %" PRIu64 ") is signed by %s, who "
			 "may sign only its own entries",
			 row->seq, actor);
		return not_covered(bad_seq, hr->before, hr->before_actor, hr->before_action, why);
	}
	cy_frontier_root(fr, root);
	if (cy_vault__headv_check(hv, uid, row->signer_serial, row->seq, root, row->sig.ptr,
				  row->sig.len)) {
		uint64_t first = (hr->last_uid == uid ? hr->last_head : hr->anchor) + 1;
		if (legacy_now && first <= hr->legacy)
			first = hr->legacy + 1;
		snprintf(why, sizeof(why),
			 "%s: an entry from %" PRIu64 " to %" PRIu64
			 " was changed, or one removed or inserted there",
			 cy_error_message(), first, row->seq);
		not_covered(bad_seq, row->seq, actor, action, why);
		*bad_seq = first;
		return CY_ECORRUPT;
	}
	if (uid != hr->last_uid) {
		hr->anchor = hr->last_head;
		hr->last_uid = uid;
	}
	hr->last_head = row->seq;
	hr->seen_head = 1;
	hr->heads++;
	hr->from = row->seq + 1;
	hr->streak_actor[0] = 0;
	return 0;
}

int cy_log_verify(cy_vault *v, uint64_t *bad_seq, uint64_t *entries, uint64_t *checkpoints)
{
	cy_note_verifier ver;
	cp_row *cps = NULL;
	size_t ncp = 0, ci = 0;
	cy_frontier fr;
	cy_catalog_ledger_iter *it = NULL;
	cy_catalog_ledger_row lrow = {0};
	cy_head_verifier *hv = NULL;
	head_run hr;
	uint64_t expect = 1, prev_cp = 0;
	int rc;

	*bad_seq = 0;
	*entries = *checkpoints = 0;
	memset(&hr, 0, sizeof(hr));
	hr.from = 1;
	if ((rc = cy_vault__require(v, CY_R_ALL, N_("verify the ledger"))))
		return rc;
	if ((rc = verifier(v, &ver)) || (rc = load_checkpoints(v, &cps, &ncp)) ||
	    (rc = cy_vault__headv_new(v, &hv)))
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
			if ((rc = head_step(hv, &hr, &fr, &lrow, bad_seq)))
				break;
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
	/* the last transaction is signed too: entries past the last head were
	 * appended (or their head's signature removed) behind the vault's back */
	if (!rc && hr.from <= fr.size)
		rc = not_covered(bad_seq, hr.from, hr.from_actor, hr.from_action,
				 "no signed head follows it");
out:
	cy_vault__headv_free(hv);
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

int cy_log_checkpoint_state(cy_vault *v, uint64_t *cp_size, uint64_t *ledger_size, bool *can_sign)
{
	int rc;

	*cp_size = 0;
	*can_sign = v->sign_seed != NULL;
	if ((rc = cy_vault__require(v, CY_R_ALL, N_("read checkpoints"))) ||
	    (rc = cy_catalog_ledger_size(v->cat, ledger_size)))
		return rc;
	rc = cy_catalog_checkpoint_latest(v->cat, cp_size, NULL);
	if (rc == CY_ENOTFOUND) {
		cy_error_clear();
		rc = 0;
	}
	return rc;
}

int cy_log_checkpoint(cy_vault *v, cy_buf *note)
{
	uint64_t size = 0;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_ALL, N_("read checkpoints"))))
		return rc;
	/* a holder of the ledger key signs the entries that commits by viewers
	 * and archivists (who hold no ledger key) left without a checkpoint */
	if (v->sign_seed) {
		if ((rc = cy_vault__begin(v)))
			return rc;
		rc = cy_catalog_checkpoint_latest(v->cat, &size, NULL);
		if (rc == CY_ENOTFOUND) {
			cy_error_clear();
			size = 0;
			rc = 0;
		}
		if (!rc && size < v->fr.size)
			rc = cy_vault__sign_checkpoint(v);
		rc = rc ? rc : cy_vault__commit(v);
		if (rc) {
			cy_vault__rollback(v);
			return rc;
		}
	}
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

/* ---- witnesses (C2SP cosignature/v1) ---- */

#define WITNESS_ADMINS (CY_R(CY_ROLE_AUDITOR) | CY_R(CY_ROLE_SECADMIN))

int cy_log_witness_add(cy_vault *v, const char *vkey)
{
	cy_note_verifier w;
	cy_ledger_entry e;
	char now[21], id[9];
	int rc;

	if ((rc = cy_vault__require(v, WITNESS_ADMINS, N_("add witnesses"))))
		return rc;
	if ((rc = cy_cosig_vkey_parse(vkey, strlen(vkey), &w)))
		return rc;
	if ((rc = cy_vault__begin(v)))
		return rc;
	cy_vault__now(now);
	rc = cy_catalog_witness_add(v->cat, w.name, vkey, now);
	if (rc == CY_EEXISTS)
		rc = cy_error_set(CY_EEXISTS, "a witness named '%s' is already registered", w.name);
	snprintf(id, sizeof(id), "%08" PRIx32, w.key_id);
	memset(&e, 0, sizeof(e));
	e.action = "witness.add";
	e.targets[0] = w.name;
	e.ntargets = 1;
	e.details[0] = (cy_ledger_detail){"key_id", id, 0};
	e.ndetails = 1;
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

typedef struct witness_walk {
	cy_log_witness_fn fn;
	void *arg;
	const char *want; /* find: this name */
	cy_buf *vkey;
	int found;
} witness_walk;

static int witness_each(void *arg, const char *name, const char *vkey, const char *added)
{
	witness_walk *ww = arg;

	if (ww->want) {
		if (strcmp(name, ww->want))
			return 0;
		ww->found = 1;
		return cy_buf_puts(ww->vkey, vkey);
	}
	return ww->fn(ww->arg, name, vkey, added);
}

int cy_log_witness_list(cy_vault *v, cy_log_witness_fn fn, void *arg)
{
	witness_walk ww = {fn, arg, NULL, NULL, 0};
	int rc;

	if ((rc = cy_vault__require(v, LOG_READERS, N_("list witnesses"))))
		return rc;
	rc = cy_catalog_witness_list(v->cat, witness_each, &ww);
	return rc < 0 ? rc : 0;
}

int cy_log_verify_witness(cy_vault *v, const char *witness, const char *note, size_t n,
			  uint64_t *size, uint64_t *time)
{
	cy_note_verifier w;
	cy_buf vk = CY_BUF_INIT;
	int rc;

	*size = *time = 0;
	if ((rc = cy_vault__require(v, CY_R_ALL, N_("verify the ledger"))))
		return rc;
	if (!strchr(witness, '+')) {
		/* the name of a registered witness */
		witness_walk ww = {NULL, NULL, witness, &vk, 0};
		rc = cy_catalog_witness_list(v->cat, witness_each, &ww);
		if (rc >= 0 && !ww.found)
			rc = cy_error_set(CY_ENOTFOUND,
					  "no witness named '%s' (custody log witness list)",
					  witness);
		if (rc > 0)
			rc = 0;
	} else {
		rc = cy_buf_puts(&vk, witness);
	}
	rc = rc ? rc : cy_cosig_vkey_parse((const char *)vk.ptr, vk.len, &w);
	cy_buf_release(&vk);
	if (rc)
		return rc;
	/* the vault's own signature and the ledger's history first */
	if ((rc = cy_log_verify_checkpoint(v, note, n, size)))
		return rc;
	return cy_cosig_open(note, n, &w, time);
}

int cy_log_witness_keygen(const char *name, cy_buf *secret, cy_buf *vkey)
{
	uint8_t *seed = cy_secure_alloc(32), pub[32];
	int rc;

	if (!seed)
		return CY_ENOMEM;
	rc = cy_ed25519_keygen(seed, pub);
	rc = rc ? rc : cy_cosig_vkey(name, pub, vkey);
	rc = rc ? rc : cy_cosig_skey(name, seed, secret);
	cy_secure_free(seed, 32);
	return rc;
}

int cy_log_cosign(const char *skey, size_t skn, const char *note, size_t n, const char *vault_vkey,
		  uint64_t time, cy_buf *out, uint64_t *size)
{
	char name[CY_NOTE_NAME_MAX + 1];
	uint8_t *seed = cy_secure_alloc(32);
	cy_note_verifier ver;
	cy_buf body = CY_BUF_INIT;
	cy_checkpoint cp;
	int rc;

	*size = 0;
	if (!seed)
		return CY_ENOMEM;
	rc = cy_cosig_skey_parse(skey, skn, name, seed);
	rc = rc ? rc : cy_note_vkey_parse(vault_vkey, strlen(vault_vkey), &ver);
	if (!rc) {
		rc = cy_note_open(note, n, &ver, &body);
		if (rc == CY_ECORRUPT)
			rc = cy_error_set(CY_ECORRUPT,
					  "the checkpoint is not signed by the vault's ledger key "
					  "%s: %s",
					  vault_vkey, cy_error_message());
	}
	rc = rc ? rc : cy_checkpoint_parse((const char *)body.ptr, body.len, &cp);
	if (!rc && strcmp(cp.origin, ver.name))
		rc = cy_error_set(CY_ECORRUPT,
				  "the checkpoint is for the log '%s', not for the key's '%s'",
				  cp.origin, ver.name);
	rc = rc ? rc : cy_cosig_add(note, n, name, seed, time, out);
	if (!rc)
		*size = cp.size;
	cy_secure_free(seed, 32);
	cy_buf_release(&body);
	return rc;
}
