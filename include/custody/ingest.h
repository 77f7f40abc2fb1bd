/* ingest.h - importing from outside sources.  Today: a directory tree of
 * files, each file one record. */
#ifndef CUSTODY_INGEST_H
#define CUSTODY_INGEST_H

#include <stdint.h>

#include "custody/vault.h"

typedef enum cy_file_status {
	CY_FILE_IMPORTED = 0,
	CY_FILE_DUPLICATE, /* same content already in the fonds: recognised, not imported again */
	CY_FILE_SKIPPED,   /* not a file to import (symlink inside the tree) */
	CY_FILE_FAILED,    /* could not be imported; reason says why */
} cy_file_status;

typedef struct cy_file_event {
	const char *path; /* relative to the imported directory; non-UTF-8 bytes as \xNN */
	cy_file_status status;
	const char *archive_no; /* imported or duplicate: the record */
	const char *reason;     /* skipped or failed */
} cy_file_event;
typedef void (*cy_file_fn)(void *arg, const cy_file_event *e);

typedef struct cy_import_summary {
	uint64_t imported, duplicates, skipped, failed;
	uint64_t bytes;
	int stopped; /* a failure that ends the import (disk full, vault error), or a stop asked
		      * for by the progress callback (CY_ECANCELLED: what was reported as
		      * imported is committed, the files not reached are not) */
} cy_import_summary;

/* Import every regular file under dir (recursively, in byte order of names)
 * as one record each.  Per-file failures are reported and the import goes on;
 * a full disk or a catalog failure stops it after undoing the unfinished
 * batch (files of committed batches stay imported; run again to continue).
 * Returns 0 if the walk ran to the end (even with per-file failures). */
int cy_import_tree(cy_vault *v, const char *dir, const cy_import_opts *o, cy_file_fn fn, void *arg,
		   cy_progress_fn progress, void *parg, cy_import_summary *sum);

#endif
