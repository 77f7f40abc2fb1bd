/* catalog_audit.h - what the audit of reads and log-ins needs from the
 * catalog (docs/security/hygiene.md): the size of a listing, taken inside
 * the transaction that logs it before any title is shown, and the failed
 * log-ins kept until the user's next successful one.  Conventions as in
 * catalog.h. */
#ifndef CY_CATALOG_AUDIT_H
#define CY_CATALOG_AUDIT_H

#include <stdint.h>

#include "catalog/catalog.h"

/* The number of records of a fonds and the largest record id among them (0
 * when none). */
int cy_catalog_record_count(cy_catalog *c, int64_t fonds_id, uint64_t *count, int64_t *max_id);

/* Record a failed log-in of user_id (0: a name that is no user) at time
 * (RFC 3339).  Nothing of the typed password is stored. */
int cy_catalog_login_failed_add(cy_catalog *c, int64_t user_id, const char *time);
/* How many failed log-ins of user_id (0: of names that are no user) are kept. */
int cy_catalog_login_failed_count(cy_catalog *c, int64_t user_id, uint64_t *count);
/* The failed log-ins of user_id (0: of names that are no user) since they
 * were last taken, and delete them (inside the caller's transaction). */
int cy_catalog_login_failed_take(cy_catalog *c, int64_t user_id, uint64_t *count);

#endif
