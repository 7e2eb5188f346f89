/*
 * time_test - conf_parse_time(), the KeyTable's activate= value:
 * "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" (both UTC) or "@unixtime", with
 * the exact time_t each stands for, and the values it must refuse.
 * One line per case; prints "not ok N: case: got X, want Y" for every
 * mismatch, "ok N cases" at the end, and exits 1 on any.
 *
 * A case with a "known" note is a bug in the code under test that is
 * reported, not fixed, yet: its mismatch is printed with "# TODO" and
 * does not fail the run (TAP's TODO); when it starts to pass, the line
 * says so and the note should go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"

#define BAD	(-1)		/* ok: conf_parse_time() must return -1 */
#define SENTINEL ((time_t)424242)

static const struct tcase {
	const char	*what;
	const char	*in;
	int		 ok;		/* 0, or BAD */
	long long	 want;		/* the time when ok == 0 */
	const char	*known;		/* a known bug, see the file header */
} cases[] = {
	/* dates, midnight UTC */
	{ "date", "2026-12-01", 0, 1796083200LL, NULL },
	{ "date, new year", "2026-01-01", 0, 1767225600LL, NULL },
	{ "date, leap day", "2000-02-29", 0, 951782400LL, NULL },
	{ "date, the epoch", "1970-01-01", 0, 0, NULL },
	{ "date, the day after the epoch", "1970-01-02", 0, 86400, NULL },
	{ "date past 2038", "2038-01-20", 0, 2147558400LL, NULL },
	{ "date, year 9999", "9999-12-31", 0, 253402214400LL, NULL },
	/* date and time */
	{ "date and time", "2026-12-01T08:00:00Z", 0, 1796112000LL, NULL },
	{ "date and time, last second of a day", "2026-11-30T23:59:59Z", 0,
	  1796083199LL, NULL },
	{ "date and time, 2^31", "2038-01-19T03:14:08Z", 0, 2147483648LL, NULL },
	{ "date and time, seconds count", "2026-12-01T08:00:01Z", 0,
	  1796112001LL, NULL },
	{ "date and time, minutes count", "2026-12-01T08:59:00Z", 0,
	  1796115540LL, NULL },
	/* @unixtime */
	{ "@0", "@0", 0, 0, NULL },
	{ "@unixtime", "@1796083200", 0, 1796083200LL, NULL },
	{ "@unixtime past 2^32", "@4294967296", 0, 4294967296LL, NULL },
	{ "@ alone", "@", BAD, 0, NULL },
	{ "@ negative", "@-1", BAD, 0, NULL },
	{ "@ trailing garbage", "@12x", BAD, 0, NULL },
	{ "@ trailing space", "@12 ", BAD, 0, NULL },
	{ "@ hexadecimal", "@0x10", BAD, 0, NULL },
	{ "@ decimal point", "@1.5", BAD, 0, NULL },
	{ "@ more than a time_t holds", "@99999999999999999999", BAD, 0, NULL },
	/* empty and garbage */
	{ "empty", "", BAD, 0, NULL },
	{ "a word", "tomorrow", BAD, 0, NULL },
	{ "date with trailing garbage", "2026-12-01x", BAD, 0, NULL },
	{ "date with a trailing space", "2026-12-01 ", BAD, 0, NULL },
	{ "date and time with trailing garbage", "2026-12-01T08:00:00Zx", BAD, 0,
	  NULL },
	{ "two Z", "2026-12-01T08:00:00ZZ", BAD, 0, NULL },
	{ "a zone offset is not UTC", "2026-12-01T08:00:00+02:00", BAD, 0, NULL },
	{ "T without a time", "2026-12-01T", BAD, 0, NULL },
	{ "time without seconds", "2026-12-01T08:00Z", BAD, 0, NULL },
	{ "space instead of T", "2026-12-01 08:00:00", BAD, 0, NULL },
	{ "lower-case t", "2026-12-01t08:00:00Z", BAD, 0, NULL },
	{ "slashes", "2026/12/01", BAD, 0, NULL },
	{ "time alone", "08:00:00", BAD, 0, NULL },
	/* dates and times that do not exist */
	{ "month 13", "2026-13-01", BAD, 0, NULL },
	{ "month 0", "2026-00-10", BAD, 0, NULL },
	{ "day 32", "2026-12-32", BAD, 0, NULL },
	{ "day 0", "2026-12-00", BAD, 0, NULL },
	{ "hour 24", "2026-12-01T24:00:00Z", BAD, 0, NULL },
	{ "minute 60", "2026-12-01T08:60:00Z", BAD, 0, NULL },
	{ "February 30", "2026-02-30", BAD, 0, NULL },
	{ "February 29 of a common year", "2026-02-29", BAD, 0, NULL },
	{ "April 31", "2025-04-31", BAD, 0, NULL },
	{ "five-digit year", "12026-01-01", BAD, 0, NULL },
	{ "negative year", "-2026-12-01", BAD, 0, NULL },
	/* before the epoch: @ refuses negative times, dates must too */
	{ "date before the epoch", "1969-12-31", BAD, 0, NULL },
	{ "two-digit year is year 26", "26-12-01", BAD, 0, NULL },
};

int
main(void)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]), bad = 0, todo = 0;
	char got[64], want[64];
	time_t t;
	int rc, fail;

	/* a local time zone that is not UTC, so that local time would show */
	setenv("TZ", "TST-5:30", 1);
	tzset();
	for (i = 0; i < n; i++) {
		const struct tcase *c = &cases[i];

		t = SENTINEL;
		rc = conf_parse_time(c->in, &t);
		if (rc == 0)
			snprintf(got, sizeof(got), "%lld", (long long)t);
		else
			snprintf(got, sizeof(got), "%d (t %s)", rc,
			    t == SENTINEL ? "untouched" : "changed");
		if (c->ok == 0) {
			snprintf(want, sizeof(want), "%lld", c->want);
			fail = rc != 0 || (long long)t != c->want;
		} else {
			snprintf(want, sizeof(want), "-1 (t untouched)");
			fail = rc != -1 || t != SENTINEL;
		}
		if (fail && c->known != NULL) {
			printf("not ok %zu: %s \"%s\": got %s, want %s # TODO %s\n",
			    i + 1, c->what, c->in, got, want, c->known);
			todo++;
		} else if (fail) {
			printf("not ok %zu: %s \"%s\": got %s, want %s\n", i + 1,
			    c->what, c->in, got, want);
			bad++;
		} else if (c->known != NULL)
			printf("ok %zu: %s \"%s\" # TODO passes now: drop its note\n",
			    i + 1, c->what, c->in);
	}
	if (bad) {
		printf("%zu of %zu cases failed\n", bad, n);
		return 1;
	}
	printf("ok %zu cases", n);
	if (todo)
		printf(" (%zu known bugs marked TODO)", todo);
	printf("\n");
	return 0;
}
