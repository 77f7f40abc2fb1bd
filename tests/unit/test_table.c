/* test_table.c - tables from outside (src/ingest/table.c, table_map.c):
 * encodings (GBK with Chinese headers, UTF-8 with a BOM, UTF-16LE with a
 * BOM, Big5, a given encoding), physical line numbers across embedded
 * newlines and CRLF, Excel's quirks (="0123", scientific notation in an
 * identifier, serial and Chinese dates, a title row, trailing empty
 * columns), undecodable bytes, header matching, the map file of
 * docs/formats/table-map.md, limits, and the same answers whatever the
 * pieces the bytes are fed in.  Real-looking ID numbers come from
 * ../shared/testdata/ids/cn_ids.tsv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <iconv.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/datetime.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/table.h"
#include "testutil.h"

#include "custody/banned.h"

#define IDS_TSV CY_TESTDATA "/ids/cn_ids.tsv"
#define MAP_DOC CY_SRCDIR "/docs/formats/table-map.md"

#define MAXROWS 256
#define MAXREJ 32

typedef struct got_row {
	uint64_t line, number;
	char *f[CY_TF_COUNT];
	size_t nextra, nprob;
	char *xname[16], *xval[16];
	int pfield[16];
	char *pval[16], *preason[16];
} got_row;

typedef struct got_rej {
	uint64_t line;
	char *reason;
	cy_buf raw;
} got_rej;

typedef struct got {
	got_row row[MAXROWS];
	size_t nrows;
	got_rej rej[MAXREJ];
	size_t nrej;
	int headers;
	int stop_after; /* stop (CY_ECANCELLED) after this many rows; 0: never */
} got;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int on_header(void *arg, const cy_table *t)
{
	got *g = arg;
	size_t n;

	assert_non_null(cy_table_columns(t, &n));
	g->headers++;
	return 0;
}

static int on_row(void *arg, const cy_table_row *r)
{
	got *g = arg;
	got_row *w;

	assert_true(g->nrows < MAXROWS);
	w = &g->row[g->nrows++];
	w->line = r->line;
	w->number = r->number;
	for (int f = 0; f < CY_TF_COUNT; f++)
		w->f[f] = dup_or_null(r->field[f]);
	assert_true(r->nextra <= 16 && r->nproblem <= 16);
	w->nextra = r->nextra;
	for (size_t i = 0; i < r->nextra; i++) {
		w->xname[i] = strdup(r->extra[i].name);
		w->xval[i] = strdup(r->extra[i].value);
	}
	w->nprob = r->nproblem;
	for (size_t i = 0; i < r->nproblem; i++) {
		w->pfield[i] = r->problem[i].field;
		w->pval[i] = strdup(r->problem[i].value);
		w->preason[i] = strdup(r->problem[i].reason);
	}
	assert_non_null(r->raw);
	if (g->stop_after && g->nrows == (size_t)g->stop_after)
		return CY_ECANCELLED;
	return 0;
}

static int on_reject(void *arg, const cy_table_reject *r)
{
	got *g = arg;
	got_rej *w;

	assert_true(g->nrej < MAXREJ);
	w = &g->rej[g->nrej++];
	w->line = r->line;
	w->reason = strdup(r->reason);
	cy_buf_init(&w->raw);
	cy_buf_put(&w->raw, r->raw ? r->raw : "", r->raw_len);
	return 0;
}

static void got_free(got *g)
{
	for (size_t i = 0; i < g->nrows; i++) {
		got_row *w = &g->row[i];
		for (int f = 0; f < CY_TF_COUNT; f++)
			free(w->f[f]);
		for (size_t k = 0; k < w->nextra; k++)
			free(w->xname[k]), free(w->xval[k]);
		for (size_t k = 0; k < w->nprob; k++)
			free(w->pval[k]), free(w->preason[k]);
	}
	for (size_t i = 0; i < g->nrej; i++) {
		free(g->rej[i].reason);
		cy_buf_release(&g->rej[i].raw);
	}
	memset(g, 0, sizeof(*g));
}

static const cy_table_handler HANDLER = {on_header, on_row, on_reject};

/* Feed data in pieces of `chunk` bytes (0: all at once), then finish. */
static int run(const void *data, size_t n, const cy_table_opts *o, size_t chunk, got *g,
	       cy_table **out)
{
	cy_table *t = NULL;
	const uint8_t *d = data;
	int rc;

	assert_int_equal(cy_table_new(o, &HANDLER, g, &t), 0);
	if (!chunk)
		chunk = n ? n : 1;
	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		if ((rc = cy_table_csv_feed(t, d + i, k)))
			goto out;
	}
	rc = cy_table_finish(t);
out:
	if (out)
		*out = t;
	else
		cy_table_free(t);
	return rc;
}

/* UTF-8 text in another encoding, through iconv. */
static void to_enc(const char *s, const char *enc, cy_buf *out)
{
	iconv_t cd = iconv_open(enc, "UTF-8");
	char *in = (char *)s, *o;
	size_t inl = strlen(s), ol;

	assert_true(cd != (iconv_t)-1);
	assert_int_equal(cy_buf_grow(out, inl * 4 + 16), 0);
	o = (char *)out->ptr + out->len;
	ol = out->cap - out->len - 1;
	assert_true(iconv(cd, &in, &inl, &o, &ol) != (size_t)-1);
	out->len = (size_t)((uint8_t *)o - out->ptr);
	iconv_close(cd);
}

/* The first n valid 18-character resident ID numbers of the shared data. */
static size_t shared_ids(char ids[][19], size_t n)
{
	cy_buf b = CY_BUF_INIT;
	size_t k = 0;
	char *line, *save = NULL;

	assert_int_equal(tu_read_file(IDS_TSV, &b), 0);
	for (line = strtok_r((char *)b.ptr, "\n", &save); line && k < n;
	     line = strtok_r(NULL, "\n", &save)) {
		char kind[64], value[64], valid[16];
		if (sscanf(line, "%63[^\t]\t%63[^\t]\t%15[^\t]", kind, value, valid) != 3)
			continue;
		if (!strcmp(kind, "cn_resident_id_18") && !strcmp(valid, "true") &&
		    strlen(value) == 18 && value[17] != 'x')
			memcpy(ids[k++], value, 19);
	}
	cy_buf_release(&b);
	return k;
}

/* ---- encodings ---- */

static void test_table_gbk_chinese_headers(void **state)
{
	char ids[3][19];
	cy_buf text = CY_BUF_INIT, gbk = CY_BUF_INIT;
	cy_table *t;
	got g = {0};
	size_t ncols;
	const cy_table_column *cols;

	(void)state;
	assert_int_equal(shared_ids(ids, 3), 3);
	cy_buf_puts(&text, "客户编号,客户名称,身份证号码,手机号码,联系地址,开户行,银行卡号\r\n");
	for (int i = 0; i < 3; i++)
		cy_buf_printf(
			&text,
			"C%04d,张伟%d,%s,1391234567%d,北京市朝阳区建国路%d号,中国工商银行北京分行,"
			"6222020200112233%03d\r\n",
			i + 1, i, ids[i], i, i + 1, i);
	to_enc(cy_buf_cstr(&text), "GBK", &gbk);
	/* one byte at a time: the same rows as all at once */
	for (size_t chunk = 0; chunk <= 1; chunk++) {
		assert_int_equal(run(gbk.ptr, gbk.len, NULL, chunk, &g, &t), 0);
		assert_string_equal(cy_table_encoding(t), "GB18030");
		assert_string_equal(cy_table_encoding_source(t), "uchardet");
		cols = cy_table_columns(t, &ncols);
		assert_int_equal(ncols, 7);
		assert_string_equal(cols[2].header, "身份证号码");
		assert_int_equal(cols[2].field, CY_TF_ID_NUMBER);
		assert_int_equal(cols[2].kind, CY_TABLE_COL_BUILTIN);
		assert_int_equal(cols[6].field, CY_TF_ACCOUNT);
		assert_int_equal(g.headers, 1);
		assert_int_equal(g.nrows, 3);
		assert_int_equal(g.nrej, 0);
		for (int i = 0; i < 3; i++) {
			char want[64];
			assert_int_equal(g.row[i].line, (uint64_t)i + 2);
			assert_int_equal(g.row[i].number, (uint64_t)i + 1);
			assert_string_equal(g.row[i].f[CY_TF_ID_NUMBER], ids[i]);
			snprintf(want, sizeof(want), "张伟%d", i);
			assert_string_equal(g.row[i].f[CY_TF_NAME], want);
			snprintf(want, sizeof(want), "C%04d", i + 1);
			assert_string_equal(g.row[i].f[CY_TF_CUSTOMER_NO], want);
			assert_string_equal(g.row[i].f[CY_TF_BANK], "中国工商银行北京分行");
			assert_int_equal(g.row[i].nextra, 0);
		}
		assert_string_equal(g.row[1].f[CY_TF_PHONE], "13912345671");
		assert_string_equal(g.row[2].f[CY_TF_ADDRESS], "北京市朝阳区建国路3号");
		assert_int_equal(cy_table_get_counts(t)->header_line, 1);
		assert_int_equal(cy_table_get_counts(t)->lines, 4);
		cy_table_free(t);
		got_free(&g);
	}
	cy_buf_release(&text);
	cy_buf_release(&gbk);
}

static void test_table_given_encoding(void **state)
{
	cy_buf gbk = CY_BUF_INIT;
	cy_table *t;
	got g = {0};
	cy_table_opts o = {.encoding = "gbk"};

	(void)state;
	/* too short for uchardet to be sure; the encoding is given */
	to_enc("姓名\n李\n", "GBK", &gbk);
	assert_int_equal(run(gbk.ptr, gbk.len, &o, 0, &g, &t), 0);
	assert_string_equal(cy_table_encoding(t), "GB18030");
	assert_string_equal(cy_table_encoding_source(t), "given");
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "李");
	cy_table_free(t);
	got_free(&g);
	/* a GB18030-only character (not in GBK) through the given encoding */
	cy_buf_clear(&gbk);
	to_enc("name\n\xf0\xa0\x80\x80王\n", "GB18030", &gbk);
	o.encoding = "gb18030";
	assert_int_equal(run(gbk.ptr, gbk.len, &o, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "\xf0\xa0\x80\x80王");
	got_free(&g);
	/* an encoding custody does not know is refused up front */
	o.encoding = "ebcdic";
	assert_int_equal(cy_table_new(&o, &HANDLER, &g, &t), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "gb18030"));
	cy_buf_release(&gbk);
}

static void test_table_utf8_bom(void **state)
{
	static const char csv[] = "\xef\xbb\xbf"
				  "Customer No,Name,E-mail,Level\n"
				  "A-7,Li Na,li.na@example.cn,gold\n";
	cy_table *t;
	got g = {0};
	size_t n;
	const cy_table_column *cols;

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, &t), 0);
	assert_string_equal(cy_table_encoding(t), "UTF-8");
	assert_string_equal(cy_table_encoding_source(t), "bom");
	cols = cy_table_columns(t, &n);
	assert_int_equal(n, 4);
	/* the BOM is not part of the first header */
	assert_string_equal(cols[0].header, "Customer No");
	assert_int_equal(cols[0].field, CY_TF_CUSTOMER_NO);
	assert_int_equal(cols[3].kind, CY_TABLE_COL_EXTRA);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_CUSTOMER_NO], "A-7");
	assert_string_equal(g.row[0].f[CY_TF_NAME], "Li Na");
	assert_string_equal(g.row[0].f[CY_TF_EMAIL], "li.na@example.cn");
	/* an unknown header is kept, value and name as given */
	assert_int_equal(g.row[0].nextra, 1);
	assert_string_equal(g.row[0].xname[0], "Level");
	assert_string_equal(g.row[0].xval[0], "gold");
	cy_table_free(t);
	got_free(&g);
}

static void test_table_utf16le_bom(void **state)
{
	cy_buf u16 = CY_BUF_INIT;
	cy_table *t;
	got g = {0};

	(void)state;
	cy_buf_put(&u16, "\xff\xfe", 2);
	to_enc("姓名,手机,备注\r\n王芳,13800138000,\"第一行\r\n第二行\"\r\n赵磊,13700137000,无\r\n",
	       "UTF-16LE", &u16);
	for (size_t chunk = 0; chunk <= 3; chunk += 3) { /* odd pieces split code units */
		assert_int_equal(run(u16.ptr, u16.len, NULL, chunk, &g, &t), 0);
		assert_string_equal(cy_table_encoding(t), "UTF-16LE");
		assert_string_equal(cy_table_encoding_source(t), "bom");
		assert_int_equal(g.nrows, 2);
		assert_string_equal(g.row[0].f[CY_TF_NAME], "王芳");
		assert_string_equal(g.row[0].f[CY_TF_PHONE], "13800138000");
		assert_string_equal(g.row[0].f[CY_TF_NOTE], "第一行\r\n第二行");
		assert_int_equal(g.row[0].line, 2);
		assert_int_equal(g.row[1].line, 4); /* after the embedded CRLF */
		assert_string_equal(g.row[1].f[CY_TF_NAME], "赵磊");
		cy_table_free(t);
		got_free(&g);
	}
	cy_buf_release(&u16);
}

static void test_table_utf16_tab_separated(void **state)
{
	/* Excel's "Unicode text": UTF-16LE with a BOM, tab-separated, CRLF */
	cy_buf u16 = CY_BUF_INIT;
	cy_table *t;
	got g = {0};
	size_t n;

	(void)state;
	cy_buf_put(&u16, "\xff\xfe", 2);
	to_enc("客户编号\t客户名称\t联系地址\r\nC1\t张三\t北京市, 海淀区\r\nC2\t李四\t上海市\r\n",
	       "UTF-16LE", &u16);
	assert_int_equal(run(u16.ptr, u16.len, NULL, 0, &g, &t), 0);
	assert_int_equal(cy_table_delimiter(t), '\t');
	assert_non_null(cy_table_columns(t, &n));
	assert_int_equal(n, 3);
	assert_int_equal(g.nrows, 2);
	assert_string_equal(g.row[0].f[CY_TF_ADDRESS], "北京市, 海淀区");
	assert_string_equal(g.row[1].f[CY_TF_NAME], "李四");
	assert_int_equal(g.row[1].line, 3);
	assert_string_equal(cy_table_col_kind_name(cy_table_columns(t, &n)[0].kind), "builtin");
	cy_table_free(t);
	got_free(&g);
	/* semicolons (Excel where the decimal mark is a comma) */
	static const char semi[] = "name;amount;note\nA;1,50;x\nB;2,00;y\n";
	assert_int_equal(run(semi, sizeof(semi) - 1, NULL, 0, &g, &t), 0);
	assert_int_equal(cy_table_delimiter(t), ';');
	assert_string_equal(g.row[0].f[CY_TF_AMOUNT], "1,50");
	cy_table_free(t);
	got_free(&g);
	cy_buf_release(&u16);
}

static void test_table_big5(void **state)
{
	cy_buf text = CY_BUF_INIT, big5 = CY_BUF_INIT;
	cy_table *t;
	got g = {0};

	(void)state;
	cy_buf_puts(&text, "name,address,note\n");
	for (int i = 0; i < 20; i++)
		cy_buf_printf(&text,
			      "陳美玲%d,臺北市信義區松仁路%d號,這是一個測試資料，請勿使用。\n", i,
			      i + 1);
	to_enc(cy_buf_cstr(&text), "BIG5", &big5);
	assert_int_equal(run(big5.ptr, big5.len, NULL, 0, &g, &t), 0);
	assert_string_equal(cy_table_encoding(t), "BIG5");
	assert_string_equal(cy_table_encoding_source(t), "uchardet");
	assert_int_equal(g.nrows, 20);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "陳美玲0");
	assert_string_equal(g.row[19].f[CY_TF_ADDRESS], "臺北市信義區松仁路20號");
	assert_int_equal(g.row[19].line, 21);
	cy_table_free(t);
	got_free(&g);
	/* and when given */
	cy_table_opts o = {.encoding = "big5"};
	cy_buf_clear(&big5);
	to_enc("姓名\n張三\n", "BIG5", &big5);
	assert_int_equal(run(big5.ptr, big5.len, &o, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "張三");
	got_free(&g);
	cy_buf_release(&text);
	cy_buf_release(&big5);
}

/* ---- lines ---- */

static void test_table_embedded_newlines(void **state)
{
	static const char csv[] = "name,address,phone\n"
				  "甲,\"北京市\n海淀区\n中关村\",13900000001\n"
				  "\n"
				  "乙,\"上海市\r\n浦东\",13900000002\r\n"
				  "丙,\"a \"\"quoted\"\" word\",13900000003\n"
				  "丁,广州,13900000004";
	got g = {0};

	(void)state;
	for (size_t chunk = 0; chunk <= 1; chunk++) {
		cy_table *t;
		assert_int_equal(run(csv, sizeof(csv) - 1, NULL, chunk, &g, &t), 0);
		assert_int_equal(g.nrows, 4);
		assert_int_equal(g.row[0].line, 2);
		assert_string_equal(g.row[0].f[CY_TF_ADDRESS], "北京市\n海淀区\n中关村");
		assert_int_equal(g.row[1].line, 6); /* line 5 is blank */
		assert_string_equal(g.row[1].f[CY_TF_ADDRESS], "上海市\r\n浦东");
		assert_int_equal(g.row[2].line, 8);
		assert_string_equal(g.row[2].f[CY_TF_ADDRESS], "a \"quoted\" word");
		assert_int_equal(g.row[3].line, 9); /* no newline at the end */
		assert_string_equal(g.row[3].f[CY_TF_PHONE], "13900000004");
		assert_int_equal(cy_table_get_counts(t)->lines, 9);
		assert_int_equal(cy_table_get_counts(t)->empty_rows, 1);
		cy_table_free(t);
		got_free(&g);
	}
}

static void test_table_unclosed_quote(void **state)
{
	static const char csv[] = "name,note\n甲,ok\n乙,\"never closed\n丙,x\n";
	got g = {0};

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej[0].line, 3);
	assert_non_null(strstr(g.rej[0].reason, "never closed"));
	/* the reject keeps what the row held, to the end */
	assert_int_equal(g.rej[0].raw.len, strlen("乙,\"never closed\n丙,x\n"));
	got_free(&g);
}

/* ---- Excel's quirks ---- */

static void test_table_excel_text_forcing(void **state)
{
	static const char csv[] = "客户编号,手机,邮编\n"
				  "=\"0123\",=\"013912345678\",\"=\"\"010020\"\"\"\n";
	got g = {0};

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_CUSTOMER_NO], "0123");
	assert_string_equal(g.row[0].f[CY_TF_PHONE], "013912345678");
	assert_string_equal(g.row[0].f[CY_TF_POSTCODE], "010020");
	got_free(&g);
}

static void test_table_scientific_id(void **state)
{
	char ids[1][19];
	char csv[512];
	got g = {0};

	(void)state;
	assert_int_equal(shared_ids(ids, 1), 1);
	snprintf(csv, sizeof(csv),
		 "姓名,身份证号,银行卡号,金额\n"
		 "甲,1.10105E+17,6222020200112233001,1.5E+3\n"
		 "乙,%s,6.22202E+18,10\n"
		 "丙,%s,6222020200112233003,2E3\n",
		 ids[0], ids[0]);
	assert_int_equal(run(csv, strlen(csv), NULL, 0, &g, NULL), 0);
	assert_int_equal(g.nrej, 2);
	assert_int_equal(g.rej[0].line, 2);
	assert_non_null(strstr(g.rej[0].reason, "scientific notation"));
	assert_non_null(strstr(g.rej[0].reason, "id_number"));
	assert_null(strstr(g.rej[0].reason, "1.10105")); /* the reason names no value */
	assert_string_equal((const char *)g.rej[0].raw.ptr,
			    "甲,1.10105E+17,6222020200112233001,1.5E+3\n");
	assert_int_equal(g.rej[1].line, 3);
	assert_non_null(strstr(g.rej[1].reason, "account"));
	/* an amount may be written so: it is not an identifier */
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.row[0].line, 4);
	assert_string_equal(g.row[0].f[CY_TF_ID_NUMBER], ids[0]);
	assert_string_equal(g.row[0].f[CY_TF_AMOUNT], "2E3");
	got_free(&g);
	assert_true(cy_table_is_scientific("1.10105E+17"));
	assert_true(cy_table_is_scientific("4.40113e17"));
	assert_true(cy_table_is_scientific("-2E-3"));
	assert_false(cy_table_is_scientific("110105194912310021"));
	assert_false(cy_table_is_scientific("E12345678")); /* a passport number */
	assert_false(cy_table_is_scientific("1.1E"));
	assert_false(cy_table_is_scientific("12E3X"));
}

static void test_table_dates(void **state)
{
	static const struct {
		const char *in, *want;
	} V[] = {
		{"45123", "2023-07-16"},
		{"45123.5", "2023-07-16"},
		{"61", "1900-03-01"},
		{"59", "1900-02-28"},
		{"1", "1900-01-01"},
		{"2024/3/5", "2024-03-05"},
		{"2024-03-05", "2024-03-05"},
		{"2024-3-5", "2024-03-05"},
		{"2024.03.05", "2024-03-05"},
		{"2024年3月5日", "2024-03-05"},
		{"2024年03月05日", "2024-03-05"},
		{"20240305", "2024-03-05"},
		{"2024-03-05 10:22:00", "2024-03-05"},
		{"2024/3/5 9:05", "2024-03-05"},
		{"2024-02-29", "2024-02-29"},
	};
	static const char *const BAD[] = {"2023-02-29",	 "2024/13/1", "60",	  "2024",
					  "2024-03",	 "20241301",  "3/5/2024", "yesterday",
					  "2024-03-05x", "2024/3-5",  "0",	  "-5"};
	char out[11];

	(void)state;
	for (size_t i = 0; i < sizeof(V) / sizeof(V[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (cy_table_date(V[i].in, out))
			fail_msg("%s: %s", V[i].in, cy_error_message());
		assert_string_equal(out, V[i].want);
	}
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++)
		if (cy_table_date(BAD[i], out) != CY_EINVALID)
			fail_msg("%s taken as a date", BAD[i]);
	/* cy_civil_from_days (datetime.c) is the inverse of cy_days_from_civil */
	for (int64_t days = -719468; days < 2932897; days += 997) {
		int y, m, d;
		cy_civil_from_days(days, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		assert_int_equal(cy_days_from_civil(y, m, d), days);
	}
	{
		int y, m, d;
		cy_civil_from_days(0, &y, &m, &d);
		assert_true(y == 1970 && m == 1 && d == 1);
		cy_civil_from_days(19787, &y, &m, &d); /* 2024-03-05 */
		assert_true(y == 2024 && m == 3 && d == 5);
	}
}

static void test_table_date_columns(void **state)
{
	static const char csv[] = "交易日期,金额,签订日期,出生日期\n"
				  "45123,100.00,2024年3月5日,19900102\n"
				  "2024/3/5,-5,not yet,\n";
	got g = {0};

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 2);
	assert_string_equal(g.row[0].f[CY_TF_DATE], "2023-07-16");
	assert_string_equal(g.row[0].f[CY_TF_SIGNED], "2024-03-05");
	assert_string_equal(g.row[0].f[CY_TF_BIRTH_DATE], "1990-01-02");
	assert_string_equal(g.row[0].f[CY_TF_AMOUNT], "100.00");
	assert_int_equal(g.row[0].nprob, 0);
	assert_string_equal(g.row[1].f[CY_TF_DATE], "2024-03-05");
	/* not a date: not the field's value, but not lost either */
	assert_null(g.row[1].f[CY_TF_SIGNED]);
	assert_null(g.row[1].f[CY_TF_BIRTH_DATE]);
	assert_int_equal(g.row[1].nprob, 1);
	assert_int_equal(g.row[1].pfield[0], CY_TF_SIGNED);
	assert_string_equal(g.row[1].pval[0], "not yet");
	assert_string_equal(g.row[1].preason[0], "not a date");
	got_free(&g);
}

static void test_table_title_row(void **state)
{
	static const char csv[] = "某某公司客户信息导出（2024年12月）,,,\n"
				  "\n"
				  "客户编号,姓名,电话,\n"
				  "C1,甲,010-12345678,\n";
	static const char csv2[] = "导出人: 管理员,2024-12-01\n"
				   "客户编号,姓名\n"
				   "C2,乙\n";
	cy_table *t;
	got g = {0};

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, &t), 0);
	assert_int_equal(cy_table_get_counts(t)->title_rows, 1);
	assert_int_equal(cy_table_get_counts(t)->header_line, 3);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.row[0].line, 4);
	assert_string_equal(g.row[0].f[CY_TF_CUSTOMER_NO], "C1");
	assert_string_equal(g.row[0].f[CY_TF_PHONE], "010-12345678");
	cy_table_free(t);
	got_free(&g);
	/* two cells, none a known header, above a known header: a title too */
	assert_int_equal(run(csv2, sizeof(csv2) - 1, NULL, 0, &g, &t), 0);
	assert_int_equal(cy_table_get_counts(t)->header_line, 2);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "乙");
	cy_table_free(t);
	got_free(&g);
}

static void test_table_trailing_empty_columns(void **state)
{
	static const char csv[] = "姓名,手机,,,\n甲,13900000001,,,\n乙,13900000002,,,,,,\n"
				  "丙,13900000003,,x\n";
	cy_table *t;
	got g = {0};
	size_t n;

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, &t), 0);
	assert_non_null(cy_table_columns(t, &n));
	assert_int_equal(n, 2);
	assert_int_equal(g.nrows, 2);
	assert_int_equal(g.row[0].nextra, 0);
	assert_int_equal(g.row[1].nextra, 0);
	assert_string_equal(g.row[1].f[CY_TF_PHONE], "13900000002");
	/* a value beyond the header is not dropped: the row is a reject */
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej[0].line, 4);
	assert_non_null(strstr(g.rej[0].reason, "beyond the header"));
	cy_table_free(t);
	got_free(&g);
}

/* ---- bad bytes ---- */

static void test_table_undecodable(void **state)
{
	cy_buf gbk = CY_BUF_INIT;
	got g = {0};
	cy_table *t;
	size_t bad_at;
	cy_table_opts o = {.encoding = "gb18030"};

	(void)state;
	to_enc("姓名,地址\n张三,北京市\n李四,\"上海市\n", "GBK", &gbk);
	bad_at = gbk.len;
	/* 0x81 0x20: a lead byte without its trail */
	cy_buf_put(&gbk, "\x81\x20", 2);
	to_enc("浦东\"\n王五,广州\n", "GBK", &gbk);
	assert_int_equal(run(gbk.ptr, gbk.len, &o, 0, &g, &t), 0);
	assert_int_equal(g.nrows, 2);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "张三");
	assert_string_equal(g.row[1].f[CY_TF_NAME], "王五");
	assert_int_equal(g.row[1].line, 5);
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej[0].line, 3);
	/* the bad byte is on the row's second line */
	assert_non_null(strstr(g.rej[0].reason, "line 4"));
	assert_non_null(strstr(g.rej[0].reason, "GB18030"));
	/* the raw row: the original bytes, the bad ones included */
	assert_true(g.rej[0].raw.len > 2);
	assert_non_null(memmem(g.rej[0].raw.ptr, g.rej[0].raw.len, "\x81\x20", 2));
	assert_int_equal(cy_table_get_counts(t)->rejects, 1);
	(void)bad_at;
	cy_table_free(t);
	got_free(&g);

	/* a header that does not decode: the encoding is wrong, the file stops */
	cy_buf_clear(&gbk);
	to_enc("姓名,地址\n张三,北京市\n", "GBK", &gbk);
	o.encoding = "utf-8";
	assert_int_equal(run(gbk.ptr, gbk.len, &o, 0, &g, NULL), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "line 1: bytes that are not valid UTF-8"));
	assert_non_null(strstr(cy_error_message(), "encoding"));
	assert_int_equal(g.nrows + g.nrej, 0);
	got_free(&g);

	/* UTF-8 (detected) with one bad byte in one row */
	static const char u8[] =
		"姓名,地址\n张三,北京市海淀区\n李四,上海\xff市\n王五,广州市天河区\n";
	assert_int_equal(run(u8, sizeof(u8) - 1, NULL, 0, &g, &t), 0);
	assert_string_equal(cy_table_encoding(t), "UTF-8");
	assert_int_equal(g.nrows, 2);
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej[0].line, 3);
	assert_non_null(strstr(g.rej[0].reason, "not valid UTF-8"));
	cy_table_free(t);
	got_free(&g);

	/* a NUL byte is not silently cut off */
	static const char nul[] = "name,note\nA,x\0y\nB,z\n";
	assert_int_equal(run(nul, sizeof(nul) - 1, NULL, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej[0].line, 2);
	assert_non_null(strstr(g.rej[0].reason, "NUL"));
	got_free(&g);
	cy_buf_release(&gbk);
}

/* ---- headers and maps ---- */

static void test_table_header_matching(void **state)
{
	static const struct {
		const char *h;
		int f;
	} V[] = {
		{"客户编号", CY_TF_CUSTOMER_NO},
		{"Customer No.", CY_TF_CUSTOMER_NO},
		{" customer  id ", CY_TF_CUSTOMER_NO},
		{"ＣＵＳＴＯＭＥＲ　ＮＯ：", CY_TF_CUSTOMER_NO},
		{"*姓名", CY_TF_NAME},
		{"客户名称：", CY_TF_NAME},
		{"身份证号码", CY_TF_ID_NUMBER},
		{"ID No.", CY_TF_ID_NUMBER},
		{"证件号码", CY_TF_ID_NUMBER},
		{"证件类型", CY_TF_ID_TYPE},
		{"手机号码", CY_TF_PHONE},
		{"联系电话", CY_TF_PHONE},
		{"Telephone", CY_TF_PHONE},
		{"E-mail", CY_TF_EMAIL},
		{"电子邮件", CY_TF_EMAIL},
		{"联系地址", CY_TF_ADDRESS},
		{"开户行", CY_TF_BANK},
		{"银行卡号", CY_TF_ACCOUNT},
		{"Card No", CY_TF_ACCOUNT},
		{"交易金额", CY_TF_AMOUNT},
		{"Transaction Date", CY_TF_DATE},
		{"合同编号", CY_TF_CONTRACT_NO},
		{"Signing Date", CY_TF_SIGNED},
		{"统一社会信用代码", CY_TF_USCC},
		{"性别", CY_TF_GENDER},
		{"出生日期", CY_TF_BIRTH_DATE},
		{"备注", CY_TF_NOTE},
		{"交易流水号", CY_TF_TXN_NO},
		{"等级", -1},
		{"", -1},
		{"：", -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(V) / sizeof(V[0]); i++)
		if (cy_table_header_field(V[i].h) != V[i].f)
			fail_msg("'%s': %d, not %d", V[i].h, cy_table_header_field(V[i].h), V[i].f);
	for (int f = 0; f < CY_TF_COUNT; f++) {
		cy_table_field g;
		assert_int_equal(cy_table_field_parse(cy_table_field_name(f), &g), 0);
		assert_int_equal((int)g, f);
	}
}

static void test_table_value_forms(void **state)
{
	/* names: NFC (a composed é; full-width letters kept); identifiers and
	 * dates: NFKC (full-width digits become ASCII); all trimmed */
	static const char csv[] =
		"姓名,身份证号,手机,签订日期,备注\n"
		"Jose\xcc\x81 王,１１０１０５１９４９１２３１００２Ｘ,\xe3\x80\x80"
		"13900000001 ,２０２４年３月５日,ＡＢＣ　，。\n";
	got g = {0};

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "Jos\xc3\xa9 王");
	assert_string_equal(g.row[0].f[CY_TF_ID_NUMBER], "11010519491231002X");
	assert_string_equal(g.row[0].f[CY_TF_PHONE], "13900000001");
	assert_string_equal(g.row[0].f[CY_TF_SIGNED], "2024-03-05");
	assert_string_equal(g.row[0].f[CY_TF_NOTE], "ＡＢＣ　，。");
	got_free(&g);
}

static void test_table_duplicate_field_column(void **state)
{
	static const char csv[] = "手机,电话\n13900000001,010-1\n";
	cy_table *t;
	got g = {0};
	size_t n;
	const cy_table_column *c;

	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, NULL, 0, &g, &t), 0);
	c = cy_table_columns(t, &n);
	assert_int_equal(c[1].kind, CY_TABLE_COL_DUPLICATE);
	assert_string_equal(g.row[0].f[CY_TF_PHONE], "13900000001");
	assert_int_equal(g.row[0].nextra, 1);
	assert_string_equal(g.row[0].xname[0], "电话");
	assert_string_equal(g.row[0].xval[0], "010-1");
	cy_table_free(t);
	got_free(&g);
}

/* The first ```json block of docs/formats/table-map.md. */
static void doc_map(cy_buf *out)
{
	cy_buf doc = CY_BUF_INIT;
	const char *a, *b;

	assert_int_equal(tu_read_file(MAP_DOC, &doc), 0);
	a = strstr(cy_buf_cstr(&doc), "```json\n");
	assert_non_null(a);
	a += 8;
	b = strstr(a, "```");
	assert_non_null(b);
	cy_buf_put(out, a, (size_t)(b - a));
	cy_buf_release(&doc);
}

static void test_table_map_file(void **state)
{
	static const char csv[] =
		"序号,客户代码,客户名称,证件号,联系人手机,开户账号,操作员,Remarks,等级\n"
		"1,K001,钱七,11010519491231002X,13911112222,6222000011112222,admin,"
		"老客户,A\n";
	cy_buf m = CY_BUF_INIT;
	cy_table_map *map = NULL;
	cy_table *t;
	got g = {0};
	size_t n;
	const cy_table_column *c;

	(void)state;
	doc_map(&m);
	if (cy_table_map_parse(m.ptr, m.len, "table-map.md", &map))
		fail_msg("%s", cy_error_message());
	cy_table_opts o = {.map = map};
	assert_int_equal(run(csv, sizeof(csv) - 1, &o, 0, &g, &t), 0);
	c = cy_table_columns(t, &n);
	assert_int_equal(n, 9);
	assert_int_equal(c[0].kind, CY_TABLE_COL_IGNORED);
	assert_int_equal(c[1].kind, CY_TABLE_COL_MAP);
	assert_int_equal(c[2].kind, CY_TABLE_COL_BUILTIN);
	assert_int_equal(c[6].kind, CY_TABLE_COL_IGNORED);
	assert_int_equal(c[8].kind, CY_TABLE_COL_EXTRA);
	assert_string_equal(cy_table_constant(t, CY_TF_ID_TYPE), "居民身份证");
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_CUSTOMER_NO], "K001");
	assert_string_equal(g.row[0].f[CY_TF_NAME], "钱七");
	assert_string_equal(g.row[0].f[CY_TF_ID_NUMBER], "11010519491231002X");
	assert_string_equal(g.row[0].f[CY_TF_PHONE], "13911112222");
	assert_string_equal(g.row[0].f[CY_TF_ACCOUNT], "6222000011112222");
	assert_string_equal(g.row[0].f[CY_TF_NOTE], "老客户");
	assert_string_equal(g.row[0].f[CY_TF_ID_TYPE], "居民身份证");
	assert_string_equal(g.row[0].f[CY_TF_CURRENCY], "CNY");
	assert_int_equal(g.row[0].nextra, 1);
	assert_string_equal(g.row[0].xname[0], "等级");
	assert_string_equal(g.row[0].xval[0], "A");
	cy_table_free(t);
	got_free(&g);
	cy_table_map_free(map);
	/* a mapped column wins over a built-in header to its left */
	static const char mj[] = "{\"columns\": {\"客户全称\": \"name\"}}";
	static const char csv2[] = "姓名,客户全称\n小王,王小明\n";
	assert_int_equal(cy_table_map_parse(mj, sizeof(mj) - 1, "m.json", &map), 0);
	o.map = map;
	assert_int_equal(run(csv2, sizeof(csv2) - 1, &o, 0, &g, &t), 0);
	c = cy_table_columns(t, &n);
	assert_int_equal(c[0].kind, CY_TABLE_COL_DUPLICATE);
	assert_int_equal(c[1].kind, CY_TABLE_COL_MAP);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "王小明");
	assert_int_equal(g.row[0].nextra, 1);
	assert_string_equal(g.row[0].xname[0], "姓名");
	cy_table_free(t);
	got_free(&g);
	cy_table_map_free(map);
	cy_buf_release(&m);
}

static void test_table_map_refused(void **state)
{
	static const char *const BAD[] = {
		"",
		"[]",
		"{}",
		"{\"columns\": {\"a\": \"nope\"}}",
		"{\"columns\": {\"a\": 1}}",
		"{\"colums\": {\"a\": \"name\"}}",
		"{\"columns\": {\"Name\": \"name\", \"NAME:\": \"phone\"}}",
		"{\"columns\": {\"a\": \"name\", \"a\": \"phone\"}}",
		"{\"ignore\": \"a\"}",
		"{\"ignore\": [\"a\", 2]}",
		"{\"constants\": {\"zz\": \"x\"}}",
		"{\"constants\": {\"name\": 5}}",
		"{\"columns\": {\"：\": \"name\"}}",
	};
	cy_table_map *m = (cy_table_map *)1;

	(void)state;
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		int rc = cy_table_map_parse(BAD[i], strlen(BAD[i]), "m.json", &m);
		if (rc != CY_EINVALID)
			fail_msg("map %zu: %d", i, rc);
		assert_null(m);
		assert_non_null(strstr(cy_error_message(), "m.json"));
	}
	assert_int_equal(cy_table_map_load("/nonexistent/map.json", &m), CY_ENOTFOUND);
}

/* ---- limits ---- */

static void test_table_limits(void **state)
{
	static const char csv[] = "name,note\nA,0123456789abcdefXYZ\nB,short\n";
	cy_table_opts o = {.field_max = 16};
	cy_table *t;
	got g = {0};
	cy_buf big = CY_BUF_INIT;
	int rc;

	(void)state;
	/* an over-long value: that row is a reject saying so */
	assert_int_equal(run(csv, sizeof(csv) - 1, &o, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej[0].line, 2);
	assert_non_null(strstr(g.rej[0].reason, "19 bytes; at most 16"));
	got_free(&g);

	/* a row longer than row_max (a quote never closed) stops the file */
	cy_buf_puts(&big, "name,note\nA,ok\nB,\"");
	for (int i = 0; i < 200; i++)
		cy_buf_puts(&big, "0123456789\n");
	o = (cy_table_opts){.row_max = 1000};
	rc = run(big.ptr, big.len, &o, 100, &g, &t);
	assert_int_equal(rc, CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "line 3: a row longer than 1000 bytes"));
	assert_int_equal(g.nrows, 1);
	/* and stays stopped */
	assert_int_equal(cy_table_csv_feed(t, "x\n", 2), CY_EINVALID);
	cy_table_free(t);
	got_free(&g);

	/* too many cells */
	o = (cy_table_opts){.cols_max = 3};
	static const char wide[] = "a,b,c\n1,2,3\n1,2,3,4,5\n";
	assert_int_equal(run(wide, sizeof(wide) - 1, &o, 0, &g, NULL), 0);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej[0].line, 3);
	assert_non_null(strstr(g.rej[0].reason, "more than 3 cells"));
	got_free(&g);

	/* a header that wide stops the file */
	static const char wide_hdr[] = "a,b,c,d\n1,2,3,4\n";
	assert_int_equal(run(wide_hdr, sizeof(wide_hdr) - 1, &o, 0, &g, NULL), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "line 1: more than 3 columns"));
	assert_int_equal(g.nrows + g.nrej, 0);
	got_free(&g);

	/* too many rows */
	o = (cy_table_opts){.rows_max = 2};
	static const char many[] = "a\n1\n2\n3\n";
	assert_int_equal(run(many, sizeof(many) - 1, &o, 0, &g, NULL), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "line 4: more than 2 rows"));
	assert_int_equal(g.nrows, 2);
	got_free(&g);
	cy_buf_release(&big);
}

/* ---- the API around it ---- */

static void test_table_cells_api(void **state)
{
	/* what an XLSX reader would give: cells, sheet row numbers */
	const char *title[] = {"客户清单"};
	const char *hdr[] = {"客户编号", "证件号码", "交易日期", NULL, NULL};
	const char *r1[] = {"=\"007\"", "1.10105E+17", "45123"};
	const char *r2[] = {"008", "11010519491231002X", "45124", "", NULL};
	cy_table *t;
	got g = {0};

	(void)state;
	assert_int_equal(cy_table_new(NULL, &HANDLER, &g, &t), 0);
	assert_int_equal(cy_table_feed_cells(t, 1, title, 1, NULL, 0), 0);
	assert_int_equal(cy_table_feed_cells(t, 2, hdr, 5, NULL, 0), 0);
	assert_int_equal(cy_table_feed_cells(t, 3, r1, 3, "r1", 2), 0);
	assert_int_equal(cy_table_feed_cells(t, 4, r2, 5, "r2", 2), 0);
	assert_int_equal(cy_table_feed_reject(t, 5, "a cell the reader could not read", "r3", 2),
			 0);
	assert_int_equal(cy_table_finish(t), 0);
	assert_null(cy_table_encoding(t)); /* no CSV was read */
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.row[0].line, 4);
	assert_string_equal(g.row[0].f[CY_TF_CUSTOMER_NO], "008");
	assert_string_equal(g.row[0].f[CY_TF_DATE], "2023-07-17");
	assert_int_equal(g.nrej, 2);
	assert_int_equal(g.rej[0].line, 3);
	assert_non_null(strstr(g.rej[0].reason, "scientific"));
	assert_int_equal(g.rej[1].line, 5);
	/* CSV bytes after cells: refused */
	assert_int_equal(cy_table_csv_feed(t, "a\n", 2), CY_EINVALID);
	cy_table_free(t);
	got_free(&g);
}

static void test_table_stop_and_file(void **state)
{
	char *dir = tu_tmpdir();
	cy_buf path = CY_BUF_INIT, text = CY_BUF_INIT, gbk = CY_BUF_INIT;
	cy_table *t;
	got g = {0};

	(void)state;
	assert_non_null(dir);
	/* a file of several read pieces: the encoding is settled on its first 64 KiB */
	cy_buf_puts(&text, "客户编号,客户名称,手机号码,联系地址\n");
	for (int i = 0; i < 4000; i++)
		cy_buf_printf(&text, "C%05d,测试客户%d,139%08d,\"江苏省南京市\n鼓楼区%d号\"\n", i,
			      i, i, i);
	to_enc(cy_buf_cstr(&text), "GB18030", &gbk);
	assert_true(gbk.len > 128 * 1024);
	cy_path_join(&path, dir, "customers.csv");
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&path), gbk.ptr, gbk.len, 0600), 0);
	g.stop_after = 0;
	assert_int_equal(cy_table_new(NULL, &HANDLER, &g, &t), 0);
	/* (the handler keeps at most MAXROWS rows: stop it there) */
	g.stop_after = MAXROWS;
	assert_int_equal(cy_table_csv_file(t, cy_buf_cstr(&path)), CY_ECANCELLED);
	assert_string_equal(cy_table_encoding(t), "GB18030");
	assert_int_equal(g.nrows, MAXROWS);
	assert_int_equal(g.row[MAXROWS - 1].line, 2 + 2 * (MAXROWS - 1));
	assert_string_equal(g.row[MAXROWS - 1].f[CY_TF_ADDRESS], "江苏省南京市\n鼓楼区255号");
	cy_table_free(t);
	got_free(&g);
	/* a missing file */
	assert_int_equal(cy_table_new(NULL, &HANDLER, &g, &t), 0);
	assert_int_equal(cy_table_csv_file(t, "/nonexistent/x.csv"), CY_ENOTFOUND);
	cy_table_free(t);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&path);
	cy_buf_release(&text);
	cy_buf_release(&gbk);
}

static void test_table_empty_and_header_only(void **state)
{
	cy_table *t;
	got g = {0};
	size_t n;

	(void)state;
	assert_int_equal(run("", 0, NULL, 0, &g, &t), 0);
	assert_null(cy_table_columns(t, &n));
	assert_int_equal(g.nrows + g.nrej, 0);
	cy_table_free(t);
	assert_int_equal(run("姓名,手机\r\n", strlen("姓名,手机\r\n"), NULL, 0, &g, &t), 0);
	assert_non_null(cy_table_columns(t, &n));
	assert_int_equal(n, 2);
	assert_int_equal(g.headers, 1);
	assert_int_equal(g.nrows, 0);
	cy_table_free(t);
	got_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_gbk_chinese_headers),
		cmocka_unit_test(test_table_given_encoding),
		cmocka_unit_test(test_table_utf8_bom),
		cmocka_unit_test(test_table_utf16le_bom),
		cmocka_unit_test(test_table_utf16_tab_separated),
		cmocka_unit_test(test_table_big5),
		cmocka_unit_test(test_table_embedded_newlines),
		cmocka_unit_test(test_table_unclosed_quote),
		cmocka_unit_test(test_table_excel_text_forcing),
		cmocka_unit_test(test_table_scientific_id),
		cmocka_unit_test(test_table_dates),
		cmocka_unit_test(test_table_date_columns),
		cmocka_unit_test(test_table_title_row),
		cmocka_unit_test(test_table_trailing_empty_columns),
		cmocka_unit_test(test_table_undecodable),
		cmocka_unit_test(test_table_header_matching),
		cmocka_unit_test(test_table_value_forms),
		cmocka_unit_test(test_table_duplicate_field_column),
		cmocka_unit_test(test_table_map_file),
		cmocka_unit_test(test_table_map_refused),
		cmocka_unit_test(test_table_limits),
		cmocka_unit_test(test_table_cells_api),
		cmocka_unit_test(test_table_stop_and_file),
		cmocka_unit_test(test_table_empty_and_header_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
