/*
 * wholefile - read a small file whole; replace one atomically; create
 * one that must not be there yet.
 */
#ifndef WHOLEFILE_H
#define WHOLEFILE_H

#include <sys/types.h>

#include "buf.h"
#include "why.h"

#define WHOLEFILE_MAX	(16 * 1024 * 1024)

int	wholefile_read(const char *, struct buf *, struct why *);
int	wholefile_write(const char *, const void *, size_t, mode_t, uid_t,
	    gid_t, struct why *);
int	wholefile_create(const char *, const void *, size_t, mode_t,
	    struct why *);
int	wholefile_same(const char *, const void *, size_t);

#endif
