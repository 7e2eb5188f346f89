/*
 * runcmd - run a program with an argv array (execv, never a shell; stdin
 * is /dev/null) and collect its stdout (up to RUNCMD_OUT_MAX bytes: more
 * is a failure, never a cut answer) and the last line of its stderr (of
 * its first kilobytes: where a fatal error is said).
 * Returns its exit status, or -1 when it could not be run, died of a
 * signal, or printed too much. For
 * the administrative commands (setup, check), not for the mail path:
 * resubmission has its own process handling with deadlines.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "runcmd.h"

/* child - the program, its stdout and stderr on the pipes; never returns */
static void
child(const char *const argv[], int out, int err)
{
	char **a;
	size_t n;
	int null;

	for (n = 0; argv[n] != NULL; n++)
		;
	if (n == 0 || (a = calloc(n + 1, sizeof(*a))) == NULL)
		_exit(127);
	for (n = 0; argv[n] != NULL; n++)
		if ((a[n] = strdup(argv[n])) == NULL)
			_exit(127);

	if ((null = open("/dev/null", O_RDONLY)) < 0 ||
	    dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		_exit(127);
	if (null > STDERR_FILENO)
		close(null);
	if (out > STDERR_FILENO)
		close(out);
	if (err > STDERR_FILENO)
		close(err);
	execv(a[0], a);
	_exit(127);
}

/* last_line - the last line that is not empty, moved to the front of text */
static void
last_line(char *text)
{
	size_t n = strlen(text);
	char *start;

	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	start = strrchr(text, '\n');
	if (start != NULL)
		memmove(text, start + 1, strlen(start + 1) + 1);
}

/* drain - read both pipes to their end, keeping what fits: 0, or -1 if stdout did not */
static int
drain(int out, int err, struct buf *b, char *etext, size_t esize)
{
	int cut = 0;
	struct pollfd p[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	char chunk[8192];
	size_t elen = 0;
	ssize_t n;
	int i;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			if ((n = io_read(p[i].fd, chunk, sizeof(chunk))) <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
			} else if (i == 0 && b != NULL) {
				if (cut || b->len + (size_t)n > RUNCMD_OUT_MAX)
					cut = 1;	/* never a spliced answer */
				else
					buf_add(b, chunk, (size_t)n);
			}
			else if (i == 1 && elen + 1 < esize) {
				if ((size_t)n > esize - 1 - elen)
					n = (ssize_t)(esize - 1 - elen);
				memcpy(etext + elen, chunk, (size_t)n);
				elen += (size_t)n;
			}
		}
	}
	if (p[0].fd >= 0)
		close(p[0].fd);
	if (p[1].fd >= 0)
		close(p[1].fd);
	if (esize > 0) {
		etext[elen] = '\0';
		last_line(etext);
	}
	return cut ? -1 : 0;
}

/*
 * runcmd - run argv[0] (a full path); its stdout appended to out (may be
 * NULL), the last line of its stderr in err (may be NULL if esize is 0)
 */
int
runcmd(const char *const argv[], struct buf *out, char *err, size_t esize)
{
	int o[2], e[2], status, cut;
	pid_t pid;

	if (esize > 0)
		err[0] = '\0';
	if (pipe(o) < 0)
		return -1;
	if (pipe(e) < 0) {
		close(o[0]);
		close(o[1]);
		return -1;
	}
	if ((pid = fork()) == 0) {
		close(o[0]);
		close(e[0]);
		child(argv, o[1], e[1]);
	}
	close(o[1]);
	close(e[1]);
	if (pid < 0) {
		close(o[0]);
		close(e[0]);
		return -1;
	}
	cut = drain(o[0], e[0], out, err, esize);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (cut < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* safe - can word go into a shell command line unquoted? */
static int
safe(const char *w)
{
	return *w != '\0' && w[strspn(w, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,=@+%")] == '\0';
}

/*
 * runcmd_quote - argv as one shell-quoted line (for showing what is run,
 * never for running it)
 */
void
runcmd_quote(struct buf *b, const char *const argv[])
{
	const char *p;
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			buf_addc(b, ' ');
		if (safe(argv[i])) {
			buf_adds(b, argv[i]);
			continue;
		}
		buf_addc(b, '\'');
		for (p = argv[i]; *p != '\0'; p++)
			if (*p == '\'')
				buf_adds(b, "'\\''");
			else
				buf_addc(b, *p);
		buf_addc(b, '\'');
	}
}
