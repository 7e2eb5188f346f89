/*
 * params - every dkimpipe.conf parameter in one table: its name, type,
 * default (as a user would write it), bounds and where the value goes.
 */
#ifndef PARAMS_H
#define PARAMS_H

#include <stddef.h>

#include "conf.h"
#include "diag.h"

/* the key source: values that mean something only after the whole file */
struct params_raw {
	char	*domain, *selector, *keyfile, *keytable, *signingtable;
	size_t	 line_single, line_tables;
};

/* where a value goes and where it came from ("FILE:LINE: bad ...") */
struct params_ctx {
	struct conf		*cf;
	struct params_raw	*raw;
	const char		*path;
	size_t			 lineno;
	struct diag		*d;
};

enum param_type {
	PARAM_BOOL,		/* yes, true, no, false, any case */
	PARAM_TIME,		/* seconds, or with an s, m, h, d or w suffix */
	PARAM_COUNT,		/* a decimal number */
	PARAM_STRING,
	PARAM_PATH,		/* an absolute path */
	PARAM_ENUM,		/* one of the words */
	PARAM_LIST,		/* header names: "a:b, c d" */
	PARAM_SPECIAL		/* set() decides */
};

struct param_word {
	const char	*word;
	int		 value;
};

struct param {
	const char	*name;
	enum param_type	 type;
	const char	*def;		/* NULL: unset (a bool: -1, the mode decides) */
	long long	 lo, hi;	/* time (seconds), count: the range */
	int		 zero_ok;	/* count: 0 (off) as well as lo to hi */
	const char	*want;		/* bad value: the range, the words, the form */
	size_t		 off;		/* in struct conf; key source: params_raw */
	size_t		 aux;		/* number: the field's size; list: count's off */
	const struct param_word *words;	/* enum, NULL-terminated */
	int		(*set)(struct params_ctx *, const struct param *,
			    const char *);	/* special: 0, or -1 for want */
};

extern const struct param params[];
extern const size_t params_count;

const struct param *params_find(const char *);
int	params_set(struct params_ctx *, const char *, const char *);
void	params_raw_free(struct params_raw *);

#endif
