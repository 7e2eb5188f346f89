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

/*
 * run - what argv[0] prints (its first line only, unless all), in out:
 * 0, or -1 on failure
 */
static int
run_cmd(const char *a0, const char *a1, const char *a2, const char *a3,
    char *out, size_t size, int all)
{
	char *argv[5];
	int fds[2], status, i;
	ssize_t n, got = 0;
	pid_t pid;

	if (size == 0 || access(a0, X_OK) < 0 || pipe(fds) < 0)
		return -1;
	memset(argv, 0, sizeof(argv));	/* argv ends at the first NULL */
	argv[0] = xstrdup(a0);
	argv[1] = xstrdup(a1);
	if (a2 != NULL) {
		argv[2] = xstrdup(a2);
		if (a3 != NULL)
			argv[3] = xstrdup(a3);
	}
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
	if (!all)
		out[strcspn(out, "\n")] = '\0';
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static int
run(const char *a0, const char *a1, const char *a2, const char *a3,
    char *out, size_t size)
{
	return run_cmd(a0, a1, a2, a3, out, size, 0);
}

/* postconf_all - all that "postconf OPTION" prints ("-M": master.cf) */
int
postconf_all(const char *option, char *out, size_t size)
{
	return run_cmd(POSTCONF_PATH, option, NULL, NULL, out, size, 1);
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
