/*
 * syncgroup - signed copies made durable together, then put in place.
 */
#ifndef SYNCGROUP_H
#define SYNCGROUP_H

#include <stddef.h>

#include "inplace.h"

struct syncgroup {
	struct inplace_copy	*c;
	int			*err;	/* per copy: its filesystem's sync errno */
	size_t			 n, max;
};

/* called once per file as the group is flushed */
typedef void (*syncgroup_report)(void *, size_t, enum inplace_result,
	    const struct why *);

void	syncgroup_init(struct syncgroup *, size_t);
void	syncgroup_add(struct syncgroup *, const struct inplace_copy *);
int	syncgroup_full(const struct syncgroup *);
void	syncgroup_flush(struct syncgroup *, syncgroup_report, void *);
void	syncgroup_free(struct syncgroup *);

#endif
