/*
 * fuzz_lmtp - the LMTP server's parsers: one command line (verb,
 * MAIL FROM / RCPT TO path, parameters), and DATA: the streamed
 * dot-unstuffing and CRLF conversion must give what a plain line-by-line
 * reading of RFC 5321's transparency rule gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmtp.h"

static void
command(const uint8_t *d, size_t n)
{
	char line[LMTP_LINE], addr[LMTP_LINE], key[32], val[LMTP_LINE];
	const char *arg, *params;

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, d, n);
	line[n] = '\0';
	(void)lmtp_verb(line, &arg);
	if (lmtp_path(arg, "FROM:", addr, sizeof(addr), &params) == 0)
		while (lmtp_param(&params, key, sizeof(key), val, sizeof(val)) > 0)
			;
	if (lmtp_path(arg, "TO:", addr, sizeof(addr), &params) == 0)
		while (lmtp_param(&params, key, sizeof(key), val, sizeof(val)) > 0)
			;
}

struct out {
	char	*p;
	size_t	 n;
};

static void
sink(void *arg, const char *p, size_t n)
{
	struct out *o = arg;

	memcpy(o->p + o->n, p, n);
	o->n += n;
}

/* reference - complete lines up to the lone dot; -1 without one */
static long
reference(const uint8_t *d, size_t n, char *out)
{
	size_t i = 0, o = 0, e, len;

	while (i < n) {
		const uint8_t *nl = memchr(d + i, '\n', n - i);

		if (nl == NULL)
			return -1;
		e = (size_t)(nl - d);
		len = e - i;
		if (len > 0 && d[e - 1] == '\r')
			len--;
		if (len == 1 && d[i] == '.')
			return (long)o;
		if (len > 0 && d[i] == '.') {
			i++;
			len--;
		}
		memcpy(out + o, d + i, len);
		o += len;
		out[o++] = '\n';
		i = e + 1;
	}
	return -1;
}

static void
data(const uint8_t *d, size_t n)
{
	static char a[70000], b[70000];
	struct out o = { a, 0 };
	struct lmtp l;
	int fds[2], r;
	long ref;

	if (n > 60000 || pipe(fds) < 0)
		return;
	if (write(fds[1], d, n) != (ssize_t)n)
		abort();
	close(fds[1]);
	lmtp_init(&l, fds[0], -1);
	r = lmtp_data(&l, sink, &o, 5);
	lmtp_free(&l);
	close(fds[0]);
	ref = reference(d, n, b);
	if ((r == 0) != (ref >= 0))
		abort();
	if (r == 0 && ((size_t)ref != o.n || memcmp(a, b, o.n) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	command(d, n);
	data(d, n);
	return 0;
}
