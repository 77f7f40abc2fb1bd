/* record.h - records (件): classes and archive numbers, the structured
 * metadata of a record (docs/formats/record-meta.md), listing, showing,
 * reading the bytes back, amending.
 *
 * A record's descriptive metadata is encrypted under its fonds' record-meta
 * key and bound to its archive number; the catalog keeps in clear only what
 * carries no personal data (archive number, class, year, retention, sizes,
 * status).  Records are created through an import batch (import.h). */
#ifndef CUSTODY_RECORD_H
#define CUSTODY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cy_vault cy_vault;

typedef enum cy_class {
	CY_CLASS_CUSTOMER = 0,
	CY_CLASS_CONTRACT,
	CY_CLASS_TRANSACTION,
	CY_CLASS_ACCOUNTING,
	CY_CLASS_CORRESPONDENCE,
	CY_CLASS_OTHER,
	CY_CLASS_UNCLASSIFIED, /* no classification rule matched: for review (rules.h) */
	CY_CLASS_COUNT
} cy_class;
const char *cy_class_name(cy_class c);
const char *cy_class_code(cy_class c); /* DA/T 22 门类 code, 2 letters */
int cy_class_parse(const char *s, cy_class *out);
/* Y, D30, D10 */
bool cy_retention_valid(const char *s);
const char *cy_class_default_retention(cy_class c);

/* Where a record came from. */
typedef enum cy_source_kind {
	CY_SOURCE_NONE = 0,
	CY_SOURCE_FILE, /* path: relative to the imported directory */
	CY_SOURCE_CSV,	/* path: the CSV file; line: its 1-based physical line */
	CY_SOURCE_MAIL, /* path: the mailbox; message_id */
	CY_SOURCE_XLSX, /* path: the workbook; line: the sheet's 1-based row */
	CY_SOURCE_COUNT
} cy_source_kind;
const char *cy_source_kind_name(cy_source_kind k);

typedef struct cy_kv {
	const char *key, *value;
} cy_kv;

/* What a new record says about itself (all strings UTF-8; NULL = absent). */
typedef struct cy_record_new {
	cy_class klass;
	int year;		    /* 年度: the year the document was formed (required) */
	const char *date;	    /* 形成日期 YYYY, YYYY-MM or YYYY-MM-DD */
	const char *date_end;	    /* end of a date range, same forms */
	const char *retention;	    /* NULL: the class default */
	const char *retention_rule; /* why: NULL = "class-default" or "user" */
	const char *org;	    /* 机构 code, 1-3 characters, optional */
	const char *title;
	cy_source_kind source_kind;
	const char *source_path;
	int64_t source_line;
	const char *message_id;
	int64_t mtime;		   /* a file's modification time, kept for reference only */
	const char *const *labels; /* sensitivity labels (e.g. "pii", "id-number") */
	size_t nlabels;
	const cy_kv *fields; /* free key-value fields an importer adds */
	size_t nfields;
	const int64_t *subjects; /* subject ids (of this fonds) the record is about */
	size_t nsubjects;
} cy_record_new;

typedef struct cy_record_info {
	char archive_no[64];
	char fonds[8];
	char class_name[16];
	int year;
	char retention[8];
	char org[8];
	int64_t item;
	uint64_t size;
	uint64_t stored; /* bytes in the object store */
	char sha256[65];
	char status[16];
	char created[32];
	char created_by[64];
	char format[24];
	bool compressed;
	uint8_t salt[16]; /* the salt of the record's own (first) object */
	int meta_version; /* 1: the foundation's layout; 2: structured (record-meta.md) */
	char date[16], date_end[16];
	char retention_rule[48];
	char source_kind[8]; /* "file", "csv", "xlsx", "mail" or "" */
	int64_t source_line;
	unsigned nobjects, nsubjects, nlabels, nfields;
	/* decrypted; owned by the struct, freed by cy_record_info_release */
	char *title;
	char *source;	  /* the path, CSV file or mailbox */
	char *message_id; /* mail only */
	char *meta_json;  /* the whole decrypted metadata as JSON (version 2; NULL for 1) */
} cy_record_info;
void cy_record_info_release(cy_record_info *r);

typedef int (*cy_record_fn)(void *arg, const cy_record_info *r);
/* Records of the fonds the caller holds (all of them, or one fonds). */
int cy_record_list(cy_vault *v, const char *fonds, cy_record_fn fn, void *arg);
/* One record.  A number that a record had before it moved (record amend)
 * still finds it: out->archive_no then is the current number. */
int cy_record_show(cy_vault *v, const char *archive_no, cy_record_info *out);
/* Stream the original bytes to sink, verifying authentication of every chunk
 * and the SHA-256 at the end (CY_ECORRUPT on mismatch).  The read is logged
 * before any byte is released. */
typedef int (*cy_data_sink)(void *arg, const void *data, size_t n);
int cy_record_get(cy_vault *v, const char *archive_no, cy_data_sink sink, void *arg);

/* One part (object) of a record as its metadata describes it: the original
 * is part 0; importers add others (a CSV row's "fields" as JSON, a message's
 * "text" and each "attachment"). */
typedef struct cy_record_part_info {
	char role[24];	 /* "original", "fields", "text", "attachment", ... */
	char format[24]; /* "csv", "json", "eml", "pdf", "binary", ... */
	uint64_t size;
	char sha256[65];
} cy_record_part_info;
/* Part i (0 <= i < r->nobjects) of a record that cy_record_show, cy_record_list
 * or a subject's listing filled in.  CY_EINVALID for i out of range,
 * CY_ECORRUPT for metadata without it. */
int cy_record_part_describe(const cy_record_info *r, unsigned i, cy_record_part_info *out);
/* cy_record_get for part i of the record (0: the same as cy_record_get):
 * verified the same way, logged as record.read with the part's number (for
 * i > 0).  CY_ENOTFOUND if the record has no such part. */
int cy_record_get_part(cy_vault *v, const char *archive_no, unsigned part, cy_data_sink sink,
		       void *arg);

/* Correct a record (archivist).  Fields left NULL / 0 / -1 keep their value.
 * A changed year or class (or retention) moves the record to the next free
 * item number of its new group; the old number keeps resolving.  new_no
 * (64 bytes) receives the number after the change.  Logged as record.amend. */
typedef struct cy_record_amend {
	int year;	   /* 0: keep */
	int klass;	   /* -1: keep, else a cy_class */
	const char *title; /* NULL: keep */
	const char *date;  /* NULL: keep; "" clears */
	const char *retention;
} cy_record_amend;
int cy_record_amend_apply(cy_vault *v, const char *archive_no, const cy_record_amend *a,
			  char new_no[64]);

/* Archive numbers as typed (vault_archive_no.c).  Writes the DA/T 22 form
 * of `in` to out: ASCII letters upper-cased, full-width letters, digits and
 * dashes folded, and the separator between class code and year made U+00B7
 * when typed as '.', '-' or a look-alike dot ("Z109-WS.2019-D10-0001" and
 * "z109-ws-2019-d10-0001" both give "Z109-WS·2019-D10-0001").  Anything else
 * is left as it is, for the look-up to find or not.  CY_EINVALID for an
 * empty number, a control character, or one that does not fit outsz. */
int cy_archive_no_normalize(const char *in, char *out, size_t outsz);
/* For an archive number that was not found: up to max (at most 16) numbers
 * of records the caller may see (fonds whose keys it holds) that are nearest
 * to it (fewest edits, then number order); none that are far off.  Returns
 * how many were written to out, or a negative CY_E code. */
int cy_record_suggest(cy_vault *v, const char *archive_no, char out[][64], int max);

#endif
