/*
 * mbox - re-sign every message of an mbox file in place.
 */
#ifndef MBOX_H
#define MBOX_H

#include <sys/stat.h>

#include "inplace.h"

enum inplace_result mbox_sign(const struct conf *, const char *, int,
	    const struct stat *, enum replace, struct syncgroup *, size_t,
	    struct why *);

#endif
