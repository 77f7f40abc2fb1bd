/* vault_holds.h - what destruction, the readers and check ask of holds and
 * store-only (vault_holds.c, docs/internals/holds.md). */
#ifndef CY_VAULT_HOLDS_H
#define CY_VAULT_HOLDS_H

#include "catalog/catalog_holds.h"
#include "vault/vault_internal.h"

/* Whether record record_id is under an active hold: directly, through one
 * of its subjects (record_subjects) or through its fonds.  The active holds
 * are derived from the ledger's hold.add / hold.release entries, never from
 * the holds table, so a row deleted or edited by hand changes nothing
 * here (check names it).  *hold_id: the first such hold, 0 when none.
 * Returns 0, or CY_ENOTFOUND when there is no such record. */
int cy_vault__holds_block(cy_vault *v, int64_t record_id, int64_t *hold_id);

/* The same for many records: the ledger's holds loaded once. */
typedef struct cy_holds_view cy_holds_view;
int cy_vault__holds_load(cy_vault *v, cy_holds_view **out);
void cy_vault__holds_free(cy_holds_view *hv);
int cy_vault__holds_covers(cy_vault *v, const cy_holds_view *hv, int64_t record_id,
			   int64_t *hold_id);

/* The one check every reader of a record's content calls (get, show,
 * search, subject export): 0 if the record may be read, else CY_EPERM
 * saying that it is store-only, since when, under which article and how to
 * ask for an exception.  An approved exception of the caller for this
 * record lets the read through (and is used up, logged as access.use).
 * op: what was tried ("read", "show", "export"), for the message. */
int cy_vault__may_read(cy_vault *v, int64_t record_id, const char *op);
/* The same without using an exception (listings, search hits): 1 if the
 * record is store-only (itself or through a subject), 0 if not. */
int cy_vault__store_only(cy_vault *v, int64_t record_id);
/* The same by archive number (0 when there is no such record), and for a
 * subject by row id (1 if the subject itself is store-only). */
int cy_vault__store_only_no(cy_vault *v, const char *archive_no);
int cy_vault__subject_store_only(cy_vault *v, int64_t subject_id, const char *display);
/* For listings: a store-only record's title, source and metadata are
 * dropped from r (wiped) and its status says store-only.  0 or a CY_E code. */
int cy_vault__withhold_store_only(cy_vault *v, int64_t record_id, cy_record_info *r);
/* The same for a record found by its number (r->archive_no). */
int cy_vault__withhold_store_only_no(cy_vault *v, cy_record_info *r);
/* For a subject (its show and export): CY_EPERM if it is store-only. */
int cy_vault__may_read_subject(cy_vault *v, int64_t subject_id, const char *display_id,
			       const char *op);

/* Make records store-only (reason art47-1 ... art47-5): each row's status
 * set and signed again with its fonds' write key, a record.restrict entry
 * each.  One transaction: its own, or the caller's when one is open (then
 * the caller commits).  Records already store-only are skipped. */
int cy_vault__restrict_records(cy_vault *v, const int64_t *ids, size_t n, const char *reason);

/* The status a reader shows: the row's, or "on-hold" for a held record
 * under an active hold (hv may be NULL: loaded for this one record). */
int cy_vault__record_status(cy_vault *v, const cy_holds_view *hv, int64_t record_id,
			    const char *row_status, char out[16]);

/* For check: every hold on the ledger has its row, as the ledger says
 * (targets, reason, dates, released); every row has its entry; each
 * record's and subject's store-only status agrees with the ledger's
 * record.restrict / subject.restrict entries.  One problem per finding. */
int cy_vault__holds_check(cy_vault *v, cy_catalog_problem_fn problem, void *arg);

/* The digests the ledger carries (docs/internals/holds.md "Ledger entries"):
 * hold.add "row" over the row (h->fonds_code set, reason as sealed) and its
 * target ids (ascending); hold.release "row" over the release.  hex: the
 * first 16 bytes, 32 hex digits. */
int cy_vault__hold_row_digest(const cy_catalog_hold *h, const int64_t *ids, size_t n, char hex[33]);
int cy_vault__hold_release_digest(int64_t id, const char *at, int64_t by, const void *blob,
				  size_t n, char hex[33]);

/* A short text sealed under the fonds key of an epoch (a hold's reason, a
 * transfer's purpose, a PIA): ChaCha20-Poly1305 under HKDF(epoch key,
 * label), nonce first, AAD "<prefix>/<vault>/<fonds>/<what>/<id>". */
typedef struct cy_note_kind {
	const char *label;  /* HKDF info */
	const char *prefix; /* AAD prefix, e.g. "custody/hold/v1" */
	size_t max;	    /* the longest text */
} cy_note_kind;
int cy_vault__note_seal(cy_vault *v, const cy_fonds_key *k, int64_t epoch, const cy_note_kind *kind,
			const char *what, int64_t id, const void *text, size_t n, cy_buf *out);
/* CY_ECORRUPT when it fails authentication; pt gets the text, NUL-terminated */
int cy_vault__note_open(cy_vault *v, const cy_fonds_key *k, int64_t epoch, const cy_note_kind *kind,
			const char *what, int64_t id, const void *blob, size_t n, cy_buf *pt);

#endif
