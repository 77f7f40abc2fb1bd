/* catalog_subjects.c - the SQL of subjects, blind indexes and record links
 * (catalog_subjects.h).  What is stored here is either not personal (numbers,
 * kinds, random uids) or sealed by the vault (wkey, fields) or keyed hashes
 * (subject_index). */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_subjects.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

#define SUBJECT_COLS                                                                               \
	"SELECT s.id, s.fonds_id, s.no, f.code, s.uid, s.kind, s.status, s.created, u.name,"       \
	" (SELECT count(*) FROM record_subjects rs WHERE rs.subject_id = s.id), s.wkey, s.fields"  \
	" FROM subjects s JOIN fonds f ON f.id = s.fonds_id JOIN users u ON u.id = s.created_by"

int cy_catalog_subject_next_no(cy_catalog *c, int64_t fonds_id, int64_t *no)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO item_counters (fonds_id, grp, next) VALUES (?, 'subject', 2)"
		" ON CONFLICT (fonds_id, grp) DO UPDATE SET next = next + 1"
		" RETURNING next - 1",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		rc = cy_error_set(CY_EDB, "catalog: no subject number returned");
	if (rc < 0)
		return rc;
	*no = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	if (*no < 1)
		return cy_error_set(CY_ECORRUPT,
				    "catalog: subject counter of fonds %lld is damaged",
				    (long long)fonds_id);
	return 0;
}

int cy_catalog_subject_insert(cy_catalog *c, const cy_catalog_subject *r, int64_t created_by,
			      int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO subjects (fonds_id, no, uid, kind, wkey, fields, created,"
		" created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, r->fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, r->no);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, r->uid, 16);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, r->kind);
	rc = rc ? rc : cy_stmt_bind_blob(s, 5, r->wkey, r->wkeylen);
	rc = rc ? rc : cy_stmt_bind_blob(s, 6, r->fields, r->fieldslen);
	rc = rc ? rc : cy_stmt_bind_text(s, 7, r->created);
	rc = rc ? rc : cy_stmt_bind_int(s, 8, created_by);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_subject_index_add(cy_catalog *c, int64_t fonds_id, const char *field,
				 const uint8_t hash[32], int64_t subject_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT OR IGNORE INTO subject_index (fonds_id, field, hash, subject_id)"
		" VALUES (?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, field);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, hash, 32);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, subject_id);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

/* Fill r from the current row of a SUBJECT_COLS statement (blobs borrowed). */
static int fill(cy_stmt *s, cy_catalog_subject *r)
{
	size_t n;
	const void *uid;

	memset(r, 0, sizeof(*r));
	r->id = cy_stmt_int(s, 0);
	r->fonds_id = cy_stmt_int(s, 1);
	r->no = cy_stmt_int(s, 2);
	snprintf(r->fonds, sizeof(r->fonds), "%s", cy_stmt_text(s, 3));
	uid = cy_stmt_blob(s, 4, &n);
	if (n != 16 || !uid)
		return cy_error_set(CY_ECORRUPT, "catalog: subject %lld has a damaged uid",
				    (long long)r->id);
	memcpy(r->uid, uid, 16);
	snprintf(r->kind, sizeof(r->kind), "%s", cy_stmt_text(s, 5));
	snprintf(r->status, sizeof(r->status), "%s", cy_stmt_text(s, 6));
	snprintf(r->created, sizeof(r->created), "%s", cy_stmt_text(s, 7));
	snprintf(r->created_by, sizeof(r->created_by), "%s", cy_stmt_text(s, 8));
	r->records = cy_stmt_int(s, 9);
	r->wkey = cy_stmt_blob(s, 10, &r->wkeylen);
	r->fields = cy_stmt_blob(s, 11, &r->fieldslen);
	return 0;
}

static int get_one(cy_stmt *s, cy_catalog_subject *r, cy_buf *wkey, cy_buf *fields)
{
	int rc = cy_stmt_step(s);

	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no such subject");
	if (rc < 0)
		return rc;
	rc = fill(s, r);
	cy_buf_clear(wkey);
	cy_buf_clear(fields);
	rc = rc ? rc : cy_buf_put(wkey, r->wkey, r->wkeylen);
	rc = rc ? rc : cy_buf_put(fields, r->fields, r->fieldslen);
	cy_stmt_reset(s);
	if (rc)
		return rc;
	r->wkey = wkey->ptr;
	r->fields = fields->ptr;
	return 0;
}

int cy_catalog_subject_get(cy_catalog *c, int64_t fonds_id, int64_t no, cy_catalog_subject *r,
			   cy_buf *wkey, cy_buf *fields)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SUBJECT_COLS " WHERE s.fonds_id = ? AND s.no = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, no);
	return rc ? rc : get_one(s, r, wkey, fields);
}

int cy_catalog_subject_get_by_id(cy_catalog *c, int64_t id, cy_catalog_subject *r, cy_buf *wkey,
				 cy_buf *fields)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, SUBJECT_COLS " WHERE s.id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	return rc ? rc : get_one(s, r, wkey, fields);
}

int cy_catalog_subject_list(cy_catalog *c, int64_t fonds_id, cy_catalog_subject_fn fn, void *arg)
{
	cy_stmt *s;
	cy_catalog_subject r;
	int rc = cy_catalog_prepare(c, SUBJECT_COLS " WHERE s.fonds_id = ? ORDER BY s.no", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = fill(s, &r);
		rc = rc ? rc : fn(arg, &r);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_subject_find(cy_catalog *c, int64_t fonds_id, const char *field,
			    const uint8_t hash[32], cy_buf *ids)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT subject_id FROM subject_index"
		" WHERE fonds_id = ? AND field = ? AND hash = ? ORDER BY subject_id",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, field);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, hash, 32);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		int64_t id = cy_stmt_int(s, 0);
		rc = cy_buf_put(ids, &id, sizeof(id));
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_subject_index_rows(cy_catalog *c, int64_t subject_id, cy_catalog_index_fn fn,
				  void *arg)
{
	cy_stmt *s;
	size_t n;
	const void *h;
	int rc = cy_catalog_prepare(c, "SELECT field, hash FROM subject_index WHERE subject_id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		h = cy_stmt_blob(s, 1, &n);
		rc = fn(arg, cy_stmt_text(s, 0), h, n);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_record_subject_link(cy_catalog *c, int64_t record_id, int64_t subject_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "INSERT OR IGNORE INTO record_subjects (record_id, subject_id) VALUES (?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, subject_id);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_subject_no(cy_catalog *c, int64_t id, int64_t *fonds_id, int64_t *no)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT fonds_id, no FROM subjects WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		*fonds_id = cy_stmt_int(s, 0);
		*no = cy_stmt_int(s, 1);
		rc = 0;
	} else if (rc == 0) {
		rc = CY_ENOTFOUND;
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_subject_record_nos(cy_catalog *c, int64_t subject_id, cy_buf *nos, size_t *n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT r.archive_no FROM record_subjects rs"
				    " JOIN records r ON r.id = rs.record_id"
				    " WHERE rs.subject_id = ?"
				    " ORDER BY r.class, r.year, r.retention, r.org, r.item",
				    &s);

	*n = 0;
	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		const char *no = cy_stmt_text(s, 0);
		rc = cy_buf_put(nos, no ? no : "", (no ? strlen(no) : 0) + 1);
		(*n)++;
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_subject_set_fields(cy_catalog *c, int64_t id, const void *fields, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE subjects SET fields = ?2 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, fields, n);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}
