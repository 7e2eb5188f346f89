/*
 * setup_plan - what "dkimpipe setup" wants Postfix to look like.
 */
#ifndef SETUP_PLAN_H
#define SETUP_PLAN_H

#include <sys/types.h>

#include "buf.h"
#include "pfedit.h"
#include "why.h"

#define SETUP_SUBMISSION	0x01	/* port 587 */
#define SETUP_SMTP		0x02	/* port 25, from the listed networks */
#define SETUP_SENDMAIL		0x04	/* sendmail(1), through pickup */
#define SETUP_NOTICES		0x08	/* Postfix's bounces, delay notices */

#define SETUP_REINJECT		"127.0.0.1:10026"	/* the re-injection smtpd */
#define SETUP_CLIENTS		"dkimpipe_clients.cidr"
#define SETUP_NOTICES_MAP	"dkimpipe_notices.regexp"
#define SETUP_SIZE_ROOM		40960	/* bytes a signed copy may grow */
#define SETUP_SENDERS		"dkimpipe_senders"	/* --mode transport */
#define SETUP_PROXY_PORT	"127.0.0.1:10027"	/* --mode proxy, run by master(8) */

enum setup_mode { SETUP_PIPE, SETUP_SPAWN, SETUP_TRANSPORT, SETUP_PROXY };

struct setup_opts {
	enum setup_mode	 mode;
	int		 smtp;		/* re-inject over SMTP, not sendmail */
	unsigned	 paths;
	const char	*binary;	/* dkimpipe's own path, for argv= */
	const char	*confdir;	/* Postfix's config_directory */
	const char	*origin;	/* the domain notices are signed for */
	int		 postlog;	/* Postfix logs to maillog_file */
};

struct setup_file {
	char	*path;
	char	*content;
};

struct setup_plan {
	struct pfset	 *set;
	size_t		  nset;
	struct setup_file *files;	/* in Postfix's directory: removed by --undo */
	size_t		  nfiles;
	long long	  size;		/* message_size_limit before setup */
};

int	setup_plan(struct setup_plan *, const struct setup_opts *, char *const [],
	    int, const char *, struct why *);
void	setup_plan_free(struct setup_plan *);
const char *setup_signer(const struct setup_opts *);
int	setup_networks(const char *, struct buf *, struct why *);
int	setup_signer_entry(const struct pfset *);

#endif
