/*
 * inplace - re-sign one stored message file, replacing it atomically.
 */
#ifndef INPLACE_H
#define INPLACE_H

#include <sys/stat.h>

#include <limits.h>
#include <stddef.h>

#include "conf.h"
#include "why.h"

#define INPLACE_TEMP	".dkimpipe-resign."	/* prefix of our temporary files */

enum replace { REPLACE_NONE, REPLACE_DOMAIN, REPLACE_SELECTOR };

enum inplace_result {
	INPLACE_SIGNED, INPLACE_UNCHANGED, INPLACE_FAILED,
	INPLACE_PENDING		/* signed copy written, waits in a syncgroup */
};

/* a signed copy that is to replace its original */
struct inplace_copy {
	int		 t;		/* the copy, open */
	int		 fd;		/* the original, open */
	struct stat	 st;		/* the original as it was read */
	int		 sized;		/* Maildir name: ,S= and ,W= follow */
	size_t		 idx;		/* the caller's number for the file */
	char		 tmp[PATH_MAX];	/* the copy's name */
	char		 path[PATH_MAX];
};

struct signed_msg;
struct syncgroup;

enum inplace_result inplace_sign(const struct conf *, const char *,
	    enum replace, struct syncgroup *, size_t, struct why *);
int	inplace_sign_fd(struct signed_msg *, const struct conf *, int,
	    enum replace, struct why *);
int	inplace_temp(struct inplace_copy *, const char *, int,
	    const struct stat *, struct why *);
enum inplace_result inplace_commit(struct inplace_copy *, struct syncgroup *,
	    struct why *);
int	inplace_finish(struct inplace_copy *, struct why *);
void	inplace_discard(struct inplace_copy *);

#endif
