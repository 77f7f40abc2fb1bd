/* catalog_records.c - records, their objects and packs, item numbers and
 * archive-number aliases (catalog_records.h).  SQLite dialect; the SQL stays
 * in this file. */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_records.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

/* Run a cached statement that returns no rows. */
static int run(cy_stmt *s)
{
	int rc = cy_stmt_step(s);

	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_pack_insert(cy_catalog *c, const char *name, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "INSERT INTO packs (name, size) VALUES (?, 0)", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : run(s);
	if (!rc)
		*id = cy_catalog_last_id(c);
	return rc;
}

int cy_catalog_pack_set_size(cy_catalog *c, const char *name, uint64_t size)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE packs SET size = ? WHERE name = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)size);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, name);
	return rc ? rc : run(s);
}

int cy_catalog_pack_delete(cy_catalog *c, const char *name)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "DELETE FROM packs WHERE name = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	return rc ? rc : run(s);
}

static int exec_cached(cy_catalog *c, const char *sql)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, sql, &s);

	return rc ? rc : run(s);
}

int cy_catalog_savepoint(cy_catalog *c)
{
	return exec_cached(c, "SAVEPOINT record");
}

int cy_catalog_savepoint_release(cy_catalog *c)
{
	return exec_cached(c, "RELEASE record");
}

int cy_catalog_savepoint_rollback(cy_catalog *c)
{
	int rc = exec_cached(c, "ROLLBACK TO record");

	return rc ? rc : exec_cached(c, "RELEASE record");
}

int cy_catalog_object_insert(cy_catalog *c, const cy_cat_object *o, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO objects (pack_id, offset, length, size, compressed, dkey,"
		" owner_subject_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, o->pack_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, (int64_t)o->offset);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, (int64_t)o->length);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, (int64_t)o->size);
	rc = rc ? rc : cy_stmt_bind_int(s, 5, o->compressed);
	rc = rc ? rc
		: (o->dkey ? cy_stmt_bind_blob(s, 6, o->dkey, o->dkey_len)
			   : cy_stmt_bind_null(s, 6));
	rc = rc ? rc
		: (o->owner_subject_id ? cy_stmt_bind_int(s, 7, o->owner_subject_id)
				       : cy_stmt_bind_null(s, 7));
	rc = rc ? rc : run(s);
	if (!rc)
		*id = cy_catalog_last_id(c);
	return rc;
}

int cy_catalog_record_insert(cy_catalog *c, const cy_cat_record_new *r, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO records (fonds_id, archive_no, class, year, retention, org,"
		" item, object_id, size, dedup, meta, created, created_by)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, r->fonds_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, r->archive_no);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, r->klass);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, r->year);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, r->retention);
	rc = rc ? rc : cy_stmt_bind_text(s, 6, r->org);
	rc = rc ? rc : cy_stmt_bind_int(s, 7, r->item);
	rc = rc ? rc : cy_stmt_bind_int(s, 8, r->object_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 9, (int64_t)r->size);
	rc = rc ? rc : cy_stmt_bind_blob(s, 10, r->dedup, 32);
	rc = rc ? rc : cy_stmt_bind_blob(s, 11, r->meta, r->meta_len);
	rc = rc ? rc : cy_stmt_bind_text(s, 12, r->created);
	rc = rc ? rc : cy_stmt_bind_int(s, 13, r->created_by);
	rc = rc ? rc : run(s);
	if (!rc)
		*id = cy_catalog_last_id(c);
	return rc;
}

int cy_catalog_record_object_add(cy_catalog *c, int64_t record_id, int seq, int64_t object_id,
				 const char *role)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "INSERT INTO record_objects (record_id, seq, object_id, role)"
				    " VALUES (?, ?, ?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, seq);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, object_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, role);
	return rc ? rc : run(s);
}

int cy_catalog_record_by_dedup(cy_catalog *c, int64_t fonds_id, const uint8_t dedup[32],
			       char *archive_no)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT archive_no FROM records WHERE fonds_id = ? AND dedup = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, dedup, 32);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		snprintf(archive_no, 64, "%s", cy_stmt_text(s, 0));
	cy_stmt_reset(s);
	return rc;
}

#define RECORD_COLS                                                                                \
	"SELECT r.id, r.fonds_id, r.item, r.archive_no, f.code, r.class, r.retention, r.org,"      \
	" r.status, r.created, u.name, r.year, r.size, r.meta, o.id, p.name, o.offset, o.length,"  \
	" o.compressed, o.dkey, coalesce(o.owner_subject_id, 0)"                                   \
	" FROM records r JOIN fonds f ON f.id = r.fonds_id JOIN objects o ON o.id = r.object_id"   \
	" JOIN packs p ON p.id = o.pack_id JOIN users u ON u.id = r.created_by"

static void record_row(cy_stmt *s, cy_cat_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = cy_stmt_int(s, 0);
	r->fonds_id = cy_stmt_int(s, 1);
	r->item = cy_stmt_int(s, 2);
	r->archive_no = cy_stmt_text(s, 3);
	r->fonds_code = cy_stmt_text(s, 4);
	r->klass = cy_stmt_text(s, 5);
	r->retention = cy_stmt_text(s, 6);
	r->org = cy_stmt_text(s, 7);
	r->status = cy_stmt_text(s, 8);
	r->created = cy_stmt_text(s, 9);
	r->created_by = cy_stmt_text(s, 10);
	r->year = (int)cy_stmt_int(s, 11);
	r->size = (uint64_t)cy_stmt_int(s, 12);
	r->meta = cy_stmt_blob(s, 13, &r->meta_len);
	r->object_id = cy_stmt_int(s, 14);
	r->pack = cy_stmt_text(s, 15);
	r->offset = (uint64_t)cy_stmt_int(s, 16);
	r->length = (uint64_t)cy_stmt_int(s, 17);
	r->compressed = (int)cy_stmt_int(s, 18);
	if (!cy_stmt_is_null(s, 19))
		r->dkey = cy_stmt_blob(s, 19, &r->dkey_len);
	r->owner_subject_id = cy_stmt_int(s, 20);
}

static int each_row(cy_stmt *s, cy_cat_record_fn fn, void *arg, int *found)
{
	int rc;

	while ((rc = cy_stmt_step(s)) == 1) {
		cy_cat_record r;
		record_row(s, &r);
		*found = 1;
		if ((rc = fn(arg, &r)) != 0)
			break;
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_record_each(cy_catalog *c, int64_t fonds_id, cy_cat_record_fn fn, void *arg)
{
	cy_stmt *s;
	int found = 0;
	int rc = cy_catalog_prepare(c,
				    RECORD_COLS
				    " WHERE ?1 = 0 OR r.fonds_id = ?1"
				    " ORDER BY f.code, r.class, r.year, r.retention, r.org, r.item",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	return rc ? rc : each_row(s, fn, arg, &found);
}

int cy_catalog_record_by_no(cy_catalog *c, const char *archive_no, cy_cat_record_fn fn, void *arg)
{
	cy_stmt *s;
	int found = 0;
	int rc = cy_catalog_prepare(c, RECORD_COLS " WHERE r.archive_no = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, archive_no);
	rc = rc ? rc : each_row(s, fn, arg, &found);
	return rc ? rc : found ? 0 : CY_ENOTFOUND;
}

int cy_catalog_record_update(cy_catalog *c, const cy_cat_record_move *m)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"UPDATE records SET archive_no = ?, class = ?, year = ?, retention = ?,"
		" org = ?, item = ?, meta = ? WHERE id = ?",
		&s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, m->archive_no);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, m->klass);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, m->year);
	rc = rc ? rc : cy_stmt_bind_text(s, 4, m->retention);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, m->org);
	rc = rc ? rc : cy_stmt_bind_int(s, 6, m->item);
	rc = rc ? rc : cy_stmt_bind_blob(s, 7, m->meta, m->meta_len);
	rc = rc ? rc : cy_stmt_bind_int(s, 8, m->record_id);
	rc = rc ? rc : run(s);
	if (!rc && cy_catalog_changes(c) != 1)
		rc = cy_error_set(CY_ENOTFOUND, "catalog: no record %lld", (long long)m->record_id);
	return rc;
}

int cy_catalog_alias_add(cy_catalog *c, const char *old_no, int64_t record_id, const char *when)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO archive_aliases (old_no, record_id, moved) VALUES (?, ?, ?)"
		" ON CONFLICT (old_no) DO UPDATE SET record_id = excluded.record_id,"
		" moved = excluded.moved",
		&s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, old_no);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, record_id);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, when);
	return rc ? rc : run(s);
}

int cy_catalog_alias_resolve(cy_catalog *c, const char *old_no, char *current)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT r.archive_no FROM archive_aliases a JOIN records r"
				    " ON r.id = a.record_id WHERE a.old_no = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, old_no);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		snprintf(current, 64, "%s", cy_stmt_text(s, 0));
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_record_subject_uid(cy_catalog *c, int64_t subject_id, int64_t *fonds_id,
				  uint8_t uid[16])
{
	cy_stmt *s;
	const void *p;
	size_t n = 0;
	int rc = cy_catalog_prepare(c, "SELECT fonds_id, uid FROM subjects WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, subject_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		*fonds_id = cy_stmt_int(s, 0);
		p = cy_stmt_blob(s, 1, &n);
		if (n != 16)
			rc = cy_error_set(CY_ECORRUPT, "catalog: subject %lld has a damaged uid",
					  (long long)subject_id);
		else
			memcpy(uid, p, 16);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_alias_group(cy_catalog *c, const char *prefix, int64_t *count, int64_t *max_item)
{
	cy_stmt *s;
	size_t plen = strlen(prefix);
	int rc = cy_catalog_prepare(
		c, "SELECT old_no FROM archive_aliases WHERE substr(old_no, 1, length(?1)) = ?1",
		&s);

	*count = *max_item = 0;
	rc = rc ? rc : cy_stmt_bind_text(s, 1, prefix);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		const char *rest = cy_stmt_text(s, 0) + plen;
		int64_t item = 0;
		rc = 0;
		if (!*rest || strspn(rest, "0123456789") != strlen(rest) || strlen(rest) > 12)
			continue;
		for (; *rest; rest++)
			item = item * 10 + (*rest - '0');
		(*count)++;
		if (item > *max_item)
			*max_item = item;
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}
