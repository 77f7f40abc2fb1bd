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
