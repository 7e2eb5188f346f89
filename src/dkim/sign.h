/*
 * sign - make one DKIM-Signature header field for a parsed header and a
 * body hash.
 */
#ifndef SIGN_H
#define SIGN_H

#include <time.h>

#include "buf.h"
#include "conf.h"
#include "header.h"
#include "why.h"

int	sign_field(struct buf *, const struct conf *, const struct sigsel *,
	    const struct header *, const unsigned char[32], time_t,
	    struct why *);
void	sign_hdata(struct buf *, enum canon, const struct header *,
	    const char *, const char *, size_t);
int	sign_b(struct buf *, const struct conf *, const struct sigsel *,
	    const struct header *, const char *, const char *, size_t,
	    struct why *);

#endif
