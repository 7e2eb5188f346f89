/*
 * addfields - make the Date: and Message-ID: fields that a message
 * lacks, before it is signed. Postfix's cleanup adds them to a local
 * submission, but not to mail resubmitted with sendmail -G or through
 * the re-injection smtpd (local_header_rewrite_clients is empty there),
 * so a script's message handed to dkimpipe deliver would leave without
 * them. The new fields go in front of the header block, where the
 * signer sees and signs them, and into a buffer that the signer writes
 * before the message. Nothing else is added, and a field that is there
 * is never changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addfields.h"

#define HOST_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

/*
 * addfields_host - the host name for Message-ID: the configured one,
 * else the POSTLOG_HOSTNAME ($myhostname) that Postfix hands its child
 * processes when export_environment lets it through, else the system's,
 * completed as Postfix completes it (".localdomain" without a dot)
 */
void
addfields_host(const char *configured, char *host, size_t size)
{
	const char *e = configured ? configured : getenv("POSTLOG_HOSTNAME");
	size_t n = e != NULL ? strlen(e) : 0;

	if (n > 0 && n < size && strspn(e, HOST_CHARS) == n) {
		memcpy(host, e, n + 1);
		return;
	}
	if (gethostname(host, size) < 0 || host[0] == '\0')
		strlcpy(host, "localhost", size);
	host[size - 1] = '\0';
	host[strspn(host, HOST_CHARS)] = '\0';
	if (strchr(host, '.') == NULL)
		strlcat(host, ".localdomain", size);
}

/* has - does the header have a field of this name */
static int
has(const struct header *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nf; i++)
		if (header_is(h, &h->f[i], name))
			return 1;
	return 0;
}

/* date_field - "Date: Tue, 01 Dec 2026 20:49:15 +0100" (RFC 5322 3.3) */
static void
date_field(struct buf *b, time_t t, const char *eol)
{
	struct tm tm;
	char s[64];

	localtime_r(&t, &tm);
	strftime(s, sizeof(s), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_printf(b, "Date: %s%s", s, eol);
}

/* msgid_field - "Message-ID: <time.random@host>", unique per message */
static void
msgid_field(struct buf *b, time_t t, const char *host, const char *eol)
{
	unsigned char r[10];
	struct timespec ts;
	struct tm tm;
	char s[32];
	size_t i;

	if (getentropy(r, sizeof(r)) < 0) {	/* not seen on Linux >= 3.17 */
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, sizeof(long) < sizeof(r) ? sizeof(long) :
		    sizeof(r));
		r[sizeof(r) - 1] ^= (unsigned char)getpid();
	}
	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y%m%d%H%M%S", &tm);
	buf_printf(b, "Message-ID: <%s.", s);
	for (i = 0; i < sizeof(r); i++)
		buf_printf(b, "%02x", r[i]);
	buf_printf(b, "@%s>%s", host, eol);
}

/*
 * addfields - add what h lacks of Date and Message-ID, both to h (which
 * is parsed again) and to out. Returns 0, or -1 when the header no
 * longer parses (it did before: not expected).
 */
int
addfields(struct header *h, const char *host, time_t now, struct buf *out,
    struct why *why)
{
	const char *eol = h->crlf ? "\r\n" : "\n";
	struct buf block;
	size_t before = out->len;

	if (!has(h, "Date"))
		date_field(out, now, eol);
	if (!has(h, "Message-ID"))
		msgid_field(out, now, host, eol);
	if (out->len == before)
		return 0;
	buf_init(&block);
	buf_add(&block, out->data + before, out->len - before);
	buf_add(&block, h->block.data, h->block.len);
	buf_free(&h->block);
	h->block = block;
	h->nf = 0;
	return header_parse(h, why);
}
