/*
 * canon - DKIM canonicalization (RFC 6376 section 3.4) of header fields
 * and of the body, and the body hash.
 */
#ifndef CANON_H
#define CANON_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "buf.h"

enum canon { CANON_SIMPLE, CANON_RELAXED };

int	canon_parse(const char *, enum canon *, enum canon *);
void	canon_header(struct buf *, enum canon, const char *, size_t);

#define BODY_OUT	8192

struct bodyhash {
	enum canon	 canon;
	EVP_MD_CTX	*md;
	int		 cr;		/* last byte was CR, not yet known bare */
	int		 ws;		/* white space seen, not yet emitted */
	int		 inline_;	/* current line has canonical content */
	int		 any;		/* emitted anything at all */
	uint64_t	 blank;		/* empty lines held back */
	uint64_t	 limit;		/* hash at most this many bytes (l=) */
	uint64_t	 hashed;	/* canonical bytes flushed so far */
	size_t		 olen;
	unsigned char	 out[BODY_OUT];
};

void	bodyhash_init(struct bodyhash *, enum canon);
void	bodyhash_update(struct bodyhash *, const char *, size_t);
void	bodyhash_final(struct bodyhash *, unsigned char[32]);
void	bodyhash_free(struct bodyhash *);

#endif
