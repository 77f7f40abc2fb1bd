/* datetime.c - dates and RFC 3339 timestamps typed by users (datetime.h).
 *
 * Written out rather than left to strptime/timegm: those accept more than
 * they should (strptime skips spaces, takes one-digit fields and does not
 * check that a day exists) and mktime would bring the local time zone in. */
#include <string.h>

#include "custody/datetime.h"
#include "custody/error.h"
#include "custody/banned.h"

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int D[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : D[m - 1];
}

int cy_days_in_month(int year, int month)
{
	return month >= 1 && month <= 12 ? days_in_month(year, month) : 0;
}

void cy_date_add_years(int *year, int *month, int *day, int years)
{
	*year += years;
	if (*month == 2 && *day == 29 && days_in_month(*year, 2) == 28) {
		*month = 3;
		*day = 1;
	}
}

int64_t cy_days_from_civil(int year, int month, int day)
{
	/* H. Hinnant's days_from_civil */
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void cy_civil_from_days(int64_t days, int *year, int *month, int *day)
{
	/* H. Hinnant's civil_from_days */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	*year = (int)(yoe + era * 400 + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}

/* The date part of s (its first 10 bytes). */
static int date_part(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, y) ||
	    digits(s + 5, 2, m) || digits(s + 8, 2, d))
		return -1;
	if (*y < 1000 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int cy_date_parse(const char *s, int *year, int *month, int *day)
{
	if (!s || strlen(s) != 10 || date_part(s, year, month, day))
		return cy_error_set(CY_EINVALID,
				    "'%s' is not a date: use YYYY-MM-DD (e.g. 2026-03-31)",
				    s ? s : "");
	return 0;
}

int cy_time_parse(const char *s, int64_t *t, bool *date_only)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	const char *p;

	if (!s || date_part(s, &y, &mo, &d))
		goto bad;
	p = s + 10;
	if (*p) {
		if ((*p != 'T' && *p != 't' && *p != ' ') || strlen(p) < 9 || p[3] != ':' ||
		    p[6] != ':' || digits(p + 1, 2, &h) || digits(p + 4, 2, &mi) ||
		    digits(p + 7, 2, &se))
			goto bad;
		/* 60 is a leap second: counted as the next second */
		if (h > 23 || mi > 59 || se > 60)
			goto bad;
		p += 9;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if ((*p == 'Z' || *p == 'z') && !p[1]) {
			sign = 0;
		} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
			   !digits(p + 1, 2, &oh) && !digits(p + 4, 2, &om) && oh <= 23 &&
			   om <= 59) {
			sign = *p == '+' ? 1 : -1;
		} else {
			goto bad;
		}
	}
	if (date_only)
		*date_only = !s[10];
	*t = cy_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	     sign * (oh * 3600 + om * 60);
	return 0;
bad:
	return cy_error_set(CY_EINVALID,
			    "'%s' is not a date or time: use YYYY-MM-DD or RFC 3339 "
			    "(e.g. 2026-11-30T09:15:00Z or 2026-11-30T17:15:00+08:00)",
			    s ? s : "");
}
