/*
 * lmtp - the server side of LMTP (RFC 2033) on a pair of descriptors:
 * bounded command lines, buffered replies, DATA with dot-unstuffing.
 */
#ifndef LMTP_H
#define LMTP_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define LMTP_LINE	2048	/* command line, CRLF included */
#define LMTP_IBUF	(64 * 1024)

/* what lmtp_line and lmtp_data return besides a length or 0 */
#define LMTP_EOF	(-1)
#define LMTP_TIMEOUT	(-2)
#define LMTP_TOOLONG	(-3)
#define LMTP_IOERR	(-4)

struct lmtp {
	int		 in, out;
	char		 ibuf[LMTP_IBUF];
	size_t		 ipos, ilen;
	struct buf	 obuf;		/* replies not yet sent */
	int		 werr;		/* a reply could not be sent */
};

enum lmtp_verb {
	LV_LHLO, LV_MAIL, LV_RCPT, LV_DATA, LV_RSET, LV_NOOP, LV_QUIT,
	LV_XFORWARD, LV_HELO, LV_EHLO, LV_OTHER, LV_UNKNOWN
};

typedef void (*lmtp_sink)(void *, const char *, size_t);

void	lmtp_init(struct lmtp *, int, int);
void	lmtp_free(struct lmtp *);
int	lmtp_wait(struct lmtp *, int);
ssize_t	lmtp_line(struct lmtp *, char *, size_t, int);
int	lmtp_data(struct lmtp *, lmtp_sink, void *, int);
void	lmtp_reply(struct lmtp *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	lmtp_flush(struct lmtp *);

enum lmtp_verb lmtp_verb(const char *, const char **);
int	lmtp_path(const char *, const char *, char *, size_t, const char **);
int	lmtp_param(const char **, char *, size_t, char *, size_t);

#endif
