/*
 * hostport - one parser for "[address]:port", "address:port" and a bare
 * address with a default port, numeric only: it never looks a name up
 * and decides nothing about which addresses a caller accepts.
 */
#ifndef HOSTPORT_H
#define HOSTPORT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

int	hostport_parse(const char *, size_t, int, struct sockaddr_storage *,
	    socklen_t *);
int	hostport_loopback(const struct sockaddr_storage *);

#endif
