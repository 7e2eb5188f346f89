/*
 * received - the queue id in Postfix's own Received: field.
 */
#ifndef RECEIVED_H
#define RECEIVED_H

#include <stddef.h>

#include "header.h"

int	received_qid(const struct header *, char *, size_t);

#endif
