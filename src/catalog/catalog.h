/* catalog.h - the catalog store: a SQLite database in WAL mode with the
 * vault's schema, transactions and prepared statements.  Only src/vault/ uses
 * it.  Everything stored here is either non-personal (codes, numbers, sizes)
 * or already encrypted by the vault.
 *
 * The interface is deliberately small (exec, prepare/bind/step/column,
 * transactions) so that a PostgreSQL implementation can sit behind it. */
#ifndef CY_CATALOG_H
#define CY_CATALOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct cy_catalog cy_catalog;
typedef struct cy_stmt cy_stmt;

#define CY_CATALOG_FILE "catalog.db"
#define CY_CATALOG_VERSION 2

/* Open (create=1: create and apply the schema) the catalog in dir. */
int cy_catalog_open(cy_catalog **out, const char *dir, int create);
void cy_catalog_close(cy_catalog *c);

/* Run SQL without results. */
int cy_catalog_exec(cy_catalog *c, const char *sql);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int cy_catalog_begin(cy_catalog *c);
int cy_catalog_commit(cy_catalog *c);
void cy_catalog_rollback(cy_catalog *c);

/* Prepare a statement (cached per catalog by SQL text pointer: pass string
 * literals).  The statement is reset and its bindings cleared on return. */
int cy_catalog_prepare(cy_catalog *c, const char *sql, cy_stmt **out);
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
/* Run PRAGMA integrity_check and foreign_key_check; appends problems (one per
 * line) to a caller buffer via callback. */
typedef void (*cy_catalog_problem_fn)(void *arg, const char *problem);
int cy_catalog_integrity(cy_catalog *c, cy_catalog_problem_fn fn, void *arg);

#endif
