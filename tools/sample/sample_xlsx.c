/* sample_xlsx.c - a streaming XLSX (Office Open XML spreadsheet) writer for
 * the CRM exports: one sheet, written row by row into the zip entry
 * xl/worksheets/sheet1.xml through libarchive's zip writer, so that a
 * million rows never sit in memory.
 *
 * libarchive needs an entry's size before its data unless the size is left
 * unset: then it writes a data descriptor after the data (general purpose
 * bit 3) and, by default, Zip64 fields; "!zip64" keeps the plain form, which
 * every reader takes (the sheet stays well under 4 GiB).  Entries carry a
 * fixed time so that the same seed gives the same bytes.
 *
 * Strings that repeat (headers, 性别, 证件类型, bank names, types) go to the
 * shared strings table; unique ones (names, addresses) are inline strings,
 * as streaming writers do, so the table stays small.  Dates are serial
 * numbers with a date style (numFmt 14). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "sample.h"

#include "custody/banned.h"

#define SST_SLOTS 8192u /* at most half used: repeated values only */
#define FLUSH_AT (256u << 10)

struct sample_xlsx {
	sample_file file;
	struct archive *a;
	cy_buf sheet; /* pending sheet XML */
	cy_buf sst;   /* the shared strings, NUL-separated */
	size_t sst_off[SST_SLOTS / 2];
	uint32_t slot[SST_SLOTS]; /* index + 1, 0 empty */
	size_t nsst, sst_refs;
	uint64_t row;
	unsigned col;
	time_t mtime;
	int rc;
};

static la_ssize_t zip_write(struct archive *a, void *arg, const void *data, size_t n)
{
	sample_xlsx *x = arg;

	if (sample_file_write(&x->file, data, n)) {
		archive_set_error(a, EIO, "%s", cy_error_message());
		return -1;
	}
	return (la_ssize_t)n;
}

static int la_error(sample_xlsx *x, const char *what)
{
	if (!x->rc)
		x->rc = cy_error_set(CY_EIO, "%s: %s: %s", x->file.rel, what,
				     archive_error_string(x->a));
	return x->rc;
}

static int put_entry(sample_xlsx *x, const char *name, const void *data, size_t n, bool sized)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		sample_die_nomem();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, x->mtime, 0);
	if (sized)
		archive_entry_set_size(e, (la_int64_t)n);
	if (archive_write_header(x->a, e) != ARCHIVE_OK)
		rc = la_error(x, name);
	else if (n && archive_write_data(x->a, data, n) != (la_ssize_t)n)
		rc = la_error(x, name);
	archive_entry_free(e);
	return rc;
}

static const char CONTENT_TYPES[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"rels\" "
	"ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/xl/workbook.xml\" "
	"ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
	"<Override PartName=\"/xl/worksheets/sheet1.xml\" "
	"ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
	"<Override PartName=\"/xl/styles.xml\" "
	"ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
	"<Override PartName=\"/xl/sharedStrings.xml\" "
	"ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
	"</Types>";

static const char ROOT_RELS[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" "
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
	"Target=\"xl/workbook.xml\"/></Relationships>";

static const char WORKBOOK_RELS[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" "
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
	"Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" "
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
	"Target=\"styles.xml\"/>"
	"<Relationship Id=\"rId3\" "
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
	"Target=\"sharedStrings.xml\"/></Relationships>";

/* cellXfs 0: general; 1: date (numFmt 14); 2: text (numFmt 49); 3: 0.00 (numFmt 2). */
static const char STYLES[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	"<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"宋体\"/></font></fonts>"
	"<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
	"<fill><patternFill patternType=\"gray125\"/></fill></fills>"
	"<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>"
	"</cellStyleXfs>"
	"<cellXfs count=\"4\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
	"<xf numFmtId=\"14\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
	"applyNumberFormat=\"1\"/>"
	"<xf numFmtId=\"49\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
	"applyNumberFormat=\"1\"/>"
	"<xf numFmtId=\"2\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
	"applyNumberFormat=\"1\"/></cellXfs>"
	"<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
	"</styleSheet>";

int sample_xlsx_open(sample_out *o, const char *rel, enum sample_class cls, int year,
		     sample_date date, sample_xlsx **out)
{
	sample_xlsx *x = sample_calloc(1, sizeof(*x));
	int rc;

	*out = NULL;
	x->mtime = (time_t)sample_date_to_days(date) * 86400 + 9 * 3600 - 8 * 3600;
	rc = sample_file_open(o, &x->file, rel, cls, year);
	if (rc) {
		free(x);
		return rc;
	}
	x->a = archive_write_new();
	if (!x->a)
		sample_die_nomem();
	if (archive_write_set_format_zip(x->a) != ARCHIVE_OK ||
	    archive_write_set_options(
		    x->a, "zip:compression=deflate,zip:compression-level=1,zip:!zip64") !=
		    ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(x->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(x->a, x, NULL, zip_write, NULL, NULL) != ARCHIVE_OK) {
		rc = la_error(x, "zip");
		goto fail;
	}
	rc = put_entry(x, "[Content_Types].xml", CONTENT_TYPES, sizeof(CONTENT_TYPES) - 1, true);
	if (!rc)
		rc = put_entry(x, "_rels/.rels", ROOT_RELS, sizeof(ROOT_RELS) - 1, true);
	if (!rc)
		rc = put_entry(x, "xl/_rels/workbook.xml.rels", WORKBOOK_RELS,
			       sizeof(WORKBOOK_RELS) - 1, true);
	if (!rc)
		rc = put_entry(x, "xl/styles.xml", STYLES, sizeof(STYLES) - 1, true);
	/* The sheet: size unknown, written in pieces by sample_xlsx_row_end. */
	if (!rc)
		rc = put_entry(x, "xl/worksheets/sheet1.xml", NULL, 0, false);
	if (rc)
		goto fail;
	sample_puts(&x->sheet,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
		    "<sheetData>");
	*out = x;
	return 0;
fail:
	archive_write_free(x->a);
	sample_file_abort(&x->file);
	free(x);
	return rc;
}

static void put_escaped(cy_buf *b, const char *s)
{
	const char *p = s, *run = s;

	for (; *p; p++) {
		const char *rep = NULL;

		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\r':
			rep = "&#13;";
			break;
		default:
			continue;
		}
		sample_put(b, run, (size_t)(p - run));
		sample_puts(b, rep);
		run = p + 1;
	}
	sample_put(b, run, (size_t)(p - run));
}

/* Decimal digits of v at p; returns the end. */
static char *put_decimal(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* "<c r="B17"" and the attributes; by hand: printf was a fifth of the time. */
static void cell_ref(sample_xlsx *x, const char *attrs)
{
	char ref[48], *p = ref;
	unsigned c = x->col++;

	memcpy(p, "<c r=\"", 6);
	p += 6;
	if (c >= 26) {
		*p++ = (char)('A' + c / 26 - 1);
		c %= 26;
	}
	*p++ = (char)('A' + c);
	p = put_decimal(p, x->row);
	*p++ = '"';
	sample_put(&x->sheet, ref, (size_t)(p - ref));
	sample_puts(&x->sheet, attrs);
}

void sample_xlsx_row_begin(sample_xlsx *x)
{
	char buf[40], *p = buf;

	x->row++;
	x->col = 0;
	memcpy(p, "<row r=\"", 8);
	p = put_decimal(p + 8, x->row);
	memcpy(p, "\">", 2);
	sample_put(&x->sheet, buf, (size_t)(p + 2 - buf));
}

void sample_xlsx_str(sample_xlsx *x, const char *s)
{
	if (!*s) {
		x->col++;
		return;
	}
	cell_ref(x, " t=\"inlineStr\"><is><t");
	if (strchr(s, '\n') || s[0] == ' ')
		sample_puts(&x->sheet, " xml:space=\"preserve\"");
	sample_puts(&x->sheet, ">");
	put_escaped(&x->sheet, s);
	sample_puts(&x->sheet, "</t></is></c>");
}

void sample_xlsx_shared(sample_xlsx *x, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *p;
	size_t slot;

	if (!*s) {
		x->col++;
		return;
	}
	for (p = s; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	for (slot = h % SST_SLOTS; x->slot[slot]; slot = (slot + 1) % SST_SLOTS)
		if (!strcmp((char *)x->sst.ptr + x->sst_off[x->slot[slot] - 1], s))
			break;
	if (!x->slot[slot]) {
		if (x->nsst == SST_SLOTS / 2) { /* not a repeated value after all */
			sample_xlsx_str(x, s);
			return;
		}
		x->sst_off[x->nsst] = x->sst.len;
		sample_put(&x->sst, s, strlen(s) + 1);
		x->slot[slot] = (uint32_t)++x->nsst;
	}
	x->sst_refs++;
	cell_ref(x, " t=\"s\"><v>");
	sample_printf(&x->sheet, "%u</v></c>", x->slot[slot] - 1);
}

void sample_xlsx_num(sample_xlsx *x, const char *number, int style)
{
	char attrs[16];

	snprintf(attrs, sizeof(attrs), style ? " s=\"%d\"><v>" : "><v>", style);
	cell_ref(x, attrs);
	sample_puts(&x->sheet, number);
	sample_puts(&x->sheet, "</v></c>");
}

void sample_xlsx_date(sample_xlsx *x, sample_date d)
{
	char v[16];

	snprintf(v, sizeof(v), "%ld", sample_excel_serial(d));
	sample_xlsx_num(x, v, 1);
}

int sample_xlsx_row_end(sample_xlsx *x)
{
	sample_puts(&x->sheet, "</row>");
	if (x->sheet.len < FLUSH_AT || x->rc)
		return x->rc;
	if (archive_write_data(x->a, x->sheet.ptr, x->sheet.len) != (la_ssize_t)x->sheet.len)
		return la_error(x, "xl/worksheets/sheet1.xml");
	cy_buf_clear(&x->sheet);
	return 0;
}

uint64_t sample_xlsx_rows(const sample_xlsx *x)
{
	return x->row;
}

int sample_xlsx_close(sample_xlsx *x, const char *sheet_name)
{
	cy_buf b = CY_BUF_INIT;
	size_t i;
	int rc = x->rc;

	sample_puts(&x->sheet, "</sheetData></worksheet>");
	if (!rc && archive_write_data(x->a, x->sheet.ptr, x->sheet.len) != (la_ssize_t)x->sheet.len)
		rc = la_error(x, "xl/worksheets/sheet1.xml");
	if (!rc) {
		sample_puts(
			&b,
			"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
			"main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
			"relationships\"><sheets><sheet name=\"");
		put_escaped(&b, sheet_name);
		sample_puts(&b, "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
		rc = put_entry(x, "xl/workbook.xml", b.ptr, b.len, true);
	}
	if (!rc) {
		cy_buf_clear(&b);
		sample_printf(&b,
			      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			      "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
			      "main\" count=\"%zu\" uniqueCount=\"%zu\">",
			      x->sst_refs, x->nsst);
		for (i = 0; i < x->nsst; i++) {
			sample_puts(&b, "<si><t>");
			put_escaped(&b, (char *)x->sst.ptr + x->sst_off[i]);
			sample_puts(&b, "</t></si>");
		}
		sample_puts(&b, "</sst>");
		rc = put_entry(x, "xl/sharedStrings.xml", b.ptr, b.len, true);
	}
	if (!rc && archive_write_close(x->a) != ARCHIVE_OK)
		rc = la_error(x, "zip");
	archive_write_free(x->a);
	if (!rc)
		rc = sample_file_close(&x->file);
	else
		sample_file_abort(&x->file);
	cy_buf_release(&b);
	cy_buf_release(&x->sheet);
	cy_buf_release(&x->sst);
	free(x);
	return rc;
}
