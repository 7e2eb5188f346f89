/*
 * runcmd - run a program with an argv array (execv, never a shell) and
 * collect what it prints.
 */
#ifndef RUNCMD_H
#define RUNCMD_H

#include <stddef.h>

#include "buf.h"

#define RUNCMD_OUT_MAX	(4 * 1024 * 1024)	/* bytes of stdout kept */

int	runcmd(const char *const [], struct buf *, char *, size_t);
void	runcmd_quote(struct buf *, const char *const []);

#endif
