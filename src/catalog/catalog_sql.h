/* catalog_sql.h - the SQLite backend's own statement API: prepare (through
 * the statement cache), bind, step, read columns.  Only files of src/catalog/
 * include it; everything above the catalog uses the named functions of
 * catalog.h, so that a PostgreSQL backend can replace this file's
 * implementation without touching a caller (docs/internals/catalog.md).
 *
 * Transitional: src/vault/vault_records.c still uses it until its SQL moves
 * to src/catalog/catalog_records.c. */
#ifndef CY_CATALOG_SQL_H
#define CY_CATALOG_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

typedef struct cy_stmt cy_stmt;

/* Run SQL without results. */
int cy_catalog_exec(cy_catalog *c, const char *sql);

/* A statement from the cache, keyed by SQL text.  It is reset and its
 * bindings cleared on return.  The cache has no fixed size: it keeps the
 * CY_CATALOG_STMT_CACHE most recently used statements and finalizes the least
 * recently used one beyond that, never one that is mid-step (a row read but
 * not reset or run to its end); if every statement is mid-step it grows.
 * The statement is borrowed from the catalog: valid until it is evicted,
 * which cannot happen while it is mid-step or before CY_CATALOG_STMT_CACHE
 * other statements were prepared. */
#define CY_CATALOG_STMT_CACHE 128
int cy_catalog_prepare(cy_catalog *c, const char *sql, cy_stmt **out);
/* A statement of its own, outside the cache (for iterators that stay open
 * while other statements run); freed with cy_stmt_free. */
int cy_catalog__stmt_new(cy_catalog *c, const char *sql, cy_stmt **out);
void cy_stmt_free(cy_stmt *s);

int cy_stmt_bind_int(cy_stmt *s, int i, int64_t v);
int cy_stmt_bind_text(cy_stmt *s, int i, const char *t);
int cy_stmt_bind_blob(cy_stmt *s, int i, const void *p, size_t n);
int cy_stmt_bind_null(cy_stmt *s, int i);
/* 1 = row, 0 = done, < 0 = error (CY_EEXISTS for constraint violations). */
int cy_stmt_step(cy_stmt *s);
/* Reset for reuse (also done by prepare). */
void cy_stmt_reset(cy_stmt *s);
int64_t cy_stmt_int(cy_stmt *s, int col);
const char *cy_stmt_text(cy_stmt *s, int col); /* borrowed until next step; "" for NULL */
const void *cy_stmt_blob(cy_stmt *s, int col, size_t *n);
int cy_stmt_is_null(cy_stmt *s, int col);
/* Rows changed by the last statement. */
int64_t cy_catalog_changes(cy_catalog *c);
/* Last insert rowid. */
int64_t cy_catalog_last_id(cy_catalog *c);
/* 1 inside a transaction (cy_catalog_begin), else 0. */
int cy_catalog__in_tx(cy_catalog *c);
/* Statements held in the cache now (for tests). */
size_t cy_catalog__cached(cy_catalog *c);

/* Copy a text column into a fixed array (truncating) or a blob into a
 * buffer (which is cleared first); used by the named functions. */
void cy_catalog__text(cy_stmt *s, int col, char *dst, size_t cap);
int cy_catalog__blob(cy_stmt *s, int col, cy_buf *dst);

#endif
