/*
 * usage - every command's synopsis, in one place.
 */
#ifndef USAGE_H
#define USAGE_H

const char *usage_text(const char *);
int	usage_error(const char *);
int	usage_all(void);

#endif
