/* catalog_fonds.c - fonds (全宗): one company whose records are in custody.
 * Its code, name, credit code and status are in clear: they describe a
 * company, not a person, and every listing needs them without a key. */
#include <string.h>

#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

#define FONDS_COLS                                                                                 \
	"f.id, f.code, f.name, f.uscc, f.status, f.status_date, f.created, f.key_id, "             \
	"f.recovery_slot"

void cy_catalog_fonds_release(cy_catalog_fonds *f)
{
	cy_buf_release(&f->key_id);
	cy_buf_release(&f->recovery_slot);
}

static int fonds_row(cy_stmt *s, cy_catalog_fonds *f)
{
	int rc;

	f->id = cy_stmt_int(s, 0);
	cy_catalog__text(s, 1, f->code, sizeof(f->code));
	cy_catalog__text(s, 2, f->name, sizeof(f->name));
	cy_catalog__text(s, 3, f->uscc, sizeof(f->uscc));
	cy_catalog__text(s, 4, f->status, sizeof(f->status));
	cy_catalog__text(s, 5, f->status_date, sizeof(f->status_date));
	cy_catalog__text(s, 6, f->created, sizeof(f->created));
	rc = cy_catalog__blob(s, 7, &f->key_id);
	rc = rc ? rc : cy_catalog__blob(s, 8, &f->recovery_slot);
	return rc;
}

static int bind_opt_text(cy_stmt *s, int i, const char *t)
{
	return t && *t ? cy_stmt_bind_text(s, i, t) : cy_stmt_bind_null(s, i);
}

int cy_catalog_fonds_insert(cy_catalog *c, const cy_catalog_fonds *f, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO fonds (code, name, uscc, status, status_date, key_id, "
		"recovery_slot, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, f->code);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, f->name);
	rc = rc ? rc : bind_opt_text(s, 3, f->uscc);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, f->status);
	rc = rc ? rc : bind_opt_text(s, 5, f->status_date);
	rc = rc ? rc : cy_stmt_bind_blob(s, 6, f->key_id.ptr, f->key_id.len);
	rc = rc ? rc : cy_stmt_bind_blob(s, 7, f->recovery_slot.ptr, f->recovery_slot.len);
	rc = rc ? rc : cy_stmt_bind_text(s, 8, f->created);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_fonds_get(cy_catalog *c, const char *code, cy_catalog_fonds *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT " FONDS_COLS " FROM fonds f WHERE f.code = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, code);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no fonds '%s'", code);
	if (rc < 0)
		return rc;
	rc = fonds_row(s, out);
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_fonds_list(cy_catalog *c, cy_catalog_fonds_fn fn, void *arg)
{
	cy_catalog_fonds f;
	cy_stmt *s;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = cy_catalog_prepare(
		c,
		"SELECT " FONDS_COLS ","
		" (SELECT count(*) FROM records r WHERE r.fonds_id = f.id),"
		" (SELECT coalesce(sum(size), 0) FROM records r WHERE r.fonds_id = f.id)"
		" FROM fonds f ORDER BY f.code",
		&s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = fonds_row(s, &f);
		f.records = cy_stmt_int(s, 9);
		f.bytes = (uint64_t)cy_stmt_int(s, 10);
		rc = rc ? rc : fn(arg, &f);
	}
	cy_stmt_reset(s);
	cy_catalog_fonds_release(&f);
	return rc;
}

int cy_catalog_fonds_set_status(cy_catalog *c, int64_t id, const char *status, const char *date)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE fonds SET status = ?, status_date = ? WHERE id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, status);
	rc = rc ? rc : bind_opt_text(s, 2, date);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no fonds %lld", (long long)id);
	return rc < 0 ? rc : 0;
}
