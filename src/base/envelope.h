/*
 * envelope - the sender and recipients of one message, with the SMTP
 * parameters that must travel with it across the re-injection: DSN
 * (RFC 3461: NOTIFY, ORCPT, RET, ENVID) and SMTPUTF8 (RFC 6531).
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stddef.h>

struct envelope {
	const char	*sender;
	char		**rcpt;
	size_t		 n;
	char		**notify;	/* NULL, or per recipient a NOTIFY value or NULL */
	char		**orcpt;	/* NULL, or per recipient an ORCPT value or NULL */
	const char	*ret;		/* RET value, or NULL */
	const char	*envid;		/* ENVID value (xtext), or NULL */
	int		 smtputf8;	/* the sender asked for SMTPUTF8 */
	int		 body8;		/* BODY=8BITMIME */
};

int	env_notify_ok(const char *);
int	env_ret_ok(const char *);
#define ENV_ENVID_MAX	100	/* RFC 3461 4.4 */

int	env_xtext_ok(const char *, size_t);
int	env_orcpt_ok(const char *);
void	env_xtext_decode(const char *, char *, size_t);
int	env_same_notify(const char *, const char *);

#endif
