/* catalog_fonds.c - fonds (全宗): one company whose records are in custody.
 * Its code, name, credit code and status are in clear: they describe a
 * company, not a person, and every listing needs them without a key. */
#include <string.h>

#include "catalog/catalog_recsig.h"
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

/* ---- write keys (catalog_recsig.h) ---- */

int cy_catalog_fonds_sign_each(cy_catalog *c, int64_t id, cy_catalog_fonds_sign_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT id, code, name, coalesce(uscc, ''), created, sign_pub,"
				    " coalesce(sign_seq, 0)"
				    " FROM fonds WHERE ?1 = 0 OR id = ?1 ORDER BY id",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_fonds_sign f;
		size_t n;
		f.id = cy_stmt_int(s, 0);
		f.code = cy_stmt_text(s, 1);
		f.name = cy_stmt_text(s, 2);
		f.uscc = cy_stmt_text(s, 3);
		f.created = cy_stmt_text(s, 4);
		f.sign_pub = cy_stmt_blob(s, 5, &n);
		f.sign_pub_len = f.sign_pub ? n : 0;
		f.sign_seq = (uint64_t)cy_stmt_int(s, 6);
		rc = fn(arg, &f);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_fonds_sign_set(cy_catalog *c, int64_t id, const uint8_t pub[32], const void *rslot,
			      size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE fonds SET sign_pub = ?, sign_rslot = ? WHERE id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_blob(s, 1, pub, 32);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, rslot, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, id);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_wslot_each_user(cy_catalog *c, int64_t user_id, cy_catalog_wslot_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT g.fonds_id, f.code, g.wslot, f.sign_pub FROM grants g"
				    " JOIN fonds f ON f.id = g.fonds_id"
				    " WHERE g.user_id = ? AND g.slot IS NOT NULL ORDER BY f.code",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_wslot w;
		size_t n;
		w.fonds_id = cy_stmt_int(s, 0);
		w.code = cy_stmt_text(s, 1);
		w.wslot = cy_stmt_blob(s, 2, &n);
		w.wslot_len = w.wslot ? n : 0;
		w.sign_pub = cy_stmt_blob(s, 3, &n);
		w.sign_pub_len = w.sign_pub ? n : 0;
		rc = fn(arg, &w);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_writers_missing(cy_catalog *c, int64_t fonds_id, cy_catalog_writer_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT u.id, u.serial, u.name, u.role, u.pub, u.upub, u.cert FROM grants g"
		" JOIN users u ON u.id = g.user_id"
		" WHERE g.fonds_id = ? AND g.slot IS NOT NULL AND u.role = 'archivist'"
		" AND u.disabled = 0"
		" AND (g.wslot IS NULL OR substr(g.wslot, 1, 32) IS NOT u.pub) ORDER BY u.id",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_writer w;
		size_t n;
		w.user_id = cy_stmt_int(s, 0);
		w.serial = cy_stmt_int(s, 1);
		w.name = cy_stmt_text(s, 2);
		w.role = cy_stmt_text(s, 3);
		w.pub = cy_stmt_blob(s, 4, &n);
		w.pub_len = w.pub ? n : 0;
		w.upub = cy_stmt_blob(s, 5, &n);
		w.upub_len = w.upub ? n : 0;
		w.cert = cy_stmt_blob(s, 6, &n);
		w.cert_len = w.cert ? n : 0;
		rc = fn(arg, &w);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_wslot_put(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *wslot,
			 size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "UPDATE grants SET wslot = ? WHERE user_id = ? AND fonds_id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_blob(s, 1, wslot, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, user_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, fonds_id);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	if (rc < 0)
		return rc;
	return cy_catalog_changes(c) == 1 ? 0 : CY_ENOTFOUND;
}

int cy_catalog_fonds_sign_seq_set(cy_catalog *c, int64_t id, uint64_t seq)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE fonds SET sign_seq = ? WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)seq);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, id);
	rc = rc ? rc : cy_stmt_step(s);
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_ledger_entry_get(cy_catalog *c, uint64_t seq, cy_buf *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT entry FROM ledger WHERE seq = ?", &s);

	cy_buf_clear(out);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)seq);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		rc = cy_catalog__blob(s, 0, out);
	else if (rc == 0)
		rc = CY_ENOTFOUND;
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_fonds_sign_rslot(cy_catalog *c, int64_t id, cy_buf *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT sign_rslot FROM fonds WHERE id = ?", &s);

	cy_buf_clear(out);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		rc = cy_stmt_is_null(s, 0) ? CY_ENOTFOUND : cy_catalog__blob(s, 0, out);
	else if (rc == 0)
		rc = CY_ENOTFOUND;
	cy_stmt_reset(s);
	return rc;
}
