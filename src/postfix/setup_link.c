/*
 * setup_link - for "dkimpipe setup --mode proxy": master(8) runs only
 * commands in its daemon_directory, so the proxy it runs itself (one
 * process serving connection after connection) needs a link there,
 * daemon_directory/dkimpipe, to this dkimpipe. A link or file that is
 * already there and leads to this same program (the package's, or the
 * admin's own) is taken as it is; anything else by that name is refused,
 * never replaced. Removing the link is for --undo, and only for a link
 * setup made. It changes nothing else.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "pfedit.h"
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

/*
 * setup_link_there - does path lead to the program binary: 1; 0 when
 * there is nothing by that name; -1 (why says) when it is something else
 */
int
setup_link_there(const char *path, const char *binary, struct why *why)
{
	struct stat at, want;

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
	return why_set(why, EX_CONFIG, "%s exists and is not %s: master(8) would "
	    "run it as the proxy; move it away, or link it to %s", path, binary,
	    binary);
}

/*
 * setup_link_make - the link path to binary, shown as the command it is,
 * made unless dryrun: 1 made, 0 already there, -1 with why
 */
int
setup_link_make(const char *path, const char *binary, int dryrun,
    struct why *why)
{
	int r;

	if ((r = setup_link_there(path, binary, why)) != 0)
		return r > 0 ? 0 : -1;
	printf("ln -s %s %s\n", binary, path);
	if (!dryrun && symlink(binary, path) < 0)
		return why_set(why, EX_CANTCREAT, "%s: %s", path, strerror(errno));
	return 1;
}

/*
 * setup_link_remove - the link setup made at path, if it is still a
 * link (whatever replaced it is left alone): 0, or -1 with why
 */
int
setup_link_remove(const char *path, int dryrun, struct why *why)
{
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	printf("rm %s\n", path);
	if (!dryrun && unlink(path) < 0)
		return why_set(why, EX_IOERR, "%s: %s", path, strerror(errno));
	return 0;
}
