/*
 * setup_link - the link in Postfix's daemon_directory through which
 * master(8) runs "dkimpipe proxy" itself.
 */
#ifndef SETUP_LINK_H
#define SETUP_LINK_H

#include <stddef.h>

#include "why.h"

#define SETUP_LINK_NAME	"dkimpipe"

int	setup_link_path(char *, size_t, struct why *);
int	setup_link_there(const char *, const char *, int, struct why *);
int	setup_link_make(const char *, const char *, int, struct why *);
int	setup_link_remove(const char *, const char *, const char *, int,
	    struct why *);

#endif
