/*
 * log - the one way dkimpipe reports.
 *
 * Command-line modes write "dkimpipe: text" to stderr. Delivery modes
 * also send the record to syslog (facility mail, ident dkimpipe), in the
 * shape Postfix uses: "QUEUEID: signed, d=..." or "warning: ...".
 * Info records go to syslog only: pipe(8) puts stderr into bounces.
 * The target is set once at start-up; it is configuration, not state.
 * Callers sanitize untrusted strings with log_sanitize().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "log.h"

#define LOG_MAXLEN	2000

static int log_targets = LOG_TO_STDERR;

/* log_open - choose where records go */
void
log_open(int targets)
{
	log_targets = targets;
	if (targets & LOG_TO_SYSLOG)
		openlog("dkimpipe", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_emit - format one record and send it to the chosen targets */
static void
log_emit(int prio, int to_stderr, const char *prefix, const char *fmt,
    va_list ap)
{
	char text[LOG_MAXLEN];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (to_stderr && (log_targets & LOG_TO_STDERR))
		fprintf(stderr, "dkimpipe: %s%s\n", prefix, text);
	if (log_targets & LOG_TO_SYSLOG)
		syslog(prio, "%s%s", prefix, text);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, !(log_targets & LOG_TO_SYSLOG), "", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, 1, "warning: ", fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, 1, "error: ", fmt, ap);
	va_end(ap);
}

/* log_fatal - report and exit with a sysexits code */
void
log_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, 1, "fatal: ", fmt, ap);
	va_end(ap);
	exit(status);
}

/* log_sanitize - copy untrusted text, replacing non-printable bytes */
void
log_sanitize(char *dst, const char *src, size_t size)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; i + 1 < size && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}
