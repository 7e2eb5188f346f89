/*
 * spool - hold one message: in memory while small, then in an unlinked
 * temporary file, so memory use does not grow with message size.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <sys/types.h>

#include "why.h"

#define SPOOL_MEM	(128 * 1024)

struct spool {
	char	*mem;		/* first bytes, or write buffer once on disk */
	size_t	 used;		/* bytes in mem */
	int	 fd;		/* -1 while all in memory */
	off_t	 size;		/* total bytes spooled */
	int	 src;		/* >= 0: the input is this regular file */
	const char *tmpdir;
};

void	spool_init(struct spool *, const char *);
void	spool_borrow(struct spool *, int);
int	spool_write(struct spool *, const void *, size_t, struct why *);
typedef int (*spool_out)(void *, const char *, size_t);

int	spool_each(struct spool *, spool_out, void *, struct why *);
void	spool_free(struct spool *);

#endif
