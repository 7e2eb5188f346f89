/*
 * xmem - allocation that never returns NULL.
 *
 * On failure the process logs one line and exits EX_TEMPFAIL, so that a
 * message handed to us by Postfix stays queued. Nothing here frees memory
 * on behalf of the caller.
 */
#ifndef XMEM_H
#define XMEM_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
