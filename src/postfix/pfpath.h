/*
 * pfpath - check the path around the signer: the re-injection smtpd and
 * the instance it belongs to, the key for Postfix's notices, and where
 * the signer's log lines go.
 */
#ifndef PFPATH_H
#define PFPATH_H

#include "conf.h"
#include "diag.h"

void	pfpath(const struct conf *, struct diag *);

#endif
