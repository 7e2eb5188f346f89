/*
 * setup_apply - the changes that take Postfix from where it is now to a
 * plan (setup_changes), or back to where it was before the first setup
 * for the settings setup owns (setup_restore); showing them as the
 * postconf(1) commands they are, and applying them with postconf only.
 * A setting already as wanted is no change, so running setup twice
 * changes nothing the second time. Settings an earlier run owned that
 * the plan no longer has go back to their value before the first setup.
 * Order: new entries before their parameters, removed parameters before
 * their entries. It does not write main.cf or master.cf itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "runcmd.h"
#include "setup_apply.h"
#include "wholefile.h"
#include "xmem.h"

/* rank - the order changes are made in */
static int
rank(const struct pfset *s)
{
	if (s->value != NULL)
		return s->kind == PF_ENTRY ? 0 : s->kind == PF_PARAM ? 1 : 2;
	return s->kind == PF_PARAM ? 3 : s->kind == PF_ENTRY ? 4 : 5;
}

static int
by_rank(const void *a, const void *b)
{
	return rank(a) - rank(b);
}

/* change - one more change */
static void
change(struct setup_changes *c, enum pfkind kind, const char *key,
    const char *value)
{
	c->set = xreallocarray(c->set, c->nset + 1, sizeof(*c->set));
	c->set[c->nset].kind = kind;
	c->set[c->nset].key = xstrdup(key);
	c->set[c->nset].value = value != NULL ? xstrdup(value) : NULL;
	c->nset++;
}

/* want - a change when the setting is not yet value: 0, or -1 */
static int
want(struct setup_changes *c, enum pfkind kind, const char *key,
    const char *value, struct buf *cur, struct why *why)
{
	int r;

	if ((r = pfedit_get(NULL, kind, key, cur, why)) < 0)
		return -1;
	if (!pfedit_same(kind, r ? cur->data : NULL, value))
		change(c, kind, key, value);
	return 0;
}

/* entry_of - "svc/type" of a parameter key "svc/type/name" in out */
static void
entry_of(const char *key, char *out, size_t size)
{
	const char *slash = strrchr(key, '/');
	size_t n = slash != NULL ? (size_t)(slash - key) : strlen(key);

	if (n >= size)
		n = size - 1;
	memcpy(out, key, n);
	out[n] = '\0';
}

/*
 * back - a change that returns an owned setting to its value in orig; a
 * parameter of an entry that orig does not have goes with the entry
 */
static int
back(struct setup_changes *c, const struct pfset *s, const char *orig,
    struct buf *v, struct why *why)
{
	char entry[512];
	int r;

	if (s->kind == PF_PARAM) {
		entry_of(s->key, entry, sizeof(entry));
		if ((r = pfedit_get(orig, PF_ENTRY, entry, v, why)) < 0)
			return -1;
		if (r == 0)
			return 0;
	}
	if ((r = pfedit_get(orig, s->kind, s->key, v, why)) < 0)
		return -1;
	if (r == 0)
		return want(c, s->kind, s->key, NULL, v, why);
	else {
		char *value = xstrdup(v->data);

		r = want(c, s->kind, s->key, value, v, why);
		free(value);
		return r;
	}
}

/* in_plan - does the plan have this setting? */
static int
in_plan(const struct setup_plan *p, const struct pfset *s)
{
	size_t i;

	for (i = 0; i < p->nset; i++)
		if (p->set[i].kind == s->kind && strcmp(p->set[i].key, s->key) == 0)
			return 1;
	return 0;
}

static void
add_path(char ***list, size_t *n, const char *path)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = xstrdup(path);
}

/*
 * setup_changes - what makes the instance look like plan p, given what an
 * earlier run owned (o) and the configuration before it (orig): 0, or -1
 */
int
setup_changes(struct setup_changes *c, const struct setup_plan *p,
    const struct setup_owned *o, const char *orig, struct why *why)
{
	struct buf cur;
	size_t i, j;
	int r = 0;

	memset(c, 0, sizeof(*c));
	buf_init(&cur);
	for (i = 0; i < p->nset && r == 0; i++)
		r = want(c, p->set[i].kind, p->set[i].key, p->set[i].value, &cur, why);
	for (i = 0; i < o->nset && r == 0; i++)
		if (!in_plan(p, &o->set[i]) && !setup_signer_entry(&o->set[i]))
			r = back(c, &o->set[i], orig, &cur, why);
	buf_free(&cur);
	for (i = 0; i < p->nfiles; i++)
		if (!wholefile_same(p->files[i].path, p->files[i].content,
		    strlen(p->files[i].content)))
			add_path(&c->write, &c->nwrite, p->files[i].path);
	for (i = 0; i < o->nfiles; i++) {
		for (j = 0; j < p->nfiles; j++)
			if (strcmp(o->files[i], p->files[j].path) == 0)
				break;
		if (j == p->nfiles && access(o->files[i], F_OK) == 0)
			add_path(&c->remove, &c->nremove, o->files[i]);
	}
	qsort(c->set, c->nset, sizeof(*c->set), by_rank);
	return r;
}

/*
 * setup_restore - the changes that return every owned setting of one
 * file (main.cf: main, else master.cf) to its value in orig, and remove
 * every owned file: 0, or -1
 */
int
setup_restore(struct setup_changes *c, const struct setup_owned *o,
    const char *orig, int main_cf, struct why *why)
{
	struct buf cur;
	size_t i;
	int r = 0;

	buf_init(&cur);
	for (i = 0; i < o->nset && r == 0; i++)
		if ((o->set[i].kind == PF_MAIN) == main_cf)
			r = back(c, &o->set[i], orig, &cur, why);
	buf_free(&cur);
	qsort(c->set, c->nset, sizeof(*c->set), by_rank);
	return r;
}

/* setup_show - each change as the command or file write it is */
void
setup_show(const struct setup_changes *c, const struct setup_plan *p)
{
	struct buf b;
	size_t i;

	(void)p;
	buf_init(&b);
	for (i = 0; i < c->nwrite; i++)
		printf("write %s\n", c->write[i]);
	for (i = 0; i < c->nset; i++) {
		buf_reset(&b);
		pfedit_command(&b, c->set[i].kind, c->set[i].key, c->set[i].value);
		buf_addc(&b, '\0');
		printf("%s\n", b.data);
	}
	for (i = 0; i < c->nremove; i++)
		printf("rm %s\n", c->remove[i]);
	buf_free(&b);
}

/* content - the plan's content for a file path */
static const char *
content(const struct setup_plan *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return p->files[i].content;
	return NULL;
}

/* setup_apply - make the changes (files first: the settings name them) */
int
setup_apply(const struct setup_changes *c, const struct setup_plan *p,
    struct why *why)
{
	const char *text;
	size_t i;

	for (i = 0; i < c->nwrite; i++) {
		if ((text = content(p, c->write[i])) == NULL)
			continue;
		if (wholefile_write(c->write[i], text, strlen(text), 0644, 0, 0, why) < 0)
			return -1;
	}
	for (i = 0; i < c->nset; i++)
		if (pfedit_set(c->set[i].kind, c->set[i].key, c->set[i].value, 0,
		    why) < 0)
			return -1;
	for (i = 0; i < c->nremove; i++)
		if (unlink(c->remove[i]) < 0 && errno != ENOENT)
			return why_set(why, EX_IOERR, "%s: %s", c->remove[i],
			    strerror(errno)), -1;
	return 0;
}

/*
 * setup_command - show a command, and run it unless dryrun: 0, or -1 and
 * why (its first line of stderr)
 */
int
setup_command(const char *const argv[], int dryrun, struct why *why)
{
	struct buf b;
	char err[512];
	int status;

	buf_init(&b);
	runcmd_quote(&b, argv);
	buf_addc(&b, '\0');
	printf("%s\n", b.data);
	buf_free(&b);
	if (dryrun)
		return 0;
	if ((status = runcmd(argv, NULL, err, sizeof(err))) != 0)
		return why_set(why, EX_UNAVAILABLE, "%s: %s", argv[0],
		    err[0] != '\0' ? err : status < 0 ? "cannot run it" : "failed"), -1;
	return 0;
}

void
setup_changes_free(struct setup_changes *c)
{
	size_t i;

	for (i = 0; i < c->nset; i++) {
		free(c->set[i].key);
		free(c->set[i].value);
	}
	for (i = 0; i < c->nwrite; i++)
		free(c->write[i]);
	for (i = 0; i < c->nremove; i++)
		free(c->remove[i]);
	free(c->set);
	free(c->write);
	free(c->remove);
	memset(c, 0, sizeof(*c));
}
