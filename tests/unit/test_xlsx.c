/* test_xlsx.c - the XLSX reader (src/ingest/xlsx.c): workbooks built here
 * with libarchive's zip writer ([Content_Types].xml, xl/workbook.xml, its
 * relationships, sheets, sharedStrings.xml, styles.xml), read through the
 * table's mapping layer.  Chinese headers through shared strings, rich text,
 * inline strings, a title row, gaps in rows and missing cells, the second
 * sheet by name, a date-styled cell (and the 1904 date system), an ID in
 * scientific notation, a zip order with the sheet first, limits (zip bomb,
 * shared strings), DOCTYPE, not a zip, no workbook, malformed XML, unsafe
 * entry names, bad cell references and a row too wide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/table.h"
#include "testutil.h"

#include "custody/banned.h"

#define MAXROWS 32
#define MAXREJ 8

/* ---- what the table handed out ---- */

typedef struct got_row {
	uint64_t line;
	char *f[CY_TF_COUNT];
	size_t nextra;
	char *xname[8], *xval[8];
	char *raw;
} got_row;

typedef struct got {
	got_row row[MAXROWS];
	size_t nrows;
	uint64_t rej_line[MAXREJ];
	char *rej_reason[MAXREJ];
	char *rej_raw[MAXREJ];
	size_t nrej;
	int stop_after;
} got;

static char *dup_n(const void *p, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static int on_row(void *arg, const cy_table_row *r)
{
	got *g = arg;
	got_row *w;

	assert_true(g->nrows < MAXROWS);
	w = &g->row[g->nrows++];
	w->line = r->line;
	for (int f = 0; f < CY_TF_COUNT; f++)
		w->f[f] = r->field[f] ? strdup(r->field[f]) : NULL;
	assert_true(r->nextra <= 8);
	w->nextra = r->nextra;
	for (size_t i = 0; i < r->nextra; i++) {
		w->xname[i] = strdup(r->extra[i].name);
		w->xval[i] = strdup(r->extra[i].value);
	}
	w->raw = dup_n(r->raw, r->raw_len);
	if (g->stop_after && g->nrows == (size_t)g->stop_after)
		return CY_ECANCELLED;
	return 0;
}

static int on_reject(void *arg, const cy_table_reject *r)
{
	got *g = arg;

	assert_true(g->nrej < MAXREJ);
	g->rej_line[g->nrej] = r->line;
	g->rej_reason[g->nrej] = strdup(r->reason);
	g->rej_raw[g->nrej] = dup_n(r->raw, r->raw_len);
	g->nrej++;
	return 0;
}

static void got_free(got *g)
{
	for (size_t i = 0; i < g->nrows; i++) {
		for (int f = 0; f < CY_TF_COUNT; f++)
			free(g->row[i].f[f]);
		for (size_t k = 0; k < g->row[i].nextra; k++)
			free(g->row[i].xname[k]), free(g->row[i].xval[k]);
		free(g->row[i].raw);
	}
	for (size_t i = 0; i < g->nrej; i++)
		free(g->rej_reason[i]), free(g->rej_raw[i]);
	memset(g, 0, sizeof(*g));
}

static const cy_table_handler HANDLER = {NULL, on_row, on_reject};

/* ---- building workbooks ---- */

typedef struct part {
	const char *name;
	const char *data; /* NULL: the entry is left out */
	size_t len;	  /* 0: strlen(data) */
} part;

#define ZIP_CAP (8u << 20)

/* A zip of the parts, in the order given, into out (ZIP_CAP bytes). */
static size_t mkzip(const part *p, size_t n, uint8_t *out)
{
	struct archive *a = archive_write_new();
	size_t used = 0;

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, out, ZIP_CAP, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e;
		size_t len;
		if (!p[i].data)
			continue;
		len = p[i].len ? p[i].len : strlen(p[i].data);
		e = archive_entry_new();
		archive_entry_set_pathname(e, p[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, p[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

static const char CT[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/xl/workbook.xml\" "
	"ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
	"</Types>";

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define RT NS_R "/"

static const char RELS[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"" RT "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"" RT "worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"" RT "styles\" Target=\"styles.xml\"/>"
	"<Relationship Id=\"rId4\" Type=\"" RT "sharedStrings\" Target=\"sharedStrings.xml\"/>"
	"</Relationships>";

/* Two sheets, 客户 (rId1) then 交易 (rId2); date1904 as asked. */
static void workbook(cy_buf *b, bool date1904)
{
	cy_buf_clear(b);
	cy_buf_printf(b,
		      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		      "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_R "\">"
		      "<workbookPr%s/><sheets>"
		      "<sheet name=\"客户\" sheetId=\"1\" r:id=\"rId1\"/>"
		      "<sheet name=\"交易\" sheetId=\"2\" r:id=\"rId2\"/>"
		      "</sheets></workbook>",
		      date1904 ? " date1904=\"1\"" : "");
}

/* cellXfs: 0 general, 1 built-in date (14), 2 a custom yyyy/mm/dd (164),
 * 3 a custom time h:mm (165): not a date. */
static const char STYLES[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<styleSheet xmlns=\"" NS_MAIN "\">"
	"<numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy/mm/dd\"/>"
	"<numFmt numFmtId=\"165\" formatCode=\"h:mm\"/></numFmts>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
	"<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/>"
	"<xf numFmtId=\"164\"/><xf numFmtId=\"165\"/></cellXfs>"
	"</styleSheet>";

/* 0 客户编号, 1 客户名称, 2 手机号码, 3 张三, 4 李四 as rich text with a phonetic
 * run, 5 身份证号, 6 交易日期, 7 金额 */
static const char SST[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<sst xmlns=\"" NS_MAIN "\" count=\"8\" uniqueCount=\"8\">"
			  "<si><t>客户编号</t></si><si><t>客户名称</t></si>"
			  "<si><t xml:space=\"preserve\">手机号码</t></si><si><t>张三</t></si>"
			  "<si><r><t>李</t></r><r><rPr><b/></rPr><t>四</t></r>"
			  "<rPh sb=\"0\" eb=\"2\"><t>li si</t></rPh></si>"
			  "<si><t>身份证号</t></si><si><t>交易日期</t></si><si><t>金额</t></si>"
			  "</sst>";

static void sheet(cy_buf *b, const char *rows)
{
	cy_buf_clear(b);
	cy_buf_printf(b,
		      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		      "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_R
		      "\"><dimension ref=\"A1\"/>"
		      "<sheetData>%s</sheetData></worksheet>",
		      rows);
}

/* The standard workbook with sheet 1 and 2 as given, the sheets first in
 * the zip (so the reader must come back for the shared strings). */
static size_t book(uint8_t *out, const char *rows1, const char *rows2, bool date1904)
{
	cy_buf wb = CY_BUF_INIT, s1 = CY_BUF_INIT, s2 = CY_BUF_INIT;
	size_t n;

	workbook(&wb, date1904);
	sheet(&s1, rows1);
	sheet(&s2, rows2 ? rows2 : "");
	{
		const part P[] = {
			{"xl/worksheets/sheet1.xml", (const char *)s1.ptr, 0},
			{"xl/worksheets/sheet2.xml", (const char *)s2.ptr, 0},
			{"[Content_Types].xml", CT, 0},
			{"xl/workbook.xml", (const char *)wb.ptr, 0},
			{"xl/_rels/workbook.xml.rels", RELS, 0},
			{"xl/styles.xml", STYLES, 0},
			{"xl/sharedStrings.xml", SST, 0},
		};
		n = mkzip(P, sizeof(P) / sizeof(P[0]), out);
	}
	cy_buf_release(&wb);
	cy_buf_release(&s1);
	cy_buf_release(&s2);
	return n;
}

static int read_book(const uint8_t *zip, size_t n, const char *sheetname,
		     const cy_table_xlsx_limits *lim, const cy_table_opts *o, got *g)
{
	cy_table *t = NULL;
	int rc;

	assert_int_equal(cy_table_new(o, &HANDLER, g, &t), 0);
	rc = cy_table_xlsx_memory(t, zip, n, "test.xlsx", sheetname, lim);
	cy_table_free(t);
	return rc;
}

/* ---- tests ---- */

/* A title row, the header from shared strings, numbers as written, rich
 * text, a missing cell, a gap in the row numbers. */
static const char CUSTOMERS[] =
	"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>客户名单 2024</t></is></c></row>"
	"<row r=\"3\"><c r=\"A3\" t=\"s\"><v>0</v></c><c r=\"B3\" t=\"s\"><v>1</v></c>"
	"<c r=\"C3\" t=\"s\"><v>2</v></c></row>"
	"<row r=\"4\"><c r=\"A4\"><v>1001</v></c><c r=\"B4\" t=\"s\"><v>3</v></c>"
	"<c r=\"C4\"><v>13800138000</v></c></row>"
	"<row r=\"7\" spans=\"1:3\"><c r=\"A7\"><v>1002</v></c><c r=\"B7\" t=\"s\"><v>4</v></c></row>"
	"<row r=\"8\"><c r=\"B8\" t=\"s\"><v>3</v></c><c r=\"C8\" s=\"0\"><f>A1</f><v>13900139000</v>"
	"</c></row>";

static void test_xlsx_chinese_shared_strings(void **state)
{
	uint8_t *zip = malloc(ZIP_CAP);
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	n = book(zip, CUSTOMERS, NULL, false);
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), 0);
	assert_int_equal(g.nrej, 0);
	assert_int_equal(g.nrows, 3);
	assert_int_equal(g.row[0].line, 4);
	assert_string_equal(g.row[0].f[CY_TF_CUSTOMER_NO], "1001");
	assert_string_equal(g.row[0].f[CY_TF_NAME], "张三");
	assert_string_equal(g.row[0].f[CY_TF_PHONE], "13800138000");
	assert_string_equal(g.row[0].raw, "1001\t张三\t13800138000");
	/* rich text runs joined, the phonetic run left out; C7 missing */
	assert_int_equal(g.row[1].line, 7);
	assert_string_equal(g.row[1].f[CY_TF_NAME], "李四");
	assert_null(g.row[1].f[CY_TF_PHONE]);
	assert_string_equal(g.row[1].raw, "1002\t李四");
	/* A8 missing: an empty first cell; a formula's cached value */
	assert_int_equal(g.row[2].line, 8);
	assert_null(g.row[2].f[CY_TF_CUSTOMER_NO]);
	assert_string_equal(g.row[2].f[CY_TF_PHONE], "13900139000");
	assert_string_equal(g.row[2].raw, "\t张三\t13900139000");
	got_free(&g);
	free(zip);
}

/* The same workbook from a file, with the parts in the usual order too. */
static void test_xlsx_file_and_sheets(void **state)
{
	uint8_t *zip = malloc(ZIP_CAP);
	char *dir = tu_tmpdir(), **names = NULL;
	cy_buf path = CY_BUF_INIT;
	cy_table *t = NULL;
	size_t n, nn = 0;
	got g = {0};
	FILE *f;

	(void)state;
	assert_non_null(zip);
	assert_non_null(dir);
	n = book(zip, CUSTOMERS, NULL, false);
	cy_buf_printf(&path, "%s/book.xlsx", dir);
	assert_non_null(f = fopen((const char *)path.ptr, "wb"));
	assert_int_equal(fwrite(zip, 1, n, f), n);
	fclose(f);
	assert_int_equal(cy_table_xlsx_sheets((const char *)path.ptr, &names, &nn), 0);
	assert_int_equal(nn, 2);
	assert_string_equal(names[0], "客户");
	assert_string_equal(names[1], "交易");
	cy_table_xlsx_sheets_free(names, nn);
	assert_int_equal(cy_table_new(NULL, &HANDLER, &g, &t), 0);
	assert_int_equal(cy_table_xlsx_file(t, (const char *)path.ptr, "客户"), 0);
	assert_int_equal(cy_table_get_counts(t)->header_line, 3);
	assert_int_equal(cy_table_get_counts(t)->title_rows, 1);
	cy_table_free(t);
	assert_int_equal(g.nrows, 3);
	assert_string_equal(g.row[1].f[CY_TF_NAME], "李四");
	got_free(&g);
	/* no such file */
	assert_int_equal(cy_table_new(NULL, &HANDLER, &g, &t), 0);
	cy_buf_puts(&path, ".missing");
	assert_int_equal(cy_table_xlsx_file(t, (const char *)path.ptr, NULL), CY_ENOTFOUND);
	cy_table_free(t);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&path);
	free(zip);
}

/* Inline strings (rich too), t="str", booleans, errors: kept as extras. */
static void test_xlsx_inline_and_types(void **state)
{
	static const char ROWS[] =
		"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>姓名</t></is></c>"
		"<c r=\"B1\" t=\"inlineStr\"><is><t>已核实</t></is></c>"
		"<c r=\"C1\" t=\"inlineStr\"><is><r><t>备</t></r><r><t>注</t></r></is></c>"
		"<c r=\"D1\" t=\"inlineStr\"><is><t>公式</t></is></c></row>"
		"<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><r><t>王</t></r><r><t>五</t></r></is></c>"
		"<c r=\"B2\" t=\"b\"><v>1</v></c><c r=\"C2\" t=\"inlineStr\"><is><t>a &amp; b</t></is>"
		"</c><c r=\"D2\" t=\"str\"><f>CONCAT(A2)</f><v>王五</v></c></row>"
		"<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>赵六</t></is></c>"
		"<c r=\"B3\" t=\"b\"><v>0</v></c><c r=\"D3\" t=\"e\"><v>#N/A</v></c></row>";
	uint8_t *zip = malloc(ZIP_CAP);
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	n = book(zip, ROWS, NULL, false);
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), 0);
	assert_int_equal(g.nrows, 2);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "王五");
	assert_string_equal(g.row[0].f[CY_TF_NOTE], "a & b");
	assert_int_equal(g.row[0].nextra, 2);
	assert_string_equal(g.row[0].xname[0], "已核实");
	assert_string_equal(g.row[0].xval[0], "TRUE");
	assert_string_equal(g.row[0].xval[1], "王五");
	assert_string_equal(g.row[1].xval[0], "FALSE");
	assert_string_equal(g.row[1].xval[1], "#N/A");
	assert_null(g.row[1].f[CY_TF_NOTE]);
	got_free(&g);
	free(zip);
}

/* The second sheet by name; a name that is not there lists those that are. */
static void test_xlsx_second_sheet(void **state)
{
	static const char TXN[] =
		"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>7</v></c></row>"
		"<row r=\"2\"><c r=\"A2\" t=\"str\"><v>C-9</v></c><c r=\"B2\"><v>12.50</v></c></row>";
	uint8_t *zip = malloc(ZIP_CAP);
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	n = book(zip, CUSTOMERS, TXN, false);
	assert_int_equal(read_book(zip, n, "交易", NULL, NULL, &g), 0);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.row[0].line, 2);
	assert_string_equal(g.row[0].f[CY_TF_CUSTOMER_NO], "C-9");
	assert_string_equal(g.row[0].f[CY_TF_AMOUNT], "12.50"); /* as written */
	got_free(&g);
	assert_int_equal(read_book(zip, n, "Sheet9", NULL, NULL, &g), CY_ENOTFOUND);
	assert_non_null(strstr(cy_error_message(), "no sheet 'Sheet9'"));
	assert_non_null(strstr(cy_error_message(), "'客户', '交易'"));
	assert_int_equal(g.nrows, 0);
	got_free(&g);
	free(zip);
}

/* Date-styled numbers reach a date field as serials and become dates; a
 * general number in a date field is read as a serial too; in a 1904
 * workbook the serials are moved to the 1900 system for date styles only. */
static void test_xlsx_dates(void **state)
{
	static const char ROWS[] =
		"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>6</v></c>"
		"<c r=\"C1\" t=\"inlineStr\"><is><t>时间</t></is></c></row>"
		"<row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"B2\" s=\"1\"><v>45123</v></c>"
		"<c r=\"C2\" s=\"3\"><v>0.5</v></c></row>"
		"<row r=\"3\"><c r=\"A3\"><v>2</v></c><c r=\"B3\" s=\"2\"><v>45124.75</v></c></row>"
		"<row r=\"4\"><c r=\"A4\"><v>3</v></c><c r=\"B4\" t=\"d\"><v>2024-03-05</v></c></row>";
	uint8_t *zip = malloc(ZIP_CAP);
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	n = book(zip, ROWS, NULL, false);
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), 0);
	assert_int_equal(g.nrows, 3);
	assert_string_equal(g.row[0].f[CY_TF_DATE], "2023-07-16");
	assert_string_equal(g.row[0].xval[0], "0.5"); /* h:mm is not a date */
	assert_string_equal(g.row[1].f[CY_TF_DATE], "2023-07-17");
	assert_string_equal(g.row[2].f[CY_TF_DATE], "2024-03-05");
	got_free(&g);
	/* 1904: serial 43661 is 2023-07-16 there */
	n = book(zip,
		 "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>6</v></c>"
		 "<c r=\"C1\" t=\"s\"><v>7</v></c></row>"
		 "<row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"B2\" s=\"2\"><v>43661.25</v></c>"
		 "<c r=\"C2\"><v>43661</v></c></row>",
		 NULL, true);
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), 0);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_DATE], "2023-07-16");
	assert_string_equal(g.row[0].f[CY_TF_AMOUNT], "43661"); /* not date-styled: as is */
	got_free(&g);
	free(zip);
}

/* An ID number Excel stored as a float reaches the mapping layer as written
 * and the row is a reject; a row too wide for cols_max is one too; a cell
 * reference beyond XFD, a shared string that is not there, likewise.  The
 * rows around them are read. */
static void test_xlsx_rejects(void **state)
{
	static const char ROWS[] =
		"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c><c r=\"B1\" t=\"s\"><v>5</v></c></row>"
		"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>3</v></c><c r=\"B2\"><v>1.10105E+17</v></c></row>"
		"<row r=\"3\"><c r=\"A3\" t=\"s\"><v>3</v></c><c r=\"F3\"><v>9</v></c></row>"
		"<row r=\"4\"><c r=\"A4\" t=\"s\"><v>3</v></c><c r=\"XFE4\"><v>9</v></c></row>"
		"<row r=\"5\"><c r=\"A5\" t=\"s\"><v>99</v></c></row>"
		"<row r=\"6\"><c r=\"B6\"><v>1</v></c><c r=\"A6\"><v>2</v></c></row>"
		"<row r=\"7\"><c r=\"A7\" t=\"s\"><v>4</v></c>"
		"<c r=\"B7\" t=\"str\"><v>110105199001011234</v></c></row>";
	cy_table_opts o = {0};
	uint8_t *zip = malloc(ZIP_CAP);
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	o.cols_max = 4;
	n = book(zip, ROWS, NULL, false);
	assert_int_equal(read_book(zip, n, NULL, NULL, &o, &g), 0);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.row[0].line, 7);
	assert_string_equal(g.row[0].f[CY_TF_ID_NUMBER], "110105199001011234");
	assert_int_equal(g.nrej, 5);
	assert_int_equal(g.rej_line[0], 2);
	assert_non_null(strstr(g.rej_reason[0], "scientific"));
	assert_string_equal(g.rej_raw[0], "张三\t1.10105E+17");
	assert_int_equal(g.rej_line[1], 3);
	assert_non_null(strstr(g.rej_reason[1], "more than 4"));
	assert_int_equal(g.rej_line[2], 4);
	assert_non_null(strstr(g.rej_reason[2], "XFD1048576"));
	assert_string_equal(g.rej_raw[2], "张三");
	assert_int_equal(g.rej_line[3], 5);
	assert_non_null(strstr(g.rej_reason[3], "shared string"));
	assert_int_equal(g.rej_line[4], 6);
	assert_non_null(strstr(g.rej_reason[4], "out of order"));
	got_free(&g);
	free(zip);
}

/* Limits: a sheet of 3 MiB that compresses to almost nothing, refused by
 * its size and by its ratio; too many shared strings; a row over row_max. */
static void test_xlsx_limits(void **state)
{
	uint8_t *zip = malloc(ZIP_CAP);
	cy_buf rows = CY_BUF_INIT;
	cy_table_xlsx_limits lim = {0};
	cy_table_opts o = {0};
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	cy_buf_puts(&rows, "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>");
	for (int i = 0; i < 3 << 10; i++)
		cy_buf_printf(&rows, "%1024s", "");
	n = book(zip, (const char *)rows.ptr, NULL, false);
	assert_true(n < 64 << 10);
	lim.sheet_max = 1 << 20;
	assert_int_equal(read_book(zip, n, NULL, &lim, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "xl/worksheets/sheet1.xml is larger than"));
	lim.sheet_max = 0;
	lim.ratio_max = 10;
	assert_int_equal(read_book(zip, n, NULL, &lim, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "expands to more than 10 times"));
	assert_int_equal(g.nrows + g.nrej, 0);
	lim.ratio_max = 0;
	lim.strings_count_max = 3;
	assert_int_equal(read_book(zip, n, NULL, &lim, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "more than 3 shared strings"));
	/* one tag of 2 MiB: expat would hold it whole; refused past xml_mem_max */
	cy_buf_clear(&rows);
	cy_buf_puts(&rows, "<row r=\"1\" x=\"");
	for (int i = 0; i < 2 << 10; i++)
		cy_buf_printf(&rows, "%01024d", i);
	cy_buf_puts(&rows, "\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>");
	n = book(zip, (const char *)rows.ptr, NULL, false);
	lim.strings_count_max = 0;
	lim.ratio_max = 1000000;
	lim.xml_mem_max = 1 << 20;
	assert_int_equal(read_book(zip, n, NULL, &lim, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "parsing needs more than 1048576 bytes"));
	lim.xml_mem_max = 0; /* the default, 64 MiB, takes it */
	assert_int_equal(read_book(zip, n, NULL, &lim, NULL, &g), 0);
	/* a row over row_max: a reject, the next row read */
	n = book(zip,
		 "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>"
		 "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>0123456789012345678901234567890"
		 "123456789</t></is></c></row>"
		 "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>3</v></c></row>",
		 NULL, false);
	o.row_max = 32;
	assert_int_equal(read_book(zip, n, NULL, NULL, &o, &g), 0);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.row[0].line, 3);
	assert_int_equal(g.nrej, 1);
	assert_int_equal(g.rej_line[0], 2);
	assert_non_null(strstr(g.rej_reason[0], "longer than 32 bytes"));
	got_free(&g);
	cy_buf_release(&rows);
	free(zip);
}

/* A DOCTYPE (the start of a billion laughs) stops the part, before any row. */
static void test_xlsx_doctype_refused(void **state)
{
	static const char LOL[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE worksheet [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
		"<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\"><c r=\"A1\" "
		"t=\"inlineStr\"><is><t>&b;</t></is></c></row></sheetData></worksheet>";
	uint8_t *zip = malloc(ZIP_CAP);
	cy_buf wb = CY_BUF_INIT;
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	workbook(&wb, false);
	{
		const part P[] = {{"xl/workbook.xml", (const char *)wb.ptr, 0},
				  {"xl/_rels/workbook.xml.rels", RELS, 0},
				  {"xl/worksheets/sheet1.xml", LOL, 0}};
		n = mkzip(P, 3, zip);
	}
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "xl/worksheets/sheet1.xml: a DOCTYPE"));
	assert_int_equal(g.nrows + g.nrej, 0);
	cy_buf_release(&wb);
	free(zip);
}

/* What is not an XLSX workbook: not a zip, an OLE file, a zip without a
 * workbook, an entry named ../, malformed XML (naming the part and row), a
 * sheet whose part is missing. */
static void test_xlsx_not_a_workbook(void **state)
{
	static const uint8_t OLE[16] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	static const char CSV[] = "客户编号,客户名称\n1,张三\n";
	uint8_t *zip = malloc(ZIP_CAP);
	cy_buf wb = CY_BUF_INIT;
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	assert_int_equal(read_book((const uint8_t *)CSV, sizeof(CSV) - 1, NULL, NULL, NULL, &g),
			 CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "not an XLSX workbook (not a zip archive"));
	assert_int_equal(read_book(OLE, sizeof(OLE), NULL, NULL, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "OLE file"));
	{
		const part P[] = {{"[Content_Types].xml", CT, 0}, {"docProps/app.xml", "<a/>", 0}};
		n = mkzip(P, 2, zip);
	}
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "not an XLSX workbook (no xl/workbook.xml)"));
	workbook(&wb, false);
	{
		const part P[] = {{"xl/workbook.xml", (const char *)wb.ptr, 0},
				  {"xl/_rels/workbook.xml.rels", RELS, 0},
				  {"xl/../../evil.xml", "<a/>", 0}};
		n = mkzip(P, 3, zip);
	}
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "'..'"));
	{
		const part P[] = {
			{"xl/workbook.xml", (const char *)wb.ptr, 0},
			{"xl/_rels/workbook.xml.rels", RELS, 0},
			{"xl/worksheets/sheet1.xml",
			 "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
			 "<row r=\"2\"><c r=\"A2\"><v>2</c></row></sheetData></worksheet>",
			 0}};
		n = mkzip(P, 3, zip);
	}
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "xl/worksheets/sheet1.xml, XML line 1, in or "
						   "after row 2: mismatched tag"));
	assert_int_equal(read_book(zip, n, "交易", NULL, NULL, &g), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "its part xl/worksheets/sheet2.xml is missing"));
	got_free(&g);
	cy_buf_release(&wb);
	free(zip);
}

/* 25 sheets: found by name past the first few; a missing name lists 20. */
static void test_xlsx_many_sheets(void **state)
{
	uint8_t *zip = malloc(ZIP_CAP);
	cy_buf wb = CY_BUF_INIT, rels = CY_BUF_INIT, s = CY_BUF_INIT;
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	cy_buf_puts(&wb, "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_R "\"><sheets>");
	cy_buf_puts(&rels, "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
			   "2006/relationships\">");
	for (int i = 1; i <= 25; i++) {
		cy_buf_printf(&wb, "<sheet name=\"S%d\" sheetId=\"%d\" r:id=\"rId%d\"/>", i, i, i);
		cy_buf_printf(&rels,
			      "<Relationship Id=\"rId%d\" Type=\"" RT "worksheet\" "
			      "Target=\"./worksheets/sheet%d.xml\"/>",
			      i, i == 23 ? 1 : 2);
	}
	cy_buf_puts(&wb, "</sheets></workbook>");
	cy_buf_puts(&rels, "</Relationships>");
	sheet(&s, "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>姓名</t></is></c>"
		  "<c r=\"B1\" t=\"inlineStr\"><is><t>手机</t></is></c></row>"
		  "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>王五</t></is></c></row>");
	{
		const part P[] = {{"xl/workbook.xml", (const char *)wb.ptr, 0},
				  {"xl/_rels/workbook.xml.rels", (const char *)rels.ptr, 0},
				  {"xl/worksheets/sheet1.xml", (const char *)s.ptr, 0},
				  {"xl/worksheets/sheet2.xml", "<worksheet/>", 0}};
		n = mkzip(P, 4, zip);
	}
	assert_int_equal(read_book(zip, n, "s23", NULL, NULL, &g), 0);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "王五");
	got_free(&g);
	assert_int_equal(read_book(zip, n, "S26", NULL, NULL, &g), CY_ENOTFOUND);
	assert_non_null(strstr(cy_error_message(), "'S1', 'S2', "));
	assert_non_null(strstr(cy_error_message(), "'S20' and 5 more)"));
	cy_buf_release(&wb);
	cy_buf_release(&rels);
	cy_buf_release(&s);
	free(zip);
}

/* A producer that writes its elements with a prefix (<x:row>) reads the same. */
static void test_xlsx_prefixed_elements(void **state)
{
	static const char ROWS[] =
		"<x:row xmlns:x=\"" NS_MAIN "\" r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>1</x:v></x:c>"
		"<x:c r=\"B1\" t=\"s\"><x:v>2</x:v></x:c></x:row>"
		"<x:row xmlns:x=\"" NS_MAIN "\" r=\"2\"><x:c r=\"A2\" t=\"inlineStr\"><x:is><x:t>"
		"王五</x:t></x:is></x:c><x:c r=\"B2\"><x:v>13700137000</x:v></x:c></x:row>";
	uint8_t *zip = malloc(ZIP_CAP);
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	n = book(zip, ROWS, NULL, false);
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), 0);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.row[0].f[CY_TF_NAME], "王五");
	assert_string_equal(g.row[0].f[CY_TF_PHONE], "13700137000");
	got_free(&g);
	free(zip);
}

/* A handler's code stops the reading and comes back unchanged. */
static void test_xlsx_handler_stops(void **state)
{
	uint8_t *zip = malloc(ZIP_CAP);
	got g = {0};
	size_t n;

	(void)state;
	assert_non_null(zip);
	n = book(zip, CUSTOMERS, NULL, false);
	g.stop_after = 1;
	assert_int_equal(read_book(zip, n, NULL, NULL, NULL, &g), CY_ECANCELLED);
	assert_int_equal(g.nrows, 1);
	got_free(&g);
	free(zip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlsx_chinese_shared_strings),
		cmocka_unit_test(test_xlsx_file_and_sheets),
		cmocka_unit_test(test_xlsx_inline_and_types),
		cmocka_unit_test(test_xlsx_second_sheet),
		cmocka_unit_test(test_xlsx_dates),
		cmocka_unit_test(test_xlsx_rejects),
		cmocka_unit_test(test_xlsx_limits),
		cmocka_unit_test(test_xlsx_doctype_refused),
		cmocka_unit_test(test_xlsx_not_a_workbook),
		cmocka_unit_test(test_xlsx_many_sheets),
		cmocka_unit_test(test_xlsx_prefixed_elements),
		cmocka_unit_test(test_xlsx_handler_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
