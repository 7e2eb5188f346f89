/*
 * mbox - re-sign every message of an mbox file into one new copy.
 */
#ifndef MBOX_H
#define MBOX_H

#include <sys/stat.h>

#include "atomic.h"
#include "conf.h"
#include "resign.h"
#include "why.h"

struct keycache;
int	mbox_sign(const struct conf *, struct keycache *, const char *, int,
	    const struct stat *,
	    enum replace, struct atomic_copy *, struct why *);

#endif
