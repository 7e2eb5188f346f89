/*
 * keyrotate - keys that rotate on a schedule (rotate = DOMAIN ...), with
 * all their state in the state file's "+key" lines (keystate.c):
 *
 *   rotate_lead before a key has signed for rotate_every, make its
 *   successor (DIR/DOMAIN/SELECTOR.private, 0600, written whole under a
 *   temporary name and linked, never over a file; the selector is the
 *   switch time through rotate_selector, "-ed" added for the Ed25519 key
 *   when both types rotate) and publish its record with publish_command
 *   ("add"); without one, say in the log which record to publish;
 *   the switch itself is the DNS gate's (keysel.c): the successor signs
 *   once its time has come and its record has been served for
 *   publish_delay;
 *   rotate_keep (at least signature_lifetime) after the successor took
 *   over, withdraw the old record (publish_command "remove");
 *   with reveal = yes, once the withdrawn record has left resolvers'
 *   caches (its TTL, publish_delay, at least an hour), copy the retired
 *   private key to reveal_dir/DOMAIN/SELECTOR.private, readable by all,
 *   so that old signatures no longer prove who wrote the mail.
 *
 * keyrotate_run() does the steps that are due, inside keywatch.c's run
 * and under its lock: one process at a time on a host, and a step that
 * fails is logged and done again at the next check. A crash at any point
 * leaves a state the next run completes: a key file made but not yet in
 * the state is found by its name (the same switch time gives the same
 * selector) and taken up, never made twice. keyrotate_keys() adds the
 * schedule's keys to a configuration that has just been read, each
 * signing what the key of its domain in the tables signs. Key files are
 * never removed. publish_command gets the public record, never a
 * private key; nothing but the reveal step copies one, and only a key
 * whose record was withdrawn.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dnsrec.h"
#include "keygen.h"
#include "keyrotate.h"
#include "keys.h"
#include "keysel.h"
#include "keystate.h"
#include "log.h"
#include "monotime.h"
#include "wholefile.h"
#include "xmem.h"

#define PUBLISH_ARGS	16	/* words of publish_command */
#define REVEAL_WAIT	3600	/* least seconds from withdrawal to reveal */

static const char *
stamp(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

/* rotating - domain is on the rotate list */
static int
rotating(const struct conf *cf, const char *domain)
{
	size_t i;

	for (i = 0; i < cf->nrotate; i++)
		if (strcasecmp(cf->rotate[i], domain) == 0)
			return 1;
	return 0;
}

/* key_path - DIR/DOMAIN/SELECTOR.private (suffix ".txt": the record) */
static int
key_path(const struct conf *cf, const char *domain, const char *selector,
    const char *suffix, char *out, size_t size)
{
	return (size_t)snprintf(out, size, "%s/%s/%s%s", cf->rotate_dir, domain,
	    selector, suffix) < size ? 0 : -1;
}

/* add_sigs - the SigningTable entries of domain's keys, also for name */
static void
add_sigs(struct conf *cf, const char *domain, const char *name)
{
	struct sigkey *k;
	size_t i;

	for (i = 0; i < cf->nsigs; i++) {
		k = conf_find_key(cf, cf->sigs[i].keyname);
		if (k == NULL || strcasecmp(k->domain, domain) != 0 ||
		    strchr(k->name, '/') != NULL)	/* not one of ours */
			continue;
		/* right after it, so that the first match stays first */
		cf->sigs = xreallocarray(cf->sigs, cf->nsigs + 1, sizeof(*cf->sigs));
		memmove(&cf->sigs[i + 2], &cf->sigs[i + 1],
		    (cf->nsigs - i - 1) * sizeof(*cf->sigs));
		cf->sigs[i + 1].pattern = xstrdup(cf->sigs[i].pattern);
		cf->sigs[i + 1].keyname = xstrdup(name);
		cf->sigs[i + 1].identity = cf->sigs[i].identity ?
		    xstrdup(cf->sigs[i].identity) : NULL;
		cf->sigs[i + 1].lineno = cf->sigs[i].lineno;
		cf->nsigs++;
		i++;
	}
}

/*
 * keyrotate_keys - the keys the schedule made and has not withdrawn, as
 * keys of cf named DOMAIN/SELECTOR with their switch times
 */
void
keyrotate_keys(struct conf *cf)
{
	const struct rotkey *r;
	struct sigkey *k;
	char path[PATH_MAX], name[400];
	size_t i, j;
	int have;

	if (cf->nrotate == 0 || cf->state == NULL || !cf->state->usable)
		return;
	for (i = 0; i < cf->state->nrk; i++) {
		r = &cf->state->rk[i];
		if (r->made == 0 || r->withdrawn != 0 || !rotating(cf, r->domain) ||
		    key_path(cf, r->domain, r->selector, ".private", path,
		    sizeof(path)) < 0)
			continue;
		for (have = 0, j = 0; j < cf->nkeys && !have; j++)
			have = strcasecmp(cf->keys[j].domain, r->domain) == 0 &&
			    strcmp(cf->keys[j].selector, r->selector) == 0;
		if (have)
			continue;
		snprintf(name, sizeof(name), "%s/%s", r->domain, r->selector);
		k = conf_add_key(cf, name, r->domain, r->selector, path);
		k->activate = r->activate;
		add_sigs(cf, r->domain, name);
	}
}

/* record - the TXT value of the key in file; 0, or -1 */
static int
record(const struct conf *cf, const char *file, struct buf *out)
{
	struct why why;
	EVP_PKEY *k;

	if ((k = keys_load(file, cf->require_safe_keys, &why)) == NULL) {
		log_error("rotation: %s", why.text);
		return -1;
	}
	dnsrec_value(out, k);
	EVP_PKEY_free(k);
	return 0;
}

/* child - run argv with no stdin and both outputs into fd */
static void
child(char *const argv[], int fd)
{
	int null = open("/dev/null", O_RDONLY);

	(void)setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	execv(argv[0], argv);
	_exit(127);
}

/* collect - what the child says, until it closes or time is up; 0, -1 */
static int
collect(int fd, char *said, size_t size, time_t until)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t n = 0;
	ssize_t r;

	for (;;) {
		long left = (long)(until - monotime());

		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)(left > 1 ? 1000 : left * 1000)) < 0 &&
		    errno != EINTR)
			return -1;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		if (n + 1 < size)
			r = read(fd, said + n, size - n - 1);
		else {
			char sink[512];

			r = read(fd, sink, sizeof(sink));
		}
		if (r <= 0)
			return r < 0 && errno == EINTR ? collect(fd, said, size, until) : 0;
		if (n + 1 < size) {
			n += (size_t)r;
			said[n] = '\0';
		}
	}
}

/*
 * publish - publish_command ACTION DOMAIN SELECTOR RECORD, execv, at
 * most publish_timeout; 0 when it exits 0. Its first output line
 * goes into the log line of a failure.
 */
static int
publish(const struct conf *cf, const char *action, const struct rotkey *r,
    const char *rec)
{
	char *argv[PUBLISH_ARGS + 5], *words, *w, *save = NULL, said[512] = "";
	int pfd[2], status = -1, n = 0, timed_out;
	pid_t pid;

	words = xstrdup(cf->publish_command);
	for (w = strtok_r(words, " \t", &save); w != NULL && n < PUBLISH_ARGS;
	    w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n++] = (char *)(uintptr_t)action;
	argv[n++] = (char *)(uintptr_t)r->domain;
	argv[n++] = (char *)(uintptr_t)r->selector;
	argv[n++] = (char *)(uintptr_t)rec;
	argv[n] = NULL;
	if (pipe(pfd) < 0 || (pid = fork()) < 0) {
		log_error("rotation: cannot run %s: %s", argv[0], strerror(errno));
		free(words);
		return -1;
	}
	if (pid == 0) {
		(void)close(pfd[0]);
		child(argv, pfd[1]);
	}
	(void)close(pfd[1]);
	timed_out = collect(pfd[0], said, sizeof(said),
	    monotime() + cf->publish_timeout) < 0;
	(void)close(pfd[0]);
	if (timed_out)
		(void)kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	said[strcspn(said, "\r\n")] = '\0';
	if (timed_out)
		log_error("rotation %s: %s %s for %s failed (killed: not done in "
		    "publish_timeout, %d s); tried again at the next check",
		    r->domain, argv[0], action, r->selector, cf->publish_timeout);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_error("rotation %s: %s %s for %s failed (%s%s%s); tried again at "
		    "the next check", r->domain, argv[0], action, r->selector,
		    WIFEXITED(status) ? "exit status" : "killed", said[0] ? ": " : "",
		    said);
	free(words);
	return timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ? -1 : 0;
}

/* key_dir_ok - DIR/DOMAIN exists or is made 0700, writable only by us */
static int
key_dir_ok(const struct conf *cf, const char *domain)
{
	char dir[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", cf->rotate_dir, domain) >=
	    sizeof(dir))
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("rotation %s: cannot make %s: %s", domain, dir,
		    strerror(errno));
		return 0;
	}
	if (stat(dir, &st) < 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    access(dir, W_OK) < 0) {
		log_error("rotation %s: %s must be a directory the signer's user "
		    "writes and group and others do not; the current key keeps "
		    "signing", domain, dir);
		return 0;
	}
	return 1;
}

/* write_txt - the record beside the key, in zone-file form, best effort */
static void
write_txt(const char *path, EVP_PKEY *k, const char *selector,
    const char *domain)
{
	struct buf z;
	int fd;

	buf_init(&z);
	dnsrec_zone(&z, k, selector, domain);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0) {
		if (write(fd, z.data, z.len) != (ssize_t)z.len)
			log_warn("rotation: cannot write %s", path);
		(void)close(fd);
	}
	buf_free(&z);
}

/*
 * make_key - the successor's key file: made, or a file of the right type
 * already there (a run that crashed before it wrote the state); 0, -1
 */
static int
make_key(const struct conf *cf, const char *domain, const char *selector,
    int ed)
{
	char path[PATH_MAX], txt[PATH_MAX];
	struct why why;
	EVP_PKEY *k;
	enum alg alg;

	if (key_path(cf, domain, selector, ".private", path, sizeof(path)) < 0 ||
	    key_path(cf, domain, selector, ".txt", txt, sizeof(txt)) < 0)
		return -1;
	if (access(path, F_OK) == 0) {
		if (keys_kind(path, 1, &alg, &why) < 0 ||
		    (alg == ALG_ED25519_SHA256) != ed) {
			log_error("rotation %s: %s exists and is not a usable %s key; "
			    "the current key keeps signing", domain, path,
			    ed ? "Ed25519" : "RSA");
			return -1;
		}
		return 0;	/* made by a run that did not finish */
	}
	if ((k = keygen_new(ed ? ALG_ED25519_SHA256 : ALG_RSA_SHA256, 2048)) ==
	    NULL) {
		log_error("rotation %s: cannot make a key", domain);
		return -1;
	}
	if (keygen_write(path, k, &why) < 0) {
		log_error("rotation %s: %s; the current key keeps signing", domain,
		    why.text);
		EVP_PKEY_free(k);
		return -1;
	}
	write_txt(txt, k, selector, domain);
	EVP_PKEY_free(k);
	return 0;
}

/* expand - pattern with %Y %m %d %H %M %S (and %%) from tm */
static void
expand(const char *pat, const struct tm *tm, char *out, size_t size)
{
	char num[16];
	size_t n = 0;

	out[0] = '\0';
	for (; *pat != '\0' && n + 5 < size; pat++) {
		if (*pat != '%' || pat[1] == '\0') {
			out[n++] = *pat;
			continue;
		}
		switch (*++pat) {
		case 'Y': snprintf(num, sizeof(num), "%04d", tm->tm_year + 1900); break;
		case 'm': snprintf(num, sizeof(num), "%02d", tm->tm_mon + 1); break;
		case 'd': snprintf(num, sizeof(num), "%02d", tm->tm_mday); break;
		case 'H': snprintf(num, sizeof(num), "%02d", tm->tm_hour); break;
		case 'M': snprintf(num, sizeof(num), "%02d", tm->tm_min); break;
		case 'S': snprintf(num, sizeof(num), "%02d", tm->tm_sec); break;
		default: snprintf(num, sizeof(num), "%c", *pat); break;
		}
		n += strlcpy(out + n, num, size - n);
	}
	out[n < size ? n : size - 1] = '\0';
	if (out[0] == '\0')
		strlcpy(out, "dkim", size);
}

/*
 * new_selector - the selector for a key that starts at t: rotate_selector
 * with %Y %m %d %H %M %S, letters, digits and hyphens only, "-ed" for the
 * Ed25519 key when both rotate, and a letter more while the name is
 * taken in the state
 */
static void
new_selector(const struct conf *cf, struct keystate *ks, const char *domain,
    time_t t, int ed, char *out, size_t size)
{
	char raw[64], *p, *q;
	struct tm tm;
	size_t len;
	char c;

	gmtime_r(&t, &tm);
	expand(cf->rotate_selector, &tm, raw, sizeof(raw));
	for (p = q = raw; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-')
			*q++ = *p;
	*q = '\0';
	if (ed && cf->rotate_keys == (ROTATE_RSA | ROTATE_ED25519))
		strlcat(raw, "-ed", sizeof(raw));
	strlcpy(out, raw, size);
	len = strlen(out);
	for (c = 'b'; c <= 'z' && keystate_rotkey(ks, domain, out, 0) != NULL &&
	    len + 1 < size; c++) {
		out[len] = c;
		out[len + 1] = '\0';
	}
}

/* signer_of - the key of domain and type that signs now, by view */
static const struct sigkey *
signer_of(const struct conf *view, const char *domain, int ed, time_t now)
{
	size_t i;

	for (i = 0; i < view->nkeys; i++)
		if (strcasecmp(view->keys[i].domain, domain) == 0 &&
		    conf_key_ed25519(view, &view->keys[i]) == ed &&
		    conf_signs_now(view, &view->keys[i], now))
			return &view->keys[i];
	return NULL;
}

/* took_over - when key k took over (the gate's record of it), or start */
static time_t
took_over(const struct keystate *ks, const struct sigkey *k, time_t start)
{
	const struct keyst *e;
	char name[320];

	keystate_name(name, sizeof(name), k->selector, k->domain);
	e = keystate_find(ks, name);
	return e != NULL && e->active != 0 ? e->active : start;
}

/* succeed - make and publish the successor of cur when it is time */
static int
succeed(const struct conf *cf, struct keystate *ks, const char *domain,
    int ed, const struct rotkey *cur, time_t now)
{
	char sel[64], path[PATH_MAX], t1[32];
	struct rotkey *s = NULL;
	struct buf rec;
	time_t at;
	size_t i;
	int changed = 0;

	for (i = 0; i < ks->nrk && s == NULL; i++)
		if (strcasecmp(ks->rk[i].domain, domain) == 0 &&
		    ks->rk[i].ed25519 == ed && ks->rk[i].activate > cur->activate &&
		    ks->rk[i].withdrawn == 0)
			s = &ks->rk[i];
	if (s == NULL) {
		at = cur->activate + cf->rotate_every;
		if (now < at - cf->rotate_lead)
			return 0;
		if (at < now + cf->rotate_lead)
			at = now + cf->rotate_lead;	/* late: still give DNS time */
		new_selector(cf, ks, domain, at, ed, sel, sizeof(sel));
		if (!key_dir_ok(cf, domain) || make_key(cf, domain, sel, ed) < 0)
			return 0;
		s = keystate_rotkey(ks, domain, sel, 1);
		s->ed25519 = ed;
		s->made = now;
		s->activate = at;
		changed = 1;
		log_info("rotation %s: made key %s (%s) to sign from %s, once its "
		    "record is in DNS", domain, sel, ed ? "ed25519" : "rsa",
		    stamp(at, t1, sizeof(t1)));
	}
	if (s->published != 0 ||
	    key_path(cf, domain, s->selector, ".private", path, sizeof(path)) < 0)
		return changed;
	buf_init(&rec);
	if (record(cf, path, &rec) == 0) {
		if (cf->publish_command == NULL)
			log_warn("rotation %s: publish this record: %s._domainkey.%s "
			    "TXT \"%s\" (no publish_command)", domain, s->selector, domain,
			    rec.data);
		else if (publish(cf, "add", s, rec.data) == 0) {
			s->published = now;
			changed = 1;
			log_info("rotation %s: published the record of %s", domain,
			    s->selector);
		}
	}
	buf_free(&rec);
	return changed;
}

/* found_file - the key file of the configured key domain/selector */
static const char *
found_file(const struct conf *cf, const char *domain, const char *selector)
{
	const struct sigkey *k = conf_key_of(cf, domain, selector);

	return k != NULL ? k->keyfile : NULL;
}

/*
 * withdraw - the records of the keys older than cur, rotate_keep (at
 * least signature_lifetime: every signature they made has expired by
 * then) after cur took over at since
 */
static int
withdraw(const struct conf *cf, struct keystate *ks, const char *domain,
    int ed, const struct rotkey *cur, time_t since, time_t now)
{
	time_t keep = cf->rotate_keep;
	char path[PATH_MAX];
	const char *file;
	struct buf rec;
	struct rotkey *o;
	size_t i;
	int changed = 0;

	if (cf->sp.expire > keep)
		keep = cf->sp.expire;
	if (now < since + keep)
		return 0;
	for (i = 0; i < ks->nrk; i++) {
		o = &ks->rk[i];
		if (strcasecmp(o->domain, domain) != 0 || o->ed25519 != ed ||
		    o->activate >= cur->activate || o->withdrawn != 0)
			continue;
		if (cf->publish_command == NULL) {
			log_warn("rotation %s: withdraw the record %s._domainkey.%s now "
			    "(no publish_command)", domain, o->selector, domain);
			o->withdrawn = now;
			changed = 1;
			continue;
		}
		file = o->made == 0 ? found_file(cf, domain, o->selector) :
		    key_path(cf, domain, o->selector, ".private", path,
		    sizeof(path)) == 0 ? path : NULL;
		buf_init(&rec);
		if (file == NULL || record(cf, file, &rec) < 0)
			buf_adds(&rec, "");	/* removing needs no record */
		if (publish(cf, "remove", o, rec.data ? rec.data : "") == 0) {
			o->withdrawn = now;
			changed = 1;
			log_info("rotation %s: withdrew the record of %s", domain,
			    o->selector);
		}
		buf_free(&rec);
	}
	return changed;
}

/* made_dir - dir exists or is made with mode; 0, or -1 (logged) */
static int
made_dir(const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) < 0 && errno != EEXIST) {
		log_error("rotation: cannot make %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * copy_public - the bytes of file from into a new file to, readable by
 * all (wholefile_create: an existing to is taken as done); 0, or -1
 * (logged)
 */
static int
copy_public(const char *from, const char *to)
{
	char data[16384];
	ssize_t n, len = 0;
	struct why why;
	int in, rc;

	if ((in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		log_error("rotation: cannot read %s: %s", from, strerror(errno));
		return -1;
	}
	while (len < (ssize_t)sizeof(data) &&
	    (n = read(in, data + len, sizeof(data) - (size_t)len)) > 0)
		len += n;
	(void)close(in);
	if (len == 0 || len == (ssize_t)sizeof(data)) {
		log_error("rotation: cannot copy %s to %s", from, to);
		explicit_bzero(data, sizeof(data));
		return -1;
	}
	if ((rc = wholefile_create(to, data, (size_t)len, 0644, &why)) < 0)
		log_error("rotation: %s", why.text);
	explicit_bzero(data, sizeof(data));
	return rc < 0 ? -1 : 0;
}

/* reveal_wait - how long after its withdrawal a key is revealed */
static time_t
reveal_wait(const struct conf *cf, const struct keystate *ks,
    const struct rotkey *o)
{
	const struct keyst *e;
	char name[320];
	time_t wait = REVEAL_WAIT;

	keystate_name(name, sizeof(name), o->selector, o->domain);
	if ((e = keystate_find(ks, name)) != NULL && (time_t)e->ttl > wait)
		wait = (time_t)e->ttl;
	if ((time_t)cf->publish_delay > wait)
		wait = (time_t)cf->publish_delay;
	return wait;
}

/*
 * reveal - with reveal = yes, the withdrawn keys of domain and type whose
 * records have left the caches, copied to reveal_dir/DOMAIN/
 */
static int
reveal(const struct conf *cf, struct keystate *ks, const char *domain,
    int ed, time_t now)
{
	char path[PATH_MAX], to[PATH_MAX];
	const char *file;
	struct rotkey *o;
	size_t i;
	int changed = 0;

	for (i = 0; i < ks->nrk; i++) {
		o = &ks->rk[i];
		if (strcasecmp(o->domain, domain) != 0 || o->ed25519 != ed ||
		    o->withdrawn == 0 || o->revealed != 0 ||
		    now < o->withdrawn + reveal_wait(cf, ks, o))
			continue;
		file = o->made == 0 ? found_file(cf, domain, o->selector) :
		    key_path(cf, domain, o->selector, ".private", path,
		    sizeof(path)) == 0 ? path : NULL;
		if (file == NULL || (size_t)snprintf(to, sizeof(to), "%s/%s",
		    cf->reveal_dir, domain) >= sizeof(to) ||
		    made_dir(cf->reveal_dir, 0755) < 0 || made_dir(to, 0755) < 0)
			continue;
		if ((size_t)snprintf(to, sizeof(to), "%s/%s/%s.private",
		    cf->reveal_dir, domain, o->selector) >= sizeof(to) ||
		    copy_public(file, to) < 0)
			continue;
		o->revealed = now;
		changed = 1;
		log_info("rotation %s: revealed the retired key %s as %s", domain,
		    o->selector, to);
	}
	return changed;
}

/* step - what is due for domain's keys of one type; 1 if ks changed */
static int
step(const struct conf *view, struct keystate *ks, const char *domain,
    int ed, time_t now)
{
	const struct sigkey *k = signer_of(view, domain, ed, now);
	struct rotkey *cur;
	int changed = 0;

	if (k == NULL)
		return 0;
	if ((cur = keystate_rotkey(ks, domain, k->selector, 0)) == NULL) {
		/* the key found signing: the schedule starts from now */
		cur = keystate_rotkey(ks, domain, k->selector, 1);
		cur->ed25519 = ed;
		cur->activate = k->activate ? k->activate : now;
		changed = 1;
	}
	changed |= withdraw(view, ks, domain, ed, cur,
	    took_over(ks, k, cur->activate), now);
	if (view->reveal)
		changed |= reveal(view, ks, domain, ed, now);
	cur = keystate_rotkey(ks, domain, k->selector, 0);
	changed |= succeed(view, ks, domain, ed, cur, now);
	return changed;
}

/*
 * keyrotate_run - the due steps of every rotating domain, on ks (the
 * state just read under the lock; view is the configuration with it);
 * returns 1 when ks changed and is to be written
 */
int
keyrotate_run(const struct conf *view, struct keystate *ks, time_t now)
{
	size_t i;
	int changed = 0;

	for (i = 0; i < view->nrotate; i++) {
		if (view->rotate_keys & ROTATE_RSA)
			changed |= step(view, ks, view->rotate[i], 0, now);
		if (view->rotate_keys & ROTATE_ED25519)
			changed |= step(view, ks, view->rotate[i], 1, now);
	}
	return changed;
}
