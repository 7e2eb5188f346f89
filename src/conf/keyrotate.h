/*
 * keyrotate - keys that rotate on a schedule: successors made and
 * published ahead, old records withdrawn (the switch is the DNS gate's).
 */
#ifndef KEYROTATE_H
#define KEYROTATE_H

#include <time.h>

#include "conf.h"
#include "keystate.h"

void	keyrotate_keys(struct conf *);
int	keyrotate_run(const struct conf *, struct keystate *, time_t);

#endif
