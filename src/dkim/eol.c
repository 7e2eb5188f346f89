/*
 * eol - make every line ending the message's own: bare CRs, bare LFs in
 * CRLF messages, and CRLFs in LF messages.
 *
 * A stream filter with one byte of look-behind, so chunk boundaries do not
 * matter and the same bytes in always give the same bytes out: the signer
 * runs it once on the way in (what is hashed) and again on every way out
 * (what is sent), over the unchanged spool. It does not look at content.
 */
#include "eol.h"

void
eol_init(struct eol *e)
{
	e->style = EOL_UNKNOWN;
	e->cr = 0;
}

/* line_end - one line ending in the message's style */
static void
line_end(struct eol *e, struct buf *out)
{
	if (e->style == EOL_UNKNOWN)
		e->style = EOL_LF;
	if (e->style == EOL_CRLF)
		buf_add(out, "\r\n", 2);
	else
		buf_addc(out, '\n');
}

void
eol_run(struct eol *e, const char *p, size_t n, struct buf *out)
{
	size_t i = 0, j;

	while (i < n) {
		if (e->cr) {
			e->cr = 0;
			if (p[i] == '\n') {		/* CRLF: in an LF message, LF */
				if (e->style == EOL_UNKNOWN)
					e->style = EOL_CRLF;
				line_end(e, out);
				i++;
				continue;
			}
			line_end(e, out);		/* bare CR */
		}
		for (j = i; j < n && p[j] != '\r' && p[j] != '\n'; j++)
			continue;
		buf_add(out, p + i, j - i);
		if (j == n)
			break;
		if (p[j] == '\r')
			e->cr = 1;
		else
			line_end(e, out);		/* LF */
		i = j + 1;
	}
}

/* eol_end - the input is over: a CR at its very end is a line ending */
void
eol_end(struct eol *e, struct buf *out)
{
	if (e->cr) {
		e->cr = 0;
		line_end(e, out);
	}
}
