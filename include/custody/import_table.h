/* import_table.h - importing a CRM's table (CSV today, an XLSX sheet next)
 * as customers and records (docs/internals/import-table.md): what each kind
 * makes, how customers are found again, what becomes a reject. */
#ifndef CUSTODY_IMPORT_TABLE_H
#define CUSTODY_IMPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/import.h"
#include "custody/table.h"
#include "custody/vault.h"

typedef enum cy_table_kind {
	CY_TABLE_CUSTOMERS = 0, /* a customer (subject) and a profile record per row */
	CY_TABLE_TRANSACTIONS,	/* one statement record per customer and year */
	CY_TABLE_CONTRACTS,	/* a contract record per row */
	CY_TABLE_RECORDS,	/* a record of class "other" per row */
	CY_TABLE_KIND_COUNT
} cy_table_kind;
/* "customers", "transactions", "contracts", "records" */
const char *cy_table_kind_name(cy_table_kind k);
int cy_table_kind_parse(const char *s, cy_table_kind *out);

typedef struct cy_table_import_opts {
	const char *fonds;
	cy_table_kind kind;
	const char *path;
	const char *format;	      /* "csv" (NULL) */
	const char *sheet;	      /* xlsx: the sheet's name (NULL: the first) */
	cy_table_opts table;	      /* encoding, map, delimiter, limits */
	int year;		      /* customers: the profile's year (0: this year); contracts and
			      * records: the year of a row without a date (0: such a row is
			      * a reject) */
	const char *org;	      /* optional 机构 code of the records */
	bool dry_run;		      /* read and map only: nothing is written */
	const struct cy_rules *rules; /* classification (rules.h); NULL: each kind's own class */
	size_t group_memory;	      /* transactions: bytes of rows held for grouping before the
			      * statements so far are made (0: 256 MiB) */
} cy_table_import_opts;

typedef struct cy_table_import_events {
	/* once the header is known (the columns and how they were mapped) */
	void (*header)(void *arg, const cy_table *t);
	/* each reject as it is found: line and reason (no value) */
	void (*reject)(void *arg, uint64_t line, const char *reason);
	cy_progress_fn progress; /* files_done: rows read; bytes_done: the line */
	void *arg;
} cy_table_import_events;

typedef struct cy_table_import_summary {
	cy_import_counts counts;
	int64_t run;		   /* the import run (0 for a dry run) */
	uint64_t problems;	   /* values that could not be taken for their field (kept) */
	uint64_t linked;	   /* records linked to a customer */
	uint64_t subjects_updated; /* customers the fonds had, given a new phone, e-mail,
				    * account or customer number by a later row */
	uint64_t names_differ;	   /* customers whose later rows (same ID number or credit code,
				* customer number, phone or e-mail) give another name:
				* each keeps its first row's name */
	uint64_t unlinked;	   /* contracts and records whose customer is not in the fonds */
	uint64_t grouped_rows;	   /* transactions: rows that went into statements */
	uint64_t header_line;	   /* where the header was found */
	uint64_t title_rows;	   /* rows above it */
	char encoding[40], encoding_source[16];
	char delimiter;
	char class_rule[48]; /* the rule that classed the table ("" : none) */
	int stopped;	     /* the code that ended the import early, or 0 */
} cy_table_import_summary;

/* archivist: import the table at o->path into fonds o->fonds.  Rows that
 * cannot be taken are rejects (kept sealed, cy_import_rejects); the import
 * goes on.  A failure of the vault (a full disk) stops it: the batches
 * committed so far stay, and running it again adds only what is missing.
 * CY_EINVALID when the file cannot be read as a table at all (no header). */
int cy_import_table(cy_vault *v, const cy_table_import_opts *o, const cy_table_import_events *ev,
		    cy_table_import_summary *sum);

/* ---- mail (src/ingest/import_mail.c) ---- */
typedef struct cy_mail_import_opts {
	const char *fonds;
	const char *path;	 /* an mbox, a folder of .eml files, a Maildir, one .eml */
	const char *source_name; /* what the records name as their source (the path's base name) */
	int year;		 /* the year of a message without a readable Date (0: a reject) */
	const struct cy_rules
		*rules; /* classification per message (folder, text); NULL: correspondence */
	const char *org;
	bool dry_run;
} cy_mail_import_opts;

typedef struct cy_mail_import_events {
	void (*reject)(void *arg, uint64_t number, const char *reason);
	cy_progress_fn progress; /* files_done: messages read */
	void *arg;
} cy_mail_import_events;

typedef struct cy_mail_import_summary {
	cy_import_counts counts; /* rows: messages */
	int64_t run;
	uint64_t problems; /* what could not be decoded cleanly in messages that were read */
	uint64_t linked;   /* records linked to a customer by an address */
	uint64_t attachments_in_original; /* beyond a record's parts: kept in the message only */
	uint64_t skipped;		  /* folders: files that were not messages */
	uint64_t unclassified;		  /* messages no rule classed */
	int stopped;
} cy_mail_import_summary;

/* archivist: one correspondence record per message (its parts: the message
 * as found, its text body, its attachments), linked to the customers of the
 * fonds whose e-mail addresses are among its From, To and Cc; a message that
 * cannot be read is a reject with its number.  As cy_import_table otherwise. */
int cy_import_mail(cy_vault *v, const cy_mail_import_opts *o, const cy_mail_import_events *ev,
		   cy_mail_import_summary *sum);

#endif
