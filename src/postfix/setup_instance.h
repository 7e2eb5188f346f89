/*
 * setup_instance - the output instance of "dkimpipe setup --mode transport".
 */
#ifndef SETUP_INSTANCE_H
#define SETUP_INSTANCE_H

#include "setup_plan.h"
#include "why.h"

#define SETUP_INSTANCE		"postfix-out"
#define SETUP_INSTANCE_DIR	"/etc/postfix-out"
#define SETUP_INSTANCE_PORT	"127.0.0.1:10028"

int	setup_instance_exists(void);
int	setup_instance_make(const struct setup_opts *, long long, int,
	    struct why *);
int	setup_instance_undo(int, struct why *);

#endif
