/*
 * keywatch - look up the rotating keys' records in DNS and keep what was
 * seen in the state file (keystate.c), so that keysel.c can let a
 * successor sign only once its record has been served for publish_delay.
 *
 * A signer run calls keywatch_run() after its mail is handled. Nothing
 * happens unless rotation is in play (a key has an activation time) and
 * a record is due (not looked up for dns_check_interval). Then the first
 * process to take the lock file (STATE.lock, flock(2), never waited for)
 * looks, with one quick try per name server and at most WATCH_BUDGET
 * seconds in all, and replaces the state file; the others go on. The
 * lock is a local file: each host keeps its own state and looks itself.
 * A failed lookup keeps what was seen before and is retried at the next
 * check. One log line per key and check says what it means: a successor
 * waits (and why), takes over, or a key signs whose record is gone.
 * The steps of a rotation schedule (keyrotate.c) are done in the same
 * run, under the same lock.
 * This module decides nothing about a message and never logs key data.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dns.h"
#include "dnsrec.h"
#include "keys.h"
#include "keyrotate.h"
#include "keysel.h"
#include "keystate.h"
#include "keywatch.h"
#include "log.h"
#include "monotime.h"

#define WATCH_BUDGET	5	/* seconds of lookups in one run */

/* stamp - a time as YYYY-MM-DD HH:MM:SS UTC */
static const char *
stamp(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

/* watched - a key the watch looks after: rotation's, with a d= of its own */
static int
watched(const struct sigkey *k)
{
	return strcmp(k->domain, "%") != 0;
}

/* due - the record of k is to be looked up now */
static int
due(const struct keystate *ks, const struct sigkey *k, int interval,
    time_t now)
{
	const struct keyst *e;
	char name[320];

	keystate_name(name, sizeof(name), k->selector, k->domain);
	e = keystate_find(ks, name);
	return e == NULL || e->status == KS_UNKNOWN || e->checked > now ||
	    now - e->checked >= interval;
}

/* any_due - any watched key is due, by the state this process has */
static int
any_due(const struct conf *cf, const struct keystate *ks, time_t now)
{
	size_t i;

	for (i = 0; i < cf->nkeys; i++)
		if (watched(&cf->keys[i]) && due(ks, &cf->keys[i],
		    cf->check_interval, now))
			return 1;
	return 0;
}

/* look - one lookup of k's record into e; the reason when not a match */
static void
look(const struct conf *cf, const struct sigkey *k, struct keyst *e,
    time_t now, char *why_text, size_t size)
{
	struct keyrec kr;
	struct buf rec;
	struct why why;
	EVP_PKEY *priv = NULL;
	enum dns_result r;
	unsigned ttl;

	buf_init(&rec);
	memset(&kr, 0, sizeof(kr));
	why_text[0] = '\0';
	r = dns_txt_ttl(e->name, cf->nameservers, 1, &rec, &ttl, &why);
	if (r == DNS_TEMP) {
		e->status = KS_ERROR;
		snprintf(why_text, size, "DNS lookup of %s failed", e->name);
	} else if (r == DNS_NONE) {
		e->status = KS_MISSING;
		snprintf(why_text, size, "%s has no TXT record", e->name);
	} else if (dnsrec_parse(&kr, rec.data, &why) < 0) {
		e->status = KS_MISMATCH;
		snprintf(why_text, size, "the record at %s does not parse", e->name);
	} else if (kr.revoked) {
		e->status = KS_MISSING;
		snprintf(why_text, size, "the record at %s is revoked (empty p=)",
		    e->name);
	} else if ((priv = keys_load(k->keyfile, cf->require_safe_keys,
	    &why)) == NULL) {
		e->status = KS_ERROR;
		snprintf(why_text, size, "%s", why.text);
	} else if (!dnsrec_same_key(priv, kr.pkey)) {
		e->status = KS_MISMATCH;
		snprintf(why_text, size, "the record at %s holds another key",
		    e->name);
	} else {
		e->status = KS_MATCH;
		e->ttl = ttl;
		if (e->seen == 0 || e->seen > now)
			e->seen = now;
	}
	if (e->status == KS_MISSING || e->status == KS_MISMATCH)
		e->seen = 0;
	e->checked = now;
	EVP_PKEY_free(priv);
	dnsrec_free(&kr);
	buf_free(&rec);
}

/*
 * tell - what one lookup of k means, in one log line when it matters;
 * view is the configuration with the state just written
 */
static void
tell(const struct conf *view, const struct sigkey *k, struct keyst *e,
    const char *reason, time_t now)
{
	char t1[32], t2[32];
	int signs = conf_signs_now(view, k, now);

	if (k->activate != 0 && k->activate <= now && e->active == 0 &&
	    conf_gate(view, k, now)) {
		e->active = now;
		log_info("key %s takes over: its record %s has been in DNS since %s",
		    k->name, e->name, stamp(e->seen, t1, sizeof(t1)));
	} else if (!signs && k->activate != 0 && k->activate <= now &&
	    !conf_gate(view, k, now)) {
		if (e->seen != 0)
			log_info("key %s waits: its record %s is in DNS since %s; it "
			    "takes over at %s (publish_delay)", k->name, e->name,
			    stamp(e->seen, t1, sizeof(t1)),
			    stamp(e->seen + conf_publish_delay(view, e), t2, sizeof(t2)));
		else
			log_warn("key %s waits: %s; the key it replaces keeps signing "
			    "(the record to publish: dkimpipe dnsrecord -k %s -s %s)",
			    k->name, reason, k->keyfile, k->selector);
	} else if (signs && (e->status == KS_MISSING ||
	    e->status == KS_MISMATCH))
		log_error("key %s signs but %s: receivers cannot verify its "
		    "signatures", k->name, reason);
}

/* watch - the lookups and the new state, under the lock */
static void
watch(const struct conf *cf, time_t now)
{
	struct keystate fresh;
	struct conf view;
	time_t start;
	struct keyst *e;
	struct why why;
	char reason[600];
	size_t i;
	int n = 0;

	keystate_init(&fresh);
	if (keystate_read(&fresh, cf->state_file) < 0) {
		log_error("key rotation waits: %s", fresh.why.text);
		return;
	}
	view = *cf;
	view.state = &fresh;
	start = monotime();
	for (i = 0; i < cf->nkeys && monotime() - start < WATCH_BUDGET; i++) {
		const struct sigkey *k = &cf->keys[i];

		if (!watched(k) || !due(&fresh, k, cf->check_interval, now))
			continue;
		keystate_name(reason, sizeof(reason), k->selector, k->domain);
		e = keystate_get(&fresh, reason);
		look(cf, k, e, now, reason, sizeof(reason));
		tell(&view, k, e, reason, now);
		n++;
	}
	if (cf->nrotate > 0 && keyrotate_run(&view, &fresh, now))
		n++;
	if (n > 0 && keystate_write(&fresh, cf->state_file, &why) < 0)
		log_error("key rotation waits: %s", why.text);
	keystate_free(&fresh);
}

/* keywatch_due - keywatch_run() would look something up (or log) now */
int
keywatch_due(const struct conf *cf)
{
	time_t now = cf->now ? cf->now : time(NULL);

	if (!cf->gate || cf->state == NULL || !conf_rotating(cf))
		return 0;
	return !cf->state->usable || any_due(cf, cf->state, now);
}

/*
 * keywatch_run - look up the records that are due, if this process is
 * the first to get to them
 */
void
keywatch_run(const struct conf *cf)
{
	time_t now = cf->now ? cf->now : time(NULL);
	char lock[PATH_MAX];
	int fd;

	if (!cf->gate || cf->state == NULL || !conf_rotating(cf))
		return;
	if (cf->state->usable && !any_due(cf, cf->state, now))
		return;
	if (!cf->state->usable) {
		log_error("key rotation waits: %s", cf->state->why.text);
		return;
	}
	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", cf->state_file) >=
	    sizeof(lock))
		return;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_error("key rotation waits: cannot open %s: %s", lock,
		    strerror(errno));
		return;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		watch(cf, now);
	(void)close(fd);
}
