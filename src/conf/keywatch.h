/*
 * keywatch - look up the rotating keys' records in DNS, now and then,
 * for the DNS gate (keystate.c holds what was seen).
 */
#ifndef KEYWATCH_H
#define KEYWATCH_H

#include "conf.h"

int	keywatch_due(const struct conf *);
void	keywatch_run(const struct conf *);

#endif
