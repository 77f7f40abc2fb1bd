/* sidecar.c - a sidecar CSV that describes the files of an import: per file,
 * the year the document was formed (年度), a title, a class, a date.
 *
 * Parsed with libcsv (RFC 4180 quoting, embedded newlines) rather than by
 * hand.  The first row names the columns; a file is matched by its path
 * relative to the imported directory, else by its base name when that is
 * unique in the sidecar.  Anything wrong is refused as a whole, with the row
 * it was found on: a half-read sidecar would number files wrongly. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/ingest.h"
#include "custody/banned.h"

#define SIDECAR_MAX (64u << 20)
#define SIDECAR_ROWS 1000000
#define FIELD_MAX 4096

enum col { C_FILE, C_YEAR, C_TITLE, C_CLASS, C_DATE, C_IGNORED, C_COUNT, C_NONE = -1 };

static const struct {
	const char *name;
	enum col col;
} HEADERS[] = {
	{"file", C_FILE},
	{"path", C_FILE},
	{"name", C_FILE},
	{"文件", C_FILE},
	{"文件名", C_FILE},
	{"year", C_YEAR},
	{"年度", C_YEAR},
	{"title", C_TITLE},
	{"题名", C_TITLE},
	{"标题", C_TITLE},
	{"class", C_CLASS},
	{"门类", C_CLASS},
	{"date", C_DATE},
	{"日期", C_DATE},
	{"形成日期", C_DATE},
	/* a manifest's columns, accepted and not used */
	{"bytes", C_IGNORED},
	{"size", C_IGNORED},
	{"sha256", C_IGNORED},
};

struct cy_sidecar {
	cy_sidecar_entry *v;
	size_t n;
};

typedef struct parse {
	cy_sidecar *sc;
	const char *name;
	int cols[64]; /* column index -> enum col */
	int ncols;
	int have[C_COUNT];
	size_t row; /* 1-based, the header is row 1 */
	int field;  /* index in the current row */
	char *cur[C_COUNT];
	int rc;
} parse;

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int fail(parse *p, const char *fmt, const char *what)
{
	if (!p->rc)
		p->rc = cy_error_set(CY_EINVALID, "%s, row %zu: %s%s", p->name, p->row, fmt, what);
	return p->rc;
}

static void on_field(void *s, size_t n, void *arg)
{
	parse *p = arg;
	const char *t = s;

	if (p->rc)
		return;
	trim(&t, &n);
	if (n > FIELD_MAX) {
		fail(p, "a field is too long", "");
		return;
	}
	if (!cy_utf8_valid(t, n)) {
		fail(p, "not UTF-8 (convert the sidecar, e.g. iconv -f GB18030 -t UTF-8)", "");
		return;
	}
	if (p->row == 1) {
		enum col c = C_NONE;
		for (size_t i = 0; i < sizeof(HEADERS) / sizeof(HEADERS[0]); i++)
			if (strlen(HEADERS[i].name) == n && !strncasecmp(t, HEADERS[i].name, n))
				c = HEADERS[i].col;
		if (p->ncols == 64) {
			fail(p, "too many columns", "");
			return;
		}
		if (c == C_NONE) {
			char col[128];
			snprintf(col, sizeof(col), "%.*s", (int)(n < 100 ? n : 100), t);
			fail(p,
			     "unknown column (columns: file, year, title, class, date; bytes and "
			     "sha256 are accepted and not used): ",
			     col);
			return;
		}
		if (p->have[c] && c != C_IGNORED) {
			fail(p, "a column is named twice", "");
			return;
		}
		p->have[c] = 1;
		p->cols[p->ncols++] = c;
		return;
	}
	if (p->field < p->ncols && n) {
		int c = p->cols[p->field];
		free(p->cur[c]);
		p->cur[c] = strndup(t, n);
		if (!p->cur[c])
			p->rc = cy_error_set(CY_ENOMEM, "out of memory");
	} else if (p->field >= p->ncols && n) {
		fail(p, "more fields than columns", "");
	}
	p->field++;
}

static int parse_year(const char *s, int *year)
{
	char *end;
	long y;

	errno = 0;
	y = strtol(s, &end, 10);
	if (errno || *end || y < 1900 || y > 9999)
		return -1;
	*year = (int)y;
	return 0;
}

static void on_row(int c, void *arg)
{
	parse *p = arg;
	cy_sidecar *sc = p->sc;
	cy_sidecar_entry *e, *nv;

	(void)c;
	if (p->rc)
		goto next;
	if (p->row == 1) {
		if (!p->have[C_FILE])
			fail(p, "no 'file' column", "");
		goto next;
	}
	if (p->field == 1 && !p->cur[C_FILE])
		goto next; /* an empty line */
	if (!p->cur[C_FILE]) {
		fail(p, "no file name", "");
		goto next;
	}
	if (sc->n == SIDECAR_ROWS) {
		fail(p, "too many rows", "");
		goto next;
	}
	nv = realloc(sc->v, sizeof(*nv) * (sc->n + 1));
	if (!nv) {
		p->rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto next;
	}
	sc->v = nv;
	e = &sc->v[sc->n];
	memset(e, 0, sizeof(*e));
	e->row = (int64_t)p->row;
	e->file = p->cur[C_FILE];
	e->title = p->cur[C_TITLE];
	e->date = p->cur[C_DATE];
	p->cur[C_FILE] = p->cur[C_TITLE] = p->cur[C_DATE] = NULL;
	e->klass = -1;
	sc->n++;
	if (p->cur[C_YEAR] && parse_year(p->cur[C_YEAR], &e->year))
		fail(p, "year is not a year from 1900 to 9999: ", p->cur[C_YEAR]);
	if (p->cur[C_CLASS]) {
		cy_class k;
		if (cy_class_parse(p->cur[C_CLASS], &k))
			fail(p, "unknown class: ", p->cur[C_CLASS]);
		else
			e->klass = (int)k;
	}
next:
	for (int i = 0; i < C_COUNT; i++) {
		free(p->cur[i]);
		p->cur[i] = NULL;
	}
	p->field = 0;
	p->row++;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const cy_sidecar_entry *)a)->file, ((const cy_sidecar_entry *)b)->file);
}

int cy_sidecar_parse(const void *data, size_t n, const char *name, cy_sidecar **out)
{
	struct csv_parser cp;
	parse p;
	const char *d = data;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.row = 1;
	if (!(p.sc = calloc(1, sizeof(*p.sc))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (n >= 3 && !memcmp(d, "\xef\xbb\xbf", 3)) /* a UTF-8 byte-order mark */
		d += 3, n -= 3;
	if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		free(p.sc);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	if (csv_parse(&cp, d, n, on_field, on_row, &p) != n || csv_fini(&cp, on_field, on_row, &p))
		if (!p.rc)
			p.rc = cy_error_set(CY_EINVALID, "%s, row %zu: malformed CSV (%s)", name,
					    p.row, csv_strerror(csv_error(&cp)));
	csv_free(&cp);
	for (int i = 0; i < C_COUNT; i++)
		free(p.cur[i]);
	rc = p.rc;
	if (!rc && p.row == 1)
		rc = cy_error_set(CY_EINVALID, "%s is empty: it needs a header row (file,year,...)",
				  name);
	if (!rc && p.sc->n > 1) {
		qsort(p.sc->v, p.sc->n, sizeof(*p.sc->v), cmp_entry);
		for (size_t i = 1; i < p.sc->n; i++)
			if (!strcmp(p.sc->v[i - 1].file, p.sc->v[i].file)) {
				rc = cy_error_set(CY_EINVALID,
						  "%s, row %lld: '%s' is described twice", name,
						  (long long)p.sc->v[i].row, p.sc->v[i].file);
				break;
			}
	}
	if (rc) {
		cy_sidecar_free(p.sc);
		return rc;
	}
	*out = p.sc;
	return 0;
}

int cy_sidecar_load(const char *path, cy_sidecar **out)
{
	cy_buf b = CY_BUF_INIT;
	struct stat st;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno,
					  "cannot open sidecar '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		rc = cy_error_set(CY_EINVALID, "sidecar '%s' is not a regular file", path);
	else if ((uint64_t)st.st_size > SIDECAR_MAX)
		rc = cy_error_set(CY_EINVALID, "sidecar '%s' is larger than 64 MiB", path);
	rc = rc ? rc : cy_buf_grow(&b, (size_t)st.st_size);
	if (!rc) {
		ssize_t n = cy_read_full(fd, b.ptr, (size_t)st.st_size, path);
		if (n < 0)
			rc = (int)n;
		else
			b.len = (size_t)n;
	}
	close(fd);
	rc = rc ? rc : cy_sidecar_parse(b.ptr, b.len, path, out);
	cy_buf_wipe(&b);
	return rc;
}

const cy_sidecar_entry *cy_sidecar_find(const cy_sidecar *s, const char *prefix, const char *rel)
{
	cy_sidecar_entry key = {.file = rel};
	const cy_sidecar_entry *e, *hit = NULL;
	const char *base;

	if (!s || !s->n)
		return NULL; /* (bsearch may not be given the NULL array of an empty sidecar) */
	if (prefix && *prefix) {
		cy_buf full = CY_BUF_INIT;
		if (cy_buf_puts(&full, prefix) == 0 && cy_buf_puts(&full, rel) == 0) {
			key.file = cy_buf_cstr(&full);
			e = bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_entry);
			cy_buf_release(&full);
			if (e)
				return e;
		} else {
			cy_buf_release(&full);
		}
		key.file = rel;
	}
	e = bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_entry);
	if (e)
		return e;
	base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	/* by base name: only an entry without a directory, and only if one file has that name */
	for (size_t i = 0; i < s->n; i++) {
		if (!strchr(s->v[i].file, '/') && !strcmp(s->v[i].file, base)) {
			if (hit)
				return NULL;
			hit = &s->v[i];
		}
	}
	return hit;
}

size_t cy_sidecar_count(const cy_sidecar *s)
{
	return s ? s->n : 0;
}

void cy_sidecar_free(cy_sidecar *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free((char *)s->v[i].file);
		free((char *)s->v[i].title);
		free((char *)s->v[i].date);
	}
	free(s->v);
	free(s);
}
