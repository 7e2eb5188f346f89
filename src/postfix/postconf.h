/*
 * postconf - ask Postfix's own postconf(1) and postmap(1) about its
 * configuration.
 */
#ifndef POSTCONF_H
#define POSTCONF_H

#include <stddef.h>

#define POSTCONF_PATH	"/usr/sbin/postconf"
#define POSTMAP_PATH	"/usr/sbin/postmap"
#define POSTMULTI_PATH	"/usr/sbin/postmulti"

#define POSTCONF_MASTER_MAX	(256 * 1024)	/* bytes of "postconf -M" read */

int	postconf_service(const char *, char *, size_t);
int	postconf_all(const char *, char *, size_t);
int	postconf_param(const char *, char *, size_t);
int	postconf_master(const char *, char *, size_t);
int	postmap_query(const char *, const char *, char *, size_t);
int	postconf_dir_all(const char *, const char *, char *, size_t);
int	postconf_daemon_entry(const char *, char *, size_t);
int	postconf_dir_param(const char *, const char *, char *, size_t);
int	postmulti_list(char *, size_t);
int	postmulti_status(const char *);

int	postconf_has_word(const char *, const char *);
int	postconf_dump_get(const char *, const char *, char *, size_t);

#endif
