/* sindex_bench.c - the search index benchmark (docs/internals/search.md).
 *
 * Builds an index of N synthetic customer documents (name, mobile number,
 * e-mail address, postal address: about 100 bytes each) twice in the same
 * run: with custody's encrypted index (cy_sindex_*) and with plain SQLite
 * FTS5 trigram over the default VFS (the same schema, pragmas and
 * transaction size), then times Q queries on each: 3-character names,
 * 7-digit parts of mobile numbers, e-mail local parts, address fragments.
 * Terms of 2 characters (the surname and first given character of a name;
 * the same with a road name) plain FTS5 trigram cannot answer: for them the
 * second column is the encrypted index answering them by the scan of the
 * documents (cy_sindex__scan_short), as before the bigram table.  Those
 * two kinds are asked by document (the default order, the CLI's): a query
 * of short terms only has no bm25 order.
 * Prints build seconds, index size and query p50/p95/p99 per kind.
 * Run through bench/sindex.sh, which builds it against a release build. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "custody/sindex.h"
#include "search/sindex_internal.h"

static const char *const SUR[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
				  "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
				  "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"};
static const char *const GIV[] = {"伟", "芳", "娜", "秀", "敏", "静", "丽", "强", "磊", "军",
				  "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "兰", "霞",
				  "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "辉"};
static const char *const CITY[] = {"北京市朝阳区", "上海市浦东新区", "广州市天河区",
				   "深圳市南山区", "杭州市西湖区",   "成都市武侯区",
				   "南京市鼓楼区", "武汉市洪山区"};
static const char *const ROAD[] = {"建国路", "人民路", "解放路", "中山路", "和平路",
				   "长江路", "黄河路", "延安路", "胜利路", "光明路"};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct docgen {
	char title[64];
	char body[256];
	char name[32], phone[16], email[48], addr[96];
} docgen;

static void gen(int64_t i, docgen *d)
{
	uint64_t r = rnd();
	snprintf(d->name, sizeof d->name, "%s%s%s", SUR[r % 30], GIV[(r >> 8) % 30],
		 GIV[(r >> 16) % 30]);
	snprintf(d->phone, sizeof d->phone, "1%02u%08u", 30 + (unsigned)((r >> 24) % 60),
		 (unsigned)((r >> 32) % 100000000));
	snprintf(d->email, sizeof d->email, "user%lld.%u@example.com", (long long)i,
		 (unsigned)((r >> 40) % 1000));
	snprintf(d->addr, sizeof d->addr, "%s%s%u号%u室", CITY[(r >> 48) % 8], ROAD[(r >> 52) % 10],
		 (unsigned)((r >> 56) % 200) + 1, (unsigned)(rnd() % 2000) + 101);
	snprintf(d->title, sizeof d->title, "客户资料 %s", d->name);
	snprintf(d->body, sizeof d->body, "%s %s %s %s", d->name, d->phone, d->email, d->addr);
}

#define KINDS 6
#define KIND_SHORT 4 /* from here on, the second column is the scan */
static const char *const KIND_NAME[KINDS] = {"name (3 chars)",	  "phone (7 digits)",
					     "e-mail local part", "address fragment",
					     "name (2 chars)",	  "2-char name + road"};

static void make_query(int64_t i, int kind, char *q, size_t n)
{
	docgen d;
	gen(i, &d);
	switch (kind) {
	case 0:
		snprintf(q, n, "%s", d.name);
		break;
	case 1:
		snprintf(q, n, "%.7s", d.phone + 3);
		break;
	case 2:
		snprintf(q, n, "user%lld.", (long long)i);
		break;
	case 3:
		/* road, number and room: "人民路12号345室" */
		snprintf(q, n, "%s", strstr(d.addr, "区") + strlen("区"));
		break;
	case 4:
		/* surname and first given character: 2 characters of 3 bytes */
		snprintf(q, n, "%.6s", d.name);
		break;
	default:
		snprintf(q, n, "%.6s %.9s", d.name, strstr(d.addr, "区") + strlen("区"));
		break;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int count_hit(void *arg, int64_t doc, double rank)
{
	(*(long *)arg)++;
	return 0;
}

typedef struct plain {
	sqlite3 *db;
	sqlite3_stmt *ins, *q;
} plain;

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "sindex_bench: %s: %s\n", what, msg);
	exit(1);
}

static void plain_open(plain *p, const char *path)
{
	if (sqlite3_open(path, &p->db) != SQLITE_OK)
		die("plain open", sqlite3_errmsg(p->db));
	if (sqlite3_exec(p->db,
			 "PRAGMA page_size=4096; PRAGMA temp_store=MEMORY; "
			 "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL; "
			 "PRAGMA cache_size=-65536; "
			 "CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body, "
			 "tokenize='trigram')",
			 NULL, NULL, NULL) != SQLITE_OK)
		die("plain setup", sqlite3_errmsg(p->db));
	sqlite3_prepare_v2(p->db, "INSERT OR REPLACE INTO fts(rowid, title, body) VALUES(?,?,?)",
			   -1, &p->ins, NULL);
	sqlite3_prepare_v2(p->db,
			   "SELECT rowid, rank FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 50",
			   -1, &p->q, NULL);
}

static long plain_query(plain *p, const char *text)
{
	char m[256];
	long n = 0;
	snprintf(m, sizeof m, "\"%s\"", text);
	sqlite3_bind_text(p->q, 1, m, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(p->q) == SQLITE_ROW)
		n++;
	sqlite3_reset(p->q);
	return n;
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

int main(int argc, char **argv)
{
	const char *dir;
	long ndocs, nq, batch = 100000;
	char enc_path[512], plain_path[512];
	uint8_t key[CY_SINDEX_KEY_LEN];
	cy_sindex *idx = NULL;
	plain p = {0};
	double t0, t_enc, t_plain;
	double *lat[2][KINDS];
	int64_t *qdoc;

	if (argc < 4) {
		fprintf(stderr, "usage: sindex_bench DIR NDOCS NQUERIES\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dir = argv[1];
	ndocs = strtol(argv[2], NULL, 10);
	nq = strtol(argv[3], NULL, 10);
	snprintf(enc_path, sizeof enc_path, "%s/enc.db", dir);
	snprintf(plain_path, sizeof plain_path, "%s/plain.db", dir);
	unlink(enc_path);
	unlink(plain_path);
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 11 + 5);

	/* encrypted build */
	if (cy_sindex_open(enc_path, key, true, &idx) < 0)
		die("open", "encrypted index");
	rng_state = 0x9E3779B97F4A7C15ull;
	t0 = now();
	for (long i = 0; i < ndocs; i++) {
		docgen d;
		if (i % batch == 0 && cy_sindex_begin(idx) < 0)
			die("begin", "");
		gen(i + 1, &d);
		if (cy_sindex_add(idx, i + 1, d.title, d.body) < 0)
			die("add", "");
		if ((i + 1) % batch == 0 || i + 1 == ndocs)
			if (cy_sindex_commit(idx) < 0)
				die("commit", "");
	}
	t_enc = now() - t0;

	/* plain build */
	plain_open(&p, plain_path);
	rng_state = 0x9E3779B97F4A7C15ull;
	t0 = now();
	for (long i = 0; i < ndocs; i++) {
		docgen d;
		if (i % batch == 0)
			sqlite3_exec(p.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		gen(i + 1, &d);
		sqlite3_bind_int64(p.ins, 1, i + 1);
		sqlite3_bind_text(p.ins, 2, d.title, -1, SQLITE_STATIC);
		sqlite3_bind_text(p.ins, 3, d.body, -1, SQLITE_STATIC);
		if (sqlite3_step(p.ins) != SQLITE_DONE)
			die("plain insert", sqlite3_errmsg(p.db));
		sqlite3_reset(p.ins);
		if ((i + 1) % batch == 0 || i + 1 == ndocs)
			sqlite3_exec(p.db, "COMMIT", NULL, NULL, NULL);
	}
	t_plain = now() - t0;

	printf("documents           %ld\n", ndocs);
	printf("build encrypted     %.2f s  (%.1f MB)\n", t_enc, file_size(enc_path) / 1e6);
	printf("build plain FTS5    %.2f s  (%.1f MB)\n", t_plain, file_size(plain_path) / 1e6);
	if (getenv("SINDEX_BENCH_OPTIMIZE")) {
		t0 = now();
		if (cy_sindex_optimize(idx) < 0)
			die("optimize", "");
		printf("optimize encrypted  %.2f s\n", now() - t0);
		t0 = now();
		sqlite3_exec(p.db, "INSERT INTO fts(fts) VALUES('optimize')", NULL, NULL, NULL);
		printf("optimize plain      %.2f s\n", now() - t0);
	}

	/* the same documents' values are asked of both; the generator is
	 * replayed per query (its state is reset to the document's) */
	qdoc = malloc(sizeof *qdoc * (size_t)nq);
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < KINDS; k++)
			lat[s][k] = malloc(sizeof(double) * (size_t)nq);
	/* the queries: regenerate the documents in order and keep the chosen */
	{
		char(*qs)[KINDS][128] = malloc(sizeof *qs * (size_t)nq);
		uint64_t pick = 12345;
		for (long j = 0; j < nq; j++) {
			pick = pick * 6364136223846793005ull + 1442695040888963407ull;
			qdoc[j] = (int64_t)(pick >> 33) % ndocs + 1;
		}
		/* sort-free: one pass over the generator, look-up by id */
		{
			char *want = calloc((size_t)ndocs + 1, 1);
			long *slot = malloc(sizeof(long) * ((size_t)ndocs + 1));
			for (long j = 0; j < nq; j++) {
				want[qdoc[j]] = 1;
				slot[qdoc[j]] = j;
			}
			rng_state = 0x9E3779B97F4A7C15ull;
			for (long i = 1; i <= ndocs; i++) {
				uint64_t saved = rng_state;
				docgen d;
				if (want[i]) {
					for (int k = 0; k < KINDS; k++) {
						rng_state = saved;
						make_query(i, k, qs[slot[i]][k], 128);
					}
				}
				rng_state = saved;
				gen(i, &d);
			}
			/* duplicates of a doc share the slot of its last query */
			for (long j = 0; j < nq; j++)
				if (slot[qdoc[j]] != j)
					memcpy(qs[j], qs[slot[qdoc[j]]], sizeof qs[j]);
			free(want);
			free(slot);
		}
		for (int k = 0; k < KINDS; k++) {
			long hits_enc = 0, hits_plain = 0, miss = 0;
			for (long j = 0; j < nq; j++) {
				long n = 0;
				double t = now();
				if (cy_sindex_query(idx, qs[j][k], 50,
						    k < KIND_SHORT ? CY_SINDEX_BY_RANK : 0,
						    count_hit, &n) < 0)
					die("query", qs[j][k]);
				lat[0][k][j] = now() - t;
				hits_enc += n;
				if (n == 0)
					miss++;
				t = now();
				if (k < KIND_SHORT) {
					hits_plain += plain_query(&p, qs[j][k]);
				} else {
					n = 0;
					cy_sindex__scan_short(idx, true);
					if (cy_sindex_query(idx, qs[j][k], 50, 0, count_hit, &n) <
					    0)
						die("query", qs[j][k]);
					cy_sindex__scan_short(idx, false);
					hits_plain += n;
				}
				lat[1][k][j] = now() - t;
			}
			for (int s = 0; s < 2; s++)
				qsort(lat[s][k], (size_t)nq, sizeof(double), cmp_double);
			printf("%-18s  encrypted p50 %.3f ms p95 %.3f ms p99 %.3f ms | %s p50 "
			       "%.3f ms p95 %.3f ms p99 %.3f ms | hits %ld/%ld, %ld queries "
			       "without a hit\n",
			       KIND_NAME[k], k < KIND_SHORT ? "plain" : "enc. scan",
			       lat[0][k][nq / 2] * 1e3, lat[0][k][nq * 95 / 100] * 1e3,
			       lat[0][k][nq * 99 / 100] * 1e3, lat[1][k][nq / 2] * 1e3,
			       lat[1][k][nq * 95 / 100] * 1e3, lat[1][k][nq * 99 / 100] * 1e3,
			       hits_enc, hits_plain, miss);
		}
		free(qs);
	}
	{
		/* single short queries: the bigram table, then the scan */
		static const char *const SHORT[] = {"王芳", "Zq", "王", "Z"};
		for (size_t i = 0; i < sizeof SHORT / sizeof SHORT[0]; i++) {
			for (int scan = 0; scan < 2; scan++) {
				long n = 0;
				double t;
				cy_sindex__scan_short(idx, scan);
				t = now();
				cy_sindex_query(idx, SHORT[i], 50, 0, count_hit, &n);
				printf("short term %-6s   encrypted %s %.1f ms, %ld hits (limit 50)\n",
				       SHORT[i], scan ? "scan  " : "bigram", (now() - t) * 1e3, n);
			}
			cy_sindex__scan_short(idx, false);
		}
	}
	{
		/* a term in one document of eight: bm25 orders every match */
		long n = 0;
		double t = now();
		cy_sindex_query(idx, "北京市朝阳区", 50, CY_SINDEX_BY_RANK, count_hit, &n);
		printf("common term         encrypted %.1f ms by rank (北京市朝阳区, limit 50, "
		       "%ld hits)\n",
		       (now() - t) * 1e3, n);
		n = 0;
		t = now();
		cy_sindex_query(idx, "北京市朝阳区", 50, 0, count_hit, &n);
		printf("common term         encrypted %.1f ms by document (%ld hits)\n",
		       (now() - t) * 1e3, n);
	}
	cy_sindex_close(idx);
	sqlite3_finalize(p.ins);
	sqlite3_finalize(p.q);
	sqlite3_close(p.db);
	return 0;
}
