/* test_catalog_corrupt.c - the catalog-open path and every read path on a
 * hostile catalog (issue 6, item 9; docs/security/hygiene.md).
 *
 * A small vault (users of several roles, a fonds, records with several
 * parts, a subject, a ledger with checkpoints) is built once.  Then, for each
 * of a few hundred cases, a fresh copy of its catalog.db gets one random
 * corruption: bytes flipped in random pages, the file truncated, one cell
 * set through SQLite to NULL, a wrong type, a huge or negative integer, an
 * over-long blob, a row deleted or duplicated, a column or table or index
 * dropped, a trigger or view added.  The vault is then opened and walked:
 * list, show, get, check (archivist), user and fonds lists (secadmin), log
 * verify, log show and log prove (auditor).  Each case runs in a child
 * process: a crash or sanitizer report, a hang, a leak, or an error without a
 * message fails the test and names the case.  The test reports how many
 * cases were run and which errors were met.
 *
 * Seeded and deterministic: CY_CORRUPT_SEED (default 0x6a09e667),
 * CY_CORRUPT_CASES (default 300), CY_CORRUPT_ONLY=N runs case N alone. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "custody/buf.h"
#include "custody/custody.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/subject.h"
#include "testutil.h"

#define PW "corrupt horse battery"
#define NCODES 16 /* error codes CY_ERROR (-1) .. CY_ECANCELLED (-15) and 0 */
#define NOPS 12

static const char *const OPS[NOPS] = {"open(archivist)", "list",	   "show",     "get",
				      "check",		 "open(secadmin)", "users",    "fonds",
				      "open(auditor)",	 "log verify",	   "log show", "log prove"};

typedef struct fixture {
	char *dir;
	cy_buf vault; /* the pristine vault */
	cy_buf work;  /* where each case runs */
	cy_buf db;    /* the pristine catalog.db */
} fixture;

/* ---- a deterministic PRNG (xorshift64*) ---- */

static uint64_t g_rng;

static uint64_t rnd(void)
{
	g_rng ^= g_rng >> 12;
	g_rng ^= g_rng << 25;
	g_rng ^= g_rng >> 27;
	return g_rng * 2685821657736338717ull;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- building the vault ---- */

static void join(cy_buf *out, const char *a, const char *b)
{
	cy_buf_clear(out);
	assert_int_equal(cy_path_join(out, a, b), 0);
}

static cy_vault *open_as(const char *dir, const char *user)
{
	cy_vault *v = NULL;
	int rc = cy_vault_open(&v, dir, user, PW, strlen(PW));

	if (rc)
		print_error("open as %s: %s\n", user, cy_error_message());
	assert_int_equal(rc, 0);
	return v;
}

static void build(const char *dir)
{
	cy_buf rec = CY_BUF_INIT;
	cy_vault *v;
	cy_import *im = NULL;
	cy_import_outcome oc;
	char no[64], sid[64];
	int64_t subject;

	assert_int_equal(cy_vault_init(dir, "sec", PW, strlen(PW), 10, &rec), 0);
	cy_buf_wipe(&rec);
	v = open_as(dir, "sec");
	assert_int_equal(cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "aud", CY_ROLE_AUDITOR, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "vv", CY_ROLE_VIEWER, PW, strlen(PW)), 0);
	cy_vault_close(v);
	v = open_as(dir, "li");
	assert_int_equal(cy_fonds_add(v, "Z109", "福州测试贸易有限公司", "91350100M000100Y43"), 0);
	cy_vault_close(v);
	v = open_as(dir, "sec");
	{
		bool pending;
		assert_int_equal(cy_user_grant(v, "vv", "Z109", &pending), 0);
	}
	cy_vault_close(v);
	v = open_as(dir, "li"); /* completes vv's grant */
	assert_int_equal(cy_import_begin(v, "Z109", &im), 0);
	{
		cy_subject_fields f;
		memset(&f, 0, sizeof(f));
		f.kind = "person";
		f.name = "张三";
		assert_int_equal(cy_import_subject(im, &f, &subject, sid), 0);
	}
	for (int i = 0; i < 10; i++) {
		char title[64], body[256], text[64];
		cy_record_new r;
		cy_record_part parts[2];
		memset(&r, 0, sizeof(r));
		snprintf(title, sizeof(title), "往来记录 %d", i);
		snprintf(body, sizeof(body), "record %d body %d %s", i, i * 7919, "客户资料");
		snprintf(text, sizeof(text), "text of %d", i);
		r.klass = i % 3 ? CY_CLASS_CORRESPONDENCE : CY_CLASS_CUSTOMER;
		r.year = 2018 + i % 2;
		r.title = title;
		r.subjects = i < 3 ? &subject : NULL;
		r.nsubjects = i < 3 ? 1 : 0;
		parts[0] = (cy_record_part){"original", body, strlen(body), "text"};
		parts[1] = (cy_record_part){"text", text, strlen(text), "text"};
		assert_int_equal(cy_record_create(im, &r, parts, i % 2 ? 2 : 1, &oc, no), 0);
		if (i == 4) {
			assert_int_equal(cy_import_commit(im), 0);
		}
	}
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);
	cy_vault_close(v);
	v = open_as(dir, "vv"); /* a viewer's listing: a ledger entry */
	cy_vault_close(v);
}

/* Move the WAL into the database, so catalog.db alone is the catalog. */
static void checkpoint(const char *db)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	cy_buf p = CY_BUF_INIT;

	f->dir = tu_tmpdir();
	join(&f->vault, f->dir, "v");
	join(&f->work, f->dir, "w");
	build(cy_buf_cstr(&f->vault));
	join(&p, cy_buf_cstr(&f->vault), "catalog.db");
	checkpoint(cy_buf_cstr(&p));
	assert_int_equal(tu_read_file(cy_buf_cstr(&p), &f->db), 0);
	/* the case directory: the same objects and marker, a catalog per case */
	{
		char cmd[4096];
		snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", cy_buf_cstr(&f->vault),
			 cy_buf_cstr(&f->work));
		assert_int_equal(system(cmd), 0);
	}
	cy_buf_release(&p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	cy_buf_release(&f->vault);
	cy_buf_release(&f->work);
	cy_buf_release(&f->db);
	free(f);
	return 0;
}

/* ---- corruptions ---- */

static const char *const TABLES[] = {"meta",	       "users",		  "fonds",
				     "grants",	       "packs",		  "objects",
				     "records",	       "ledger",	  "checkpoints",
				     "ledger_state",   "subjects",	  "subject_index",
				     "record_objects", "record_subjects", "archive_aliases",
				     "item_counters",  "login_failures"};
#define NTABLES (sizeof(TABLES) / sizeof(TABLES[0]))

static const char *const VALUES[] = {
	"NULL",
	"'text'",
	"x'00ff'",
	"9223372036854775807",
	"-9223372036854775808",
	"-1",
	"0",
	"4294967296",
	"zeroblob(200000)",
	"randomblob(33)",
	"randomblob(31)",
	"1e308",
	"'" /* a long text */
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'",
	"char(27) || '[2J' || char(8238)",
	"'Z109-KH·2018-D30-0001'",
};
#define NVALUES (sizeof(VALUES) / sizeof(VALUES[0]))

/* The names of a table's columns, into cols (at most 24). */
static int columns(sqlite3 *h, const char *table, char cols[24][64])
{
	char sql[128];
	sqlite3_stmt *st;
	int n = 0;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (n < 24 && sqlite3_step(st) == SQLITE_ROW)
		snprintf(cols[n++], 64, "%s", (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return n;
}

/* One change made through SQLite, described in what. */
static void sql_edit(const char *db, char *what, size_t wn)
{
	sqlite3 *h;
	char cols[24][64], sql[1024];
	const char *t = TABLES[below(NTABLES)];
	int ncol, kind = (int)below(10), rc;

	if (sqlite3_open(db, &h) != SQLITE_OK) {
		snprintf(what, wn, "sqlite cannot open");
		sqlite3_close(h);
		return;
	}
	ncol = columns(h, t, cols);
	if (!ncol)
		kind = 9;
	switch (kind) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4: { /* one cell (of a random row) */
		const char *c = cols[below((uint64_t)ncol)], *val = VALUES[below(NVALUES)];
		snprintf(sql, sizeof(sql),
			 "UPDATE %s SET %s = %s WHERE rowid = (SELECT rowid FROM %s ORDER BY "
			 "rowid LIMIT 1 OFFSET (abs(%lld) %% max(1, (SELECT count(*) FROM %s))))",
			 t, c, val, t, (long long)(rnd() >> 2), t);
		if (!strcmp(t, "subject_index"))
			snprintf(sql, sizeof(sql), "UPDATE subject_index SET %s = %s", c, val);
		break;
	}
	case 5: /* a row deleted */
		snprintf(sql, sizeof(sql),
			 "DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s LIMIT 1 OFFSET %llu)",
			 t, t, (unsigned long long)below(8));
		if (!strcmp(t, "subject_index"))
			snprintf(sql, sizeof(sql), "DELETE FROM subject_index");
		break;
	case 6: /* a row duplicated (where no key forbids it) */
		snprintf(sql, sizeof(sql), "INSERT INTO %s SELECT * FROM %s LIMIT 1", t, t);
		break;
	case 7: /* a column dropped */
		snprintf(sql, sizeof(sql), "ALTER TABLE %s DROP COLUMN %s", t,
			 cols[below((uint64_t)ncol)]);
		break;
	case 8: { /* the schema: a trigger, a view, an index or a table */
		static const char *const S[] = {
			"CREATE TRIGGER t AFTER INSERT ON ledger BEGIN DELETE FROM ledger; END",
			"CREATE VIEW vw AS SELECT * FROM users",
			"CREATE INDEX extra ON records (year)",
			"DROP INDEX record_objects_object",
			"DROP TABLE archive_aliases",
			"DROP TABLE login_failures",
			"ALTER TABLE records RENAME COLUMN title TO t",
			"ALTER TABLE users RENAME TO people",
		};
		snprintf(sql, sizeof(sql), "%s", S[below(sizeof(S) / sizeof(S[0]))]);
		break;
	}
	default:
		snprintf(sql, sizeof(sql), "DROP TABLE %s", t);
		break;
	}
	rc = sqlite3_exec(h, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL);
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	snprintf(what, wn, "%.200s -> %s", sql, rc == SQLITE_OK ? "done" : "refused by SQLite");
	sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(h);
}

/* Write case n's catalog into the work vault; what says what was done. */
static void corrupt(fixture *f, uint64_t n, char *what, size_t wn)
{
	cy_buf db = CY_BUF_INIT, p = CY_BUF_INIT;
	const char *dir = cy_buf_cstr(&f->work);
	int kind = (int)(n % 4), fd;
	size_t len = f->db.len;

	assert_int_equal(cy_buf_put(&db, f->db.ptr, f->db.len), 0);
	if (kind == 0) { /* bytes flipped: in page 1 (the schema) or anywhere */
		int k = 1 + (int)below(8);
		size_t page = 4096, span = below(3) == 0 ? (len < page ? len : page) : len;
		snprintf(what, wn, "%d bytes flipped in the first %zu", k, span);
		for (int i = 0; i < k; i++)
			db.ptr[below(span)] ^= (uint8_t)(1u << below(8));
	} else if (kind == 1) { /* truncated, at a page boundary or anywhere */
		len = below(2) ? (size_t)below(len / 4096 + 1) * 4096 : (size_t)below(len);
		snprintf(what, wn, "truncated to %zu of %zu bytes", len, f->db.len);
	}
	join(&p, dir, "catalog.db-wal");
	unlink(cy_buf_cstr(&p));
	join(&p, dir, "catalog.db-shm");
	unlink(cy_buf_cstr(&p));
	join(&p, dir, "catalog.db");
	fd = open(cy_buf_cstr(&p), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, db.ptr, len), (ssize_t)len);
	close(fd);
	if (kind >= 2)
		sql_edit(cy_buf_cstr(&p), what, wn);
	cy_buf_release(&db);
	cy_buf_release(&p);
}

/* ---- what each case runs ---- */

typedef struct result {
	int8_t rc[NOPS]; /* 0, a CY_E code, or 1: not run */
	char bad[160];	 /* an error without a message, or an unknown code */
} result;

static void note(result *r, int op, int rc)
{
	r->rc[op] = (int8_t)(rc > 0 ? 0 : rc);
	if (rc < 0 && (rc < CY_ECANCELLED || !*cy_error_message()) && !*r->bad)
		snprintf(r->bad, sizeof(r->bad), "%s: code %d with message '%s'", OPS[op], rc,
			 cy_error_message());
}

typedef struct nos {
	char no[3][64];
	int n;
} nos;

static int keep_no(void *arg, const cy_record_info *ri)
{
	nos *k = arg;

	if (k->n < 3)
		snprintf(k->no[k->n++], 64, "%s", ri->archive_no);
	return 0;
}

static int sink(void *arg, const void *data, size_t n)
{
	(void)data;
	*(size_t *)arg += n;
	return 0;
}

static int count_user(void *arg, const cy_user_info *u)
{
	(void)u;
	(*(int *)arg)++;
	return 0;
}

static int count_fonds(void *arg, const cy_fonds_info *fi)
{
	(void)fi;
	(*(int *)arg)++;
	return 0;
}

static int count_item(void *arg, const cy_log_item *it)
{
	(void)it;
	(*(int *)arg)++;
	return 0;
}

static void on_problem(void *arg, const cy_check_problem *p)
{
	(void)p;
	(*(int *)arg)++;
}

static void run_case(const char *dir, result *r)
{
	cy_vault *v = NULL;
	int rc, count = 0;
	nos k = {.n = 0};

	memset(r->rc, 1, sizeof(r->rc));
	rc = cy_vault_open(&v, dir, "li", PW, strlen(PW));
	note(r, 0, rc);
	if (!rc) {
		note(r, 1, cy_record_list(v, NULL, keep_no, &k));
		for (int i = 0; i < k.n; i++) {
			cy_record_info ri;
			size_t got = 0;
			rc = cy_record_show(v, k.no[i], &ri);
			if (!rc)
				cy_record_info_release(&ri);
			note(r, 2, rc);
			note(r, 3, cy_record_get(v, k.no[i], sink, &got));
		}
		if (!k.n) {
			cy_record_info ri;
			rc = cy_record_show(v, "Z109-KH·2018-D30-0001", &ri);
			if (!rc)
				cy_record_info_release(&ri);
			note(r, 2, rc);
		}
		{
			cy_check_stats st;
			note(r, 4,
			     cy_vault_check(v, on_problem, on_problem, &count, NULL, NULL, &st));
		}
		cy_vault_close(v);
		v = NULL;
	}
	rc = cy_vault_open(&v, dir, "sec", PW, strlen(PW));
	note(r, 5, rc);
	if (!rc) {
		note(r, 6, cy_user_list(v, count_user, &count));
		note(r, 7, cy_fonds_list(v, count_fonds, &count));
		cy_vault_close(v);
		v = NULL;
	}
	rc = cy_vault_open(&v, dir, "aud", PW, strlen(PW));
	note(r, 8, rc);
	if (!rc) {
		uint64_t bad, n = 0, ncp;
		cy_buf out = CY_BUF_INIT;
		int verified;
		rc = cy_log_verify(v, &bad, &n, &ncp);
		verified = rc == 0; /* else n is where verification stopped */
		note(r, 9, rc);
		note(r, 10, cy_log_query(v, NULL, count_item, &count));
		if (!n)
			n = 3;
		uint64_t seqs[] = {1, n / 2 + 1, n, n + 1, UINT64_MAX};
		for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			cy_buf_clear(&out);
			rc = cy_log_prove(v, seqs[i], &out);
			/* past the end: "no such entry" is the right answer */
			if (i >= 3 && rc == CY_ENOTFOUND)
				continue;
			if (verified && i >= 3 && rc == 0 && !*r->bad)
				snprintf(r->bad, sizeof(r->bad), "log prove %llu: proved",
					 (unsigned long long)seqs[i]);
			note(r, 11, rc);
		}
		cy_buf_release(&out);
		cy_vault_close(v);
	}
}

/* ---- the driver ---- */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static void test_catalog_corrupt_open_paths(void **state)
{
	fixture *f = *state;
	uint64_t seed = env_u64("CY_CORRUPT_SEED", 0x6a09e667),
		 cases = env_u64("CY_CORRUPT_CASES", 300);
	uint64_t only = env_u64("CY_CORRUPT_ONLY", 0), failed = 0, opened = 0;
	uint64_t seen[NOPS][NCODES];
	char what[512];

	memset(seen, 0, sizeof(seen));
	for (uint64_t n = 1; n <= cases; n++) {
		int pfd[2], status;
		result r;
		pid_t pid;
		ssize_t got;

		g_rng = seed ^ (n * 0x9e3779b97f4a7c15ull);
		if (!g_rng)
			g_rng = 1;
		(void)rnd();
		if (only && n != only)
			continue;
		corrupt(f, n, what, sizeof(what));
		assert_int_equal(pipe(pfd), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pfd[0]);
			alarm(60);
			memset(&r, 0, sizeof(r));
			run_case(cy_buf_cstr(&f->work), &r);
			if (write(pfd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
				_exit(3);
			close(pfd[1]);
			exit(0); /* exit, not _exit: LeakSanitizer looks at the child */
		}
		close(pfd[1]);
		got = read(pfd[0], &r, sizeof(r));
		close(pfd[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) || got != (ssize_t)sizeof(r)) {
			failed++;
			print_error("case %llu (%s): %s %d\n", (unsigned long long)n, what,
				    WIFSIGNALED(status) ? "killed by signal" : "exit status",
				    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			continue;
		}
		if (*r.bad) {
			failed++;
			print_error("case %llu (%s): %s\n", (unsigned long long)n, what, r.bad);
		}
		opened += r.rc[0] == 0;
		for (int op = 0; op < NOPS; op++)
			if (r.rc[op] <= 0 && -r.rc[op] < NCODES)
				seen[op][-r.rc[op]]++;
	}
	fprintf(stderr,
		"# %llu cases (seed %#llx): the archivist opened the vault in %llu; %llu "
		"failed\n",
		(unsigned long long)(only ? 1 : cases), (unsigned long long)seed,
		(unsigned long long)opened, (unsigned long long)failed);
	for (int op = 0; op < NOPS; op++) {
		fprintf(stderr, "#   %-16s", OPS[op]);
		for (int c = 0; c < NCODES; c++)
			if (seen[op][c])
				fprintf(stderr, " %s %llu", c ? cy_error_name(-c) : "ok",
					(unsigned long long)seen[op][c]);
		fputc('\n', stderr);
	}
	assert_int_equal(failed, 0);
}

/* The pristine copy opens and reads everywhere: the cases start from a
 * vault that works. */
static void test_catalog_corrupt_pristine(void **state)
{
	fixture *f = *state;
	cy_buf p = CY_BUF_INIT;
	result r;
	int fd;

	join(&p, cy_buf_cstr(&f->work), "catalog.db");
	fd = open(cy_buf_cstr(&p), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, f->db.ptr, f->db.len), (ssize_t)f->db.len);
	close(fd);
	memset(&r, 0, sizeof(r));
	run_case(cy_buf_cstr(&f->work), &r);
	for (int op = 0; op < NOPS; op++)
		if (r.rc[op] != 0)
			fail_msg("pristine vault: %s returned %d (%s)", OPS[op], r.rc[op], r.bad);
	cy_buf_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_catalog_corrupt_pristine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalog_corrupt_open_paths, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
