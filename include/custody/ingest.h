/* ingest.h - importing from outside sources.  Today: a directory tree of
 * files, each file one record, described by the options and, per file, by a
 * sidecar CSV; what a file is, from its first bytes. */
#ifndef CUSTODY_INGEST_H
#define CUSTODY_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "custody/import.h"
#include "custody/record.h"
#include "custody/vault.h"

/* ---- formats ---- */
/* The format of a file from its first bytes (up to 1 KiB) and its name:
 * "pdf", "png", "jpeg", "gif", "zip", "tiff", "csv", "eml", "xml", "html",
 * "text", "text-legacy" (text, not UTF-8) or "binary". */
const char *cy_sniff_format(const uint8_t *p, size_t n, const char *name);
/* The same for an open file (reads its first bytes with pread). */
int cy_sniff_fd(int fd, const char *name, const char **format);

/* ---- document dates ---- */
/* The date a document's own metadata gives: a PDF's /CreationDate, a JPEG's
 * EXIF DateTimeOriginal.  0 and *out set, or -1 if there is none (or the
 * file cannot be read as that format: that is not an error here). */
typedef struct cy_doc_date {
	int year;
	char date[11];	    /* YYYY, YYYY-MM or YYYY-MM-DD */
	const char *source; /* "pdf-creation-date" or "exif-date-original" */
} cy_doc_date;
int cy_doc_date_fd(int fd, const char *format, uint64_t size, cy_doc_date *out);
int cy_doc_date_pdf(const void *data, size_t n, cy_doc_date *out);
int cy_doc_date_jpeg(const void *data, size_t n, cy_doc_date *out);

/* ---- sidecar CSV (docs/formats/sidecar.md) ---- */
typedef struct cy_sidecar cy_sidecar;
typedef struct cy_sidecar_entry {
	const char *file;  /* path relative to the imported directory, or a base name */
	int year;	   /* 0: not given */
	const char *title; /* NULL: not given */
	int klass;	   /* a cy_class, or -1 */
	const char *date;  /* NULL: not given */
	int64_t row;	   /* where it was in the sidecar */
} cy_sidecar_entry;
int cy_sidecar_load(const char *path, cy_sidecar **out);
/* Parse sidecar bytes; name is used in messages. */
int cy_sidecar_parse(const void *data, size_t n, const char *name, cy_sidecar **out);
/* The entry for a file: by prefix + its relative path (prefix: where the
 * imported directory lies below the sidecar's own directory, e.g.
 * "letters/"; may be NULL), else by its path relative to the imported
 * directory, else by base name (an entry without a directory part, unique in
 * the sidecar).  NULL if none. */
const cy_sidecar_entry *cy_sidecar_find(const cy_sidecar *s, const char *prefix, const char *rel);
size_t cy_sidecar_count(const cy_sidecar *s);
void cy_sidecar_free(cy_sidecar *s);

/* ---- a directory tree ---- */
typedef struct cy_rules cy_rules; /* rules.h */
typedef struct cy_import_opts {
	const char *fonds;
	cy_class klass;
	const cy_rules *rules; /* non-NULL: each file the sidecar gives no class is classified by
				* these rules (rules.h) instead of taking klass; its record keeps
				* the rule's id as retention_rule (unless retention is given) and
				* in the field "class_rule" */
	int year;	       /* 0: from the sidecar; custody never guesses it from file times */
	const char *retention; /* NULL: the class default */
	const char *org;       /* optional 机构 code, 1-3 chars */
	const char *sidecar;   /* optional sidecar CSV */
	const char *subject;   /* optional: link every file to this subject (display id) */
	bool count_first;      /* count the tree's files and bytes first, for a progress display
				* (costs a second walk; without it the totals are counted only if
				* the import is stopped, to report what was not reached) */
} cy_import_opts;

typedef enum cy_file_status {
	CY_FILE_IMPORTED = 0,
	CY_FILE_DUPLICATE, /* same content already in the fonds: recognised, not imported again */
	CY_FILE_SKIPPED,   /* not a file to import (symlink inside the tree) */
	CY_FILE_FAILED,	   /* could not be imported; reason says why */
} cy_file_status;

typedef struct cy_file_event {
	const char *path; /* relative to the imported directory; non-UTF-8 bytes as \xNN */
	cy_file_status status;
	const char *archive_no; /* imported or duplicate: the record */
	const char *reason;	/* skipped or failed */
} cy_file_event;
typedef void (*cy_file_fn)(void *arg, const cy_file_event *e);

typedef struct cy_import_summary {
	uint64_t imported, duplicates, skipped, failed;
	uint64_t unclassified; /* of the imported: no rule matched (class "unclassified") */
	uint64_t bytes;
	int stopped; /* a failure that ends the import (disk full, vault error), or a stop asked
		      * for by the progress callback (CY_ECANCELLED: what was reported as
		      * imported is committed, the files not reached are not) */
} cy_import_summary;

/* Import every regular file under dir (recursively, in byte order of names)
 * as one record each.  Without a year in the options, each file's year comes
 * from the sidecar; a file with no year fails (and the import refuses to
 * start if there is neither a year nor a sidecar).  Per-file failures are reported and the import goes on;
 * a full disk or a catalog failure stops it after undoing the unfinished
 * batch (files of committed batches stay imported; run again to continue).
 * Returns 0 if the walk ran to the end (even with per-file failures). */
int cy_import_tree(cy_vault *v, const char *dir, const cy_import_opts *o, cy_file_fn fn, void *arg,
		   cy_progress_fn progress, void *parg, cy_import_summary *sum);

#endif
