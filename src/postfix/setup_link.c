/*
 * setup_link - for "dkimpipe setup --mode proxy": master(8) runs only
 * commands in its daemon_directory, so the proxy it runs itself (one
 * process serving connection after connection) needs a link there,
 * daemon_directory/dkimpipe, to this dkimpipe. master starts it as root,
 * so the program must be one only root can change: it and every
 * directory above it owned by root and writable by no one else. A link
 * or file that already leads to this same program (the package's, or the
 * admin's own) is taken as it is; a link setup made earlier is pointed
 * at this program; anything else by that name is refused, never
 * replaced. Removing the link is for --undo, and only for the link setup
 * made, still leading where setup pointed it, and used by no other
 * master.cf entry. It changes nothing else.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "pfedit.h"
#include "postconf.h"
#include "setup_link.h"

/* setup_link_path - daemon_directory/dkimpipe of the running config: 0, or -1 */
int
setup_link_path(char *out, size_t size, struct why *why)
{
	struct buf v;
	int r = 0;

	buf_init(&v);
	if (pfedit_effective(NULL, "daemon_directory", &v, why) < 0)
		r = -1;
	else if (v.data[0] != '/' || (size_t)snprintf(out, size, "%s/%s", v.data,
	    SETUP_LINK_NAME) >= size)
		r = why_set(why, EX_CONFIG, "daemon_directory = %s: not a usable "
		    "directory", v.data);
	buf_free(&v);
	return r;
}

/* rootonly - path and every directory above it only root can change */
static int
rootonly(const char *binary, struct why *why)
{
	char real[PATH_MAX], *slash;
	struct stat st;

	if (realpath(binary, real) == NULL)
		return why_set(why, EX_SOFTWARE, "%s: %s", binary, strerror(errno));
	for (;;) {
		if (stat(real[0] != '\0' ? real : "/", &st) < 0)
			return why_set(why, EX_SOFTWARE, "%s: %s", real, strerror(errno));
		if (st.st_uid != 0 || (st.st_mode & S_IWOTH) ||
		    ((st.st_mode & S_IWGRP) && st.st_gid != 0))
			return why_set(why, EX_CONFIG, "%s: master(8) would run %s as "
			    "root, but %s can be changed by others than root: install "
			    "dkimpipe where only root can write (make install)", binary,
			    binary, real[0] != '\0' ? real : "/");
		if (real[0] == '\0')
			return 0;
		slash = strrchr(real, '/');
		*slash = '\0';
	}
}

/*
 * setup_link_there - does path lead to the program binary: 1; 0 when it
 * is to be made (nothing by that name, or owned: the link setup made
 * earlier, leading elsewhere); -1 (why says) when it is something else
 * or binary is not root's alone
 */
int
setup_link_there(const char *path, const char *binary, int owned,
    struct why *why)
{
	struct stat at, want;

	if (rootonly(binary, why) < 0)
		return -1;
	if (lstat(path, &at) < 0) {
		if (errno == ENOENT)
			return 0;
		return why_set(why, EX_IOERR, "%s: %s", path, strerror(errno));
	}
	if (stat(binary, &want) < 0)
		return why_set(why, EX_SOFTWARE, "%s: %s", binary, strerror(errno));
	if (stat(path, &at) == 0 && at.st_dev == want.st_dev &&
	    at.st_ino == want.st_ino)
		return 1;
	if (owned && lstat(path, &at) == 0 && S_ISLNK(at.st_mode))
		return 0;
	return why_set(why, EX_CONFIG, "%s exists and is not %s: master(8) would "
	    "run it as the proxy; move it away, or link it to %s", path, binary,
	    binary);
}

/*
 * setup_link_make - the link path to binary (setup_link_there said 0),
 * shown as the command it is, made unless dryrun: 0, or -1 with why
 */
int
setup_link_make(const char *path, const char *binary, int dryrun,
    struct why *why)
{
	struct stat st;
	int again = lstat(path, &st) == 0;

	printf("ln -s%s %s %s\n", again ? "f" : "", binary, path);
	if (dryrun)
		return 0;
	if ((again && unlink(path) < 0) || symlink(binary, path) < 0)
		return why_set(why, EX_CANTCREAT, "%s: %s%s", path, strerror(errno),
		    errno == EROFS || errno == EACCES ? " (setup --mode proxy needs "
		    "to write there; --mode spawn does not)" : "");
	return 0;
}

/*
 * setup_link_remove - the link setup made at path to target, if it still
 * leads there and no master.cf entry of the instance in confdir runs
 * dkimpipe through it any more (that one is kept, with a warning);
 * whatever replaced it is left alone: 0, or -1 with why
 */
int
setup_link_remove(const char *path, const char *target, const char *confdir,
    int dryrun, struct why *why)
{
	char to[PATH_MAX], name[256];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return why_set(why, EX_IOERR, "%s: %s", path, strerror(errno));
	}
	if (!S_ISLNK(st.st_mode) || (n = readlink(path, to, sizeof(to) - 1)) < 0)
		return 0;
	to[n] = '\0';
	if (strcmp(to, target) != 0)
		return 0;
	if (postconf_daemon_entry(confdir, name, sizeof(name)) == 1) {
		printf("dkimpipe setup --undo: %s kept: master.cf service %s still "
		    "runs dkimpipe through it\n", path, name);
		return 0;
	}
	printf("rm %s\n", path);
	if (!dryrun && unlink(path) < 0)
		return why_set(why, EX_IOERR, "%s: %s", path, strerror(errno));
	return 0;
}
