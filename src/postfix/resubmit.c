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
 * One-shot modes (deliver) limit their whole run with resubmit_alarm():
 * the global state is the pid of the running sendmail and whether the
 * next hop has accepted the message, for that signal handler: on SIGALRM
 * or SIGTERM it reports success once the message was accepted (sendmail
 * exited 0, or resubmit_accepted() after SMTP), else kills sendmail and
 * exits EX_TEMPFAIL. sendmail is reaped with those signals blocked, so
 * the handler never sees it gone without knowing its verdict. Long-lived
 * modes set an io_deadline() instead: then writing stops, sendmail is
 * killed and waited for, and only its own exit status 0 counts.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "io.h"
#include "resubmit.h"
#include "xmem.h"

static volatile pid_t sendmail_pid;
static volatile sig_atomic_t accepted;	/* the next hop has the message */

/*
 * on_alarm - time limit reached, or SIGTERM: never exit 75 after
 * sendmail said 0; else kill sendmail before it can see the end of a
 * message cut short, and exit 75
 */
static void
on_alarm(int sig)
{
	static const char late[] = "4.4.7 dkimpipe: time limit exceeded\n";
	static const char term[] = "4.3.0 dkimpipe: terminated by SIGTERM\n";
	pid_t pid = sendmail_pid;
	int status;

	if (accepted)
		_exit(EX_OK);
	if (pid > 0) {
		if (waitpid(pid, &status, WNOHANG) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			_exit(EX_OK);
		kill(pid, SIGKILL);
	}
	if (sig == SIGTERM)
		(void)!write(STDOUT_FILENO, term, sizeof(term) - 1);
	else
		(void)!write(STDOUT_FILENO, late, sizeof(late) - 1);
	_exit(EX_TEMPFAIL);
}

/* resubmit_accepted - the message is the next hop's now: never exit 75 */
void
resubmit_accepted(void)
{
	accepted = 1;
}

/*
 * reap - collect sendmail's status with the handler's signals blocked,
 * noting acceptance (exit 0 after the whole message) before they can
 * arrive again; 0, or -1 when it cannot
 */
static int
reap(pid_t pid, int *status, int whole)
{
	sigset_t block, old;
	int rc = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (waitpid(pid, status, 0) < 0)
		rc = -1;
	sendmail_pid = 0;
	if (rc == 0 && WIFEXITED(*status) && WEXITSTATUS(*status) == 0 && whole)
		accepted = 1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* resubmit_alarm - limit the whole run to this many seconds; and SIGTERM */
void
resubmit_alarm(int seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	alarm((unsigned)seconds);
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
child(const struct conf *cf, const struct envelope *env, int fd, int errfd)
{
	static char opt_g[] = "-G", opt_i[] = "-i", opt_f[] = "-f", dashes[] = "--";
	char **argv = xcalloc(env->n + 13, sizeof(*argv));
	char *from = xstrdup(env->sender);
	size_t i, a = 0;

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

/* resubmit - run sendmail and feed it the message */
int
resubmit(const struct conf *cf, const struct envelope *env,
    struct signed_msg *m, int with_sigs, struct why *why)
{
	struct why werr;
	char said[200];
	int fds[2], efd[2] = { -1, -1 }, status, wrote;
	siginfo_t info;
	pid_t pid;

	if (pipe(fds) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot create pipe: %s", strerror(errno));
	if (cf->quiet_sendmail && pipe(efd) < 0) {
		close(fds[0]);
		close(fds[1]);
		return why_set(why, EX_TEMPFAIL, "cannot create pipe: %s", strerror(errno));
	}
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		if (efd[0] >= 0) {
			close(efd[0]);
			close(efd[1]);
		}
		return why_set(why, EX_TEMPFAIL, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[1]);
		if (efd[0] >= 0)
			close(efd[0]);
		child(cf, env, fds[0], efd[1]);
	}
	sendmail_pid = pid;
	close(fds[0]);
	if (efd[1] >= 0)
		close(efd[1]);
	wrote = signer_write(m, fds[1], with_sigs, &werr);
	if (wrote < 0)		/* before it can see the end of a message cut short */
		kill(pid, SIGKILL);
	close(fds[1]);
	/* wait for its end without reaping it: the handler may still look */
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0) {
		if (errno != EINTR)
			return why_set(why, EX_TEMPFAIL, "cannot wait for sendmail: %s",
			    strerror(errno));
		if (io_expired())
			kill(pid, SIGKILL);	/* and wait: it may have said 0 */
	}
	if (reap(pid, &status, wrote == 0) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot wait for sendmail: %s",
		    strerror(errno));
	first_line(efd[0], said, sizeof(said));
	if (efd[0] >= 0)
		close(efd[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote == 0)
		return 0;		/* Postfix has it, whatever else happened */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)	/* our child's execv */
		return why_set(why, EX_TEMPFAIL, "cannot execute %s", cf->sendmail_path);
	if (wrote < 0 && io_terminated())
		return why_set(why, EX_TEMPFAIL, "terminated by SIGTERM before %s "
		    "read the whole message", cf->sendmail_path);
	if (wrote < 0 && WIFEXITED(status))	/* the status first: it says why */
		return why_set(why, EX_TEMPFAIL, "%s exited with status %d before "
		    "reading the whole message (%s): not reported as delivered%s%s",
		    cf->sendmail_path, WEXITSTATUS(status), werr.text,
		    said[0] ? ": " : "", said);
	if (wrote < 0 && WTERMSIG(status) == SIGKILL)
		return why_set(why, EX_TEMPFAIL, "%s did not read the whole message "
		    "(%s): not reported as delivered", cf->sendmail_path, werr.text);
	if (WIFSIGNALED(status))
		return why_set(why, EX_TEMPFAIL, "%s killed by signal %d",
		    cf->sendmail_path, WTERMSIG(status));
	return why_set(why, EX_TEMPFAIL, "%s exited with status %d%s%s",
	    cf->sendmail_path, WEXITSTATUS(status), said[0] ? ": " : "", said);
}
