/* catalog_check.c - what `custody check` reads from the catalog: packs,
 * numbering groups and records with their objects, a page at a time.
 * (These read records, objects and packs; they move next to those tables'
 * other functions when the record functions settle.) */
#include <string.h>

#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_check_packs(cy_catalog *c, cy_catalog_pack_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT name, size FROM packs ORDER BY name", &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_text(s, 0), (uint64_t)cy_stmt_int(s, 1));
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_check_item_groups(cy_catalog *c, cy_catalog_item_group_fn fn, void *arg)
{
	cy_catalog_item_group g;
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		/* a destroyed record keeps its number: its tombstone counts */
		"SELECT f.code, r.class, r.year, r.retention, r.org, count(*), max(r.item),"
		" min(r.item), min(r.archive_no) FROM"
		" (SELECT fonds_id, class, year, retention, org, item, archive_no FROM records"
		"  UNION ALL SELECT b.fonds_id, i.class, i.year, i.retention, i.org, i.item,"
		"  i.archive_no FROM destruction_items i JOIN destruction_batches b"
		"  ON b.id = i.batch_id WHERE b.status <> 'proposed') r"
		" JOIN fonds f ON f.id = r.fonds_id"
		" GROUP BY r.fonds_id, r.class, r.year, r.retention, r.org",
		&s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		memset(&g, 0, sizeof(g));
		cy_catalog__text(s, 0, g.fonds_code, sizeof(g.fonds_code));
		cy_catalog__text(s, 1, g.klass, sizeof(g.klass));
		g.year = cy_stmt_int(s, 2);
		cy_catalog__text(s, 3, g.retention, sizeof(g.retention));
		cy_catalog__text(s, 4, g.org, sizeof(g.org));
		g.count = cy_stmt_int(s, 5);
		g.max_item = cy_stmt_int(s, 6);
		g.min_item = cy_stmt_int(s, 7);
		cy_catalog__text(s, 8, g.first_no, sizeof(g.first_no));
		rc = fn(arg, &g);
	}
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_check_record_totals(cy_catalog *c, uint64_t *count, uint64_t *bytes)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT count(*), coalesce(sum(size), 0) FROM records", &s);

	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_EDB, "catalog: no record count");
	if (rc < 0)
		return rc;
	*count = (uint64_t)cy_stmt_int(s, 0);
	*bytes = (uint64_t)cy_stmt_int(s, 1);
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_check_records(cy_catalog *c, int64_t after_id, int limit,
			     cy_catalog_check_record_fn fn, void *arg)
{
	cy_catalog_check_record r;
	cy_stmt *s;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = cy_catalog_prepare(
		c,
		"SELECT r.archive_no, f.code, r.class, r.retention, r.org, p.name, r.fonds_id,"
		" r.year, r.item, o.offset, o.length, r.size, r.meta, f.key_id, r.id, o.dkey,"
		" coalesce(o.owner_subject_id, 0) FROM records r"
		" JOIN fonds f ON f.id = r.fonds_id LEFT JOIN objects o ON o.id = r.object_id"
		" LEFT JOIN packs p ON p.id = o.pack_id WHERE r.id > ? ORDER BY r.id LIMIT ?",
		&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, after_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, limit);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog__text(s, 0, r.archive_no, sizeof(r.archive_no));
		cy_catalog__text(s, 1, r.fonds_code, sizeof(r.fonds_code));
		cy_catalog__text(s, 2, r.klass, sizeof(r.klass));
		cy_catalog__text(s, 3, r.retention, sizeof(r.retention));
		cy_catalog__text(s, 4, r.org, sizeof(r.org));
		cy_catalog__text(s, 5, r.pack, sizeof(r.pack));
		r.fonds_id = cy_stmt_int(s, 6);
		r.year = cy_stmt_int(s, 7);
		r.item = cy_stmt_int(s, 8);
		r.offset = (uint64_t)cy_stmt_int(s, 9);
		r.length = (uint64_t)cy_stmt_int(s, 10);
		r.size = (uint64_t)cy_stmt_int(s, 11);
		rc = cy_catalog__blob(s, 12, &r.meta);
		rc = rc ? rc : cy_catalog__blob(s, 13, &r.key_id);
		r.id = cy_stmt_int(s, 14);
		rc = rc ? rc : cy_catalog__blob(s, 15, &r.dkey);
		r.owner_subject_id = cy_stmt_int(s, 16);
		rc = rc ? rc : fn(arg, &r);
	}
	cy_stmt_reset(s);
	cy_buf_release(&r.meta);
	cy_buf_release(&r.key_id);
	cy_buf_release(&r.dkey);
	return rc;
}
