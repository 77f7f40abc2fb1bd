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
#define CY_LEDGER_RETENTION_WHERE                                                                  \
	"(instr(entry, CAST('\"action\":\"retention.' AS BLOB)) > 0 OR "                           \
	"instr(entry, CAST('\"action\":\"appraise\"' AS BLOB)) > 0)"

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
/* Every retention.* and appraise ledger entry, in order (through the index). */
int cy_catalog_ret_ledger_each(cy_catalog *c, cy_catalog_adm_entry_fn fn, void *arg);

/* ---- appraisals ---- */

typedef struct cy_catalog_appraisal {
	int64_t id;
	char fonds[8], as_of[16], created[32], user[64], digest[65];
	int64_t user_id, seq, items;
} cy_catalog_appraisal;

typedef struct cy_catalog_appraisal_item {
	int64_t n;
	char archive_no[64], klass[16], retention[8], rule[48], trigger[16], due[16], decision[16];
	int64_t year, new_period;
} cy_catalog_appraisal_item;

/* A new appraisal row (seq 0, digest "" until sealed); its id to *id. */
int cy_catalog_appr_insert(cy_catalog *c, const char *fonds, const char *as_of, const char *created,
			   int64_t user_id, int64_t *id);
int cy_catalog_appr_item_add(cy_catalog *c, int64_t id, const cy_catalog_appraisal_item *it);
/* Its ledger entry's number, its digest and its item count. */
int cy_catalog_appr_seal(cy_catalog *c, int64_t id, int64_t seq, const char *digest, int64_t items);
/* One appraisal; CY_ENOTFOUND if none. */
int cy_catalog_appr_get(cy_catalog *c, int64_t id, cy_catalog_appraisal *out);
typedef int (*cy_catalog_appr_fn)(void *arg, const cy_catalog_appraisal *a);
int cy_catalog_appr_each(cy_catalog *c, cy_catalog_appr_fn fn, void *arg);
typedef int (*cy_catalog_appr_item_fn)(void *arg, const cy_catalog_appraisal_item *it);
/* The items of one appraisal, by n. */
int cy_catalog_appr_items_each(cy_catalog *c, int64_t id, cy_catalog_appr_item_fn fn, void *arg);

#endif
