/* catalog_retention.c - SQLite statements for retention (catalog_retention.h). */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_retention.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *SQL_OVERRIDE_PUT =
	"INSERT INTO retention_overrides (rule, period, reason, user_id, at, seq) "
	"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (rule) DO UPDATE SET period = excluded.period, "
	"reason = excluded.reason, user_id = excluded.user_id, at = excluded.at, seq = excluded.seq";
static const char *SQL_OVERRIDE_ALL =
	"SELECT o.rule, o.period, o.reason, o.user_id, coalesce(u.name, ''), o.at, o.seq "
	"FROM retention_overrides o LEFT JOIN users u ON u.id = o.user_id ORDER BY o.rule";
static const char *SQL_LEDGER_RETENTION =
	"SELECT seq, entry FROM ledger WHERE " CY_LEDGER_RETENTION_WHERE " ORDER BY seq";

int cy_catalog_ret_override_put(cy_catalog *c, const char *rule, int64_t period, const char *reason,
				int64_t user_id, const char *at, int64_t seq)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_OVERRIDE_PUT, &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, rule);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, period);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, reason);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, user_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, at);
	rc = rc ? rc : cy_stmt_bind_int(s, 6, seq);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_ret_override_each(cy_catalog *c, cy_catalog_ret_override_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_OVERRIDE_ALL, &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_ret_override o;
		memset(&o, 0, sizeof(o));
		cy_catalog__text(s, 0, o.rule, sizeof(o.rule));
		o.period = cy_stmt_int(s, 1);
		o.reason = cy_stmt_text(s, 2);
		o.user_id = cy_stmt_int(s, 3);
		cy_catalog__text(s, 4, o.user, sizeof(o.user));
		cy_catalog__text(s, 5, o.at, sizeof(o.at));
		o.seq = cy_stmt_int(s, 6);
		rc = fn(arg, &o);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_ret_ledger_each(cy_catalog *c, cy_catalog_adm_entry_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_LEDGER_RETENTION, &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t n;
		const void *p = cy_stmt_blob(s, 1, &n);
		rc = fn(arg, (uint64_t)cy_stmt_int(s, 0), p ? p : "", n);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}
