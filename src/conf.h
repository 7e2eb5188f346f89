/*
 * conf - what dkimpipe signs with and how: built from the command line
 * (sign) or read from dkimpipe.conf and OpenDKIM tables (deliver, check).
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "canon.h"
#include "keys.h"
#include "why.h"

struct sigkey {
	char		*name;		/* KeyTable name, or the key file */
	char		*domain;	/* d= ("%" in a KeyTable: From domain) */
	char		*selector;	/* s= */
	char		*keyfile;
	EVP_PKEY	*pkey;		/* NULL until loaded */
	enum alg	 alg;
};

/* one chosen key for one message: the key and its d= */
struct sigsel {
	const struct sigkey	*key;
	const char		*domain;
};

/* SigningTable entry: pattern -> KeyTable name */
struct signent {
	char		*pattern;	/* address, domain, or refile glob */
	char		*keyname;
	size_t		 lineno;
};

enum on_refusal { REFUSAL_UNSIGNED, REFUSAL_BOUNCE };

struct conf {
	const char	*path;		/* config file, NULL for sign */
	enum canon	 hcanon;
	enum canon	 bcanon;
	char		**hdrs;		/* header names to sign when present */
	size_t		 nhdrs;
	char		**over;		/* names signed once more than present */
	size_t		 nover;
	long		 expire;	/* x= = t= + expire; 0: no x= */
	time_t		 now;		/* fixed t= for tests; 0: the clock */
	char		*identity;	/* i=, sign mode only */
	char		*tmpdir;
	int		 require_safe_keys;
	int		 sign_all;	/* every key signs every message */
	int		 subdomains;	/* a domain's key signs its subdomains */
	int		 refile;	/* SigningTable holds refile: patterns */
	struct sigkey	*keys;
	size_t		 nkeys;
	struct signent	*sigs;
	size_t		 nsigs;
	char		*sendmail_path;
	enum on_refusal	 on_refusal;
	int		 timeout;	/* seconds before giving up with 75 */
};

#define CONF_MAXSIG	8	/* signatures on one message */

void	conf_defaults(struct conf *);
void	conf_free(struct conf *);
int	conf_set_canon(struct conf *, const char *);
void	conf_set_list(char ***, size_t *, const char *);
struct sigkey *conf_add_key(struct conf *, const char *, const char *,
	    const char *, const char *);
int	conf_load_keys(struct conf *, struct why *);
size_t	conf_select(const struct conf *, const char *, const char *,
	    struct sigsel *, size_t);

#endif
