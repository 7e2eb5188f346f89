/*
 * syncgroup - batch re-signing's durability, paid once per group of
 * files instead of once per file. A new copy that has been written and
 * given its original's owner, mode and times (atomic_commit, without its
 * fsync) waits here, open, with its original; when the group is full
 * (or the list ends), one syncfs(2) per filesystem among the copies
 * makes them all durable, and only then is each renamed over its
 * original (atomic_finish), in the order they came. A crash at any
 * moment therefore still leaves every file old or new, never a copy that
 * is not on disk under an original's name; what it loses is at most the
 * renames of one group, which the next run redoes (its stale copies are
 * removed by batch.c). A failed sync fails every copy on that
 * filesystem, and their originals stay. This file does not sign, write
 * or choose files; it holds two descriptors per waiting copy, so the
 * group's size bounds the descriptors used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "syncgroup.h"
#include "xmem.h"

void
syncgroup_init(struct syncgroup *g, size_t max)
{
	g->c = xreallocarray(NULL, max, sizeof(*g->c));
	g->idx = xreallocarray(NULL, max, sizeof(*g->idx));
	g->err = xreallocarray(NULL, max, sizeof(*g->err));
	g->n = 0;
	g->max = max;
}

/*
 * syncgroup_add - the group takes over the copy and the original's fd;
 * idx names the copy in the report
 */
void
syncgroup_add(struct syncgroup *g, const struct atomic_copy *c, size_t idx)
{
	g->idx[g->n] = idx;
	g->c[g->n++] = *c;
}

int
syncgroup_full(const struct syncgroup *g)
{
	return g->n >= g->max;
}

/* sync_all - one syncfs per filesystem; each copy's errno, or 0 */
static void
sync_all(struct syncgroup *g)
{
	size_t i, j;

	for (i = 0; i < g->n; i++) {
		for (j = 0; j < i && g->c[j].st.st_dev != g->c[i].st.st_dev; j++)
			continue;
		if (j < i)
			g->err[i] = g->err[j];
		else
			g->err[i] = syncfs(g->c[i].t) < 0 ? errno : 0;
	}
}

void
syncgroup_flush(struct syncgroup *g, syncgroup_report report, void *arg)
{
	struct atomic_copy *c;
	struct why why;
	size_t i;

	sync_all(g);
	for (i = 0; i < g->n; i++) {
		c = &g->c[i];
		why.text[0] = '\0';
		if (g->err[i] != 0) {
			why_set(&why, EX_IOERR, "cannot write the signed copy: %s",
			    strerror(g->err[i]));
			atomic_discard(c);
			report(arg, g->idx[i], -1, &why);
		} else
			report(arg, g->idx[i], atomic_finish(c, &why), &why);
		close(c->fd);
	}
	g->n = 0;
}

void
syncgroup_free(struct syncgroup *g)
{
	free(g->c);
	free(g->idx);
	free(g->err);
}
