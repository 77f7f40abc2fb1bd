/* xlsx.c - the XLSX reader of table.h: one sheet of an Office Open XML
 * workbook in, rows of UTF-8 cells out, handed to the mapping layer
 * (table_map.c) through cy_table__row exactly as cy_table_feed_cells does, so
 * header detection, field mapping and Excel's quirks are shared with CSV.
 *
 * Streamed: libarchive reads the zip entry by entry (its seekable reader, so
 * the central directory is the authority), and expat parses each part as it
 * is decompressed, 64 KiB at a time.  No part is ever held whole; what stays
 * in memory is the shared-string table (bounded), the styles' number formats
 * and one row.  The parts a sheet needs are read in three passes over the
 * archive, because zip order is not guaranteed: workbook and its
 * relationships; styles and shared strings; the sheet.  Each pass reopens the
 * archive from the same file descriptor (or memory), and skipping an entry in
 * a seekable zip costs a seek, not a decompression.
 *
 * Hostile input: every part has a decompressed size limit and a ratio check
 * against the file's size (zip bombs), shared strings are counted, entry
 * names that leave the package ("..", absolute, backslashes, controls) stop
 * the file, a DOCTYPE or entity declaration stops the part (no entity
 * expansion), cell references beyond XFD1048576 make their row a reject.
 * Values are personal data: expat's buffers and ours are wiped.
 * docs/internals/ingest-table.md, "XLSX". */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <expat.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/table.h"
#include "ingest/table_internal.h"
#include "custody/banned.h"

#define XLSX_COLS 16384u   /* XFD */
#define XLSX_ROWS 1048576u /* Excel's last row */
#define READ_CHUNK (64u << 10)
#define RATIO_FLOOR (1u << 20) /* the ratio is checked past this many bytes */
#define SHEETS_MAX 65536u
#define RELS_MAX 65536u
#define XF_MAX (1u << 20)
#define NAME_MAX_LEN 1024u
#define NS_SEP '\x01' /* expat's namespace separator: "uri\1local" */

#define WB_PART "xl/workbook.xml"
#define WB_RELS "xl/_rels/workbook.xml.rels"

typedef struct xlsx_sheet {
	char *name, *rid;
} xlsx_sheet;

typedef struct xlsx_rel {
	char *id;
	char *target; /* the part's name in the zip, or NULL if it points outside */
	char *type;
} xlsx_rel;

typedef enum cell_type { CT_NUM, CT_SST, CT_INLINE, CT_STR, CT_BOOL, CT_ERR, CT_DATE } cell_type;

typedef struct xlsx {
	cy_table *t; /* NULL when only the sheet names are wanted */
	cy_table_xlsx_limits lim;
	const char *name; /* the file, in messages */
	int fd;		  /* -1: the workbook is in memory */
	const void *mem;
	size_t memlen;
	uint64_t file_size;
	uint8_t *chunk; /* READ_CHUNK bytes of decompressed XML (wiped) */

	XML_Parser xp;
	const char *part; /* the part being parsed, for messages */
	int rc;		  /* the first error met inside an expat callback */
	uint64_t part_bytes;

	/* xl/workbook.xml */
	xlsx_sheet *sheets;
	size_t nsheets;
	bool in_sheets;
	bool date1904;

	/* xl/_rels/workbook.xml.rels */
	xlsx_rel *rels;
	size_t nrels;

	/* styles: which numFmtIds are dates, and each cellXfs entry's numFmtId */
	uint8_t fmt_date[65536 / 8];
	uint32_t *xf_fmt;
	size_t nxf, xf_cap;
	bool in_numfmts, in_cellxfs;

	/* shared strings: NUL-terminated texts in one buffer (personal data) */
	cy_buf sst;
	uint32_t *sst_off;
	size_t nsst, sst_cap;
	bool in_si;

	/* text being collected: a shared string, a cell's <v> or inline <t> */
	cy_buf cur;
	bool collect;
	unsigned rph; /* inside <rPh> (phonetic runs): not part of the text */

	/* the sheet */
	bool in_sheetdata, in_row, in_cell, in_is;
	uint64_t row, last_row;
	uint32_t col, last_col; /* 1-based; last_col 0 at a row's start */
	cell_type ctype;
	uint32_t cstyle;
	bool cell_skip;
	char why[160];	/* why the current row is a reject, if it is */
	cy_buf rowtext; /* the row's cell texts, NUL-terminated (personal data) */
	uint32_t *ccol; /* per cell of the row: its column (1-based) */
	size_t *coff;	/* per cell: offset in rowtext */
	size_t ncell;
	const char **cellp; /* XLSX_COLS pointers, handed to the table */
	cy_buf raw;	    /* the row as tab-separated text (personal data) */
} xlsx;

/* ---- small helpers ---- */

static void wipe_clear(cy_buf *b)
{
	if (b->ptr)
		explicit_bzero(b->ptr, b->len);
	cy_buf_clear(b);
}

/* Append to a buffer of personal data: it grows by moving, the old block wiped. */
static int sput(cy_buf *b, const void *d, size_t n)
{
	int rc;

	if ((rc = cy_table__reserve(b, n + 1)))
		return rc;
	memcpy(b->ptr + b->len, d, n);
	b->len += n;
	b->ptr[b->len] = 0;
	return 0;
}

static const char *local(const char *n)
{
	const char *p = strrchr(n, NS_SEP);
	return p ? p + 1 : n;
}

/* An attribute by local name: ns says whether it must carry a namespace
 * (r:id) or must not (name, Id). */
static const char *attr(const char **a, const char *lname, bool ns)
{
	for (; a && a[0]; a += 2) {
		const char *sep = strrchr(a[0], NS_SEP);
		if ((sep != NULL) == ns && !strcmp(sep ? sep + 1 : a[0], lname))
			return a[1];
	}
	return NULL;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* Stop the parser for err (already set with cy_error_set), keeping the first. */
static void fail(xlsx *x, int err)
{
	if (!x->rc)
		x->rc = err;
	XML_StopParser(x->xp, XML_FALSE);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *n, const XML_Char *sys,
			       const XML_Char *pub, int internal)
{
	xlsx *x = ud;

	(void)n, (void)sys, (void)pub, (void)internal;
	fail(x, cy_error_set(CY_EINVALID,
			     "'%s': %s: a DOCTYPE declaration; refused (OOXML has none, and "
			     "entity expansion is an attack)",
			     x->name, x->part));
}

static void XMLCALL on_entity(void *ud, const XML_Char *n, int pe, const XML_Char *v, int vlen,
			      const XML_Char *base, const XML_Char *sys, const XML_Char *pub,
			      const XML_Char *notation)
{
	xlsx *x = ud;

	(void)n, (void)pe, (void)v, (void)vlen, (void)base, (void)sys, (void)pub, (void)notation;
	fail(x, cy_error_set(CY_EINVALID, "'%s': %s: an entity declaration; refused", x->name,
			     x->part));
}

/* Text into x->cur while collecting; a sheet row is held to row_max. */
static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	xlsx *x = ud;
	int rc;

	if (!x->collect || x->rph || len <= 0)
		return;
	if (x->in_row) {
		size_t max = x->t->o.row_max;
		if (x->why[0])
			return;
		if ((size_t)len > max || x->rowtext.len + x->cur.len > max - (size_t)len) {
			snprintf(x->why, sizeof(x->why), "row %llu: a row longer than %zu bytes",
				 (unsigned long long)x->row, max);
			return;
		}
	}
	if ((rc = sput(&x->cur, s, (size_t)len)))
		fail(x, rc);
}

/* ---- reading the archive ---- */

static int not_zip(xlsx *x, struct archive *a)
{
	static const uint8_t CFB[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	uint8_t head[8] = {0};

	if (x->fd >= 0) {
		if (pread(x->fd, head, sizeof(head), 0) < 0)
			memset(head, 0, sizeof(head));
	} else if (x->memlen >= sizeof(head)) {
		memcpy(head, x->mem, sizeof(head));
	}
	if (!memcmp(head, CFB, sizeof(CFB)))
		return cy_error_set(CY_EINVALID,
				    "'%s' is an OLE file, not XLSX: an old .xls workbook or a "
				    "password-protected one; save it as an unprotected .xlsx",
				    x->name);
	return cy_error_set(CY_EINVALID, "'%s' is not an XLSX workbook (not a zip archive: %s)",
			    x->name, archive_error_string(a) ? archive_error_string(a) : "?");
}

static int open_archive(xlsx *x, struct archive **out)
{
	struct archive *a;
	int r, rc;

	*out = NULL;
	if (!(a = archive_read_new()))
		return cy_error_set(CY_ENOMEM, "out of memory");
	archive_read_support_format_zip_seekable(a);
	if (x->fd >= 0) {
		if (lseek(x->fd, 0, SEEK_SET) < 0) {
			rc = cy_error_set_errno(CY_EIO, errno, "cannot read '%s'", x->name);
			archive_read_free(a);
			return rc;
		}
		r = archive_read_open_fd(a, x->fd, READ_CHUNK);
	} else {
		r = archive_read_open_memory(a, x->mem, x->memlen);
	}
	if (r != ARCHIVE_OK) {
		rc = not_zip(x, a);
		archive_read_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

/* An entry name that could mean a place outside the package. */
static bool unsafe_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > NAME_MAX_LEN || n[0] == '/' || strchr(n, '\\') || !strncmp(n, "../", 3) ||
	    strstr(n, "/../") || !strcmp(n, "..") || (len >= 3 && !strcmp(n + len - 3, "/..")))
		return true;
	for (const unsigned char *p = (const unsigned char *)n; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* expat's memory, counted per parse (one parser at a time per thread): it
 * buffers a whole token, so a tag of a gigabyte would otherwise cost one.
 * Blocks move and are wiped as libcsv's are (they hold cell text). */
static _Thread_local size_t xml_mem, xml_mem_cap;
static _Thread_local bool xml_mem_over;

static void *xml_malloc(size_t n)
{
	void *p;

	if (n > xml_mem_cap - xml_mem) {
		xml_mem_over = true;
		return NULL;
	}
	if ((p = malloc(n)))
		xml_mem += malloc_usable_size(p);
	return p;
}

static void *xml_realloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q;

	if (n > old && n - old > xml_mem_cap - xml_mem) {
		xml_mem_over = true;
		return NULL;
	}
	if ((q = cy_table__wipe_realloc(p, n)))
		xml_mem = xml_mem - old + malloc_usable_size(q);
	return q;
}

static void xml_free(void *p)
{
	if (p)
		xml_mem -= malloc_usable_size(p);
	cy_table__wipe_free(p);
}

/* Parse the entry the archive is at as XML, at most max bytes decompressed. */
static int parse_entry(xlsx *x, struct archive *a, const char *part, uint64_t max,
		       XML_StartElementHandler start, XML_EndElementHandler end)
{
	static const XML_Memory_Handling_Suite MM = {xml_malloc, xml_realloc, xml_free};
	uint64_t total = 0;
	int rc = 0;

	xml_mem = 0;
	xml_mem_cap = x->lim.xml_mem_max;
	xml_mem_over = false;
	if (!(x->xp = XML_ParserCreate_MM(NULL, &MM, "\x01")))
		return cy_error_set(CY_ENOMEM, "out of memory");
	XML_SetUserData(x->xp, x);
	XML_SetElementHandler(x->xp, start, end);
	XML_SetCharacterDataHandler(x->xp, on_text);
	XML_SetStartDoctypeDeclHandler(x->xp, on_doctype);
	XML_SetEntityDeclHandler(x->xp, on_entity);
	x->part = part;
	x->rc = 0;
	for (;;) {
		la_ssize_t k = archive_read_data(a, x->chunk, READ_CHUNK);
		if (k < 0) {
			rc = cy_error_set(CY_EINVALID, "'%s': %s: %s", x->name, part,
					  archive_error_string(a) ? archive_error_string(a)
								  : "cannot decompress");
			goto out;
		}
		total += (uint64_t)k;
		if (total > max) {
			rc = cy_error_set(CY_EINVALID,
					  "'%s': %s is larger than %llu bytes decompressed; "
					  "refused (a zip bomb?)",
					  x->name, part, (unsigned long long)max);
			goto out;
		}
		if (total > RATIO_FLOOR && total / x->lim.ratio_max > x->file_size) {
			rc = cy_error_set(CY_EINVALID,
					  "'%s': %s expands to more than %u times the file's size; "
					  "refused (a zip bomb?)",
					  x->name, part, x->lim.ratio_max);
			goto out;
		}
		if (XML_Parse(x->xp, (const char *)x->chunk, (int)k, k == 0) == XML_STATUS_ERROR) {
			if (x->rc) {
				rc = x->rc;
			} else if (xml_mem_over) {
				rc = cy_error_set(
					CY_EINVALID,
					"'%s': %s, XML line %lu: parsing needs more than %llu "
					"bytes (a tag that large?); refused",
					x->name, part,
					(unsigned long)XML_GetCurrentLineNumber(x->xp),
					(unsigned long long)x->lim.xml_mem_max);
			} else if (XML_GetErrorCode(x->xp) == XML_ERROR_NO_MEMORY) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
			} else if (x->in_row || x->last_row) {
				rc = cy_error_set(
					CY_EINVALID,
					"'%s': %s, XML line %lu, in or after row %llu: %s", x->name,
					part, (unsigned long)XML_GetCurrentLineNumber(x->xp),
					(unsigned long long)(x->in_row ? x->row : x->last_row),
					XML_ErrorString(XML_GetErrorCode(x->xp)));
			} else {
				rc = cy_error_set(CY_EINVALID, "'%s': %s, XML line %lu: %s",
						  x->name, part,
						  (unsigned long)XML_GetCurrentLineNumber(x->xp),
						  XML_ErrorString(XML_GetErrorCode(x->xp)));
			}
			goto out;
		}
		if (x->rc) {
			rc = x->rc;
			goto out;
		}
		if (k == 0)
			break;
	}
out:
	XML_ParserFree(x->xp);
	x->xp = NULL;
	explicit_bzero(x->chunk, READ_CHUNK);
	return rc;
}

typedef int (*part_fn)(xlsx *x, struct archive *a, size_t which, const char *part);

/* One pass over the archive: fn for each entry named in want (NULLs allowed);
 * found[i] says which were there. */
static int scan(xlsx *x, const char *const *want, size_t nwant, bool *found, part_fn fn)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	int rc;

	for (size_t i = 0; i < nwant; i++)
		found[i] = false;
	if ((rc = open_archive(x, &a)))
		return rc;
	for (;;) {
		const char *n;
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = cy_error_set(CY_EINVALID, "'%s': a damaged zip archive: %s", x->name,
					  archive_error_string(a) ? archive_error_string(a) : "?");
			goto out;
		}
		if (!(n = archive_entry_pathname(e)) || unsafe_name(n)) {
			rc = cy_error_set(CY_EINVALID,
					  "'%s': a zip entry whose name is absolute, holds '..', "
					  "a backslash or control characters; refused",
					  x->name);
			goto out;
		}
		for (size_t i = 0; i < nwant; i++) {
			if (!want[i] || strcmp(n, want[i]))
				continue;
			if (found[i]) {
				rc = cy_error_set(CY_EINVALID, "'%s': the part %s is there twice",
						  x->name, want[i]);
				goto out;
			}
			found[i] = true;
			if ((rc = fn(x, a, i, want[i])))
				goto out;
		}
	}
out:
	archive_read_free(a);
	return rc;
}

/* ---- xl/workbook.xml and its relationships ---- */

/* An array of n entries is full (capacities are 8, 16, 32, ...). */
static bool grows(size_t n)
{
	return n == 0 || (n >= 8 && !(n & (n - 1)));
}

static void XMLCALL wb_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	xlsx *x = ud;
	const char *n = local(el), *v;

	if (!strcmp(n, "sheets")) {
		x->in_sheets = true;
	} else if (!strcmp(n, "workbookPr")) {
		v = attr(a, "date1904", false);
		x->date1904 = v && (!strcmp(v, "1") || !strcmp(v, "true"));
	} else if (!strcmp(n, "sheet") && x->in_sheets) {
		const char *name = attr(a, "name", false), *rid = attr(a, "id", true);
		xlsx_sheet *s;
		if (!name || !rid) {
			fail(x, cy_error_set(CY_EINVALID, "'%s': %s: a sheet without %s", x->name,
					     x->part, name ? "r:id" : "a name"));
			return;
		}
		if (x->nsheets >= SHEETS_MAX) {
			fail(x, cy_error_set(CY_EINVALID, "'%s': more than %u sheets", x->name,
					     SHEETS_MAX));
			return;
		}
		if (grows(x->nsheets)) {
			s = realloc(x->sheets, (x->nsheets ? 2 * x->nsheets : 8) * sizeof(*s));
			if (!s) {
				fail(x, cy_error_set(CY_ENOMEM, "out of memory"));
				return;
			}
			x->sheets = s;
		}
		s = x->sheets + x->nsheets;
		s->name = strdup(name);
		s->rid = strdup(rid);
		x->nsheets++;
		if (!s->name || !s->rid) {
			fail(x, cy_error_set(CY_ENOMEM, "out of memory"));
			return;
		}
	}
}

static void XMLCALL wb_end(void *ud, const XML_Char *el)
{
	xlsx *x = ud;

	if (!strcmp(local(el), "sheets"))
		x->in_sheets = false;
}

/* A relationship's target as a part name: relative to xl/, or absolute from
 * the package root; NULL for one that leaves the package. */
static char *rel_target(const char *t)
{
	cy_buf b = CY_BUF_INIT;

	if (t[0] == '/')
		t++;
	else if (cy_buf_puts(&b, "xl/"))
		return NULL;
	while (t[0] == '.' && t[1] == '/')
		t += 2;
	if (cy_buf_puts(&b, t) || unsafe_name((const char *)b.ptr)) {
		cy_buf_release(&b);
		return NULL;
	}
	return cy_buf_detach(&b);
}

static void XMLCALL rels_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	xlsx *x = ud;
	const char *id, *target, *type, *mode;
	xlsx_rel *r;

	if (strcmp(local(el), "Relationship"))
		return;
	id = attr(a, "Id", false);
	target = attr(a, "Target", false);
	type = attr(a, "Type", false);
	mode = attr(a, "TargetMode", false);
	if (!id || !target || (mode && !strcmp(mode, "External")))
		return;
	if (x->nrels >= RELS_MAX) {
		fail(x, cy_error_set(CY_EINVALID, "'%s': %s: more than %u relationships", x->name,
				     x->part, RELS_MAX));
		return;
	}
	if (grows(x->nrels)) {
		r = realloc(x->rels, (x->nrels ? 2 * x->nrels : 8) * sizeof(*r));
		if (!r) {
			fail(x, cy_error_set(CY_ENOMEM, "out of memory"));
			return;
		}
		x->rels = r;
	}
	r = x->rels + x->nrels++;
	r->id = strdup(id);
	r->type = strdup(type ? type : "");
	r->target = rel_target(target);
	if (!r->id || !r->type)
		fail(x, cy_error_set(CY_ENOMEM, "out of memory"));
}

static void XMLCALL ignore_end(void *ud, const XML_Char *el)
{
	(void)ud, (void)el;
}

static int pass1_part(xlsx *x, struct archive *a, size_t which, const char *part)
{
	if (which == 0)
		return parse_entry(x, a, part, x->lim.part_max, wb_start, wb_end);
	return parse_entry(x, a, part, x->lim.part_max, rels_start, ignore_end);
}

static const xlsx_rel *rel_by_id(const xlsx *x, const char *id)
{
	for (size_t i = 0; i < x->nrels; i++)
		if (!strcmp(x->rels[i].id, id))
			return &x->rels[i];
	return NULL;
}

/* The target of the first relationship whose type ends with "/suffix". */
static const char *rel_by_type(const xlsx *x, const char *suffix)
{
	size_t sl = strlen(suffix);

	for (size_t i = 0; i < x->nrels; i++) {
		size_t tl = strlen(x->rels[i].type);
		if (tl > sl && x->rels[i].type[tl - sl - 1] == '/' &&
		    !strcmp(x->rels[i].type + tl - sl, suffix))
			return x->rels[i].target;
	}
	return NULL;
}

static int read_workbook(xlsx *x)
{
	static const char *const WANT[2] = {WB_PART, WB_RELS};
	bool found[2];
	int rc;

	if ((rc = scan(x, WANT, 2, found, pass1_part)))
		return rc;
	if (!found[0])
		return cy_error_set(CY_EINVALID,
				    "'%s' is a zip archive but not an XLSX workbook (no %s)",
				    x->name, WB_PART);
	if (x->t && !found[1])
		return cy_error_set(CY_EINVALID,
				    "'%s': no %s: the workbook's parts cannot be found", x->name,
				    WB_RELS);
	return 0;
}

/* ---- styles: which cells hold dates ---- */

static void fmt_set(xlsx *x, uint32_t id, bool date)
{
	if (id >= 65536)
		return;
	if (date)
		x->fmt_date[id / 8] |= (uint8_t)(1u << (id % 8));
	else
		x->fmt_date[id / 8] &= (uint8_t) ~(1u << (id % 8));
}

static bool fmt_is_date(const xlsx *x, uint32_t id)
{
	return id < 65536 && (x->fmt_date[id / 8] >> (id % 8) & 1);
}

/* A number format code shows a date if it has y, d (or e, the era year), or
 * m without h or s (then m is minutes), outside quoted text, [..] sections
 * and escaped characters. */
static bool code_is_date(const char *c)
{
	bool ymd = false, m = false, hs = false;

	for (; *c; c++) {
		switch (*c) {
		case '"':
			while (c[1] && c[1] != '"')
				c++;
			if (c[1])
				c++;
			break;
		case '[':
			while (c[1] && c[1] != ']')
				c++;
			if (c[1])
				c++;
			break;
		case '\\':
		case '_':
		case '*':
			if (c[1])
				c++;
			break;
		case 'y':
		case 'Y':
		case 'd':
		case 'D':
		case 'e':
		case 'E':
			ymd = true;
			break;
		case 'm':
		case 'M':
			m = true;
			break;
		case 'h':
		case 'H':
		case 's':
		case 'S':
			hs = true;
			break;
		case ';': /* the first section decides */
			return ymd || (m && !hs);
		default:
			break;
		}
	}
	return ymd || (m && !hs);
}

static void XMLCALL styles_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	xlsx *x = ud;
	const char *n = local(el);
	uint64_t id = 0;

	if (!strcmp(n, "numFmts")) {
		x->in_numfmts = true;
	} else if (!strcmp(n, "cellXfs")) {
		x->in_cellxfs = true;
	} else if (!strcmp(n, "numFmt") && x->in_numfmts) {
		const char *code = attr(a, "formatCode", false);
		if (parse_u64(attr(a, "numFmtId", false), 65535, &id) && code)
			fmt_set(x, (uint32_t)id, code_is_date(code));
	} else if (!strcmp(n, "xf") && x->in_cellxfs) {
		if (x->nxf >= XF_MAX) {
			fail(x, cy_error_set(CY_EINVALID, "'%s': %s: more than %u cell styles",
					     x->name, x->part, XF_MAX));
			return;
		}
		if (x->nxf == x->xf_cap) {
			size_t cap = x->xf_cap ? x->xf_cap * 2 : 64;
			uint32_t *p = realloc(x->xf_fmt, cap * sizeof(*p));
			if (!p) {
				fail(x, cy_error_set(CY_ENOMEM, "out of memory"));
				return;
			}
			x->xf_fmt = p;
			x->xf_cap = cap;
		}
		if (!parse_u64(attr(a, "numFmtId", false), 65535, &id))
			id = 0;
		x->xf_fmt[x->nxf++] = (uint32_t)id;
	}
}

static void XMLCALL styles_end(void *ud, const XML_Char *el)
{
	xlsx *x = ud;
	const char *n = local(el);

	if (!strcmp(n, "numFmts"))
		x->in_numfmts = false;
	else if (!strcmp(n, "cellXfs"))
		x->in_cellxfs = false;
}

/* ---- shared strings ---- */

static void XMLCALL sst_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	xlsx *x = ud;
	const char *n = local(el);

	(void)a;
	if (!strcmp(n, "si")) {
		x->in_si = true;
		wipe_clear(&x->cur);
	} else if (!strcmp(n, "rPh") && x->in_si) {
		x->rph++;
	} else if (!strcmp(n, "t") && x->in_si) {
		x->collect = true;
	}
}

static void XMLCALL sst_end(void *ud, const XML_Char *el)
{
	xlsx *x = ud;
	const char *n = local(el);
	int rc;

	if (!strcmp(n, "t")) {
		x->collect = false;
	} else if (!strcmp(n, "rPh") && x->rph) {
		x->rph--;
	} else if (!strcmp(n, "si") && x->in_si) {
		x->in_si = false;
		if (x->nsst >= x->lim.strings_count_max) {
			fail(x, cy_error_set(CY_EINVALID, "'%s': %s: more than %llu shared strings",
					     x->name, x->part,
					     (unsigned long long)x->lim.strings_count_max));
			return;
		}
		if (x->sst.len > UINT32_MAX - x->cur.len - 1) {
			fail(x, cy_error_set(CY_EINVALID, "'%s': %s: shared strings too large",
					     x->name, x->part));
			return;
		}
		if (x->nsst == x->sst_cap) {
			size_t cap = x->sst_cap ? x->sst_cap * 2 : 256;
			uint32_t *p = realloc(x->sst_off, cap * sizeof(*p));
			if (!p) {
				fail(x, cy_error_set(CY_ENOMEM, "out of memory"));
				return;
			}
			x->sst_off = p;
			x->sst_cap = cap;
		}
		x->sst_off[x->nsst++] = (uint32_t)x->sst.len;
		if ((rc = sput(&x->sst, x->cur.ptr ? (const char *)x->cur.ptr : "",
			       x->cur.len + 1))) {
			fail(x, rc);
			return;
		}
		wipe_clear(&x->cur);
	}
}

static int pass2_part(xlsx *x, struct archive *a, size_t which, const char *part)
{
	if (which == 0)
		return parse_entry(x, a, part, x->lim.part_max, styles_start, styles_end);
	return parse_entry(x, a, part, x->lim.strings_max, sst_start, sst_end);
}

/* ---- the sheet ---- */

/* "C5" -> column 3, row 5; false for anything beyond XFD1048576. */
static bool parse_ref(const char *s, uint32_t *col, uint64_t *row)
{
	uint32_t c = 0;
	int letters = 0;

	for (; (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'); s++) {
		if (++letters > 3)
			return false;
		c = c * 26 + (uint32_t)((*s | 0x20) - 'a' + 1);
	}
	if (!letters || c > XLSX_COLS || !parse_u64(s, XLSX_ROWS, row) || *row == 0)
		return false;
	*col = c;
	return true;
}

static void row_reason(xlsx *x, const char *what)
{
	if (!x->why[0])
		snprintf(x->why, sizeof(x->why), "row %llu: %s", (unsigned long long)x->row, what);
}

static void XMLCALL sheet_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	xlsx *x = ud;
	const char *n = local(el), *v;

	if (!strcmp(n, "sheetData")) {
		x->in_sheetdata = true;
	} else if (!strcmp(n, "row") && x->in_sheetdata && !x->in_row) {
		uint64_t r = x->last_row + 1;
		if ((v = attr(a, "r", false)) && !parse_u64(v, XLSX_ROWS, &r))
			r = 0;
		if (r == 0 || r > XLSX_ROWS) {
			fail(x, cy_error_set(CY_EINVALID,
					     "'%s': %s: a row number outside 1..%u after row %llu",
					     x->name, x->part, XLSX_ROWS,
					     (unsigned long long)x->last_row));
			return;
		}
		if (r <= x->last_row) {
			fail(x, cy_error_set(CY_EINVALID,
					     "'%s': %s: row %llu after row %llu: rows out of order",
					     x->name, x->part, (unsigned long long)r,
					     (unsigned long long)x->last_row));
			return;
		}
		x->in_row = true;
		x->row = r;
		x->last_col = 0;
		x->ncell = 0;
		x->why[0] = 0;
		wipe_clear(&x->rowtext);
	} else if (!strcmp(n, "c") && x->in_row && !x->in_cell) {
		uint64_t r = x->row;
		uint32_t c = x->last_col + 1;
		x->in_cell = true;
		x->cell_skip = false;
		x->ctype = CT_NUM;
		x->cstyle = UINT32_MAX;
		wipe_clear(&x->cur);
		if ((v = attr(a, "r", false)) && !parse_ref(v, &c, &r)) {
			row_reason(x, "a cell reference outside A1:XFD1048576");
			x->cell_skip = true;
		} else if (r != x->row) {
			row_reason(x, "a cell whose reference names another row");
			x->cell_skip = true;
		} else if (c <= x->last_col || c > XLSX_COLS) {
			row_reason(x, "cells out of order, or beyond column XFD");
			x->cell_skip = true;
		} else {
			x->col = x->last_col = c;
		}
		if ((v = attr(a, "t", false))) {
			if (!strcmp(v, "s"))
				x->ctype = CT_SST;
			else if (!strcmp(v, "inlineStr"))
				x->ctype = CT_INLINE;
			else if (!strcmp(v, "str"))
				x->ctype = CT_STR;
			else if (!strcmp(v, "b"))
				x->ctype = CT_BOOL;
			else if (!strcmp(v, "e"))
				x->ctype = CT_ERR;
			else if (!strcmp(v, "d"))
				x->ctype = CT_DATE;
		}
		if ((v = attr(a, "s", false))) {
			uint64_t s;
			if (parse_u64(v, UINT32_MAX - 1, &s))
				x->cstyle = (uint32_t)s;
		}
	} else if (x->in_cell && !strcmp(n, "v")) {
		x->collect = true;
	} else if (x->in_cell && !strcmp(n, "is")) {
		x->in_is = true;
	} else if (x->in_is && !strcmp(n, "rPh")) {
		x->rph++;
	} else if (x->in_is && !strcmp(n, "t")) {
		x->collect = true;
	}
}

/* A date-styled number in a workbook of the 1904 date system: the serial in
 * the 1900 system, which is what the mapping layer reads. */
static int shift_1904(xlsx *x)
{
	const char *s = (const char *)x->cur.ptr;
	char buf[64];
	uint64_t d = 0;
	size_t i = 0;

	for (; s[i] >= '0' && s[i] <= '9' && i < 9; i++)
		d = d * 10 + (uint64_t)(s[i] - '0');
	if (!i || (s[i] && s[i] != '.') || strlen(s + i) > 30)
		return 0;
	snprintf(buf, sizeof(buf), "%llu%s", (unsigned long long)(d + 1462), s + i);
	wipe_clear(&x->cur);
	return sput(&x->cur, buf, strlen(buf));
}

static void cell_end(xlsx *x)
{
	const char *val = x->cur.ptr ? (const char *)x->cur.ptr : "";
	uint64_t idx;
	int rc;

	x->in_cell = false;
	x->collect = false;
	x->in_is = false;
	x->rph = 0;
	if (x->cell_skip || x->why[0])
		return;
	switch (x->ctype) {
	case CT_SST:
		if (!parse_u64(val, UINT32_MAX, &idx) || idx >= x->nsst) {
			row_reason(x, "a shared string that does not exist");
			return;
		}
		val = (const char *)x->sst.ptr + x->sst_off[idx];
		break;
	case CT_BOOL:
		if (!strcmp(val, "1"))
			val = "TRUE";
		else if (!strcmp(val, "0"))
			val = "FALSE";
		break;
	case CT_NUM:
		if (x->date1904 && x->cstyle < x->nxf && fmt_is_date(x, x->xf_fmt[x->cstyle]) &&
		    x->cur.len) {
			if ((rc = shift_1904(x))) {
				fail(x, rc);
				return;
			}
			val = (const char *)x->cur.ptr;
		}
		break;
	default:
		break;
	}
	if (!*val)
		return;
	if (strlen(val) > x->t->o.row_max - x->rowtext.len) {
		row_reason(x, "a row longer than the limit");
		return;
	}
	x->ccol[x->ncell] = x->col;
	x->coff[x->ncell++] = x->rowtext.len;
	/* val may point into cur or sst, never into rowtext */
	if ((rc = sput(&x->rowtext, val, strlen(val) + 1)))
		fail(x, rc);
	wipe_clear(&x->cur);
}

static void row_end(xlsx *x)
{
	size_t n = x->ncell ? x->ccol[x->ncell - 1] : 0;
	int rc = 0;

	x->in_row = false;
	x->last_row = x->row;
	for (size_t i = 0; i < n; i++)
		x->cellp[i] = NULL;
	for (size_t i = 0; i < x->ncell; i++)
		x->cellp[x->ccol[i] - 1] = (const char *)x->rowtext.ptr + x->coff[i];
	wipe_clear(&x->raw);
	for (size_t i = 0; i < n && !rc; i++) {
		if (i)
			rc = sput(&x->raw, "\t", 1);
		if (!rc && x->cellp[i])
			rc = sput(&x->raw, x->cellp[i], strlen(x->cellp[i]));
	}
	if (!rc && x->why[0])
		rc = cy_table_feed_reject(x->t, x->row, x->why, x->raw.ptr, x->raw.len);
	else if (!rc)
		rc = cy_table_feed_cells(x->t, x->row, x->cellp, n, x->raw.ptr, x->raw.len);
	wipe_clear(&x->raw);
	wipe_clear(&x->rowtext);
	if (rc)
		fail(x, rc);
}

static void XMLCALL sheet_end(void *ud, const XML_Char *el)
{
	xlsx *x = ud;
	const char *n = local(el);

	if (!strcmp(n, "sheetData")) {
		x->in_sheetdata = false;
	} else if (!strcmp(n, "row") && x->in_row) {
		row_end(x);
	} else if (!strcmp(n, "c") && x->in_cell) {
		cell_end(x);
	} else if (!strcmp(n, "v") || !strcmp(n, "t")) {
		x->collect = false;
	} else if (!strcmp(n, "rPh") && x->rph) {
		x->rph--;
	} else if (!strcmp(n, "is")) {
		x->in_is = false;
	}
}

static int pass3_part(xlsx *x, struct archive *a, size_t which, const char *part)
{
	(void)which;
	return parse_entry(x, a, part, x->lim.sheet_max, sheet_start, sheet_end);
}

/* ---- the whole ---- */

static void xlsx_release(xlsx *x)
{
	for (size_t i = 0; i < x->nsheets; i++) {
		free(x->sheets[i].name);
		free(x->sheets[i].rid);
	}
	free(x->sheets);
	for (size_t i = 0; i < x->nrels; i++) {
		free(x->rels[i].id);
		free(x->rels[i].target);
		free(x->rels[i].type);
	}
	free(x->rels);
	free(x->xf_fmt);
	free(x->sst_off);
	cy_buf_wipe(&x->sst);
	cy_buf_wipe(&x->cur);
	cy_buf_wipe(&x->rowtext);
	cy_buf_wipe(&x->raw);
	free(x->ccol);
	free(x->coff);
	free(x->cellp);
	if (x->chunk) {
		explicit_bzero(x->chunk, READ_CHUNK);
		free(x->chunk);
	}
}

static int xlsx_init(xlsx *x, cy_table *t, const char *name, const cy_table_xlsx_limits *lim)
{
	static const unsigned BUILTIN_DATES[] = {
		14, 15, 16, 17, 22, 45, 46, 47,
		/* the East Asian built-ins (zh-CN, ja-JP, ko-KR): 年月日 forms */
		27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58};

	memset(x, 0, sizeof(*x));
	x->t = t;
	x->name = name;
	x->fd = -1;
	if (lim)
		x->lim = *lim;
	if (!x->lim.sheet_max)
		x->lim.sheet_max = CY_TABLE_XLSX_SHEET_MAX_DEFAULT;
	if (!x->lim.strings_max)
		x->lim.strings_max = CY_TABLE_XLSX_STRINGS_MAX_DEFAULT;
	if (!x->lim.strings_count_max)
		x->lim.strings_count_max = CY_TABLE_XLSX_STRINGS_COUNT_DEFAULT;
	if (!x->lim.part_max)
		x->lim.part_max = CY_TABLE_XLSX_PART_MAX_DEFAULT;
	if (!x->lim.ratio_max)
		x->lim.ratio_max = CY_TABLE_XLSX_RATIO_DEFAULT;
	if (!x->lim.xml_mem_max || x->lim.xml_mem_max > SIZE_MAX / 2)
		x->lim.xml_mem_max = CY_TABLE_XLSX_XML_MEM_DEFAULT;
	for (size_t i = 0; i < sizeof(BUILTIN_DATES) / sizeof(BUILTIN_DATES[0]); i++)
		fmt_set(x, BUILTIN_DATES[i], true);
	if (!(x->chunk = malloc(READ_CHUNK)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (t && (!(x->ccol = calloc(XLSX_COLS, sizeof(*x->ccol))) ||
		  !(x->coff = calloc(XLSX_COLS, sizeof(*x->coff))) ||
		  !(x->cellp = calloc(XLSX_COLS, sizeof(*x->cellp)))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return 0;
}

static int sheet_list(const xlsx *x, cy_buf *b)
{
	int rc = 0;

	for (size_t i = 0; i < x->nsheets && i < 20 && !rc; i++)
		rc = cy_buf_printf(b, "%s'%s'", i ? ", " : "", x->sheets[i].name);
	if (!rc && x->nsheets > 20)
		rc = cy_buf_printf(b, " and %zu more", x->nsheets - 20);
	return rc;
}

static int xlsx_run(xlsx *x, const char *sheet)
{
	const xlsx_sheet *s = NULL;
	const xlsx_rel *r;
	const char *want[2];
	bool found[2];
	cy_buf names = CY_BUF_INIT;
	int rc;

	if ((rc = read_workbook(x)))
		return rc;
	if (!x->nsheets)
		return cy_error_set(CY_EINVALID, "'%s': the workbook has no sheets", x->name);
	if (!sheet) {
		s = &x->sheets[0];
	} else {
		for (size_t i = 0; i < x->nsheets && !s; i++)
			if (!strcmp(x->sheets[i].name, sheet))
				s = &x->sheets[i];
		for (size_t i = 0; i < x->nsheets && !s; i++)
			if (!strcasecmp(x->sheets[i].name, sheet))
				s = &x->sheets[i];
		if (!s) {
			rc = sheet_list(x, &names);
			rc = cy_error_set(rc ? rc : CY_ENOTFOUND,
					  "'%s' has no sheet '%s' (it has %s)", x->name, sheet,
					  cy_buf_cstr(&names));
			cy_buf_release(&names);
			return rc;
		}
	}
	if (!(r = rel_by_id(x, s->rid)) || !r->target)
		return cy_error_set(CY_EINVALID,
				    "'%s': sheet '%s' has no relationship to a part in the package",
				    x->name, s->name);
	/* styles and shared strings before the sheet, whatever the zip order */
	want[0] = rel_by_type(x, "styles");
	want[1] = rel_by_type(x, "sharedStrings");
	if ((want[0] || want[1]) && (rc = scan(x, want, 2, found, pass2_part)))
		return rc;
	want[0] = r->target;
	if ((rc = scan(x, want, 1, found, pass3_part)))
		return rc;
	if (!found[0])
		return cy_error_set(CY_EINVALID, "'%s': sheet '%s': its part %s is missing",
				    x->name, s->name, r->target);
	return cy_table_finish(x->t);
}

static int open_file(xlsx *x, const char *path)
{
	struct stat st;

	if ((x->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open '%s'",
					  path);
	if (fstat(x->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return cy_error_set(CY_EINVALID, "'%s' is not a file", path);
	x->file_size = (uint64_t)st.st_size;
	return 0;
}

int cy_table_xlsx_file_limits(cy_table *t, const char *path, const char *sheet,
			      const cy_table_xlsx_limits *lim)
{
	xlsx x;
	int rc;

	if (t->rc)
		return t->rc;
	if (!(rc = xlsx_init(&x, t, path, lim)) && !(rc = open_file(&x, path)))
		rc = xlsx_run(&x, sheet);
	if (x.fd >= 0)
		close(x.fd);
	xlsx_release(&x);
	if (rc && !t->rc)
		t->rc = rc;
	return rc;
}

int cy_table_xlsx_file(cy_table *t, const char *path, const char *sheet)
{
	return cy_table_xlsx_file_limits(t, path, sheet, NULL);
}

int cy_table_xlsx_memory(cy_table *t, const void *data, size_t n, const char *name,
			 const char *sheet, const cy_table_xlsx_limits *lim)
{
	xlsx x;
	int rc;

	if (t->rc)
		return t->rc;
	if (!(rc = xlsx_init(&x, t, name ? name : "(workbook)", lim))) {
		x.mem = data;
		x.memlen = n;
		x.file_size = n;
		rc = xlsx_run(&x, sheet);
	}
	xlsx_release(&x);
	if (rc && !t->rc)
		t->rc = rc;
	return rc;
}

int cy_table_xlsx_sheets(const char *path, char ***names, size_t *n)
{
	xlsx x;
	int rc;

	*names = NULL;
	*n = 0;
	if ((rc = xlsx_init(&x, NULL, path, NULL)) || (rc = open_file(&x, path)) ||
	    (rc = read_workbook(&x)))
		goto out;
	/* the names move to the caller */
	if (!(*names = calloc(x.nsheets ? x.nsheets : 1, sizeof(**names)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < x.nsheets; i++) {
		(*names)[i] = x.sheets[i].name;
		x.sheets[i].name = NULL;
	}
	*n = x.nsheets;
out:
	if (x.fd >= 0)
		close(x.fd);
	xlsx_release(&x);
	return rc;
}

void cy_table_xlsx_sheets_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}
