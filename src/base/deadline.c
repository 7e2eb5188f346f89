/*
 * deadline - the one owner of SIGALRM and SIGTERM and of their state.
 *
 * One handler for both, installed without SA_RESTART (a blocked read,
 * write, poll or wait returns EINTR) and with both signals masked while
 * it runs (it never interrupts itself). It always sets the flags: SIGALRM
 * or SIGTERM "expired", SIGTERM also "terminated".
 *
 * Long-lived modes (lmtp) use the flags only: deadline_set() arms a time
 * limit, deadline_on_term() makes SIGTERM one that has passed for good:
 * every later deadline has passed at once, but with no deadline set
 * replies still go out. io.c and the callers check deadline_expired()
 * and give up; nothing exits from the handler.
 *
 * One-shot runs (deliver) call deadline_run() once: then the handler ends
 * the process. Its rule, which must never break: once the next hop has
 * the message it exits 0, never 75, or Postfix would send it again. The
 * next hop has it when deadline_accepted() was called (the SMTP reply to
 * the dot, or sendmail's exit 0 after the whole message), or when the
 * watched child (deadline_watch(): the running sendmail) has exited 0.
 * Else it kills that child first, before the child can see the end of a
 * message cut short, says "4.4.7 ... time limit exceeded" or "4.3.0 ...
 * terminated by SIGTERM" on stdout and exits 75. A caller that reaps the
 * watched child holds the signals (deadline_hold) until it has cleared
 * the watch and noted the verdict, so the handler never finds the child
 * gone without knowing what it said.
 *
 * The two uses are exclusive: deadline_set() is not for one-shot runs.
 * Nothing here reads, writes or decides what a message's status is.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "deadline.h"

static volatile sig_atomic_t expired, terminated, oneshot, accepted;
static volatile pid_t watched;		/* the one-shot run's sendmail, or 0 */

/* finish - the end of a one-shot run: 0 once accepted, else 75 */
static void
finish(int sig)
{
	static const char late[] = "4.4.7 dkimpipe: time limit exceeded\n";
	static const char term[] = "4.3.0 dkimpipe: terminated by SIGTERM\n";
	pid_t pid = watched;
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

/* on_signal - the one handler: the flags, then a one-shot run's end */
static void
on_signal(int sig)
{
	if (sig == SIGTERM)
		terminated = 1;
	expired = 1;
	if (oneshot)
		finish(sig);
}

/* handle - the handler for sig, both signals masked while it runs */
static void
handle(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGALRM);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(sig, &sa, NULL);
}

/* deadline_set - blocking I/O gives up after this many seconds; 0: never */
void
deadline_set(unsigned seconds)
{
	alarm(0);
	expired = seconds > 0 && terminated;	/* no deadline: replies go out */
	if (seconds == 0)
		return;
	handle(SIGALRM);
	alarm(seconds);
}

/* deadline_on_term - SIGTERM ends blocking I/O for good */
void
deadline_on_term(void)
{
	handle(SIGTERM);
}

/* deadline_expired - the deadline has passed, or SIGTERM came */
int
deadline_expired(void)
{
	return expired;
}

/* deadline_terminated - SIGTERM came */
int
deadline_terminated(void)
{
	return terminated;
}

/* deadline_run - a one-shot run ends after this many seconds, or at SIGTERM */
void
deadline_run(unsigned seconds)
{
	oneshot = 1;
	handle(SIGALRM);
	handle(SIGTERM);
	alarm(seconds);
}

/* deadline_watch - the child whose exit 0 means acceptance; 0: none */
void
deadline_watch(pid_t pid)
{
	watched = pid;
}

/* deadline_accepted - the message is the next hop's now: never exit 75 */
void
deadline_accepted(void)
{
	accepted = 1;
}

/* hold - the signals in sigs (0-terminated) wait; old gets the mask */
static void
hold(const int *sigs, sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	for (; *sigs != 0; sigs++)
		sigaddset(&block, *sigs);
	sigprocmask(SIG_BLOCK, &block, old);
}

/* deadline_hold - SIGALRM and SIGTERM wait; old gets the mask to restore */
void
deadline_hold(sigset_t *old)
{
	static const int both[] = { SIGALRM, SIGTERM, 0 };

	hold(both, old);
}

/*
 * deadline_hold_term - SIGTERM alone waits (the time limit does not):
 * for the wait for a reply that decides whether the next hop has the
 * message, which a SIGTERM must not cut short
 */
void
deadline_hold_term(sigset_t *old)
{
	static const int term[] = { SIGTERM, 0 };

	hold(term, old);
}

/* deadline_release - the mask from before deadline_hold() again */
void
deadline_release(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/*
 * deadline_shield - for a run that must not stop half-way (setup changing
 * Postfix): the signals a terminal or a lost session sends are ignored
 * from here on, also by the commands it runs
 */
void
deadline_shield(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
}
