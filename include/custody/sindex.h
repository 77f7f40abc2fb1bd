/* sindex.h - the encrypted full-text search index of one fonds.
 *
 * An SQLite database whose every page, and every page image in its rollback
 * journal, is sealed with ChaCha20-Poly1305 (docs/formats/index-page.md),
 * holding an FTS5 trigram index over two columns of text per document
 * (title, body) and an FTS5 index of its 2-character windows (bigrams).  A document is a record id: the index answers with ids and
 * never writes plaintext to disk.  Queries read only the pages they touch.
 * Design and measurements: docs/internals/search.md.
 *
 * One cy_sindex is used by one thread at a time.  All functions return 0 or a
 * negative CY_E code with cy_error_set() called. */
#ifndef CUSTODY_SINDEX_H
#define CUSTODY_SINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CY_SINDEX_KEY_LEN 32
/* The HKDF label with which the caller derives the index key from the fonds
 * key (the library takes the derived key, not the fonds key). */
#define CY_SINDEX_HKDF_LABEL "custody search index v1"
/* Longest query text accepted, in bytes. */
#define CY_SINDEX_QUERY_MAX 1024

typedef struct cy_sindex cy_sindex;

/* Open the index at path under key (32 bytes, copied).  create: make the
 * file when it does not exist (else CY_ENOTFOUND).  A hot journal left by a
 * killed writer is rolled back here.  CY_EAUTH when the key does not open
 * page 1 (wrong key, or not a custody index), CY_ECORRUPT when a later page
 * fails authentication.  *out is freed with cy_sindex_close. */
int cy_sindex_open(const char *path, const uint8_t key[CY_SINDEX_KEY_LEN], bool create,
		   cy_sindex **out);

/* Close (accepts NULL); an open transaction is rolled back. */
void cy_sindex_close(cy_sindex *idx);

/* One write transaction around many adds (a bulk load runs in a few big
 * ones; outside a transaction each add commits on its own). */
int cy_sindex_begin(cy_sindex *idx);
int cy_sindex_commit(cy_sindex *idx);
int cy_sindex_rollback(cy_sindex *idx);

/* Index document doc (a record id) with its title and body (UTF-8; either
 * may be NULL for none), replacing what was indexed for doc before.  Add and
 * delete change two tables: outside cy_sindex_begin each is one transaction
 * of its own; inside one, after a failure roll the transaction back. */
int cy_sindex_add(cy_sindex *idx, int64_t doc, const char *title, const char *body);

/* Remove doc from the index (no error if it was not there). */
int cy_sindex_delete(cy_sindex *idx, int64_t doc);

/* Empty the index: drop and recreate its tables, in the current format (an
 * index made before the bigram table gets one here).  For a rebuild: clear,
 * then cy_sindex_add every document.  Inside or outside cy_sindex_begin. */
int cy_sindex_clear(cy_sindex *idx);

/* Number of documents indexed. */
int cy_sindex_count(cy_sindex *idx, int64_t *out);

/* Called per hit: rank is FTS5's bm25 with CY_SINDEX_BY_RANK (lower is
 * better), else 0.  Return 0 to go on, > 0 to stop, < 0 (a CY_E code) to
 * stop and fail with that code. */
typedef int (*cy_sindex_hit_fn)(void *arg, int64_t doc, double rank);

/* Order of the hits.  Default (0): by document, highest (newest record id)
 * first; the query stops at `limit` hits, so its cost follows the limit.
 * CY_SINDEX_BY_RANK: best bm25 first; every match is scored before the
 * first hit, so a term found in many documents is slow (docs/internals/
 * search.md: 385 ms for a term in 125,000 of 1,000,000 documents).  A query
 * of terms of 1-2 characters only has no bm25 (rank 0, by document). */
#define CY_SINDEX_BY_RANK 1u

/* Search: text is split at white space into terms; a document matches when
 * every term occurs in its title or body as a substring, ASCII case folded.
 * Terms of 3 characters or more are answered from the trigram index, terms
 * of 1 or 2 characters from the bigram index (a 2-character term is one
 * token, a 1-character term a token prefix); a query with both kinds gives
 * the documents that match both.  An index made before the bigram table
 * (format 1, with documents) answers short terms by a scan of the documents
 * (slow on a big index when there are fewer than `limit` hits; always by
 * document) until it is rebuilt (cy_sindex_clear); so do short terms that
 * are not valid UTF-8.  User text is always quoted: FTS5 syntax in it has
 * no effect.  At most limit hits (0: no limit).  CY_EINVALID for an
 * empty or over-long query. */
int cy_sindex_query(cy_sindex *idx, const char *text, size_t limit, unsigned flags,
		    cy_sindex_hit_fn fn, void *arg);

/* Merge the index into one b-tree segment (FTS5 'optimize'): after a bulk
 * load, queries then probe one segment instead of dozens.  Rewrites the
 * whole index, in its own transaction (not inside cy_sindex_begin). */
int cy_sindex_optimize(cy_sindex *idx);

/* Full check: SQLite's integrity check and FTS5's, reading every page (so
 * every page is authenticated).  CY_ECORRUPT when anything is wrong. */
int cy_sindex_check(cy_sindex *idx);

#endif
