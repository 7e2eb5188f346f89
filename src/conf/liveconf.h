/*
 * liveconf - the configuration of a long-lived process, kept current.
 */
#ifndef LIVECONF_H
#define LIVECONF_H

#include <sys/stat.h>

#include "conf.h"
#include "keycache.h"
#include "why.h"

#define LIVE_FILES	3	/* dkimpipe.conf, KeyTable, SigningTable */

struct liveconf {
	const char	*path;
	struct conf	 cf;
	int		 ok;		/* cf is usable; else why says */
	struct why	 why;
	struct stat	 st[LIVE_FILES];
	int		 have[LIVE_FILES];
	struct keycache	 keys;		/* survives reloads */
};

void	liveconf_init(struct liveconf *, const char *);
int	liveconf_current(struct liveconf *);
void	liveconf_free(struct liveconf *);

#endif
