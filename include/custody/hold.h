/* hold.h - legal holds (a record, a customer's records or a whole fonds
 * that must not be destroyed, for example 未结清的债权债务, 会计档案管理办法
 * 第十九条) and the store-only state of PIPL Art. 47 ¶2 (a record kept and
 * checked, but not read, searched, exported or handed over except through
 * an exception a second user approved).  docs/internals/holds.md. */
#ifndef CUSTODY_HOLD_H
#define CUSTODY_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cy_vault cy_vault;

/* What a new hold covers: records by archive number (all of one fonds), or
 * one subject (its records, now and later), or one fonds; exactly one. */
typedef struct cy_hold_new {
	const char *const *archive_nos;
	size_t n;
	const char *subject; /* a subject id, Z109-C000001 */
	const char *fonds;   /* a fonds code */
	const char *reason;  /* required; may name people: sealed under the fonds key */
	const char *until;   /* YYYY-MM-DD (the last day it holds) or NULL: until released */
	bool unsettled; /* 未结清的债权债务 or another unfinished matter (第十九条) */
} cy_hold_new;

/* Place a hold (an archivist granted the fonds): a row and its hold.add
 * ledger entries in one transaction.  *hold_id: the new hold's id. */
int cy_hold_add(cy_vault *v, const cy_hold_new *h, int64_t *hold_id);
/* Release an active hold (an archivist granted its fonds, not the one who
 * placed it): logged as hold.release.  reason may be NULL. */
int cy_hold_release(cy_vault *v, int64_t hold_id, const char *reason);

typedef struct cy_hold_info {
	int64_t id;
	char fonds[8];
	char kind[8];	 /* "records", "subject", "fonds" */
	char status[12]; /* "active", "released", "expired" (as the ledger says) */
	char until[16];	 /* "" when none */
	bool unsettled;
	char created[24], created_by[64];
	char released[24], released_by[64];  /* "" while active */
	const char *reason, *release_reason; /* decrypted; valid during the callback */
	const char *const *targets; /* archive numbers, the subject id, or the fonds code */
	size_t ntargets;
	bool altered; /* the catalog row differs from the ledger (check names it) */
} cy_hold_info;
typedef int (*cy_hold_fn)(void *arg, const cy_hold_info *h);
/* The holds of the fonds the caller holds (or one fonds), active ones only
 * unless all; logged as hold.list (the reasons are read). */
int cy_hold_list(cy_vault *v, const char *fonds, bool all, cy_hold_fn fn, void *arg);

/* Make records store-only (PIPL Art. 47 ¶2): reason is the deletion
 * trigger that applies, art47-1 ... art47-5 (Art. 47 ¶1 (一)-(五)).  Each
 * record's row is signed again with its fonds' write key (archivists);
 * logged as record.restrict; one transaction.  Records already store-only
 * are left as they are. */
int cy_record_restrict(cy_vault *v, const char *const *archive_nos, size_t n, const char *reason);
/* The same for a subject (customer) and every record linked to it. */
int cy_subject_restrict(cy_vault *v, const char *subject_id, const char *reason);
/* Whether reason is one of art47-1 ... art47-5. */
bool cy_restrict_reason_valid(const char *reason);

/* An exception to store-only: a user asks to read one record (reason
 * sealed, logged as access.request); another user (not the requester, an
 * archivist of the fonds) approves it (access.approve), after which the
 * requester may read that record once, or until the date given. */
int cy_access_request(cy_vault *v, const char *archive_no, const char *reason, int64_t *id);
int cy_access_approve(cy_vault *v, int64_t id, const char *until);

#endif
