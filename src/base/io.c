/*
 * io - read and write whole buffers on file descriptors.
 *
 * The deadline is the one piece of state: a flag set by SIGALRM, which
 * is installed without SA_RESTART so that a blocked read, write or
 * waitpid returns EINTR; the loops here then give up with ETIMEDOUT.
 * A signal that cuts a write short makes it return the bytes written so
 * far, so the flag is checked before every write too. io_on_term() makes
 * SIGTERM a deadline that has passed for good: every later deadline has
 * passed at once, but with no deadline set replies still go out.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

static volatile sig_atomic_t expired, terminated;

static void
on_deadline(int sig)
{
	if (sig == SIGTERM)
		terminated = 1;
	expired = 1;
}

/* io_on_term - SIGTERM ends blocking I/O, and io_terminated() says so */
void
io_on_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_deadline;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
}

int
io_terminated(void)
{
	return terminated;
}

/* io_deadline - blocking I/O gives up after this many seconds; 0: never */
void
io_deadline(unsigned seconds)
{
	struct sigaction sa;

	alarm(0);
	expired = seconds > 0 && terminated;	/* no deadline: replies go out */
	if (seconds == 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_deadline;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
}

/* io_expired - the deadline has passed */
int
io_expired(void)
{
	return expired;
}

/* interrupted - EINTR: retry, unless the deadline has passed */
static int
interrupted(void)
{
	if (errno != EINTR)
		return 0;
	if (!expired)
		return 1;
	errno = ETIMEDOUT;
	return 0;
}

/* io_read - read up to n bytes; 0 at end of input, -1 with errno */
ssize_t
io_read(int fd, void *p, size_t n)
{
	ssize_t r;

	if (expired) {
		errno = ETIMEDOUT;
		return -1;
	}
	do
		r = read(fd, p, n);
	while (r < 0 && interrupted());
	return r;
}

/* io_write_all - write all n bytes or return -1 with errno */
int
io_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if (expired) {		/* also after a write cut short by it */
			errno = ETIMEDOUT;
			return -1;
		}
		w = write(fd, s, n);
		if (w < 0) {
			if (interrupted())
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * io_same_file - two stat results describe the same, unchanged file:
 * device, inode, size, modification and change time (a rename over it,
 * an edit, a chmod or chown all show)
 */
int
io_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}
