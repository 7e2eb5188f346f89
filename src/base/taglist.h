/*
 * taglist - read one tag of a DKIM tag list (RFC 6376 section 3.2).
 */
#ifndef TAGLIST_H
#define TAGLIST_H

#include <stddef.h>

int	taglist_get(const char *, const char *, char *, size_t);

#endif
