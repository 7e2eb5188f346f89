/*
 * log - the one way dkimpipe reports.
 *
 * Command-line modes write "dkimpipe: text" to stderr. Delivery modes
 * also send the record to syslog (facility mail, ident dkimpipe), in the
 * shape Postfix uses: "QUEUEID: signed, d=..." or "warning: ...", or,
 * with log_to = postlog, to Postfix's own postlogd(8) socket (Postfix
 * with maillog_file), as one datagram "Mon dd hh:mm:ss host
 * dkimpipe[pid]: text" the way Postfix's programs send theirs. A process
 * that may not reach the socket (it sits in Postfix's public/ directory,
 * group postdrop) runs Postfix's postlog(1) for each record instead,
 * when that is set-gid postdrop as Postfix installs it ("postfix
 * set-permissions"); failing both, the records go to syslog.
 * Info records go to syslog only: pipe(8) puts stderr into bounces.
 * The target is set once at start-up; it is configuration, not state.
 * Callers sanitize untrusted strings with log_sanitize().
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>

#include <stdarg.h>
#include <stdint.h>
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
static char postlog_cmd[256];	/* set-gid postlog(1) when no socket, or "" */

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

/* usable_postlog - cmd is an executable postlog(1) set-gid postdrop */
static int
usable_postlog(const char *cmd)
{
	struct stat st;

	return cmd != NULL && stat(cmd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_ISGID) && access(cmd, X_OK) == 0;
}

/*
 * log_open - choose where records go; for postlog, the postlogd socket
 * path and the postlog(1) command to run when the socket is out of reach
 */
void
log_open(int targets, const char *postlog, const char *cmd)
{
	if (postlog_fd >= 0)
		close(postlog_fd);
	postlog_fd = -1;
	postlog_cmd[0] = '\0';
	if ((targets & LOG_TO_POSTLOG) &&
	    (postlog_fd = postlog_connect(postlog)) < 0) {
		if (usable_postlog(cmd) && strlen(cmd) < sizeof(postlog_cmd))
			memcpy(postlog_cmd, cmd, strlen(cmd) + 1);
		else
			targets = (targets & ~LOG_TO_POSTLOG) | LOG_TO_SYSLOG;
	}
	log_targets = targets;
	if (targets & LOG_TO_SYSLOG)
		openlog("dkimpipe", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* run_postlog - one record through postlog(1); stdio to /dev/null */
static void
run_postlog(int prio, const char *text)
{
	char *argv[8], tag[] = "-t", name[] = "dkimpipe", p[] = "-p";
	char info[] = "info", warn[] = "warn", error[] = "error";
	int status, fd;
	pid_t pid;

	if ((pid = fork()) < 0)
		return;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			(void)dup2(fd, STDIN_FILENO);
			(void)dup2(fd, STDOUT_FILENO);
			(void)dup2(fd, STDERR_FILENO);
		}
		argv[0] = postlog_cmd;
		argv[1] = tag;
		argv[2] = name;
		argv[3] = p;
		argv[4] = prio == LOG_INFO ? info : prio == LOG_WARNING ? warn : error;
		argv[5] = (char *)(uintptr_t)text;
		argv[6] = NULL;
		execv(postlog_cmd, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
}

#define HOSTCHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"

/*
 * postlog_host - the host name of Postfix's own records: the first label
 * of the POSTLOG_HOSTNAME ($myhostname) that Postfix hands its child
 * processes, when export_environment lets it through; else of
 * gethostname()
 */
static void
postlog_host(char *host, size_t size)
{
	const char *e = getenv("POSTLOG_HOSTNAME");
	size_t n = e != NULL ? strlen(e) : 0;

	if (n > 0 && n < size && strspn(e, HOSTCHARS) == n)
		memcpy(host, e, n + 1);
	else
		(void)gethostname(host, size);
	host[size - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
}

/*
 * log_postlog_socket - the postlogd socket: the configured one, else the
 * POSTLOG_SERVICE that Postfix hands its child processes (the right
 * instance's, when export_environment lets it through), else Debian's
 */
const char *
log_postlog_socket(const char *configured)
{
	const char *e = getenv("POSTLOG_SERVICE");

	if (configured != NULL)
		return configured;
	return e != NULL && e[0] == '/' ? e : POSTLOG_SOCKET;
}

/* to_postlog - one record to postlogd, formatted as Postfix's msg_logger */
static void
to_postlog(int prio, const char *prefix, const char *text)
{
	char rec[LOG_MAXLEN + 200], host[256] = "localhost", stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (postlog_fd < 0) {
		if (postlog_cmd[0] != '\0')
			run_postlog(prio, text);
		return;
	}
	postlog_host(host, sizeof(host));
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
		to_postlog(prio, prefix, text);
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

/*
 * log_usage - a command's synopsis, "usage: TEXT", as it is (no
 * "dkimpipe:" prefix) on stderr, and its first line to syslog when the
 * records go there (lmtp: stderr is the socket)
 */
void
log_usage(const char *fmt, ...)
{
	char text[LOG_MAXLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (log_targets & LOG_TO_STDERR)
		fprintf(stderr, "usage: %s\n", text);
	if (log_targets & LOG_TO_SYSLOG)
		syslog(LOG_ERR, "error: usage: %.*s", (int)strcspn(text, "\n"), text);
}

/*
 * log_progress - a progress line for a terminal: on stderr only, over
 * the last one ("\r"); last ends it with a newline
 */
void
log_progress(int last, const char *fmt, ...)
{
	va_list ap;

	if (!(log_targets & LOG_TO_STDERR))
		return;
	va_start(ap, fmt);
	fputc('\r', stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (last)
		fputc('\n', stderr);
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
