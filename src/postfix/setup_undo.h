/*
 * setup_undo - "dkimpipe setup --undo": Postfix as before the first setup.
 */
#ifndef SETUP_UNDO_H
#define SETUP_UNDO_H

#include "why.h"

int	setup_undo(const char *, int, struct why *);
int	setup_requeue(const char *, int, int, struct why *);

#endif
