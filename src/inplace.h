/*
 * inplace - re-sign one stored message file, replacing it atomically.
 */
#ifndef INPLACE_H
#define INPLACE_H

#include "conf.h"
#include "why.h"

#define INPLACE_TEMP	".dkimpipe-resign."	/* prefix of our temporary files */

enum replace { REPLACE_NONE, REPLACE_DOMAIN, REPLACE_SELECTOR };

enum inplace_result { INPLACE_SIGNED, INPLACE_UNCHANGED, INPLACE_FAILED };

enum inplace_result inplace_sign(const struct conf *, const char *,
	    enum replace, struct why *);

#endif
