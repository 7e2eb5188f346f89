/*
 * eol - line endings for signing (RFC 6376 section 5.3): a bare CR, a
 * bare LF in a message that uses CRLF, and a CRLF in a message that uses
 * LF become the message's own line ending, both in what is signed and in
 * what is sent on. The style is that of the first line ending (LF when a
 * bare CR comes first), as Postfix's sendmail(1) decides it: it keeps
 * the CR of a later CRLF in an LF message as content, which would break
 * a signature that took it for a line ending.
 */
#ifndef EOL_H
#define EOL_H

#include <stddef.h>

#include "buf.h"

enum eol_style { EOL_UNKNOWN, EOL_LF, EOL_CRLF };

struct eol {
	enum eol_style	 style;
	int		 cr;	/* the last byte seen was a CR */
};

void	eol_init(struct eol *);
void	eol_run(struct eol *, const char *, size_t, struct buf *);
void	eol_end(struct eol *, struct buf *);

#endif
