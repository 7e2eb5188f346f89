/*
 * conf - what dkimpipe signs with and how: built from the command line
 * (sign) or read from dkimpipe.conf and OpenDKIM tables (deliver, check).
 */
#ifndef CONF_H
#define CONF_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "canon.h"
#include "sign.h"
#include "keys.h"
#include "origin.h"
#include "why.h"

struct keystate;

struct sigkey {
	char		*name;		/* KeyTable name, or the key file */
	char		*domain;	/* d= ("%" in a KeyTable: From domain) */
	char		*selector;	/* s= */
	char		*keyfile;
	EVP_PKEY	*pkey;		/* NULL until loaded */
	enum alg	 alg;
	time_t		 activate;	/* signs from then on; 0: always */
};

/* one chosen key for one message: the key, its d= and i= */
struct sigsel {
	const struct sigkey	*key;
	const char		*domain;	/* d= */
	char			 identity[320];	/* i=, "" for none */
	EVP_PKEY		*pkey;		/* key->pkey, or loaded for this message */
	int			 owned;		/* pkey is ours to free */
	enum alg		 alg;
};

/* SigningTable entry: pattern -> KeyTable name [signer identity] */
struct signent {
	char		*pattern;	/* address, domain, or refile glob */
	char		*keyname;
	char		*identity;	/* optional i=, "%" = From domain */
	size_t		 lineno;
};

enum on_refusal { REFUSAL_UNSIGNED, REFUSAL_BOUNCE };

struct conf {
	const char	*path;		/* config file, NULL for sign */
	struct signparams sp;		/* canonicalization, h=, x= */
	time_t		 now;		/* fixed t= for tests; 0: the clock */
	char		*identity;	/* i=, sign mode only */
	char		*tmpdir;
	int		 require_safe_keys;
	int		 sign_all;	/* every key signs every message */
	int		 subdomains;	/* a domain's key signs its subdomains */
	int		 refile;	/* SigningTable holds refile: patterns */
	int		 multisig;	/* all SigningTable matches sign */
	int		 log_to;	/* LOG_TO_* bits */
	char		*postlog_socket; /* log_to = postlog: where */
	char		*postlog_command; /* ... or through this postlog(1) */
	char		*keytable;	/* file names, for messages */
	char		*signingtable;
	struct sigkey	*keys;
	size_t		 nkeys;
	struct signent	*sigs;
	size_t		 nsigs;
	char		*sendmail_path;
	enum on_refusal	 on_refusal;
	int		 timeout;	/* seconds before giving up with 75 */
	char		*nameservers;	/* host[:port],...; NULL: resolv.conf */
	char		*reinject;	/* NULL: sendmail; "smtp:[addr]:port" (lmtp) */
	struct sockaddr_storage reinject_addr;
	socklen_t	 reinject_len;
	int		 quiet_sendmail; /* its stdout to /dev/null, stderr kept for the reason */
	off_t		 size_limit;	/* lmtp: bytes per message; 0: none */
	int		 lmtp_messages;	/* lmtp: messages per process */
	int		 lmtp_idle;	/* lmtp: seconds idle between transactions */
	int		 lmtp_lifetime;	/* lmtp: seconds before no new transaction */
	int		 lmtp_timeout;	/* lmtp: seconds to wait for a client line */
	struct origin_list internal;	/* internal_hosts; unset: all are ours */
	size_t		 line_limit;	/* smtp_line_length_limit; 0: lines as they are */
	int		 add_missing;	/* add Date, Message-ID when missing; -1: unset (yes) */
	char		*myhostname;	/* for Message-ID; NULL: Postfix's or ours */
	int		 gate;		/* activation_check = dns */
	char		*state_file;	/* the DNS gate's state */
	int		 check_interval; /* seconds between lookups of one record */
	int		 publish_delay;	/* seconds; 0: the record's TTL, >= 5m */
	struct keystate	*state;		/* read when rotation is in play */
	char		**rotate;	/* domains whose keys rotate on a schedule */
	size_t		 nrotate;
	int		 rotate_every;	/* seconds a key signs */
	int		 rotate_lead;	/* its successor is made this much before */
	int		 rotate_keep;	/* the old record stays this long after */
	char		*rotate_selector; /* strftime(3) pattern of the switch time */
	int		 rotate_keys;	/* ROTATE_RSA and/or ROTATE_ED25519 */
	char		*rotate_dir;	/* keys at DIR/DOMAIN/SELECTOR.private */
	char		*publish_command; /* program [args]: ACTION DOMAIN SELECTOR RECORD */
	int		 publish_timeout; /* seconds publish_command may take */
	int		 reveal;	/* publish retired private keys */
	char		*reveal_dir;	/* there, as DOMAIN/SELECTOR.private */
};

#define ROTATE_RSA	1
#define ROTATE_ED25519	2

#define CONF_MAXSIG	8	/* signatures on one message */

void	conf_defaults(struct conf *);
void	conf_free(struct conf *);
void	conf_set_list(char ***, size_t *, const char *);
struct sigkey *conf_add_key(struct conf *, const char *, const char *,
	    const char *, const char *);
int	conf_load_keys(struct conf *, struct why *);
struct sigkey *conf_find_key(const struct conf *, const char *);
const struct sigkey *conf_key_of(const struct conf *, const char *,
	    const char *);
int	conf_parse_time(const char *, time_t *);
int	conf_rotating(const struct conf *);
void	conf_load_state(struct conf *);

#endif
