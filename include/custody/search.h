/* search.h - finding records again (docs/internals/search.md): exact
 * look-ups of a customer's identifiers through the blind indexes, each hit
 * confirmed by the customer's own sealed fields, answered with the records
 * linked to the customers found.  Only fonds the caller holds are searched;
 * every search is logged (search.query: the kind, a keyed hash of the
 * normalised value, the number of hits; never the value) before the first
 * result is returned. */
#ifndef CUSTODY_SEARCH_H
#define CUSTODY_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/subject.h"
#include "custody/vault.h"

typedef struct cy_search_hit {
	const char *archive_no; /* NULL: a customer without records */
	const char *subject;	/* the customer's display id, or NULL */
	const char *fonds;
	const char *class_name; /* NULL with archive_no */
	int year;
	const char *title; /* decrypted */
} cy_search_hit;
typedef int (*cy_search_fn)(void *arg, const cy_search_hit *h);

/* field: "id_number", "phone", "email", "name", "uscc", "account" or
 * "customer_no".  fonds NULL: every held fonds.  Each record is returned
 * once per customer found; a customer without records once, with
 * archive_no NULL.  *hits (may be NULL): how many were returned. */
int cy_search_exact(cy_vault *v, const char *fonds, const char *field, const char *value,
		    cy_search_fn fn, void *arg, uint64_t *hits);

/* Full text: the records of the held fonds (or of one) whose title or text
 * holds every term of text (white-space separated, case folded; Chinese
 * without word breaks: a trigram index), newest first, at most limit (0: no
 * limit).  Logged as search.query (field "text", a keyed hash of the text). */
int cy_search_text(cy_vault *v, const char *fonds, const char *text, size_t limit, cy_search_fn fn,
		   void *arg, uint64_t *hits);

/* Only the hits of one class and/or one year (search TEXT --class --year):
 * class_name NULL and year 0 for any.  The limit counts the hits kept. */
typedef struct cy_search_filter {
	const char *class_name; /* as cy_class_name gives it */
	int year;
} cy_search_filter;
int cy_search_text_filtered(cy_vault *v, const char *fonds, const char *text,
			    const cy_search_filter *filter, size_t limit, cy_search_fn fn,
			    void *arg, uint64_t *hits);

/* Rebuild the full-text index of one held fonds (or of every held fonds)
 * from its records (archivists): every record the importers would index is
 * read (its sealed metadata and the parts its text comes from, each
 * verified) and added to a new index file beside the old one, which is
 * optimised and then renamed over it.  Logged per fonds as search.reindex
 * (the fonds, the count of records) before the first record is read.  A
 * record that fails verification (CY_ECORRUPT) is left out and counted.
 * progress (may be NULL) after each record; st may be NULL. */
typedef struct cy_reindex_stats {
	uint64_t fonds, records, documents;
	uint64_t damaged; /* records that failed verification: left out (check names them) */
} cy_reindex_stats;
int cy_search_reindex(cy_vault *v, const char *fonds, cy_progress_fn progress, void *parg,
		      cy_reindex_stats *st);
/* Whether a held fonds (fonds, or any held one when NULL) has records but
 * no full-text index (deleted, or never built): 1 and its code in code (8
 * bytes), for the caller to tell the user to reindex; 0 if none; or a CY_E
 * code. */
int cy_search_index_missing(cy_vault *v, const char *fonds, char code[8]);
#endif
