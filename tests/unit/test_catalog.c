/* test_catalog.c - the SQLite catalog: schema, version, transactions,
 * constraints translated to our codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog/catalog.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "testutil.h"

static void test_catalog_schema_and_tx(void **state)
{
	char *dir = tu_tmpdir();
	cy_catalog *c;
	cy_stmt *s;

	(void)state;
	assert_int_equal(cy_catalog_open(&c, dir, 0), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_open(&c, dir, 1), 0);
	assert_int_equal(cy_catalog_prepare(c, "PRAGMA user_version", &s), 0);
	assert_int_equal(cy_stmt_step(s), 1);
	assert_int_equal(cy_stmt_int(s, 0), CY_CATALOG_VERSION);
	cy_stmt_reset(s);
	assert_int_equal(cy_catalog_prepare(c, "PRAGMA journal_mode", &s), 0);
	assert_int_equal(cy_stmt_step(s), 1);
	assert_string_equal(cy_stmt_text(s, 0), "wal");
	cy_stmt_reset(s);

	/* a rolled-back transaction leaves nothing */
	assert_int_equal(cy_catalog_begin(c), 0);
	assert_int_equal(cy_catalog_exec(c, "INSERT INTO meta VALUES ('k', x'01')"), 0);
	cy_catalog_rollback(c);
	assert_int_equal(cy_catalog_prepare(c, "SELECT count(*) FROM meta", &s), 0);
	assert_int_equal(cy_stmt_step(s), 1);
	assert_int_equal(cy_stmt_int(s, 0), 0);
	cy_stmt_reset(s);

	/* STRICT tables refuse wrong types; unique constraints map to CY_EEXISTS */
	assert_int_equal(cy_catalog_exec(c, "INSERT INTO packs (name, size) VALUES ('p', 'big')"), CY_EINVALID);
	assert_int_equal(cy_catalog_exec(c, "INSERT INTO packs (name, size) VALUES ('p', 1)"), 0);
	assert_int_equal(cy_catalog_prepare(c, "INSERT INTO packs (name, size) VALUES (?, 2)", &s), 0);
	assert_int_equal(cy_stmt_bind_text(s, 1, "p"), 0);
	assert_int_equal(cy_stmt_step(s), CY_EEXISTS);
	/* foreign keys are on */
	assert_int_equal(cy_catalog_exec(c, "INSERT INTO objects (pack_id, offset, length, size, compressed)"
					    " VALUES (999, 0, 1, 1, 0)"),
			 CY_EINVALID);
	cy_catalog_close(c);

	/* reopening does not re-run the schema */
	assert_int_equal(cy_catalog_open(&c, dir, 0), 0);
	assert_int_equal(cy_catalog_prepare(c, "SELECT count(*) FROM packs", &s), 0);
	assert_int_equal(cy_stmt_step(s), 1);
	assert_int_equal(cy_stmt_int(s, 0), 1);
	cy_stmt_reset(s);
	/* a catalog from a newer custody is refused */
	assert_int_equal(cy_catalog_exec(c, "PRAGMA user_version = 99"), 0);
	cy_catalog_close(c);
	assert_int_equal(cy_catalog_open(&c, dir, 0), CY_EUNSUPPORTED);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_schema_and_tx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
