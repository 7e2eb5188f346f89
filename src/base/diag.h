/*
 * diag - collect configuration problems: keep the first as the reason,
 * and when asked (dkimpipe check) report every one as it is found.
 */
#ifndef DIAG_H
#define DIAG_H

#include "why.h"

struct diag {
	int		 all;		/* report each problem on stderr */
	int		 count;
	struct why	*why;		/* the first problem */
};

void	diag_init(struct diag *, struct why *, int);
int	diag(struct diag *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
