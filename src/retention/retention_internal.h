/* retention_internal.h - shared between the files of src/retention/. */
#ifndef CY_RETENTION_INTERNAL_H
#define CY_RETENTION_INTERNAL_H

#include "custody/retention.h"

/* 0 if rule `id` of the pack may get `period` (it exists; a minimum rule is
 * not shortened), else CY_ENOTFOUND / CY_EINVALID with the message.
 * pack_period (may be NULL) gets the pack's own period. */
int cy_retention__override_allowed(const cy_retention_pack *p, const char *id, int period,
				   int *pack_period);

/* Records kept by an appraisal (the latest per archive number), from the
 * appraisals the ledger logged, each verified against its entry's digest
 * (CY_ECORRUPT naming it when the catalog was edited). */
typedef struct cy_retention__keep {
	char archive_no[64];
	char as_of[16];
	int period;
	int64_t appraisal;
} cy_retention__keep;
int cy_retention__keeps(cy_vault *v, cy_retention__keep **out, size_t *n);
/* For check: each appraisal against its ledger entry. */
int cy_retention__check_appraisals(cy_vault *v, void (*problem)(void *arg, const char *msg),
				   void *arg);

#endif
