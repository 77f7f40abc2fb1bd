/* retention_internal.h - shared between the files of src/retention/. */
#ifndef CY_RETENTION_INTERNAL_H
#define CY_RETENTION_INTERNAL_H

#include "custody/retention.h"

/* 0 if rule `id` of the pack may get `period` (it exists; a minimum rule is
 * not shortened), else CY_ENOTFOUND / CY_EINVALID with the message.
 * pack_period (may be NULL) gets the pack's own period. */
int cy_retention__override_allowed(const cy_retention_pack *p, const char *id, int period,
				   int *pack_period);

#endif
