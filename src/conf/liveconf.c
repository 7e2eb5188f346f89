/*
 * liveconf - keep a long-lived process's configuration current without
 * a restart: before each transaction the LMTP mode asks for it, and the
 * files it came from (dkimpipe.conf and the KeyTable and SigningTable it
 * names) are checked with stat(2); when any changed, appeared or
 * vanished, everything is read again. A configuration that does not
 * read is kept as the reason (logged once per change), so that mail
 * waits in Postfix's queue until it is fixed. Decoded keys live in a
 * key cache that survives reloads (keycache.c checks the key files
 * themselves). This module does not know LMTP.
 */
#include <string.h>
#include <sys/stat.h>

#include "conffile.h"
#include "diag.h"
#include "io.h"
#include "keystate.h"
#include "liveconf.h"
#include "log.h"

void
liveconf_init(struct liveconf *lc, const char *path)
{
	memset(lc, 0, sizeof(*lc));
	lc->path = path;
	keycache_init(&lc->keys);
	conf_defaults(&lc->cf);
}

/* files - the files the configuration came from */
static void
files(const struct liveconf *lc, const char *f[LIVE_FILES])
{
	f[0] = lc->path;
	f[1] = lc->cf.keytable;
	f[2] = lc->cf.signingtable;
}

/* changed - any of the files differs from what was read */
static int
changed(const struct liveconf *lc)
{
	const char *f[LIVE_FILES];
	struct stat st;
	int i, have;

	files(lc, f);
	for (i = 0; i < LIVE_FILES; i++) {
		if (f[i] == NULL)
			continue;
		have = stat(f[i], &st) == 0;
		if (have != lc->have[i] || (have && !io_same_file(&st, &lc->st[i])))
			return 1;
	}
	return 0;
}

/* reload - read everything again; the stamps are taken before reading */
static void
reload(struct liveconf *lc)
{
	const char *f[LIVE_FILES];
	struct diag d;
	int i;

	conf_free(&lc->cf);
	conf_defaults(&lc->cf);
	memset(lc->have, 0, sizeof(lc->have));
	lc->have[0] = stat(lc->path, &lc->st[0]) == 0;
	diag_init(&d, &lc->why, 0);
	lc->ok = conffile_read(&lc->cf, lc->path, &d) == 0;
	lc->cf.quiet_sendmail = 1;	/* its output must not reach the LMTP socket */
	files(lc, f);
	for (i = 1; i < LIVE_FILES; i++)
		lc->have[i] = f[i] != NULL && stat(f[i], &lc->st[i]) == 0;
	if (!lc->ok)
		log_error("configuration: %s; mail waits in the queue", lc->why.text);
}

/*
 * liveconf_current - make the configuration current: 0 when it is
 * usable, -1 when not (lc->why says why).
 */
int
liveconf_current(struct liveconf *lc)
{
	if (lc->cf.path == NULL || changed(lc)) {
		if (lc->cf.path != NULL)
			log_info("configuration changed: reading %s again", lc->path);
		reload(lc);
	}
	/* what the record watch saw since; new keys of a schedule: all again */
	if (lc->cf.state != NULL &&
	    keystate_refresh(lc->cf.state, lc->cf.state_file) &&
	    lc->cf.nrotate > 0)
		reload(lc);
	return lc->ok ? 0 : -1;
}

void
liveconf_free(struct liveconf *lc)
{
	conf_free(&lc->cf);
	keycache_free(&lc->keys);
}
