/*
 * signer - sign one message: (input stream, configuration) -> signature
 * fields plus the spooled message, or a refusal with a reason. Shared by
 * every mode (sign, deliver, lmtp, and later batch re-signing). The
 * message comes either from a file descriptor (signer_run) or in pieces
 * (signer_init, signer_feed..., signer_end), as the LMTP mode reads it.
 */
#ifndef SIGNER_H
#define SIGNER_H

#include "buf.h"
#include "canon.h"
#include "conf.h"
#include "eol.h"
#include "header.h"
#include "spool.h"
#include "why.h"
#include "wrap.h"

enum outcome {
	OUT_SIGNED,		/* sigs holds one field per selected key */
	OUT_NOKEY,		/* message fine, no key for its From domain */
	OUT_REFUSED,		/* message not signable (why: EX_DATAERR) */
	OUT_OUTSIDE,		/* not ours to sign: outside (says why) */
	OUT_FAILED		/* resource or key trouble (why says) */
};

/* what every byte passes, on the way in and out: eol, then wrap */
struct form {
	struct eol	 eol;
	struct wrap	 wrap;
	struct buf	 tmp;
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
	char		 outside[160];	/* set by the mode: not ours, and why */
	/* while the message streams in (signer_feed) */
	size_t		 line_limit;	/* wrap: octets per line, 0: off */
	struct buf	 added;		/* fields added to the message (Date, ...) */
	struct form	 form;		/* line endings and lengths on the way in */
	struct buf	 norm;		/* the current piece, normalized */
	struct bodyhash	 bh;
	int		 hashing;	/* body goes to bh */
	int		 failed;	/* feed failed: reason in fail */
	struct why	 refusal;
	struct why	 fail;
	struct keycache	*keys;		/* decoded keys kept by the process, or NULL */
};

struct keycache;
void	signer_init(struct signed_msg *, const struct conf *, struct keycache *);
int	signer_run(struct signed_msg *, int, const struct conf *,
	    struct why *);
void	signer_feed(struct signed_msg *, const struct conf *, const char *,
	    size_t);
int	signer_end(struct signed_msg *, const struct conf *, struct why *);
int	signer_each(struct signed_msg *, spool_out, void *, struct why *);
int	signer_write(struct signed_msg *, int, int, struct why *);
void	signer_free(struct signed_msg *);

#endif
