/*
 * resubmit - hand a message back to Postfix with sendmail -G -i.
 */
#ifndef RESUBMIT_H
#define RESUBMIT_H

#include <stddef.h>

#include "conf.h"
#include "envelope.h"
#include "signer.h"
#include "why.h"

int	resubmit(const struct conf *, const struct envelope *,
	    struct signed_msg *, int, struct why *);

#endif
