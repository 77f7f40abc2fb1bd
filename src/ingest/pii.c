/* pii.c - the personal-data detector (pii.h): one-value classifiers, the
 * scanner over free text, and the facts and PIPL labels derived from what
 * was found.  The rules and their sources are in docs/internals/pii.md.
 *
 * Everything is a pure function over memory: no allocation, no logging.  The
 * GB 11643 check character and the GB 32100 check come from normalize.c and
 * vault_fonds.c; the calendar arithmetic from datetime.c.
 *
 * The scanner reads the text once, code point by code point, folding the
 * full-width forms of ASCII (U+FF01-FF5E), the ideographic and other spaces,
 * and the Unicode dashes to ASCII; a value is made of ASCII after folding, so
 * offsets are kept in bytes of the original text.  At each start of a run of
 * letters and digits (a "word") it tries, in order: an e-mail address, a
 * number in Excel's scientific notation, and a chain of digit words joined by
 * single spaces or dashes, matched against the layouts people write numbers
 * in (139 1234 5678, 6222 0202 0000 1234 567, 110105 19491231 002X); a word
 * of 18 letters and digits is tried as a credit code. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "crypto/crypto.h"
#include "custody/datetime.h"
#include "custody/fonds.h"
#include "custody/normalize.h"
#include "custody/pii.h"
#include "custody/banned.h"

static const char *KIND_NAMES[CY_PII_KIND_COUNT] = {"none",	    "id_number", "uscc",
						    "mobile",	    "bank_card", "email",
						    "excel_rounded"};

const char *cy_pii_kind_name(cy_pii_kind k)
{
	return (unsigned)k < CY_PII_KIND_COUNT ? KIND_NAMES[k] : "?";
}

int cy_pii_norm_field(cy_pii_kind k)
{
	switch (k) {
	case CY_PII_ID_NUMBER:
		return CY_NORM_ID_NUMBER;
	case CY_PII_USCC:
		return CY_NORM_USCC;
	case CY_PII_MOBILE:
		return CY_NORM_PHONE;
	case CY_PII_BANK_CARD:
		return CY_NORM_ACCOUNT;
	case CY_PII_EMAIL:
		return CY_NORM_EMAIL;
	default:
		return -1;
	}
}

/* ---- characters ---- */

/* The ASCII character a code point stands for in a value, or -1: full-width
 * ASCII (what NFKC maps the same way), spaces, and dashes. */
static int fold(int32_t c)
{
	if (c < 0x80)
		return c;
	if (c >= 0xff01 && c <= 0xff5e)
		return c - 0xfee0;
	if (c == 0xa0 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f || c == 0x3000)
		return ' ';
	if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xfe63)
		return '-';
	return -1;
}

/* Decode the code point at pos (pos < n): its folded form in *c (-1 for
 * anything else, a byte that is not UTF-8 included) and its length.  strict:
 * only full-width forms fold (an e-mail address keeps other dashes, as NFKC
 * does, so the fold must not make one up). */
static size_t dec2(const char *t, size_t n, size_t pos, int *c, bool strict)
{
	const unsigned char *u = (const unsigned char *)t + pos;
	int32_t cp;
	utf8proc_ssize_t k;

	/* ASCII and the three-byte forms (CJK text) without a library call:
	 * the scanner decodes every character of every field */
	if (u[0] < 0x80) {
		*c = u[0];
		return 1;
	}
	if (u[0] >= 0xe0 && u[0] <= 0xef && n - pos >= 3 && (u[1] & 0xc0) == 0x80 &&
	    (u[2] & 0xc0) == 0x80 && (u[0] != 0xe0 || u[1] >= 0xa0) &&
	    (u[0] != 0xed || u[1] < 0xa0)) {
		cp = (int32_t)(u[0] & 0x0f) << 12 | (int32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
		k = 3;
	} else {
		k = utf8proc_iterate(u, (utf8proc_ssize_t)(n - pos), &cp);
		if (k <= 0) {
			*c = -1;
			return 1;
		}
	}
	*c = fold(cp);
	if (strict && cp >= 0x80 && !(cp >= 0xff01 && cp <= 0xff5e) && *c != ' ')
		*c = -1;
	return (size_t)k;
}

static size_t dec(const char *t, size_t n, size_t pos, int *c)
{
	return dec2(t, n, pos, c, false);
}

/* The folded code point that ends at pos, its start in *start; -1 at the
 * start of the text or after a byte that is not UTF-8. */
static int dec_before(const char *t, size_t pos, size_t *start)
{
	size_t s;
	int c;

	*start = pos;
	if (pos == 0)
		return -1;
	s = pos - 1;
	while (s > 0 && pos - s < 4 && ((unsigned char)t[s] & 0xc0) == 0x80)
		s--;
	if (s + dec(t, pos, s, &c) != pos) {
		*start = pos - 1;
		return -1;
	}
	*start = s;
	return c;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(int c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

static int num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

#define DROP_DASH 1u  /* '-' and the dashes that fold to it */
#define DROP_PUNCT 2u /* '(', ')', '.': a phone number's punctuation */

/* The value as folded ASCII without white space and without what drop
 * (DROP_*) names, into out (NUL-terminated); false if a character does not
 * fold or the result does not fit in cap - 1 bytes. */
static bool compact(const char *s, size_t n, unsigned drop, char *out, size_t cap, size_t *len)
{
	size_t pos = 0, o = 0;

	while (pos < n) {
		int c;
		pos += dec(s, n, pos, &c);
		if (c <= 0)
			return false;
		if (is_space(c) || (c == '-' && (drop & DROP_DASH)) ||
		    ((c == '(' || c == ')' || c == '.') && (drop & DROP_PUNCT)))
			continue;
		if (o + 1 >= cap)
			return false;
		out[o++] = (char)c;
	}
	out[o] = 0;
	*len = o;
	return true;
}

/* ---- resident ID numbers (GB 11643-1999) ---- */

/* Province-level administrative division codes (GB/T 2260): the first two
 * digits of a resident ID number's address code. */
static bool province(const char *d)
{
	static const char CODES[] = "1112131415212223313233343536374142434445465051525354"
				    "6162636465718182";
	int v = num(d, 2);

	for (size_t i = 0; i + 1 < sizeof(CODES); i += 2)
		if (num(CODES + i, 2) == v)
			return true;
	return false;
}

static bool day_exists(int y, int m, int d)
{
	int64_t first, next;

	if (m < 1 || m > 12 || d < 1)
		return false;
	/* the month's length from datetime.c's day count, not a second table */
	first = cy_days_from_civil(y, m, 1);
	next = m == 12 ? cy_days_from_civil(y + 1, 1, 1) : cy_days_from_civil(y, m + 1, 1);
	return d <= next - first;
}

/* c: the compact ASCII form, len characters. */
static bool id_check(const char *c, size_t len, int64_t as_of, cy_pii_id *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 18 && all_digits(c, 17) && (is_digit(c[17]) || c[17] == 'X' || c[17] == 'x')) {
		out->digits = 18;
		out->year = num(c + 6, 4);
		out->month = num(c + 10, 2);
		out->day = num(c + 12, 2);
		out->sex = (c[16] - '0') % 2 ? 'M' : 'F';
		memcpy(out->normal, c, 18);
		if (out->normal[17] == 'x')
			out->normal[17] = 'X';
		out->checksum_ok = cy_resident_id_check_char(out->normal) == out->normal[17];
	} else if (len == 15 && all_digits(c, 15)) {
		out->digits = 15;
		/* the first-generation number has a 2-digit year: 19YY (it is
		 * upgraded so by cy_normalize too) and no check character */
		out->year = 1900 + num(c + 6, 2);
		out->month = num(c + 8, 2);
		out->day = num(c + 10, 2);
		out->sex = (c[14] - '0') % 2 ? 'M' : 'F';
		memcpy(out->normal, c, 6);
		memcpy(out->normal + 6, "19", 2);
		memcpy(out->normal + 8, c + 6, 9);
		out->normal[17] = cy_resident_id_check_char(out->normal);
	} else {
		return false;
	}
	out->region_ok = province(c);
	out->date_ok = day_exists(out->year, out->month, out->day);
	out->date_plausible = out->date_ok && out->year >= 1800 &&
			      cy_days_from_civil(out->year, out->month, out->day) <= as_of;
	if (out->digits == 18)
		out->valid = out->checksum_ok && out->date_plausible;
	else
		out->valid = out->date_plausible && out->region_ok;
	return out->valid;
}

bool cy_pii_id_number(const char *s, size_t n, int64_t as_of, cy_pii_id *out)
{
	char c[32];
	size_t len;
	cy_pii_id tmp;
	bool ok = false;

	if (!out)
		out = &tmp;
	memset(out, 0, sizeof(*out));
	/* white space only, as cy_normalize: a dashed ID number would not find
	 * its blind index */
	if (compact(s, n, 0, c, sizeof(c), &len))
		ok = id_check(c, len, as_of, out);
	cy_wipe(c, sizeof(c));
	if (out == &tmp)
		cy_wipe(&tmp, sizeof(tmp));
	return ok;
}

/* ---- credit codes (GB 32100-2015) ---- */

static bool uscc_check(const char *c, size_t len, char normal[19])
{
	char u[19];
	bool ok;

	if (len != 18)
		return false;
	for (size_t i = 0; i < 18; i++)
		u[i] = c[i] >= 'a' && c[i] <= 'z' ? (char)(c[i] - 32) : c[i];
	u[18] = 0;
	ok = cy_uscc_valid(u);
	if (ok && normal)
		memcpy(normal, u, 19);
	return ok;
}

bool cy_pii_uscc(const char *s, size_t n, char normal[19])
{
	char c[32];
	size_t len;
	bool ok = compact(s, n, DROP_DASH, c, sizeof(c), &len) && uscc_check(c, len, normal);

	cy_wipe(c, sizeof(c));
	return ok;
}

/* ---- mobile numbers ---- */

/* 11 digits, 1 then 3-9: the mainland mobile number plan (the 13x to 19x
 * blocks of the MIIT numbering plan); landlines start with the trunk 0. */
static bool mobile_digits(const char *d, size_t len)
{
	return len == 11 && all_digits(d, 11) && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

bool cy_pii_mobile(const char *s, size_t n, char normal[12])
{
	char c[40];
	size_t len, skip = 0;
	bool ok;

	if (!compact(s, n, DROP_DASH | DROP_PUNCT, c, sizeof(c), &len))
		return false;
	if (len > 3 && !memcmp(c, "+86", 3))
		skip = 3;
	else if (len > 4 && !memcmp(c, "0086", 4))
		skip = 4;
	else if (len == 13 && !memcmp(c, "86", 2))
		skip = 2;
	ok = mobile_digits(c + skip, len - skip);
	if (ok && normal)
		memcpy(normal, c + skip, 12);
	cy_wipe(c, sizeof(c));
	return ok;
}

/* ---- bank cards ---- */

/* ISO/IEC 7812-1 Luhn check over all digits (the last one is the check digit). */
static bool luhn(const char *d, size_t len)
{
	int sum = 0;

	for (size_t i = 0; i < len; i++) {
		int v = d[len - 1 - i] - '0';
		if (i % 2) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* The card network of digits d (16-19 of them), NULL for a prefix custody
 * does not know (pii.md lists where each comes from). */
static const char *card_network(const char *d, size_t len)
{
	int p2 = num(d, 2), p4 = num(d, 4), p5 = num(d, 5);

	if (p2 == 62)
		return "unionpay"; /* IIN 62: China UnionPay, 16-19 digits */
	if (len == 16 && d[0] == '4')
		return "visa";
	if (len == 16 && ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)))
		return "mastercard";
	if (p4 >= 3528 && p4 <= 3589)
		return "jcb"; /* 16-19 digits */
	/* the domestic debit BINs from before UnionPay's 62: ICBC's 9558 and
	 * ABC's 95595-95599, both 19-digit cards */
	if (len == 19 && (p4 == 9558 || (p5 >= 95595 && p5 <= 95599)))
		return "cn-domestic";
	return NULL;
}

static bool card_check(const char *d, size_t len, const char **network)
{
	const char *net;

	if (len < 16 || len > 19 || !all_digits(d, len) || !luhn(d, len))
		return false;
	if (!(net = card_network(d, len)))
		return false;
	if (network)
		*network = net;
	return true;
}

bool cy_pii_bank_card(const char *s, size_t n, char normal[20], const char **network)
{
	char c[32];
	size_t len;
	bool ok = compact(s, n, DROP_DASH, c, sizeof(c), &len) && card_check(c, len, network);

	if (ok && normal)
		memcpy(normal, c, len + 1);
	cy_wipe(c, sizeof(c));
	return ok;
}

/* ---- e-mail addresses (RFC 5321 §4.1.2, §4.5.3.1) ---- */

static bool is_atext(int c)
{
	switch (c) {
	case '!':
	case '#':
	case '$':
	case '%':
	case '&':
	case '\'':
	case '*':
	case '+':
	case '-':
	case '/':
	case '=':
	case '?':
	case '^':
	case '_':
	case '`':
	case '{':
	case '|':
	case '}':
	case '~':
		return true;
	default:
		return is_alnum(c);
	}
}

/* The local part the scanner takes from running text: a narrower set than
 * atext, so that "email=zhang@..." or "{zhang@...}" do not pull the
 * punctuation around an address into it. */
static bool is_scan_local(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static bool is_host_char(int c)
{
	return is_alnum(c) || c == '-' || c == '.';
}

static bool email_shape(const char *a, size_t len)
{
	const char *at = memchr(a, '@', len);
	size_t ll, dl, lab = 0, nlab = 0, last = 0;

	if (!at || len > 254)
		return false;
	ll = (size_t)(at - a);
	dl = len - ll - 1;
	if (ll < 1 || ll > 64 || dl < 3 || a[0] == '.' || a[ll - 1] == '.')
		return false;
	for (size_t i = 0; i < ll; i++)
		if (!(is_atext(a[i]) || (a[i] == '.' && a[i + 1] != '.')))
			return false;
	for (size_t i = 0; i <= dl; i++) {
		char c = i < dl ? at[1 + i] : '.';
		if (c == '.') {
			if (lab < 1 || lab > 63 || at[i] == '-' || at[1 + i - lab] == '-')
				return false;
			last = i - lab;
			nlab++;
			lab = 0;
		} else if (is_alnum(c) || c == '-') {
			lab++;
		} else {
			return false;
		}
	}
	if (nlab < 2)
		return false;
	/* the top-level label: letters (at least two), or an IDNA A-label */
	const char *tld = at + 1 + last;
	size_t tl = dl - last;
	if (tl >= 5 && !strncmp(tld, "xn--", 4))
		return true;
	if (tl < 2)
		return false;
	for (size_t i = 0; i < tl; i++)
		if (!((tld[i] >= 'a' && tld[i] <= 'z') || (tld[i] >= 'A' && tld[i] <= 'Z')))
			return false;
	return true;
}

static void lower_into(char *out, const char *a, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
	out[len] = 0;
}

/* The value with white space at both ends removed, folded, into out. */
static bool trimmed(const char *s, size_t n, char *out, size_t cap, size_t *len)
{
	size_t pos = 0, o = 0, keep = 0;

	while (pos < n) {
		int c;
		pos += dec2(s, n, pos, &c, true);
		if (c <= 0)
			return false;
		if (!o && is_space(c))
			continue;
		if (o + 1 >= cap)
			return false;
		out[o++] = (char)c;
		if (!is_space(c))
			keep = o;
	}
	out[keep] = 0;
	*len = keep;
	return true;
}

bool cy_pii_email(const char *s, size_t n, char normal[CY_PII_VALUE_MAX])
{
	char a[CY_PII_VALUE_MAX];
	size_t len;
	bool ok = trimmed(s, n, a, sizeof(a), &len) && email_shape(a, len);

	if (ok && normal)
		lower_into(normal, a, len);
	cy_wipe(a, sizeof(a));
	return ok;
}

/* ---- numbers Excel rounded ---- */

size_t cy_pii_sci_form(const char *s, size_t n, cy_pii_sci *sci)
{
	cy_pii_sci t;
	size_t i = 0;

	memset(&t, 0, sizeof(t));
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++, t.sign = true;
	while (i < n && is_digit(s[i]))
		i++, t.int_digits++;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		t.point = s[i++];
		while (i < n && is_digit(s[i]))
			i++, t.frac_digits++;
	}
	if (!t.int_digits && !t.frac_digits)
		return 0;
	if (i >= n || (s[i] != 'e' && s[i] != 'E'))
		return 0;
	i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		t.exp_sign = s[i++];
	while (i < n && is_digit(s[i]))
		i++, t.exp_digits++;
	if (!t.exp_digits)
		return 0;
	if (sci)
		*sci = t;
	return i;
}

/* "d.dddE+xx" (or "dE+xx", e for E): a mantissa of at most 15 significant digits
 * (what Excel keeps) and an exponent of 10 to 20, the sizes of phone, ID and
 * card numbers.  a is folded ASCII; the length of the form read, or 0. */
static size_t excel_form(const char *a, size_t len)
{
	cy_pii_sci t;
	size_t n = cy_pii_sci_form(a, len, &t);
	int e;

	/* Excel writes one digit before the point, and always the exponent's sign */
	if (!n || t.sign || t.int_digits != 1 || a[0] == '0' || t.point == ',' ||
	    (t.point && (!t.frac_digits || t.frac_digits > 15)) || t.exp_sign != '+' ||
	    t.exp_digits != 2)
		return 0;
	e = num(a + n - 2, 2);
	return e < 10 || e > 20 ? 0 : n;
}

/* The value of an Excel match: as written, with the exponent's E upper case. */
static void excel_upper(char *v)
{
	for (; *v; v++)
		if (*v == 'e')
			*v = 'E';
}

bool cy_pii_excel_rounded(const char *s, size_t n)
{
	char a[64];
	size_t len;
	bool ok = trimmed(s, n, a, sizeof(a), &len) && len && excel_form(a, len) == len;

	cy_wipe(a, sizeof(a));
	return ok;
}

/* ---- one value ---- */

static void fill_id(cy_pii_match *m, const cy_pii_id *id)
{
	m->kind = CY_PII_ID_NUMBER;
	memcpy(m->value, id->normal, 19);
	m->birth_year = id->year;
	m->birth_month = id->month;
	m->birth_day = id->day;
	m->sex = id->sex;
	m->id_digits = id->digits;
}

void cy_pii_classify(const char *s, size_t n, int64_t as_of, cy_pii_match *out)
{
	cy_pii_id id;
	size_t vlen;

	memset(out, 0, sizeof(*out));
	out->length = n;
	/* most fields (names, addresses, amounts) are none of these: a value
	 * with fewer than 6 digits (a credit code has 6), no '@' and no '+'
	 * (Excel's exponent sign) is none */
	for (size_t pos = 0, digits = 0; pos < n;) {
		int c;
		pos += dec(s, n, pos, &c);
		if (c == '@' || c == '+' || (is_digit(c) && ++digits >= 6))
			break;
		if (pos >= n)
			return;
	}
	if (!n)
		return;
	if (cy_pii_id_number(s, n, as_of, &id))
		fill_id(out, &id);
	else if (cy_pii_uscc(s, n, out->value))
		out->kind = CY_PII_USCC;
	else if (cy_pii_mobile(s, n, out->value))
		out->kind = CY_PII_MOBILE;
	else if (cy_pii_bank_card(s, n, out->value, &out->card_network))
		out->kind = CY_PII_BANK_CARD;
	else if (cy_pii_email(s, n, out->value))
		out->kind = CY_PII_EMAIL;
	else if (cy_pii_excel_rounded(s, n) &&
		 trimmed(s, n, out->value, sizeof(out->value), &vlen)) {
		out->kind = CY_PII_EXCEL_ROUNDED;
		excel_upper(out->value);
	}
	cy_wipe(&id, sizeof(id));
}

/* ---- the scanner ---- */

/* A run of ASCII letters and digits after folding. */
typedef struct word {
	size_t start, end; /* bytes */
	size_t len;	   /* characters */
	bool digits;	   /* all digits, or digits then one X (x) */
	bool x;		   /* ends with X */
	char d[24];	   /* the first characters, folded */
	/* what follows: ' ' or '-' then a digit word (a link), 'J' joined to
	 * more letters or digits by '-', '_', '.' or '@', or 0 */
	int cont;
	size_t next; /* where the linked word starts */
} word;

#define MAX_CHAIN 6

static void parse_word(const char *t, size_t n, size_t pos, word *w)
{
	size_t p = pos, k;
	int c = -1, c2 = -1;
	bool other = false;

	memset(w, 0, sizeof(*w));
	w->start = pos;
	while (p < n) {
		k = dec(t, n, p, &c);
		if (!is_alnum(c))
			break;
		if (w->len < sizeof(w->d) - 1)
			w->d[w->len] = (char)c;
		/* digits, then at most one X at the very end */
		if (w->x || (!is_digit(c) && ((c != 'X' && c != 'x') || !w->len)))
			other = true;
		else if (!is_digit(c))
			w->x = true;
		w->len++;
		p += k;
	}
	w->end = p;
	w->digits = !other;
	if (other)
		w->x = false;
	if (w->len >= sizeof(w->d))
		w->d[sizeof(w->d) - 1] = 0;
	if (p >= n)
		return;
	k = dec(t, n, p, &c);
	if (p + k < n)
		dec(t, n, p + k, &c2);
	if ((c == ' ' || c == '-') && is_digit(c2)) {
		w->cont = c;
		w->next = p + k;
	} else if ((c == '-' || c == '_' || c == '.' || c == '@') && is_alnum(c2)) {
		w->cont = 'J';
	}
}

/* Digits of a word (its X too), when it is short enough to be one. */
static size_t wlen(const word *w)
{
	return w->digits && w->len < sizeof(w->d) ? w->len : 0;
}

static bool end_ok(const word *w)
{
	return w->cont == 0 || w->cont == ' ';
}

/* Words from..from+k-1 exist, are digit words of the given lengths (an X
 * only at the end of the last, when last_x), are linked to each other, and
 * the last is not joined to what follows. */
static bool shape(const word *w, int nw, int from, const int *lens, int k, bool last_x, bool dashes)
{
	if (from + k > nw)
		return false;
	for (int j = 0; j < k; j++) {
		const word *x = &w[from + j];
		if (wlen(x) != (size_t)lens[j] || (x->x && !(last_x && j == k - 1)))
			return false;
		if (j < k - 1 && x->cont != ' ' && (x->cont != '-' || !dashes))
			return false;
	}
	return end_ok(&w[from + k - 1]);
}

static size_t cat(const word *w, int from, int k, char *out, size_t cap)
{
	size_t o = 0;

	for (int j = from; j < from + k; j++) {
		size_t l = wlen(&w[j]);
		if (o + l + 1 > cap)
			return 0;
		memcpy(out + o, w[j].d, l);
		o += l;
	}
	out[o] = 0;
	return o;
}

typedef struct scan {
	const char *t;
	size_t n;
	int64_t as_of;
	cy_pii_fn fn;
	void *arg;
	cy_pii_match m;
	char buf[48];
} scan;

static int emit(scan *s, size_t start, size_t end)
{
	int rc;

	s->m.offset = start;
	s->m.length = end - start;
	rc = s->fn(s->arg, &s->m);
	cy_wipe(&s->m, sizeof(s->m));
	cy_wipe(s->buf, sizeof(s->buf));
	return rc;
}

/* A number of digits d as the kinds a run of digits can be; false if none. */
static bool as_number(scan *s, const char *d, size_t len)
{
	cy_pii_id id;
	bool ok = false;

	memset(&s->m, 0, sizeof(s->m));
	if (mobile_digits(d, len)) {
		s->m.kind = CY_PII_MOBILE;
		memcpy(s->m.value, d, 12);
		ok = true;
	} else if ((len == 18 || len == 15) && id_check(d, len, s->as_of, &id)) {
		fill_id(&s->m, &id);
		ok = true;
	} else if (len == 18 && uscc_check(d, len, s->m.value)) {
		s->m.kind = CY_PII_USCC;
		ok = true;
	} else if (card_check(d, len, &s->m.card_network)) {
		s->m.kind = CY_PII_BANK_CARD;
		memcpy(s->m.value, d, len + 1);
		ok = true;
	}
	cy_wipe(&id, sizeof(id));
	return ok;
}

/* The layouts a chain of digit words w[0..nw) can start with; the first that
 * holds a value is emitted.  *end: where the match ends (0: none). */
static int try_chain(scan *s, const word *w, int nw, bool plus, size_t start, size_t *end)
{
	static const int PHONE3[] = {3, 4, 4}, PHONE2[] = {3, 8}, PHONE1[] = {11};
	static const int ID3[] = {6, 8, 4};
	static const struct {
		const int *lens;
		int k;
	} PHONES[] = {{PHONE3, 3}, {PHONE2, 2}, {PHONE1, 1}};
	size_t len;
	int cl[5] = {4, 4, 4, 4, 0};

	*end = 0;
	/* +86, 0086 and (+86) before a mobile number */
	if (nw >= 2 && (w[0].cont == ' ' || w[0].cont == '-') &&
	    ((plus && wlen(&w[0]) == 2 && !memcmp(w[0].d, "86", 2)) ||
	     (wlen(&w[0]) == 4 && !memcmp(w[0].d, "0086", 4)))) {
		for (size_t i = 0; i < sizeof(PHONES) / sizeof(PHONES[0]); i++) {
			if (shape(w, nw, 1, PHONES[i].lens, PHONES[i].k, false, true) &&
			    (len = cat(w, 1, PHONES[i].k, s->buf, sizeof(s->buf))) &&
			    as_number(s, s->buf, len) && s->m.kind == CY_PII_MOBILE) {
				*end = w[PHONES[i].k].end;
				return emit(s, start, *end);
			}
		}
	}
	/* card numbers in groups of four */
	for (int last = 3; last >= 0; last--) {
		int k = last ? 5 : 4;
		cl[4] = last;
		if (shape(w, nw, 0, cl, k, false, true) &&
		    (len = cat(w, 0, k, s->buf, sizeof(s->buf))) && as_number(s, s->buf, len) &&
		    s->m.kind == CY_PII_BANK_CARD) {
			*end = w[k - 1].end;
			return emit(s, start, *end);
		}
	}
	/* an ID number as address, birth date, sequence and check */
	if (shape(w, nw, 0, ID3, 3, true, false) &&
	    (len = cat(w, 0, 3, s->buf, sizeof(s->buf))) == 18 && as_number(s, s->buf, len) &&
	    s->m.kind == CY_PII_ID_NUMBER) {
		*end = w[2].end;
		return emit(s, start, *end);
	}
	/* a mobile number in groups, then one word alone */
	for (size_t i = 0; i < sizeof(PHONES) / sizeof(PHONES[0]); i++) {
		if (PHONES[i].k == 1)
			break;
		if (shape(w, nw, 0, PHONES[i].lens, PHONES[i].k, false, true) &&
		    (len = cat(w, 0, PHONES[i].k, s->buf, sizeof(s->buf))) &&
		    as_number(s, s->buf, len) && s->m.kind == CY_PII_MOBILE) {
			*end = w[PHONES[i].k - 1].end;
			return emit(s, start, *end);
		}
	}
	len = wlen(&w[0]);
	if (!len || !end_ok(&w[0]))
		return 0;
	memcpy(s->buf, w[0].d, len);
	s->buf[len] = 0;
	/* a bare 86 or 0086 written against the number */
	if (((len == 13 && !memcmp(s->buf, "86", 2)) ||
	     (len == 15 && !memcmp(s->buf, "0086", 4))) &&
	    mobile_digits(s->buf + len - 11, 11)) {
		memset(&s->m, 0, sizeof(s->m));
		s->m.kind = CY_PII_MOBILE;
		memcpy(s->m.value, s->buf + len - 11, 12);
		*end = w[0].end;
		return emit(s, start, *end);
	}
	if ((!w[0].x || len == 18) && as_number(s, s->buf, len)) {
		*end = w[0].end;
		return emit(s, start, *end);
	}
	cy_wipe(s->buf, sizeof(s->buf));
	return 0;
}

/* An e-mail address starting at pos; its end, or 0. */
static size_t email_at(scan *s, size_t pos)
{
	char a[CY_PII_VALUE_MAX];
	size_t p = pos, o = 0, end = 0, k;
	int c = -1;

	while (p < s->n && o < 65) {
		k = dec2(s->t, s->n, p, &c, true);
		if (!is_scan_local(c))
			break;
		a[o++] = (char)c;
		p += k;
	}
	if (c != '@' || p >= s->n || o > 64) {
		cy_wipe(a, o);
		return 0;
	}
	a[o++] = '@';
	p += dec(s->t, s->n, p, &c);
	while (p < s->n && o < sizeof(a) - 1) {
		k = dec2(s->t, s->n, p, &c, true);
		if (!is_host_char(c))
			break;
		a[o++] = (char)c;
		p += k;
		if (c != '.' && c != '-')
			end = p; /* a dot (or hyphen) that ends a sentence is not the address's */
	}
	while (o && (a[o - 1] == '.' || a[o - 1] == '-'))
		o--;
	if (end && email_shape(a, o)) {
		memset(&s->m, 0, sizeof(s->m));
		s->m.kind = CY_PII_EMAIL;
		lower_into(s->m.value, a, o);
	} else {
		end = 0;
	}
	cy_wipe(a, o);
	return end;
}

/* Excel's scientific notation at pos; its end, or 0. */
static size_t excel_at(scan *s, size_t pos)
{
	char a[40];
	size_t p = pos, o = 0, ends[40], len;
	int c;

	while (p < s->n && o < sizeof(a)) {
		size_t k = dec(s->t, s->n, p, &c);
		if (!is_alnum(c) && c != '.' && c != '+')
			break;
		a[o] = (char)c;
		ends[o++] = p + k;
		p += k;
	}
	if (!(len = excel_form(a, o)))
		return 0;
	/* the form must end there: not more digits, not a decimal part */
	if (len < o && (is_alnum(a[len]) || a[len] == '+' ||
			(a[len] == '.' && len + 1 < o && is_digit(a[len + 1]))))
		return 0;
	memset(&s->m, 0, sizeof(s->m));
	s->m.kind = CY_PII_EXCEL_ROUNDED;
	memcpy(s->m.value, a, len);
	s->m.value[len] = 0;
	excel_upper(s->m.value);
	return ends[len - 1];
}

/* Everything that can start at the word at pos.  *next: where to go on. */
static int at_word(scan *s, size_t pos, size_t *next)
{
	word w[MAX_CHAIN];
	size_t st1, st2, end, start = pos;
	int p1 = dec_before(s->t, pos, &st1), p2 = dec_before(s->t, st1, &st2), nw = 1, rc = 0;
	/* joined to letters or digits before it: part of a code, a decimal, an address */
	bool joined = (p1 == '-' || p1 == '_' || p1 == '.' || p1 == '@') && is_alnum(p2);
	bool plus = p1 == '+' && !is_alnum(p2);

	parse_word(s->t, s->n, pos, &w[0]);
	*next = w[0].end;
	if (!(is_scan_local(p1) && is_alnum(p2)) && (end = email_at(s, pos))) {
		*next = end;
		rc = emit(s, pos, end);
		goto out;
	}
	if (joined)
		goto out;
	if (is_digit(w[0].d[0]) && (end = excel_at(s, pos))) {
		*next = end;
		rc = emit(s, pos, end);
		goto out;
	}
	if (!w[0].digits) {
		memset(&s->m, 0, sizeof(s->m));
		if (w[0].len == 18 && end_ok(&w[0]) && !plus &&
		    uscc_check(w[0].d, 18, s->m.value)) {
			s->m.kind = CY_PII_USCC;
			rc = emit(s, pos, w[0].end);
		}
		goto out;
	}
	/* "(+86) 139 ...": the bracket links the country code to the number */
	if (plus && wlen(&w[0]) == 2 && !memcmp(w[0].d, "86", 2) && w[0].cont == 0 &&
	    w[0].end < s->n && s->t[w[0].end] == ')') {
		size_t p = w[0].end + 1;
		int c = -1;
		if (p < s->n && s->t[p] == ' ')
			p++;
		if (p < s->n)
			dec(s->t, s->n, p, &c);
		if (is_digit(c)) {
			w[0].cont = ' ';
			w[0].next = p;
		}
	}
	while (nw < MAX_CHAIN && (w[nw - 1].cont == ' ' || w[nw - 1].cont == '-')) {
		parse_word(s->t, s->n, w[nw - 1].next, &w[nw]);
		if (!w[nw].digits) {
			/* a space before letters ends the chain; a dash joins them */
			w[nw - 1].cont = w[nw - 1].cont == ' ' ? 0 : 'J';
			break;
		}
		nw++;
	}
	if (plus) {
		start = st1;
		/* another country's number: none of its digits are a mainland value */
		if (!(wlen(&w[0]) == 2 && !memcmp(w[0].d, "86", 2)) &&
		    !(wlen(&w[0]) == 13 && !memcmp(w[0].d, "86", 2))) {
			*next = w[nw - 1].end;
			goto out;
		}
	}
	rc = try_chain(s, w, nw, plus, start, &end);
	if (end)
		*next = end;
out:
	cy_wipe(w, (size_t)nw * sizeof(w[0]));
	return rc;
}

int cy_pii_scan(const char *text, size_t n, int64_t as_of, cy_pii_fn fn, void *arg)
{
	scan s = {.t = text, .n = n, .as_of = as_of, .fn = fn, .arg = arg};
	size_t pos = 0;
	bool prev_alnum = false;
	int rc = 0;

	while (pos < n) {
		int c;
		size_t k = dec(text, n, pos, &c);
		if (!is_alnum(c) || prev_alnum) {
			prev_alnum = is_alnum(c);
			pos += k;
			continue;
		}
		if ((rc = at_word(&s, pos, &pos)))
			break;
		/* every match and every word ends with a letter or digit */
		prev_alnum = true;
	}
	cy_wipe(&s, sizeof(s));
	return rc;
}

/* ---- derived facts ---- */

int64_t cy_pii_today(void)
{
	time_t now = time(NULL);
	int64_t t = (int64_t)now + 8 * 3600;

	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

bool cy_pii_under_14(int y, int m, int d, int64_t as_of)
{
	/* 周岁 counts from the day after the birthday (the SPC's interpretation
	 * of 2006 on minors in criminal cases, Art. 2; pii.md): on the 14th
	 * birthday itself a person is still 不满十四周岁.  A 29 February
	 * birthday falls on 1 March in a common year (days_from_civil carries
	 * the day over). */
	return as_of <= cy_days_from_civil(y + 14, m, d);
}

unsigned cy_pii_labels(const cy_pii_match *m, int64_t as_of, unsigned policy)
{
	unsigned l = 0;

	switch (m->kind) {
	case CY_PII_BANK_CARD:
		/* PIPL Art. 28: 金融账户 is sensitive personal information */
		l |= CY_PII_SENS_FINANCIAL_ACCOUNT;
		break;
	case CY_PII_ID_NUMBER:
		/* PIPL Art. 28 (and Art. 31): 不满十四周岁未成年人的个人信息 is
		 * sensitive; the age comes from the birth date in the number */
		if (cy_pii_under_14(m->birth_year, m->birth_month, m->birth_day, as_of))
			l |= CY_PII_SENS_MINOR_UNDER_14;
		/* Art. 28 does not name the ID number.  GB/T 35273-2020 附录B
		 * (a recommended standard, PARTIAL in DOMAIN.md) lists 身份证 as
		 * 个人敏感信息; GB/T 45574-2025 reportedly no longer does
		 * (PARTIAL): a policy bit, on by default */
		if (policy & CY_PII_POLICY_ID_NUMBER_SENSITIVE)
			l |= CY_PII_SENS_ID_NUMBER;
		break;
	default:
		break;
	}
	return l;
}

const char *cy_pii_label_name(unsigned label)
{
	switch (label) {
	case CY_PII_SENS_FINANCIAL_ACCOUNT:
		return "financial_account";
	case CY_PII_SENS_MINOR_UNDER_14:
		return "minor_under_14";
	case CY_PII_SENS_ID_NUMBER:
		return "id_number";
	default:
		return "?";
	}
}
