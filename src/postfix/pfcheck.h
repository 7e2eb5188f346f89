/*
 * pfcheck - would Postfix route the signer's re-injected copies back
 * to it?
 */
#ifndef PFCHECK_H
#define PFCHECK_H

#include "conf.h"
#include "diag.h"

void	pfcheck(const struct conf *, struct diag *);

#endif
