/* sindex.c - the search index: an FTS5 trigram table and an FTS5 bigram
 * table in an SQLite database opened through the encrypting VFS (encvfs.c).
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
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/sindex.h"
#include "search/encpage.h"
#include "search/encvfs.h"
#include "search/sindex_internal.h"
#include "custody/banned.h"

/* 1: the trigram table only (short terms are scanned); 2: and the bigram
 * table.  A version-1 file still opens and answers (docs/internals/search.md
 * "Shape"); an empty one is upgraded in place. */
#define SCHEMA_VERSION 2
#define SCHEMA_VERSION_TRIGRAM 1
/* FTS5 leaf size: a leaf plus its record header must fit in one page's
 * usable 4052 bytes, or every leaf would take an overflow page. */
#define FTS5_PGSZ 4000

/* The kind of a query: which of its parts are present, and the order.  One
 * prepared statement per kind (query_sql). */
enum {
	QK_TRI = 1,   /* terms of 3+ characters: fts MATCH ?1 */
	QK_BI = 2,    /* terms of 1-2 characters: bi MATCH ?4 */
	QK_SHORT = 4, /* short terms the bigram table cannot answer: scanned (?3) */
	QK_RANK = 8,  /* CY_SINDEX_BY_RANK */
	QK_COUNT = 16
};

struct cy_sindex {
	sqlite3 *db;
	cy_encvfs *vfs;
	char *path;
	bool bigrams;	 /* the bigram table exists and is in step (version 2) */
	bool scan_short; /* cy_sindex__scan_short: the bench's "before" */
	bool own_txn;	 /* an add or delete runs in its own transaction */
	sqlite3_stmt *ins, *del, *old, *bi_ins, *bi_del;
	sqlite3_stmt *q[QK_COUNT];
	cy_buf grams; /* scratch: the bigrams of one document (wiped at close) */
};

/* The tables of a new index.  bi: every 2-character window of title and body
 * as one token (bigram_text), contentless (the text is in fts already),
 * detail=none (a short term is one token: only document lists are needed). */
static const char SCHEMA_SQL[] =
	"CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='trigram'); "
	"INSERT INTO fts(fts, rank) VALUES('pgsz', 4000); "
	"CREATE VIRTUAL TABLE bi USING fts5(grams, content='', detail='none', "
	"tokenize='ascii'); "
	"INSERT INTO bi(bi, rank) VALUES('pgsz', 4000); "
	"PRAGMA user_version=2";
_Static_assert(FTS5_PGSZ == 4000 && SCHEMA_VERSION == 2, "SCHEMA_SQL spells both out");

/* The SQL of a query kind.  The trigram table drives when there is a long
 * term (its hits filtered by the bigram table's documents, read once: the
 * `+` keeps SQLite from probing the trigram table once per bigram document,
 * 40 ms instead of 9, 5.7 s instead of 0.3 by rank), else the bigram table; by document, FTS5 walks its doclists backwards and stops at the
 * limit, where bm25 has to score every match first.  The scan reads FTS5's
 * content table directly (c0 = title, c1 = body). */
static void query_sql(unsigned k, char *sql, size_t n)
{
	const char *rank = (k & QK_RANK) ? "rank" : "0.0";
	const char *order = (k & QK_RANK) ? "rank" : "rowid DESC";

	if (k & QK_TRI)
		snprintf(sql, n,
			 "SELECT rowid, %s FROM fts WHERE fts MATCH ?1%s%s ORDER BY %s LIMIT ?2",
			 rank,
			 (k & QK_BI) ? " AND +rowid IN (SELECT rowid FROM bi WHERE bi MATCH ?4)"
				     : "",
			 (k & QK_SHORT) ? " AND cy_sindex_contains(title, body, ?3)" : "", order);
	else if (!(k & QK_SHORT))
		/* by document even with CY_SINDEX_BY_RANK: bm25 of a detail=none
		 * table is 0 for every document (it counts no occurrences) */
		snprintf(sql, n,
			 "SELECT rowid, 0.0 FROM bi WHERE bi MATCH ?4 ORDER BY rowid DESC LIMIT ?2");
	else
		snprintf(sql, n,
			 "SELECT id, 0.0 FROM fts_content WHERE %scy_sindex_contains(c0, c1, ?3) "
			 "ORDER BY id DESC LIMIT ?2",
			 (k & QK_BI) ? "id IN (SELECT rowid FROM bi WHERE bi MATCH ?4) AND " : "");
}

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

/* (Re)make the tables, empty, in one transaction (a savepoint, so that it
 * also works inside cy_sindex_begin); drop: the old ones first. */
static int recreate(cy_sindex *idx, bool drop)
{
	int rc = exec(idx, "SAVEPOINT cy_recreate");

	if (rc < 0)
		return rc;
	if (drop)
		rc = exec(idx, "DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS bi");
	if (rc == 0)
		rc = exec(idx, SCHEMA_SQL);
	if (rc < 0)
		sqlite3_exec(idx->db, "ROLLBACK TO cy_recreate", NULL, NULL, NULL);
	if (rc == 0) {
		/* the outermost savepoint: its release is the commit */
		rc = exec(idx, "RELEASE cy_recreate");
		if (rc < 0)
			sqlite3_exec(idx->db, "ROLLBACK TO cy_recreate", NULL, NULL, NULL);
	}
	sqlite3_exec(idx->db, "RELEASE cy_recreate", NULL, NULL, NULL);
	if (rc == 0)
		idx->bigrams = true;
	return rc;
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
		rc = recreate(idx, false);
		if (rc < 0)
			return rc;
	}
	rc = query_int(idx, "PRAGMA user_version", &ver);
	if (rc < 0)
		return rc;
	if (ver == SCHEMA_VERSION_TRIGRAM) {
		/* made before the bigram table: an empty one is upgraded, one
		 * with documents answers short terms by a scan until it is
		 * rebuilt (cy_sindex_clear, then every document again) */
		rc = query_int(idx, "SELECT count(*) FROM fts", &n);
		if (rc == 0 && n == 0)
			rc = recreate(idx, true);
		if (rc < 0)
			return rc;
		ver = n == 0 ? SCHEMA_VERSION : ver;
	}
	if (ver != SCHEMA_VERSION && ver != SCHEMA_VERSION_TRIGRAM)
		return cy_error_set(CY_EUNSUPPORTED,
				    "search index %s: format version %lld, this custody reads %d; "
				    "rebuild the index",
				    idx->path, (long long)ver, SCHEMA_VERSION);
	idx->bigrams = ver == SCHEMA_VERSION;
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
	sqlite3_stmt *const st[] = {idx->ins, idx->del, idx->old, idx->bi_ins, idx->bi_del};

	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
		sqlite3_finalize(st[i]);
	for (int i = 0; i < QK_COUNT; i++)
		sqlite3_finalize(idx->q[i]);
	cy_buf_wipe(&idx->grams);
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

void cy_sindex__scan_short(cy_sindex *idx, bool on)
{
	idx->scan_short = on;
}

bool cy_sindex__has_bigrams(const cy_sindex *idx)
{
	return idx->bigrams;
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

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Length of the character at s: a byte and the UTF-8 continuation bytes
 * after it (a character as utf8_chars counts them; invalid text is cut the
 * same way in a document and in a term). */
static size_t char_len(const char *s)
{
	size_t n = 1;
	while (((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* One character as it is written in a bigram token: its bytes in lower-case
 * hex, ASCII letters folded first (a token is "<a>x<b>" or "<z>x").  Hex keeps every token a plain
 * word for FTS5's ascii tokenizer (no character of the text is a separator
 * or FTS5 syntax); 'x' is not a hex digit, so "<c>x" is a prefix of exactly
 * the tokens whose first character is c. */
static int put_char(cy_buf *b, const char *c, size_t n)
{
	static const char HEX[] = "0123456789abcdef";
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		unsigned char v = (unsigned char)c[i];
		if (v >= 'A' && v <= 'Z')
			v = (unsigned char)(v - 'A' + 'a');
		rc = cy_buf_putc(b, HEX[v >> 4]);
		rc = rc ? rc : cy_buf_putc(b, HEX[v & 15]);
	}
	return rc;
}

/* Append the bigram tokens of text: per run of characters between white
 * space, one token per pair of neighbours ("<a>x<b>") and one for the last
 * character of the run ("<z>x"), space-separated.  A 2-character term
 * without white space (terms never have any) occurs in the text exactly when
 * its pair token is here; a 1-character term c exactly when a token starts
 * with "<c>x" (c is followed by a character of its run, or ends it). */
static int bigram_text(cy_buf *b, const char *text)
{
	const char *p = text;
	int rc = 0;

	while (p && *p && rc == 0) {
		size_t n;
		if (is_space(*p)) {
			p++;
			continue;
		}
		n = char_len(p);
		if (b->len)
			rc = cy_buf_putc(b, ' ');
		rc = rc ? rc : put_char(b, p, n);
		rc = rc ? rc : cy_buf_putc(b, 'x');
		if (rc == 0 && p[n] && !is_space(p[n]))
			rc = put_char(b, p + n, char_len(p + n));
		p += n;
	}
	return rc;
}

/* The bigram tokens of one document, in idx->grams. */
static int doc_grams(cy_sindex *idx, const char *title, const char *body)
{
	int rc;

	cy_buf_clear(&idx->grams);
	rc = bigram_text(&idx->grams, title);
	return rc ? rc : bigram_text(&idx->grams, body);
}

/* Take doc's bigrams out of the bigram table (no-op when doc is not
 * indexed).  The table is contentless: FTS5's 'delete' command needs the
 * values that were indexed, regenerated from the text in fts. */
static int bigrams_delete(cy_sindex *idx, int64_t doc)
{
	int rc, src;

	rc = prepare(idx, &idx->old, "SELECT c0, c1 FROM fts_content WHERE id = ?1");
	rc = rc ? rc
		: prepare(idx, &idx->bi_del,
			  "INSERT INTO bi(bi, rowid, grams) VALUES('delete', ?1, ?2)");
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(idx->old, 1, doc);
	src = sqlite3_step(idx->old);
	if (src == SQLITE_ROW)
		rc = doc_grams(idx, (const char *)sqlite3_column_text(idx->old, 0),
			       (const char *)sqlite3_column_text(idx->old, 1));
	else if (src != SQLITE_DONE)
		rc = db_fail(idx, src, "delete");
	sqlite3_reset(idx->old);
	if (rc < 0 || src != SQLITE_ROW)
		return rc;
	sqlite3_bind_int64(idx->bi_del, 1, doc);
	sqlite3_bind_text(idx->bi_del, 2, (const char *)idx->grams.ptr, (int)idx->grams.len,
			  SQLITE_STATIC);
	return step_done(idx, idx->bi_del, "delete");
}

/* One change of both tables is one transaction: its own when none is open
 * (all or nothing), else the caller's (cy_sindex_begin), which the caller
 * rolls back after a failure.  Not a savepoint: FTS5 writes its pending
 * terms out as a new segment at every savepoint, which made a bulk load
 * of many documents 7 times slower. */
static int change_begin(cy_sindex *idx)
{
	idx->own_txn = sqlite3_get_autocommit(idx->db) != 0;
	return idx->own_txn ? exec(idx, "BEGIN IMMEDIATE") : 0;
}

static int change_end(cy_sindex *idx, int rc)
{
	if (!idx->own_txn)
		return rc;
	if (rc == 0)
		rc = exec(idx, "COMMIT");
	if (rc < 0 && !sqlite3_get_autocommit(idx->db))
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int cy_sindex_add(cy_sindex *idx, int64_t doc, const char *title, const char *body)
{
	int rc;

	rc = prepare(idx, &idx->ins,
		     "INSERT OR REPLACE INTO fts(rowid, title, body) VALUES(?1, ?2, ?3)");
	if (rc == 0 && idx->bigrams)
		rc = prepare(idx, &idx->bi_ins, "INSERT INTO bi(rowid, grams) VALUES(?1, ?2)");
	rc = rc ? rc : change_begin(idx);
	if (rc < 0)
		return rc;
	cy_encvfs_fault_clear(idx->vfs);
	if (idx->bigrams)
		rc = bigrams_delete(idx, doc);
	if (rc == 0) {
		sqlite3_bind_int64(idx->ins, 1, doc);
		if (title)
			sqlite3_bind_text(idx->ins, 2, title, -1, SQLITE_STATIC);
		if (body)
			sqlite3_bind_text(idx->ins, 3, body, -1, SQLITE_STATIC);
		rc = step_done(idx, idx->ins, "add");
	}
	if (rc == 0 && idx->bigrams)
		rc = doc_grams(idx, title, body);
	if (rc == 0 && idx->bigrams) {
		sqlite3_bind_int64(idx->bi_ins, 1, doc);
		sqlite3_bind_text(idx->bi_ins, 2, (const char *)idx->grams.ptr, (int)idx->grams.len,
				  SQLITE_STATIC);
		rc = step_done(idx, idx->bi_ins, "add");
	}
	return change_end(idx, rc);
}

int cy_sindex_delete(cy_sindex *idx, int64_t doc)
{
	int rc = prepare(idx, &idx->del, "DELETE FROM fts WHERE rowid = ?1");

	rc = rc ? rc : change_begin(idx);
	if (rc < 0)
		return rc;
	cy_encvfs_fault_clear(idx->vfs);
	if (idx->bigrams)
		rc = bigrams_delete(idx, doc);
	if (rc == 0) {
		sqlite3_bind_int64(idx->del, 1, doc);
		rc = step_done(idx, idx->del, "delete");
	}
	return change_end(idx, rc);
}

int cy_sindex_clear(cy_sindex *idx)
{
	return recreate(idx, true);
}

int cy_sindex_count(cy_sindex *idx, int64_t *out)
{
	return query_int(idx, "SELECT count(*) FROM fts", out);
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

/* Append term (n bytes) to an FTS5 query as a string ("" doubled inside),
 * after " AND " when the query has a term already: so no FTS5 operator,
 * column filter or prefix mark in user text has an effect. */
static int put_fts_string(cy_buf *q, const char *term, size_t n)
{
	int rc = q->len ? cy_buf_puts(q, " AND ") : 0;

	rc = rc ? rc : cy_buf_putc(q, '"');
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = term[i] == '"' ? cy_buf_puts(q, "\"\"") : cy_buf_putc(q, term[i]);
	return rc ? rc : cy_buf_putc(q, '"');
}

/* A term of 1 or 2 characters as a bigram query: the pair token, or the
 * prefix of every token that starts with the character. */
static int put_bigram_term(cy_buf *q, const char *term, size_t n)
{
	cy_buf tok = CY_BUF_INIT;
	size_t first = char_len(term);
	int rc = put_char(&tok, term, first);

	rc = rc ? rc : cy_buf_putc(&tok, 'x');
	if (rc == 0 && first < n)
		rc = put_char(&tok, term + first, n - first);
	rc = rc ? rc : put_fts_string(q, (const char *)tok.ptr, tok.len);
	if (rc == 0 && first == n)
		rc = cy_buf_puts(q, " *");
	cy_buf_wipe(&tok);
	return rc;
}

int cy_sindex_query(cy_sindex *idx, const char *text, size_t limit, unsigned flags,
		    cy_sindex_hit_fn fn, void *arg)
{
	cy_buf tri = CY_BUF_INIT, bi = CY_BUF_INIT, shorts = CY_BUF_INIT;
	char sql[320];
	sqlite3_stmt *st;
	const char *p;
	unsigned kind;
	int rc = 0, src;

	if (!text || strlen(text) > CY_SINDEX_QUERY_MAX)
		return cy_error_set(CY_EINVALID, "search: the query is longer than %d bytes",
				    CY_SINDEX_QUERY_MAX);
	/* 3+ characters: the trigram table; 1-2 characters: the bigram table
	 * (when the index has one and the term is valid UTF-8, so that it is
	 * cut into characters as the documents are), else the scan */
	for (p = text; *p;) {
		size_t n, chars;
		while (is_space(*p))
			p++;
		for (n = 0; p[n] && !is_space(p[n]); n++)
			;
		if (n == 0)
			break;
		chars = utf8_chars(p, n);
		if (chars >= 3) {
			rc = put_fts_string(&tri, p, n);
		} else if (idx->bigrams && !idx->scan_short && cy_utf8_valid(p, n)) {
			rc = put_bigram_term(&bi, p, n);
		} else {
			if (shorts.len)
				rc = cy_buf_putc(&shorts, ' ');
			rc = rc ? rc : cy_buf_put(&shorts, p, n);
		}
		if (rc < 0)
			goto out;
		p += n;
	}
	if (!tri.len && !bi.len && !shorts.len) {
		rc = cy_error_set(CY_EINVALID, "search: empty query");
		goto out;
	}
	kind = (tri.len ? QK_TRI : 0) | (bi.len ? QK_BI : 0) | (shorts.len ? QK_SHORT : 0) |
	       ((flags & CY_SINDEX_BY_RANK) ? QK_RANK : 0);
	if (!idx->q[kind]) {
		query_sql(kind, sql, sizeof sql);
		rc = prepare(idx, &idx->q[kind], sql);
		if (rc < 0)
			goto out;
	}
	st = idx->q[kind];
	cy_encvfs_fault_clear(idx->vfs);
	if (tri.len)
		sqlite3_bind_text(st, 1, (const char *)tri.ptr, (int)tri.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
	if (shorts.len)
		sqlite3_bind_text(st, 3, (const char *)shorts.ptr, (int)shorts.len, SQLITE_STATIC);
	if (bi.len)
		sqlite3_bind_text(st, 4, (const char *)bi.ptr, (int)bi.len, SQLITE_STATIC);
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
	cy_buf_wipe(&tri);
	cy_buf_wipe(&bi);
	cy_buf_wipe(&shorts);
	return rc;
}

int cy_sindex_optimize(cy_sindex *idx)
{
	int rc = exec(idx, "INSERT INTO fts(fts) VALUES('optimize')");

	if (rc == 0 && idx->bigrams)
		rc = exec(idx, "INSERT INTO bi(bi) VALUES('optimize')");
	return rc;
}

/* Read every page of the file through the VFS, which authenticates each:
 * the integrity checks skip pages on the free list (FTS5's merges free
 * pages), and a changed byte there must not pass either. */
static int read_every_page(cy_sindex *idx)
{
	sqlite3_file *file = NULL;
	uint8_t *page = NULL;
	int64_t count = 0;
	int rc, src = SQLITE_OK;

	/* a read transaction, so that no writer changes the file meanwhile */
	rc = exec(idx, "BEGIN");
	rc = rc ? rc : query_int(idx, "PRAGMA page_count", &count);
	if (rc == 0 &&
	    (sqlite3_file_control(idx->db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
	     !file || !file->pMethods))
		rc = cy_error_set(CY_EDB, "search index %s: no file handle", idx->path);
	if (rc == 0 && !(page = malloc(CY_ENCPAGE_SIZE)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	cy_encvfs_fault_clear(idx->vfs);
	for (int64_t pg = 1; rc == 0 && src == SQLITE_OK && pg <= count; pg++)
		src = file->pMethods->xRead(file, page, CY_ENCPAGE_SIZE,
					    (sqlite3_int64)(pg - 1) * CY_ENCPAGE_SIZE);
	if (rc == 0 && src != SQLITE_OK)
		rc = db_fail(idx, src, "integrity check");
	if (page)
		explicit_bzero(page, CY_ENCPAGE_SIZE);
	free(page);
	sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL);
	return rc;
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
	if (rc == 0)
		rc = exec(idx, "INSERT INTO fts(fts) VALUES('integrity-check')");
	if (rc == 0 && idx->bigrams)
		rc = exec(idx, "INSERT INTO bi(bi) VALUES('integrity-check')");
	if (rc == 0)
		rc = read_every_page(idx);
	return rc;
}
