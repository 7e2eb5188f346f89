/*
 * header - collect a message's header block and split it into fields.
 */
#ifndef HEADER_H
#define HEADER_H

#include <stddef.h>

#include "buf.h"
#include "why.h"

#define HEADER_MAX	(1024 * 1024)	/* bytes in the header block */
#define HEADER_FIELDS	10000		/* fields in the header block */
#define DOMAIN_MAX	254

struct hfield {
	size_t	 off;		/* start of the field in the block */
	size_t	 len;		/* bytes, including its line endings */
	size_t	 namelen;	/* bytes of the name, before WSP and ':' */
};

struct header {
	struct buf	 block;		/* header block incl. the empty line */
	size_t		 line;		/* start of the current line */
	int		 done;		/* saw the empty line or end of input */
	int		 toobig;	/* block exceeded HEADER_MAX */
	int		 crlf;		/* first line ended in CRLF */
	struct hfield	*f;
	size_t		 nf;
};

void	header_init(struct header *);
void	header_free(struct header *);
size_t	header_feed(struct header *, const char *, size_t);
int	header_parse(struct header *, struct why *);
int	header_is(const struct header *, const struct hfield *, const char *);
const char *header_raw(const struct header *, const struct hfield *);
int	header_from(const struct header *, char *, size_t, char *, size_t,
	    struct why *);

#endif
