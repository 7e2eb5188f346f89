/*
 * log - the one way dkimpipe reports.
 *
 * Command-line modes write "dkimpipe: text" to stderr. Delivery modes
 * also send the record to syslog (facility mail, ident dkimpipe), in the
 * shape Postfix uses: "QUEUEID: signed, d=..." or "warning: ...", or,
 * with log_to = postlog, to Postfix's own postlogd(8) socket (Postfix
 * with maillog_file), as one datagram "Mon dd hh:mm:ss host
 * dkimpipe[pid]: text" the way Postfix's programs send theirs; when that
 * socket cannot be reached the records go to syslog instead.
 * Info records go to syslog only: pipe(8) puts stderr into bounces.
 * The target is set once at start-up; it is configuration, not state.
 * Callers sanitize untrusted strings with log_sanitize().
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_MAXLEN	2000

static int log_targets = LOG_TO_STDERR;
static int postlog_fd = -1;

/* postlog_connect - the postlogd socket, or -1 */
static int
postlog_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (path == NULL || strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)(void *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* log_open - choose where records go (postlog: the postlogd socket path) */
void
log_open(int targets, const char *postlog)
{
	if (postlog_fd >= 0)
		close(postlog_fd);
	postlog_fd = -1;
	if ((targets & LOG_TO_POSTLOG) &&
	    (postlog_fd = postlog_connect(postlog)) < 0)
		targets = (targets & ~LOG_TO_POSTLOG) | LOG_TO_SYSLOG;
	log_targets = targets;
	if (targets & LOG_TO_SYSLOG)
		openlog("dkimpipe", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* to_postlog - one record to postlogd, formatted as Postfix's msg_logger */
static void
to_postlog(const char *prefix, const char *text)
{
	char rec[LOG_MAXLEN + 200], host[256] = "localhost", stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	(void)gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(rec, sizeof(rec), "%s %s dkimpipe[%ld]: %s%s", stamp, host,
	    (long)getpid(), prefix, text);
	if (n > 0)
		(void)send(postlog_fd, rec, (size_t)n < sizeof(rec) ? (size_t)n :
		    sizeof(rec) - 1, 0);
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
	if (log_targets & LOG_TO_POSTLOG)
		to_postlog(prefix, text);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, !(log_targets & (LOG_TO_SYSLOG | LOG_TO_POSTLOG)), "",
	    fmt, ap);
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
