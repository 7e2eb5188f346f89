/*
 * inplace - re-sign one stored message file, replacing it atomically.
 */
#ifndef INPLACE_H
#define INPLACE_H

#include <stddef.h>

#include "conf.h"
#include "why.h"

#define INPLACE_TEMP	".dkimpipe-resign."	/* prefix of our temporary files */

enum replace { REPLACE_NONE, REPLACE_DOMAIN, REPLACE_SELECTOR };

enum inplace_result { INPLACE_SIGNED, INPLACE_UNCHANGED, INPLACE_FAILED };

struct signed_msg;
struct stat;

enum inplace_result inplace_sign(const struct conf *, const char *,
	    enum replace, struct why *);
int	inplace_sign_fd(struct signed_msg *, const struct conf *, int,
	    enum replace, struct why *);
int	inplace_temp(const char *, char *, size_t, struct why *);
int	inplace_commit(int, const char *, const char *, int, const struct stat *,
	    struct why *);

#endif
