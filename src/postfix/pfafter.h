/*
 * pfafter - what would Postfix change in a signed message after the
 * signer? Warnings for "dkimpipe check".
 */
#ifndef PFAFTER_H
#define PFAFTER_H

#include "conf.h"

void	pfafter(const struct conf *);

#endif
