/* sindex.c - the search index: an FTS5 trigram table in an SQLite database
 * opened through the encrypting VFS (encvfs.c).
 *
 * This file holds SQL outside src/catalog/ by design: the index is not the
 * catalog but a second, SQLite-only database whose encryption lives in an
 * SQLite VFS; scripts/check-no-sql.sh allow-lists it and says why.
 * docs/internals/search.md has the design and the measurements. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/sindex.h"
#include "search/encpage.h"
#include "search/encvfs.h"
#include "search/sindex_internal.h"
#include "custody/banned.h"

#define SCHEMA_VERSION 1
/* FTS5 leaf size: a leaf plus its record header must fit in one page's
 * usable 4052 bytes, or every leaf would take an overflow page. */
#define FTS5_PGSZ 4000

enum { Q_MATCH, Q_MIXED, Q_MATCH_DOC, Q_MIXED_DOC, Q_SCAN, Q_COUNT };

struct cy_sindex {
	sqlite3 *db;
	cy_encvfs *vfs;
	char *path;
	sqlite3_stmt *ins, *del;
	sqlite3_stmt *q[Q_COUNT];
};

static const char *const QUERY_SQL[Q_COUNT] = {
	[Q_MATCH] = "SELECT rowid, rank FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT ?2",
	[Q_MIXED] = "SELECT rowid, rank FROM fts WHERE fts MATCH ?1 AND "
		    "cy_sindex_contains(title, body, ?3) ORDER BY rank LIMIT ?2",
	/* newest first: FTS5 walks the doclists backwards and stops at the
	 * limit, where bm25 has to score every match first */
	[Q_MATCH_DOC] = "SELECT rowid, 0.0 FROM fts WHERE fts MATCH ?1 ORDER BY rowid DESC "
			"LIMIT ?2",
	[Q_MIXED_DOC] = "SELECT rowid, 0.0 FROM fts WHERE fts MATCH ?1 AND "
			"cy_sindex_contains(title, body, ?3) ORDER BY rowid DESC LIMIT ?2",
	/* the scan reads FTS5's content table directly (c0 = title, c1 = body):
	 * the same rows without a virtual-table cursor per row */
	[Q_SCAN] = "SELECT id, 0.0 FROM fts_content WHERE cy_sindex_contains(c0, c1, ?3) "
		   "ORDER BY id DESC LIMIT ?2",
};

/* Translate an SQLite failure once, preferring what the VFS saw. */
static int db_fail(cy_sindex *idx, int src, const char *what)
{
	cy_encvfs_fault f;
	int code;

	cy_encvfs_fault_get(idx->vfs, &f);
	if (f.pgno == 1 && f.kind == CY_ENCPAGE_KIND_DB)
		return cy_error_set(CY_EAUTH,
				    "search index %s: wrong key, or not a custody search index "
				    "(page 1 does not authenticate)",
				    idx->path);
	if (f.pgno)
		return cy_error_set(CY_ECORRUPT,
				    "search index %s: %spage %u failed authentication (the file "
				    "was altered or damaged); rebuild the index",
				    idx->path,
				    f.kind == CY_ENCPAGE_KIND_JOURNAL ? "journal image of " : "",
				    (unsigned)f.pgno);
	if (f.refused_open)
		return cy_error_set(CY_EUNSUPPORTED,
				    "search index %s: %s: SQLite asked for a temporary or WAL "
				    "file, which the encrypting VFS refuses",
				    idx->path, what);
	switch (src & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = CY_ECORRUPT;
		break;
	case SQLITE_FULL:
		code = CY_ENOSPC;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = CY_EBUSY;
		break;
	case SQLITE_NOMEM:
		code = CY_ENOMEM;
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		code = CY_EIO;
		break;
	default:
		code = CY_EDB;
	}
	return cy_error_set(code, "search index %s: %s: %s", idx->path, what,
			    idx->db ? sqlite3_errmsg(idx->db) : sqlite3_errstr(src));
}

static int exec(cy_sindex *idx, const char *sql)
{
	int rc;

	cy_encvfs_fault_clear(idx->vfs);
	rc = sqlite3_exec(idx->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : db_fail(idx, rc, sql);
}

static int prepare(cy_sindex *idx, sqlite3_stmt **st, const char *sql)
{
	int rc;

	if (*st)
		return 0;
	cy_encvfs_fault_clear(idx->vfs);
	rc = sqlite3_prepare_v3(idx->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	return rc == SQLITE_OK ? 0 : db_fail(idx, rc, "prepare");
}

/* One integer from a one-row query. */
static int query_int(cy_sindex *idx, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc, src;

	cy_encvfs_fault_clear(idx->vfs);
	src = sqlite3_prepare_v2(idx->db, sql, -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = db_fail(idx, src, sql);
	}
	sqlite3_finalize(st);
	return rc;
}

/* cy_sindex_contains(title, body, terms): 1 when every space-separated term
 * of `terms` occurs in title or body, ASCII case folded. */
static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *title = (const char *)sqlite3_value_text(argv[0]);
	const char *body = (const char *)sqlite3_value_text(argv[1]);
	const char *terms = (const char *)sqlite3_value_text(argv[2]);
	char term[CY_SINDEX_QUERY_MAX + 1];

	if (!terms) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	while (*terms) {
		size_t n = strcspn(terms, " ");
		if (n > 0 && n <= CY_SINDEX_QUERY_MAX) {
			memcpy(term, terms, n);
			term[n] = '\0';
			if (!(title && strcasestr(title, term)) &&
			    !(body && strcasestr(body, term))) {
				sqlite3_result_int(ctx, 0);
				return;
			}
		}
		terms += n;
		while (*terms == ' ')
			terms++;
	}
	sqlite3_result_int(ctx, 1);
}

static int setup(cy_sindex *idx)
{
	int reserve = CY_ENCPAGE_RESERVE;
	int64_t n = 0, ver = 0;
	int rc, src;

	sqlite3_extended_result_codes(idx->db, 1);
	sqlite3_busy_timeout(idx->db, 5000);
	sqlite3_db_config(idx->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(idx->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	src = sqlite3_create_function(idx->db, "cy_sindex_contains", 3,
				      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
				      fn_contains, NULL, NULL);
	if (src != SQLITE_OK)
		return db_fail(idx, src, "register function");
	/* both settle the layout of a new database and are no-ops on an
	 * existing one; they must come before the first write */
	rc = exec(idx, "PRAGMA page_size=4096");
	if (rc < 0)
		return rc;
	src = sqlite3_file_control(idx->db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
	if (src != SQLITE_OK)
		return db_fail(idx, src, "reserve bytes");
	/* no memory-mapped reads (they would bypass the VFS), no temporary
	 * files, a rollback journal (docs/internals/search.md says why) */
	rc = exec(idx, "PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY; "
		       "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL; "
		       "PRAGMA cache_size=-65536");
	if (rc < 0)
		return rc;
	rc = query_int(idx, "SELECT count(*) FROM sqlite_schema WHERE name = 'fts'", &n);
	if (rc < 0)
		return rc;
	if (n == 0) {
		char sql[160];
		rc = exec(idx, "BEGIN IMMEDIATE");
		if (rc < 0)
			return rc;
		snprintf(sql, sizeof sql,
			 "CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='trigram'); "
			 "INSERT INTO fts(fts, rank) VALUES('pgsz', %d); PRAGMA user_version=%d",
			 FTS5_PGSZ, SCHEMA_VERSION);
		rc = exec(idx, sql);
		if (rc == 0)
			rc = exec(idx, "COMMIT");
		if (rc < 0) {
			sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	rc = query_int(idx, "PRAGMA user_version", &ver);
	if (rc < 0)
		return rc;
	if (ver != SCHEMA_VERSION)
		return cy_error_set(CY_EUNSUPPORTED,
				    "search index %s: format version %lld, this custody reads %d; "
				    "rebuild the index",
				    idx->path, (long long)ver, SCHEMA_VERSION);
	rc = query_int(idx, "PRAGMA page_size", &n);
	if (rc < 0)
		return rc;
	reserve = -1;
	sqlite3_file_control(idx->db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
	if (n != CY_ENCPAGE_SIZE || reserve != CY_ENCPAGE_RESERVE)
		return cy_error_set(CY_ECORRUPT,
				    "search index %s: page size %lld and reserve %d, expected %d "
				    "and %d",
				    idx->path, (long long)n, reserve, CY_ENCPAGE_SIZE,
				    CY_ENCPAGE_RESERVE);
	return 0;
}

int cy_sindex_open(const char *path, const uint8_t key[CY_SINDEX_KEY_LEN], bool create,
		   cy_sindex **out)
{
	cy_sindex *idx = NULL;
	int rc, src, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE;

	*out = NULL;
	if (!path || !*path || !key)
		return cy_error_set(CY_EINVALID, "search index: no path or key");
	if (!create && access(path, F_OK) != 0)
		return cy_error_set(CY_ENOTFOUND, "search index %s: no such file", path);
	if (create && access(path, F_OK) != 0) {
		/* made here, mode 0600, so that SQLite (which would use 0644
		 * and give its journal the same mode) opens an existing file */
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "search index %s", path);
		if (fd >= 0)
			close(fd);
	}
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	idx = calloc(1, sizeof *idx);
	if (!idx || !(idx->path = strdup(path))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	rc = cy_encvfs_new(key, &idx->vfs);
	if (rc < 0)
		goto out;
	src = sqlite3_open_v2(path, &idx->db, flags, cy_encvfs_name(idx->vfs));
	if (src != SQLITE_OK) {
		rc = db_fail(idx, src, "open");
		goto out;
	}
	rc = setup(idx);
	if (rc < 0)
		goto out;
	*out = idx;
	idx = NULL;
out:
	cy_sindex_close(idx);
	return rc;
}

void cy_sindex_close(cy_sindex *idx)
{
	if (!idx)
		return;
	sqlite3_finalize(idx->ins);
	sqlite3_finalize(idx->del);
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(idx->q[i]);
	/* all statements are finalized, so the close cannot leave a zombie
	 * connection that would outlive its VFS */
	if (idx->db)
		sqlite3_close(idx->db);
	cy_encvfs_free(idx->vfs);
	free(idx->path);
	free(idx);
}

int cy_sindex__set_cache(cy_sindex *idx, int kib)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", -kib);
	return exec(idx, sql);
}

int cy_sindex_begin(cy_sindex *idx)
{
	return exec(idx, "BEGIN IMMEDIATE");
}

int cy_sindex_commit(cy_sindex *idx)
{
	return exec(idx, "COMMIT");
}

int cy_sindex_rollback(cy_sindex *idx)
{
	return exec(idx, "ROLLBACK");
}

/* Step a write statement to its end and reset it. */
static int step_done(cy_sindex *idx, sqlite3_stmt *st, const char *what)
{
	int src = sqlite3_step(st);
	int rc = src == SQLITE_DONE ? 0 : db_fail(idx, src, what);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int cy_sindex_add(cy_sindex *idx, int64_t doc, const char *title, const char *body)
{
	int rc;

	rc = prepare(idx, &idx->ins,
		     "INSERT OR REPLACE INTO fts(rowid, title, body) VALUES(?1, ?2, ?3)");
	if (rc < 0)
		return rc;
	cy_encvfs_fault_clear(idx->vfs);
	sqlite3_bind_int64(idx->ins, 1, doc);
	if (title)
		sqlite3_bind_text(idx->ins, 2, title, -1, SQLITE_STATIC);
	if (body)
		sqlite3_bind_text(idx->ins, 3, body, -1, SQLITE_STATIC);
	return step_done(idx, idx->ins, "add");
}

int cy_sindex_delete(cy_sindex *idx, int64_t doc)
{
	int rc = prepare(idx, &idx->del, "DELETE FROM fts WHERE rowid = ?1");

	if (rc < 0)
		return rc;
	cy_encvfs_fault_clear(idx->vfs);
	sqlite3_bind_int64(idx->del, 1, doc);
	return step_done(idx, idx->del, "delete");
}

int cy_sindex_count(cy_sindex *idx, int64_t *out)
{
	return query_int(idx, "SELECT count(*) FROM fts", out);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

int cy_sindex_query(cy_sindex *idx, const char *text, size_t limit, unsigned flags,
		    cy_sindex_hit_fn fn, void *arg)
{
	cy_buf match = CY_BUF_INIT, shorts = CY_BUF_INIT;
	sqlite3_stmt *st;
	const char *p;
	int rc = 0, src, kind;

	if (!text || strlen(text) > CY_SINDEX_QUERY_MAX)
		return cy_error_set(CY_EINVALID, "search: the query is longer than %d bytes",
				    CY_SINDEX_QUERY_MAX);
	/* each term becomes one FTS5 string ("" doubled inside), so no FTS5
	 * operator, column filter or prefix mark in the text has an effect */
	for (p = text; *p;) {
		size_t n;
		while (is_space(*p))
			p++;
		for (n = 0; p[n] && !is_space(p[n]); n++)
			;
		if (n == 0)
			break;
		if (utf8_chars(p, n) >= 3) {
			if (match.len)
				rc = cy_buf_puts(&match, " AND ");
			rc = rc ? rc : cy_buf_putc(&match, '"');
			for (size_t i = 0; rc == 0 && i < n; i++)
				rc = p[i] == '"' ? cy_buf_puts(&match, "\"\"")
						 : cy_buf_putc(&match, p[i]);
			rc = rc ? rc : cy_buf_putc(&match, '"');
		} else {
			if (shorts.len)
				rc = cy_buf_putc(&shorts, ' ');
			rc = rc ? rc : cy_buf_put(&shorts, p, n);
		}
		if (rc < 0)
			goto out;
		p += n;
	}
	if (!match.len && !shorts.len) {
		rc = cy_error_set(CY_EINVALID, "search: empty query");
		goto out;
	}
	kind = !match.len ? Q_SCAN : shorts.len ? Q_MIXED : Q_MATCH;
	if (kind != Q_SCAN && !(flags & CY_SINDEX_BY_RANK))
		kind += Q_MATCH_DOC - Q_MATCH;
	rc = prepare(idx, &idx->q[kind], QUERY_SQL[kind]);
	if (rc < 0)
		goto out;
	st = idx->q[kind];
	cy_encvfs_fault_clear(idx->vfs);
	if (match.len)
		sqlite3_bind_text(st, 1, (const char *)match.ptr, (int)match.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
	if (shorts.len)
		sqlite3_bind_text(st, 3, (const char *)shorts.ptr, (int)shorts.len, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		int r = fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1));
		if (r != 0) {
			rc = r < 0 ? r : 0;
			src = SQLITE_DONE;
			break;
		}
	}
	if (src != SQLITE_DONE)
		rc = db_fail(idx, src, "search");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
out:
	cy_buf_wipe(&match);
	cy_buf_wipe(&shorts);
	return rc;
}

int cy_sindex_optimize(cy_sindex *idx)
{
	return exec(idx, "INSERT INTO fts(fts) VALUES('optimize')");
}

int cy_sindex_check(cy_sindex *idx)
{
	sqlite3_stmt *st = NULL;
	cy_encvfs_fault f;
	int rc = 0, src;

	cy_encvfs_fault_clear(idx->vfs);
	src = sqlite3_prepare_v2(idx->db, "PRAGMA integrity_check", -1, &st, NULL);
	if (src == SQLITE_OK) {
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			const char *msg = (const char *)sqlite3_column_text(st, 0);
			if (msg && strcmp(msg, "ok") != 0)
				break;
		}
	}
	/* the integrity check reports unreadable pages as text; the VFS knows
	 * which page failed authentication */
	cy_encvfs_fault_get(idx->vfs, &f);
	if (f.pgno)
		rc = db_fail(idx, SQLITE_IOERR_DATA, "integrity check");
	else if (src == SQLITE_ROW)
		rc = cy_error_set(CY_ECORRUPT, "search index %s: %s", idx->path,
				  (const char *)sqlite3_column_text(st, 0));
	else if (src != SQLITE_DONE)
		rc = db_fail(idx, src, "integrity check");
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	return exec(idx, "INSERT INTO fts(fts) VALUES('integrity-check')");
}
