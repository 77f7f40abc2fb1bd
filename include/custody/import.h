/* import.h - import batches: records are created inside a batch, which is one
 * catalog transaction (committed every so many files or bytes by the caller)
 * holding the new objects' packs.  Every importer (files, CSV rows, mail)
 * creates its records through cy_record_create or, for files read on worker
 * threads, through cy_import_prepare + cy_import_add. */
#ifndef CUSTODY_IMPORT_H
#define CUSTODY_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/record.h"

typedef struct cy_import cy_import;

typedef enum cy_import_outcome {
	CY_IMPORTED = 0,
	CY_DUPLICATE, /* identical content is already in this fonds */
} cy_import_outcome;

/* archivist: start importing into fonds (a fonds the caller holds). */
int cy_import_begin(cy_vault *v, const char *fonds, cy_import **out);

/* One part (object) of a new record, held in memory. */
typedef struct cy_record_part {
	const char *role; /* "original" (the first part), "text", "preservation", ... */
	const void *data;
	size_t len;
	const char *format; /* e.g. "csv", "eml", "pdf"; NULL: "binary" */
} cy_record_part;

/* Create a record inside the batch: its parts are sealed as objects (each
 * with its own data key, wrapped by the key of its only subject, else by the
 * fonds key), it is numbered in its group, its metadata is encrypted, it is
 * linked to its subjects, and record.import is logged.  A record whose first
 * part has the same content as one already in the fonds is not created
 * again: *outcome = CY_DUPLICATE and archive_no names the existing one.
 * archive_no: 64 bytes.  On failure the batch goes on without it. */
int cy_record_create(cy_import *im, const cy_record_new *r, const cy_record_part *parts,
		     size_t nparts, cy_import_outcome *outcome, char *archive_no);

/* Create a subject (customer) of the batch's fonds inside the batch, for
 * importers that make customers and their records together: *subject_id
 * goes into cy_record_new.subjects, id_out (CY_SUBJECT_ID_MAX bytes) is its
 * display id.  Logged as subject.add.  On failure the batch goes on without
 * it. */
struct cy_subject_fields;
int cy_import_subject(cy_import *im, const struct cy_subject_fields *f, int64_t *subject_id,
		      char *id_out);

/* The subject of the batch's fonds whose field ("id_number", "uscc",
 * "customer_no", "phone", "email", "name", "account") has value, through
 * the blind index (rows of this batch included), confirmed against the
 * subject's sealed fields.  0 and *subject_id (id_out: CY_SUBJECT_ID_MAX
 * bytes, may be NULL), CY_ENOTFOUND if none, CY_ECORRUPT if the index was
 * altered.  Not logged: the import it is part of is. */
int cy_import_find_subject(cy_import *im, const char *field, const char *value, int64_t *subject_id,
			   char *id_out);

/* A later row of a customer the fonds has: the phones, e-mails, accounts,
 * customer numbers (and labels) of f that the subject does not have yet are
 * added to it (re-sealed, indexed, subject.amend logged); *added how many.
 * The subject keeps its name: *name_differs (may be NULL) says whether f's
 * name differs from it (normalised). */
int cy_import_subject_merge(cy_import *im, int64_t subject_id, const struct cy_subject_fields *f,
			    size_t *added, bool *name_differs);

/* The catalog id of the record the last cy_record_create made (imported,
 * not a duplicate); 0 before any. */
int64_t cy_import_last_record(const cy_import *im);
/* Full-text index the record the last cy_record_create made: its title and
 * a body text (UTF-8; NULL for none).  Held until the batch commits. */
int cy_import_index_text(cy_import *im, const char *title, const char *body);
/* Full-text index the record the last cy_record_create (or cy_import_add)
 * made, as r and its parts describe it: its title, and the body the vault
 * derives from its parts (a row's "fields" values, a message's senders,
 * recipients and text, a text file's first 64 KiB), the same that a rebuild
 * (cy_search_reindex) derives from the stored record.  A record of a kind
 * that is not indexed (a file that is not text) is left out. */
int cy_import_index_record(cy_import *im, const cy_record_new *r, const cy_record_part *parts,
			   size_t nparts);
/* Whether an imported file of this format (ingest's sniffer) is a document of
 * the full-text index; CY_IMPORT_TEXT_MAX: what of its text is indexed. */
bool cy_import_indexes_format(const char *format);
#define CY_IMPORT_TEXT_MAX (64u << 10)

/* The display id ("Z109-C000001") of a subject of the batch's fonds; "" if
 * there is none. */
void cy_import_subject_display(cy_import *im, int64_t subject_id, char *id_out);

/* Files, in two steps, so that reading, hashing and sealing (prepare:
 * thread-safe, no catalog access; may run on another thread while the
 * previous file is added) overlaps the catalog work (add: the caller's
 * thread, in file order).  format: what the file is (see ingest's sniffing). */
typedef struct cy_import_item cy_import_item;
/* format NULL: the format is what the batch's sniffer (cy_import_set_sniffer,
 * e.g. cy_sniff_format of ingest.h) makes of the file's first bytes, as they
 * are read anyway ("binary" without a sniffer). */
typedef const char *(*cy_import_sniff_fn)(const uint8_t *p, size_t n, const char *name);
void cy_import_set_sniffer(cy_import *im, cy_import_sniff_fn fn);
int cy_import_prepare(const cy_import *im, int fd, const char *rel, const char *format,
		      cy_import_item **out);
/* As cy_import_prepare, for a regular file the caller has just fstat'ed
 * through fd (size: what that fstat gave), so prepare makes no fstat of its
 * own; a file whose size changes is still refused as it is read. */
int cy_import_prepare_sized(const cy_import *im, int fd, uint64_t size, const char *rel,
			    const char *format, cy_import_item **out);
/* Add a prepared file as a record described by r (its source, size, format
 * and digest come from the item). */
int cy_import_add(cy_import *im, cy_import_item *it, const cy_record_new *r,
		  cy_import_outcome *outcome, char *archive_no);
/* Bytes of memory an item holds (for bounding a queue of prepared items). */
uint64_t cy_import_item_memory(const cy_import_item *it);
/* What preparing a file of this size will hold, before it is prepared. */
uint64_t cy_import_item_estimate(uint64_t size);
void cy_import_item_free(cy_import_item *it);

/* 1 if the subject is restricted to storage (PIPL Art. 47 para. 2; it or
 * the store-only status of issue 8): an importer then takes nothing new in
 * for it and says so; 0 if not; or a CY_E code. */
int cy_import_subject_restricted(cy_import *im, int64_t subject_id);

/* Bytes and files added since the last commit (for batching decisions). */
uint64_t cy_import_pending_bytes(const cy_import *im);
uint64_t cy_import_pending_files(const cy_import *im);
/* Whether the open batch should be committed now, whatever its size: it has
 * held the catalog's writer lock for CY_IMPORT_COMMIT_SECONDS, and readers
 * (whose reads are logged) wait for that lock (docs/security/hygiene.md). */
#define CY_IMPORT_COMMIT_SECONDS 2.0
bool cy_import_due(const cy_import *im);
/* Make everything added so far durable and commit it (objects fsynced first). */
int cy_import_commit(cy_import *im);
/* Drop what was not committed and free. */
void cy_import_free(cy_import *im);

/* ---- sealed scratch files (vault_spill.c) ----
 * For an importer that must set rows aside (grouping a large export): an
 * unnamed file in the vault's directory (nothing is left if the process
 * dies), written in chunks sealed under a key only this process holds.
 * id goes into every chunk's AAD (one id per file). */
typedef struct cy_spill cy_spill;
int cy_import_spill_new(cy_import *im, uint32_t id, cy_spill **out);
/* Append a chunk of n bytes (at most 64 MiB). */
int cy_spill_write(cy_spill *s, const void *p, size_t n);
/* Read the chunks again from the first, in order: *p and *n the next one
 * (valid until the next call; wiped then), *n 0 at the end. */
int cy_spill_rewind(cy_spill *s);
int cy_spill_read(cy_spill *s, const uint8_t **p, size_t *n);
void cy_spill_free(cy_spill *s);

/* ---- runs: what a table or mail import did and what it refused ----
 * (docs/formats/import-rejects.md).  A run is started before the batch's
 * first record (its row is committed at once, so a killed import leaves it
 * unfinished); rejects are sealed into the batch's open transaction and
 * commit with its records. */
typedef struct cy_import_counts {
	uint64_t rows;	     /* rows or messages read (rejects included) */
	uint64_t imported;   /* records created */
	uint64_t duplicates; /* records already in the fonds */
	uint64_t rejects;    /* rows or messages refused (kept, see cy_import_rejects) */
	uint64_t subjects;   /* subjects (customers) created */
} cy_import_counts;

/* kind: what is imported ("csv-customers", "mail", ...); source: the file's
 * name as the user gave it (sealed: a name can be personal data). */
int cy_import_run_start(cy_import *im, const char *kind, const char *source, int64_t *run_id);
/* Keep a refused row or message: line (1-based physical line, or message
 * number), reason (English, names no value), its bytes (the first MiB is
 * kept; the rest is marked cut). */
int cy_import_reject(cy_import *im, uint64_t line, const char *reason, const void *raw, size_t n);
/* The counts into the run's row; finished: the run reached its end (logged
 * as import.run).  Commits the batch. */
int cy_import_run_finish(cy_import *im, const cy_import_counts *c, bool finished);
/* The end of an import that stopped with rc (0: it reached the end of its
 * input): cy_import_run_finish with the counts, finished when rc is 0, so
 * that what was done is kept and a rerun takes up the rest.  Returns rc with
 * its message kept, or when rc is 0 what cy_import_run_finish returned. */
int cy_import_run_end(cy_import *im, const cy_import_counts *c, int rc);

typedef struct cy_import_run_info {
	int64_t id;
	char fonds[8];
	char kind[32];
	char started[32], finished[32]; /* finished "": it did not reach its end */
	const char *source;		/* decrypted; valid during the call */
	cy_import_counts counts;
} cy_import_run_info;
typedef int (*cy_import_run_fn)(void *arg, const cy_import_run_info *r);
/* The runs of the fonds the caller holds (or of one), newest first. */
int cy_import_runs(cy_vault *v, const char *fonds, cy_import_run_fn fn, void *arg);

typedef struct cy_import_reject_info {
	int64_t run, seq;
	uint64_t line;
	const char *reason;
	const uint8_t *raw; /* personal data: valid during the call */
	size_t raw_len;
	bool cut; /* the row was longer than what was kept */
} cy_import_reject_info;
typedef int (*cy_import_reject_fn)(void *arg, const cy_import_reject_info *r);
/* archivist: the rejects of run `run` (0: the newest run, of `fonds` if
 * given) in order; logged (import.rejects) before the first is returned.
 * *run_out: the run shown. */
int cy_import_rejects(cy_vault *v, const char *fonds, int64_t run, cy_import_reject_fn fn,
		      void *arg, int64_t *run_out);

#endif
