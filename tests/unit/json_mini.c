/* json_mini.c - the unit tests' small JSON reader (see json_mini.h).
 * Recursive descent with a depth limit; every allocation checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_mini.h"

#include "custody/banned.h"

#define MAX_DEPTH 64

typedef struct parser {
	const char *s;
	size_t n, pos;
	char *err;
	size_t errlen;
} parser;

static bool fail(parser *p, const char *what)
{
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "json: %s at byte %zu", what, p->pos);
	return false;
}

static void skip_ws(parser *p)
{
	while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				 p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static bool literal(parser *p, const char *word)
{
	size_t k = strlen(word);

	if (p->n - p->pos < k || memcmp(p->s + p->pos, word, k))
		return fail(p, "unknown literal");
	p->pos += k;
	return true;
}

/* A growable byte string for decoding. */
typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static bool sb_put(sbuf *b, const void *d, size_t k)
{
	if (b->len + k + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *np;

		while (cap < b->len + k + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return false;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, k);
	b->len += k;
	b->p[b->len] = 0;
	return true;
}

static bool put_utf8(sbuf *b, uint32_t c)
{
	char u[4];
	size_t k;

	if (c < 0x80) {
		u[0] = (char)c;
		k = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		k = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		k = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		k = 4;
	}
	return sb_put(b, u, k);
}

static bool hex4(parser *p, uint32_t *out)
{
	uint32_t v = 0;

	if (p->n - p->pos < 4)
		return fail(p, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(p, "bad \\u escape");
	}
	*out = v;
	return true;
}

static bool parse_string(parser *p, char **out, size_t *outlen)
{
	sbuf b = {NULL, 0, 0};

	p->pos++; /* opening quote */
	if (!sb_put(&b, "", 0))
		return fail(p, "out of memory");
	for (;;) {
		unsigned char c;

		if (p->pos >= p->n) {
			free(b.p);
			return fail(p, "unterminated string");
		}
		c = (unsigned char)p->s[p->pos++];
		if (c == '"')
			break;
		if (c < 0x20) {
			free(b.p);
			return fail(p, "control character in string");
		}
		if (c != '\\') {
			if (!sb_put(&b, &c, 1))
				goto oom;
			continue;
		}
		if (p->pos >= p->n) {
			free(b.p);
			return fail(p, "unterminated escape");
		}
		c = (unsigned char)p->s[p->pos++];
		{
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			const char *at = c ? strchr(from, c) : NULL;
			uint32_t u, lo;

			if (at) {
				if (!sb_put(&b, to + (at - from), 1))
					goto oom;
				continue;
			}
			if (c != 'u' || !hex4(p, &u)) {
				free(b.p);
				return c == 'u' ? false : fail(p, "bad escape");
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				if (p->n - p->pos < 2 || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u') {
					free(b.p);
					return fail(p, "lone surrogate");
				}
				p->pos += 2;
				if (!hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					free(b.p);
					return fail(p, "bad surrogate pair");
				}
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				free(b.p);
				return fail(p, "lone surrogate");
			}
			if (!put_utf8(&b, u))
				goto oom;
		}
	}
	*out = b.p;
	*outlen = b.len;
	return true;
oom:
	free(b.p);
	return fail(p, "out of memory");
}

static bool parse_number(parser *p, jm_value *v)
{
	size_t start = p->pos;
	bool integer = true, neg = false;
	uint64_t u = 0;
	bool fits = true;

	if (p->pos < p->n && p->s[p->pos] == '-') {
		neg = true;
		p->pos++;
	}
	if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
		return fail(p, "bad number");
	if (p->s[p->pos] == '0' && p->pos + 1 < p->n && p->s[p->pos + 1] >= '0' &&
	    p->s[p->pos + 1] <= '9')
		return fail(p, "leading zero in number");
	while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		unsigned d = (unsigned)(p->s[p->pos++] - '0');

		if (u > (UINT64_MAX - d) / 10)
			fits = false;
		else
			u = u * 10 + d;
	}
	if (p->pos < p->n && p->s[p->pos] == '.') {
		integer = false;
		p->pos++;
		if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad fraction");
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		integer = false;
		p->pos++;
		if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad exponent");
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	v->type = JM_NUMBER;
	v->is_u64 = integer && !neg && fits;
	v->u64 = v->is_u64 ? u : 0;
	v->len = p->pos - start;
	v->str = malloc(v->len + 1);
	if (!v->str)
		return fail(p, "out of memory");
	memcpy(v->str, p->s + start, v->len);
	v->str[v->len] = 0;
	return true;
}

static void release(jm_value *v);
static bool parse_value(parser *p, jm_value *v, int depth);

/* Append a zeroed slot to v->items (and v->keys for objects). */
static jm_value *add_item(jm_value *v, size_t *cap)
{
	if (v->len == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		jm_value *ni = realloc(v->items, nc * sizeof(*ni));

		if (!ni)
			return NULL;
		v->items = ni;
		if (v->type == JM_OBJECT) {
			char **nk = realloc(v->keys, nc * sizeof(*nk));

			if (!nk)
				return NULL;
			v->keys = nk;
		}
		*cap = nc;
	}
	memset(&v->items[v->len], 0, sizeof(v->items[0]));
	if (v->type == JM_OBJECT)
		v->keys[v->len] = NULL;
	return &v->items[v->len++];
}

static bool parse_container(parser *p, jm_value *v, int depth)
{
	bool obj = p->s[p->pos] == '{';
	char close = obj ? '}' : ']';
	size_t cap = 0;

	v->type = obj ? JM_OBJECT : JM_ARRAY;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		jm_value *item;
		char *key = NULL;
		size_t klen;

		skip_ws(p);
		if (obj) {
			if (p->pos >= p->n || p->s[p->pos] != '"')
				return fail(p, "expected a key");
			if (!parse_string(p, &key, &klen))
				return false;
			skip_ws(p);
			if (p->pos >= p->n || p->s[p->pos] != ':') {
				free(key);
				return fail(p, "expected ':'");
			}
			p->pos++;
		}
		item = add_item(v, &cap);
		if (!item) {
			free(key);
			return fail(p, "out of memory");
		}
		if (obj)
			v->keys[v->len - 1] = key;
		if (!parse_value(p, item, depth + 1))
			return false;
		skip_ws(p);
		if (p->pos < p->n && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->n && p->s[p->pos] == close) {
			p->pos++;
			return true;
		}
		return fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool parse_value(parser *p, jm_value *v, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(p, "nested too deeply");
	skip_ws(p);
	if (p->pos >= p->n)
		return fail(p, "unexpected end");
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		return parse_container(p, v, depth);
	case '"':
		v->type = JM_STRING;
		return parse_string(p, &v->str, &v->len);
	case 't':
		v->type = JM_BOOL;
		v->boolean = true;
		return literal(p, "true");
	case 'f':
		v->type = JM_BOOL;
		return literal(p, "false");
	case 'n':
		v->type = JM_NULL;
		return literal(p, "null");
	default:
		return parse_number(p, v);
	}
}

static void release(jm_value *v)
{
	if (v->type == JM_ARRAY || v->type == JM_OBJECT) {
		for (size_t i = 0; i < v->len; i++) {
			release(&v->items[i]);
			if (v->type == JM_OBJECT)
				free(v->keys[i]);
		}
		free(v->items);
		free(v->keys);
	} else {
		free(v->str);
	}
}

jm_value *jm_parse(const char *text, size_t n, char *err, size_t errlen)
{
	parser p = {text, n, 0, err, errlen};
	jm_value *v = calloc(1, sizeof(*v));

	if (!v) {
		fail(&p, "out of memory");
		return NULL;
	}
	if (!parse_value(&p, v, 0)) {
		jm_free(v);
		return NULL;
	}
	skip_ws(&p);
	if (p.pos != p.n) {
		fail(&p, "trailing data");
		jm_free(v);
		return NULL;
	}
	return v;
}

void jm_free(jm_value *v)
{
	if (!v)
		return;
	release(v);
	free(v);
}

const jm_value *jm_get(const jm_value *v, const char *key)
{
	if (!v || v->type != JM_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->len; i++) {
		if (v->keys[i] && !strcmp(v->keys[i], key))
			return &v->items[i];
	}
	return NULL;
}

const jm_value *jm_at(const jm_value *v, size_t i)
{
	if (!v || (v->type != JM_ARRAY && v->type != JM_OBJECT) || i >= v->len)
		return NULL;
	return &v->items[i];
}

size_t jm_len(const jm_value *v)
{
	return v && (v->type == JM_ARRAY || v->type == JM_OBJECT) ? v->len : 0;
}

const char *jm_str(const jm_value *v)
{
	return v && v->type == JM_STRING ? v->str : NULL;
}
