/*
 * buf - a growable byte buffer with explicit length, always NUL-terminated
 * for convenience (the NUL is not counted). Growth is overflow-checked.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
void	buf_reserve(struct buf *, size_t);
void	buf_add(struct buf *, const void *, size_t);
void	buf_addc(struct buf *, int);
void	buf_adds(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
