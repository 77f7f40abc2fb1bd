/* test_mutation.c - the catalog-mutation property test of issue 6.
 *
 * A vault with users of every role, several fonds, grants (one revoked),
 * records with subjects and an amended record.  Then a few hundred random
 * single changes to its catalog, each on a fresh copy: one cell changed (to
 * NULL, a number, a flipped byte, another row's value), one row deleted or
 * one row duplicated, in every table.  After each, one of these must hold:
 *
 *   detected: a user cannot open the vault, or `check` reports a problem
 *             (run by an archivist holding every fonds and by the auditor),
 *             or `log verify` fails, or an operation fails with an error;
 *   harmless: every user opens with the same role and fonds keys, every
 *             record reads back byte for byte with the same metadata, the
 *             user list is the same, and a fonds created afterwards is
 *             recoverable with the recovery key.
 *
 * A change that is neither (harmful and undetected) fails the test, named
 * with its table, column and kind.  The seed is CY_MUTATION_SEED (default
 * fixed) and the count CY_MUTATIONS (default 300), so a failure reproduces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "crypto/crypto.h"
#include "custody/check.h"
#include "custody/custody.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/fonds.h"
#include "custody/import.h"
#include "custody/log.h"
#include "custody/subject.h"
#include "custody/user.h"
#include "testutil.h"
#include "vault/vault_internal.h"

#define PW "mutation-pass-1"

static const char *USERS[] = {"sec", "li", "wang", "vv", "aud", "ops"};
static const char *FONDS[] = {"Z101", "Z102", "Z103"};
#define NUSERS (sizeof(USERS) / sizeof(USERS[0]))
#define NFONDS (sizeof(FONDS) / sizeof(FONDS[0]))

static char *g_tmp;
static cy_buf g_base = CY_BUF_INIT;	/* the vault, set up once */
static cy_buf g_snapshot = CY_BUF_INIT; /* what it reads back */
static uint8_t g_recovery[32];

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* splitmix64: deterministic from the seed */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static cy_vault *open_as(const char *dir, const char *user)
{
	cy_vault *v = NULL;
	int rc = cy_vault_open(&v, dir, user, PW, strlen(PW));

	if (rc)
		print_error("open %s as %s: %s\n", dir, user, cy_error_message());
	assert_int_equal(rc, 0);
	return v;
}

static int collect(void *arg, const void *data, size_t n)
{
	return cy_buf_put(arg, data, n);
}

/* ---- building the vault ---- */

static void import_some(const char *dir, const char *fonds, int n, int with_subject)
{
	cy_vault *v = open_as(dir, "li");
	cy_import *im = NULL;
	int64_t sid = 0;
	char sidtxt[CY_SUBJECT_ID_MAX], no[64];

	assert_int_equal(cy_import_begin(v, fonds, &im), 0);
	if (with_subject) {
		const char *phones[] = {"13800138000"};
		cy_subject_fields f = {.kind = "person",
				       .name = "张三",
				       .id_number = "11010519491231002X",
				       .phones = phones,
				       .nphones = 1};
		assert_int_equal(cy_import_subject(im, &f, &sid, sidtxt), 0);
	}
	for (int i = 0; i < n; i++) {
		char title[64], body[128];
		cy_import_outcome oc;
		snprintf(title, sizeof(title), "%s letter %d", fonds, i);
		snprintf(body, sizeof(body), "content of %s record %d, personal: 张三 %d", fonds, i,
			 i * 7);
		cy_record_new r = {.klass = i % 2 ? CY_CLASS_CORRESPONDENCE : CY_CLASS_CONTRACT,
				   .year = 2019 + i % 2,
				   .title = title,
				   .date = "2019-05-01",
				   .subjects = with_subject && i == 0 ? &sid : NULL,
				   .nsubjects = with_subject && i == 0 ? 1 : 0};
		cy_record_part p[2] = {{"original", body, strlen(body), "text"},
				       {"text", "extracted", 9, "text"}};
		assert_int_equal(cy_record_create(im, &r, p, i == 1 ? 2 : 1, &oc, no), 0);
	}
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);
	cy_vault_close(v);
}

static void build_vault(const char *dir)
{
	cy_buf rec = CY_BUF_INIT;
	cy_vault *v;
	bool pending;
	const char *hex;

	assert_int_equal(cy_vault_init(dir, "sec", PW, strlen(PW), 10, &rec), 0);
	hex = strrchr(cy_buf_cstr(&rec), '-');
	assert_non_null(hex);
	assert_int_equal(cy_hex_decode(hex + 1, 64, g_recovery, 32), 0);
	cy_buf_wipe(&rec);
	v = open_as(dir, "sec");
	assert_int_equal(cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "wang", CY_ROLE_ARCHIVIST, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "vv", CY_ROLE_VIEWER, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "aud", CY_ROLE_AUDITOR, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "ops", CY_ROLE_SYSADMIN, PW, strlen(PW)), 0);
	cy_vault_close(v);
	v = open_as(dir, "li");
	for (size_t i = 0; i < NFONDS; i++)
		assert_int_equal(cy_fonds_add(v, FONDS[i], "测试公司", NULL), 0);
	cy_vault_close(v);
	v = open_as(dir, "sec");
	assert_int_equal(cy_user_grant(v, "wang", "Z101", &pending), 0);
	assert_int_equal(cy_user_grant(v, "wang", "Z102", &pending), 0);
	assert_int_equal(cy_user_grant(v, "vv", "Z101", &pending), 0);
	assert_int_equal(cy_user_grant(v, "vv", "Z103", &pending), 0);
	cy_vault_close(v);
	cy_vault_close(open_as(dir, "li")); /* completes the grants */
	v = open_as(dir, "sec");
	assert_int_equal(cy_user_revoke(v, "wang", "Z102"), 0);
	assert_int_equal(cy_user_grant(v, "ops", "Z101", &pending), CY_EPERM);
	cy_vault_close(v);
	import_some(dir, "Z101", 3, 1);
	import_some(dir, "Z102", 1, 0);
	import_some(dir, "Z103", 2, 1);
	v = open_as(dir, "li");
	{
		cy_record_amend a = {.klass = -1, .title = "amended title"};
		char moved[64];
		assert_int_equal(cy_record_amend_apply(v,
						       "Z101-HT\xc2\xb7"
						       "2019-D30-0001",
						       &a, moved),
				 0);
	}
	cy_vault_close(v);
	v = open_as(dir, "sec");
	{
		bool changed;
		assert_int_equal(cy_user_set_disabled(v, "ops", true, &changed), 0);
		assert_int_equal(cy_user_set_disabled(v, "ops", false, &changed), 0);
	}
	cy_vault_close(v);
	for (size_t i = 0; i < NUSERS; i++)
		cy_vault_close(open_as(dir, USERS[i]));
}

/* ---- what the vault reads back ---- */

typedef struct snap {
	cy_vault *v;
	cy_buf *out;
	int rc;
} snap;

static int snap_record(void *arg, const cy_record_info *r)
{
	snap *s = arg;
	cy_buf data = CY_BUF_INIT;
	cy_record_info full;
	uint8_t sha[32];
	char hex[65];
	int rc;

	memset(&full, 0, sizeof(full));
	if ((rc = cy_record_show(s->v, r->archive_no, &full)))
		goto out;
	if ((rc = cy_record_get(s->v, r->archive_no, collect, &data)))
		goto out;
	cy_sha256(data.ptr, data.len, sha);
	cy_hex_encode(sha, 32, hex);
	cy_buf_printf(s->out, "  %s|%s|%d|%s|%s|%s|%s|%s|%s|%s|%s|%u|%u|%s|%s\n", full.archive_no,
		      full.class_name, full.year, full.retention, full.status, full.created,
		      full.created_by, full.date, full.title ? full.title : "",
		      full.source ? full.source : "", full.meta_json ? full.meta_json : "",
		      full.nobjects, full.nsubjects, full.sha256, hex);
out:
	cy_record_info_release(&full);
	cy_buf_release(&data);
	return rc;
}

static int snap_user(void *arg, const cy_user_info *u)
{
	snap *s = arg;

	cy_buf_printf(s->out, "  user %s %s %d", u->name, cy_role_name(u->role), (int)u->disabled);
	for (size_t i = 0; i < u->ngrants; i++)
		cy_buf_printf(s->out, " %s%s", u->grants[i].fonds, u->grants[i].pending ? "*" : "");
	cy_buf_printf(s->out, "\n");
	return 0;
}

/* 0 and the snapshot, or the error of the first operation that failed. */
static int snapshot(const char *dir, cy_buf *out)
{
	int rc = 0;

	cy_buf_clear(out);
	for (size_t i = 0; i < NUSERS && !rc; i++) {
		cy_vault *v = NULL;
		snap s = {NULL, out, 0};

		if ((rc = cy_vault_open(&v, dir, USERS[i], PW, strlen(PW))))
			break;
		s.v = v;
		cy_buf_printf(out, "%s %s", USERS[i], cy_role_name(cy_vault_role(v)));
		for (size_t k = 0; k < NFONDS; k++)
			cy_buf_printf(out, " %s:%d", FONDS[k], cy_vault__holds(v, FONDS[k]));
		cy_buf_printf(out, "\n");
		for (size_t k = 0; k < NFONDS && !rc; k++)
			if (cy_vault__holds(v, FONDS[k]))
				rc = cy_record_list(v, FONDS[k], snap_record, &s);
		if (!rc && cy_vault_role(v) == CY_ROLE_SECADMIN)
			rc = cy_user_list(v, snap_user, &s);
		cy_vault_close(v);
	}
	return rc;
}

/* A new fonds opens with the recovery key. */
static int recoverable(const char *dir)
{
	cy_vault *v = NULL;
	cy_catalog_fonds f;
	cy_buf ctx = CY_BUF_INIT;
	uint8_t key[32];
	cy_fonds_key *k;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = cy_vault_open(&v, dir, "li", PW, strlen(PW))))
		return rc;
	rc = cy_fonds_add(v, "Z199", "recovery probe", NULL);
	rc = rc ? rc : cy_catalog_fonds_get(v->cat, "Z199", &f);
	rc = rc ? rc : cy_vault__ctx_fonds(v->vault_id, "Z199", &ctx);
	rc = rc ? rc
		: cy_seal_open(g_recovery, cy_buf_cstr(&ctx), f.recovery_slot.ptr,
			       f.recovery_slot.len, key, 32);
	if (!rc) {
		k = cy_vault__fonds_key(v, "Z199");
		rc = k && cy_memeq(k->key, key, 32) ? 0 : CY_ECORRUPT;
	}
	cy_wipe(key, 32);
	cy_catalog_fonds_release(&f);
	cy_buf_release(&ctx);
	cy_vault_close(v);
	return rc;
}

/* ---- detection ---- */

static void count_problem(void *arg, const cy_check_problem *p)
{
	(void)p;
	(*(int *)arg)++;
}

/* Whether check (as li and as the auditor) or log verify (as the auditor)
 * names a problem, or opening fails. */
static int detected(const char *dir, char *why, size_t whylen)
{
	static const char *checkers[] = {"li", "aud"};
	int problems = 0;

	for (size_t i = 0; i < 2; i++) {
		cy_vault *v = NULL;
		cy_check_stats st;
		int rc = cy_vault_open(&v, dir, checkers[i], PW, strlen(PW));

		if (rc) {
			snprintf(why, whylen, "open as %s: %s", checkers[i], cy_error_message());
			return 1;
		}
		rc = cy_vault_check(v, count_problem, NULL, &problems, NULL, NULL, &st);
		if (rc || problems) {
			snprintf(why, whylen, "check as %s: %d problems (%s)", checkers[i],
				 problems, rc ? cy_error_message() : "");
			cy_vault_close(v);
			return 1;
		}
		if (i == 1) {
			uint64_t bad = 0, entries = 0, cps = 0;
			rc = cy_log_verify(v, &bad, &entries, &cps);
			if (rc) {
				snprintf(why, whylen, "log verify: %s", cy_error_message());
				cy_vault_close(v);
				return 1;
			}
		}
		cy_vault_close(v);
	}
	return 0;
}

/* ---- mutations ---- */

typedef struct table {
	char name[64];
	int ncols;
	char cols[24][64];
	int intpk; /* index of an INTEGER PRIMARY KEY column, or -1 */
} table;

static int load_tables(sqlite3 *db, table *t, int max)
{
	sqlite3_stmt *st;
	int n = 0;

	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
				   "name NOT LIKE 'sqlite_%' ORDER BY name",
				   -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < max)
		snprintf(t[n++].name, sizeof(t[0].name), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	/* only tables with rows: an empty one has nothing to mutate (and the
	 * schema grows with tables a scenario leaves empty) */
	for (int i = 0; i < n;) {
		char sql[256];
		int rows = 0;
		sqlite3_stmt *c;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%.200s\"", t[i].name);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &c, NULL), SQLITE_OK);
		if (sqlite3_step(c) == SQLITE_ROW)
			rows = sqlite3_column_int(c, 0);
		sqlite3_finalize(c);
		if (rows)
			i++;
		else
			t[i] = t[--n];
	}
	for (int i = 0; i < n; i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%.200s\")", t[i].name);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		t[i].ncols = 0;
		t[i].intpk = -1;
		while (sqlite3_step(st) == SQLITE_ROW && t[i].ncols < 24) {
			const char *type = (const char *)sqlite3_column_text(st, 2);
			if (sqlite3_column_int(st, 5) == 1 && type && !strcmp(type, "INTEGER"))
				t[i].intpk = t[i].ncols;
			snprintf(t[i].cols[t[i].ncols++], sizeof(t[0].cols[0]), "%s",
				 sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	return n;
}

/* WHERE clause that matches row `vals` of t exactly (every column IS ?). */
static void where_all(cy_buf *sql, const table *t)
{
	cy_buf_printf(sql, " WHERE ");
	for (int c = 0; c < t->ncols; c++)
		cy_buf_printf(sql, "%s\"%s\" IS ?", c ? " AND " : "", t->cols[c]);
}

static void bind_row(sqlite3_stmt *st, int first, sqlite3_value **vals, int n)
{
	for (int c = 0; c < n; c++)
		sqlite3_bind_value(st, first + c, vals[c]);
}

/* Apply one random mutation; describes it into desc.  1 applied, 0 not applicable. */
static int mutate(const char *dbpath, char *desc, size_t desclen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *up = NULL;
	table tabs[96];
	int ntab, rows = 0, pick, kind, col, applied = 0;
	sqlite3_value *vals[24] = {0}, *other = NULL;
	cy_buf sql = CY_BUF_INIT;
	const table *t;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	ntab = load_tables(db, tabs, 96);
	t = &tabs[rnd() % (uint64_t)ntab];
	cy_buf_printf(&sql, "SELECT count(*) FROM \"%s\"", t->name);
	assert_int_equal(sqlite3_prepare_v2(db, cy_buf_cstr(&sql), -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rows == 0) {
		snprintf(desc, desclen, "%s: empty", t->name);
		goto out;
	}
	pick = (int)(rnd() % (uint64_t)rows);
	cy_buf_clear(&sql);
	cy_buf_printf(&sql, "SELECT * FROM \"%s\" LIMIT 1 OFFSET %d", t->name, pick);
	assert_int_equal(sqlite3_prepare_v2(db, cy_buf_cstr(&sql), -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	for (int c = 0; c < t->ncols; c++)
		vals[c] = sqlite3_value_dup(sqlite3_column_value(st, c));
	sqlite3_finalize(st);
	kind = (int)(rnd() % 8);
	col = (int)(rnd() % (uint64_t)t->ncols);
	cy_buf_clear(&sql);
	if (kind == 6) {
		cy_buf_printf(&sql, "DELETE FROM \"%s\"", t->name);
		where_all(&sql, t);
		snprintf(desc, desclen, "%s row %d: deleted", t->name, pick);
	} else if (kind == 7) {
		/* a duplicate (with a new id where the key is an integer id) */
		cy_buf_printf(&sql, "INSERT INTO \"%s\" (", t->name);
		for (int c = 0, k = 0; c < t->ncols; c++)
			if (c != t->intpk)
				cy_buf_printf(&sql, "%s\"%s\"", k++ ? "," : "", t->cols[c]);
		cy_buf_printf(&sql, ") SELECT ");
		for (int c = 0, k = 0; c < t->ncols; c++)
			if (c != t->intpk)
				cy_buf_printf(&sql, "%s\"%s\"", k++ ? "," : "", t->cols[c]);
		cy_buf_printf(&sql, " FROM \"%s\"", t->name);
		where_all(&sql, t);
		snprintf(desc, desclen, "%s row %d: duplicated", t->name, pick);
	} else {
		cy_buf_printf(&sql, "UPDATE \"%s\" SET \"%s\" = ?", t->name, t->cols[col]);
		where_all(&sql, t);
		snprintf(desc, desclen, "%s row %d column %s: ", t->name, pick, t->cols[col]);
	}
	assert_int_equal(sqlite3_prepare_v2(db, cy_buf_cstr(&sql), -1, &up, NULL), SQLITE_OK);
	if (kind >= 6) {
		bind_row(up, 1, vals, t->ncols);
	} else {
		sqlite3_value *v = vals[col];
		size_t len = strlen(desc);
		bind_row(up, 2, vals, t->ncols);
		switch (kind) {
		case 0:
			sqlite3_bind_null(up, 1);
			snprintf(desc + len, desclen - len, "NULL");
			break;
		case 1: {
			static const int64_t nums[] = {0, 1, -1, 2, INT64_MAX, 1000000007};
			int64_t x = nums[rnd() % 6];
			sqlite3_bind_int64(up, 1, x);
			snprintf(desc + len, desclen - len, "%lld", (long long)x);
			break;
		}
		case 2:
		case 3: {
			/* one byte changed in place (blob or text), or a number off by one */
			int type = sqlite3_value_type(v);
			if (type == SQLITE_BLOB || type == SQLITE_TEXT) {
				int n = sqlite3_value_bytes(v);
				const unsigned char *p = type == SQLITE_BLOB
								 ? sqlite3_value_blob(v)
								 : sqlite3_value_text(v);
				if (n == 0) {
					sqlite3_bind_blob(up, 1, "x", 1, SQLITE_TRANSIENT);
					snprintf(desc + len, desclen - len, "empty -> 'x'");
					break;
				}
				unsigned char *q = malloc((size_t)n);
				memcpy(q, p, (size_t)n);
				int at = (int)(rnd() % (uint64_t)n);
				if (type == SQLITE_TEXT) {
					/* a printable ASCII letter that differs */
					q[at] = (unsigned char)(q[at] == 'A' ? 'B' : 'A');
					sqlite3_bind_text(up, 1, (const char *)q, n,
							  SQLITE_TRANSIENT);
				} else {
					q[at] ^= (unsigned char)(1u << (rnd() % 8));
					sqlite3_bind_blob(up, 1, q, n, SQLITE_TRANSIENT);
				}
				free(q);
				snprintf(desc + len, desclen - len, "byte %d changed", at);
			} else if (type == SQLITE_INTEGER) {
				int64_t x = sqlite3_value_int64(v) + (rnd() % 2 ? 1 : -1);
				sqlite3_bind_int64(up, 1, x);
				snprintf(desc + len, desclen - len, "%lld", (long long)x);
			} else {
				sqlite3_bind_int64(up, 1, 1);
				snprintf(desc + len, desclen - len, "NULL -> 1");
			}
			break;
		}
		default: {
			/* another row's value of the same column */
			cy_buf q = CY_BUF_INIT;
			cy_buf_printf(&q, "SELECT \"%s\" FROM \"%s\" ORDER BY random() LIMIT 1",
				      t->cols[col], t->name);
			assert_int_equal(sqlite3_prepare_v2(db, cy_buf_cstr(&q), -1, &st, NULL),
					 SQLITE_OK);
			if (sqlite3_step(st) == SQLITE_ROW)
				other = sqlite3_value_dup(sqlite3_column_value(st, 0));
			sqlite3_finalize(st);
			cy_buf_release(&q);
			if (other)
				sqlite3_bind_value(up, 1, other);
			else
				sqlite3_bind_null(up, 1);
			snprintf(desc + len, desclen - len, "another row's value");
			break;
		}
		}
	}
	if (sqlite3_step(up) == SQLITE_DONE && sqlite3_changes(db) > 0)
		applied = 1;
	else if (strlen(desc) + 20 < desclen)
		strcat(desc, " (not applicable)");
	sqlite3_finalize(up);
out:
	for (int c = 0; c < 24; c++)
		sqlite3_value_free(vals[c]);
	sqlite3_value_free(other);
	cy_buf_release(&sql);
	sqlite3_close(db);
	return applied;
}

static int setup(void **state)
{
	(void)state;
	g_tmp = tu_tmpdir();
	cy_path_join(&g_base, g_tmp, "base");
	build_vault(cy_buf_cstr(&g_base));
	assert_int_equal(snapshot(cy_buf_cstr(&g_base), &g_snapshot), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(g_tmp);
	free(g_tmp);
	cy_buf_release(&g_base);
	cy_buf_release(&g_snapshot);
	return 0;
}

/* The set-up itself is consistent: check and log verify are clean, the
 * snapshot is stable, and the recovery key opens a new fonds. */
static void test_mutation_baseline(void **state)
{
	cy_buf copy = CY_BUF_INIT, again = CY_BUF_INIT;
	char why[512] = "";

	(void)state;
	cy_path_join(&copy, g_tmp, "copy");
	sh("rm -rf '%s' && cp -a '%s' '%s'", cy_buf_cstr(&copy), cy_buf_cstr(&g_base),
	   cy_buf_cstr(&copy));
	if (detected(cy_buf_cstr(&copy), why, sizeof(why)))
		print_error("baseline: %s\n", why);
	assert_false(detected(cy_buf_cstr(&copy), why, sizeof(why)));
	assert_int_equal(snapshot(cy_buf_cstr(&copy), &again), 0);
	assert_string_equal(cy_buf_cstr(&again), cy_buf_cstr(&g_snapshot));
	assert_int_equal(recoverable(cy_buf_cstr(&copy)), 0);
	cy_buf_release(&copy);
	cy_buf_release(&again);
}

static void test_mutation_property(void **state)
{
	const char *e = getenv("CY_MUTATION_SEED"), *m = getenv("CY_MUTATIONS");
	int count = m ? atoi(m) : 300;
	int tried = 0, skipped = 0, found = 0, harmless = 0, bad = 0;
	cy_buf copy = CY_BUF_INIT, db = CY_BUF_INIT, now = CY_BUF_INIT;

	(void)state;
	rng_state = e ? strtoull(e, NULL, 0) : 20261130;
	cy_path_join(&copy, g_tmp, "m");
	cy_path_join(&db, cy_buf_cstr(&copy), "catalog.db");
	for (int i = 0; i < count; i++) {
		char desc[512], why[512] = "";
		sh("rm -rf '%s' && cp -a '%s' '%s'", cy_buf_cstr(&copy), cy_buf_cstr(&g_base),
		   cy_buf_cstr(&copy));
		if (!mutate(cy_buf_cstr(&db), desc, sizeof(desc))) {
			skipped++;
			continue;
		}
		tried++;
		if (detected(cy_buf_cstr(&copy), why, sizeof(why))) {
			found++;
			continue;
		}
		int rc = snapshot(cy_buf_cstr(&copy), &now);
		if (rc) {
			found++; /* an operation fails with an error: seen, not silent */
			continue;
		}
		if (!strcmp(cy_buf_cstr(&now), cy_buf_cstr(&g_snapshot)) &&
		    recoverable(cy_buf_cstr(&copy)) == 0) {
			harmless++;
			continue;
		}
		bad++;
		print_message("# HARMFUL AND UNDETECTED: %s\n", desc);
	}
	print_message("# mutations: %d tried (%d not applicable), %d detected, %d harmless, "
		      "%d harmful and undetected\n",
		      tried, skipped, found, harmless, bad);
	cy_buf_release(&copy);
	cy_buf_release(&db);
	cy_buf_release(&now);
	assert_true(tried >= count / 3);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutation_baseline),
		cmocka_unit_test(test_mutation_property),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
