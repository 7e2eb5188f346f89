/*
 * keystate - the state file of the DNS gate: what each key's record
 * looked like when it was last looked up, shared by every signer run.
 */
#ifndef KEYSTATE_H
#define KEYSTATE_H

#include <sys/stat.h>

#include <stddef.h>
#include <time.h>

#include "why.h"

enum ks_status {
	KS_UNKNOWN,	/* never looked up */
	KS_MATCH,	/* the record holds the key's public half */
	KS_MISSING,	/* no record, or a revoked one (empty p=) */
	KS_MISMATCH,	/* a record with another key, or one that does not parse */
	KS_ERROR	/* the lookup failed; what was seen before still holds */
};

/* one key's record, by its DNS name */
struct keyst {
	char		 name[320];	/* SELECTOR._domainkey.DOMAIN, lower case */
	enum ks_status	 status;
	time_t		 checked;	/* last lookup */
	time_t		 seen;		/* matching since; 0: not matching now */
	time_t		 active;	/* passed the gate then; 0: never */
	unsigned	 ttl;		/* of the record when last seen */
};

/* one key of a rotation schedule (rotate =), by domain and selector */
struct rotkey {
	char		 domain[256];	/* lower case */
	char		 selector[64];
	int		 ed25519;	/* else RSA */
	time_t		 made;		/* by the signer; 0: the key it found */
	time_t		 published;	/* publish_command add succeeded; 0: not */
	time_t		 activate;	/* signs from then on, once its record is seen */
	time_t		 withdrawn;	/* publish_command remove succeeded; 0: not */
	time_t		 revealed;	/* private key put in reveal_dir; 0: not */
};

struct keystate {
	struct keyst	*v;
	size_t		 n;
	struct rotkey	*rk;		/* "+key" lines */
	size_t		 nrk;
	int		 usable;	/* read, or absent in a safe place */
	struct stat	 st;		/* the file as read, to see a change */
	int		 have;		/* the file existed */
	struct why	 why;		/* when not usable */
};

void	keystate_init(struct keystate *);
void	keystate_free(struct keystate *);
int	keystate_read(struct keystate *, const char *);
int	keystate_refresh(struct keystate *, const char *);
int	keystate_write(const struct keystate *, const char *, struct why *);
const struct keyst *keystate_find(const struct keystate *, const char *);
struct keyst *keystate_get(struct keystate *, const char *);
void	keystate_name(char *, size_t, const char *, const char *);
struct rotkey *keystate_rotkey(struct keystate *, const char *, const char *,
	    int);
const char *keystate_word(enum ks_status);

#endif
