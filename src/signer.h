/*
 * signer - sign one message: (input stream, configuration) -> signature
 * fields plus the spooled message, or a refusal with a reason. Shared by
 * every mode (sign, deliver, and later LMTP and batch re-signing).
 */
#ifndef SIGNER_H
#define SIGNER_H

#include "buf.h"
#include "conf.h"
#include "header.h"
#include "spool.h"
#include "why.h"

enum outcome {
	OUT_SIGNED,		/* sigs holds one field per selected key */
	OUT_NOKEY,		/* message fine, no key for its From domain */
	OUT_REFUSED,		/* message not signable (why: EX_DATAERR) */
	OUT_FAILED		/* resource or key trouble (why says) */
};

struct signed_msg {
	struct spool	 spool;		/* the message exactly as read */
	struct header	 hdr;
	struct buf	 sigs;		/* fields to put before the message */
	char		 addr[512];	/* From address */
	char		 domain[DOMAIN_MAX];
	struct sigsel	 sel[CONF_MAXSIG];
	size_t		 nsel;
	enum outcome	 outcome;
};

void	signer_init(struct signed_msg *, const struct conf *);
int	signer_run(struct signed_msg *, int, const struct conf *,
	    struct why *);
int	signer_write(struct signed_msg *, int, int, struct why *);
void	signer_free(struct signed_msg *);

#endif
