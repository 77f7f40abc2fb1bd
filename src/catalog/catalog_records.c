/* catalog_records.c - records, their objects and packs, item numbers and
 * archive-number aliases (catalog_records.h).  SQLite dialect; the SQL stays
 * in this file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_records.h"
#include "catalog/catalog_recsig.h"
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
		" item, object_id, size, dedup, meta, created, created_by, id, status, digest,"
		" batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
	rc = rc ? rc : (r->id ? cy_stmt_bind_int(s, 14, r->id) : cy_stmt_bind_null(s, 14));
	rc = rc ? rc : cy_stmt_bind_text(s, 15, r->status ? r->status : "held");
	rc = rc ? rc
		: (r->digest ? cy_stmt_bind_blob(s, 16, r->digest, 32) : cy_stmt_bind_null(s, 16));
	rc = rc ? rc
		: (r->batch_id ? cy_stmt_bind_int(s, 17, r->batch_id) : cy_stmt_bind_null(s, 17));
	rc = rc ? rc : run(s);
	if (!rc)
		*id = cy_catalog_last_id(c);
	return rc;
}

int cy_catalog_record_next_id(cy_catalog *c, int64_t *id)
{
	cy_stmt *s;
	int64_t max = 0;
	int rc = cy_catalog_prepare(c, "SELECT coalesce(max(id), 0) FROM records", &s);

	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		max = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	if (rc == 0 || (rc == 1 && (max < 0 || max == INT64_MAX)))
		return cy_error_set(CY_ECORRUPT, "catalog: the records' ids are used up");
	*id = max + 1;
	return rc < 0 ? rc : 0;
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

/* A record with one of its objects: o is the first (records.object_id) or, in
 * RECORD_PART_COLS, the part record_objects names. */
#define RECORD_FIELDS                                                                              \
	"SELECT r.id, r.fonds_id, r.item, r.archive_no, f.code, r.class, r.retention, r.org,"      \
	" r.status, r.created, u.name, r.year, r.size, r.meta, o.id, p.name, o.offset, o.length,"  \
	" o.compressed, o.dkey, coalesce(o.owner_subject_id, 0)"                                   \
	" FROM records r JOIN fonds f ON f.id = r.fonds_id"
#define RECORD_JOINS " JOIN packs p ON p.id = o.pack_id JOIN users u ON u.id = r.created_by"
#define RECORD_COLS RECORD_FIELDS " JOIN objects o ON o.id = r.object_id" RECORD_JOINS
#define RECORD_PART_COLS                                                                           \
	RECORD_FIELDS " JOIN record_objects ro ON ro.record_id = r.id"                             \
		      " JOIN objects o ON o.id = ro.object_id" RECORD_JOINS

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

int cy_catalog_record_by_id(cy_catalog *c, int64_t id, cy_cat_record_fn fn, void *arg)
{
	cy_stmt *s;
	int found = 0;
	int rc = cy_catalog__stmt_new(c, RECORD_COLS " WHERE r.id = ?1", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : each_row(s, fn, arg, &found);
	cy_stmt_free(s);
	return rc ? rc : found ? 0 : CY_ENOTFOUND;
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

int cy_catalog_record_part(cy_catalog *c, int64_t record_id, int seq, cy_cat_record_fn fn,
			   void *arg)
{
	cy_stmt *s;
	int found = 0;
	int rc;

	if (seq == 0)
		return cy_catalog_record_by_id(c, record_id, fn, arg);
	rc = cy_catalog_prepare(c, RECORD_PART_COLS " WHERE r.id = ?1 AND ro.seq = ?2", &s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, seq);
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

/* ---- record signatures (catalog_recsig.h) ---- */

#define RS_COLS                                                                                    \
	"SELECT r.id, r.fonds_id, r.archive_no, r.class, r.year, r.retention, r.org, r.item,"      \
	" r.size, r.dedup, r.meta, r.status, r.created, r.created_by, r.digest,"                   \
	" coalesce(r.batch_id, 0), o.id, o.length, o.size, o.compressed, o.dkey,"                  \
	" coalesce(o.owner_subject_id, 0)"                                                         \
	" FROM records r LEFT JOIN objects o ON o.id = r.object_id"
#define RS_OBJ_COLS                                                                                \
	"SELECT ro.record_id, ro.seq, ro.role, o.id, o.length, o.size, o.compressed, o.dkey,"      \
	" coalesce(o.owner_subject_id, 0)"                                                         \
	" FROM record_objects ro LEFT JOIN objects o ON o.id = ro.object_id"

/* A record's objects and subjects, copied out of their statements. */
typedef struct rs_acc {
	cy_catalog_recsig_obj *objs;
	size_t nobjs, capobjs;
	int64_t *subjects;
	size_t nsubjects, capsubjects;
	cy_buf arena; /* roles and wrapped keys of objects after the first */
	size_t *role_off, *dkey_off;
} rs_acc;

static int rs_obj_add(rs_acc *a, cy_stmt *s, int c0, int with_role)
{
	cy_catalog_recsig_obj *o;
	size_t n;
	const void *p;

	if (a->nobjs == a->capobjs) {
		size_t cap = a->capobjs ? a->capobjs * 2 : 8;
		void *no = realloc(a->objs, cap * sizeof(*a->objs));
		void *nr = no ? realloc(a->role_off, cap * sizeof(size_t)) : NULL;
		void *nd = nr ? realloc(a->dkey_off, cap * sizeof(size_t)) : NULL;
		if (no)
			a->objs = no;
		if (nr)
			a->role_off = nr;
		if (!nd)
			return cy_error_set(CY_ENOMEM, "out of memory");
		a->dkey_off = nd;
		a->capobjs = cap;
	}
	o = &a->objs[a->nobjs];
	memset(o, 0, sizeof(*o));
	o->present = !cy_stmt_is_null(s, c0);
	o->length = (uint64_t)cy_stmt_int(s, c0 + 1);
	o->size = (uint64_t)cy_stmt_int(s, c0 + 2);
	o->compressed = cy_stmt_int(s, c0 + 3);
	o->owner = cy_stmt_int(s, c0 + 5);
	a->role_off[a->nobjs] = a->arena.len;
	if (with_role) {
		const char *role = cy_stmt_text(s, c0 - 1);
		if (cy_buf_put(&a->arena, role, strlen(role) + 1))
			return CY_ENOMEM;
	} else if (cy_buf_put(&a->arena, "", 1)) {
		return CY_ENOMEM;
	}
	p = cy_stmt_blob(s, c0 + 4, &n);
	a->dkey_off[a->nobjs] = a->arena.len;
	o->dkey_len = p ? n : 0;
	if (n && cy_buf_put(&a->arena, p, n))
		return CY_ENOMEM;
	a->nobjs++;
	return 0;
}

int cy_catalog_recsig_each(cy_catalog *c, int64_t fonds_id, int64_t lo, int64_t hi,
			   int64_t batch_id, cy_catalog_recsig_fn fn, void *arg)
{
	cy_stmt *rs = NULL, *os = NULL, *ss = NULL;
	rs_acc a;
	int rc, orow = 0, srow = 0;

	memset(&a, 0, sizeof(a));
	if (batch_id > 0) {
		rc = cy_catalog_prepare(c, RS_COLS " WHERE r.batch_id = ?1 ORDER BY r.id", &rs);
		rc = rc ? rc
			: cy_catalog_prepare(c,
					     RS_OBJ_COLS " WHERE ro.record_id IN (SELECT id FROM"
							 " records WHERE batch_id = ?1)"
							 " ORDER BY ro.record_id, ro.seq",
					     &os);
		rc = rc ? rc
			: cy_catalog_prepare(c,
					     "SELECT record_id, subject_id FROM record_subjects"
					     " WHERE record_id IN (SELECT id FROM records WHERE"
					     " batch_id = ?1) ORDER BY record_id, subject_id",
					     &ss);
		rc = rc ? rc : cy_stmt_bind_int(rs, 1, batch_id);
		rc = rc ? rc : cy_stmt_bind_int(os, 1, batch_id);
		rc = rc ? rc : cy_stmt_bind_int(ss, 1, batch_id);
	} else {
		if (hi <= 0)
			hi = INT64_MAX;
		rc = cy_catalog_prepare(c,
					RS_COLS " WHERE r.id BETWEEN ?1 AND ?2 AND (?3 = 0 OR"
						" r.fonds_id = ?3) ORDER BY r.id",
					&rs);
		rc = rc ? rc
			: cy_catalog_prepare(c,
					     RS_OBJ_COLS " WHERE ro.record_id BETWEEN ?1 AND ?2"
							 " ORDER BY ro.record_id, ro.seq",
					     &os);
		rc = rc ? rc
			: cy_catalog_prepare(c,
					     "SELECT record_id, subject_id FROM record_subjects"
					     " WHERE record_id BETWEEN ?1 AND ?2"
					     " ORDER BY record_id, subject_id",
					     &ss);
		rc = rc ? rc : cy_stmt_bind_int(rs, 1, lo);
		rc = rc ? rc : cy_stmt_bind_int(rs, 2, hi);
		rc = rc ? rc : cy_stmt_bind_int(rs, 3, fonds_id);
		rc = rc ? rc : cy_stmt_bind_int(os, 1, lo);
		rc = rc ? rc : cy_stmt_bind_int(os, 2, hi);
		rc = rc ? rc : cy_stmt_bind_int(ss, 1, lo);
		rc = rc ? rc : cy_stmt_bind_int(ss, 2, hi);
	}
	if (rc)
		goto out;
	orow = cy_stmt_step(os);
	srow = cy_stmt_step(ss);
	while (orow >= 0 && srow >= 0 && (rc = cy_stmt_step(rs)) == 1) {
		cy_catalog_recsig_row r;
		int64_t id = cy_stmt_int(rs, 0);
		size_t n;

		a.nobjs = a.nsubjects = 0;
		cy_buf_clear(&a.arena);
		if ((rc = rs_obj_add(&a, rs, 16, 0)))
			break;
		/* the statements run in record order: skip rows of records not listed */
		while (orow == 1 && cy_stmt_int(os, 0) < id)
			orow = cy_stmt_step(os);
		while (orow == 1 && cy_stmt_int(os, 0) == id) {
			if ((rc = rs_obj_add(&a, os, 3, 1)))
				break;
			a.objs[a.nobjs - 1].seq = cy_stmt_int(os, 1);
			orow = cy_stmt_step(os);
		}
		if (rc)
			break;
		while (srow == 1 && cy_stmt_int(ss, 0) < id)
			srow = cy_stmt_step(ss);
		while (srow == 1 && cy_stmt_int(ss, 0) == id) {
			if (a.nsubjects == a.capsubjects) {
				size_t cap = a.capsubjects ? a.capsubjects * 2 : 8;
				void *ns = realloc(a.subjects, cap * sizeof(*a.subjects));
				if (!ns) {
					rc = cy_error_set(CY_ENOMEM, "out of memory");
					break;
				}
				a.subjects = ns;
				a.capsubjects = cap;
			}
			a.subjects[a.nsubjects++] = cy_stmt_int(ss, 1);
			srow = cy_stmt_step(ss);
		}
		if (rc || cy_buf_failed(&a.arena)) {
			rc = rc ? rc : cy_error_set(CY_ENOMEM, "out of memory");
			break;
		}
		for (size_t i = 0; i < a.nobjs; i++) {
			a.objs[i].role = (const char *)a.arena.ptr + a.role_off[i];
			a.objs[i].dkey = a.objs[i].dkey_len ? a.arena.ptr + a.dkey_off[i] : NULL;
		}
		memset(&r, 0, sizeof(r));
		r.id = id;
		r.fonds_id = cy_stmt_int(rs, 1);
		r.archive_no = cy_stmt_text(rs, 2);
		r.klass = cy_stmt_text(rs, 3);
		r.year = cy_stmt_int(rs, 4);
		r.retention = cy_stmt_text(rs, 5);
		r.org = cy_stmt_text(rs, 6);
		r.item = cy_stmt_int(rs, 7);
		r.size = (uint64_t)cy_stmt_int(rs, 8);
		r.dedup = cy_stmt_blob(rs, 9, &n);
		r.dedup_len = r.dedup ? n : 0;
		r.meta = cy_stmt_blob(rs, 10, &n);
		r.meta_len = r.meta ? n : 0;
		r.status = cy_stmt_text(rs, 11);
		r.created = cy_stmt_text(rs, 12);
		r.created_by = cy_stmt_int(rs, 13);
		r.digest = cy_stmt_blob(rs, 14, &n);
		r.digest_len = r.digest ? n : 0;
		r.batch_id = cy_stmt_int(rs, 15);
		r.objs = a.objs;
		r.nobjs = a.nobjs;
		r.subjects = a.subjects;
		r.nsubjects = a.nsubjects;
		if ((rc = fn(arg, &r)))
			break;
	}
	if (!rc && orow < 0)
		rc = orow;
	if (!rc && srow < 0)
		rc = srow;
out:
	if (rs)
		cy_stmt_reset(rs);
	if (os)
		cy_stmt_reset(os);
	if (ss)
		cy_stmt_reset(ss);
	free(a.objs);
	free(a.role_off);
	free(a.dkey_off);
	free(a.subjects);
	cy_buf_release(&a.arena);
	return rc;
}

int cy_catalog_batch_insert(cy_catalog *c, int64_t fonds_id, uint64_t seq, int64_t count,
			    const uint8_t sig[64], int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "INSERT INTO record_batches (fonds_id, seq, count, sig) VALUES (?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, (int64_t)seq);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, count);
	rc = rc ? rc : cy_stmt_bind_blob(s, 4, sig, 64);
	rc = rc ? rc : run(s);
	if (!rc)
		*id = cy_catalog_last_id(c);
	return rc;
}

int cy_catalog_batch_reserve(cy_catalog *c, int64_t fonds_id, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "INSERT INTO record_batches (fonds_id, seq, count, sig) VALUES (?, 0, 0, x'')",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : run(s);
	if (!rc)
		*id = cy_catalog_last_id(c);
	return rc;
}

int cy_catalog_batch_seal(cy_catalog *c, int64_t id, uint64_t seq, int64_t count,
			  const uint8_t sig[64])
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "UPDATE record_batches SET seq = ?, count = ?, sig = ? WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)seq);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, count);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, sig, 64);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, id);
	rc = rc ? rc : run(s);
	if (!rc && cy_catalog_changes(c) != 1)
		rc = cy_error_set(CY_ENOTFOUND, "no record batch %lld to sign", (long long)id);
	return rc;
}

static void batch_row(cy_stmt *s, cy_catalog_batch *b)
{
	size_t n;
	const void *p;

	memset(b, 0, sizeof(*b));
	b->id = cy_stmt_int(s, 0);
	b->fonds_id = cy_stmt_int(s, 1);
	b->seq = (uint64_t)cy_stmt_int(s, 2);
	b->count = cy_stmt_int(s, 3);
	p = cy_stmt_blob(s, 4, &n);
	if (p && n == 64) {
		memcpy(b->sig, p, 64);
		b->sig_ok = 1;
	}
}

int cy_catalog_batch_get(cy_catalog *c, int64_t id, cy_catalog_batch *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT id, fonds_id, seq, count, sig FROM record_batches WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		batch_row(s, out);
	cy_stmt_reset(s);
	if (rc == 0)
		return CY_ENOTFOUND;
	return rc < 0 ? rc : 0;
}

int cy_catalog_batch_delete(cy_catalog *c, int64_t id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "DELETE FROM record_batches WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	return rc ? rc : run(s);
}

int cy_catalog_batch_each(cy_catalog *c, cy_catalog_batch_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT id, fonds_id, seq, count, sig FROM record_batches ORDER BY id", &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_batch b;
		batch_row(s, &b);
		rc = fn(arg, &b);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_batch_digests(cy_catalog *c, int64_t batch_id, cy_buf *out, int64_t *n)
{
	static const uint8_t zero[32];
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT digest FROM records WHERE batch_id = ? ORDER BY id",
				    &s);

	*n = 0;
	rc = rc ? rc : cy_stmt_bind_int(s, 1, batch_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t len;
		const void *p = cy_stmt_blob(s, 0, &len);
		rc = cy_buf_put(out, p && len == 32 ? p : zero, 32);
		(*n)++;
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_record_sig_set(cy_catalog *c, int64_t record_id, const uint8_t digest[32],
			      int64_t batch_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE records SET digest = ?, batch_id = ? WHERE id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_blob(s, 1, digest, 32);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, batch_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, record_id);
	return rc ? rc : run(s);
}

int cy_catalog_record_batch_of(cy_catalog *c, const char *archive_no, int64_t *id,
			       int64_t *batch_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT id, coalesce(batch_id, 0) FROM records WHERE archive_no = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, archive_no);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		*id = cy_stmt_int(s, 0);
		*batch_id = cy_stmt_int(s, 1);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_record_remove(cy_catalog *c, int64_t record_id)
{
	static const char *const SQL[] = {
		"DELETE FROM record_subjects WHERE record_id = ?1",
		"DELETE FROM record_objects WHERE record_id = ?1",
		"DELETE FROM archive_aliases WHERE record_id = ?1",
		/* its store-only exceptions and restriction go with it (schema 6) */
		"DELETE FROM access_requests WHERE record_id = ?1",
		"DELETE FROM restrictions WHERE kind = 'record' AND target_id = ?1",
		"DELETE FROM records WHERE id = ?1",
	};
	int64_t *objs = NULL;
	size_t n = 0, cap = 0;
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT object_id FROM records WHERE id = ?1 UNION"
				    " SELECT object_id FROM record_objects WHERE record_id = ?1",
				    &s);

	/* the objects first, then the rows that point at them, then the objects */
	rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			int64_t *no = realloc(objs, nc * sizeof(*no));
			if (!no) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			objs = no;
			cap = nc;
		}
		objs[n++] = cy_stmt_int(s, 0);
		rc = 0;
	}
	cy_stmt_reset(s);
	for (size_t i = 0; rc >= 0 && i < sizeof(SQL) / sizeof(SQL[0]); i++) {
		rc = cy_catalog_prepare(c, SQL[i], &s);
		rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
		rc = rc ? rc : run(s);
	}
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		rc = cy_catalog_prepare(c, "DELETE FROM objects WHERE id = ?", &s);
		rc = rc ? rc : cy_stmt_bind_int(s, 1, objs[i]);
		rc = rc ? rc : run(s);
	}
	free(objs);
	return rc < 0 ? rc : 0;
}
