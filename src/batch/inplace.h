/*
 * inplace - re-sign one stored message file, replacing it atomically.
 */
#ifndef INPLACE_H
#define INPLACE_H

#include <stddef.h>

#include "conf.h"
#include "resign.h"
#include "why.h"

enum inplace_result {
	INPLACE_SIGNED, INPLACE_UNCHANGED, INPLACE_FAILED,
	INPLACE_PENDING		/* signed copy written, waits in a syncgroup */
};

struct syncgroup;

struct keycache;
enum inplace_result inplace_sign(const struct conf *, struct keycache *,
	    const char *,
	    enum replace, struct syncgroup *, size_t, struct why *);

#endif
