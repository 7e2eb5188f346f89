/*
 * envelope - syntax of the DSN parameters (RFC 3461 section 4) that the
 * LMTP mode accepts and passes on, and xtext decoding for sendmail(1)'s
 * -V. Values are kept as the client sent them; nothing here decides
 * where they go.
 */
#include <string.h>
#include <strings.h>

#include "envelope.h"

#define ORCPT_MAX	500	/* RFC 3461 4.2 */

/* env_notify_ok - "NEVER", or a list of SUCCESS, FAILURE, DELAY */
int
env_notify_ok(const char *v)
{
	size_t n;

	if (strcasecmp(v, "NEVER") == 0)
		return 1;
	for (;;) {
		n = strcspn(v, ",");
		if (!((n == 7 && strncasecmp(v, "SUCCESS", 7) == 0) ||
		    (n == 7 && strncasecmp(v, "FAILURE", 7) == 0) ||
		    (n == 5 && strncasecmp(v, "DELAY", 5) == 0)))
			return 0;
		if (v[n] == '\0')
			return 1;
		v += n + 1;
	}
}

int
env_ret_ok(const char *v)
{
	return strcasecmp(v, "FULL") == 0 || strcasecmp(v, "HDRS") == 0;
}

static int
hexdigit(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* env_xtext_ok - RFC 3461 4 xtext of at most max bytes */
int
env_xtext_ok(const char *v, size_t max)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] == '+') {
			if (!hexdigit(v[i + 1]) || !hexdigit(v[i + 2]))
				return 0;
			i += 2;
		} else if (v[i] < '!' || v[i] > '~' || v[i] == '=')
			return 0;
	}
	return 1;
}

/* env_orcpt_ok - "addr-type;xtext" */
int
env_orcpt_ok(const char *v)
{
	const char *semi = strchr(v, ';');

	return semi != NULL && semi > v && env_xtext_ok(semi + 1, ORCPT_MAX);
}

/* env_xtext_decode - the bytes an xtext stands for, NUL-terminated */
void
env_xtext_decode(const char *v, char *out, size_t size)
{
	size_t o = 0;
	int hi, lo;

	for (; *v != '\0' && o + 1 < size; v++) {
		if (*v == '+' && hexdigit(v[1]) && hexdigit(v[2])) {
			hi = v[1] <= '9' ? v[1] - '0' : v[1] - 'A' + 10;
			lo = v[2] <= '9' ? v[2] - '0' : v[2] - 'A' + 10;
			out[o++] = (char)(hi * 16 + lo);
			v += 2;
		} else
			out[o++] = *v;
	}
	out[o] = '\0';
}

/* env_same_notify - two NOTIFY values (or NULLs) that mean the same */
int
env_same_notify(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}
