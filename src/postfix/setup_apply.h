/*
 * setup_apply - the changes that take Postfix from where it is to a plan.
 */
#ifndef SETUP_APPLY_H
#define SETUP_APPLY_H

#include "setup_plan.h"
#include "setup_state.h"

struct setup_changes {
	struct pfset	*set;		/* value NULL: remove */
	size_t		 nset;
	char		**write;	/* plan files to (re)write, by path */
	size_t		 nwrite;
	char		**remove;	/* owned files the plan no longer has */
	size_t		 nremove;
};

int	setup_changes(struct setup_changes *, const struct setup_plan *,
	    const struct setup_owned *, const char *, struct why *);
int	setup_restore(struct setup_changes *, const struct setup_owned *,
	    const char *, int, struct why *);
void	setup_show(const struct setup_changes *, const struct setup_plan *);
int	setup_apply(const struct setup_changes *, const struct setup_plan *,
	    struct why *);
int	setup_command(const char *const [], int, struct why *);
void	setup_changes_free(struct setup_changes *);

#endif
