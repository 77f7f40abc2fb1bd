/* fuzz_xlsx.c - libFuzzer target for the XLSX reader (src/ingest/xlsx.c).
 * The first input byte picks the options: bit 0 the second sheet by name
 * instead of the first, bit 1 small limits (row_max, cols_max, shared
 * strings, part sizes), bit 2 the mode.  In zip mode the rest is the .xlsx
 * file itself (libarchive, every part).  In XML mode, which gets past the
 * zip's checksums, the rest is a sheet's XML, then optionally a NUL and a
 * sharedStrings.xml, wrapped here into a workbook with libarchive's zip
 * writer.  Every row handed out is checked against what table.h promises:
 * line numbers (the sheet's rows) that never go back and stay within Excel's
 * 1048576, UTF-8 values without NUL, dates as YYYY-MM-DD, no identifier in
 * scientific notation.  Seed corpus: tests/fuzz/corpus/xlsx/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/table.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
	uint64_t last_line;
	uint64_t rows, rejects;
} seen;

static void check_str(const char *s)
{
	if (!s || !cy_utf8_valid(s, strlen(s)))
		abort();
}

static void check_line(seen *s, uint64_t line)
{
	if (line < s->last_line || line == 0 || line > 1048576)
		abort();
	s->last_line = line;
}

static int on_row(void *arg, const cy_table_row *r)
{
	seen *s = arg;

	check_line(s, r->line);
	if (r->number != ++s->rows)
		abort();
	for (int f = 0; f < CY_TF_COUNT; f++) {
		const char *v = r->field[f];
		if (!v)
			continue;
		check_str(v);
		if (!*v)
			abort();
		if ((f == CY_TF_DATE || f == CY_TF_SIGNED || f == CY_TF_BIRTH_DATE) &&
		    (strlen(v) != 10 || v[4] != '-' || v[7] != '-'))
			abort();
		if ((f == CY_TF_ID_NUMBER || f == CY_TF_PHONE || f == CY_TF_ACCOUNT ||
		     f == CY_TF_CUSTOMER_NO) &&
		    cy_table_is_scientific(v))
			abort();
	}
	for (size_t i = 0; i < r->nextra; i++) {
		check_str(r->extra[i].name);
		check_str(r->extra[i].value);
	}
	if (r->raw_len && !r->raw)
		abort();
	return 0;
}

static int on_reject(void *arg, const cy_table_reject *r)
{
	seen *s = arg;

	check_line(s, r->line);
	s->rejects++;
	check_str(r->reason);
	if (r->raw_len && !r->raw)
		abort();
	return 0;
}

#define NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NSR "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char WB[] = "<workbook xmlns=\"" NS "\" xmlns:r=\"" NSR "\"><sheets>"
			 "<sheet name=\"one\" sheetId=\"1\" r:id=\"rId1\"/>"
			 "<sheet name=\"two\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
static const char RELS[] =
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"" NSR "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"" NSR "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"" NSR "/styles\" Target=\"styles.xml\"/>"
	"</Relationships>";
static const char STYLES[] = "<styleSheet xmlns=\"" NS "\"><cellXfs><xf numFmtId=\"0\"/>"
			     "<xf numFmtId=\"14\"/></cellXfs></styleSheet>";
static const char SST[] = "<sst xmlns=\"" NS "\"><si><t>客户编号</t></si><si><t>身份证号</t></si>"
			  "<si><t>交易日期</t></si><si><r><t>张</t></r><r><t>三</t></r></si></sst>";

static int add(struct archive *a, const char *name, const void *d, size_t n)
{
	struct archive_entry *e = archive_entry_new();
	int ok;

	if (!e)
		return -1;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)n);
	ok = archive_write_header(a, e) == ARCHIVE_OK &&
	     (!n || archive_write_data(a, d, n) == (la_ssize_t)n);
	archive_entry_free(e);
	return ok ? 0 : -1;
}

/* The workbook around a sheet's XML (and shared strings after a NUL). */
static uint8_t *wrap(const uint8_t *d, size_t n, size_t *out_len)
{
	const uint8_t *nul = memchr(d, 0, n);
	size_t cap = 2 * n + 8192, used = 0;
	uint8_t *out = malloc(cap);
	struct archive *a = archive_write_new();
	int bad;

	if (!out || !a) {
		free(out);
		archive_write_free(a);
		return NULL;
	}
	bad = archive_write_set_format_zip(a) != ARCHIVE_OK ||
	      archive_write_open_memory(a, out, cap, &used) != ARCHIVE_OK ||
	      add(a, "xl/worksheets/sheet1.xml", d, nul ? (size_t)(nul - d) : n) ||
	      add(a, "xl/workbook.xml", WB, sizeof(WB) - 1) ||
	      add(a, "xl/_rels/workbook.xml.rels", RELS, sizeof(RELS) - 1) ||
	      add(a, "xl/styles.xml", STYLES, sizeof(STYLES) - 1) ||
	      (nul ? add(a, "xl/sharedStrings.xml", nul + 1, n - (size_t)(nul - d) - 1)
		   : add(a, "xl/sharedStrings.xml", SST, sizeof(SST) - 1)) ||
	      archive_write_close(a) != ARCHIVE_OK;
	archive_write_free(a);
	if (bad) {
		free(out);
		return NULL;
	}
	*out_len = used;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cy_table_handler h = {NULL, on_row, on_reject};
	cy_table_xlsx_limits lim = {0};
	cy_table_opts o = {0};
	cy_table *t = NULL;
	seen s = {0};
	const char *sheet;
	uint8_t *in;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	sheet = (data[0] & 1) ? "two" : NULL;
	if (data[0] & 2) {
		o.field_max = 32;
		o.row_max = 256;
		o.cols_max = 8;
		o.rows_max = 50;
		lim.sheet_max = 1 << 20;
		lim.strings_max = 64 << 10;
		lim.strings_count_max = 16;
		lim.part_max = 64 << 10;
	}
	if (data[0] & 4) {
		if (!(in = wrap(data + 1, size - 1, &n)))
			return 0;
	} else {
		/* a copy of exactly size bytes, so ASan sees any read past the end */
		n = size - 1;
		if (!(in = malloc(n ? n : 1)))
			return 0;
		memcpy(in, data + 1, n);
	}
	if (cy_table_new(&o, &h, &s, &t))
		abort();
	rc = cy_table_xlsx_memory(t, in, n, "fuzz.xlsx", sheet, &lim);
	if (rc && rc != CY_EINVALID && rc != CY_ENOMEM && rc != CY_ENOTFOUND)
		abort();
	if (!rc) {
		const cy_table_counts *c = cy_table_get_counts(t);
		if (c->rows != s.rows || c->rejects != s.rejects)
			abort();
	}
	cy_table_free(t);
	free(in);
	return 0;
}
