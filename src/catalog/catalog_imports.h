/* catalog_imports.h - runs of the table and mail importers and what they
 * refused (schema 5; docs/formats/import-rejects.md).  The catalog holds
 * only sealed bodies and counts: no value of a rejected row in clear. */
#ifndef CY_CATALOG_IMPORTS_H
#define CY_CATALOG_IMPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

typedef struct cy_catalog_run {
	int64_t id, fonds_id, epoch, user_id;
	const char *kind;   /* "csv-customers", "xlsx-transactions", "mail", ... */
	const void *source; /* the source's name, sealed */
	size_t source_len;
	const char *started, *finished; /* finished: "" while it runs (or if it was killed) */
	int64_t rows, imported, duplicates, rejects, subjects;
} cy_catalog_run;

/* A new run (counts 0, not finished); *id its row. */
int cy_catalog_run_insert(cy_catalog *c, const cy_catalog_run *r, int64_t *id);
/* The sealed source name (sealed after the insert: the run's id is in its AAD). */
int cy_catalog_run_set_source(cy_catalog *c, int64_t id, const void *source, size_t n);
/* Its counts so far, and finished (NULL: still running). */
int cy_catalog_run_update(cy_catalog *c, const cy_catalog_run *r);
typedef int (*cy_catalog_run_fn)(void *arg, const cy_catalog_run *r);
/* Runs of one fonds (fonds_id > 0) or all (0), newest first; id > 0: only that run.  The
 * pointers are valid during the call only. */
int cy_catalog_run_each(cy_catalog *c, int64_t fonds_id, int64_t id, cy_catalog_run_fn fn,
			void *arg);

int cy_catalog_reject_insert(cy_catalog *c, int64_t run_id, int64_t seq, const void *body,
			     size_t n);
typedef int (*cy_catalog_reject_fn)(void *arg, int64_t seq, const void *body, size_t n);
/* The rejects of a run in seq order. */
int cy_catalog_reject_each(cy_catalog *c, int64_t run_id, cy_catalog_reject_fn fn, void *arg);

#endif
