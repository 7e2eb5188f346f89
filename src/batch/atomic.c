/*
 * atomic - replace a file by a new copy, atomically: the copy is a
 * temporary file in the same directory (named ATOMIC_TEMP...), gets the
 * original's owner, mode and times, is made durable (fsync here, or one
 * sync for a group: syncgroup.c) and only then is renamed over the
 * original, so that a crash or kill -9 at any moment leaves the old file
 * or the new one, never a truncated or missing one. The copy never gets
 * a new owner: when the original's cannot be kept, it is not used. A
 * Maildir name that carries its sizes (",S=", ",W=") is given the new
 * ones after the rename. This file does not write the copy's contents,
 * sign, or know about groups or mboxes; its callers do.
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

#include "atomic.h"
#include "io.h"

#define CHUNK	(64 * 1024)

/*
 * atomic_temp - a temporary file in path's directory for the new copy
 * of path (open on fd, status st); 0 or -1
 */
int
atomic_temp(struct atomic_copy *c, const char *path, int fd,
    const struct stat *st, struct why *why)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (strlcpy(c->path, path, sizeof(c->path)) >= sizeof(c->path))
		return why_set(why, EX_SOFTWARE, "file name too long");
	if (slash != NULL)
		n = snprintf(c->tmp, sizeof(c->tmp), "%.*s/%sXXXXXX",
		    (int)(slash - path), path, ATOMIC_TEMP);
	else
		n = snprintf(c->tmp, sizeof(c->tmp), "%sXXXXXX", ATOMIC_TEMP);
	if (n < 0 || (size_t)n >= sizeof(c->tmp))
		return why_set(why, EX_SOFTWARE, "file name too long");
	if ((c->t = mkstemp(c->tmp)) < 0)
		return why_set(why, EX_CANTCREAT, "cannot create a temporary file "
		    "beside it: %s", strerror(errno));
	c->fd = fd;
	c->st = *st;
	c->sized = 0;
	return 0;
}

/* atomic_discard - the copy is not wanted: closed and removed */
void
atomic_discard(struct atomic_copy *c)
{
	if (c->t >= 0)
		close(c->t);
	c->t = -1;
	(void)unlink(c->tmp);
}

/*
 * atomic_commit - the copy gets the original's owner, mode and times;
 * with now, fsync makes it durable (else the caller syncs it before
 * atomic_finish). 0, or -1 with the copy removed.
 */
int
atomic_commit(struct atomic_copy *c, int now, struct why *why)
{
	struct timespec times[2];

	times[0] = c->st.st_atim;
	times[1] = c->st.st_mtim;
	if (fchown(c->t, c->st.st_uid, c->st.st_gid) < 0) {	/* never a new owner */
		if (errno == EPERM)
			why_set(why, EX_NOPERM, "cannot keep its owner and group "
			    "(%lu:%lu): sign it as root or as its owner",
			    (unsigned long)c->st.st_uid, (unsigned long)c->st.st_gid);
		else
			why_set(why, EX_IOERR, "cannot write the signed copy: %s", strerror(errno));
		atomic_discard(c);
		return -1;
	}
	if (fchmod(c->t, c->st.st_mode & 07777) < 0 || futimens(c->t, times) < 0 ||
	    (now && fsync(c->t) < 0)) {
		why_set(why, EX_IOERR, "cannot write the signed copy: %s", strerror(errno));
		atomic_discard(c);
		return -1;
	}
	return 0;
}

/*
 * atomic_sized - the name may carry Maildir sizes: the copy then gets a
 * new name after the rename (atomic_finish)
 */
int
atomic_sized(const char *path)
{
	return strstr(path, ",S=") != NULL || strstr(path, ",W=") != NULL;
}

/*
 * atomic_sized_name - a Maildir name with new ,S=size and ,W=vsize values
 * (in the base name, before ":2,"; the flags after it kept); 0 when the
 * name carries no size or the result does not fit in osize
 */
int
atomic_sized_name(const char *path, off_t size, off_t vsize, char *out,
    size_t osize)
{
	const char *base = strrchr(path, '/'), *p, *end;
	size_t o = 0;
	int n, any = 0;

	base = base ? base + 1 : path;
	end = strstr(base, ":2,");
	end = end ? end : base + strlen(base);
	for (p = path; *p != '\0' && o + 1 < osize; ) {
		if (p >= base && p < end && p[0] == ',' && (p[1] == 'S' || p[1] == 'W') &&
		    p[2] == '=' && p[3] >= '0' && p[3] <= '9') {
			n = snprintf(out + o, osize - o, ",%c=%lld", p[1],
			    (long long)(p[1] == 'S' ? size : vsize));
			if (n < 0 || (size_t)n >= osize - o)
				return 0;
			o += (size_t)n;
			for (p += 3; *p >= '0' && *p <= '9'; p++)
				continue;
			any = 1;
		} else
			out[o++] = *p++;
	}
	out[o] = '\0';
	return any && *p == '\0';
}

/* vsize - the size with CRLF line ends (Dovecot's W=) of the file on fd */
static off_t
vsize(int fd, off_t size)
{
	char buf[CHUNK];
	off_t off = 0, lf = 0;
	ssize_t r, i;
	int prev = 0;

	while ((r = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (i = 0; i < r; i++) {
			if (buf[i] == '\n')
				lf += prev != '\r';
			prev = buf[i];
		}
		off += r;
	}
	return size + lf;
}

/*
 * resize_name - after the new copy is in place under the old name, give
 * a Maildir file that names its size the new sizes: a crash in between
 * leaves the new message under the old name, never two copies
 */
static int
resize_name(const char *path, struct why *why)
{
	char to[PATH_MAX];
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return why_set(why, EX_IOERR, "signed, but cannot read it back: %s", strerror(errno));
	}
	if (atomic_sized_name(path, st.st_size, vsize(fd, st.st_size), to,
	    sizeof(to)) && strcmp(to, path) != 0 && rename(path, to) < 0) {
		close(fd);
		return why_set(why, EX_IOERR, "signed, but cannot rename it to %s: %s", to, strerror(errno));
	}
	close(fd);
	return 0;
}

/*
 * atomic_finish - the durable copy is renamed over the original, unless
 * the original changed meanwhile; a Maildir name then gets the new
 * sizes (with c->sized). Closes the copy, not the original.
 */
int
atomic_finish(struct atomic_copy *c, struct why *why)
{
	struct stat now;

	if (fstat(c->fd, &now) < 0 || !io_same_file(&c->st, &now)) {
		why_set(why, EX_TEMPFAIL, "file changed while it was being signed");
		atomic_discard(c);
		return -1;
	}
	if (close(c->t) < 0) {
		c->t = -1;
		why_set(why, EX_IOERR, "cannot write the signed copy: %s", strerror(errno));
		atomic_discard(c);
		return -1;
	}
	c->t = -1;
	if (rename(c->tmp, c->path) < 0) {
		why_set(why, EX_IOERR, "cannot rename the signed copy over it: %s", strerror(errno));
		(void)unlink(c->tmp);
		return -1;
	}
	return c->sized ? resize_name(c->path, why) : 0;
}
