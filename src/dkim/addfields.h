/*
 * addfields - the Date: and Message-ID: fields a message lacks.
 */
#ifndef ADDFIELDS_H
#define ADDFIELDS_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "header.h"
#include "why.h"

void	addfields_host(const char *, char *, size_t);
int	addfields(struct header *, const char *, time_t, struct buf *,
	    struct why *);

#endif
