/*
 * wholefile - read a small file (a configuration file, at most
 * WHOLEFILE_MAX bytes) whole, and replace one atomically: a temporary
 * file beside it, written, fsync'd, given its mode and owner, renamed
 * over it, and the directory fsync'd, so a crash leaves the old file or
 * the new one, never half of one; or create one that must not exist
 * yet the same way, linked into place instead of renamed, so a name that
 * is taken is never replaced (keys: a crash leaves the whole key file or
 * none, and a second run finds it). Not for mail: the spool and the
 * batch re-signer have their own.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "io.h"
#include "wholefile.h"

/* wholefile_read - the file's bytes in b (replacing them): 0, or -1 */
int
wholefile_read(const char *path, struct buf *b, struct why *why)
{
	char chunk[8192];
	ssize_t n;
	int fd;

	buf_reset(b);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return why_set(why, EX_IOERR, "%s: %s", path, strerror(errno)), -1;
	while ((n = io_read(fd, chunk, sizeof(chunk))) > 0) {
		if (b->len + (size_t)n > WHOLEFILE_MAX) {
			close(fd);
			return why_set(why, EX_DATAERR, "%s: larger than %d bytes",
			    path, WHOLEFILE_MAX), -1;
		}
		buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	if (n < 0)
		return why_set(why, EX_IOERR, "%s: %s", path, strerror(errno)), -1;
	return 0;
}

/* wholefile_same - does the file exist and hold exactly these bytes? */
int
wholefile_same(const char *path, const void *p, size_t n)
{
	struct buf b;
	struct why why;
	int same;

	buf_init(&b);
	same = wholefile_read(path, &b, &why) == 0 && b.len == n &&
	    (n == 0 || memcmp(b.data, p, n) == 0);
	buf_free(&b);
	return same;
}

/* sync_dir - fsync the directory that holds path */
static int
sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, r;

	if (strlcpy(copy, path, sizeof(copy)) >= sizeof(copy))
		return -1;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/*
 * put - n bytes from p into the new file tmp, mode and owner as given
 * ((uid_t)-1 and (gid_t)-1 keep ours), synced: 0, or -1 (tmp removed)
 */
static int
put(const char *tmp, const void *p, size_t n, mode_t mode, uid_t uid,
    gid_t gid, struct why *why)
{
	int fd;

	(void)unlink(tmp);	/* a crashed run's */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0)
		return why_set(why, EX_CANTCREAT, "cannot create %s: %s", tmp,
		    strerror(errno)), -1;
	if (io_write_all(fd, p, n) < 0 || fchown(fd, uid, gid) < 0 ||
	    fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		why_set(why, EX_IOERR, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		(void)unlink(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		why_set(why, EX_IOERR, "cannot write %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * wholefile_create - a new file path holding n bytes from p, mode as
 * given: 0; 1 when path exists (it is left as it is); -1 with why
 */
int
wholefile_create(const char *path, const void *p, size_t n, mode_t mode,
    struct why *why)
{
	char tmp[PATH_MAX];
	int rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return why_set(why, EX_CANTCREAT, "name too long: %.200s", path), -1;
	if (put(tmp, p, n, mode, (uid_t)-1, (gid_t)-1, why) < 0)
		return -1;
	if (link(tmp, path) < 0) {
		rc = errno == EEXIST ? 1 : -1;
		if (rc < 0)
			why_set(why, EX_CANTCREAT, "cannot create %s: %s", path,
			    strerror(errno));
	}
	(void)unlink(tmp);
	if (rc == 0)
		(void)sync_dir(path);
	return rc;
}

/*
 * wholefile_write - replace path with n bytes from p, mode and owner as
 * given: 0, or -1 (path unchanged)
 */
int
wholefile_write(const char *path, const void *p, size_t n, mode_t mode,
    uid_t uid, gid_t gid, struct why *why)
{
	char tmp[PATH_MAX];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.dkimpipe-new", path) >= sizeof(tmp))
		return why_set(why, EX_SOFTWARE, "%s: name too long", path), -1;
	if (put(tmp, p, n, mode, uid, gid, why) < 0)
		return -1;
	if (rename(tmp, path) < 0) {
		why_set(why, EX_IOERR, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	(void)sync_dir(path);
	return 0;
}
