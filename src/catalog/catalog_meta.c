/* catalog_meta.c - the vault's settings: a key-value table of the vault id,
 * the public keys, the KDF minimum and the creation time (none of it
 * personal; the values that matter are also vouched for by every user's key
 * slot, so an edited row is refused at open). */
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_meta_put(cy_catalog *c, const char *key, const void *val, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, key);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, val, n);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_meta_get(cy_catalog *c, const char *key, cy_buf *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT value FROM meta WHERE key = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, key);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "catalog has no setting '%s'", key);
	if (rc < 0)
		return rc;
	rc = cy_catalog__blob(s, 0, out);
	cy_stmt_reset(s);
	return rc;
}
