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

struct keystate {
	struct keyst	*v;
	size_t		 n;
	int		 usable;	/* read, or absent in a safe place */
	struct stat	 st;		/* the file as read, to see a change */
	int		 have;		/* the file existed */
	struct why	 why;		/* when not usable */
};

void	keystate_init(struct keystate *);
void	keystate_free(struct keystate *);
int	keystate_read(struct keystate *, const char *);
void	keystate_refresh(struct keystate *, const char *);
int	keystate_write(const struct keystate *, const char *, struct why *);
const struct keyst *keystate_find(const struct keystate *, const char *);
struct keyst *keystate_get(struct keystate *, const char *);
void	keystate_name(char *, size_t, const char *, const char *);
const char *keystate_word(enum ks_status);

#endif
