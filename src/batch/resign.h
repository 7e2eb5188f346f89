/*
 * resign - sign a stored message again, without the earlier
 * DKIM-Signature fields that the new signatures replace.
 */
#ifndef RESIGN_H
#define RESIGN_H

#include "conf.h"
#include "why.h"

enum replace { REPLACE_NONE, REPLACE_DOMAIN, REPLACE_SELECTOR };

struct signed_msg;

int	resign_fd(struct signed_msg *, const struct conf *, int, enum replace,
	    struct why *);

#endif
