/*
 * io - read and write whole buffers on file descriptors.
 */
#include <errno.h>
#include <unistd.h>

#include "io.h"

/* io_read - read up to n bytes; 0 at end of input, -1 with errno */
ssize_t
io_read(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* io_write_all - write all n bytes or return -1 with errno */
int
io_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}
