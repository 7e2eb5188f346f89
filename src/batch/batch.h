/*
 * batch - re-sign many stored message files in place (sign -I).
 */
#ifndef BATCH_H
#define BATCH_H

#include "conf.h"
#include "resign.h"

struct batch {
	enum replace	 replace;
	int		 jobs;		/* worker processes */
	int		 quiet;		/* no progress line */
	const char	*files_from;	/* file of names, "-" for stdin */
	int		 nul;		/* names in files_from end in NUL */
	struct keycache	*keys;		/* each worker's decoded keys, or NULL */
};

int	batch_run(const struct conf *, const struct batch *, int, char **);

#endif
