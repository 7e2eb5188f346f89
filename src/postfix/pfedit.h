/*
 * pfedit - read and change one Postfix setting through postconf(1).
 */
#ifndef PFEDIT_H
#define PFEDIT_H

#include "buf.h"
#include "why.h"

enum pfkind {
	PF_MAIN,	/* main.cf parameter: "name" */
	PF_ENTRY,	/* master.cf entry: "service/type" */
	PF_PARAM,	/* master.cf -o parameter: "service/type/name" */
};

struct pfset {
	enum pfkind	 kind;
	char		*key;
	char		*value;		/* NULL: absent */
};

int	pfedit_get(const char *, enum pfkind, const char *, struct buf *,
	    struct why *);
int	pfedit_effective(const char *, const char *, struct buf *, struct why *);
void	pfedit_command(struct buf *, enum pfkind, const char *, const char *);
int	pfedit_set(enum pfkind, const char *, const char *, int, struct why *);
int	pfedit_same(enum pfkind, const char *, const char *);
const char *pfedit_kind_name(enum pfkind);

#endif
