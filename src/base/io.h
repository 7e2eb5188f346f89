/*
 * io - read and write whole buffers on file descriptors, retrying on
 * EINTR and short counts. No buffering, no policy. Once the deadline
 * (deadline.h) has passed,
 * blocking reads and writes fail with ETIMEDOUT instead of waiting on.
 */
#ifndef IO_H
#define IO_H

#include <sys/types.h>

ssize_t	io_read(int, void *, size_t);
int	io_write_all(int, const void *, size_t);
struct stat;
int	io_same_file(const struct stat *, const struct stat *);

#endif
