/*
 * batch - the file list and the workers of "sign -I": names come from
 * the arguments (directories are walked, Maildir tmp/ and our own
 * temporary files skipped) and from --files-from (lines, or NUL-ended
 * with -0). Temporary files that an interrupted earlier run left in
 * those directories are removed first. Workers (-j) take every jobs-th
 * file and sign it with inplace_sign(), making GROUP signed copies at a
 * time durable with one sync (syncgroup.c); -k keys are decoded once,
 * before the workers start, --config's once per worker (keycache.c),
 * and each worker reports one byte per file on a
 * pipe, from which the parent keeps the counts and the progress line
 * (on a terminal only) and prints the summary. Exit status: 0, or
 * EX_DATAERR when any file failed (each named on stderr with the
 * reason), EX_SOFTWARE when a worker died.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "batch.h"
#include "inplace.h"
#include "io.h"
#include "log.h"
#include "syncgroup.h"
#include "xmem.h"

struct list {
	char	**v;
	size_t	 n;
};

static void
add(struct list *l, const char *name)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(name);
}

static struct list *walking;	/* nftw has no argument pointer */

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	char cur[PATH_MAX];

	(void)st;
	if (type == FTW_D && strcmp(base, "tmp") == 0 && ftw->level > 0) {
		snprintf(cur, sizeof(cur), "%.*scur", ftw->base, path);
		if (access(cur, F_OK) == 0)
			return FTW_SKIP_SUBTREE;	/* Maildir tmp/ */
	}
	if (type == FTW_F && strncmp(base, ATOMIC_TEMP, strlen(ATOMIC_TEMP)) != 0)
		add(walking, path);
	return FTW_CONTINUE;
}

/* collect - a name: a directory is walked, anything else taken as is */
static void
collect(struct list *l, const char *name)
{
	struct stat st;

	if (stat(name, &st) == 0 && S_ISDIR(st.st_mode)) {
		walking = l;
		if (nftw(name, walk_one, 32, FTW_PHYS | FTW_ACTIONRETVAL) < 0)
			log_warn("%s: cannot walk the directory: %s", name, strerror(errno));
		walking = NULL;
	} else
		add(l, name);
}

/* names_from - one name per line or per NUL from a file or stdin */
static int
names_from(struct list *l, const struct batch *b)
{
	FILE *fp = strcmp(b->files_from, "-") == 0 ? stdin : fopen(b->files_from, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (fp == NULL) {
		log_error("cannot open %s: %s", b->files_from, strerror(errno));
		return -1;
	}
	while ((n = getdelim(&line, &cap, b->nul ? '\0' : '\n', fp)) > 0) {
		if (line[n - 1] == (b->nul ? '\0' : '\n'))
			line[--n] = '\0';
		if (n > 0)
			collect(l, line);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return 0;
}

/* clean_stale - our temporary files left in each file's directory */
static void
clean_stale(const struct list *l)
{
	char dir[PATH_MAX], last[PATH_MAX] = "", path[PATH_MAX];
	const char *slash;
	struct dirent *e;
	DIR *d;
	size_t i;

	for (i = 0; i < l->n; i++) {
		slash = strrchr(l->v[i], '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - l->v[i]) : 1,
		    slash ? l->v[i] : ".");
		if (strcmp(dir, last) == 0 || (d = opendir(dir)) == NULL)
			continue;
		strlcpy(last, dir, sizeof(last));
		while ((e = readdir(d)) != NULL)
			if (strncmp(e->d_name, ATOMIC_TEMP, strlen(ATOMIC_TEMP)) == 0 &&
			    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) > 0)
				(void)unlink(path);
		closedir(d);
	}
}

#define GROUP	32	/* files made durable by one sync (syncgroup.c) */

struct reporting {
	const struct list	*l;
	int			 fd;
};

/* reported - one byte per file on the parent's pipe; a failure named */
static void
reported(void *arg, size_t i, enum inplace_result res, const struct why *why)
{
	const struct reporting *r = arg;
	char c;

	switch (res) {
	case INPLACE_SIGNED:	c = 's'; break;
	case INPLACE_UNCHANGED:	c = 'u'; break;
	default:
		c = 'f';
		log_error("%s: %s", r->l->v[i], why->text);
	}
	if (io_write_all(r->fd, &c, 1) < 0)
		_exit(EX_IOERR);
}

/* flushed - a copy of the syncgroup put in place (0) or not (-1) */
static void
flushed(void *arg, size_t i, int rc, const struct why *why)
{
	reported(arg, i, rc < 0 ? INPLACE_FAILED : INPLACE_SIGNED, why);
}

/* worker - sign files k, k + jobs, ...; one byte per file on fd */
static void
worker(const struct conf *cf, const struct batch *b, const struct list *l,
    size_t k, int fd)
{
	struct reporting r = { l, fd };
	struct syncgroup g;
	struct why why;
	enum inplace_result res;
	size_t i;

	syncgroup_init(&g, GROUP);
	for (i = k; i < l->n; i += (size_t)b->jobs) {
		res = inplace_sign(cf, b->keys, l->v[i], b->replace, &g, i, &why);
		if (res != INPLACE_PENDING)
			reported(&r, i, res, &why);
		if (syncgroup_full(&g))
			syncgroup_flush(&g, flushed, &r);
	}
	syncgroup_flush(&g, flushed, &r);
	syncgroup_free(&g);
	_exit(EX_OK);
}

struct counts {
	size_t	 signed_, unchanged, failed, done, total;
	time_t	 start, shown;
};

static void
progress(struct counts *c, int last)
{
	time_t now = time(NULL);
	double rate;

	if (!last && now == c->shown)
		return;
	c->shown = now;
	rate = now > c->start ? (double)c->done / (double)(now - c->start) : 0;
	log_progress(last, "%zu/%zu files, %.0f/s, ETA %.0fs   ", c->done, c->total,
	    rate, rate > 0 ? (double)(c->total - c->done) / rate : 0.0);
}

/* gather - the workers' reports until all have ended */
static void
gather(int fd, struct counts *c, int show)
{
	char buf[512];
	ssize_t r, i;

	while ((r = io_read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < r; i++) {
			c->signed_ += buf[i] == 's';
			c->unchanged += buf[i] == 'u';
			c->failed += buf[i] == 'f';
		}
		c->done += (size_t)r;
		if (show)
			progress(c, 0);
	}
	if (show)
		progress(c, 1);
}

int
batch_run(const struct conf *cf, const struct batch *b, int argc, char **argv)
{
	struct list l = { NULL, 0 };
	struct counts c;
	int fds[2], i, status, died = 0, show;
	pid_t pid;

	for (i = 0; i < argc; i++)
		collect(&l, argv[i]);
	if (b->files_from != NULL && names_from(&l, b) < 0)
		return EX_NOINPUT;
	clean_stale(&l);
	memset(&c, 0, sizeof(c));
	c.total = l.n;
	c.start = time(NULL);
	show = !b->quiet && isatty(STDERR_FILENO);
	if (pipe(fds) < 0)
		log_fatal(EX_OSERR, "cannot create a pipe: %s", strerror(errno));
	for (i = 0; i < b->jobs && (size_t)i < l.n; i++) {
		if ((pid = fork()) < 0)
			log_fatal(EX_OSERR, "cannot fork: %s", strerror(errno));
		if (pid == 0) {
			close(fds[0]);
			worker(cf, b, &l, (size_t)i, fds[1]);
		}
	}
	close(fds[1]);
	gather(fds[0], &c, show);
	close(fds[0]);
	while (wait(&status) > 0)
		died += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (!b->quiet)
		log_info("%zu signed, %zu unchanged (no key), %zu failed, of %zu files",
		    c.signed_, c.unchanged, c.failed, c.total);
	for (i = 0; (size_t)i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	if (died || c.done < c.total)
		return EX_SOFTWARE;
	return c.failed > 0 ? EX_DATAERR : EX_OK;
}
