/* catalog_notify.c - the rows of table notices (catalog_notify.h). */
#include <string.h>

#include "catalog/catalog_notify.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

#define NOTICE_COLS                                                                                \
	"n.id, n.transfer_id, n.subject_id, n.fonds_id, n.epoch, f.code, s.no, n.template,"        \
	" n.channel, n.code_hash, n.code, n.status, n.attempts, n.last_error, n.message_id,"       \
	" n.prepared, n.sent, n.bounced, n.answered, n.answer"                                     \
	" FROM notices n JOIN subjects s ON s.id = n.subject_id JOIN fonds f ON f.id = n.fonds_id"

static int done(int rc)
{
	return rc < 0 ? rc : 0;
}

static void read_row(cy_stmt *s, cy_catalog_notice *n)
{
	const void *p;
	size_t len;

	memset(n, 0, sizeof(*n));
	n->id = cy_stmt_int(s, 0);
	n->transfer_id = cy_stmt_int(s, 1);
	n->subject_id = cy_stmt_int(s, 2);
	n->fonds_id = cy_stmt_int(s, 3);
	n->epoch = cy_stmt_int(s, 4);
	cy_catalog__text(s, 5, n->fonds, sizeof(n->fonds));
	n->subject_no = cy_stmt_int(s, 6);
	cy_catalog__text(s, 7, n->template_, sizeof(n->template_));
	cy_catalog__text(s, 8, n->channel, sizeof(n->channel));
	p = cy_stmt_blob(s, 9, &len);
	if (p && len == sizeof(n->code_hash))
		memcpy(n->code_hash, p, len);
	p = cy_stmt_blob(s, 10, &len);
	/* a blob too long for any sealed code is kept as empty: it fails to open */
	if (p && len <= sizeof(n->code)) {
		memcpy(n->code, p, len);
		n->code_len = len;
	}
	cy_catalog__text(s, 11, n->status, sizeof(n->status));
	n->attempts = cy_stmt_int(s, 12);
	cy_catalog__text(s, 13, n->last_error, sizeof(n->last_error));
	cy_catalog__text(s, 14, n->message_id, sizeof(n->message_id));
	cy_catalog__text(s, 15, n->prepared, sizeof(n->prepared));
	cy_catalog__text(s, 16, n->sent, sizeof(n->sent));
	cy_catalog__text(s, 17, n->bounced, sizeof(n->bounced));
	cy_catalog__text(s, 18, n->answered, sizeof(n->answered));
	cy_catalog__text(s, 19, n->answer, sizeof(n->answer));
}

int cy_catalog_notice_insert(cy_catalog *c, const cy_catalog_notice *n, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO notices (transfer_id, subject_id, fonds_id, epoch, template, channel,"
		" code_hash, code, prepared) VALUES (?, ?, ?, ?, ?, ?, ?, x'', ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, n->transfer_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, n->subject_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, n->fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, n->epoch);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, n->template_);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, n->channel);
	rc = rc ? rc : cy_stmt_bind_blob(s, 7, n->code_hash, sizeof(n->code_hash));
	rc = rc ? rc : cy_stmt_bind_text(s, 8, n->prepared);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_notice_set_code(cy_catalog *c, int64_t id, const void *blob, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE notices SET code = ?2 WHERE id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, blob, n);
	return done(rc ? rc : cy_stmt_step(s));
}

int cy_catalog_notice_each(cy_catalog *c, int64_t transfer_id, cy_catalog_notice_fn fn, void *arg)
{
	cy_catalog_notice n;
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(
		c, "SELECT " NOTICE_COLS " WHERE n.transfer_id = ?1 ORDER BY n.subject_id", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, transfer_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		read_row(s, &n);
		rc = fn(arg, &n);
	}
	cy_stmt_free(s);
	return done(rc);
}

static int one(cy_stmt *s, cy_catalog_notice *out)
{
	int rc = cy_stmt_step(s);

	if (rc == 1)
		read_row(s, out);
	cy_stmt_reset(s);
	return rc == 1 ? 0 : rc == 0 ? CY_ENOTFOUND : rc;
}

int cy_catalog_notice_by_code(cy_catalog *c, int64_t transfer_id, const uint8_t hash[32],
			      cy_catalog_notice *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT " NOTICE_COLS " WHERE n.transfer_id = ?1 AND n.code_hash = ?2", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, transfer_id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, hash, 32);
	return rc ? rc : one(s, out);
}

int cy_catalog_notice_by_message(cy_catalog *c, int64_t transfer_id, const char *message_id,
				 cy_catalog_notice *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT " NOTICE_COLS " WHERE n.transfer_id = ?1 AND n.message_id = ?2", &s);

	if (!*message_id)
		return CY_ENOTFOUND;
	rc = rc ? rc : cy_stmt_bind_int(s, 1, transfer_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, message_id);
	return rc ? rc : one(s, out);
}

int cy_catalog_notice_exists(cy_catalog *c, int64_t transfer_id, int64_t subject_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT 1 FROM notices WHERE transfer_id = ?1 AND subject_id = ?2", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, transfer_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, subject_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc >= 0)
		cy_stmt_reset(s);
	return rc;
}

static int update(cy_catalog *c, const char *sql, int64_t id, const char *a, const char *b)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, sql, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc || !a ? rc : cy_stmt_bind_text(s, 2, a);
	rc = rc || !b ? rc : cy_stmt_bind_text(s, 3, b);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	return cy_catalog_changes(c) == 1
		       ? 0
		       : cy_error_set(CY_ENOTFOUND, "no notice %lld", (long long)id);
}

int cy_catalog_notice_sent(cy_catalog *c, int64_t id, const char *message_id, const char *at)
{
	return update(c,
		      "UPDATE notices SET status = 'sent', attempts = attempts + 1, last_error = '',"
		      " message_id = ?2, sent = ?3, bounced = '' WHERE id = ?1",
		      id, message_id, at);
}

int cy_catalog_notice_failed(cy_catalog *c, int64_t id, const char *error)
{
	return update(c,
		      "UPDATE notices SET status = 'failed', attempts = attempts + 1,"
		      " last_error = ?2 WHERE id = ?1",
		      id, error, NULL);
}

int cy_catalog_notice_bounced(cy_catalog *c, int64_t id, const char *at)
{
	return update(c, "UPDATE notices SET status = 'bounced', bounced = ?2 WHERE id = ?1", id,
		      at, NULL);
}

int cy_catalog_notice_answer(cy_catalog *c, int64_t id, const char *answer, const char *at)
{
	return update(c, "UPDATE notices SET answer = ?2, answered = ?3 WHERE id = ?1", id, answer,
		      at);
}

int cy_catalog_notice_classes(cy_catalog *c, int64_t subject_id, cy_catalog_notice_class_fn fn,
			      void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c,
				      "SELECT DISTINCT r.class FROM record_subjects rs"
				      " JOIN records r ON r.id = rs.record_id"
				      " WHERE rs.subject_id = ?1 ORDER BY r.class",
				      &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_text(s, 0));
	cy_stmt_free(s);
	return done(rc);
}

int cy_catalog_notice_ledger_each(cy_catalog *c, uint64_t after, cy_catalog_notice_entry_fn fn,
				  void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c,
				      "SELECT seq, entry FROM ledger INDEXED BY ledger_notify"
				      " WHERE seq > ?1 AND " CY_LEDGER_NOTIFY_WHERE " ORDER BY seq",
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
