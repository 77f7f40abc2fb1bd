/* test_catalog.c - the SQLite catalog: schema, version, transactions,
 * constraints translated to our codes, the statement cache.  (The named
 * functions are tested by test_catalog_conformance.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
	assert_int_equal(cy_catalog_exec(c, "INSERT INTO packs (name, size) VALUES ('p', 'big')"),
			 CY_EINVALID);
	assert_int_equal(cy_catalog_exec(c, "INSERT INTO packs (name, size) VALUES ('p', 1)"), 0);
	assert_int_equal(cy_catalog_prepare(c, "INSERT INTO packs (name, size) VALUES (?, 2)", &s),
			 0);
	assert_int_equal(cy_stmt_bind_text(s, 1, "p"), 0);
	assert_int_equal(cy_stmt_step(s), CY_EEXISTS);
	/* foreign keys are on */
	assert_int_equal(
		cy_catalog_exec(c, "INSERT INTO objects (pack_id, offset, length, size, compressed)"
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

/* Statement i of the cache test: a distinct text in a reused buffer, so a
 * cache keyed by the buffer's address would hand back the wrong statement. */
static void use_stmt(cy_catalog *c, char *sql, size_t cap, int i, int round)
{
	cy_stmt *s;

	snprintf(sql, cap, "SELECT %d + ?", i);
	assert_int_equal(cy_catalog_prepare(c, sql, &s), 0);
	assert_int_equal(cy_stmt_bind_int(s, 1, round), 0);
	assert_int_equal(cy_stmt_step(s), 1);
	assert_int_equal(cy_stmt_int(s, 0), i + round);
	assert_int_equal(cy_stmt_step(s), 0);
	cy_stmt_reset(s);
}

static void test_catalog_stmt_cache(void **state)
{
	char *dir = tu_tmpdir();
	char sql[64];
	cy_catalog *c;
	cy_stmt *mid;

	(void)state;
	assert_int_equal(cy_catalog_open(&c, dir, 1), 0);
	/* 500 distinct statements, used again and again: the 65th no longer fails
	 * and the cache stays bounded */
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 500; i++)
			use_stmt(c, sql, sizeof(sql), i, round);
		assert_true(cy_catalog__cached(c) <= CY_CATALOG_STMT_CACHE);
		assert_true(cy_catalog__cached(c) > 0);
	}
	/* a statement mid-step is never evicted: step one row, run 500 others
	 * (each evicting), then finish it (ASan would catch a freed statement) */
	assert_int_equal(cy_catalog_exec(c, "CREATE TEMP TABLE t (x INTEGER);"
					    "INSERT INTO t VALUES (1), (2), (3)"),
			 0);
	assert_int_equal(cy_catalog_prepare(c, "SELECT x FROM t ORDER BY x", &mid), 0);
	assert_int_equal(cy_stmt_step(mid), 1);
	assert_int_equal(cy_stmt_int(mid, 0), 1);
	for (int i = 1000; i < 1500; i++)
		use_stmt(c, sql, sizeof(sql), i, 7);
	assert_true(cy_catalog__cached(c) <= CY_CATALOG_STMT_CACHE + 1);
	assert_int_equal(cy_stmt_step(mid), 1);
	assert_int_equal(cy_stmt_int(mid, 0), 2);
	assert_int_equal(cy_stmt_step(mid), 1);
	assert_int_equal(cy_stmt_int(mid, 0), 3);
	assert_int_equal(cy_stmt_step(mid), 0);
	/* once done it may go: the next distinct statements evict it */
	for (int i = 2000; i < 2000 + CY_CATALOG_STMT_CACHE; i++)
		use_stmt(c, sql, sizeof(sql), i, 0);
	assert_true(cy_catalog__cached(c) <= CY_CATALOG_STMT_CACHE);
	/* and preparing it again gives a working statement */
	assert_int_equal(cy_catalog_prepare(c, "SELECT x FROM t ORDER BY x", &mid), 0);
	assert_int_equal(cy_stmt_step(mid), 1);
	assert_int_equal(cy_stmt_int(mid, 0), 1);
	cy_stmt_reset(mid);
	cy_catalog_close(c);
	tu_rmrf(dir);
	free(dir);
}

/* The foundation's catalog (schema 1, tests/fixtures/vault-v1) migrates to
 * schema 2: counters continue after the existing items, rows stay readable
 * through the named functions. */
static void test_catalog_migrate_v1(void **state)
{
	char *dir = tu_tmpdir();
	cy_buf db = CY_BUF_INIT, path = CY_BUF_INIT;
	cy_catalog_fonds f;
	cy_catalog_user u;
	cy_catalog *c;
	cy_stmt *s;
	int64_t next, item;
	cy_catalog_grant g;
	FILE *out;

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(&u, 0, sizeof(u));
	memset(&g, 0, sizeof(g));
	assert_int_equal(tu_read_file(CY_SRCDIR "/tests/fixtures/vault-v1/vault/catalog.db", &db),
			 0);
	cy_buf_printf(&path, "%s/catalog.db", dir);
	assert_non_null(out = fopen(cy_buf_cstr(&path), "wb"));
	assert_int_equal(fwrite(db.ptr, 1, db.len, out), db.len);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(cy_catalog_open(&c, dir, 0), 0);
	assert_int_equal(cy_catalog_prepare(c, "PRAGMA user_version", &s), 0);
	assert_int_equal(cy_stmt_step(s), 1);
	assert_int_equal(cy_stmt_int(s, 0), CY_CATALOG_VERSION);
	cy_stmt_reset(s);
	assert_int_equal(cy_catalog_fonds_get(c, "Z109", &f), 0);
	assert_int_equal(cy_catalog_item_peek(c, f.id, "correspondence/2019/D10/", &next), 0);
	assert_int_equal(next, 4);
	assert_int_equal(cy_catalog_begin(c), 0);
	assert_int_equal(cy_catalog_item_next(c, f.id, "correspondence/2019/D10/", &item), 0);
	assert_int_equal(item, 4);
	cy_catalog_rollback(c);
	assert_int_equal(cy_catalog_user_get(c, "li", &u), 0);
	assert_string_equal(u.role, "archivist");
	assert_int_equal(u.pub.len, 32);
	/* vv's grant was completed when li opened the vault to import */
	assert_int_equal(cy_catalog_user_get(c, "vv", &u), 0);
	assert_int_equal(cy_catalog_grant_get(c, u.id, f.id, &g), 0);
	assert_true(g.active);
	assert_true(g.slot.len > 32);
	cy_catalog_grant_release(&g);
	cy_catalog_close(c);
	cy_catalog_user_release(&u);
	cy_catalog_fonds_release(&f);
	cy_buf_release(&db);
	cy_buf_release(&path);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_schema_and_tx),
		cmocka_unit_test(test_catalog_stmt_cache),
		cmocka_unit_test(test_catalog_migrate_v1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
