/*
 * wholefile_test - wholefile_create() and wholefile_write() in a
 * scratch directory: a new file gets the bytes and the mode asked for
 * (whatever the umask); a second create finds the name taken, returns 1
 * and leaves the first file's bytes; a replace changes the bytes and
 * the mode; no temporary file is left beside them in any case; a
 * missing directory and a name too long are errors with a reason. One
 * step per case; prints "not ok N: case" for every failure, "ok N
 * cases" at the end, and exits 1 on any.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "wholefile.h"

static int ncase, nbad;

static void
expect(int ok, const char *what)
{
	ncase++;
	if (!ok) {
		nbad++;
		printf("not ok %d: %s\n", ncase, what);
	}
}

/* holds - path holds exactly s, with mode */
static int
holds(const char *path, const char *s, mode_t mode)
{
	struct stat st;

	return wholefile_same(path, s, strlen(s)) && stat(path, &st) == 0 &&
	    (st.st_mode & 07777) == mode;
}

/* entries - how many names dir holds, besides . and .. */
static int
entries(const char *dir)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/wholefile_test.XXXXXX", path[PATH_MAX];
	char gone[PATH_MAX], longname[PATH_MAX + 16];
	struct why why;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	umask(077);
	snprintf(path, sizeof(path), "%s/key", dir);
	expect(wholefile_create(path, "one\n", 4, 0644, &why) == 0,
	    "create makes a new file");
	expect(holds(path, "one\n", 0644), "it has the bytes and mode 0644 under umask 077");
	expect(wholefile_create(path, "two\n", 4, 0600, &why) == 1,
	    "a second create finds the name taken");
	expect(holds(path, "one\n", 0644), "the first file is left as it was");
	expect(entries(dir) == 1, "no temporary file is left after create");
	expect(wholefile_write(path, "three\n", 6, 0600, (uid_t)-1, (gid_t)-1,
	    &why) == 0, "write replaces it");
	expect(holds(path, "three\n", 0600), "the new bytes and mode 0600");
	expect(entries(dir) == 1, "no temporary file is left after write");
	snprintf(gone, sizeof(gone), "%s/none/key", dir);
	expect(wholefile_create(gone, "x", 1, 0600, &why) < 0 &&
	    strstr(why.text, "none/key") != NULL,
	    "a missing directory is an error naming the file");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect(wholefile_create(longname, "x", 1, 0600, &why) < 0 &&
	    strstr(why.text, "too long") != NULL, "a name too long is refused");
	unlink(path);
	rmdir(dir);
	printf("%s %d cases\n", nbad ? "not ok" : "ok", ncase);
	return nbad ? 1 : 0;
}
