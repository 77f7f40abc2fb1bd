/* check_internal.h - what the files of src/check/ share: one way to report a
 * finding (a problem or a warning) to cy_vault_check's caller. */
#ifndef CY_CHECK_INTERNAL_H
#define CY_CHECK_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>

#include "custody/check.h"

/* Format the finding (fmt is translated), count it in st (may be NULL) and
 * hand it to problem or, if warn, to warning (either may be NULL). */
void cy_check__vreport(cy_problem_fn problem, cy_problem_fn warning, void *arg, cy_check_stats *st,
		       int warn, const char *archive_no, const char *fmt, va_list ap);

/* Verify one record's objects as check does (every part decrypts to the
 * SHA-256 its metadata records): 0, or CY_ECORRUPT naming the record and
 * what is wrong (destruction's reconciliation, vault_destroy.c). */
struct cy_vault;
int cy_check__record(struct cy_vault *v, int64_t record_id);

#endif
