/*
 * postconf - ask Postfix's own postconf(1) about its configuration.
 */
#ifndef POSTCONF_H
#define POSTCONF_H

#include <stddef.h>

#define POSTCONF_PATH	"/usr/sbin/postconf"

int	postconf_service(const char *, char *, size_t);

#endif
