/* catalog_retention.h - the catalog's part of retention (schema 6 block
 * "retention:"): overrides of retention rules, and the retention entries of
 * the ledger through their partial index.  A row here is a working copy:
 * the ledger's retention.override entries are the authority
 * (docs/internals/retention.md). */
#ifndef CY_CATALOG_RETENTION_H
#define CY_CATALOG_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/catalog_admin.h"

/* The condition of the partial index ledger_retention, repeated word for
 * word in the query so that SQLite uses it (see CY_LEDGER_TRUST_WHERE). */
#define CY_LEDGER_RETENTION_WHERE "instr(entry, CAST('\"action\":\"retention.' AS BLOB)) > 0"

typedef struct cy_catalog_ret_override {
	char rule[48];
	int64_t period;	    /* years, -1 permanent */
	const char *reason; /* borrowed during the callback */
	int64_t user_id;
	char user[64];
	char at[32];
	int64_t seq;
} cy_catalog_ret_override;

/* Insert or replace the override of a rule. */
int cy_catalog_ret_override_put(cy_catalog *c, const char *rule, int64_t period, const char *reason,
				int64_t user_id, const char *at, int64_t seq);
typedef int (*cy_catalog_ret_override_fn)(void *arg, const cy_catalog_ret_override *o);
/* Every override row, by rule. */
int cy_catalog_ret_override_each(cy_catalog *c, cy_catalog_ret_override_fn fn, void *arg);
/* Every retention.* ledger entry, in order (through the index). */
int cy_catalog_ret_ledger_each(cy_catalog *c, cy_catalog_adm_entry_fn fn, void *arg);

#endif
