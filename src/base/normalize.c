/* normalize.c - normal forms of names, ID numbers, phones, e-mails, credit
 * codes and account numbers for the blind indexes (normalize.h; the rules and
 * why they are so are in docs/formats/subject.md).
 *
 * NFKC (and case folding for names) comes from libutf8proc.  Removing
 * characters after NFKC can leave a string that NFKC would change again (a
 * combining mark that followed a removed space now follows a letter), so the
 * map-and-filter step runs until it changes nothing more: the result is a
 * fixed point, and normalising a normal form gives it back unchanged. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/normalize.h"
#include "custody/banned.h"

static const char *FIELD_NAMES[CY_NORM_COUNT] = {"name", "id_number", "phone",	    "email",
						 "uscc", "account",   "customer_no"};

const char *cy_norm_field_name(cy_norm_field f)
{
	return (unsigned)f < CY_NORM_COUNT ? FIELD_NAMES[f] : "?";
}

int cy_norm_field_parse(const char *s, cy_norm_field *out)
{
	for (int i = 0; i < CY_NORM_COUNT; i++) {
		if (!strcmp(s, FIELD_NAMES[i])) {
			*out = (cy_norm_field)i;
			return 0;
		}
	}
	return cy_error_set(CY_EINVALID,
			    "unknown field '%s' (fields: name id_number phone email uscc account)",
			    s);
}

/* Unicode White_Space, plus the zero-width space and the byte-order mark that
 * copying from documents leaves in values. */
static bool is_space(int32_t c)
{
	if ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200b) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
	    c == 0x205f || c == 0x3000 || c == 0xfeff)
		return true;
	return false;
}

static bool is_dash(int32_t c)
{
	return c == '-' || utf8proc_category(c) == UTF8PROC_CATEGORY_PD || c == 0x2212;
}

/* The separators of a name written with a middle dot (维吾尔族, foreign names):
 * people and programs type several look-alikes; all become U+00B7. */
static bool is_middle_dot(int32_t c)
{
	return c == 0xb7 || c == 0x2022 || c == 0x2027 || c == 0x2219 || c == 0x22c5 ||
	       c == 0x30fb || c == 0xff65 || c == 0x0387;
}

static int32_t ascii_upper(int32_t c)
{
	return c >= 'a' && c <= 'z' ? c - 32 : c;
}

static int32_t ascii_lower(int32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int put_cp(cy_buf *b, int32_t c)
{
	uint8_t u[4];
	utf8proc_ssize_t k = utf8proc_encode_char(c, u);

	return cy_buf_put(b, u, (size_t)k);
}

/* One round: NFKC (case-folded for names) of in, then the field's filter, into out. */
static int map_filter(cy_norm_field f, const uint8_t *in, size_t n, cy_buf *out)
{
	utf8proc_uint8_t *m = NULL;
	utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE;
	utf8proc_ssize_t len, i = 0;
	size_t start, end;
	int rc = 0;

	if (f == CY_NORM_NAME)
		opt |= UTF8PROC_CASEFOLD;
	len = utf8proc_map(in, (utf8proc_ssize_t)n, &m, opt);
	if (len < 0)
		return len == UTF8PROC_ERROR_NOMEM
			       ? cy_error_set(CY_ENOMEM, "out of memory")
			       : cy_error_set(CY_EINVALID, "%s: not valid UTF-8 text (%s)",
					      cy_norm_field_name(f), utf8proc_errmsg(len));
	cy_buf_clear(out);
	/* the filters never lengthen the text (and +1 for a phone's trunk 0): one
	 * allocation, so no copy of the value is left behind by a realloc */
	rc = cy_buf_grow(out, (size_t)len + 1);
	while (!rc && i < len) {
		int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(m + i, len - i, &c);
		if (k <= 0) {
			rc = cy_error_set(CY_EINVALID, "%s: not valid UTF-8 text",
					  cy_norm_field_name(f));
			break;
		}
		i += k;
		switch (f) {
		case CY_NORM_NAME:
			if (is_space(c))
				continue;
			rc = put_cp(out, is_middle_dot(c) ? 0xb7 : c);
			break;
		case CY_NORM_ID_NUMBER:
			if (!is_space(c))
				rc = put_cp(out, ascii_upper(c));
			break;
		case CY_NORM_PHONE:
			if (!is_space(c) && !is_dash(c) && c != '(' && c != ')' && c != '.')
				rc = put_cp(out, c);
			break;
		case CY_NORM_EMAIL:
			rc = put_cp(out, ascii_lower(c));
			break;
		case CY_NORM_USCC:
		case CY_NORM_ACCOUNT:
		case CY_NORM_CUSTOMER_NO:
			if (!is_space(c) && !is_dash(c))
				rc = put_cp(out, ascii_upper(c));
			break;
		default:
			rc = cy_error_set(CY_EINVALID, "unknown field");
		}
	}
	cy_wipe(m, (size_t)len);
	free(m);
	if (rc || f != CY_NORM_EMAIL || !out->len)
		return rc;
	/* e-mail: white space only trimmed at both ends (inside, it is the address's own business) */
	start = 0;
	end = out->len;
	while (start < end) {
		int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(out->ptr + start,
						      (utf8proc_ssize_t)(end - start), &c);
		if (k <= 0 || !is_space(c))
			break;
		start += (size_t)k;
	}
	while (end > start) {
		size_t p = end - 1;
		int32_t c;
		while (p > start && (out->ptr[p] & 0xc0) == 0x80)
			p--;
		if (utf8proc_iterate(out->ptr + p, (utf8proc_ssize_t)(end - p), &c) <= 0 ||
		    !is_space(c))
			break;
		end = p;
	}
	memmove(out->ptr, out->ptr + start, end - start);
	memset(out->ptr + (end - start), 0, out->len - (end - start));
	out->len = end - start;
	return 0;
}

static const int ID_W[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char ID_C[] = "10X98765432";

char cy_resident_id_check_char(const char *s17)
{
	int sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (s17[i] - '0') * ID_W[i];
	return ID_C[sum % 11];
}

static bool all_digits(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* A 15-digit resident ID (GB 11643-1989, issued until 2004) becomes the 18
 * characters it was re-issued as: "19" before the 2-digit year, then the
 * check character, so that either form finds the other. */
static int upgrade_id15(cy_buf *b)
{
	char id[19];

	if (b->len != 15 || !all_digits(b->ptr, 15))
		return 0;
	memcpy(id, b->ptr, 6);
	id[6] = '1';
	id[7] = '9';
	memcpy(id + 8, b->ptr + 6, 9);
	id[17] = cy_resident_id_check_char(id);
	id[18] = 0;
	cy_buf_clear(b);
	return cy_buf_put(b, id, 18);
}

static bool starts(const cy_buf *b, const char *p)
{
	size_t n = strlen(p);

	return b->len >= n && !memcmp(b->ptr, p, n);
}

static void drop_front(cy_buf *b, size_t n)
{
	memmove(b->ptr, b->ptr + n, b->len - n);
	memset(b->ptr + b->len - n, 0, n);
	b->len -= n;
}

static bool is_mobile(const cy_buf *b)
{
	return b->len == 11 && b->ptr[0] == '1' && all_digits(b->ptr, 11);
}

/* +86, 0086, and a bare 86 before a mobile number (spreadsheets drop the
 * '+') are China's country code: removed.  A landline written in the
 * international form lost its trunk prefix 0 ("+86 10 ..."), which comes back. */
static int strip_country(cy_buf *b)
{
	bool stripped = false;

	for (;;) {
		if (starts(b, "+86"))
			drop_front(b, 3);
		else if (starts(b, "0086"))
			drop_front(b, 4);
		else if (starts(b, "86") && b->len == 13 && b->ptr[2] == '1' &&
			 all_digits(b->ptr, 13))
			drop_front(b, 2);
		else
			break;
		stripped = true;
	}
	if (stripped && b->len && !is_mobile(b) && b->ptr[0] != '0') {
		if (cy_buf_putc(b, 0))
			return CY_ENOMEM;
		memmove(b->ptr + 1, b->ptr, b->len - 1);
		b->ptr[0] = '0';
	}
	return 0;
}

int cy_normalize(cy_norm_field f, const char *in, size_t n, cy_buf *out)
{
	cy_buf a = CY_BUF_INIT, b = CY_BUF_INIT;
	int rc = 0, round;

	if ((unsigned)f >= CY_NORM_COUNT)
		return cy_error_set(CY_EINVALID, "unknown field");
	if (n > CY_NORM_MAX_INPUT)
		return cy_error_set(CY_EINVALID, "%s: too long (%zu bytes; %d at most)",
				    cy_norm_field_name(f), n, CY_NORM_MAX_INPUT);
	if (n && memchr(in, 0, n))
		return cy_error_set(CY_EINVALID, "%s: contains a NUL byte", cy_norm_field_name(f));
	if (n && !cy_utf8_valid(in, n))
		return cy_error_set(CY_EINVALID, "%s: not valid UTF-8 text", cy_norm_field_name(f));
	if ((rc = cy_buf_put(&a, n ? in : "", n)))
		goto out;
	/* until a fixed point; NFKC growth is bounded, and a handful of rounds is plenty */
	for (round = 0; round < 8; round++) {
		if ((rc = map_filter(f, a.ptr, a.len, &b)))
			goto out;
		if (b.len == a.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len)))
			break;
		cy_buf tmp = a;
		a = b;
		b = tmp;
	}
	if (f == CY_NORM_ID_NUMBER)
		rc = upgrade_id15(&a);
	else if (f == CY_NORM_PHONE)
		rc = strip_country(&a);
	if (rc)
		goto out;
	cy_buf_clear(out);
	rc = cy_buf_put(out, a.ptr, a.len);
out:
	cy_buf_wipe(&a);
	cy_buf_wipe(&b);
	return rc;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

cy_id_check cy_resident_id_check(const char *s)
{
	static const int MDAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	time_t now = time(NULL);
	struct tm tm;

	if (strlen(s) != 18)
		return CY_ID_BAD_LENGTH;
	if (!all_digits((const uint8_t *)s, 17) ||
	    !((s[17] >= '0' && s[17] <= '9') || s[17] == 'X'))
		return CY_ID_BAD_FORMAT;
	y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
	m = (s[10] - '0') * 10 + (s[11] - '0');
	d = (s[12] - '0') * 10 + (s[13] - '0');
	if (y < 1800 || m < 1 || m > 12 || d < 1 || d > MDAYS[m - 1] + (m == 2 && leap(y)))
		return CY_ID_BAD_DATE;
	gmtime_r(&now, &tm);
	if (y * 10000 + m * 100 + d >
	    (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday)
		return CY_ID_BAD_DATE;
	if (cy_resident_id_check_char(s) != s[17])
		return CY_ID_BAD_CHECK;
	return CY_ID_OK;
}

const char *cy_id_check_name(cy_id_check c)
{
	switch (c) {
	case CY_ID_OK:
		return "ok";
	case CY_ID_BAD_LENGTH:
		return "bad-length";
	case CY_ID_BAD_FORMAT:
		return "bad-format";
	case CY_ID_BAD_DATE:
		return "bad-date";
	case CY_ID_BAD_CHECK:
		return "bad-check-digit";
	}
	return "?";
}
