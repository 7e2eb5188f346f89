/*
 * loopcheck - would Postfix route the signer's re-injected copies back
 * to it?
 */
#ifndef LOOPCHECK_H
#define LOOPCHECK_H

#include "conf.h"
#include "diag.h"

void	loopcheck(const struct conf *, struct diag *);

#endif
