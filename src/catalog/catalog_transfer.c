/* catalog_transfer.c - the rows of receivers, transfers, transfer_items,
 * transfer_subjects and transfer_pias (catalog_transfer.h). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_sql.h"
#include "catalog/catalog_transfer.h"
#include "custody/error.h"
#include "custody/banned.h"

static int done(int rc)
{
	return rc < 0 ? rc : 0;
}

int cy_catalog_receiver_insert(cy_catalog *c, const cy_receiver *r, int64_t by, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO receivers (name, uscc, contact, jurisdiction, age_recipient,"
		" signing_pub, created, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, r->name);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, r->uscc);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, r->contact);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, r->jurisdiction);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, r->age_recipient);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, r->signing_pub);
	rc = rc ? rc : cy_stmt_bind_text(s, 7, r->created);
	rc = rc ? rc : cy_stmt_bind_int(s, 8, by);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

#define RECEIVER_COLS "id, name, uscc, contact, jurisdiction, age_recipient, signing_pub, created"

static void receiver_row(cy_stmt *s, cy_receiver *r)
{
	memset(r, 0, sizeof(*r));
	r->id = cy_stmt_int(s, 0);
	cy_catalog__text(s, 1, r->name, sizeof(r->name));
	cy_catalog__text(s, 2, r->uscc, sizeof(r->uscc));
	cy_catalog__text(s, 3, r->contact, sizeof(r->contact));
	cy_catalog__text(s, 4, r->jurisdiction, sizeof(r->jurisdiction));
	cy_catalog__text(s, 5, r->age_recipient, sizeof(r->age_recipient));
	cy_catalog__text(s, 6, r->signing_pub, sizeof(r->signing_pub));
	cy_catalog__text(s, 7, r->created, sizeof(r->created));
}

int cy_catalog_receiver_get(cy_catalog *c, const char *name, int64_t id, cy_receiver *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT " RECEIVER_COLS " FROM receivers WHERE id = ?1 OR "
				    "(?1 = 0 AND name = ?2)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, name ? name : "");
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		receiver_row(s, out);
	cy_stmt_reset(s);
	return rc == 1 ? 0 : rc == 0 ? CY_ENOTFOUND : rc;
}

int cy_catalog_receiver_each(cy_catalog *c, cy_catalog_receiver_fn fn, void *arg)
{
	cy_receiver r;
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c, "SELECT " RECEIVER_COLS " FROM receivers ORDER BY id", &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		receiver_row(s, &r);
		rc = fn(arg, &r);
	}
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_transfer_insert(cy_catalog *c, const cy_catalog_transfer *t, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO transfers (fonds_id, receiver_id, reason, epoch, status, notice_days,"
		" scope, records, subjects, sensitive, ciio, important, planned_by, planned)"
		" VALUES (?, ?, ?, ?, 'planned', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, t->fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, t->receiver_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, t->reason);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, t->epoch);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, t->notice_days);
	rc = rc ? rc : cy_stmt_bind_blob(s, 6, t->scope, sizeof(t->scope));
	rc = rc ? rc : cy_stmt_bind_int(s, 7, t->records);
	rc = rc ? rc : cy_stmt_bind_int(s, 8, t->subjects);
	rc = rc ? rc : cy_stmt_bind_int(s, 9, t->sensitive);
	rc = rc ? rc : cy_stmt_bind_int(s, 10, t->ciio);
	rc = rc ? rc : cy_stmt_bind_int(s, 11, t->important);
	rc = rc ? rc : cy_stmt_bind_int(s, 12, t->planned_by);
	rc = rc ? rc : cy_stmt_bind_text(s, 13, t->planned);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

static int set_blob(cy_catalog *c, const char *sql, int64_t id, const void *blob, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, sql, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, blob, n);
	return done(rc ? rc : cy_stmt_step(s));
}

static int set_int(cy_catalog *c, const char *sql, int64_t id, int64_t v)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, sql, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, v);
	return done(rc ? rc : cy_stmt_step(s));
}

static int set_text(cy_catalog *c, const char *sql, int64_t id, const char *v)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, sql, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, v);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_transfer_set_purpose(cy_catalog *c, int64_t id, const void *blob, size_t n)
{
	return set_blob(c, "UPDATE transfers SET purpose = ?2 WHERE id = ?1", id, blob, n);
}

int cy_catalog_transfer_set_scope(cy_catalog *c, int64_t id, const uint8_t scope[32])
{
	return set_blob(c, "UPDATE transfers SET scope = ?2 WHERE id = ?1", id, scope, 32);
}

int cy_catalog_receiver_set_seq(cy_catalog *c, int64_t id, int64_t seq)
{
	return set_int(c, "UPDATE receivers SET seq = ?2 WHERE id = ?1", id, seq);
}

int cy_catalog_receiver_seq(cy_catalog *c, int64_t id, int64_t *seq)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT seq FROM receivers WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		*seq = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	return rc == 1 ? 0 : rc == 0 ? CY_ENOTFOUND : rc;
}

int cy_catalog_transfer_set_seq(cy_catalog *c, int64_t id, int64_t seq)
{
	return set_int(c, "UPDATE transfers SET seq = ?2 WHERE id = ?1", id, seq);
}

int cy_catalog_transfer_set_sensitive(cy_catalog *c, int64_t id, int64_t n)
{
	return set_int(c, "UPDATE transfers SET sensitive = ?2 WHERE id = ?1", id, n);
}

int cy_catalog_transfer_set_status(cy_catalog *c, int64_t id, const char *status)
{
	return set_text(c, "UPDATE transfers SET status = ?2 WHERE id = ?1", id, status);
}

int cy_catalog_transfer_set_mechanism(cy_catalog *c, int64_t id, const char *mechanism, int64_t seq)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "UPDATE transfers SET mechanism = ?2, mechanism_seq = ?3 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, mechanism);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, seq);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_tsubject_sensitive(cy_catalog *c, int64_t tid, int64_t *n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT count(*) FROM transfer_subjects ts WHERE ts.transfer_id = ? AND"
		" ts.state = 'in' AND EXISTS (SELECT 1 FROM subject_index si WHERE"
		" si.subject_id = ts.subject_id AND si.field IN ('id_number', 'account'))",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		*n = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	return rc == 1 ? 0 : rc < 0 ? rc : CY_ENOTFOUND;
}

int cy_catalog_transfer_set_counts(cy_catalog *c, int64_t id, int64_t records, int64_t subjects)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "UPDATE transfers SET records = ?2, subjects = ?3 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, records);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, subjects);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_transfer_approved(cy_catalog *c, int64_t id, int64_t by, const char *at, int64_t seq)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE transfers SET status = 'approved', approved_by = ?2,"
				    " approved = ?3, approve_seq = ?4 WHERE id = ?1",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, by);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, at);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, seq);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_transfer_exported(cy_catalog *c, int64_t id, const char *at, int64_t seq,
				 const char *tag_digest)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE transfers SET status = 'exported', exported = ?2,"
				    " export_seq = ?3, tag_digest = ?4 WHERE id = ?1",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, at);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, seq);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, tag_digest);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_transfer_confirmed(cy_catalog *c, int64_t id, const char *at, int64_t seq,
				  const char *receipt)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE transfers SET status = 'confirmed', confirmed = ?2,"
				    " confirm_seq = ?3, receipt = ?4 WHERE id = ?1",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, at);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, seq);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, receipt);
	return done(rc ? rc : cy_stmt_step(s));
}

#define TRANSFER_COLS                                                                              \
	"t.id, t.fonds_id, f.code, t.receiver_id, t.reason, t.epoch, t.status, t.notice_days,"     \
	" t.scope, t.records, t.subjects, t.sensitive, t.ciio, t.important, t.planned_by,"         \
	" t.planned, t.seq, t.approved_by, t.approved, t.approve_seq, t.exported, t.export_seq,"   \
	" t.tag_digest, t.confirmed, t.confirm_seq, t.mechanism, t.purpose, t.mechanism_seq"

static void transfer_row(cy_stmt *s, cy_catalog_transfer *t)
{
	const void *b;
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	t->id = cy_stmt_int(s, 0);
	t->fonds_id = cy_stmt_int(s, 1);
	cy_catalog__text(s, 2, t->fonds, sizeof(t->fonds));
	t->receiver_id = cy_stmt_int(s, 3);
	cy_catalog__text(s, 4, t->reason, sizeof(t->reason));
	t->epoch = cy_stmt_int(s, 5);
	cy_catalog__text(s, 6, t->status, sizeof(t->status));
	t->notice_days = (int)cy_stmt_int(s, 7);
	b = cy_stmt_blob(s, 8, &n);
	if (b && n == sizeof(t->scope))
		memcpy(t->scope, b, n);
	t->records = cy_stmt_int(s, 9);
	t->subjects = cy_stmt_int(s, 10);
	t->sensitive = cy_stmt_int(s, 11);
	t->ciio = (int)cy_stmt_int(s, 12);
	t->important = (int)cy_stmt_int(s, 13);
	t->planned_by = cy_stmt_int(s, 14);
	cy_catalog__text(s, 15, t->planned, sizeof(t->planned));
	t->seq = cy_stmt_int(s, 16);
	t->approved_by = cy_stmt_int(s, 17);
	cy_catalog__text(s, 18, t->approved, sizeof(t->approved));
	t->approve_seq = cy_stmt_int(s, 19);
	cy_catalog__text(s, 20, t->exported, sizeof(t->exported));
	t->export_seq = cy_stmt_int(s, 21);
	cy_catalog__text(s, 22, t->tag_digest, sizeof(t->tag_digest));
	cy_catalog__text(s, 23, t->confirmed, sizeof(t->confirmed));
	t->confirm_seq = cy_stmt_int(s, 24);
	cy_catalog__text(s, 25, t->mechanism, sizeof(t->mechanism));
	t->mechanism_seq = cy_stmt_int(s, 27);
}

int cy_catalog_transfer_get(cy_catalog *c, int64_t id, cy_catalog_transfer *out, cy_buf *purpose)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT " TRANSFER_COLS
		" FROM transfers t JOIN fonds f ON f.id = t.fonds_id WHERE t.id = ?",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		transfer_row(s, out);
		rc = purpose ? cy_catalog__blob(s, 26, purpose) : 0;
		cy_stmt_reset(s);
		return rc;
	}
	cy_stmt_reset(s);
	return rc == 0 ? CY_ENOTFOUND : rc;
}

int cy_catalog_transfer_each(cy_catalog *c, int64_t fonds_id, cy_catalog_transfer_fn fn, void *arg)
{
	cy_catalog_transfer t;
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c,
				      "SELECT " TRANSFER_COLS
				      " FROM transfers t JOIN fonds f ON f.id = t.fonds_id"
				      " WHERE ?1 = 0 OR t.fonds_id = ?1 ORDER BY t.id",
				      &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		transfer_row(s, &t);
		rc = fn(arg, &t);
	}
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_titem_add(cy_catalog *c, int64_t tid, int64_t record_id, const char *archive_no)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO transfer_items (transfer_id, record_id, archive_no) VALUES (?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, record_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, archive_no);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_titem_each(cy_catalog *c, int64_t tid, cy_catalog_titem_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c,
				      "SELECT record_id, archive_no, left FROM transfer_items"
				      " WHERE transfer_id = ? ORDER BY archive_no",
				      &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_int(s, 0), cy_stmt_text(s, 1), cy_stmt_text(s, 2));
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_titem_leave(cy_catalog *c, int64_t tid, int64_t record_id, const char *why)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE transfer_items SET left = ?3 WHERE transfer_id = ?1 AND"
				    " record_id = ?2",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, record_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, why);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_tsubject_fill(cy_catalog *c, int64_t tid)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT OR IGNORE INTO transfer_subjects (transfer_id, subject_id)"
		" SELECT DISTINCT ?1, rs.subject_id FROM transfer_items ti"
		" JOIN record_subjects rs ON rs.record_id = ti.record_id"
		" WHERE ti.transfer_id = ?1 AND ti.left = ''",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_tsubject_each(cy_catalog *c, int64_t tid, cy_catalog_tsubject_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(
		c,
		"SELECT ts.subject_id, sj.no, ts.state FROM transfer_subjects ts"
		" JOIN subjects sj ON sj.id = ts.subject_id"
		" WHERE ts.transfer_id = ? ORDER BY sj.no",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_int(s, 0), cy_stmt_int(s, 1), cy_stmt_text(s, 2));
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_tsubject_set(cy_catalog *c, int64_t tid, int64_t subject_id, const char *state)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE transfer_subjects SET state = ?3 WHERE transfer_id = ?1"
				    " AND subject_id = ?2",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, subject_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, state);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_subject_record_ids(cy_catalog *c, int64_t subject_id, int64_t **ids, size_t *n)
{
	cy_stmt *s;
	size_t cap = 0;
	int rc = cy_catalog_prepare(c,
				    "SELECT record_id FROM record_subjects WHERE subject_id = ?"
				    " ORDER BY record_id",
				    &s);

	*ids = NULL;
	*n = 0;
	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
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
	cy_stmt_reset(s);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return done(rc);
}

int cy_catalog_tpia_add(cy_catalog *c, int64_t tid, int64_t epoch, const void *body, size_t n,
			const char *digest, int64_t by, const char *at, int64_t *pia_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "INSERT INTO transfer_pias (transfer_id, epoch, body, digest,"
				    " user_id, at) VALUES (?, ?, ?, ?, ?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, epoch);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, body, n);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, digest);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, by);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, at);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*pia_id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_tpia_set_body(cy_catalog *c, int64_t pia_id, const void *body, size_t n)
{
	return set_blob(c, "UPDATE transfer_pias SET body = ?2 WHERE id = ?1", pia_id, body, n);
}

int cy_catalog_tpia_set_seq(cy_catalog *c, int64_t pia_id, int64_t seq)
{
	return set_int(c, "UPDATE transfer_pias SET seq = ?2 WHERE id = ?1", pia_id, seq);
}

int cy_catalog_tpia_each(cy_catalog *c, int64_t tid, cy_catalog_tpia_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c,
				      "SELECT id, digest, at, user_id, seq FROM transfer_pias"
				      " WHERE transfer_id = ? ORDER BY id",
				      &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, tid);
	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_int(s, 0), cy_stmt_text(s, 1), cy_stmt_text(s, 2),
			cy_stmt_int(s, 3), cy_stmt_int(s, 4));
	cy_stmt_free(s);
	return done(rc);
}
