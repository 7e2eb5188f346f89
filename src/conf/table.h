/*
 * table - read OpenDKIM's KeyTable and SigningTable files, unchanged.
 */
#ifndef TABLE_H
#define TABLE_H

#include "conf.h"
#include "diag.h"

int	table_read_keys(struct conf *, const char *, struct diag *);
int	table_read_signing(struct conf *, const char *, struct diag *);
int	table_check_names(const struct conf *, struct diag *);

#endif
