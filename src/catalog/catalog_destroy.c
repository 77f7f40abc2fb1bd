/* catalog_destroy.c - destruction batches, items and signatures
 * (catalog_destroy.h). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_destroy.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

static int run(cy_stmt *s)
{
	int rc = cy_stmt_step(s);

	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

static int bind_opt_text(cy_stmt *s, int i, const char *t)
{
	return t && *t ? cy_stmt_bind_text(s, i, t) : cy_stmt_bind_null(s, i);
}

int cy_catalog_dbatch_insert(cy_catalog *c, const cy_catalog_dbatch *b, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "INSERT INTO destruction_batches (fonds_id, kind, status, hash,"
				    " proposed_by, proposed, seq, appraisal_id, reason, roles)"
				    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, b->fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, b->kind);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, b->status);
	rc = rc ? rc : cy_stmt_bind_blob(s, 4, b->hash, b->hash_len);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, b->proposed_by);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, b->proposed);
	rc = rc ? rc : cy_stmt_bind_int(s, 7, (int64_t)b->seq);
	if (!rc)
		rc = b->appraisal_id ? cy_stmt_bind_int(s, 8, b->appraisal_id)
				     : cy_stmt_bind_null(s, 8);
	rc = rc ? rc : cy_stmt_bind_text(s, 9, b->reason ? b->reason : "");
	rc = rc ? rc : cy_stmt_bind_text(s, 10, b->roles ? b->roles : "");
	rc = rc ? rc : run(s);
	if (!rc)
		*id = cy_catalog_last_id(c);
	return rc;
}

int cy_catalog_dbatch_set_seq(cy_catalog *c, int64_t id, uint64_t seq, const void *hash, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE destruction_batches SET seq = ?, hash = ? WHERE id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)seq);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, hash, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, id);
	return rc ? rc : run(s);
}

int cy_catalog_dbatch_each(cy_catalog *c, int64_t id, cy_catalog_dbatch_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT id, fonds_id, kind, status, hash, proposed_by, proposed, seq,"
		" coalesce(appraisal_id, 0), coalesce(reconciled, ''), coalesce(reconcile_seq, 0),"
		" coalesce(executed, ''), coalesce(execute_seq, 0), coalesce(register, ''),"
		" register_sig, reason, roles FROM destruction_batches WHERE ?1 = 0 OR id = ?1"
		" ORDER BY id",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_dbatch b;

		memset(&b, 0, sizeof(b));
		b.id = cy_stmt_int(s, 0);
		b.fonds_id = cy_stmt_int(s, 1);
		b.kind = cy_stmt_text(s, 2);
		b.status = cy_stmt_text(s, 3);
		b.hash = cy_stmt_blob(s, 4, &b.hash_len);
		b.proposed_by = cy_stmt_int(s, 5);
		b.proposed = cy_stmt_text(s, 6);
		b.seq = (uint64_t)cy_stmt_int(s, 7);
		b.appraisal_id = cy_stmt_int(s, 8);
		b.reconciled = cy_stmt_text(s, 9);
		b.reconcile_seq = (uint64_t)cy_stmt_int(s, 10);
		b.executed = cy_stmt_text(s, 11);
		b.execute_seq = (uint64_t)cy_stmt_int(s, 12);
		b.reg = cy_stmt_text(s, 13);
		b.reg_sig = cy_stmt_blob(s, 14, &b.reg_sig_len);
		b.reason = cy_stmt_text(s, 15);
		b.roles = cy_stmt_text(s, 16);
		rc = fn(arg, &b);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_dbatch_reconciled(cy_catalog *c, int64_t id, const char *at, uint64_t seq)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "UPDATE destruction_batches SET reconciled = ?, reconcile_seq = ? WHERE id = ?",
		&s);

	rc = rc ? rc : bind_opt_text(s, 1, at);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, (int64_t)seq);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, id);
	return rc ? rc : run(s);
}

int cy_catalog_dbatch_executing(cy_catalog *c, int64_t id, const char *at, uint64_t seq,
				const char *reg, const void *sig, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"UPDATE destruction_batches SET status = 'executing', executed = ?,"
		" execute_seq = ?, register = ?, register_sig = ? WHERE id = ?",
		&s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, at);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, (int64_t)seq);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, reg);
	rc = rc ? rc : cy_stmt_bind_blob(s, 4, sig, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, id);
	return rc ? rc : run(s);
}

int cy_catalog_dbatch_status(cy_catalog *c, int64_t id, const char *status)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE destruction_batches SET status = ? WHERE id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, status);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, id);
	return rc ? rc : run(s);
}

int cy_catalog_ditem_insert(cy_catalog *c, const cy_catalog_ditem *it)
{
	cy_stmt *s;
	int rc =
		cy_catalog_prepare(c,
				   "INSERT INTO destruction_items (batch_id, record_id, archive_no,"
				   " class, year, retention, rule, trigger, due, created, digest,"
				   " org, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				   &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, it->batch_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, it->record_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, it->archive_no);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, it->klass);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, it->year);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, it->retention);
	rc = rc ? rc : cy_stmt_bind_text(s, 7, it->rule);
	rc = rc ? rc : cy_stmt_bind_text(s, 8, it->trigger);
	rc = rc ? rc : cy_stmt_bind_text(s, 9, it->due);
	rc = rc ? rc : cy_stmt_bind_text(s, 10, it->created);
	rc = rc ? rc : cy_stmt_bind_blob(s, 11, it->digest, it->digest_len);
	rc = rc ? rc : cy_stmt_bind_text(s, 12, it->org ? it->org : "");
	rc = rc ? rc : cy_stmt_bind_int(s, 13, it->item);
	return rc ? rc : run(s);
}

static int ditems(cy_stmt *s, cy_catalog_ditem_fn fn, void *arg)
{
	int rc;

	while ((rc = cy_stmt_step(s)) == 1) {
		cy_catalog_ditem it;

		memset(&it, 0, sizeof(it));
		it.batch_id = cy_stmt_int(s, 0);
		it.record_id = cy_stmt_int(s, 1);
		it.archive_no = cy_stmt_text(s, 2);
		it.klass = cy_stmt_text(s, 3);
		it.year = cy_stmt_int(s, 4);
		it.retention = cy_stmt_text(s, 5);
		it.rule = cy_stmt_text(s, 6);
		it.trigger = cy_stmt_text(s, 7);
		it.due = cy_stmt_text(s, 8);
		it.created = cy_stmt_text(s, 9);
		it.digest = cy_stmt_blob(s, 10, &it.digest_len);
		it.org = cy_stmt_text(s, 11);
		it.item = cy_stmt_int(s, 12);
		if ((rc = fn(arg, &it)))
			break;
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

#define DITEM_COLS                                                                                 \
	"SELECT batch_id, record_id, archive_no, class, year, retention, rule, trigger,"           \
	" due, created, digest, org, item FROM destruction_items "

int cy_catalog_ditem_each(cy_catalog *c, int64_t batch_id, cy_catalog_ditem_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c, DITEM_COLS "WHERE batch_id = ? ORDER BY record_id", &s);

	if (rc)
		return rc;
	rc = cy_stmt_bind_int(s, 1, batch_id);
	rc = rc ? rc : ditems(s, fn, arg);
	cy_stmt_free(s);
	return rc;
}

int cy_catalog_ditem_by_no(cy_catalog *c, const char *archive_no, cy_catalog_ditem_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, DITEM_COLS "WHERE archive_no = ? ORDER BY batch_id DESC",
				    &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, archive_no);
	return rc ? rc : ditems(s, fn, arg);
}

int cy_catalog_dsig_insert(cy_catalog *c, const cy_catalog_dsig *g)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO destruction_signatures (batch_id, role, user_id, at,"
		" seq) VALUES (?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, g->batch_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, g->role);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, g->user_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, g->at);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, (int64_t)g->seq);
	return rc ? rc : run(s);
}

int cy_catalog_dsig_each(cy_catalog *c, int64_t batch_id, cy_catalog_dsig_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT batch_id, role, user_id, at, seq FROM"
				    " destruction_signatures WHERE batch_id = ? ORDER BY seq",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, batch_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_dsig g;

		g.batch_id = cy_stmt_int(s, 0);
		g.role = cy_stmt_text(s, 1);
		g.user_id = cy_stmt_int(s, 2);
		g.at = cy_stmt_text(s, 3);
		g.seq = (uint64_t)cy_stmt_int(s, 4);
		rc = fn(arg, &g);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_subjects_orphaned(cy_catalog *c, const int64_t *ids, size_t n, cy_buf *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT ?1 WHERE EXISTS (SELECT 1 FROM subjects WHERE id = ?1)"
		" AND NOT EXISTS (SELECT 1 FROM record_subjects WHERE subject_id = ?1)"
		" AND NOT EXISTS (SELECT 1 FROM objects WHERE owner_subject_id = ?1)",
		&s);

	cy_buf_clear(out);
	for (size_t i = 0; !rc && i < n; i++) {
		rc = cy_stmt_bind_int(s, 1, ids[i]);
		rc = rc ? rc : cy_stmt_step(s);
		cy_stmt_reset(s);
		if (rc == 1)
			rc = cy_buf_put(out, &ids[i], sizeof(ids[i]));
	}
	return rc < 0 ? rc : 0;
}

int cy_catalog_subject_remove(cy_catalog *c, int64_t subject_id)
{
	static const char *const SQL[] = {
		"DELETE FROM subject_index WHERE subject_id = ?1",
		"DELETE FROM restrictions WHERE kind = 'subject' AND target_id = ?1",
		"DELETE FROM subjects WHERE id = ?1",
	};
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(SQL) / sizeof(SQL[0]); i++) {
		cy_stmt *s;
		rc = cy_catalog_prepare(c, SQL[i], &s);
		rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
		rc = rc ? rc : run(s);
	}
	return rc;
}

int cy_catalog_erased_keep(cy_catalog *c, int64_t subject_id, int64_t batch_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "INSERT OR IGNORE INTO erased_subjects (fonds_id, field, hash,"
				    " batch_id) SELECT fonds_id, field, hash, ?2 FROM subject_index"
				    " WHERE subject_id = ?1 AND field <> 'name'",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, batch_id);
	return rc ? rc : run(s);
}

int cy_catalog_erased_find(cy_catalog *c, int64_t fonds_id, const char *field, const void *hash,
			   size_t n, int64_t *batch_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT batch_id FROM erased_subjects WHERE fonds_id = ? AND"
				    " field = ? AND hash = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, field);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, hash, n);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		*batch_id = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_erased_forget(cy_catalog *c, int64_t batch_id, int64_t *count)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "DELETE FROM erased_subjects WHERE batch_id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, batch_id);
	rc = rc ? rc : run(s);
	if (!rc)
		*count = cy_catalog_changes(c);
	return rc;
}

/* ---- many records at once (a temporary table of their ids) ---- */

int cy_catalog_tmp_ids_set(cy_catalog *c, const int64_t *ids, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_exec(c, "CREATE TEMP TABLE IF NOT EXISTS destroy_ids"
				    " (id INTEGER PRIMARY KEY); DELETE FROM temp.destroy_ids");

	rc = rc ? rc
		: cy_catalog_prepare(c, "INSERT OR IGNORE INTO temp.destroy_ids VALUES (?)", &s);
	for (size_t i = 0; !rc && i < n; i++) {
		rc = cy_stmt_bind_int(s, 1, ids[i]);
		rc = rc ? rc : run(s);
	}
	return rc;
}

static int ids_of(cy_catalog *c, const char *sql, cy_buf *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, sql, &s);

	cy_buf_clear(out);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		int64_t id = cy_stmt_int(s, 0);
		rc = cy_buf_put(out, &id, sizeof(id));
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_tmp_ids_batches(cy_catalog *c, cy_buf *out)
{
	return ids_of(c,
		      "SELECT DISTINCT coalesce(batch_id, 0) FROM records"
		      " WHERE id IN (SELECT id FROM temp.destroy_ids) ORDER BY 1",
		      out);
}

int cy_catalog_tmp_ids_subjects(cy_catalog *c, cy_buf *out)
{
	return ids_of(
		c,
		"SELECT subject_id FROM record_subjects"
		" WHERE record_id IN (SELECT id FROM temp.destroy_ids)"
		" UNION SELECT o.owner_subject_id FROM objects o JOIN records r"
		" ON o.id = r.object_id WHERE r.id IN (SELECT id FROM temp.destroy_ids)"
		" AND o.owner_subject_id IS NOT NULL"
		" UNION SELECT o.owner_subject_id FROM objects o JOIN record_objects ro"
		" ON o.id = ro.object_id WHERE ro.record_id IN (SELECT id FROM temp.destroy_ids)"
		" AND o.owner_subject_id IS NOT NULL ORDER BY 1",
		out);
}

int cy_catalog_tmp_ids_remove(cy_catalog *c)
{
	static const char *const SQL[] = {
		"CREATE TEMP TABLE IF NOT EXISTS destroy_objs (id INTEGER PRIMARY KEY)",
		"DELETE FROM temp.destroy_objs",
		("INSERT OR IGNORE INTO temp.destroy_objs"
		 " SELECT object_id FROM records WHERE id IN (SELECT id FROM temp.destroy_ids)"
		 " UNION SELECT object_id FROM record_objects"
		 " WHERE record_id IN (SELECT id FROM temp.destroy_ids)"),
		"DELETE FROM record_subjects WHERE record_id IN (SELECT id FROM temp.destroy_ids)",
		"DELETE FROM record_objects WHERE record_id IN (SELECT id FROM temp.destroy_ids)",
		"DELETE FROM archive_aliases WHERE record_id IN (SELECT id FROM temp.destroy_ids)",
		"DELETE FROM access_requests WHERE record_id IN (SELECT id FROM temp.destroy_ids)",
		("DELETE FROM restrictions WHERE kind = 'record'"
		 " AND target_id IN (SELECT id FROM temp.destroy_ids)"),
		"DELETE FROM records WHERE id IN (SELECT id FROM temp.destroy_ids)",
		"DELETE FROM objects WHERE id IN (SELECT id FROM temp.destroy_objs)",
		"DELETE FROM temp.destroy_objs",
	};
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(SQL) / sizeof(SQL[0]); i++)
		rc = cy_catalog_exec(c, SQL[i]);
	return rc;
}

int cy_catalog_record_digest(cy_catalog *c, int64_t id, char archive_no[64], cy_buf *digest)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT archive_no, digest FROM records WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		cy_catalog__text(s, 0, archive_no, 64);
		rc = cy_catalog__blob(s, 1, digest);
		rc = rc ? rc : 1;
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_wal_truncate(cy_catalog *c)
{
	return cy_catalog_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)");
}
