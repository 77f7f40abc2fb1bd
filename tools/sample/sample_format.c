/* sample_format.c - text helpers shared by the generators: buffer appends
 * that die on exhausted memory, CSV fields, calendar dates, money amounts in
 * figures and in Chinese capitals (大写金额), UTF-8 decoding and the GBK
 * conversion through glibc's iconv(3). */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "sample.h"

#include "custody/banned.h"

void sample_die_nomem(void)
{
	fputs("custody-sample: out of memory\n", stderr);
	exit(1);
}

void *sample_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		sample_die_nomem();
	return p;
}

void sample_put(cy_buf *b, const void *data, size_t n)
{
	if (cy_buf_put(b, data, n))
		sample_die_nomem();
}

void sample_puts(cy_buf *b, const char *s)
{
	sample_put(b, s, strlen(s));
}

void sample_printf(cy_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cy_buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (rc)
		sample_die_nomem();
}

void sample_csv_field(cy_buf *b, const char *s)
{
	const char *p;

	if (!strpbrk(s, ",\"\r\n")) {
		sample_puts(b, s);
		return;
	}
	sample_puts(b, "\"");
	for (p = s; *p; p++) {
		if (*p == '"')
			sample_puts(b, "\"");
		sample_put(b, p, 1);
	}
	sample_puts(b, "\"");
}

/* ---- dates ---- */

int sample_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Howard Hinnant's days_from_civil and civil_from_days. */
long sample_date_to_days(sample_date d)
{
	long y = d.m <= 2 ? d.y - 1 : d.y;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (d.m > 2 ? d.m - 3 : d.m + 9) + 2) / 5 + d.d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

sample_date sample_date_from_days(long days)
{
	long z = days + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	sample_date d;

	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.y = (int)(yoe + era * 400 + (d.m <= 2));
	return d;
}

sample_date sample_date_between(sample_rng *r, sample_date from, sample_date to)
{
	long a = sample_date_to_days(from), b = sample_date_to_days(to);

	return sample_date_from_days(a + (long)sample_rng_below(r, (uint32_t)(b - a + 1)));
}

int sample_date_cmp(sample_date a, sample_date b)
{
	long x = sample_date_to_days(a), y = sample_date_to_days(b);

	return x < y ? -1 : x > y;
}

long sample_excel_serial(sample_date d)
{
	/* Day 0 is 1899-12-30: Excel counts the 29th of February 1900 that never was. */
	return sample_date_to_days(d) + 25569;
}

void sample_put_date(cy_buf *b, sample_date d)
{
	sample_printf(b, "%04d-%02d-%02d", d.y, d.m, d.d);
}

void sample_put_date_zh(cy_buf *b, sample_date d)
{
	sample_printf(b, "%04d年%02d月%02d日", d.y, d.m, d.d);
}

/* ---- money ---- */

void sample_put_amount(cy_buf *b, int64_t fen, bool group)
{
	char digits[32];
	uint64_t yuan;
	size_t i, n;

	if (fen < 0) {
		sample_puts(b, "-");
		fen = -fen;
	}
	yuan = (uint64_t)fen / 100;
	n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)yuan);
	for (i = 0; i < n; i++) {
		if (group && i > 0 && (n - i) % 3 == 0)
			sample_puts(b, ",");
		sample_put(b, digits + i, 1);
	}
	sample_printf(b, ".%02d", (int)((uint64_t)fen % 100));
}

void sample_put_amount_zh(cy_buf *b, int64_t fen)
{
	static const char *const num[10] = {"零", "壹", "贰", "叁", "肆",
					    "伍", "陆", "柒", "捌", "玖"};
	static const char *const unit[4] = {"", "拾", "佰", "仟"};
	static const char *const section[4] = {"", "万", "亿", "万"};
	char digits[32];
	uint64_t yuan;
	int jiao, fen1;
	bool zero = false, any = false, group = false;
	size_t i, n;

	if (fen < 0) {
		sample_puts(b, "负");
		fen = -fen;
	}
	yuan = (uint64_t)fen / 100;
	jiao = (int)((uint64_t)fen / 10 % 10);
	fen1 = (int)((uint64_t)fen % 10);
	n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)yuan);
	if (yuan > 0) {
		for (i = 0; i < n; i++) {
			size_t pos = n - 1 - i;
			int d = digits[i] - '0';

			if (d == 0) {
				zero = any;
			} else {
				if (zero)
					sample_puts(b, num[0]);
				sample_puts(b, num[d]);
				sample_puts(b, unit[pos % 4]);
				zero = false;
				any = group = true;
			}
			if (pos % 4 == 0 && pos > 0) {
				if (group)
					sample_puts(b, section[(pos / 4) % 4]);
				group = false;
			}
		}
		sample_puts(b, "元");
	}
	if (jiao == 0 && fen1 == 0) {
		sample_puts(b, yuan ? "整" : "零元整");
		return;
	}
	if (jiao)
		sample_printf(b, "%s角", num[jiao]);
	else if (yuan)
		sample_puts(b, num[0]);
	if (fen1)
		sample_printf(b, "%s分", num[fen1]);
	else
		sample_puts(b, "整");
}

/* ---- encodings ---- */

uint32_t sample_utf8_next(const char **s)
{
	const uint8_t *p = (const uint8_t *)*s;
	uint32_t c = p[0];
	int extra = 0, i;

	if (c >= 0xf0) {
		c &= 0x07;
		extra = 3;
	} else if (c >= 0xe0) {
		c &= 0x0f;
		extra = 2;
	} else if (c >= 0xc0) {
		c &= 0x1f;
		extra = 1;
	}
	for (i = 1; i <= extra && p[i]; i++)
		c = c << 6 | (p[i] & 0x3f);
	*s += i;
	return c;
}

int sample_convert(cy_buf *out, const char *to, const char *s, size_t n)
{
	iconv_t cd = iconv_open(to, "UTF-8");
	char *in = (char *)s;
	size_t inleft = n, start = out->len;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return cy_error_set_errno(CY_EUNSUPPORTED, errno, "cannot convert to %s", to);
	while (inleft > 0) {
		char *o;
		size_t oleft, room = inleft * 2 + 16;

		if (cy_buf_grow(out, room))
			sample_die_nomem();
		o = (char *)out->ptr + out->len;
		oleft = room;
		if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 && errno != E2BIG) {
			rc = cy_error_set_errno(CY_EINVALID, errno, "cannot convert to %s", to);
			out->len = start;
			break;
		}
		out->len = (size_t)(o - (char *)out->ptr);
	}
	if (out->ptr)
		out->ptr[out->len] = 0;
	iconv_close(cd);
	return rc;
}

int sample_to_gbk(cy_buf *out, const char *s, size_t n)
{
	return sample_convert(out, "GBK", s, n);
}
