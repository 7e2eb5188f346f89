/*
 * why - fill in the reason a stage failed. Always returns -1, so that
 * callers can write "return why_set(why, EX_DATAERR, ...);".
 */
#include <stdarg.h>
#include <stdio.h>

#include "why.h"

int
why_set(struct why *why, int status, const char *fmt, ...)
{
	va_list ap;

	why->status = status;
	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
	return -1;
}
