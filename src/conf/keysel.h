/*
 * keysel - choose the keys that sign a message, and load them.
 */
#ifndef KEYSEL_H
#define KEYSEL_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "why.h"

size_t	conf_select(const struct conf *, const char *, const char *,
	    struct sigsel *, size_t);
struct keycache;
int	conf_sel_key(struct sigsel *, const struct conf *, struct keycache *,
	    struct why *);
void	conf_sel_free(struct sigsel *, size_t);
const struct sigkey *conf_successor(const struct conf *, const struct sigkey *);
int	keysel_wildmatch(const char *, const char *);
struct keyst;
time_t	conf_publish_delay(const struct conf *, const struct keyst *);
int	conf_gate(const struct conf *, const struct sigkey *, time_t);
int	conf_signs_now(const struct conf *, const struct sigkey *, time_t);
int	conf_key_ed25519(const struct conf *, const struct sigkey *);

#endif
