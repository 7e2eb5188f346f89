/*
 * resubmit - hand a message back to Postfix.
 *
 * Runs sendmail_path with execv, never a shell, as
 *	sendmail -G -i [-N NOTIFY] [-V ENVID] [-R RET] -f SENDER -- RCPT...
 * (the DSN options when the envelope carries them), writing the (signed
 * or unsigned) message to its stdin, and waits for it. Exit status 0
 * after it has read the whole message means Postfix has the message:
 * success. Anything else (cannot run, killed, non-zero exit, exit 0 with
 * the message cut short) is EX_TEMPFAIL, so that the caller leaves the
 * message in Postfix's queue. Any mode may call this.
 *
 * No signal handling and no state of its own: SIGALRM and SIGTERM are
 * deadline.c's. In a one-shot run (deliver, after
 * deadline_run()) the running sendmail is the watched child from the
 * moment it exists (the signals are held across fork), and it is reaped
 * with them held, noting acceptance (exit 0 after the whole message)
 * before they can arrive again: the handler never sees it gone without
 * knowing its verdict. In long-lived modes (a deadline_set()) an expired
 * deadline stops the writing; sendmail is killed and waited for, and only
 * its own exit status 0 counts.
 */
#include <sys/types.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "deadline.h"
#include "resubmit.h"
#include "xmem.h"

/*
 * reap - collect sendmail's status with the deadline's signals held,
 * noting acceptance (exit 0 after the whole message) before they can
 * arrive again; 0, or -1 when it cannot
 */
static int
reap(pid_t pid, int *status, int whole)
{
	sigset_t old;
	int rc = 0;

	deadline_hold(&old);
	if (waitpid(pid, status, 0) < 0)
		rc = -1;
	deadline_watch(0);
	if (rc == 0 && WIFEXITED(*status) && WEXITSTATUS(*status) == 0 && whole)
		deadline_accepted();
	deadline_release(&old);
	return rc;
}

/* quiet - stdout to /dev/null, stderr to errfd (ours are the LMTP socket) */
static int
quiet(int errfd)
{
	int fd = open("/dev/null", O_WRONLY);

	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(errfd, STDERR_FILENO) < 0)
		return -1;
	if (fd > STDERR_FILENO)
		close(fd);
	if (errfd > STDERR_FILENO)
		close(errfd);
	return 0;
}

/* first_line - what sendmail said on stderr, sanitized, for the reason */
static void
first_line(int fd, char *out, size_t size)
{
	char buf[256];
	ssize_t r;
	size_t i, o = 0;

	out[0] = '\0';
	if (fd < 0)
		return;
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	if ((r = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return;
	for (i = 0; i < (size_t)r && buf[i] != '\n' && o + 1 < size; i++)
		out[o++] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? buf[i] : '?';
	out[o] = '\0';
}

/* dsn_args - sendmail's -N, -V and -R for the envelope's DSN requests */
static size_t
dsn_args(const struct envelope *env, char **argv, size_t a)
{
	static char opt_n[] = "-N", opt_v[] = "-V", opt_r[] = "-R";
	char envid[ENV_ENVID_MAX + 1], *p;
	size_t i;

	if (env->notify != NULL && env->notify[0] != NULL) {
		argv[a++] = opt_n;
		argv[a++] = p = xstrdup(env->notify[0]);
		for (; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (env->envid != NULL) {
		env_xtext_decode(env->envid, envid, sizeof(envid));
		for (i = 0; envid[i] > ' ' && envid[i] < 0x7f; i++)
			continue;
		if (i > 0 && envid[i] == '\0') {	/* else not printable: dropped */
			argv[a++] = opt_v;
			argv[a++] = xstrdup(envid);
		}
	}
	if (env->ret != NULL) {
		argv[a++] = opt_r;
		argv[a++] = strcasecmp(env->ret, "HDRS") == 0 ? xstrdup("hdrs") :
		    xstrdup("full");
	}
	return a;
}

/*
 * child - in the child: stdin from the pipe, then exec
 * sendmail -G -i [-N notify] [-V envid] [-R ret] -f sender -- rcpt...
 */
static void
child(const struct conf *cf, const struct envelope *env, int fd, int errfd,
    pid_t parent)
{
	static char opt_g[] = "-G", opt_i[] = "-i", opt_f[] = "-f", dashes[] = "--";
	char **argv = xcalloc(env->n + 13, sizeof(*argv));
	char *from = xstrdup(env->sender);
	size_t i, a = 0;

#ifdef __linux__
	/*
	 * a signer killed (-9) while it writes the message: sendmail dies
	 * with it, before the end of its input could pass for the end of a
	 * message cut short
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(EX_TEMPFAIL);
#else
	(void)parent;
#endif
	if (fd != STDIN_FILENO) {
		if (dup2(fd, STDIN_FILENO) < 0)
			_exit(EX_OSERR);
		close(fd);
	}
	if (errfd >= 0 && quiet(errfd) < 0)
		_exit(EX_OSERR);
	argv[a++] = cf->sendmail_path;
	argv[a++] = opt_g;
	argv[a++] = opt_i;
	a = dsn_args(env, argv, a);
	argv[a++] = opt_f;
	argv[a++] = from;
	argv[a++] = dashes;
	for (i = 0; i < env->n; i++)
		argv[a++] = env->rcpt[i];
	argv[a] = NULL;
	execv(cf->sendmail_path, argv);
	_exit(127);
}

/*
 * spawn - the pipes and sendmail, watched from the moment it exists; its
 * pid, with *in the message's way in and *err its stderr (-1: not
 * captured), or -1 with why
 */
static pid_t
spawn(const struct conf *cf, const struct envelope *env, int *in, int *err,
    struct why *why)
{
	int fds[2], efd[2] = { -1, -1 };
	sigset_t old;
	pid_t pid, self = getpid();

	if (pipe(fds) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot create pipe: %s", strerror(errno));
	if (cf->quiet_sendmail && pipe(efd) < 0) {
		close(fds[0]);
		close(fds[1]);
		return why_set(why, EX_TEMPFAIL, "cannot create pipe: %s", strerror(errno));
	}
	deadline_hold(&old);
	if ((pid = fork()) < 0) {
		deadline_release(&old);
		close(fds[0]);
		close(fds[1]);
		if (efd[0] >= 0) {
			close(efd[0]);
			close(efd[1]);
		}
		return why_set(why, EX_TEMPFAIL, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		deadline_release(&old);
		close(fds[1]);
		if (efd[0] >= 0)
			close(efd[0]);
		child(cf, env, fds[0], efd[1], self);
	}
	deadline_watch(pid);
	deadline_release(&old);
	close(fds[0]);
	if (efd[1] >= 0)
		close(efd[1]);
	*in = fds[1];
	*err = efd[0];
	return pid;
}

/*
 * wait_end - wait for sendmail's end without reaping it (the handler may
 * still look), killing it once the deadline has passed (and waiting on:
 * it may have said 0), then reap it; 0, or -1 with why
 */
static int
wait_end(pid_t pid, int *status, int whole, struct why *why)
{
	siginfo_t info;

	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0) {
		if (errno != EINTR)
			return why_set(why, EX_TEMPFAIL, "cannot wait for sendmail: %s",
			    strerror(errno));
		if (deadline_expired())
			kill(pid, SIGKILL);
	}
	if (reap(pid, status, whole) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot wait for sendmail: %s",
		    strerror(errno));
	return 0;
}

/*
 * verdict - sendmail's status as a result: 0 when Postfix has the
 * message, else -1 with why; wrote < 0: the writing failed (werr says
 * why), said: the first line of its stderr
 */
static int
verdict(const struct conf *cf, int status, int wrote, const struct why *werr,
    const char *said, struct why *why)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote == 0)
		return 0;		/* Postfix has it, whatever else happened */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)	/* our child's execv */
		return why_set(why, EX_TEMPFAIL, "cannot execute %s", cf->sendmail_path);
	if (wrote < 0 && deadline_terminated())
		return why_set(why, EX_TEMPFAIL, "terminated by SIGTERM before %s "
		    "read the whole message", cf->sendmail_path);
	if (wrote < 0 && WIFEXITED(status))	/* the status first: it says why */
		return why_set(why, EX_TEMPFAIL, "%s exited with status %d before "
		    "reading the whole message (%s): not reported as delivered%s%s",
		    cf->sendmail_path, WEXITSTATUS(status), werr->text,
		    said[0] ? ": " : "", said);
	if (wrote < 0 && WTERMSIG(status) == SIGKILL)
		return why_set(why, EX_TEMPFAIL, "%s did not read the whole message "
		    "(%s): not reported as delivered", cf->sendmail_path, werr->text);
	if (WIFSIGNALED(status))
		return why_set(why, EX_TEMPFAIL, "%s killed by signal %d",
		    cf->sendmail_path, WTERMSIG(status));
	return why_set(why, EX_TEMPFAIL, "%s exited with status %d%s%s",
	    cf->sendmail_path, WEXITSTATUS(status), said[0] ? ": " : "", said);
}

/* resubmit - run sendmail and feed it the message */
int
resubmit(const struct conf *cf, const struct envelope *env,
    struct signed_msg *m, int with_sigs, struct why *why)
{
	struct why werr;
	char said[200] = "";
	int in = -1, err = -1, status = 0, wrote, rc;
	pid_t pid;

	if ((pid = spawn(cf, env, &in, &err, why)) < 0)
		return -1;
	wrote = signer_write(m, in, with_sigs, &werr);
	if (wrote < 0)		/* before it can see the end of a message cut short */
		kill(pid, SIGKILL);
	close(in);
	rc = wait_end(pid, &status, wrote == 0, why);
	if (rc == 0)
		first_line(err, said, sizeof(said));
	if (err >= 0)
		close(err);
	if (rc < 0)
		return -1;
	return verdict(cf, status, wrote, &werr, said, why);
}
