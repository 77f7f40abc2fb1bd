/* catalog_imports.c - the rows of import_runs and import_rejects
 * (catalog_imports.h). */
#include <string.h>

#include "catalog/catalog_imports.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_run_insert(cy_catalog *c, const cy_catalog_run *r, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "INSERT INTO import_runs (fonds_id, kind, epoch, source, "
				    "user_id, started) VALUES (?, ?, ?, ?, ?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, r->fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, r->kind);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, r->epoch);
	rc = rc ? rc : cy_stmt_bind_blob(s, 4, r->source, r->source_len);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, r->user_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, r->started);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_run_set_source(cy_catalog *c, int64_t id, const void *source, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE import_runs SET source = ?2 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, source, n);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_run_update(cy_catalog *c, const cy_catalog_run *r)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE import_runs SET rows = ?2, imported = ?3, "
				    "duplicates = ?4, rejects = ?5, subjects = ?6, finished = ?7 "
				    "WHERE id = ?1",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, r->id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, r->rows);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, r->imported);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, r->duplicates);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, r->rejects);
	rc = rc ? rc : cy_stmt_bind_int(s, 6, r->subjects);
	if (!rc)
		rc = r->finished && *r->finished ? cy_stmt_bind_text(s, 7, r->finished)
						 : cy_stmt_bind_null(s, 7);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_run_each(cy_catalog *c, int64_t fonds_id, int64_t id, cy_catalog_run_fn fn,
			void *arg)
{
	cy_catalog_run r;
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(
		c,
		"SELECT id, fonds_id, kind, epoch, source, user_id, started, finished, rows, "
		"imported, duplicates, rejects, subjects FROM import_runs "
		"WHERE (?1 = 0 OR fonds_id = ?1) AND (?2 = 0 OR id = ?2) ORDER BY id DESC",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		memset(&r, 0, sizeof(r));
		r.id = cy_stmt_int(s, 0);
		r.fonds_id = cy_stmt_int(s, 1);
		r.kind = cy_stmt_text(s, 2);
		r.epoch = cy_stmt_int(s, 3);
		r.source = cy_stmt_blob(s, 4, &r.source_len);
		r.user_id = cy_stmt_int(s, 5);
		r.started = cy_stmt_text(s, 6);
		r.finished = cy_stmt_text(s, 7);
		r.rows = cy_stmt_int(s, 8);
		r.imported = cy_stmt_int(s, 9);
		r.duplicates = cy_stmt_int(s, 10);
		r.rejects = cy_stmt_int(s, 11);
		r.subjects = cy_stmt_int(s, 12);
		rc = fn(arg, &r);
	}
	cy_stmt_free(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_reject_insert(cy_catalog *c, int64_t run_id, int64_t seq, const void *body, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "INSERT INTO import_rejects (run_id, seq, body) VALUES (?, ?, ?)", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, run_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, seq);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, body, n);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_reject_each(cy_catalog *c, int64_t run_id, cy_catalog_reject_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(
		c, "SELECT seq, body FROM import_rejects WHERE run_id = ? ORDER BY seq", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, run_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t n;
		const void *b = cy_stmt_blob(s, 1, &n);
		rc = fn(arg, cy_stmt_int(s, 0), b, n);
	}
	cy_stmt_free(s);
	return rc < 0 ? rc : 0;
}
