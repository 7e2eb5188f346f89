/*
 * origin - was a message submitted by one of our own clients?
 */
#ifndef ORIGIN_H
#define ORIGIN_H

#include <stddef.h>

struct netrange {
	int		 af;		/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	int		 bits;		/* prefix length */
};

struct origin_list {
	struct netrange	*r;
	size_t		 n;
	int		 set;		/* internal_hosts was given */
};

int	origin_parse(struct origin_list *, const char *);
void	origin_free(struct origin_list *);
const char *origin_outside(const struct origin_list *, const char *,
	    const char *);

#endif
