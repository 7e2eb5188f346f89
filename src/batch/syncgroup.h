/*
 * syncgroup - new copies made durable together, then put in place.
 */
#ifndef SYNCGROUP_H
#define SYNCGROUP_H

#include <stddef.h>

#include "atomic.h"
#include "why.h"

struct syncgroup {
	struct atomic_copy	*c;
	size_t			*idx;	/* per copy: the caller's number for it */
	int			*err;	/* per copy: its filesystem's sync errno */
	size_t			 n, max;
};

/* called once per copy as the group is flushed: idx, 0 (in place) or -1 */
typedef void (*syncgroup_report)(void *, size_t, int, const struct why *);

void	syncgroup_init(struct syncgroup *, size_t);
void	syncgroup_add(struct syncgroup *, const struct atomic_copy *, size_t);
int	syncgroup_full(const struct syncgroup *);
void	syncgroup_flush(struct syncgroup *, syncgroup_report, void *);
void	syncgroup_free(struct syncgroup *);

#endif
