/*
 * pass - the fate of a message the signer has seen, for every delivery
 * mode: resubmit it signed or unsigned, or keep it, or bounce it.
 */
#ifndef PASS_H
#define PASS_H

#include <stddef.h>

#include "conf.h"
#include "envelope.h"
#include "signer.h"
#include "smtpout.h"
#include "why.h"

/* what the mode tells Postfix: status (sysexits), DSN and text in why */
struct verdict {
	int		 status;	/* EX_OK, EX_TEMPFAIL or EX_DATAERR */
	const char	*dsn;		/* "2.0.0", "4.3.0", "5.6.0", ... */
	struct why	 why;
	struct rcpt_result *res;	/* SMTP re-injection: each recipient's
					   answer (caller's array); else NULL */
	int		 per_rcpt;	/* res holds the answers */
};

void	pass_on(const struct conf *, struct smtpout *, const char *,
	    const struct envelope *, struct signed_msg *, int, const struct why *,
	    struct verdict *);
int	pass_decide(const struct conf *, const struct signed_msg *, int,
	    const struct why *, struct verdict *);
void	pass_passed(const struct conf *, const char *, const struct signed_msg *,
	    const struct why *, struct verdict *);
void	pass_fail(struct verdict *, int, const char *, const struct why *);
void	pass_origin(struct signed_msg *, const struct conf *, const char *,
	    const char *);
void	pass_log_fail(const struct verdict *, const char *);

#endif
