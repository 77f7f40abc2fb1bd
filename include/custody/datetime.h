/* datetime.h - strict parsing of the dates and times that users type:
 * calendar dates (YYYY-MM-DD) and RFC 3339 timestamps, as UTC seconds since
 * the epoch.  Pure functions; no time zone database, no locale. */
#ifndef CUSTODY_DATETIME_H
#define CUSTODY_DATETIME_H

#include <stdbool.h>
#include <stdint.h>

/* A calendar date YYYY-MM-DD (year 1000-9999, a day that exists: no
 * 2026-02-30).  CY_EINVALID with a message naming s otherwise. */
int cy_date_parse(const char *s, int *year, int *month, int *day);

/* A date (taken as 00:00:00 UTC, *date_only set) or an RFC 3339 timestamp
 * ("2026-11-30T09:15:00Z", "2026-11-30T17:15:00+08:00", an optional
 * fraction that is ignored, 't'/'z' in either case), as UTC seconds.
 * date_only may be NULL.  CY_EINVALID otherwise. */
int cy_time_parse(const char *s, int64_t *t, bool *date_only);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t cy_days_from_civil(int year, int month, int day);
/* Its inverse: the proleptic Gregorian date of a day number. */
void cy_civil_from_days(int64_t days, int *year, int *month, int *day);

/* The same month and day `years` later (or earlier, years < 0), written
 * back in place; 29 February in a year without one becomes 1 March (never
 * earlier than the whole years: docs/formats/retention-rules.md). */
void cy_date_add_years(int *year, int *month, int *day, int years);
/* The number of days in a month of a year (28-31), 0 for a month not 1-12. */
int cy_days_in_month(int year, int month);

#endif
