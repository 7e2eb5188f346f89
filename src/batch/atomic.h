/*
 * atomic - replace a file by a new copy so that a crash leaves the old
 * file or the new one, never a truncated or missing one.
 */
#ifndef ATOMIC_H
#define ATOMIC_H

#include <sys/stat.h>
#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

#include "why.h"

#define ATOMIC_TEMP	".dkimpipe-resign."	/* prefix of our temporary files */

/* a new copy that is to replace its original */
struct atomic_copy {
	int		 t;		/* the copy, open */
	int		 fd;		/* the original, open */
	struct stat	 st;		/* the original as it was read */
	int		 sized;		/* Maildir name: ,S= and ,W= follow */
	char		 tmp[PATH_MAX];	/* the copy's name */
	char		 path[PATH_MAX];
};

int	atomic_temp(struct atomic_copy *, const char *, int,
	    const struct stat *, struct why *);
int	atomic_commit(struct atomic_copy *, int, struct why *);
int	atomic_finish(struct atomic_copy *, struct why *);
void	atomic_discard(struct atomic_copy *);
int	atomic_sized(const char *);
int	atomic_sized_name(const char *, off_t, off_t, char *, size_t);

#endif
