/*
 * inplace - re-sign one stored message file in place: open it, check
 * that it may be replaced, have its signed copy made (one message here
 * through resign.c, an mbox, one that starts with "From ", by mbox.c)
 * and put the copy in place (atomic.c): at once, or, with a syncgroup,
 * once the group has been made durable with one sync (syncgroup.c). A
 * file that cannot be signed (unreadable, read-only, not a message,
 * refused, or an owner the caller cannot give the copy) is left
 * untouched. This file does not parse or sign messages, nor know how a
 * file is replaced; it decides which file, which copy, and when.
 */
#include <errno.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "inplace.h"
#include "mbox.h"
#include "signer.h"
#include "syncgroup.h"

/*
 * single - re-sign the one message of path, open on fd (status st), into
 * the new copy c: 1, c written and open; 0, no key (why says so); -1
 */
static int
single(const struct conf *cf, struct keycache *keys, const char *path, int fd,
    const struct stat *st, enum replace how, struct atomic_copy *c,
    struct why *why)
{
	struct signed_msg m;
	int rc = -1;

	signer_init(&m, cf, keys);
	if (resign_fd(&m, cf, fd, how, why) == 0) {
		if (m.outcome == OUT_NOKEY) {
			why_set(why, EX_OK, "no key for domain %s", m.domain);
			rc = 0;
		} else if (atomic_temp(c, path, fd, st, why) == 0) {
			c->sized = atomic_sized(path);
			if (signer_write(&m, c->t, 1, why) == 0)
				rc = 1;
			else
				atomic_discard(c);
		}
	}
	signer_free(&m);
	return rc;
}

/*
 * put - the written copy c replaces its original now or, with a
 * syncgroup, once the group is durable (INPLACE_PENDING)
 */
static enum inplace_result
put(struct atomic_copy *c, struct syncgroup *g, size_t idx, struct why *why)
{
	if (atomic_commit(c, g == NULL, why) < 0)
		return INPLACE_FAILED;
	if (g != NULL) {
		syncgroup_add(g, c, idx);
		return INPLACE_PENDING;
	}
	return atomic_finish(c, why) < 0 ? INPLACE_FAILED : INPLACE_SIGNED;
}

/* open_file - path opened for re-signing, with its status; fd or -1 */
static int
open_file(const char *path, struct stat *st, struct why *why)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return why_set(why, EX_NOINPUT, "cannot open: %s", strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		why_set(why, EX_NOINPUT, "not a regular file");
		close(fd);
		return -1;
	}
	if ((st->st_mode & 0222) == 0) {
		why_set(why, EX_NOPERM, "read-only file");
		close(fd);
		return -1;
	}
	return fd;
}

/* is_mbox - the file starts with a "From " line; the offset stays 0 */
static int
is_mbox(int fd)
{
	char b[5];

	return pread(fd, b, 5, 0) == 5 && memcmp(b, "From ", 5) == 0;
}

/*
 * inplace_sign - re-sign the file path. With a syncgroup g, a signed
 * copy may wait there (INPLACE_PENDING): the group then holds the
 * original open, and reports the file by idx when it is flushed.
 */
enum inplace_result
inplace_sign(const struct conf *cf, struct keycache *keys, const char *path,
    enum replace how, struct syncgroup *g, size_t idx, struct why *why)
{
	struct atomic_copy c;
	struct stat st;
	enum inplace_result res;
	int fd, rc;

	why->text[0] = '\0';
	if ((fd = open_file(path, &st, why)) < 0)
		return INPLACE_FAILED;
	if (is_mbox(fd))
		rc = mbox_sign(cf, keys, path, fd, &st, how, &c, why);
	else
		rc = single(cf, keys, path, fd, &st, how, &c, why);
	if (rc < 0)
		res = INPLACE_FAILED;
	else if (rc == 0)
		res = INPLACE_UNCHANGED;
	else
		res = put(&c, g, idx, why);
	if (res != INPLACE_PENDING)
		close(fd);
	return res;
}
