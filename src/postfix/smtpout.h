/*
 * smtpout - re-inject messages over one persistent SMTP connection.
 */
#ifndef SMTPOUT_H
#define SMTPOUT_H

#include <stddef.h>

#include "conf.h"
#include "envelope.h"
#include "lmtp.h"
#include "signer.h"
#include "why.h"

struct smtpout {
	int		 fd;		/* -1: not connected */
	struct lmtp	 io;		/* line I/O on the connection */
	int		 used;		/* a transaction is open on it: RSET first */
	int		 fresh;		/* made for this transaction */
	int		 ext;		/* EXT_*: what its EHLO offered */
	int		 atomic;	/* all recipients or none (pipe(8)) */
	char		 peer[80];	/* the reinject value it was made for */
};

#define EXT_DSN		0x01
#define EXT_SMTPUTF8	0x02
#define EXT_8BITMIME	0x04
#define EXT_XFORWARD	0x08
#define EXT_PIPELINING	0x10

/* one recipient's answer from the next hop */
struct rcpt_result {
	int	 code;			/* 250, 450, 550, ... */
	char	 text[256];		/* the reply text after the code */
};

void	smtpout_init(struct smtpout *);
int	smtpout_send(struct smtpout *, const struct conf *,
	    const struct envelope *, struct signed_msg *, int,
	    struct rcpt_result *, struct why *);
int	smtpout_mail(struct smtpout *, const struct conf *,
	    const struct envelope *, const char *, char *, size_t, struct why *);
int	smtpout_rcpt(struct smtpout *, const struct conf *,
	    const struct envelope *, size_t, char *, size_t, struct why *);
int	smtpout_data(struct smtpout *, const struct conf *, struct signed_msg *,
	    int, char *, size_t, struct why *);
void	smtpout_abort(struct smtpout *);
void	smtpout_close(struct smtpout *);
int	smtpout_parse(const char *, struct conf *);

#endif
