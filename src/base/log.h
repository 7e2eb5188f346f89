/*
 * log - the one way dkimpipe reports: stderr for the command line,
 * stderr and syslog (facility mail) or Postfix's postlogd for delivery
 * modes.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#define LOG_TO_STDERR	1
#define LOG_TO_SYSLOG	2
#define LOG_TO_POSTLOG	4	/* Postfix's postlogd socket */

#define POSTLOG_SOCKET	"/var/spool/postfix/public/postlog"
#define POSTLOG_COMMAND	"/usr/sbin/postlog"

void	log_open(int, const char *, const char *);
const char *log_postlog_socket(const char *);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_fatal(int, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	log_usage(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_progress(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_sanitize(char *, const char *, size_t);

#endif
