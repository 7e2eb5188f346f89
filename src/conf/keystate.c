/*
 * keystate - the state file of the DNS gate (state_file): one line per
 * key record, "NAME STATUS CHECKED SEEN ACTIVE TTL", and one per key of a
 * rotation schedule, "+key DOMAIN SELECTOR ALG MADE PUBLISHED ACTIVATE
 * WITHDRAWN REVEALED" (keyrotate.c), times in seconds since the epoch.
 * Every signer run reads it (keysel.c decides with it which key signs); only the run that holds the check lock writes it
 * (keywatch.c), by a new copy renamed over the old, so that a reader or
 * a crash sees the old file or the new one, never half of one.
 *
 * A file, or a directory it lies in, that group or others may write is
 * not used at all: anyone could then make a key sign before its record
 * is published. A file that does not exist is an empty state. This
 * module looks nothing up and decides nothing.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "io.h"
#include "keystate.h"
#include "xmem.h"

#define KS_MAX		10000	/* records; more is not our file */

static const char *const words[] = {
	"unknown", "match", "missing", "mismatch", "error"
};

const char *
keystate_word(enum ks_status s)
{
	return words[s];
}

void
keystate_init(struct keystate *ks)
{
	memset(ks, 0, sizeof(*ks));
}

void
keystate_free(struct keystate *ks)
{
	free(ks->v);
	free(ks->rk);
	keystate_init(ks);
}

/* parse_rotkey - one "+key" line; 0, or -1 when it is not one of ours */
static int
parse_rotkey(const char *line, struct rotkey *r)
{
	char dom[256], sel[64], alg[16];
	intmax_t m, p, a, w, v = 0;
	int n;

	n = sscanf(line, "+key %255s %63s %15s %jd %jd %jd %jd %jd", dom, sel,
	    alg, &m, &p, &a, &w, &v);
	if (n != 7 && n != 8)	/* 7: written before reveal */
		return -1;
	memset(r, 0, sizeof(*r));
	strlcpy(r->domain, dom, sizeof(r->domain));
	strlcpy(r->selector, sel, sizeof(r->selector));
	r->ed25519 = strcmp(alg, "ed25519") == 0;
	r->made = (time_t)m;
	r->published = (time_t)p;
	r->activate = (time_t)a;
	r->withdrawn = (time_t)w;
	r->revealed = (time_t)v;
	return 0;
}

/*
 * keystate_rotkey - the rotation key of domain and selector; with add, a
 * new empty one when there is none, else NULL
 */
struct rotkey *
keystate_rotkey(struct keystate *ks, const char *domain, const char *selector,
    int add)
{
	size_t i;

	for (i = 0; i < ks->nrk; i++)
		if (strcasecmp(ks->rk[i].domain, domain) == 0 &&
		    strcmp(ks->rk[i].selector, selector) == 0)
			return &ks->rk[i];
	if (!add)
		return NULL;
	ks->rk = xreallocarray(ks->rk, ks->nrk + 1, sizeof(*ks->rk));
	memset(&ks->rk[ks->nrk], 0, sizeof(ks->rk[ks->nrk]));
	strlcpy(ks->rk[ks->nrk].domain, domain, sizeof(ks->rk[ks->nrk].domain));
	strlcpy(ks->rk[ks->nrk].selector, selector,
	    sizeof(ks->rk[ks->nrk].selector));
	return &ks->rk[ks->nrk++];
}

/* keystate_name - SELECTOR._domainkey.DOMAIN in lower case */
void
keystate_name(char *out, size_t size, const char *selector,
    const char *domain)
{
	char *p;

	snprintf(out, size, "%s._domainkey.%s", selector, domain);
	for (p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* dir_of - the directory path lies in */
static void
dir_of(const char *path, char *out, size_t size)
{
	char copy[PATH_MAX];

	strlcpy(copy, path, sizeof(copy));
	strlcpy(out, dirname(copy), size);
}

/* unsafe - the file or its directory can be written by group or others */
static int
unsafe(const char *path, const struct stat *st, int have, struct why *why)
{
	struct stat dst;
	char dir[PATH_MAX];

	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &dst) == 0 && (dst.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (dst.st_mode & S_ISVTX) == 0)
		return why_set(why, EX_CONFIG, "%s is writable by group or others",
		    dir), 1;
	if (have && (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return why_set(why, EX_CONFIG, "%s is writable by group or others",
		    path), 1;
	return 0;
}

/* parse - one line; 0, or -1 when it is not one of ours */
static int
parse(const char *line, struct keyst *k)
{
	char name[320], word[16];
	intmax_t c, s, a;
	unsigned ttl;
	size_t i;

	if (sscanf(line, "%319s %15s %jd %jd %jd %u", name, word, &c, &s, &a,
	    &ttl) != 6)
		return -1;
	memset(k, 0, sizeof(*k));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(word, words[i]) == 0)
			k->status = (enum ks_status)i;
	strlcpy(k->name, name, sizeof(k->name));
	k->checked = (time_t)c;
	k->seen = (time_t)s;
	k->active = (time_t)a;
	k->ttl = ttl;
	return 0;
}

/*
 * keystate_read - read path into ks (emptied first): 0, or -1 with
 * ks->why when it cannot be used; ks->usable tells the same
 */
int
keystate_read(struct keystate *ks, const char *path)
{
	char line[512];
	struct rotkey r;
	struct keyst k;
	FILE *fp;

	keystate_free(ks);
	fp = fopen(path, "re");
	if (fp == NULL && errno != ENOENT) {
		why_set(&ks->why, EX_NOINPUT, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	ks->have = fp != NULL && fstat(fileno(fp), &ks->st) == 0;
	if (unsafe(path, &ks->st, ks->have, &ks->why)) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	while (fp != NULL && ks->n < KS_MAX && fgets(line, sizeof(line), fp)) {
		if (line[0] == '+') {
			if (ks->nrk < KS_MAX && parse_rotkey(line, &r) == 0) {
				ks->rk = xreallocarray(ks->rk, ks->nrk + 1, sizeof(*ks->rk));
				ks->rk[ks->nrk++] = r;
			}
			continue;
		}
		if (line[0] == '#' || parse(line, &k) < 0)
			continue;
		ks->v = xreallocarray(ks->v, ks->n + 1, sizeof(*ks->v));
		ks->v[ks->n++] = k;
	}
	if (fp != NULL)
		fclose(fp);
	ks->usable = 1;
	return 0;
}

/*
 * keystate_refresh - read path again when it changed since it was read;
 * 1 when it did
 */
int
keystate_refresh(struct keystate *ks, const char *path)
{
	struct stat st;
	int have = stat(path, &st) == 0;

	if (ks->usable && have == ks->have &&
	    (!have || (io_same_file(&st, &ks->st))))
		return 0;
	(void)keystate_read(ks, path);
	return 1;
}

const struct keyst *
keystate_find(const struct keystate *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].name, name) == 0)
			return &ks->v[i];
	return NULL;
}

/* keystate_get - the record of name, added (unknown) when there is none */
struct keyst *
keystate_get(struct keystate *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].name, name) == 0)
			return &ks->v[i];
	ks->v = xreallocarray(ks->v, ks->n + 1, sizeof(*ks->v));
	memset(&ks->v[ks->n], 0, sizeof(ks->v[ks->n]));
	strlcpy(ks->v[ks->n].name, name, sizeof(ks->v[ks->n].name));
	return &ks->v[ks->n++];
}

/* put - the lines of ks to fd, which it closes */
static int
put(int fd, const struct keystate *ks)
{
	FILE *fp;
	size_t i;
	int bad;

	if (fchmod(fd, 0600) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		(void)close(fd);
		return -1;
	}
	fprintf(fp, "# dkimpipe key state: name status checked seen active ttl\n");
	for (i = 0; i < ks->n; i++)
		fprintf(fp, "%s %s %jd %jd %jd %u\n", ks->v[i].name,
		    words[ks->v[i].status], (intmax_t)ks->v[i].checked,
		    (intmax_t)ks->v[i].seen, (intmax_t)ks->v[i].active, ks->v[i].ttl);
	for (i = 0; i < ks->nrk; i++)
		fprintf(fp, "+key %s %s %s %jd %jd %jd %jd %jd\n",
		    ks->rk[i].domain, ks->rk[i].selector,
		    ks->rk[i].ed25519 ? "ed25519" : "rsa",
		    (intmax_t)ks->rk[i].made, (intmax_t)ks->rk[i].published,
		    (intmax_t)ks->rk[i].activate, (intmax_t)ks->rk[i].withdrawn,
		    (intmax_t)ks->rk[i].revealed);
	bad = fflush(fp) != 0 || fsync(fd) != 0;
	if (fclose(fp) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

/* keystate_write - replace path by ks: a new copy, synced, renamed over */
int
keystate_write(const struct keystate *ks, const char *path, struct why *why)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int fd, e;

	dir_of(path, dir, sizeof(dir));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.keystate.XXXXXX", dir) >=
	    sizeof(tmp))
		return why_set(why, EX_CONFIG, "%s: name too long", path);
	if ((fd = mkstemp(tmp)) < 0)
		return why_set(why, EX_CANTCREAT, "cannot write in %s: %s", dir,
		    strerror(errno));
	if (put(fd, ks) < 0 || rename(tmp, path) < 0) {
		e = errno;
		(void)unlink(tmp);
		return why_set(why, EX_IOERR, "cannot write %s: %s", path,
		    strerror(e));
	}
	return 0;
}
