/* vault_archive_no.c - archive numbers as people type them: the one place
 * that turns what a keyboard can produce into the DA/T 22 form
 * (CODE-门类·YEAR-RETENTION[-ORG]-NNNN, with U+00B7 MIDDLE DOT, which no
 * keyboard has), and "did you mean" hints drawn from the records the caller
 * may see. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_suggest.h"
#include "custody/error.h"
#include "vault_internal.h"
#include "custody/banned.h"

#define MIDDLE_DOT "\xc2\xb7"

/* Decode one UTF-8 sequence at s (n bytes left); *len gets its length.
 * Returns the code point, or -1 for a malformed sequence (one byte). */
static long utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	long cp;
	size_t k;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		k = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		k = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		k = 4;
	} else {
		return -1;
	}
	if (k > n)
		return -1;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*len = k;
	return cp;
}

/* Characters an input method or another keyboard layout gives for one of
 * ours: full-width ASCII, dashes and minus signs, and dots that look like
 * the middle dot.  Returns the ASCII character, '*' for "a middle dot",
 * or 0 to keep the character as it is. */
static int fold(long cp)
{
	if (cp >= 'a' && cp <= 'z')
		return (int)(cp - 'a' + 'A');
	if (cp >= 0xff10 && cp <= 0xff19)
		return (int)(cp - 0xff10 + '0');
	if (cp >= 0xff21 && cp <= 0xff3a)
		return (int)(cp - 0xff21 + 'A');
	if (cp >= 0xff41 && cp <= 0xff5a)
		return (int)(cp - 0xff41 + 'A');
	if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xff0d)
		return '-';
	if (cp == 0xb7 || cp == 0x387 || cp == 0x2022 || cp == 0x2027 || cp == 0x2219 ||
	    cp == 0x22c5 || cp == 0x30fb || cp == 0xff0e || cp == 0xff65)
		return '*';
	return 0;
}

static int is_upper_alnum(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int cy_archive_no_normalize(const char *in, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)in, *end;
	char tmp[256];
	size_t n = 0;

	if (!in || !out || outsz == 0)
		return cy_error_set(CY_EINVALID, "no archive number");
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen((const char *)p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end == p)
		return cy_error_set(CY_EINVALID, "empty archive number");
	while (p < end) {
		size_t len;
		long cp = utf8_next(p, (size_t)(end - p), &len);
		int f = cp < 0 ? 0 : fold(cp);
		const char *put = (const char *)p;
		size_t k = len;
		char c;

		if (cp >= 0 && cp < 0x20)
			return cy_error_set(CY_EINVALID, "archive number with a control character");
		if (f == '*') {
			put = MIDDLE_DOT;
			k = 2;
		} else if (f) {
			c = (char)f;
			put = &c;
			k = 1;
		}
		if (n + k >= sizeof(tmp))
			return cy_error_set(CY_EINVALID, "archive number too long");
		memcpy(tmp + n, put, k);
		n += k;
		p += len;
	}
	tmp[n] = 0;
	/* CODE-CL?YYYY...: the separator after the class code is the middle dot,
	 * whether typed as '.', '-' or one of its look-alikes (folded above) */
	if (n >= 9 && is_upper_alnum(tmp[0]) && is_upper_alnum(tmp[1]) && is_upper_alnum(tmp[2]) &&
	    is_upper_alnum(tmp[3]) && tmp[4] == '-' && tmp[5] >= 'A' && tmp[5] <= 'Z' &&
	    tmp[6] >= 'A' && tmp[6] <= 'Z' && (tmp[7] == '.' || tmp[7] == '-') && tmp[8] >= '0' &&
	    tmp[8] <= '9') {
		if (n + 1 >= sizeof(tmp))
			return cy_error_set(CY_EINVALID, "archive number too long");
		memmove(tmp + 9, tmp + 8, n - 8 + 1);
		memcpy(tmp + 7, MIDDLE_DOT, 2);
		n++;
	}
	if (n >= outsz)
		return cy_error_set(CY_EINVALID, "archive number too long");
	memcpy(out, tmp, n + 1);
	return 0;
}

/* Optimal string alignment distance (edits, and swaps of neighbours) of two
 * short strings, or limit + 1 as soon as it must exceed limit. */
static int distance(const char *a, const char *b, int limit)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int d[3][64];
	int *pp = d[0], *prev = d[1], *cur = d[2];

	if (la > 63 || lb > 63 || abs(la - lb) > limit)
		return limit + 1;
	for (int j = 0; j <= lb; j++)
		prev[j] = j;
	for (int i = 1; i <= la; i++) {
		int best;
		cur[0] = best = i;
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		{
			int *t = pp;
			pp = prev;
			prev = cur;
			cur = t;
		}
	}
	return prev[lb];
}

#define SUGGEST_MAX 16

typedef struct nearest {
	const char *want;
	int limit, n, max;
	int dist[SUGGEST_MAX];
	char no[SUGGEST_MAX][64];
} nearest;

static int consider(void *arg, const char *no)
{
	nearest *s = arg;
	int d = distance(s->want, no, s->limit), at;

	if (d > s->limit || d == 0)
		return 0;
	/* keep the best max, by distance then number (candidates come in number order) */
	for (at = s->n; at > 0 && s->dist[at - 1] > d; at--)
		;
	if (at >= s->max)
		return 0;
	if (s->n < s->max)
		s->n++;
	memmove(&s->dist[at + 1], &s->dist[at], sizeof(s->dist[0]) * (size_t)(s->n - 1 - at));
	memmove(&s->no[at + 1], &s->no[at], sizeof(s->no[0]) * (size_t)(s->n - 1 - at));
	s->dist[at] = d;
	snprintf(s->no[at], sizeof(s->no[at]), "%s", no);
	return 0;
}

int cy_record_suggest(cy_vault *v, const char *archive_no, char out[][64], int max)
{
	nearest s;
	char want[64];
	int rc, len;

	if (!v || !archive_no || !out || max < 0)
		return cy_error_set(CY_EINVALID, "invalid arguments");
	if (max > SUGGEST_MAX)
		max = SUGGEST_MAX;
	if (max == 0 || cy_archive_no_normalize(archive_no, want, sizeof(want))) {
		cy_error_clear();
		return 0;
	}
	memset(&s, 0, sizeof(s));
	s.want = want;
	s.max = max;
	len = (int)strlen(want);
	/* a typo or two in a number of ~20 characters; not an unrelated string */
	s.limit = len < 12 ? 2 : len / 4;
	/* only the fonds whose keys the caller holds: their numbers are no secret to it */
	for (int i = 0; i < v->nkeys; i++)
		if ((rc = cy_catalog_suggest_candidates(v->cat, v->keys[i].fonds_id, consider,
							&s)) < 0)
			return rc;
	for (int i = 0; i < s.n; i++)
		snprintf(out[i], 64, "%s", s.no[i]);
	return s.n;
}
