/*
 * wrap - lines no longer than the next hop's line length limit, in the
 * form Postfix's smtp(8) client would give them on output.
 */
#ifndef WRAP_H
#define WRAP_H

#include <stddef.h>

#include "buf.h"

#define WRAP_DEFAULT	998	/* Postfix's smtp_line_length_limit */

struct wrap {
	size_t		 limit;	/* octets per line, line ending excluded; 0: off */
	int		 body;	/* past the empty line that ends the header */
	int		 crlf;	/* line endings: 1 CRLF, 0 LF, -1 not seen yet */
	size_t		 col;	/* body: octets on the current line so far */
	struct buf	 line;	/* header: the current line, not yet sent */
	size_t		 start;	/* header: where its unsent part starts */
};

void	wrap_init(struct wrap *, size_t);
void	wrap_free(struct wrap *);
void	wrap_run(struct wrap *, const char *, size_t, struct buf *);
void	wrap_end(struct wrap *, struct buf *);

#endif
