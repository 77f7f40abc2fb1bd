/* catalog_subjects.h - the catalog's subjects, their blind indexes and their
 * links to records: every SQL statement about subjects, as named functions, so
 * that another catalog backend can provide them (src/vault holds no SQL).
 *
 * Numbers: a subject's number in its fonds comes from item_counters (group
 * "subject"), one row per fonds that an UPDATE locks, so that several writers
 * (PostgreSQL row locks, SQLite's single writer) never hand out a number twice. */
#ifndef CY_CATALOG_SUBJECTS_H
#define CY_CATALOG_SUBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "custody/buf.h"

typedef struct cy_catalog_subject {
	int64_t id, fonds_id, no;
	char fonds[8]; /* the fonds code */
	uint8_t uid[16];
	char kind[8];
	char status[16];
	char created[32];
	char created_by[64]; /* the user's name */
	int64_t records;     /* linked records */
	/* borrowed: valid during the callback, or owned by the caller's buffers */
	const void *wkey;
	size_t wkeylen;
	const void *fields;
	size_t fieldslen;
} cy_catalog_subject;

typedef int (*cy_catalog_subject_fn)(void *arg, const cy_catalog_subject *s);

/* The next number of a subject in fonds (inside the caller's transaction). */
/* Replace a subject's sealed fields (an importer adding what a later row
 * brought). */
int cy_catalog_subject_set_fields(cy_catalog *c, int64_t id, const void *fields, size_t n);
/* A subject's fonds and number (CY_ENOTFOUND if there is none). */
int cy_catalog_subject_no(cy_catalog *c, int64_t id, int64_t *fonds_id, int64_t *no);
int cy_catalog_subject_next_no(cy_catalog *c, int64_t fonds_id, int64_t *no);
/* Insert (id, status, created_by name and records are ignored in s); the
 * creating user's id is created_by.  *id is the new row's id. */
int cy_catalog_subject_insert(cy_catalog *c, const cy_catalog_subject *s, int64_t created_by,
			      int64_t *id);
/* One blind-index row (an identical row already there is not an error). */
int cy_catalog_subject_index_add(cy_catalog *c, int64_t fonds_id, const char *field,
				 const uint8_t hash[32], int64_t subject_id);
/* One subject, by fonds and number or by row id; wkey and fields are copied
 * into the caller's buffers (and s->wkey/s->fields point there).
 * CY_ENOTFOUND when there is none. */
int cy_catalog_subject_get(cy_catalog *c, int64_t fonds_id, int64_t no, cy_catalog_subject *s,
			   cy_buf *wkey, cy_buf *fields);
int cy_catalog_subject_get_by_id(cy_catalog *c, int64_t id, cy_catalog_subject *s, cy_buf *wkey,
				 cy_buf *fields);
/* The subjects of one fonds, by number. */
int cy_catalog_subject_list(cy_catalog *c, int64_t fonds_id, cy_catalog_subject_fn fn, void *arg);
/* The subject ids that the index row (fonds, field, hash) names, appended to
 * ids (int64_t each). */
int cy_catalog_subject_find(cy_catalog *c, int64_t fonds_id, const char *field,
			    const uint8_t hash[32], cy_buf *ids);
/* The index rows of one subject: fn(arg, field, hash) for each. */
typedef int (*cy_catalog_index_fn)(void *arg, const char *field, const uint8_t *hash, size_t n);
int cy_catalog_subject_index_rows(cy_catalog *c, int64_t subject_id, cy_catalog_index_fn fn,
				  void *arg);
/* Link a record to a subject (an existing link is not an error). */
int cy_catalog_record_subject_link(cy_catalog *c, int64_t record_id, int64_t subject_id);
/* The archive numbers of the records linked to a subject, in archive order,
 * appended to nos, each followed by a NUL; *n is how many. */
int cy_catalog_subject_record_nos(cy_catalog *c, int64_t subject_id, cy_buf *nos, size_t *n);

#endif
