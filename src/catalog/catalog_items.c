/* catalog_items.c - item numbers (件号) from item_counters.
 *
 * One row per numbering group holds the next number.  Taking a number is one
 * upsert that increments the row and returns the number, inside the caller's
 * transaction: the row stays locked until commit (SQLite: the whole database
 * is, by BEGIN IMMEDIATE; PostgreSQL: INSERT ... ON CONFLICT DO UPDATE locks
 * the row), so a second writer waits and then reads the committed value, and
 * a rollback returns the number.  A sequence would not do: sequences are not
 * transactional and leave gaps, which DA/T 22 numbering may not have. */
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_item_next(cy_catalog *c, int64_t fonds_id, const char *grp, int64_t *item)
{
	cy_stmt *s;
	int rc;

	if (!cy_catalog__in_tx(c))
		return cy_error_set(CY_EINVALID,
				    "catalog: an item number is taken inside a transaction");
	rc = cy_catalog_prepare(
		c,
		"INSERT INTO item_counters (fonds_id, grp, next) VALUES (?, ?, 2) "
		"ON CONFLICT (fonds_id, grp) DO UPDATE SET next = item_counters.next + 1 "
		"RETURNING next - 1",
		&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, grp);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		rc = cy_error_set(CY_EDB, "catalog: no item number returned");
	if (rc < 0)
		return rc;
	*item = cy_stmt_int(s, 0);
	/* run the statement to its end, or the update is not complete */
	rc = cy_stmt_step(s);
	cy_stmt_reset(s);
	if (rc < 0)
		return rc;
	if (*item < 1)
		return cy_error_set(CY_ECORRUPT, "catalog: item counter of group '%s' is damaged",
				    grp);
	return 0;
}

int cy_catalog_item_peek(cy_catalog *c, int64_t fonds_id, const char *grp, int64_t *next)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT next FROM item_counters WHERE fonds_id = ? AND grp = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, grp);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "catalog: no item counter for group '%s'", grp);
	if (rc < 0)
		return rc;
	*next = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_item_store(cy_catalog *c, int64_t fonds_id, const char *grp, int64_t next)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO item_counters (fonds_id, grp, next) VALUES (?, ?, ?)"
		" ON CONFLICT (fonds_id, grp) DO UPDATE SET next = excluded.next",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, grp);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, next);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}
