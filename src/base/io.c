/*
 * io - read and write whole buffers on file descriptors, retrying on
 * EINTR and short counts; no buffering, no policy.
 *
 * The signals and the deadline are deadline.c's: a SIGALRM or SIGTERM
 * interrupts a blocked read or write with EINTR, and once
 * deadline_expired() says so the loops here give up with ETIMEDOUT
 * instead of retrying. A signal that cuts a write short makes it return
 * the bytes written so far, so the flag is checked before every write
 * too. Nothing here keeps any state.
 */
#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include "deadline.h"
#include "io.h"

/* interrupted - EINTR: retry, unless the deadline has passed */
static int
interrupted(void)
{
	if (errno != EINTR)
		return 0;
	if (!deadline_expired())
		return 1;
	errno = ETIMEDOUT;
	return 0;
}

/* io_read - read up to n bytes; 0 at end of input, -1 with errno */
ssize_t
io_read(int fd, void *p, size_t n)
{
	ssize_t r;

	if (deadline_expired()) {
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
		if (deadline_expired()) {	/* also after a write cut short */
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
