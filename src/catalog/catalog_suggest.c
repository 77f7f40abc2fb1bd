/* catalog_suggest.c - the catalog side of "did you mean" hints for archive
 * numbers: the candidates, one fonds at a time (catalog_suggest.h). */
#include "catalog/catalog_suggest.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_suggest_candidates(cy_catalog *c, int64_t fonds_id, cy_catalog_no_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT archive_no FROM records WHERE fonds_id = ? ORDER BY archive_no", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_text(s, 0));
	cy_stmt_reset(s);
	return rc;
}
