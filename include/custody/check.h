/* check.h - checking the whole vault, and compacting its store. */
#ifndef CUSTODY_CHECK_H
#define CUSTODY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/vault.h"

/* ---- check ---- */
typedef struct cy_check_problem {
	const char *archive_no; /* may be NULL */
	const char *problem;
} cy_check_problem;
typedef void (*cy_problem_fn)(void *arg, const cy_check_problem *p);
typedef struct cy_check_stats {
	uint64_t records, verified, unverifiable, objects, packs, bytes;
	uint64_t ledger_entries, checkpoints;
	uint64_t problems, warnings;
} cy_check_stats;
int cy_vault_check(cy_vault *v, cy_problem_fn problem, cy_problem_fn warning, void *arg,
		   cy_progress_fn progress, void *parg, cy_check_stats *stats);

/* ---- store compaction (docs/internals/store.md) ---- */
typedef struct cy_compact_stats {
	uint64_t packs;	    /* packs that held unreferenced bytes */
	uint64_t rewritten; /* rewritten without them */
	uint64_t removed;   /* held no object any more: removed */
	uint64_t objects;   /* objects moved */
	uint64_t freed;	    /* bytes freed */
	uint64_t leftover;  /* retired packs whose file could not be removed (check names them) */
} cy_compact_stats;
/* Rewrite every pack that holds bytes no object refers to, without them:
 * copy the live objects' ciphertext (no key is needed) into a new pack, make
 * it durable, then in one catalog transaction point the objects at it, drop
 * the old pack's row and log `store.compact`; only then delete the old pack.
 * Sysadmins and archivists.  A crash at any point leaves a vault that checks
 * clean.  st may be NULL. */
int cy_vault_compact(cy_vault *v, cy_progress_fn progress, void *parg, cy_compact_stats *st);

#endif
