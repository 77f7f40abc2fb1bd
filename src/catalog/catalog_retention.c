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

/* ---- appraisals ---- */

static const char *SQL_APPR_INSERT =
	"INSERT INTO appraisals (fonds, as_of, created, user_id, seq, digest, items) "
	"VALUES (?, ?, ?, ?, 0, '', 0)";
static const char *SQL_APPR_ITEM =
	"INSERT INTO appraisal_items (appraisal_id, n, archive_no, class, year, retention, rule, "
	"trigger, due, decision, new_period) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *SQL_APPR_SEAL =
	"UPDATE appraisals SET seq = ?, digest = ?, items = ? WHERE id = ?";
static const char *SQL_APPR_ONE =
	"SELECT a.id, a.fonds, a.as_of, a.created, a.user_id, coalesce(u.name, ''), a.seq, "
	"a.digest, a.items FROM appraisals a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = ?";
static const char *SQL_APPR_ALL =
	"SELECT a.id, a.fonds, a.as_of, a.created, a.user_id, coalesce(u.name, ''), a.seq, "
	"a.digest, a.items FROM appraisals a LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id";
static const char *SQL_APPR_ITEMS =
	"SELECT n, archive_no, class, year, retention, rule, trigger, due, decision, new_period "
	"FROM appraisal_items WHERE appraisal_id = ? ORDER BY n";

int cy_catalog_appr_insert(cy_catalog *c, const char *fonds, const char *as_of, const char *created,
			   int64_t user_id, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_APPR_INSERT, &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, fonds);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, as_of);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, created);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, user_id);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_appr_item_add(cy_catalog *c, int64_t id, const cy_catalog_appraisal_item *it)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_APPR_ITEM, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, it->n);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, it->archive_no);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, it->klass);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, it->year);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, it->retention);
	rc = rc ? rc : cy_stmt_bind_text(s, 7, it->rule);
	rc = rc ? rc : cy_stmt_bind_text(s, 8, it->trigger);
	rc = rc ? rc : cy_stmt_bind_text(s, 9, it->due);
	rc = rc ? rc : cy_stmt_bind_text(s, 10, it->decision);
	rc = rc ? rc : cy_stmt_bind_int(s, 11, it->new_period);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_appr_seal(cy_catalog *c, int64_t id, int64_t seq, const char *digest, int64_t items)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_APPR_SEAL, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, seq);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, digest);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, items);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, id);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

static void appr_row(cy_stmt *s, cy_catalog_appraisal *a)
{
	memset(a, 0, sizeof(*a));
	a->id = cy_stmt_int(s, 0);
	cy_catalog__text(s, 1, a->fonds, sizeof(a->fonds));
	cy_catalog__text(s, 2, a->as_of, sizeof(a->as_of));
	cy_catalog__text(s, 3, a->created, sizeof(a->created));
	a->user_id = cy_stmt_int(s, 4);
	cy_catalog__text(s, 5, a->user, sizeof(a->user));
	a->seq = cy_stmt_int(s, 6);
	cy_catalog__text(s, 7, a->digest, sizeof(a->digest));
	a->items = cy_stmt_int(s, 8);
}

int cy_catalog_appr_get(cy_catalog *c, int64_t id, cy_catalog_appraisal *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_APPR_ONE, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no appraisal %lld", (long long)id);
	if (rc < 0)
		return rc;
	appr_row(s, out);
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_appr_each(cy_catalog *c, cy_catalog_appr_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c, SQL_APPR_ALL, &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_appraisal a;
		appr_row(s, &a);
		rc = fn(arg, &a);
	}
	cy_stmt_free(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_appr_items_each(cy_catalog *c, int64_t id, cy_catalog_appr_item_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c, SQL_APPR_ITEMS, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_appraisal_item it;
		memset(&it, 0, sizeof(it));
		it.n = cy_stmt_int(s, 0);
		cy_catalog__text(s, 1, it.archive_no, sizeof(it.archive_no));
		cy_catalog__text(s, 2, it.klass, sizeof(it.klass));
		it.year = cy_stmt_int(s, 3);
		cy_catalog__text(s, 4, it.retention, sizeof(it.retention));
		cy_catalog__text(s, 5, it.rule, sizeof(it.rule));
		cy_catalog__text(s, 6, it.trigger, sizeof(it.trigger));
		cy_catalog__text(s, 7, it.due, sizeof(it.due));
		cy_catalog__text(s, 8, it.decision, sizeof(it.decision));
		it.new_period = cy_stmt_int(s, 9);
		rc = fn(arg, &it);
	}
	cy_stmt_free(s);
	return rc < 0 ? rc : 0;
}
