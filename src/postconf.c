/*
 * postconf - ask Postfix's own postconf(1) and postmap(1) about its
 * configuration (execv, no shell; MAIL_CONFIG in the environment picks
 * the instance, as it does for Postfix) and return the first line of the
 * answer. Used by check to catch a set-up that would loop; it decides
 * nothing itself.
 */
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "postconf.h"
#include "xmem.h"

/* run - the first line that argv[0] prints, in out: 0, or -1 on failure */
static int
run(const char *a0, const char *a1, const char *a2, const char *a3,
    char *out, size_t size)
{
	char *argv[5];
	int fds[2], status, i;
	ssize_t n, got = 0;
	pid_t pid;

	if (size == 0 || access(a0, X_OK) < 0 || pipe(fds) < 0)
		return -1;
	argv[0] = xstrdup(a0);
	argv[1] = xstrdup(a1);
	argv[2] = xstrdup(a2);
	argv[3] = a3 != NULL ? xstrdup(a3) : NULL;
	argv[4] = NULL;
	if ((pid = fork()) == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(STDERR_FILENO);
		execv(a0, argv);
		_exit(127);
	}
	for (i = 0; i < 4; i++)
		free(argv[i]);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	while ((size_t)got + 1 < size &&
	    (n = io_read(fds[0], out + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(fds[0]);
	out[got] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/*
 * postconf_service - the master.cf value of key ("pickup/unix/
 * content_filter") in out: 0, or -1 when postconf cannot say
 */
int
postconf_service(const char *key, char *out, size_t size)
{
	return run(POSTCONF_PATH, "-h", "-P", key, out, size);
}

/* postconf_param - the main.cf value of a parameter */
int
postconf_param(const char *name, char *out, size_t size)
{
	return run(POSTCONF_PATH, "-h", name, NULL, out, size);
}

/* postconf_master - the master.cf entry "name/type" on one line, "" if none */
int
postconf_master(const char *service, char *out, size_t size)
{
	return run(POSTCONF_PATH, "-M", service, NULL, out, size);
}

/* postmap_query - the value of key in a Postfix lookup table; -1 if none */
int
postmap_query(const char *key, const char *map, char *out, size_t size)
{
	return run(POSTMAP_PATH, "-q", key, map, out, size);
}
