/* catalog_textindex.c - the catalog side of the full-text index's rebuild
 * and check (catalog_textindex.h). */
#include "catalog/catalog_textindex.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_record_ids(cy_catalog *c, int64_t fonds_id, int64_t after, size_t limit,
			  cy_catalog_id_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT id FROM records WHERE fonds_id = ?1 AND id > ?2"
				    " ORDER BY id LIMIT ?3",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, after);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, (int64_t)limit);
	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_int(s, 0));
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_record_part(cy_catalog *c, int64_t record_id, int seq, cy_cat_part_fn fn, void *arg)
{
	cy_stmt *s;
	int rc;

	if (seq == 0)
		rc = cy_catalog_prepare(
			c,
			"SELECT p.name, 'original', o.offset, o.length, o.size, o.dkey,"
			" coalesce(o.owner_subject_id, 0)"
			" FROM records r JOIN objects o ON o.id = r.object_id"
			" JOIN packs p ON p.id = o.pack_id WHERE r.id = ?1",
			&s);
	else
		rc = cy_catalog_prepare(
			c,
			"SELECT p.name, ro.role, o.offset, o.length, o.size, o.dkey,"
			" coalesce(o.owner_subject_id, 0)"
			" FROM record_objects ro JOIN objects o ON o.id = ro.object_id"
			" JOIN packs p ON p.id = o.pack_id WHERE ro.record_id = ?1 AND ro.seq = ?2",
			&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, record_id);
	if (!rc && seq)
		rc = cy_stmt_bind_int(s, 2, seq);
	if (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_cat_part p = {.pack = cy_stmt_text(s, 0),
				 .role = cy_stmt_text(s, 1),
				 .offset = (uint64_t)cy_stmt_int(s, 2),
				 .length = (uint64_t)cy_stmt_int(s, 3),
				 .size = (uint64_t)cy_stmt_int(s, 4),
				 .owner_subject_id = cy_stmt_int(s, 6)};
		p.dkey = cy_stmt_blob(s, 5, &p.dkey_len);
		if (!p.dkey)
			p.dkey_len = 0;
		rc = fn(arg, &p);
	} else if (rc == 0) {
		rc = CY_ENOTFOUND;
	}
	cy_stmt_reset(s);
	return rc;
}
