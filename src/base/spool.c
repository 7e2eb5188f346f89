/*
 * spool - hold one message while it is being signed.
 *
 * The first SPOOL_MEM bytes stay in memory. Beyond that the message goes
 * to a temporary file made with mkstemp(3) in the configured directory
 * (default $TMPDIR, then /tmp) and unlinked at once, so it disappears on
 * every exit path, even SIGKILL. The spool does not parse anything.
 * Failures are EX_TEMPFAIL: the message is fine, the machine is not.
 * When the input itself is a regular file read from its start (sign
 * FILE, sign < FILE), nothing is copied: the spool only counts bytes and
 * spool_each() reads the file again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "io.h"
#include "spool.h"
#include "xmem.h"

void
spool_init(struct spool *sp, const char *tmpdir)
{
	sp->mem = xmalloc(SPOOL_MEM);
	sp->used = 0;
	sp->fd = -1;
	sp->size = 0;
	sp->src = -1;
	sp->tmpdir = tmpdir;
}

/* spool_borrow - use fd as the spool if it is a regular file at offset 0 */
void
spool_borrow(struct spool *sp, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    lseek(fd, 0, SEEK_CUR) == 0)
		sp->src = fd;
}

/* copy_src - hand the first size bytes of the borrowed file to out */
static int
copy_src(struct spool *sp, spool_out out, void *arg, struct why *why)
{
	off_t off = 0;
	ssize_t r;

	while (off < sp->size) {
		r = pread(sp->src, sp->mem, SPOOL_MEM < (size_t)(sp->size - off) ?
		    SPOOL_MEM : (size_t)(sp->size - off), off);
		if (r <= 0)
			return why_set(why, EX_TEMPFAIL, "cannot read the message again: %s",
			    r < 0 ? strerror(errno) : "file shrank");
		if (out(arg, sp->mem, (size_t)r) < 0)
			return why_set(why, EX_IOERR, "write error: %s", strerror(errno));
		off += r;
	}
	return 0;
}

/* spool_mkfile - create the unlinked temporary file */
static int
spool_mkfile(struct spool *sp, struct why *why)
{
	char path[PATH_MAX];
	const char *dir = sp->tmpdir;
	int n;

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	n = snprintf(path, sizeof(path), "%s/dkimpipe.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return why_set(why, EX_TEMPFAIL, "temporary directory name too long");
	if ((sp->fd = mkstemp(path)) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot create temporary file in %s: %s",
		    dir, strerror(errno));
	(void)unlink(path);
	return 0;
}

/* spool_flush - move the memory buffer to the file */
static int
spool_flush(struct spool *sp, struct why *why)
{
	if (sp->fd < 0 && spool_mkfile(sp, why) < 0)
		return -1;
	if (io_write_all(sp->fd, sp->mem, sp->used) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot write temporary file: %s",
		    strerror(errno));
	sp->used = 0;
	return 0;
}

int
spool_write(struct spool *sp, const void *p, size_t n, struct why *why)
{
	const char *s = p;
	size_t room;

	if (sp->src >= 0) {
		sp->size += (off_t)n;
		return 0;
	}
	while (n > 0) {
		if (sp->used == SPOOL_MEM && spool_flush(sp, why) < 0)
			return -1;
		room = SPOOL_MEM - sp->used;
		if (room > n)
			room = n;
		memcpy(sp->mem + sp->used, s, room);
		sp->used += room;
		sp->size += (off_t)room;
		s += room;
		n -= room;
	}
	return 0;
}

/*
 * spool_each - hand the whole spooled message to out(arg, bytes, n) in
 * pieces; out returns -1 with errno set to stop
 */
int
spool_each(struct spool *sp, spool_out out, void *arg, struct why *why)
{
	char *chunk;
	ssize_t r;

	if (sp->src >= 0)
		return copy_src(sp, out, arg, why);
	if (sp->fd < 0) {
		if (out(arg, sp->mem, sp->used) < 0)
			return why_set(why, EX_IOERR, "write error: %s", strerror(errno));
		return 0;
	}
	if (sp->used > 0 && spool_flush(sp, why) < 0)
		return -1;
	if (lseek(sp->fd, 0, SEEK_SET) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot rewind temporary file: %s",
		    strerror(errno));
	chunk = sp->mem;
	while ((r = io_read(sp->fd, chunk, SPOOL_MEM)) > 0)
		if (out(arg, chunk, (size_t)r) < 0)
			return why_set(why, EX_IOERR, "write error: %s", strerror(errno));
	if (r < 0)
		return why_set(why, EX_TEMPFAIL, "cannot read temporary file: %s",
		    strerror(errno));
	return 0;
}

void
spool_free(struct spool *sp)
{
	if (sp->fd >= 0)
		(void)close(sp->fd);
	free(sp->mem);
	sp->mem = NULL;
	sp->fd = -1;
}
