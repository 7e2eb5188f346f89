/*
 * xmem - allocation that never returns NULL.
 *
 * Out of memory is a temporary condition for a mail system: exit
 * EX_TEMPFAIL (75) so that Postfix retries the message later.
 */
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmem.h"

static void
nomem(void)
{
	log_fatal(EX_TEMPFAIL, "out of memory");
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		nomem();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		nomem();
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void *p = reallocarray(old, n ? n : 1, size ? size : 1);

	if (p == NULL)
		nomem();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		nomem();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		nomem();
	return p;
}
