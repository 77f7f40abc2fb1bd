/* test_datetime.c - dates and RFC 3339 times typed by users: known answers
 * (checked against Python's calendar.timegm) and the inputs that must fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "custody/datetime.h"
#include "custody/error.h"

static void test_datetime_known_answers(void **state)
{
	static const struct {
		const char *s;
		int64_t t;
		bool date_only;
	} V[] = {
		{"1970-01-01", 0, true},
		{"1970-01-01T00:00:00Z", 0, false},
		{"1969-12-31T23:59:59Z", -1, false},
		{"2000-03-01", 951868800, true},
		{"2024-02-29", 1709164800, true},
		{"2026-11-30T09:15:00Z", 1796030100, false},
		{"2026-11-30t09:15:00z", 1796030100, false},
		{"2026-11-30 09:15:00Z", 1796030100, false},
		{"2026-11-30T17:15:00+08:00", 1796030100, false},
		{"2026-11-30T04:45:00-04:30", 1796030100, false},
		{"2026-11-30T09:15:00.999999Z", 1796030100, false},
		{"2026-12-01T01:15:00+16:00", 1796030100, false},
		{"9999-12-31T23:59:59Z", 253402300799LL, false},
		{"1000-01-01", -30610224000LL, true},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(V) / sizeof(V[0]); i++) {
		int64_t t = 42;
		bool d = !V[i].date_only;
		int rc = cy_time_parse(V[i].s, &t, &d);
		if (rc || t != V[i].t || d != V[i].date_only)
			fail_msg("%s: rc %d, t %lld (want %lld), date_only %d", V[i].s, rc,
				 (long long)t, (long long)V[i].t, d);
	}
	int y, m, dd;
	assert_int_equal(cy_date_parse("2000-02-29", &y, &m, &dd), 0);
	assert_true(y == 2000 && m == 2 && dd == 29);
	assert_int_equal(cy_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(cy_days_from_civil(2026, 11, 30), 20787);
}

static void test_datetime_refused(void **state)
{
	static const char *BAD[] = {
		"",
		"2026",
		"2026-11",
		"2026-11-3",
		"2026-1-30",
		"26-11-30",
		"2026/11/30",
		"2026-11-30x",
		"2026-02-29",
		"1900-02-29",
		"2026-04-31",
		"2026-13-01",
		"2026-00-01",
		"2026-01-00",
		"0999-12-31",
		"+2026-11-30",
		" 2026-11-30",
		"2026-11-30 ",
		"2026-11-30T",
		"2026-11-30T09:15Z",
		"2026-11-30T09:15:00",
		"2026-11-30T24:00:00Z",
		"2026-11-30T09:60:00Z",
		"2026-11-30T09:15:61Z",
		"2026-11-30T09:15:00.Z",
		"2026-11-30T09:15:00+0800",
		"2026-11-30T09:15:00+08",
		"2026-11-30T09:15:00+24:00",
		"2026-11-30T09:15:00+08:60",
		"2026-11-30T09:15:00ZZ",
		"2026-11-30T9:15:00Z",
		"２０２６-11-30",
		"2026-11-30T09:15:00Z\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		int64_t t;
		if (cy_time_parse(BAD[i], &t, NULL) != CY_EINVALID)
			fail_msg("accepted '%s'", BAD[i]);
	}
	/* a date is a date: no time, no zone */
	int y, m, d;
	assert_int_equal(cy_date_parse("2026-11-30T00:00:00Z", &y, &m, &d), CY_EINVALID);
	assert_int_equal(cy_date_parse("2026-02-29", &y, &m, &d), CY_EINVALID);
	assert_int_equal(cy_date_parse(NULL, &y, &m, &d), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "is not a date"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datetime_known_answers),
		cmocka_unit_test(test_datetime_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
