/* table.c - the CSV reader of table.h: bytes in, rows of UTF-8 cells out,
 * each with the physical line it starts on, handed to the mapping layer
 * (table_map.c).
 *
 * The file is streamed: the first 64 KiB settle the encoding (a byte-order
 * mark, else valid UTF-8, else libuchardet's guess; GBK and GB2312 are read
 * as GB18030, their superset), then the bytes are cut into physical lines in
 * that encoding (CR, LF, CRLF; 16-bit units for UTF-16), each line is
 * converted with iconv and fed to libcsv.  Feeding libcsv one line at a time
 * is what gives each row its line number, embedded newlines included, and
 * lets a line that does not decode taint only the row it belongs to: its
 * bad bytes become U+FFFD so that libcsv's quoting stays in step, and the
 * row is a reject naming the line.  Memory is bounded by the longest row
 * (row_max), not by the file.  docs/internals/ingest-table.md. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>
#include <uchardet/uchardet.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/table.h"
#include "ingest/table_internal.h"
#include "custody/banned.h"

#define SAMPLE_MAX (64u << 10)
#define READ_CHUNK (64u << 10)

static const struct {
	const char *opt, *name;
	unsigned unit;
	bool be;
} GIVEN[] = {
	{"utf-8", "UTF-8", 1, false},	    {"utf8", "UTF-8", 1, false},
	{"gb18030", "GB18030", 1, false},   {"gbk", "GB18030", 1, false},
	{"gb2312", "GB18030", 1, false},    {"big5", "BIG5", 1, false},
	{"utf-16le", "UTF-16LE", 2, false}, {"utf-16be", "UTF-16BE", 2, true},
};

/* ---- libcsv's memory: it holds plaintext, so it is wiped when it moves ---- */

void *cy_table__wipe_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	old = malloc_usable_size(p);
	if (!(q = malloc(n)))
		return NULL;
	memcpy(q, p, old < n ? old : n);
	explicit_bzero(p, old);
	free(p);
	return q;
}

void cy_table__wipe_free(void *p)
{
	if (p)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

int cy_table__reserve(cy_buf *b, size_t extra)
{
	cy_buf nb = CY_BUF_INIT;
	size_t cap;
	int rc;

	if (b->ptr && extra < b->cap - b->len) /* room for the bytes and the NUL */
		return 0;
	if (extra > SIZE_MAX / 4 - b->len)
		return cy_error_set(CY_ENOMEM, "out of memory");
	cap = b->cap > 128 ? b->cap : 128;
	while (cap <= b->len + extra)
		cap *= 2;
	/* a new block, the old one wiped: realloc would leave a copy behind */
	if ((rc = cy_buf_grow(&nb, cap - 1)))
		return rc;
	if (b->len)
		memcpy(nb.ptr, b->ptr, b->len);
	nb.len = b->len;
	nb.ptr[nb.len] = 0;
	cy_buf_wipe(b);
	*b = nb;
	return 0;
}

static void buf_wipe_clear(cy_buf *b)
{
	if (b->ptr)
		explicit_bzero(b->ptr, b->len);
	cy_buf_clear(b);
}

/* ---- the table ---- */

int cy_table_new(const cy_table_opts *o, const cy_table_handler *h, void *arg, cy_table **out)
{
	cy_table *t;
	bool known = false;

	*out = NULL;
	if (o && o->encoding && strcasecmp(o->encoding, "auto")) {
		for (size_t i = 0; i < sizeof(GIVEN) / sizeof(GIVEN[0]); i++)
			known |= !strcasecmp(o->encoding, GIVEN[i].opt);
		if (!known)
			return cy_error_set(CY_EINVALID,
					    "unknown encoding '%s' (auto, utf-8, gb18030, big5, "
					    "utf-16le, utf-16be)",
					    o->encoding);
	}
	if (!(t = calloc(1, sizeof(*t))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (o)
		t->o = *o;
	if (h)
		t->h = *h;
	t->arg = arg;
	if (!t->o.field_max)
		t->o.field_max = CY_TABLE_FIELD_MAX_DEFAULT;
	if (!t->o.row_max)
		t->o.row_max = CY_TABLE_ROW_MAX_DEFAULT;
	if (!t->o.cols_max)
		t->o.cols_max = CY_TABLE_COLS_MAX_DEFAULT;
	if (!t->o.rows_max)
		t->o.rows_max = CY_TABLE_ROWS_MAX_DEFAULT;
	t->cd = (iconv_t)-1;
	t->line = 1;
	t->row_start = 1;
	cy_table__map_constants(t);
	*out = t;
	return 0;
}

void cy_table_free(cy_table *t)
{
	if (!t)
		return;
	if (t->cp_init)
		csv_free(&t->cp);
	if (t->cd != (iconv_t)-1)
		iconv_close(t->cd);
	cy_buf_wipe(&t->sample);
	cy_buf_wipe(&t->pend);
	cy_buf_wipe(&t->raw);
	cy_buf_wipe(&t->u8);
	cy_buf_wipe(&t->cellbuf);
	free(t->celloff);
	free(t->cellptr);
	cy_table__map_release(t);
	free(t);
}

const char *cy_table_encoding(const cy_table *t)
{
	return t->settled ? t->enc : NULL;
}

const char *cy_table_encoding_source(const cy_table *t)
{
	return t->settled ? t->enc_source : NULL;
}

char cy_table_delimiter(const cy_table *t)
{
	return t->settled ? t->o.delimiter : 0;
}

const char *cy_table_col_kind_name(cy_table_col_kind k)
{
	static const char *const N[] = {"builtin", "map", "extra", "duplicate", "ignored"};

	return (unsigned)k < sizeof(N) / sizeof(N[0]) ? N[k] : "?";
}

const cy_table_counts *cy_table_get_counts(const cy_table *t)
{
	return &t->counts;
}

/* ---- libcsv's callbacks: cells of the current row ---- */

static void taint(cy_table *t, const char *fmt, unsigned long long line, const char *what)
{
	if (!t->taint[0])
		snprintf(t->taint, sizeof(t->taint), fmt, line, what);
}

static void on_field(void *s, size_t n, void *arg)
{
	cy_table *t = arg;
	int rc;

	if (t->rc)
		return;
	if (t->ncells >= t->o.cols_max) {
		t->cols_over = true;
		return;
	}
	if (!s)
		n = 0;
	if (n && memchr(s, 0, n))
		taint(t, "line %llu: a value holds a NUL byte%s", (unsigned long long)t->line, "");
	if (t->ncells == t->cellcap) {
		size_t cap = t->cellcap ? t->cellcap * 2 : 16;
		size_t *no = realloc(t->celloff, cap * sizeof(*no));
		if (!no) {
			t->rc = cy_error_set(CY_ENOMEM, "out of memory");
			return;
		}
		t->celloff = no;
		const char **np = realloc(t->cellptr, cap * sizeof(*np));
		if (!np) {
			t->rc = cy_error_set(CY_ENOMEM, "out of memory");
			return;
		}
		t->cellptr = np;
		t->cellcap = cap;
	}
	t->celloff[t->ncells++] = t->cellbuf.len;
	if ((rc = cy_table__reserve(&t->cellbuf, n + 1)) ||
	    (rc = cy_buf_put(&t->cellbuf, n ? s : "", n)) || (rc = cy_buf_putc(&t->cellbuf, 0)))
		t->rc = rc;
}

static void row_reset(cy_table *t)
{
	buf_wipe_clear(&t->cellbuf);
	t->ncells = 0;
	t->cols_over = false;
	t->taint[0] = 0;
}

static void on_row(int c, void *arg)
{
	cy_table *t = arg;
	char why[200];

	(void)c;
	t->row_ended = true;
	if (!t->ncells) { /* a line end outside a row: a blank line, or a CRLF's LF */
		if (!t->seg_crlf)
			t->counts.empty_rows++;
		goto out;
	}
	if (t->rc)
		goto out;
	for (size_t i = 0; i < t->ncells; i++)
		t->cellptr[i] = (const char *)t->cellbuf.ptr + t->celloff[i];
	if (t->cols_over && !t->have_header) {
		/* the header (or a title row above it) that wide: not this kind of file */
		t->rc = cy_error_set(CY_EINVALID, "line %llu: more than %zu columns",
				     (unsigned long long)t->row_start, t->o.cols_max);
	} else if (t->cols_over && !t->taint[0]) {
		snprintf(why, sizeof(why), "more than %zu cells in the row", t->o.cols_max);
		cy_table__row(t, t->row_start, NULL, 0, t->raw.ptr, t->raw.len, why);
	} else {
		cy_table__row(t, t->row_start, t->cellptr, t->ncells, t->raw.ptr, t->raw.len,
			      t->taint[0] ? t->taint : NULL);
	}
out:
	row_reset(t);
}

/* ---- decoding ---- */

static size_t utf8_seq_len(uint8_t b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* A line of UTF-8: checked, not converted.  Bytes that are not UTF-8 become
 * U+FFFD (to keep libcsv in step) and taint the row. */
static int decode_utf8(cy_table *t, const uint8_t *b, size_t n)
{
	size_t i = 0;
	int rc = 0;

	if ((rc = cy_table__reserve(&t->u8, n * 3 + 4)))
		return rc;
	if (cy_utf8_valid((const char *)b, n))
		return cy_buf_put(&t->u8, b, n);
	taint(t, "line %llu: bytes that are not valid %s", (unsigned long long)t->line, "UTF-8");
	while (!rc && i < n) {
		size_t k = utf8_seq_len(b[i]);
		if (k && i + k <= n && cy_utf8_valid((const char *)b + i, k)) {
			rc = cy_buf_put(&t->u8, b + i, k);
			i += k;
		} else {
			rc = cy_buf_puts(&t->u8, REPLACEMENT);
			i++;
		}
	}
	return rc;
}

static int decode_iconv(cy_table *t, const uint8_t *b, size_t n)
{
	char *in = (char *)b;
	size_t inl = n;
	int rc;

	if ((rc = cy_table__reserve(&t->u8, n * 2 + 16)))
		return rc;
	while (inl) {
		char *o = (char *)t->u8.ptr + t->u8.len;
		size_t ol = t->u8.cap - t->u8.len - 1, ol0 = ol;
		size_t r = iconv(t->cd, &in, &inl, &o, &ol);

		t->u8.len += ol0 - ol;
		t->u8.ptr[t->u8.len] = 0;
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG) {
			if ((rc = cy_table__reserve(&t->u8, inl * 2 + 64)))
				return rc;
			continue;
		}
		/* EILSEQ, EINVAL (a sequence cut by the line end): not this encoding */
		taint(t, "line %llu: bytes that are not valid %s", (unsigned long long)t->line,
		      t->enc);
		if ((rc = cy_table__reserve(&t->u8, 4)) || (rc = cy_buf_puts(&t->u8, REPLACEMENT)))
			return rc;
		size_t skip = inl < t->unit ? inl : t->unit;
		in += skip;
		inl -= skip;
		iconv(t->cd, NULL, NULL, NULL, NULL);
	}
	return 0;
}

/* One physical line (its terminator included; term: '\n', '\r', or 0 for
 * the end of the file). */
static int handle_line(cy_table *t, const uint8_t *b, size_t n, int term)
{
	bool lf_of_crlf = term == '\n' && t->prev_cr && n == t->unit;
	int rc;

	if ((rc = cy_table__reserve(&t->raw, n)) || (rc = cy_buf_put(&t->raw, b, n)))
		return t->rc = rc;
	if (t->raw.len > t->o.row_max)
		return t->rc = cy_error_set(CY_EINVALID,
					    "line %llu: a row longer than %zu bytes (a quote that "
					    "is never closed?)",
					    (unsigned long long)t->row_start, t->o.row_max);
	buf_wipe_clear(&t->u8);
	t->seg_crlf = lf_of_crlf;
	rc = t->utf8 ? decode_utf8(t, b, n) : decode_iconv(t, b, n);
	if (rc)
		return t->rc = rc;
	if (csv_parse(&t->cp, t->u8.ptr, t->u8.len, on_field, on_row, t) != t->u8.len && !t->rc)
		t->rc = cy_error_set(CY_ENOMEM, "line %llu: %s", (unsigned long long)t->line,
				     csv_strerror(csv_error(&t->cp)));
	if (t->rc)
		return t->rc;
	if (term == '\r' || (term == '\n' && !lf_of_crlf)) {
		t->line++;
		t->counts.lines++;
	} else if (!term && n) {
		t->counts.lines++;
	}
	t->prev_cr = term == '\r';
	if (t->row_ended) {
		t->row_start = t->line;
		t->row_ended = false;
		buf_wipe_clear(&t->raw);
	}
	return 0;
}

static int unit_at(const cy_table *t, const uint8_t *p)
{
	if (t->unit == 1)
		return *p;
	return t->big_endian ? p[0] << 8 | p[1] : p[1] << 8 | p[0];
}

/* Bytes in the settled encoding: cut into lines, each handled. */
static int process(cy_table *t, const uint8_t *d, size_t n)
{
	size_t pos = 0, i, rest;
	uint8_t *p;
	int rc;

	if ((rc = cy_table__reserve(&t->pend, n)) || (rc = cy_buf_put(&t->pend, d, n)))
		return t->rc = rc;
	p = t->pend.ptr;
	if (t->unit == 1) {
		/* memchr runs at memory speed; most lines end in LF or CRLF */
		while (pos < t->pend.len && !t->rc) {
			const uint8_t *nl = memchr(p + pos, '\n', t->pend.len - pos);
			size_t end = nl ? (size_t)(nl - p) : t->pend.len;
			const uint8_t *cr = memchr(p + pos, '\r', end - pos);
			if (cr)
				end = (size_t)(cr - p);
			else if (!nl)
				break;
			handle_line(t, p + pos, end + 1 - pos, p[end]);
			pos = end + 1;
		}
	} else {
		for (i = 0; i + t->unit <= t->pend.len && !t->rc; i += t->unit) {
			int c = unit_at(t, p + i);
			if (c == '\n' || c == '\r') {
				handle_line(t, p + pos, i + t->unit - pos, c);
				pos = i + t->unit;
			}
		}
	}
	if (t->rc)
		return t->rc;
	rest = t->pend.len - pos;
	memmove(p, p + pos, rest);
	explicit_bzero(p + rest, t->pend.len - rest);
	t->pend.len = rest;
	if (t->raw.len + rest > t->o.row_max)
		return t->rc = cy_error_set(CY_EINVALID,
					    "line %llu: a row longer than %zu bytes (a quote that "
					    "is never closed?)",
					    (unsigned long long)t->row_start, t->o.row_max);
	return 0;
}

/* Valid multi-byte UTF-8 characters, and bytes that are not UTF-8, in s. */
static void utf8_census(const uint8_t *s, size_t n, size_t *good, size_t *bad)
{
	size_t i = 0;

	*good = *bad = 0;
	while (i < n) {
		size_t k = utf8_seq_len(s[i]);
		if (k == 1) {
			i++;
		} else if (k && i + k <= n && cy_utf8_valid((const char *)s + i, k)) {
			(*good)++;
			i += k;
		} else {
			(*bad)++;
			i++;
		}
	}
}

/* Whether the sample converts from GB18030 without a bad byte (a character
 * cut by the sample's end excepted). */
static bool is_gb18030(const uint8_t *s, size_t n, bool at_eof)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	char out[4096];
	char *in = (char *)s;
	size_t inl = n;
	bool ok = true;

	if (cd == (iconv_t)-1)
		return false;
	while (inl) {
		char *o = out;
		size_t ol = sizeof(out);
		if (iconv(cd, &in, &inl, &o, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		ok = errno == EINVAL && !at_eof && inl < 4;
		break;
	}
	explicit_bzero(out, sizeof(out));
	iconv_close(cd);
	return ok;
}

/* Not UTF-8: libuchardet's guess.  GB2312 and GBK are read as GB18030 (their
 * superset).  On a short sample uchardet can take Chinese text for a
 * single-byte Latin or Greek code page; this is an importer of Chinese
 * archives, so text that is valid GB18030 is read as GB18030 then. */
static int guess(cy_table *t, const uint8_t *s, size_t n, bool at_eof, const char **name)
{
	uchardet_t u = uchardet_new();
	const char *cs;

	if (!u)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (uchardet_handle_data(u, (const char *)s, n)) {
		uchardet_delete(u);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	uchardet_data_end(u);
	cs = uchardet_get_charset(u);
	snprintf(t->enc_name, sizeof(t->enc_name), "%s", cs ? cs : "");
	uchardet_delete(u);
	for (char *q = t->enc_name; *q; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 32);
	t->enc_source = "uchardet";
	if (!strncmp(t->enc_name, "GB", 2)) {
		*name = "GB18030";
	} else if (!strncmp(t->enc_name, "BIG5", 4)) {
		*name = "BIG5";
	} else if (!strcmp(t->enc_name, "UTF-16LE") || !strcmp(t->enc_name, "UTF-16")) {
		*name = "UTF-16LE", t->unit = 2;
	} else if (!strcmp(t->enc_name, "UTF-16BE")) {
		*name = "UTF-16BE", t->unit = 2, t->big_endian = true;
	} else if (is_gb18030(s, n, at_eof)) {
		*name = "GB18030", t->enc_source = "gb18030-fallback";
	} else if (t->enc_name[0]) {
		*name = t->enc_name;
	} else {
		return cy_error_set(CY_EINVALID,
				    "cannot tell the file's encoding: it is not UTF-8 and uchardet "
				    "has no guess; give it (gb18030, big5, utf-8, utf-16le, "
				    "utf-16be)");
	}
	return 0;
}

/* No delimiter given: the commonest of ',', '\t' (Excel's "Unicode text" is
 * tab-separated UTF-16) and ';' (Excel where the decimal mark is a comma) in
 * the sample, ',' on a tie.  These are ASCII, and in the encodings read
 * here an ASCII unit is never part of another character. */
static char sniff_delimiter(const cy_table *t, const uint8_t *s, size_t n)
{
	size_t comma = 0, tab = 0, semi = 0;

	for (size_t i = 0; i + t->unit <= n; i += t->unit) {
		int c = unit_at(t, s + i);
		comma += c == ',';
		tab += c == '\t';
		semi += c == ';';
	}
	if (tab > comma && tab >= semi)
		return '\t';
	if (semi > comma && semi > tab)
		return ';';
	return ',';
}

/* The encoding, from the sample (at_eof: the sample is the whole file). */
static int settle(cy_table *t, bool at_eof)
{
	const uint8_t *s = t->sample.ptr;
	size_t n = t->sample.len, skip = 0;
	const char *name = NULL;
	int rc;

	t->unit = 1;
	if (t->o.encoding && strcasecmp(t->o.encoding, "auto")) {
		for (size_t i = 0; i < sizeof(GIVEN) / sizeof(GIVEN[0]); i++) {
			if (!strcasecmp(t->o.encoding, GIVEN[i].opt)) {
				name = GIVEN[i].name;
				t->unit = GIVEN[i].unit;
				t->big_endian = GIVEN[i].be;
			}
		}
		t->enc_source = "given";
		if (!strcmp(name, "UTF-8") && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
			skip = 3;
		else if (t->unit == 2 && n >= 2 &&
			 !memcmp(s, t->big_endian ? "\xfe\xff" : "\xff\xfe", 2))
			skip = 2;
	} else if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		name = "UTF-8", skip = 3, t->enc_source = "bom";
	} else if (n >= 4 && (!memcmp(s, "\xff\xfe\0\0", 4) || !memcmp(s, "\0\0\xfe\xff", 4))) {
		return t->rc = cy_error_set(CY_EUNSUPPORTED,
					    "the file is UTF-32; convert it to UTF-8 first");
	} else if (n >= 2 && !memcmp(s, "\xff\xfe", 2)) {
		name = "UTF-16LE", skip = 2, t->unit = 2, t->enc_source = "bom";
	} else if (n >= 2 && !memcmp(s, "\xfe\xff", 2)) {
		name = "UTF-16BE", skip = 2, t->unit = 2, t->big_endian = true;
		t->enc_source = "bom";
	} else {
		size_t cut = n, k = 0, good, bad;
		if (!at_eof) { /* the sample may end inside a character */
			while (k < 3 && cut && (s[cut - 1] & 0xc0) == 0x80)
				cut--, k++;
			if (cut && utf8_seq_len(s[cut - 1]) > n - (cut - 1))
				cut--;
			else
				cut = n;
		}
		utf8_census(s, cut, &good, &bad);
		if (!bad || good >= 10 * bad) {
			/* UTF-8, perhaps with a few bad bytes: those rows become rejects */
			name = "UTF-8", t->enc_source = "utf-8";
		} else if ((rc = guess(t, s, n, at_eof, &name))) {
			return t->rc = rc;
		}
	}
	if (!strcmp(name, "UTF-8")) {
		t->utf8 = true;
	} else if ((t->cd = iconv_open("UTF-8", name)) == (iconv_t)-1) {
		return t->rc = cy_error_set_errno(CY_EUNSUPPORTED, errno,
						  "cannot convert from %s (the encoding uchardet "
						  "guessed); give the encoding",
						  name);
	}
	if (name != t->enc_name)
		snprintf(t->enc_name, sizeof(t->enc_name), "%s", name);
	t->enc = t->enc_name;
	if (csv_init(&t->cp, CSV_REPALL_NL | CSV_APPEND_NULL))
		return t->rc = cy_error_set(CY_ENOMEM, "out of memory");
	t->cp_init = true;
	if (!t->o.delimiter)
		t->o.delimiter = sniff_delimiter(t, s + skip, n - skip);
	csv_set_delim(&t->cp, (unsigned char)t->o.delimiter);
	csv_set_realloc_func(&t->cp, cy_table__wipe_realloc);
	csv_set_free_func(&t->cp, cy_table__wipe_free);
	t->settled = true;
	rc = n > skip ? process(t, s + skip, n - skip) : 0;
	cy_buf_wipe(&t->sample);
	return rc;
}

int cy_table_csv_feed(cy_table *t, const void *data, size_t n)
{
	const uint8_t *d = data;
	int rc;

	if (t->rc)
		return t->rc;
	if (t->finished || t->cells_started)
		return t->rc = cy_error_set(CY_EINVALID,
					    "table: CSV bytes after the end or after cells");
	t->csv_started = true;
	if (!t->settled) {
		size_t take = SAMPLE_MAX - t->sample.len;
		if (take > n)
			take = n;
		if ((rc = cy_table__reserve(&t->sample, take)) ||
		    (rc = cy_buf_put(&t->sample, d, take)))
			return t->rc = rc;
		d += take;
		n -= take;
		if (t->sample.len < SAMPLE_MAX)
			return 0;
		if ((rc = settle(t, false)))
			return rc;
	}
	return n ? process(t, d, n) : 0;
}

int cy_table_finish(cy_table *t)
{
	int rc;

	if (t->rc)
		return t->rc;
	if (t->finished)
		return 0;
	t->finished = true;
	if (t->csv_started) {
		if (!t->settled && (rc = settle(t, true)))
			return rc;
		if (t->pend.len) {
			size_t n = t->pend.len;
			if ((rc = handle_line(t, t->pend.ptr, n, 0)))
				return rc;
			buf_wipe_clear(&t->pend);
		}
		/* A quoted value still open at the end: what it held is a reject.
		 * (libcsv's csv_fini reports it only in strict mode, which would
		 * refuse ="0123"; its parser state is in the public struct: 2 is
		 * FIELD_BEGUN.) */
		if (t->cp.pstate == 2 && t->cp.quoted && !t->rc) {
			snprintf(t->taint, sizeof(t->taint),
				 "line %llu: a quoted value is never closed",
				 (unsigned long long)t->row_start);
			cy_table__row(t, t->row_start, NULL, 0, t->raw.ptr, t->raw.len, t->taint);
			row_reset(t);
		} else if (!t->rc && csv_fini(&t->cp, on_field, on_row, t) && !t->rc) {
			t->rc = cy_error_set(CY_EINVALID, "line %llu: %s",
					     (unsigned long long)t->row_start,
					     csv_strerror(csv_error(&t->cp)));
		}
		buf_wipe_clear(&t->raw);
		if (t->rc)
			return t->rc;
	}
	return cy_table__map_finish(t);
}

int cy_table_csv_file(cy_table *t, const char *path)
{
	uint8_t *buf = NULL;
	struct stat st;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return t->rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot open '%s'", path);
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		rc = t->rc = cy_error_set(CY_EINVALID, "'%s' is not a file", path);
		goto out;
	}
	if (!(buf = malloc(READ_CHUNK))) {
		rc = t->rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = cy_table_csv_feed(t, buf, 0))) /* an empty file is a CSV file too */
		goto out;
	for (;;) {
		ssize_t k = read(fd, buf, READ_CHUNK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = t->rc = cy_error_set_errno(CY_EIO, errno, "cannot read '%s'", path);
			goto out;
		}
		if (k == 0)
			break;
		if ((rc = cy_table_csv_feed(t, buf, (size_t)k)))
			goto out;
	}
	rc = cy_table_finish(t);
out:
	if (buf) {
		explicit_bzero(buf, READ_CHUNK);
		free(buf);
	}
	close(fd);
	return rc;
}

int cy_table_feed_cells(cy_table *t, uint64_t line, const char *const *cells, size_t n,
			const void *raw, size_t raw_len)
{
	if (t->rc)
		return t->rc;
	if (t->finished || t->csv_started)
		return t->rc = cy_error_set(CY_EINVALID, "table: cells after the end or after CSV");
	t->cells_started = true;
	if (n > t->o.cols_max && !t->have_header)
		return t->rc = cy_error_set(CY_EINVALID, "line %llu: more than %zu columns",
					    (unsigned long long)line, t->o.cols_max);
	if (n > t->o.cols_max) {
		char why[80];
		snprintf(why, sizeof(why), "more than %zu cells in the row", t->o.cols_max);
		return cy_table__row(t, line, NULL, 0, raw, raw_len, why);
	}
	for (size_t i = 0; i < n; i++)
		if (cells[i] && !cy_utf8_valid(cells[i], strlen(cells[i])))
			return cy_table__row(t, line, NULL, 0, raw, raw_len,
					     "a cell that is not UTF-8 text");
	return cy_table__row(t, line, cells, n, raw, raw_len, NULL);
}

int cy_table_feed_reject(cy_table *t, uint64_t line, const char *reason, const void *raw,
			 size_t raw_len)
{
	if (t->rc)
		return t->rc;
	return cy_table__reject(t, line, reason, raw, raw_len);
}
