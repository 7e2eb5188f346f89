/*
 * postconf - run "postconf -h -P service/type/parameter" (execv, no
 * shell; MAIL_CONFIG in the environment picks the instance, as it does
 * for Postfix) and return the value. Used by check to catch a set-up
 * that would loop; it decides nothing itself.
 */
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "postconf.h"

/*
 * postconf_service - the master.cf value of key ("pickup/unix/
 * content_filter") in out: 0, or -1 when postconf cannot say
 */
int
postconf_service(const char *key, char *out, size_t size)
{
	static char path[] = POSTCONF_PATH, h[] = "-h", P[] = "-P";
	char *argv[5];
	int fds[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (size == 0 || access(POSTCONF_PATH, X_OK) < 0 || pipe(fds) < 0)
		return -1;
	argv[0] = path;
	argv[1] = h;
	argv[2] = P;
	argv[3] = strdup(key);
	argv[4] = NULL;
	if (argv[3] == NULL) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		free(argv[3]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(STDERR_FILENO);
		execv(POSTCONF_PATH, argv);
		_exit(127);
	}
	close(fds[1]);
	free(argv[3]);
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
