/*
 * pfedit - read and change one Postfix setting, only through postconf(1)
 * (never by editing main.cf or master.cf itself): a main.cf parameter
 * (postconf -n -h / -e / -X), a whole master.cf entry (postconf -M /
 * -M name/type=... / -MX) or one "-o" parameter of an entry (postconf -P
 * / -PX). A setting is present or absent; an entry's value is its one-line
 * form with white space collapsed, as postconf -M prints it. The config
 * directory is the instance's own unless one is given (postconf -c, used
 * to read a saved copy). It decides nothing about what to set.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "pfedit.h"
#include "runcmd.h"

#define POSTCONF	"/usr/sbin/postconf"

/* squash - collapse runs of white space to one space, trim both ends */
static void
squash(struct buf *b)
{
	size_t i, n = 0;
	int space = 0;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == ' ' || b->data[i] == '\t' || b->data[i] == '\n') {
			space = n > 0;
			continue;
		}
		if (space)
			b->data[n++] = ' ';
		space = 0;
		b->data[n++] = b->data[i];
	}
	b->len = n;
}

/* query - "postconf [-c dir] [o1] [o2] key" in argv (8 slots) */
static void
query(const char *argv[8], const char *dir, const char *o1, const char *o2,
    const char *key)
{
	size_t n = 0;

	argv[n++] = POSTCONF;
	if (dir != NULL) {
		argv[n++] = "-c";
		argv[n++] = dir;
	}
	if (o1 != NULL)
		argv[n++] = o1;
	if (o2 != NULL)
		argv[n++] = o2;
	argv[n++] = key;
	argv[n] = NULL;
}

/* the postconf(1) option that reads a setting of each kind */
static const char *const read_opt[] = { "-n", "-M", "-P" };

/*
 * pfedit_get - the setting's value in val: 1 when present, 0 when absent,
 * -1 when postconf failed (reason in why). dir NULL: the current instance.
 */
int
pfedit_get(const char *dir, enum pfkind kind, const char *key, struct buf *val,
    struct why *why)
{
	const char *argv[8];
	char err[512];

	query(argv, dir, kind != PF_ENTRY ? "-h" : NULL, read_opt[kind], key);
	buf_reset(val);
	if (runcmd(argv, val, err, sizeof(err)) != 0)
		return why_set(why, EX_CONFIG, "postconf %s %s: %s", read_opt[kind],
		    key, err[0] != '\0' ? err : "failed"), -1;
	if (val->len == 0)
		return 0;	/* absent: "unmatched request", or not in main.cf */
	if (kind == PF_ENTRY)
		squash(val);
	else if (val->data[val->len - 1] == '\n')
		val->len--;
	buf_addc(val, '\0');
	val->len--;
	return 1;
}

/*
 * pfedit_effective - the value Postfix uses for a main.cf parameter (its
 * default when main.cf does not set it), $names expanded: 0, or -1
 */
int
pfedit_effective(const char *dir, const char *name, struct buf *val,
    struct why *why)
{
	const char *argv[8];
	char err[512];

	query(argv, dir, "-hx", NULL, name);
	buf_reset(val);
	if (runcmd(argv, val, err, sizeof(err)) != 0)	/* warnings are no failure */
		return why_set(why, EX_CONFIG, "postconf -hx %s: %s", name,
		    err[0] != '\0' ? err : "failed"), -1;
	if (val->len > 0 && val->data[val->len - 1] == '\n')
		val->len--;
	buf_addc(val, '\0');
	val->len--;
	return 0;
}

/* words - the postconf argv that gives the setting value (NULL: removes it) */
static void
words(const char *argv[4], struct buf *kv, enum pfkind kind, const char *key,
    const char *value)
{
	static const char *const set_opt[] = { "-e", "-M", "-P" };
	static const char *const del_opt[] = { "-X", "-MX", "-PX" };

	buf_reset(kv);
	buf_adds(kv, key);
	if (value != NULL) {
		buf_addc(kv, '=');
		buf_adds(kv, value);
	}
	buf_addc(kv, '\0');
	argv[0] = POSTCONF;
	argv[1] = (value != NULL ? set_opt[kind] : del_opt[kind]);
	argv[2] = kv->data;
	argv[3] = NULL;
}

/* pfedit_command - the postconf command line that sets it, for showing */
void
pfedit_command(struct buf *b, enum pfkind kind, const char *key,
    const char *value)
{
	struct buf kv;
	const char *argv[4];

	buf_init(&kv);
	words(argv, &kv, kind, key, value);
	argv[0] = "postconf";
	runcmd_quote(b, argv);
	buf_free(&kv);
}

/* pfedit_set - make the setting value (NULL: remove it): 0, or -1 and why */
int
pfedit_set(enum pfkind kind, const char *key, const char *value, int dryrun,
    struct why *why)
{
	struct buf kv;
	const char *argv[4];
	char err[512];
	int status;

	if (dryrun)
		return 0;
	buf_init(&kv);
	words(argv, &kv, kind, key, value);
	status = runcmd(argv, NULL, err, sizeof(err));
	buf_free(&kv);
	if (status != 0 || strstr(err, "unmatched") != NULL || strstr(err, "fatal") != NULL)
		return why_set(why, EX_CONFIG, "postconf %s %s: %s",
		    argv[1], key, err[0] != '\0' ? err : "failed"), -1;
	return 0;
}

/* pfedit_same - are two values of a setting the same (NULL: absent)? */
int
pfedit_same(enum pfkind kind, const char *a, const char *b)
{
	struct buf x, y;
	int same;

	if (a == NULL || b == NULL)
		return a == b;
	if (kind != PF_ENTRY)
		return strcmp(a, b) == 0;
	buf_init(&x);
	buf_init(&y);
	buf_adds(&x, a);
	buf_adds(&y, b);
	squash(&x);
	squash(&y);
	same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	buf_free(&x);
	buf_free(&y);
	return same;
}

/* pfedit_kind_name - "main.cf" or "master.cf", for messages */
const char *
pfedit_kind_name(enum pfkind kind)
{
	return kind == PF_MAIN ? "main.cf" : "master.cf";
}
