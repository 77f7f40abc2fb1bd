/* catalog_holds.c - the rows of holds, hold_targets, restrictions and
 * access_requests, and the few record and subject columns that holds and
 * store-only read or set (catalog_holds.h). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_holds.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

static int done(int rc)
{
	return rc < 0 ? rc : 0;
}

int cy_catalog_hold_insert(cy_catalog *c, const cy_catalog_hold *h, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO holds (fonds_id, kind, epoch, reason, until, "
		"unsettled, created, created_by) VALUES (?, ?, ?, x'', ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, h->fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, h->kind);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, h->epoch);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, h->until ? h->until : "");
	rc = rc ? rc : cy_stmt_bind_int(s, 5, h->unsettled != 0);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, h->created);
	rc = rc ? rc : cy_stmt_bind_int(s, 7, h->created_by);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_hold_set_reason(cy_catalog *c, int64_t id, const void *blob, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE holds SET reason = ?2 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, blob, n);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_hold_target_add(cy_catalog *c, int64_t hold_id, int64_t target_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "INSERT INTO hold_targets (hold_id, target_id) VALUES (?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, hold_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, target_id);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_hold_release(cy_catalog *c, int64_t id, const char *at, int64_t by, const void *blob,
			    size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE holds SET released = ?2, released_by = ?3, "
				    "release_reason = ?4 WHERE id = ?1",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, at);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, by);
	if (!rc)
		rc = blob ? cy_stmt_bind_blob(s, 4, blob, n) : cy_stmt_bind_null(s, 4);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_hold_each(cy_catalog *c, int64_t fonds_id, int64_t id, cy_catalog_hold_fn fn,
			 void *arg)
{
	cy_catalog_hold h;
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(
		c,
		"SELECT h.id, h.fonds_id, f.code, h.kind, h.epoch, h.reason, h.until, h.unsettled,"
		" h.created, h.created_by, h.released, h.released_by, h.release_reason"
		" FROM holds h JOIN fonds f ON f.id = h.fonds_id"
		" WHERE (?1 = 0 OR h.fonds_id = ?1) AND (?2 = 0 OR h.id = ?2) ORDER BY h.id",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		memset(&h, 0, sizeof(h));
		h.id = cy_stmt_int(s, 0);
		h.fonds_id = cy_stmt_int(s, 1);
		h.fonds_code = cy_stmt_text(s, 2);
		h.kind = cy_stmt_text(s, 3);
		h.epoch = cy_stmt_int(s, 4);
		h.reason = cy_stmt_blob(s, 5, &h.reason_len);
		h.until = cy_stmt_text(s, 6);
		h.unsettled = (int)cy_stmt_int(s, 7);
		h.created = cy_stmt_text(s, 8);
		h.created_by = cy_stmt_int(s, 9);
		h.released = cy_stmt_text(s, 10);
		h.released_by = cy_stmt_int(s, 11);
		h.release_reason = cy_stmt_is_null(s, 12)
					   ? NULL
					   : cy_stmt_blob(s, 12, &h.release_reason_len);
		rc = fn(arg, &h);
	}
	cy_stmt_free(s);
	return done(rc);
}

/* The integer column 0 of every row of s, into a growing array. */
static int collect_ids(cy_stmt *s, int64_t **ids, size_t *n)
{
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = cy_stmt_step(s)) == 1) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *ni = realloc(*ids, nc * sizeof(*ni));
			if (!ni) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			*ids = ni;
			cap = nc;
		}
		(*ids)[(*n)++] = cy_stmt_int(s, 0);
	}
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return done(rc);
}

int cy_catalog_hold_targets(cy_catalog *c, int64_t hold_id, int64_t **ids, size_t *n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT target_id FROM hold_targets WHERE hold_id = ? ORDER BY target_id", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, hold_id);
	rc = rc ? rc : collect_ids(s, ids, n);
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_hold_ledger_each(cy_catalog *c, uint64_t after, cy_catalog_hold_entry_fn fn,
				void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c,
				      "SELECT seq, entry FROM ledger INDEXED BY ledger_holds"
				      " WHERE seq > ?1 AND " CY_LEDGER_HOLDS_WHERE " ORDER BY seq",
				      &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)after);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t n;
		const void *p = cy_stmt_blob(s, 1, &n);
		rc = fn(arg, (uint64_t)cy_stmt_int(s, 0), p ? p : "", n);
	}
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_hold_record(cy_catalog *c, int64_t id, const char *archive_no,
			   cy_catalog_hold_rec *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT r.id, r.fonds_id, f.code, r.archive_no, r.status"
		" FROM records r JOIN fonds f ON f.id = r.fonds_id"
		" WHERE (?1 != 0 AND r.id = ?1) OR (?1 = 0 AND r.archive_no = ?2)",
		&s);

	memset(out, 0, sizeof(*out));
	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, archive_no ? archive_no : "");
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		out->id = cy_stmt_int(s, 0);
		out->fonds_id = cy_stmt_int(s, 1);
		cy_catalog__text(s, 2, out->fonds, sizeof(out->fonds));
		cy_catalog__text(s, 3, out->archive_no, sizeof(out->archive_no));
		cy_catalog__text(s, 4, out->status, sizeof(out->status));
		rc = 0;
	} else if (rc == 0) {
		rc = CY_ENOTFOUND;
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_hold_record_subjects(cy_catalog *c, int64_t record_id, int64_t **ids,
				    char (**status)[16], size_t *n)
{
	cy_stmt *s;
	size_t cap = 0;
	int rc = cy_catalog_prepare(c,
				    "SELECT s.id, s.status FROM record_subjects rs"
				    " JOIN subjects s ON s.id = rs.subject_id"
				    " WHERE rs.record_id = ? ORDER BY s.id",
				    &s);

	*ids = NULL;
	*status = NULL;
	*n = 0;
	rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			int64_t *ni = realloc(*ids, nc * sizeof(*ni));
			char(*ns)[16];
			if (ni)
				*ids = ni;
			ns = ni ? realloc(*status, nc * sizeof(*ns)) : NULL;
			if (!ns) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			*status = ns;
			cap = nc;
		}
		(*ids)[*n] = cy_stmt_int(s, 0);
		cy_catalog__text(s, 1, (*status)[*n], 16);
		(*n)++;
		rc = 0;
	}
	cy_stmt_reset(s);
	if (rc < 0) {
		free(*ids);
		free(*status);
		*ids = NULL;
		*status = NULL;
		*n = 0;
	}
	return done(rc);
}

int cy_catalog_hold_subject(cy_catalog *c, int64_t fonds_id, int64_t no, int64_t *id,
			    char status[16])
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT id, status FROM subjects WHERE fonds_id = ? AND no = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, no);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		*id = cy_stmt_int(s, 0);
		cy_catalog__text(s, 1, status, 16);
		rc = 0;
	} else if (rc == 0) {
		rc = CY_ENOTFOUND;
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_hold_subject_records(cy_catalog *c, int64_t subject_id, int64_t **ids, size_t *n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT record_id FROM record_subjects WHERE subject_id = ? ORDER BY record_id",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	rc = rc ? rc : collect_ids(s, ids, n);
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_hold_record_set_status(cy_catalog *c, int64_t record_id, const char *status)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE records SET status = ?2 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, status);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_hold_subject_set_status(cy_catalog *c, int64_t subject_id, const char *status)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE subjects SET status = ?2 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, status);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_hold_status_each(cy_catalog *c, cy_catalog_status_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(
		c,
		"SELECT 'record', r.id, f.code, r.archive_no, r.status FROM records r"
		" JOIN fonds f ON f.id = r.fonds_id WHERE r.status != 'held'"
		" UNION ALL SELECT 'subject', s.id, f.code, s.no, s.status FROM subjects s"
		" JOIN fonds f ON f.id = s.fonds_id WHERE s.status != 'held'",
		&s);

	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_text(s, 0), cy_stmt_int(s, 1), cy_stmt_text(s, 2),
			cy_stmt_text(s, 3), cy_stmt_text(s, 4));
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_restriction_set(cy_catalog *c, const char *kind, int64_t target_id,
			       const char *reason, const char *since, int64_t user_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "INSERT OR REPLACE INTO restrictions (kind, target_id, reason,"
				    " since, user_id) VALUES (?, ?, ?, ?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, kind);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, target_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, reason);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, since);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, user_id);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_restriction_get(cy_catalog *c, const char *kind, int64_t target_id, char reason[32],
			       char since[32])
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT reason, since FROM restrictions WHERE kind = ? AND target_id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, kind);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, target_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		cy_catalog__text(s, 0, reason, 32);
		cy_catalog__text(s, 1, since, 32);
		rc = 0;
	} else if (rc == 0) {
		rc = CY_ENOTFOUND;
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_access_insert(cy_catalog *c, const cy_catalog_access *a, int64_t *id)
{
	cy_stmt *s;
	int rc =
		cy_catalog_prepare(c,
				   "INSERT INTO access_requests (record_id, user_id, epoch, reason,"
				   " created) VALUES (?, ?, ?, x'', ?)",
				   &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, a->record_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, a->user_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, a->epoch);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, a->created);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_access_set_reason(cy_catalog *c, int64_t id, const void *blob, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE access_requests SET reason = ?2 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, blob, n);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_access_approve(cy_catalog *c, int64_t id, int64_t by, const char *at,
			      const char *until)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE access_requests SET approved_by = ?2, approved = ?3,"
				    " until = ?4 WHERE id = ?1",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, by);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, at);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, until ? until : "");
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_access_use(cy_catalog *c, int64_t id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE access_requests SET used = used + 1 WHERE id = ?1",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_access_each(cy_catalog *c, int64_t id, int64_t record_id, int64_t user_id,
			   cy_catalog_access_fn fn, void *arg)
{
	cy_catalog_access a;
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(
		c,
		"SELECT id, record_id, user_id, epoch, reason, created, approved_by, approved,"
		" until, used FROM access_requests WHERE (?1 = 0 OR id = ?1)"
		" AND (?2 = 0 OR record_id = ?2) AND (?3 = 0 OR user_id = ?3) ORDER BY id",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, record_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, user_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		memset(&a, 0, sizeof(a));
		a.id = cy_stmt_int(s, 0);
		a.record_id = cy_stmt_int(s, 1);
		a.user_id = cy_stmt_int(s, 2);
		a.epoch = cy_stmt_int(s, 3);
		a.reason = cy_stmt_blob(s, 4, &a.reason_len);
		a.created = cy_stmt_text(s, 5);
		a.approved_by = cy_stmt_int(s, 6);
		a.approved = cy_stmt_text(s, 7);
		a.until = cy_stmt_text(s, 8);
		a.used = (int)cy_stmt_int(s, 9);
		rc = fn(arg, &a);
	}
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_hold_user_name(cy_catalog *c, int64_t id, char name[64])
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT name FROM users WHERE id = ?", &s);

	name[0] = 0;
	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		cy_catalog__text(s, 0, name, 64);
	cy_stmt_reset(s);
	return done(rc);
}
