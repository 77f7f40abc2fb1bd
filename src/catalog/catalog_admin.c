/* catalog_admin.c - SQLite statements for administration (catalog_admin.h). */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *SQL_USER_BY_NAME =
	"SELECT id, name, role, created, disabled FROM users WHERE name = ?";
static const char *SQL_USER_BY_ID =
	"SELECT id, name, role, created, disabled FROM users WHERE id = ?";
static const char *SQL_USER_ALL = "SELECT id, name, role, created, disabled FROM users ORDER BY id";
static const char *SQL_USER_COUNT_ENABLED =
	"SELECT count(*) FROM users WHERE role = ? AND disabled = 0";
static const char *SQL_USER_GRANTS =
	"SELECT f.code, g.slot IS NULL FROM grants g JOIN fonds f ON f.id = g.fonds_id "
	"WHERE g.user_id = ? ORDER BY f.code";
static const char *SQL_GRANT_STATE =
	"SELECT f.id, (SELECT CASE WHEN g.slot IS NULL THEN 1 ELSE 2 END FROM grants g "
	"WHERE g.fonds_id = f.id AND g.user_id = ?) FROM fonds f WHERE f.code = ?";
static const char *SQL_FONDS_BY_CODE =
	"SELECT id, code, uscc, status, status_date FROM fonds WHERE code = ?";
static const char *SQL_FONDS_BY_USCC =
	"SELECT code FROM fonds WHERE uscc = ? ORDER BY code LIMIT 1";
static const char *SQL_FONDS_ALL =
	"SELECT id, code, uscc, status, status_date FROM fonds ORDER BY code";
static const char *SQL_LEDGER_FROM = "SELECT seq, entry FROM ledger WHERE seq >= ? ORDER BY seq";
static const char *SQL_LEDGER_TRUST =
	"SELECT seq, entry FROM ledger WHERE seq > ? AND " CY_LEDGER_TRUST_WHERE " ORDER BY seq";
static const char *SQL_LEDGER_ONE = "SELECT entry, leaf FROM ledger WHERE seq = ?";
static const char *SQL_FONDS_HOLDERS =
	"SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE g.fonds_id = ? "
	"AND g.slot IS NOT NULL AND u.disabled = 0 AND u.role IN ('archivist', 'viewer')";
static const char *SQL_FONDS_STATUS_DATE = "SELECT status_date FROM fonds WHERE id = ?";

static void user_row(cy_stmt *s, cy_catalog_adm_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = cy_stmt_int(s, 0);
	snprintf(u->name, sizeof(u->name), "%s", cy_stmt_text(s, 1));
	snprintf(u->role, sizeof(u->role), "%s", cy_stmt_text(s, 2));
	snprintf(u->created, sizeof(u->created), "%s", cy_stmt_text(s, 3));
	u->disabled = cy_stmt_int(s, 4) != 0;
}

int cy_catalog_adm_user_get(cy_catalog *c, const char *name, cy_catalog_adm_user *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_USER_BY_NAME, &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no user '%s'", name);
	if (rc < 0)
		return rc;
	user_row(s, out);
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_adm_user_get_id(cy_catalog *c, int64_t id, cy_catalog_adm_user *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_USER_BY_ID, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no user with id %lld", (long long)id);
	if (rc < 0)
		return rc;
	user_row(s, out);
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_adm_user_each(cy_catalog *c, cy_catalog_adm_user_fn fn, void *arg)
{
	cy_stmt *s;
	cy_catalog_adm_user u;
	int rc = cy_catalog_prepare(c, SQL_USER_ALL, &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		user_row(s, &u);
		rc = fn(arg, &u);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_adm_user_count_enabled(cy_catalog *c, const char *role, int64_t *n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_USER_COUNT_ENABLED, &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, role);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		*n = cy_stmt_int(s, 0);
		cy_stmt_reset(s);
		return 0;
	}
	return rc < 0 ? rc : cy_error_set(CY_EDB, "catalog: count of users returned no row");
}

int cy_catalog_adm_user_grants(cy_catalog *c, int64_t user_id, cy_catalog_adm_grant_fn fn,
			       void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_USER_GRANTS, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_text(s, 0), (int)cy_stmt_int(s, 1));
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_adm_grant_state(cy_catalog *c, int64_t user_id, const char *fonds_code, int *state)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_GRANT_STATE, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, fonds_code);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no fonds '%s'", fonds_code);
	if (rc < 0)
		return rc;
	*state = cy_stmt_is_null(s, 1) ? CY_GRANT_NONE : (int)cy_stmt_int(s, 1);
	cy_stmt_reset(s);
	return 0;
}

static void fonds_row(cy_stmt *s, cy_catalog_adm_fonds *out)
{
	memset(out, 0, sizeof(*out));
	out->id = cy_stmt_int(s, 0);
	snprintf(out->code, sizeof(out->code), "%s", cy_stmt_text(s, 1));
	snprintf(out->uscc, sizeof(out->uscc), "%s", cy_stmt_text(s, 2));
	snprintf(out->status, sizeof(out->status), "%s", cy_stmt_text(s, 3));
	snprintf(out->status_date, sizeof(out->status_date), "%s", cy_stmt_text(s, 4));
}

int cy_catalog_adm_fonds_get(cy_catalog *c, const char *code, cy_catalog_adm_fonds *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_FONDS_BY_CODE, &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, code);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no fonds '%s'", code);
	if (rc < 0)
		return rc;
	fonds_row(s, out);
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_adm_fonds_each(cy_catalog *c, cy_catalog_adm_fonds_fn fn, void *arg)
{
	cy_stmt *s;
	cy_catalog_adm_fonds f;
	int rc = cy_catalog_prepare(c, SQL_FONDS_ALL, &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		fonds_row(s, &f);
		rc = fn(arg, &f);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_adm_ledger_each(cy_catalog *c, uint64_t from, cy_catalog_adm_entry_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_LEDGER_FROM, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)from);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t n;
		const void *p = cy_stmt_blob(s, 1, &n);
		rc = fn(arg, (uint64_t)cy_stmt_int(s, 0), p ? p : "", n);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_adm_fonds_by_uscc(cy_catalog *c, const char *uscc, char *code_out, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_FONDS_BY_USCC, &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, uscc);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no fonds with the code %s", uscc);
	if (rc < 0)
		return rc;
	snprintf(code_out, n, "%s", cy_stmt_text(s, 0));
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_adm_fonds_status_date(cy_catalog *c, int64_t id, char *out, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_FONDS_STATUS_DATE, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no fonds with id %lld", (long long)id);
	if (rc < 0)
		return rc;
	snprintf(out, n, "%s", cy_stmt_text(s, 0));
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_adm_ledger_trust_each(cy_catalog *c, uint64_t after, cy_catalog_adm_entry_fn fn,
				     void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_LEDGER_TRUST, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)after);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t n;
		const void *p = cy_stmt_blob(s, 1, &n);
		rc = fn(arg, (uint64_t)cy_stmt_int(s, 0), p ? p : "", n);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_adm_ledger_get(cy_catalog *c, uint64_t seq, cy_buf *entry, uint8_t leaf[32])
{
	cy_stmt *s;
	const void *p;
	size_t n = 0;
	int rc = cy_catalog_prepare(c, SQL_LEDGER_ONE, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)seq);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no ledger entry %llu", (unsigned long long)seq);
	if (rc < 0)
		return rc;
	rc = cy_catalog__blob(s, 0, entry);
	p = cy_stmt_blob(s, 1, &n);
	if (n == 32)
		memcpy(leaf, p, 32);
	else
		memset(leaf, 0, 32);
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_adm_fonds_holders(cy_catalog *c, int64_t fonds_id, int64_t *n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SQL_FONDS_HOLDERS, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*n = rc == 1 ? cy_stmt_int(s, 0) : 0;
	cy_stmt_reset(s);
	return 0;
}
