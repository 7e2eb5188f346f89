/*
 * diag - collect configuration problems. Returns -1 so that callers can
 * "return diag(...)" when they cannot go on.
 */
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"
#include "log.h"

void
diag_init(struct diag *d, struct why *why, int all)
{
	d->all = all;
	d->count = 0;
	d->why = why;
}

int
diag(struct diag *d, int status, const char *fmt, ...)
{
	char text[sizeof(d->why->text)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (d->count++ == 0)
		why_set(d->why, status, "%s", text);
	if (d->all)
		log_error("%s", text);
	return -1;
}
