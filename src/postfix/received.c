/*
 * received - find the queue id that Postfix wrote into the topmost
 * Received: field ("by host (Postfix, from userid 0) id 4Zx...;" for
 * pickup, "... (Postfix) with ESMTP id 4Zx..." for smtpd), so that the
 * lmtp mode can name the message in its log when Postfix's LMTP client
 * sent no XFORWARD IDENT (it sends none for mail submitted with
 * sendmail(1)). Only the topmost field counts: Postfix prepends its own
 * to every message it accepts. The result names a log line and nothing
 * else; it decides nothing.
 */
#include <string.h>

#include "header.h"
#include "received.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* find - the first occurrence of word w in s[0..n) on its own: 0 or its end */
static size_t
find(const char *s, size_t n, const char *w, size_t from)
{
	size_t i, k = strlen(w);

	for (i = from; i + k + 1 < n; i++)
		if (is_space(s[i]) && memcmp(s + i + 1, w, k) == 0 &&
		    is_space(s[i + 1 + k]))
			return i + 1 + k;
	return 0;
}

/*
 * received_qid - the queue id (5 to size-1 letters and digits) after
 * "id" in the topmost Received: field if Postfix wrote it: 0, else -1
 */
int
received_qid(const struct header *h, char *out, size_t size)
{
	const struct hfield *f;
	const char *s, *p;
	size_t i, n, k;

	for (i = 0; i < h->nf; i++)
		if (header_is(h, &h->f[i], "received"))
			break;
	if (i == h->nf)
		return -1;
	f = &h->f[i];
	s = header_raw(h, f);
	n = f->len;
	if ((p = memmem(s, n, "(Postfix", 8)) == NULL ||
	    (k = find(s, n, "id", (size_t)(p - s))) == 0)
		return -1;
	while (k < n && is_space(s[k]))
		k++;
	for (i = 0; k + i < n && is_alnum(s[k + i]); i++)
		;
	if (i < 5 || i >= size || (k + i < n && s[k + i] != ';' && !is_space(s[k + i])))
		return -1;
	memcpy(out, s + k, i);
	out[i] = '\0';
	return 0;
}
