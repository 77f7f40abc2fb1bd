/* catalog_transfer.h - the rows of receivers, transfers, their items,
 * customers and PIAs (schema 7, block "transfer:"; docs/internals/transfer.md).
 *
 * A working copy: each step of a transfer is a ledger entry that carries
 * the digest of what it decided (the scope's hash, the PIA's digest, the
 * package's tag-manifest digest), and the steps that act on a transfer
 * check the rows against those entries.  No personal data in clear: the
 * purpose and the PIA are sealed under the fonds key. */
#ifndef CY_CATALOG_TRANSFER_H
#define CY_CATALOG_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "custody/buf.h"
#include "custody/transfer.h"

int cy_catalog_receiver_insert(cy_catalog *c, const cy_receiver *r, int64_t by, int64_t *id);
/* by name (id 0) or by id: CY_ENOTFOUND (no error set) when there is none */
int cy_catalog_receiver_get(cy_catalog *c, const char *name, int64_t id, cy_receiver *out);
int cy_catalog_receiver_set_seq(cy_catalog *c, int64_t id, int64_t seq);
int cy_catalog_receiver_seq(cy_catalog *c, int64_t id, int64_t *seq);
typedef int (*cy_catalog_receiver_fn)(void *arg, const cy_receiver *r);
int cy_catalog_receiver_each(cy_catalog *c, cy_catalog_receiver_fn fn, void *arg);

typedef struct cy_catalog_transfer {
	int64_t id, fonds_id, receiver_id, epoch, planned_by, approved_by;
	char fonds[8];
	char reason[16], status[16];
	int notice_days;
	uint8_t scope[32];
	int64_t records, subjects, sensitive;
	char planned[32], approved[32], exported[32], confirmed[32];
	int64_t seq, approve_seq, export_seq, confirm_seq;
	char tag_digest[65];
	char mechanism[64];
	int64_t mechanism_seq;
	int ciio, important;
} cy_catalog_transfer;

/* A new transfer (status "planned"); purpose sealed, set after (its AAD has the id). */
int cy_catalog_transfer_insert(cy_catalog *c, const cy_catalog_transfer *t, int64_t *id);
int cy_catalog_transfer_set_purpose(cy_catalog *c, int64_t id, const void *blob, size_t n);
int cy_catalog_transfer_set_scope(cy_catalog *c, int64_t id, const uint8_t scope[32]);
int cy_catalog_transfer_set_seq(cy_catalog *c, int64_t id, int64_t seq);
/* CY_ENOTFOUND (no error set) when there is none; purpose (may be NULL) gets the sealed blob */
int cy_catalog_transfer_get(cy_catalog *c, int64_t id, cy_catalog_transfer *out, cy_buf *purpose);
typedef int (*cy_catalog_transfer_fn)(void *arg, const cy_catalog_transfer *t);
int cy_catalog_transfer_each(cy_catalog *c, int64_t fonds_id, cy_catalog_transfer_fn fn, void *arg);
/* the counts after customers left the scope */
int cy_catalog_transfer_set_counts(cy_catalog *c, int64_t id, int64_t records, int64_t subjects);
int cy_catalog_transfer_set_sensitive(cy_catalog *c, int64_t id, int64_t n);
int cy_catalog_transfer_set_status(cy_catalog *c, int64_t id, const char *status);
int cy_catalog_transfer_approved(cy_catalog *c, int64_t id, int64_t by, const char *at,
				 int64_t seq);
int cy_catalog_transfer_exported(cy_catalog *c, int64_t id, const char *at, int64_t seq,
				 const char *tag_digest);
int cy_catalog_transfer_confirmed(cy_catalog *c, int64_t id, const char *at, int64_t seq,
				  const char *receipt);
int cy_catalog_transfer_set_mechanism(cy_catalog *c, int64_t id, const char *mechanism,
				      int64_t seq);
/* the count of customers in scope with a sensitive identifier indexed
 * (an ID number or an account: PIPL Art. 28) */
int cy_catalog_tsubject_sensitive(cy_catalog *c, int64_t tid, int64_t *n);

/* items: the records in scope (left: "" while in scope, else why it left) */
int cy_catalog_titem_add(cy_catalog *c, int64_t tid, int64_t record_id, const char *archive_no);
typedef int (*cy_catalog_titem_fn)(void *arg, int64_t record_id, const char *archive_no,
				   const char *left);
int cy_catalog_titem_each(cy_catalog *c, int64_t tid, cy_catalog_titem_fn fn, void *arg);
int cy_catalog_titem_leave(cy_catalog *c, int64_t tid, int64_t record_id, const char *why);
/* customers: those linked to the items (state "in", "objected") */
int cy_catalog_tsubject_fill(cy_catalog *c, int64_t tid);
typedef int (*cy_catalog_tsubject_fn)(void *arg, int64_t subject_id, int64_t no, const char *state);
int cy_catalog_tsubject_each(cy_catalog *c, int64_t tid, cy_catalog_tsubject_fn fn, void *arg);
int cy_catalog_tsubject_set(cy_catalog *c, int64_t tid, int64_t subject_id, const char *state);
/* the records linked to a subject (row ids, in order) */
int cy_catalog_subject_record_ids(cy_catalog *c, int64_t subject_id, int64_t **ids, size_t *n);

/* PIAs (PIPL Art. 55-56): sealed body, its SHA-256 (hex) */
int cy_catalog_tpia_add(cy_catalog *c, int64_t tid, int64_t epoch, const void *body, size_t n,
			const char *digest, int64_t by, const char *at, int64_t *pia_id);
int cy_catalog_tpia_set_body(cy_catalog *c, int64_t pia_id, const void *body, size_t n);
int cy_catalog_tpia_set_seq(cy_catalog *c, int64_t pia_id, int64_t seq);
typedef int (*cy_catalog_tpia_fn)(void *arg, int64_t pia_id, const char *digest, const char *at,
				  int64_t by, int64_t seq);
int cy_catalog_tpia_each(cy_catalog *c, int64_t tid, cy_catalog_tpia_fn fn, void *arg);

#endif
