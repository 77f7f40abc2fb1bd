/* catalog_audit.c - listing sizes and failed log-ins (catalog_audit.h).
 * SQLite dialect; the SQL stays in this file. */
#include "catalog/catalog_audit.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_record_count(cy_catalog *c, int64_t fonds_id, uint64_t *count, int64_t *max_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT count(*), coalesce(max(id), 0) FROM records WHERE fonds_id = ?", &s);

	*count = 0;
	*max_id = 0;
	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		int64_t n = cy_stmt_int(s, 0);
		*count = n > 0 ? (uint64_t)n : 0;
		*max_id = cy_stmt_int(s, 1);
		rc = 0;
	} else if (rc == 0) {
		rc = cy_error_set(CY_EDB, "catalog: no record count");
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_login_failed_add(cy_catalog *c, int64_t user_id, const char *time)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "INSERT INTO login_failures (user_id, time) VALUES (?, ?)",
				    &s);

	rc = rc ? rc : user_id ? cy_stmt_bind_int(s, 1, user_id) : cy_stmt_bind_null(s, 1);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, time);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_login_failed_count(cy_catalog *c, int64_t user_id, uint64_t *count)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT count(*) FROM login_failures WHERE user_id IS ?",
				    &s);

	*count = 0;
	rc = rc ? rc : user_id ? cy_stmt_bind_int(s, 1, user_id) : cy_stmt_bind_null(s, 1);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		int64_t n = cy_stmt_int(s, 0);
		*count = n > 0 ? (uint64_t)n : 0;
		rc = 0;
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_login_failed_take(cy_catalog *c, int64_t user_id, uint64_t *count)
{
	cy_stmt *s;
	/* NULL bound for 0: "IS" then matches the rows of unknown names */
	int rc = cy_catalog_prepare(c, "DELETE FROM login_failures WHERE user_id IS ?", &s);

	*count = 0;
	rc = rc ? rc : user_id ? cy_stmt_bind_int(s, 1, user_id) : cy_stmt_bind_null(s, 1);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	if (rc < 0)
		return rc;
	*count = (uint64_t)cy_catalog_changes(c);
	return 0;
}
