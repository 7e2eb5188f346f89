/*
 * session - the protocol engine of the long-lived modes: one server
 * session on a pair of descriptors, in one of two dialects (LMTP for
 * "dkimpipe lmtp", ESMTP for "dkimpipe proxy").
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <time.h>

#include "envelope.h"
#include "liveconf.h"
#include "lmtp.h"
#include "pass.h"
#include "signer.h"
#include "smtpout.h"

#define SESSION_XFWD	512	/* XFORWARD attributes passed on */

struct session;

/* what differs between the dialects: each hook queues its own replies */
struct dialect {
	const char	*greeting;	/* "LMTP" or "ESMTP" */
	int		 lmtp;		/* LHLO; else EHLO and HELO */
	/* why a transaction without XFORWARD counts as outside */
	const char	*no_xforward;
	/* MAIL passed its syntax: 0 when accepted, -1 when refused */
	int	(*mail)(struct session *);
	/* recipient nrcpt - 1 passed its syntax: 0 when accepted, -1 refused */
	int	(*rcpt)(struct session *);
	/* the message is in and the signer has seen it: pass it on, or not */
	void	(*pass)(struct session *, struct signed_msg *, int,
		    const struct why *, struct verdict *);
	/* the replies to the end of DATA, once the verdict is known */
	void	(*replies)(struct session *, const struct verdict *);
};

struct session {
	const struct dialect *d;
	struct lmtp	 io;
	struct liveconf	 live;
	char		 line[LMTP_LINE];
	int		 hello;		/* LHLO, EHLO or HELO seen */
	int		 mail;		/* in a transaction */
	char		 sender[LMTP_LINE];
	char		**rcpt;
	char		**notify;	/* per recipient: NOTIFY=, or NULL */
	char		**orcpt;	/* per recipient: ORCPT=, or NULL */
	size_t		 nrcpt;
	char		 ret[8];	/* MAIL RET=, or "" */
	char		 envid[ENV_ENVID_MAX + 1]; /* MAIL ENVID=, or "" */
	int		 smtputf8;	/* MAIL SMTPUTF8 */
	int		 body8;		/* MAIL BODY=8BITMIME */
	char		 ident[64];	/* XFORWARD IDENT or the next hop's queue id */
	char		 client[64];	/* XFORWARD ADDR: the original client */
	char		 xfwd[SESSION_XFWD]; /* XFORWARD NAME ADDR PORT PROTO HELO */
	int		 xforward;	/* XFORWARD came in this transaction */
	int		 errors;
	int		 messages;	/* in this process */
	int		 served;	/* on this connection */
	time_t		 start;
	int		 quit;
	struct smtpout	 out;		/* the connection to the next hop */
};

void	session_run(const struct dialect *, const char *);
struct session *session_new(const struct dialect *, const char *);
void	session_serve(struct session *, int, int);
int	session_spent(const struct session *);
void	session_end(struct session *);
void	session_envelope(const struct session *, struct envelope *);
const char *session_qid(const struct session *);

#endif
