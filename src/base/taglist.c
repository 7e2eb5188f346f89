/*
 * taglist - the value of one tag in a tag list ("v=1; a=rsa-sha256; ..."),
 * as DKIM-Signature fields and key records write them: the first tag of
 * that name, its value with all white space removed (folding included).
 * Shared by verify, the key-record parser and in-place re-signing; it
 * checks no syntax (verify's taglist_ok does).
 */
#include <ctype.h>
#include <string.h>

#include "taglist.h"

/* taglist_get - 1 with tag t's value in out (truncated to size), else 0 */
int
taglist_get(const char *list, const char *t, char *out, size_t size)
{
	const char *p = list, *eq, *end, *n0, *n1;
	size_t o = 0;

	while (*p != '\0') {
		end = p + strcspn(p, ";");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL) {
			for (n0 = p; n0 < eq && isspace((unsigned char)*n0); n0++)
				;
			for (n1 = eq; n1 > n0 && isspace((unsigned char)n1[-1]); n1--)
				;
			if ((size_t)(n1 - n0) == strlen(t) && strncmp(n0, t, (size_t)(n1 - n0)) == 0) {
				for (eq++; eq < end; eq++)
					if (!isspace((unsigned char)*eq) && o + 1 < size)
						out[o++] = *eq;
				if (size > 0)
					out[o] = '\0';
				return 1;
			}
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}
