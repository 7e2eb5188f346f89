/*
 * setup_state - what "dkimpipe setup" did, kept so that it can be
 * repeated and undone.
 */
#ifndef SETUP_STATE_H
#define SETUP_STATE_H

#include <limits.h>
#include <stddef.h>

#include "pfedit.h"
#include "why.h"

#define SETUP_STATE_DIR		"/var/lib/dkimpipe/setup"
#define SETUP_STATE_ORIG	SETUP_STATE_DIR "/orig"

struct setup_owned {
	struct pfset	 *set;		/* the settings it made (values unused) */
	size_t		  nset;
	char		**files;	/* the files it wrote in Postfix's directory */
	size_t		  nfiles;
	char		  selector[64];
	int		  statoverride;	/* it made postlog(1) set-gid */
	int		  edited[2];	/* main.cf, master.cf changed by others */
	int		  instance;	/* it made the output instance */
	char		  link[PATH_MAX];	/* the daemon_directory link it made, or "" */
	char		  link_to[PATH_MAX];	/* where it made it lead */
};

int	setup_state_load(struct setup_owned *, struct why *);
int	setup_state_save(const struct setup_owned *, struct why *);
int	setup_state_snapshot(const char *, struct why *);
int	setup_state_backup(const char *, char *, size_t, struct why *);
int	setup_state_done(const char *, struct why *);
int	setup_state_unchanged(const char *, const char *);
void	setup_state_edited(const char *, struct setup_owned *);
int	setup_state_forget(struct why *);
void	setup_owned_add(struct setup_owned *, enum pfkind, const char *);
void	setup_owned_file(struct setup_owned *, const char *);
int	setup_owned_has(const struct setup_owned *, enum pfkind, const char *);
void	setup_owned_free(struct setup_owned *);

#endif
