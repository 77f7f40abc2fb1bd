/* notify_text.c - the text of notices: response codes (Crockford base32),
 * templates and SMS segments.  No vault here: these are the pure parts the
 * unit tests pin down (docs/internals/notify.md). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "transfer/notify_internal.h"
#include "transfer/notify_paths.h"
#include "custody/banned.h"

/* Crockford's alphabet: no I, L, O, U */
static const char B32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int cy_notify_code_new(char out[CY_NOTIFY_CODE_LEN + 1])
{
	uint8_t r[13]; /* 104 bits; the first 100 are used */
	size_t o = 0;
	int rc = cy_random(r, sizeof(r));

	if (rc)
		return rc;
	for (int i = 0; i < 20; i++) {
		int bit = i * 5, v = 0;
		for (int k = 0; k < 5; k++, bit++)
			v = v << 1 | ((r[bit / 8] >> (7 - bit % 8)) & 1);
		if (i && i % 5 == 0)
			out[o++] = '-';
		out[o++] = B32[v];
	}
	out[o] = 0;
	cy_wipe(r, sizeof(r));
	return 0;
}

int cy_notify_code_canon(const char *typed, char out[21])
{
	size_t o = 0;

	for (const char *p = typed; *p; p++) {
		char c = *p;
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == 'I' || c == 'L')
			c = '1';
		else if (c == 'O')
			c = '0';
		if (!strchr(B32, c) || !c || o == 20)
			return cy_error_set(CY_EINVALID, "not a response code");
		out[o++] = c;
	}
	if (o != 20)
		return cy_error_set(CY_EINVALID, "not a response code");
	out[o] = 0;
	return 0;
}

/* ---- templates ---- */

/* The end of the header block: the offset of the body. */
static size_t body_start(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == '\n' && (i == 0 || t[i - 1] == '\n'))
			return i + 1;
	return n;
}

int cy_notify__header(const char *tmpl, size_t n, const char *key, cy_buf *out)
{
	size_t end = body_start(tmpl, n), k = strlen(key);

	cy_buf_clear(out);
	for (size_t i = 0; i < end;) {
		const char *nl = memchr(tmpl + i, '\n', end - i);
		size_t len = nl ? (size_t)(nl - (tmpl + i)) : end - i;
		if (len > k && !memcmp(tmpl + i, key, k) && tmpl[i + k] == ':') {
			size_t v = i + k + 1;
			while (v < i + len && tmpl[v] == ' ')
				v++;
			return cy_buf_put(out, tmpl + v, i + len - v);
		}
		i += len + 1;
	}
	return CY_ENOTFOUND;
}

static const char *lookup(const char *const *list, const char *name, size_t n, bool pairs)
{
	for (size_t i = 0; list && list[i]; i += pairs ? 2 : 1)
		if (strlen(list[i]) == n && !memcmp(list[i], name, n))
			return pairs ? list[i + 1] : list[i];
	return NULL;
}

int cy_notify__expand(const char *text, size_t n, const char *const *vars, const char *const *flags,
		      cy_buf *out)
{
	/* sections nest up to 8 deep; skip counts the enclosing false ones */
	char open[8][32];
	bool emit[8];
	int depth = 0, skip = 0;

	for (size_t i = 0; i < n;) {
		const char *end;
		size_t len;
		if (i + 1 >= n || text[i] != '{' || text[i + 1] != '{') {
			if (!skip)
				cy_buf_putc(out, text[i]);
			i++;
			continue;
		}
		end = memchr(text + i + 2, '}', n - i - 2);
		if (!end || (size_t)(end - text) + 1 >= n || end[1] != '}')
			return cy_error_set(CY_EINVALID, "template: '{{' without '}}'");
		len = (size_t)(end - (text + i + 2));
		const char *name = text + i + 2;
		if (!len || len >= sizeof(open[0]))
			return cy_error_set(CY_EINVALID, "template: an empty or long {{name}}");
		if (*name == '#' || *name == '^') {
			bool on = lookup(flags, name + 1, len - 1, false) != NULL;
			if (depth == 8)
				return cy_error_set(CY_EINVALID,
						    "template: sections nest too deep");
			memcpy(open[depth], name + 1, len - 1);
			open[depth][len - 1] = 0;
			emit[depth] = *name == '#' ? on : !on;
			if (!emit[depth])
				skip++;
			depth++;
		} else if (*name == '/') {
			if (!depth || strlen(open[depth - 1]) != len - 1 ||
			    memcmp(open[depth - 1], name + 1, len - 1))
				return cy_error_set(CY_EINVALID,
						    "template: {{/%.*s}} closes nothing",
						    (int)len - 1, name + 1);
			depth--;
			if (!emit[depth])
				skip--;
		} else if (!skip) {
			const char *v = lookup(vars, name, len, true);
			if (!v)
				return cy_error_set(CY_EINVALID, "template: unknown field {{%.*s}}",
						    (int)len, name);
			cy_buf_puts(out, v);
		}
		i = (size_t)(end - text) + 2;
		/* a section tag alone on its line takes its line end with it */
		if ((*name == '#' || *name == '^' || *name == '/') && i < n && text[i] == '\n' &&
		    (name == text + 2 || name[-3] == '\n'))
			i++;
	}
	if (depth)
		return cy_error_set(CY_EINVALID, "template: {{#%s}} is not closed",
				    open[depth - 1]);
	return cy_buf_failed(out) ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}

int cy_notify_render(const char *tmpl, size_t n, const char *const *vars, const char *const *flags,
		     cy_buf *subject_out, cy_buf *body_out)
{
	cy_buf subj = CY_BUF_INIT;
	size_t b = body_start(tmpl, n);
	int rc;

	if (!cy_utf8_valid(tmpl, n))
		return cy_error_set(CY_EINVALID, "template: not UTF-8 text");
	rc = cy_notify__header(tmpl, n, "Subject", &subj);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_EINVALID, "template: no Subject header");
	cy_buf_clear(subject_out);
	cy_buf_clear(body_out);
	rc = rc ? rc
		: cy_notify__expand((const char *)subj.ptr, subj.len, vars, flags, subject_out);
	rc = rc ? rc : cy_notify__expand(tmpl + b, n - b, vars, flags, body_out);
	/* a subject is one line whatever a field held */
	for (size_t i = 0; !rc && i < subject_out->len; i++)
		if (subject_out->ptr[i] == '\n' || subject_out->ptr[i] == '\r')
			subject_out->ptr[i] = ' ';
	cy_buf_release(&subj);
	return rc;
}

int cy_notify__template_load(const char *name, cy_buf *out)
{
	const char *dir = CY_NOTICE_DIR, *env = getenv("CUSTODY_TEMPLATE_DIR");
	char self[PATH_MAX], root[PATH_MAX], path[PATH_MAX];
	ssize_t n;
	FILE *f;
	int rc = 0;

	if (strcmp(name, "zh-CN") && strcmp(name, "en"))
		return cy_error_set(CY_EINVALID, "no notice template '%s' (zh-CN or en)", name);
	if (env && *env) {
		dir = env;
	} else if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0 &&
		   realpath(CY_NOTICE_BUILD_ROOT, root)) {
		/* the program in the build tree uses the templates of its source tree */
		char *slash;
		self[n] = 0;
		if ((slash = strrchr(self, '/'))) {
			*slash = 0;
			if (!strncmp(self, root, strlen(root)) &&
			    access(CY_SOURCE_NOTICE_DIR, R_OK) == 0)
				dir = CY_SOURCE_NOTICE_DIR;
		}
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.txt", dir, name) >= sizeof(path))
		return cy_error_set(CY_EINVALID, "the path of the notice templates is too long");
	if (!(f = fopen(path, "rb")))
		return cy_error_set_errno(CY_ENOTFOUND, errno, "notice template %s", path);
	cy_buf_clear(out);
	for (;;) {
		char chunk[4096];
		size_t got = fread(chunk, 1, sizeof(chunk), f);
		if (got)
			cy_buf_put(out, chunk, got);
		if (got < sizeof(chunk))
			break;
		if (out->len > 256 * 1024) {
			rc = cy_error_set(CY_EINVALID, "notice template %s is too large", path);
			break;
		}
	}
	if (!rc && ferror(f))
		rc = cy_error_set(CY_EIO, "cannot read notice template %s", path);
	fclose(f);
	if (!rc && cy_buf_failed(out))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	return rc;
}

/* ---- SMS segments ---- */

/* The length of the UTF-8 sequence at p (1 for a broken one) and its UTF-16 units. */
static size_t u8len(const unsigned char *p, size_t left, size_t *units)
{
	size_t l = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;

	if (l > left)
		l = 1;
	*units = l == 4 ? 2 : 1;
	return l;
}

typedef struct atom {
	size_t off, len, units;
	bool space; /* a run of blanks: dropped at a segment's edges */
} atom;

/* Atoms: a run of ASCII non-blanks (never cut), a run of blanks, or one
 * other character (a break is allowed after it). */
static int atoms_of(const char *t, size_t n, atom **out, size_t *count)
{
	atom *a = NULL;
	size_t na = 0, cap = 0;

	for (size_t i = 0; i < n;) {
		atom x = {i, 0, 0, false};
		unsigned char c = (unsigned char)t[i];
		size_t u;
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			x.space = true;
			while (i < n &&
			       (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r'))
				i++, x.units++;
		} else if (c < 0x80) {
			while (i < n && (unsigned char)t[i] < 0x80 && t[i] != ' ' && t[i] != '\n' &&
			       t[i] != '\t' && t[i] != '\r')
				i++, x.units++;
		} else {
			i += u8len((const unsigned char *)t + i, n - i, &u);
			x.units = u;
		}
		x.len = i - x.off;
		if (na == cap) {
			atom *nb = realloc(a, (cap = cap ? cap * 2 : 64) * sizeof(*a));
			if (!nb) {
				free(a);
				return cy_error_set(CY_ENOMEM, "out of memory");
			}
			a = nb;
		}
		a[na++] = x;
	}
	*out = a;
	*count = na;
	return 0;
}

/* Greedy fill with room for a prefix of `pre` units: the number of segments. */
static size_t fill(const char *t, atom *a, size_t na, size_t max, size_t pre, size_t total,
		   cy_buf *out)
{
	size_t segs = 0, i = 0;

	while (i < na) {
		size_t used = pre, start;
		while (i < na && a[i].space)
			i++;
		if (i == na)
			break;
		segs++;
		if (out) {
			if (segs > 1)
				cy_buf_putc(out, '\n');
			if (total > 1)
				cy_buf_printf(out, "(%zu/%zu)", segs, total);
		}
		start = i;
		while (i < na) {
			size_t u = a[i].units;
			if (used + u > max) {
				if (i == start && !a[i].space) {
					/* one word longer than a segment: cut it by bytes of ASCII */
					size_t room = max - used;
					if (out)
						cy_buf_put(out, t + a[i].off, room);
					a[i].off += room;
					a[i].len -= room;
					a[i].units -= room;
				}
				break;
			}
			/* a blank run at the end of a segment is not sent */
			if (a[i].space) {
				size_t j = i + 1;
				if (j < na && used + u + a[j].units > max) {
					i++;
					break;
				}
			}
			if (out)
				cy_buf_put(out, t + a[i].off, a[i].len);
			used += u;
			i++;
		}
	}
	return segs;
}

static size_t digits(size_t x)
{
	size_t d = 1;
	while (x >= 10)
		x /= 10, d++;
	return d;
}

int cy_notify_sms_segments(const char *text, size_t max, cy_buf *out)
{
	atom *a = NULL, *work = NULL;
	size_t na = 0, total = 1;
	int rc;

	if (max < 16)
		return cy_error_set(CY_EINVALID, "an SMS segment of %zu characters is too short",
				    max);
	if ((rc = atoms_of(text, strlen(text), &a, &na)))
		return rc;
	if (!(work = calloc(na ? na : 1, sizeof(*work)))) {
		free(a);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	/* the count decides the prefix's width, the width the count: iterate */
	for (int round = 0; round < 8; round++) {
		size_t pre = 0, got;
		if (total > 1)
			pre = 3 + 2 * digits(total); /* "(i/n)" at its widest */
		memcpy(work, a, na * sizeof(*a));
		got = fill(text, work, na, max, pre, total, NULL);
		if (got <= 1 && total == 1)
			break;
		if (got == total)
			break;
		total = got < 2 ? 2 : got;
	}
	memcpy(work, a, na * sizeof(*a));
	fill(text, work, na, max, total > 1 ? 3 + 2 * digits(total) : 0, total, out);
	free(work);
	free(a);
	return cy_buf_failed(out) ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}
