/* test_sindex.c - src/search/: the encrypted full-text index through its
 * public API (include/custody/sindex.h).  Round trip in Chinese, English and
 * mixed text; short terms; FTS5 syntax in user text; replace and delete;
 * planted values absent from the file and its rollback journal while a
 * plain SQLite FTS5 copy shows them; a wrong key; a flipped byte; a page
 * moved; a writer killed with SIGKILL mid-transaction; WAL refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/sindex.h"
#include "search/encpage.h"
#include "search/encvfs.h"
#include "search/sindex_internal.h"
#include "testutil.h"

#include "custody/banned.h"

static const uint8_t KEY[32] = {1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15, 16,
				17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* the values a scan of the disk must never find */
static const char *const PLANTED[] = {"PlantedSecretValue", "欧阳娜娜", "13912345678",
				      "上海市浦东新区陆家嘴环路"};

typedef struct doc {
	int64_t id;
	const char *title, *body;
} doc;

static const doc DOCS[] = {
	{1, "客户资料 张伟明",
	 "张伟明 身份证 110101199003071234 北京市朝阳区建国路88号 电话 13812345678"},
	{2, "客户资料 王芳", "王芳 广州市天河区体育西路 fang.wang@example.com"},
	{3, "Customer profile John Smith",
	 "John Smith, 12 Baker Street, London; phone +44 20 7946 0958"},
	{4, "合同 Contract 2019-07", "甲方 北京市朝阳区某某公司 Party A: Acme Trading Ltd."},
	{5, "Letter", "PlantedSecretValue 欧阳娜娜 13912345678 上海市浦东新区陆家嘴环路"},
	{6, "对账单 2020", "张伟 转账 5000 元 交易日期 2020-03-01"},
	{7, NULL, "only a body with \"quotes\" and OR NEAR( title: stars*"},
};
#define NDOCS (sizeof DOCS / sizeof DOCS[0])

typedef struct hits {
	int n;
	int64_t id[64];
	double rank[64];
} hits;

static int collect(void *arg, int64_t d, double rank)
{
	hits *h = arg;
	if (h->n < 64) {
		h->id[h->n] = d;
		h->rank[h->n] = rank;
	}
	h->n++;
	return 0;
}

static int has(const hits *h, int64_t d)
{
	for (int i = 0; i < h->n && i < 64; i++)
		if (h->id[i] == d)
			return 1;
	return 0;
}

static hits q(cy_sindex *idx, const char *text)
{
	hits h = {0};
	int rc = cy_sindex_query(idx, text, 0, 0, collect, &h);
	if (rc != 0)
		fail_msg("query '%s': %d %s", text, rc, cy_error_message());
	return h;
}

static char *path_in(const char *dir, const char *name)
{
	cy_buf b = CY_BUF_INIT;
	assert_int_equal(cy_buf_printf(&b, "%s/%s", dir, name), 0);
	return cy_buf_detach(&b);
}

static void load(cy_sindex *idx)
{
	assert_int_equal(cy_sindex_begin(idx), 0);
	for (size_t i = 0; i < NDOCS; i++)
		assert_int_equal(cy_sindex_add(idx, DOCS[i].id, DOCS[i].title, DOCS[i].body), 0);
	assert_int_equal(cy_sindex_commit(idx), 0);
}

/* 1 when any planted value occurs in the file's bytes (0 if no file) */
static int file_has_planted(const char *path)
{
	cy_buf b = CY_BUF_INIT;
	int found = 0;

	if (access(path, F_OK) != 0)
		return 0;
	assert_int_equal(tu_read_file(path, &b), 0);
	for (size_t i = 0; i < sizeof PLANTED / sizeof PLANTED[0]; i++)
		if (b.len && memmem(b.ptr, b.len, PLANTED[i], strlen(PLANTED[i])))
			found = 1;
	cy_buf_release(&b);
	return found;
}

static void test_sindex_roundtrip(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	cy_sindex *idx = NULL;
	int64_t n = 0;
	hits h;

	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), CY_ENOTFOUND);
	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	load(idx);
	cy_sindex_close(idx);
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	assert_int_equal(cy_sindex_count(idx, &n), 0);
	assert_int_equal(n, (int64_t)NDOCS);

	/* Chinese: a 3-character name, a place, an address */
	h = q(idx, "张伟明");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1));
	h = q(idx, "北京市朝阳区");
	assert_int_equal(h.n, 2);
	assert_true(has(&h, 1) && has(&h, 4));
	h = q(idx, "天河区体育西路");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 2));
	/* English, case folded, in title or body */
	h = q(idx, "smith");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 3));
	h = q(idx, "BAKER street");
	assert_int_equal(h.n, 1);
	/* digits: part of a phone number, of an e-mail address */
	h = q(idx, "3812345");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1));
	h = q(idx, "wang@example");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 2));
	/* mixed: every term must match */
	h = q(idx, "Acme 朝阳区");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 4));
	h = q(idx, "Acme 天河区");
	assert_int_equal(h.n, 0);
	/* short terms: a 2-character name alone (scan), with a longer term
	 * (filter), one character */
	h = q(idx, "王芳");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 2));
	h = q(idx, "张伟");
	assert_int_equal(h.n, 2);
	assert_true(has(&h, 1) && has(&h, 6));
	h = q(idx, "张伟 5000");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 6));
	h = q(idx, "芳");
	assert_int_equal(h.n, 1);
	h = q(idx, "nothing-like-this");
	assert_int_equal(h.n, 0);
	/* order and limit: by document, highest first (the default), or by
	 * bm25 (lower is better) */
	{
		hits l = {0};
		h = q(idx, "北京市朝阳区");
		assert_int_equal(h.n, 2);
		assert_true(h.id[0] == 4 && h.id[1] == 1);
		assert_true(h.rank[0] == 0.0 && h.rank[1] == 0.0);
		assert_int_equal(
			cy_sindex_query(idx, "北京市朝阳区", 0, CY_SINDEX_BY_RANK, collect, &l), 0);
		assert_int_equal(l.n, 2);
		assert_true(l.rank[0] < 0.0 && l.rank[0] <= l.rank[1]);
		memset(&l, 0, sizeof l);
		assert_int_equal(cy_sindex_query(idx, "客户资料", 1, 0, collect, &l), 0);
		assert_int_equal(l.n, 1);
		assert_true(l.id[0] == 2);
		memset(&l, 0, sizeof l);
		assert_int_equal(cy_sindex_query(idx, "张伟", 1, 0, collect, &l), 0);
		assert_int_equal(l.n, 1);
		assert_true(l.id[0] == 6);
	}
	/* replace and delete */
	assert_int_equal(cy_sindex_add(idx, 2, "客户资料 王芳", "迁至 杭州市西湖区"), 0);
	h = q(idx, "体育西路");
	assert_int_equal(h.n, 0);
	h = q(idx, "杭州市西湖区");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 2));
	assert_int_equal(cy_sindex_delete(idx, 1), 0);
	assert_int_equal(cy_sindex_delete(idx, 1000), 0);
	h = q(idx, "张伟明");
	assert_int_equal(h.n, 0);
	assert_int_equal(cy_sindex_count(idx, &n), 0);
	assert_int_equal(n, (int64_t)NDOCS - 1);
	assert_int_equal(cy_sindex_check(idx), 0);
	/* merged into one segment, the answers are the same */
	assert_int_equal(cy_sindex_optimize(idx), 0);
	h = q(idx, "杭州市西湖区");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 2));
	h = q(idx, "张伟 5000");
	assert_int_equal(h.n, 1);
	assert_int_equal(cy_sindex_check(idx), 0);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

static void test_sindex_query_syntax(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	cy_sindex *idx = NULL;
	char longq[CY_SINDEX_QUERY_MAX + 2];
	hits h;

	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	load(idx);
	/* FTS5 operators in user text are text: each term is a substring */
	h = q(idx, "\"quotes\"");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 7));
	h = q(idx, "title:");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 7));
	h = q(idx, "NEAR(");
	assert_int_equal(h.n, 1);
	h = q(idx, "stars*");
	assert_int_equal(h.n, 1);
	/* "Smith OR Acme" would be two matches in FTS5 syntax; here all three
	 * terms must occur and no document has them all */
	h = q(idx, "Smith OR Acme");
	assert_int_equal(h.n, 0);
	h = q(idx, "\" OR \"");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 7));
	h = q(idx, "body:*  ^title - + ( ) {title} : \"\"");
	assert_true(h.n <= 1);
	/* empty and over-long */
	assert_int_equal(cy_sindex_query(idx, "   ", 0, 0, collect, &h), CY_EINVALID);
	memset(longq, 'a', sizeof longq - 1);
	longq[sizeof longq - 1] = '\0';
	assert_int_equal(cy_sindex_query(idx, longq, 0, 0, collect, &h), CY_EINVALID);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* A plain SQLite FTS5 copy of the same documents: the planted values are
 * in it, so the scan below is able to find them. */
static void make_plain_copy(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE VIRTUAL TABLE fts USING fts5(title, body, "
				      "tokenize='trigram')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO fts(rowid, title, body) VALUES(?,?,?)",
					    -1, &st, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < NDOCS; i++) {
		sqlite3_bind_int64(st, 1, DOCS[i].id);
		sqlite3_bind_text(st, 2, DOCS[i].title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, DOCS[i].body, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* many documents, some carrying the planted values, in one transaction */
static void add_many(cy_sindex *idx, int64_t from, int count, const char *mark)
{
	char title[64], body[256];
	for (int i = 0; i < count; i++) {
		snprintf(title, sizeof title, "客户 %lld", (long long)(from + i));
		snprintf(body, sizeof body,
			 "%s %s 手机 139%08d 地址 %s%d号 邮箱 user%d@example.com", mark,
			 PLANTED[i % 4], i, PLANTED[3], i, i);
		assert_int_equal(cy_sindex_add(idx, from + i, title, body), 0);
	}
}

static void test_sindex_no_plaintext(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	char *journal = path_in(dir, "idx.db-journal"), *plain = path_in(dir, "plain.db");
	cy_sindex *idx = NULL;
	struct stat sb;

	make_plain_copy(plain);
	assert_true(file_has_planted(plain));

	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	load(idx);
	assert_false(file_has_planted(path));
	/* mid-transaction, with a cache small enough to spill: pages in the
	 * main file and page images in the journal, none in plaintext */
	assert_int_equal(cy_sindex__set_cache(idx, 64), 0);
	assert_int_equal(cy_sindex_begin(idx), 0);
	add_many(idx, 100, 300, "SPILL");
	assert_int_equal(cy_sindex_delete(idx, 5), 0);
	add_many(idx, 1000, 300, "SPILL");
	assert_int_equal(stat(journal, &sb), 0);
	assert_true(sb.st_size > CY_ENCPAGE_SIZE);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_false(file_has_planted(journal));
	assert_false(file_has_planted(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(cy_sindex_commit(idx), 0);
	assert_false(file_has_planted(path));
	/* no other file beside the index */
	assert_int_not_equal(stat(journal, &sb), 0);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(journal);
	free(plain);
	free(dir);
}

static void test_sindex_wrong_key(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db"), *plain = path_in(dir, "p.db");
	cy_sindex *idx = NULL;
	uint8_t other[32];

	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	load(idx);
	cy_sindex_close(idx);
	memcpy(other, KEY, 32);
	other[31] ^= 0x40;
	assert_int_equal(cy_sindex_open(path, other, false, &idx), CY_EAUTH);
	assert_null(idx);
	assert_non_null(strstr(cy_error_message(), "wrong key"));
	/* a plain SQLite database is not an index either */
	make_plain_copy(plain);
	assert_int_equal(cy_sindex_open(plain, KEY, false, &idx), CY_EAUTH);
	/* the right key still opens it */
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(plain);
	free(dir);
}

static long file_pages(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size % CY_ENCPAGE_SIZE, 0);
	return (long)(sb.st_size / CY_ENCPAGE_SIZE);
}

static void patch(const char *path, long off, const void *data, size_t n)
{
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void read_at(const char *path, long off, void *data, size_t n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fread(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* a fresh index of a few hundred documents, closed; returns its page count */
static long build_closed(const char *path)
{
	cy_sindex *idx = NULL;
	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	load(idx);
	assert_int_equal(cy_sindex_begin(idx), 0);
	add_many(idx, 100, 400, "X");
	assert_int_equal(cy_sindex_commit(idx), 0);
	cy_sindex_close(idx);
	return file_pages(path);
}

static void test_sindex_flipped_byte(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	long pages = build_closed(path);
	cy_sindex *idx = NULL;
	uint8_t b;
	hits h = {0};

	assert_true(pages > 8);
	/* a byte of every page but the first, one page at a time: the full
	 * check fails on each, or the open already does (the schema, of two
	 * FTS5 tables and their shadow tables, spans more than page 1); never
	 * a silent success */
	for (long p = 2; p <= pages; p++) {
		long off = (p - 1) * CY_ENCPAGE_SIZE + (p * 37) % CY_ENCPAGE_SIZE;
		int rc;
		read_at(path, off, &b, 1);
		b ^= 0x20;
		patch(path, off, &b, 1);
		rc = cy_sindex_open(path, KEY, false, &idx);
		if (rc == 0)
			rc = cy_sindex_check(idx);
		if (rc != CY_ECORRUPT)
			fail_msg("page %ld of %ld: %d", p, pages, rc);
		assert_non_null(strstr(cy_error_message(), "failed authentication"));
		cy_sindex_close(idx);
		idx = NULL;
		b ^= 0x20;
		patch(path, off, &b, 1);
	}
	/* every page but the first damaged: the open (which reads page 1
	 * and the schema) fails, or a query does and reports no hit */
	for (long p = 2; p <= pages; p++) {
		uint8_t x = 0;
		read_at(path, (p - 1) * CY_ENCPAGE_SIZE + 10, &x, 1);
		x ^= 1;
		patch(path, (p - 1) * CY_ENCPAGE_SIZE + 10, &x, 1);
	}
	{
		int rc = cy_sindex_open(path, KEY, false, &idx);
		if (rc == 0) {
			assert_int_equal(cy_sindex_query(idx, "客户资料", 0, 0, collect, &h),
					 CY_ECORRUPT);
			assert_int_equal(h.n, 0);
			assert_int_equal(cy_sindex_query(idx, "王芳", 0, 0, collect, &h),
					 CY_ECORRUPT);
			assert_int_equal(h.n, 0);
			cy_sindex_close(idx);
		} else {
			assert_int_equal(rc, CY_ECORRUPT);
		}
	}
	/* page 1: the key cannot open it, as with a wrong key */
	b = 0;
	read_at(path, 50, &b, 1);
	b ^= 0x01;
	patch(path, 50, &b, 1);
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), CY_EAUTH);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

static void test_sindex_query_on_damage(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	long pages = build_closed(path);
	cy_sindex *idx = NULL;
	int failed = 0;

	/* damage the last half of the pages (the FTS5 data and content): the
	 * query for a value in them fails, it does not answer wrongly */
	for (long p = pages / 2 + 1; p <= pages; p++) {
		uint8_t x = 0;
		read_at(path, (p - 1) * CY_ENCPAGE_SIZE + 200, &x, 1);
		x ^= 0x80;
		patch(path, (p - 1) * CY_ENCPAGE_SIZE + 200, &x, 1);
	}
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	for (int i = 0; i < 4; i++) {
		hits h = {0};
		int rc = cy_sindex_query(idx, PLANTED[i], 0, 0, collect, &h);
		if (rc == CY_ECORRUPT)
			failed++;
		else
			assert_int_equal(rc, 0);
	}
	assert_true(failed > 0);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

static void test_sindex_page_moved(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	long pages = build_closed(path);
	cy_sindex *idx = NULL;
	uint8_t page[CY_ENCPAGE_SIZE];

	/* a whole, valid page copied over another: it authenticates only at
	 * its own position */
	read_at(path, 2 * CY_ENCPAGE_SIZE, page, sizeof page); /* page 3 */
	patch(path, (pages - 1) * CY_ENCPAGE_SIZE, page, sizeof page);
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	assert_int_equal(cy_sindex_check(idx), CY_ECORRUPT);
	assert_non_null(strstr(cy_error_message(), "failed authentication"));
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

static void test_sindex_page_from_other_index(void **state)
{
	char *dir = tu_tmpdir(), *a = path_in(dir, "a.db"), *b = path_in(dir, "b.db");
	long pa = build_closed(a);
	cy_sindex *idx = NULL;
	uint8_t page[CY_ENCPAGE_SIZE];

	/* same key, same position, another index: the database id differs */
	build_closed(b);
	read_at(b, (pa - 1) * CY_ENCPAGE_SIZE, page, sizeof page);
	patch(a, (pa - 1) * CY_ENCPAGE_SIZE, page, sizeof page);
	assert_int_equal(cy_sindex_open(a, KEY, false, &idx), 0);
	assert_int_equal(cy_sindex_check(idx), CY_ECORRUPT);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(a);
	free(b);
	free(dir);
}

static void test_sindex_crash_recovery(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	char *journal = path_in(dir, "idx.db-journal");
	cy_sindex *idx = NULL;
	int fds[2], status = 0;
	char c = 0;
	pid_t pid;
	struct stat sb;
	int64_t n = 0;
	hits h;

	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	load(idx);
	assert_int_equal(cy_sindex_begin(idx), 0);
	add_many(idx, 100, 500, "COMMITTED");
	assert_int_equal(cy_sindex_commit(idx), 0);
	cy_sindex_close(idx);

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the writer: a big transaction that rewrites existing pages and
		 * spills them, then waits to be killed */
		close(fds[0]);
		if (cy_sindex_open(path, KEY, false, &idx) < 0 ||
		    cy_sindex__set_cache(idx, 64) < 0 || cy_sindex_begin(idx) < 0)
			_exit(2);
		for (int64_t d = 100; d < 600; d += 2)
			if (cy_sindex_delete(idx, d) < 0)
				_exit(3);
		add_many(idx, 5000, 800, "UNCOMMITTED");
		if (write(fds[1], "r", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	/* the hot journal is there and holds no plaintext */
	assert_int_equal(stat(journal, &sb), 0);
	assert_true(sb.st_size > CY_ENCPAGE_SIZE);
	assert_false(file_has_planted(journal));
	assert_false(file_has_planted(path));
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));

	/* reopen: the journal is rolled back, the committed state is whole */
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	assert_int_equal(cy_sindex_count(idx, &n), 0);
	assert_int_equal(n, (int64_t)NDOCS + 500);
	h = q(idx, "UNCOMMITTED");
	assert_int_equal(h.n, 0);
	{
		hits all = {0};
		assert_int_equal(cy_sindex_query(idx, "COMMITTED", 0, 0, collect, &all), 0);
		assert_int_equal(all.n, 500);
	}
	h = q(idx, "客户 100");
	assert_true(has(&h, 100));
	assert_int_equal(cy_sindex_check(idx), 0);
	assert_int_not_equal(stat(journal, &sb), 0);
	assert_false(file_has_planted(path));
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(journal);
	free(dir);
}

static void test_sindex_no_wal(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db"), *wal = path_in(dir, "idx.db-wal");
	cy_sindex *idx = NULL;
	cy_encvfs *vfs = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;

	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	load(idx);
	cy_sindex_close(idx);
	/* SQLite itself, through the VFS, asked for WAL: it stays in a
	 * rollback journal, and no WAL file appears */
	assert_int_equal(cy_encvfs_new(KEY, &vfs), 0);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, cy_encvfs_name(vfs)),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete");
	sqlite3_finalize(st);
	assert_int_equal(
		sqlite3_exec(db, "INSERT INTO fts(rowid, title) VALUES(99, 'PlantedSecretValue')",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	cy_encvfs_free(vfs);
	assert_int_not_equal(stat(wal, &sb), 0);
	assert_false(file_has_planted(path));
	tu_rmrf(dir);
	free(path);
	free(wal);
	free(dir);
}

/* Short terms: the bigram table's answer, then the scan's on the same index
 * (cy_sindex__scan_short); fails when they differ. */
static hits q_both(cy_sindex *idx, const char *text)
{
	hits a = q(idx, text), b;

	cy_sindex__scan_short(idx, true);
	b = q(idx, text);
	cy_sindex__scan_short(idx, false);
	if (a.n != b.n || memcmp(a.id, b.id, sizeof(int64_t) * (size_t)(a.n < 64 ? a.n : 64)))
		fail_msg("'%s': bigram index %d hits, scan %d", text, a.n, b.n);
	return a;
}

/* filler documents: 3-character names and words that never put 王 and 芳,
 * 张 and 伟, x and y side by side */
static void add_filler(cy_sindex *idx, int64_t from, int count)
{
	static const char *const SUR[] = {"王", "李", "张", "刘", "陈"};
	static const char *const GIV[] = {"明", "红", "强", "华", "军"};
	char title[64], body[256];

	for (int i = 0; i < count; i++) {
		snprintf(title, sizeof title, "客户资料 %s%s%s", SUR[i % 5], GIV[(i / 5) % 5],
			 GIV[(i / 25) % 5]);
		snprintf(body, sizeof body, "%s%s%s 芳邻路%d号 account-%d Yz 伟业", SUR[i % 5],
			 GIV[(i / 5) % 5], GIV[(i / 25) % 5], i, i);
		assert_int_equal(cy_sindex_add(idx, from + i, title, body), 0);
	}
}

static void test_sindex_bigrams(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	cy_sindex *idx = NULL;
	hits h;

	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	assert_true(cy_sindex__has_bigrams(idx));
	assert_int_equal(cy_sindex_begin(idx), 0);
	add_filler(idx, 1, 400);
	assert_int_equal(cy_sindex_add(idx, 1001, "合同书", "乙方 客户王芳的合同 电话 139"), 0);
	assert_int_equal(cy_sindex_add(idx, 1002, "张先生", "与伟业公司 王 芳 分开"), 0);
	assert_int_equal(cy_sindex_add(idx, 1003, "MiXed Case", "ab cd 甲 乙"), 0);
	assert_int_equal(cy_sindex_add(idx, 1004, "syntax", "a\"*b OR: x^y \"\" 王芳"), 0);
	assert_int_equal(cy_sindex_commit(idx), 0);

	/* a 2-character name inside the text, among many documents */
	h = q_both(idx, "王芳");
	assert_int_equal(h.n, 2);
	assert_true(h.id[0] == 1004 && h.id[1] == 1001);
	/* its characters apart (张先生 ... 伟业), or across a space: no match */
	h = q_both(idx, "张伟");
	assert_int_equal(h.n, 0);
	h = q_both(idx, "bc");
	assert_int_equal(h.n, 0);
	h = q_both(idx, "甲乙");
	assert_int_equal(h.n, 0);
	/* ASCII case folded both ways */
	h = q_both(idx, "ab");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1003));
	h = q_both(idx, "AB");
	assert_int_equal(h.n, 1);
	h = q_both(idx, "iX");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1003));
	h = q_both(idx, "yz");
	assert_int_equal(h.n, 400);
	/* one character: inside a run, at its end, alone between spaces */
	h = q_both(idx, "甲");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1003));
	h = q_both(idx, "乙");
	assert_int_equal(h.n, 2);
	assert_true(has(&h, 1001) && has(&h, 1003));
	h = q_both(idx, "芳");
	assert_int_equal(h.n, 403);
	h = q_both(idx, "Q");
	assert_int_equal(h.n, 0);
	/* mixed with a longer term: both must match */
	h = q_both(idx, "王芳 合同书");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1001));
	h = q_both(idx, "合同书 王芳 139 乙");
	assert_int_equal(h.n, 1);
	h = q_both(idx, "王芳 伟业公司");
	assert_int_equal(h.n, 0);
	h = q_both(idx, "伟业 account-7");
	assert_int_equal(h.n, 11);
	assert_true(h.id[0] == 80 && h.id[10] == 8);
	/* FTS5 syntax in a short term is text */
	h = q_both(idx, "\"*");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1004));
	h = q_both(idx, "OR");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1004));
	h = q_both(idx, "\"\"");
	assert_int_equal(h.n, 1);
	h = q_both(idx, "*");
	assert_int_equal(h.n, 1);
	h = q_both(idx, "^y");
	assert_int_equal(h.n, 1);
	h = q_both(idx, ":");
	assert_int_equal(h.n, 1);
	h = q_both(idx, "NEAR(");
	assert_int_equal(h.n, 0);
	/* order and limit: newest first, stops at the limit; by rank, bm25 */
	{
		hits l = {0};
		assert_int_equal(cy_sindex_query(idx, "伟业", 3, 0, collect, &l), 0);
		assert_int_equal(l.n, 3);
		assert_true(l.id[0] == 1002 && l.id[1] == 400 && l.id[2] == 399);
		memset(&l, 0, sizeof l);
		assert_int_equal(cy_sindex_query(idx, "王芳", 0, CY_SINDEX_BY_RANK, collect, &l),
				 0);
		/* short terms alone: by document (bm25 of the bigram table
		 * is 0), with a longer term: that term's bm25 */
		assert_int_equal(l.n, 2);
		assert_true(l.id[0] == 1004 && l.rank[0] == 0.0);
		memset(&l, 0, sizeof l);
		assert_int_equal(
			cy_sindex_query(idx, "王芳 合同书", 0, CY_SINDEX_BY_RANK, collect, &l), 0);
		assert_int_equal(l.n, 1);
		assert_true(l.id[0] == 1001 && l.rank[0] < 0.0);
	}
	/* replace: the old bigrams go, the new ones come */
	assert_int_equal(cy_sindex_add(idx, 1001, "合同书", "乙方 客户李娜的合同"), 0);
	h = q_both(idx, "王芳");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1004));
	h = q_both(idx, "李娜");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1001));
	h = q_both(idx, "电话");
	assert_int_equal(h.n, 0);
	/* delete: gone from both tables; FTS5's checks pass (a 'delete' with
	 * other values than those indexed would leave the bigram table
	 * inconsistent) */
	assert_int_equal(cy_sindex_delete(idx, 1004), 0);
	assert_int_equal(cy_sindex_delete(idx, 1001), 0);
	assert_int_equal(cy_sindex_delete(idx, 5000), 0);
	h = q_both(idx, "王芳");
	assert_int_equal(h.n, 0);
	h = q_both(idx, "李娜");
	assert_int_equal(h.n, 0);
	h = q_both(idx, "\"*");
	assert_int_equal(h.n, 0);
	assert_int_equal(cy_sindex_check(idx), 0);
	assert_int_equal(cy_sindex_optimize(idx), 0);
	h = q_both(idx, "乙");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 1003));
	assert_int_equal(cy_sindex_check(idx), 0);
	/* a replace that fails half-way leaves nothing behind: here the
	 * transaction is rolled back and the index is as before */
	assert_int_equal(cy_sindex_begin(idx), 0);
	assert_int_equal(cy_sindex_add(idx, 1003, "new", "王芳"), 0);
	assert_int_equal(cy_sindex_rollback(idx), 0);
	h = q_both(idx, "ab");
	assert_int_equal(h.n, 1);
	h = q_both(idx, "王芳");
	assert_int_equal(h.n, 0);
	/* cleared: empty, and filled again */
	assert_int_equal(cy_sindex_clear(idx), 0);
	h = q_both(idx, "ab");
	assert_int_equal(h.n, 0);
	h = q(idx, "客户资料");
	assert_int_equal(h.n, 0);
	add_filler(idx, 1, 10);
	h = q_both(idx, "伟业");
	assert_int_equal(h.n, 10);
	assert_int_equal(cy_sindex_check(idx), 0);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* Every 1- and 2-character substring of a few texts, and pairs that are
 * not, asked of the bigram index and of the scan: the same answers. */
static void test_sindex_bigrams_vs_scan(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "idx.db");
	cy_sindex *idx = NULL;
	static const char *const TEXT[] = {
		"客户资料 王芳 13812345678 fang.WANG@example.com",
		"Zürich Straße 5, 8001 — ｆｕｌｌ　width 欧阳娜娜",
		"a\tb\nc  \"q\" (x) [y] {z} *s* ^t -u +v :w OR AND NOT NEAR",
		"日本語のテキスト、句読点。",
	};
	char term[16];

	assert_int_equal(cy_sindex_open(path, KEY, true, &idx), 0);
	for (size_t i = 0; i < sizeof TEXT / sizeof TEXT[0]; i++)
		assert_int_equal(cy_sindex_add(idx, (int64_t)i + 1, i % 2 ? NULL : "t", TEXT[i]),
				 0);
	for (size_t i = 0; i < sizeof TEXT / sizeof TEXT[0]; i++) {
		for (const char *p = TEXT[i]; *p;) {
			size_t a = 1, b = 1;
			while (((unsigned char)p[a] & 0xC0) == 0x80)
				a++;
			if (p[a])
				while (((unsigned char)p[a + b] & 0xC0) == 0x80)
					b++;
			if (*p != ' ' && *p != '\t' && *p != '\n') {
				snprintf(term, sizeof term, "%.*s", (int)a, p);
				q_both(idx, term);
				snprintf(term, sizeof term, "%.*s", (int)(a + (p[a] ? b : 0)), p);
				q_both(idx, term);
				/* the character with a letter of another text */
				snprintf(term, sizeof term, "%.*sQ", (int)a, p);
				q_both(idx, term);
			}
			p += a;
		}
	}
	/* not valid UTF-8 (the first two bytes of 王): answered by the scan,
	 * a substring of bytes */
	{
		hits h = q(idx, "\xe7\x8e");
		assert_int_equal(h.n, 1);
		assert_true(has(&h, 1));
	}
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* An index made by the code before the bigram table (format 1: the trigram
 * table only) opens and answers, short terms by the scan; cleared, it gets
 * the bigram table.  An empty one is upgraded at the open. */
static void make_v1(const char *path, bool with_docs)
{
	cy_encvfs *vfs = NULL;
	sqlite3 *db = NULL;
	int reserve = CY_ENCPAGE_RESERVE;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cy_encvfs_new(KEY, &vfs), 0);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, cy_encvfs_name(vfs)),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA page_size=4096", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA journal_mode=DELETE; PRAGMA temp_store=MEMORY; "
				      "BEGIN; "
				      "CREATE VIRTUAL TABLE fts USING fts5(title, body, "
				      "tokenize='trigram'); "
				      "INSERT INTO fts(fts, rank) VALUES('pgsz', 4000); "
				      "PRAGMA user_version=1; COMMIT",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	if (with_docs) {
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(db,
						    "INSERT INTO fts(rowid, title, body) "
						    "VALUES(?,?,?)",
						    -1, &st, NULL),
				 SQLITE_OK);
		for (size_t i = 0; i < NDOCS; i++) {
			sqlite3_bind_int64(st, 1, DOCS[i].id);
			sqlite3_bind_text(st, 2, DOCS[i].title, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, DOCS[i].body, -1, SQLITE_STATIC);
			assert_int_equal(sqlite3_step(st), SQLITE_DONE);
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	cy_encvfs_free(vfs);
}

static void test_sindex_old_format(void **state)
{
	char *dir = tu_tmpdir(), *path = path_in(dir, "v1.db"), *empty = path_in(dir, "e.db");
	cy_sindex *idx = NULL;
	int64_t n = 0;
	hits h;

	make_v1(path, true);
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	assert_false(cy_sindex__has_bigrams(idx));
	assert_int_equal(cy_sindex_count(idx, &n), 0);
	assert_int_equal(n, (int64_t)NDOCS);
	assert_int_equal(cy_sindex_check(idx), 0);
	h = q(idx, "北京市朝阳区");
	assert_int_equal(h.n, 2);
	h = q(idx, "王芳");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 2));
	h = q(idx, "张伟 5000");
	assert_int_equal(h.n, 1);
	assert_true(has(&h, 6));
	/* written to as it is: add, replace, delete */
	assert_int_equal(cy_sindex_add(idx, 2, "客户资料 王芳", "迁至 杭州市西湖区"), 0);
	assert_int_equal(cy_sindex_delete(idx, 6), 0);
	h = q(idx, "张伟");
	assert_int_equal(h.n, 1);
	h = q(idx, "西湖");
	assert_int_equal(h.n, 1);
	assert_int_equal(cy_sindex_check(idx), 0);
	cy_sindex_close(idx);
	/* still format 1 when opened again; cleared, format 2 */
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	assert_false(cy_sindex__has_bigrams(idx));
	assert_int_equal(cy_sindex_clear(idx), 0);
	assert_true(cy_sindex__has_bigrams(idx));
	load(idx);
	h = q_both(idx, "王芳");
	assert_int_equal(h.n, 1);
	assert_int_equal(cy_sindex_check(idx), 0);
	cy_sindex_close(idx);
	assert_int_equal(cy_sindex_open(path, KEY, false, &idx), 0);
	assert_true(cy_sindex__has_bigrams(idx));
	cy_sindex_close(idx);
	/* an empty format-1 index is upgraded at the open */
	make_v1(empty, false);
	assert_int_equal(cy_sindex_open(empty, KEY, false, &idx), 0);
	assert_true(cy_sindex__has_bigrams(idx));
	load(idx);
	h = q_both(idx, "张伟");
	assert_int_equal(h.n, 2);
	assert_int_equal(cy_sindex_check(idx), 0);
	cy_sindex_close(idx);
	tu_rmrf(dir);
	free(path);
	free(empty);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sindex_roundtrip),
		cmocka_unit_test(test_sindex_query_syntax),
		cmocka_unit_test(test_sindex_no_plaintext),
		cmocka_unit_test(test_sindex_wrong_key),
		cmocka_unit_test(test_sindex_flipped_byte),
		cmocka_unit_test(test_sindex_query_on_damage),
		cmocka_unit_test(test_sindex_page_moved),
		cmocka_unit_test(test_sindex_page_from_other_index),
		cmocka_unit_test(test_sindex_crash_recovery),
		cmocka_unit_test(test_sindex_no_wal),
		cmocka_unit_test(test_sindex_bigrams),
		cmocka_unit_test(test_sindex_bigrams_vs_scan),
		cmocka_unit_test(test_sindex_old_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
