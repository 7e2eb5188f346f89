/*
 * conffile - read dkimpipe.conf (Postfix-style "name = value" lines).
 */
#ifndef CONFFILE_H
#define CONFFILE_H

#include "conf.h"
#include "diag.h"

#define CONF_DEFAULT_PATH	"/etc/dkimpipe/dkimpipe.conf"

int	conffile_read(struct conf *, const char *, struct diag *);
int	conffile_check(struct conf *, const char *, struct diag *);

#endif
