/*
 * smtpout - re-injection over SMTP, for the long-lived LMTP mode (and
 * deliver, atomic: one answer for all recipients): one connection per
 * process to a filter-free, milter-free smtpd on loopback
 * (FILTER_README's advanced content filter pattern), kept across
 * transactions: RSET only after a transaction that did not end (MAIL
 * taken, no final reply to DATA); XFORWARD and MAIL go out together when
 * the next hop offers PIPELINING; a kept connection found dead at MAIL
 * is made anew once and MAIL sent again (nothing was taken yet). A
 * SIGTERM that comes while the dot's reply is awaited waits for it (only
 * the time limit cuts that wait short), so that a stop never leaves a
 * copy with the next hop that Postfix would send again. In deliver, a
 * 2xx to the dot is reported to deadline_accepted() at once: from then
 * on a late SIGTERM or time limit ends the run with 0, never 75.
 *
 * Each recipient gets the next hop's own answer: RCPT's reply if it
 * refused, else the reply to the end of DATA. Any doubt is a temporary
 * failure for every recipient without a final answer: a connection lost
 * or timed out after the message went out may leave a copy with the next
 * hop, but Postfix keeps ours queued, so mail can be duplicated, never
 * lost. The message is sent with CRLF line ends and dot-stuffed. This
 * module decides nothing else; pass.c applies the policy.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "deadline.h"
#include "hostport.h"
#include "smtpout.h"

#define SMTP_TIMEOUT	300	/* seconds for any one reply */
#define QUIT_TIMEOUT	5	/* seconds for the reply to QUIT */

void
smtpout_init(struct smtpout *so)
{
	so->fd = -1;
	so->used = 0;
	so->ext = 0;
	so->atomic = 0;
	so->peer[0] = '\0';
}

/*
 * smtpout_parse - "smtp:[addr]:port" or "smtp:addr:port" (hostport_parse
 * with a port required), loopback only, into cf->reinject_addr/len
 */
int
smtpout_parse(const char *v, struct conf *cf)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (strncmp(v, "smtp:", 5) != 0 ||
	    hostport_parse(v + 5, strlen(v + 5), 0, &ss, &len) < 0 ||
	    !hostport_loopback(&ss) || len > sizeof(cf->reinject_addr))
		return -1;
	memcpy(&cf->reinject_addr, &ss, len);
	cf->reinject_len = len;
	return 0;
}

/* extension - note an EHLO keyword we pass parameters for */
static void
extension(struct smtpout *so, const char *kw)
{
	size_t n = strcspn(kw, " ");

	if (n == 3 && strncasecmp(kw, "DSN", 3) == 0)
		so->ext |= EXT_DSN;
	else if (n == 8 && strncasecmp(kw, "SMTPUTF8", 8) == 0)
		so->ext |= EXT_SMTPUTF8;
	else if (n == 8 && strncasecmp(kw, "8BITMIME", 8) == 0)
		so->ext |= EXT_8BITMIME;
	else if (n == 8 && strncasecmp(kw, "XFORWARD", 8) == 0)
		so->ext |= EXT_XFORWARD;
	else if (n == 10 && strncasecmp(kw, "PIPELINING", 10) == 0)
		so->ext |= EXT_PIPELINING;
}

/*
 * reply - read one (multi-line) reply: its code, 0 when the peer is gone;
 * the lines' keywords are noted as extensions (they matter after EHLO)
 */
static int
reply_within(struct smtpout *so, char *text, size_t size, int timeout)
{
	char line[LMTP_LINE];

	do {
		if (lmtp_line(&so->io, line, sizeof(line), timeout) < 4 ||
		    line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
		    line[2] < '0' || line[2] > '9' || (line[3] != ' ' && line[3] != '-'))
			return 0;
		if (line[0] == '2')
			extension(so, line + 4);
	} while (line[3] == '-');
	strlcpy(text, line + 4, size);
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

static int
reply(struct smtpout *so, char *text, size_t size)
{
	return reply_within(so, text, size, SMTP_TIMEOUT);
}

/* reply_to - send what is queued, read one reply */
static int
reply_to(struct smtpout *so, char *text, size_t size)
{
	if (lmtp_flush(&so->io) < 0)
		return 0;
	return reply(so, text, size);
}

/* command - send one command line and read its reply */
static int
command(struct smtpout *so, char *text, size_t size, const char *line)
{
	lmtp_reply(&so->io, "%s", line);
	if (lmtp_flush(&so->io) < 0)
		return 0;
	return reply(so, text, size);
}

void
smtpout_close(struct smtpout *so)
{
	char text[256];

	if (so->fd < 0)
		return;
	lmtp_reply(&so->io, "QUIT");	/* its answer is not worth a long wait */
	if (lmtp_flush(&so->io) == 0)
		(void)reply_within(so, text, sizeof(text), QUIT_TIMEOUT);
	lmtp_free(&so->io);
	close(so->fd);
	smtpout_init(so);
}

static void
drop(struct smtpout *so)
{
	if (so->fd < 0)
		return;
	lmtp_free(&so->io);
	close(so->fd);
	smtpout_init(so);
}

/* lost - no answer: the connection is dropped; 0 with why and text set */
static int
lost(struct smtpout *so, const struct conf *cf, char *text, size_t size,
    struct why *why)
{
	drop(so);
	strlcpy(text, "4.4.2 lost connection to the re-injection server", size);
	why_set(why, EX_TEMPFAIL, "lost connection to %s", cf->reinject);
	return 0;
}

/* connect_peer - connect, read the greeting, EHLO; 0 or -1 with why */
static int
connect_peer(struct smtpout *so, const struct conf *cf, struct why *why)
{
	char text[256];
	int fd, code;

	if ((fd = socket(cf->reinject_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return why_set(why, EX_TEMPFAIL, "cannot make a socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)(const void *)&cf->reinject_addr,
	    cf->reinject_len) < 0) {
		why_set(why, EX_TEMPFAIL, "cannot connect to %s: %s", cf->reinject,
		    strerror(errno));
		close(fd);
		return -1;
	}
	so->fd = fd;
	so->used = 0;
	so->ext = 0;
	strlcpy(so->peer, cf->reinject, sizeof(so->peer));
	lmtp_init(&so->io, fd, fd);
	if ((code = reply(so, text, sizeof(text))) != 220 ||
	    (code = command(so, text, sizeof(text), "EHLO dkimpipe")) != 250) {
		drop(so);
		return why_set(why, EX_TEMPFAIL, "%s: %s %s", cf->reinject,
		    code ? "refused the session:" : "lost connection", code ? text : "");
	}
	return 0;
}

/*
 * ready - a connection for a new transaction: the kept one (after RSET
 * when the last transaction did not end), else a new one (so->fresh)
 */
static int
ready(struct smtpout *so, const struct conf *cf, struct why *why)
{
	char text[256];

	if (so->fd >= 0 && strcmp(so->peer, cf->reinject) != 0)
		smtpout_close(so);	/* the configuration names another */
	if (so->fd >= 0 && so->used) {
		if (command(so, text, sizeof(text), "RSET") != 250)
			drop(so);
		so->used = 0;
	}
	so->fresh = so->fd < 0;
	if (so->fd >= 0)
		return 0;
	return connect_peer(so, cf, why);
}

/* the DATA writer: CRLF line ends, dot-stuffing, in the output buffer */
struct dataout {
	struct smtpout	*so;
	int		 bol;		/* at the start of a line */
	int		 cr;		/* last byte was CR */
};

static int
data_out(void *arg, const char *p, size_t n)
{
	struct dataout *d = arg;
	struct buf *b = &d->so->io.obuf;
	const char *nl;
	size_t i = 0, end;

	while (i < n) {			/* a line, or the rest of one, at a time */
		if (d->bol && p[i] == '.')
			buf_addc(b, '.');
		nl = memchr(p + i, '\n', n - i);
		end = nl != NULL ? (size_t)(nl - p) : n;
		buf_add(b, p + i, end - i);
		if (end > i)
			d->cr = p[end - 1] == '\r';
		d->bol = nl != NULL;
		if (nl != NULL) {
			buf_add(b, d->cr ? "\n" : "\r\n", d->cr ? 1 : 2);
			d->cr = 0;
			end++;
		}
		i = end;
	}
	if (b->len >= 64 * 1024 && lmtp_flush(&d->so->io) < 0) {
		errno = EPIPE;
		return -1;
	}
	return 0;
}

/* all - the same answer for the recipients without one */
static void
all(struct rcpt_result *res, size_t n, int code, const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[i].code == 0 || res[i].code / 100 == 2) {
			res[i].code = code;
			strlcpy(res[i].text, text, sizeof(res[i].text));
		}
}

/*
 * refuse_all - a recipient was refused and the caller cannot report one
 * recipient at a time: no DATA; every recipient gets the refusal (a
 * temporary one if any was temporary), so the message stays queued or
 * bounces as a whole
 */
static int
refuse_all(struct smtpout *so, struct rcpt_result *res, size_t n)
{
	char text[256];
	size_t i, bad = n;

	for (i = 0; i < n; i++)
		if (res[i].code != 0 && (bad == n || res[i].code / 100 == 4))
			bad = i;
	for (i = 0; i < n; i++)
		if (i != bad)
			res[i] = res[bad];
	if (command(so, text, sizeof(text), "RSET") != 250)
		drop(so);
	so->used = 0;
	return 0;
}

/* send_data - DATA, the message, the dot; the final reply's code */
static int
send_data(struct smtpout *so, struct signed_msg *m, int with_sigs,
    char *text, size_t size, struct why *why)
{
	struct dataout d = { so, 1, 0 };
	sigset_t old;
	int code;

	if ((code = command(so, text, size, "DATA")) != 354) {
		if (code / 100 == 2 || code / 100 == 3) {	/* out of step: doubt */
			strlcpy(text, "4.4.2 unexpected reply to DATA from the "
			    "re-injection server", size);
			drop(so);
			return 451;
		}
		return code;
	}
	if ((with_sigs && data_out(&d, m->sigs.data, m->sigs.len) < 0) ||
	    signer_each(m, data_out, &d, why) < 0)
		return 0;
	if (!d.bol)
		buf_add(&so->io.obuf, "\r\n", 2);
	buf_add(&so->io.obuf, ".\r\n", 3);
	/*
	 * the dot and its reply: a SIGTERM now would leave a copy with the
	 * next hop and have Postfix send it again; it waits until the reply
	 * is in (the time limit still holds)
	 */
	deadline_hold_term(&old);
	if ((code = reply_to(so, text, size)) != 0)
		so->used = 0;		/* any final reply ends the transaction */
	if (so->atomic && code / 100 == 2)
		deadline_accepted();	/* deliver: before the SIGTERM comes */
	deadline_release(&old);
	return code;
}

/*
 * mail_from - MAIL FROM with the parameters the original transaction had,
 * as far as the next hop offers the extensions
 */
static void
mail_from(const struct smtpout *so, const struct envelope *env, char *line,
    size_t size)
{
	int n;

	n = snprintf(line, size, "MAIL FROM:<%s>", env->sender);
	if (env->body8 && (so->ext & EXT_8BITMIME) && n > 0 && (size_t)n < size)
		n += snprintf(line + n, size - (size_t)n, " BODY=8BITMIME");
	if (env->smtputf8 && (so->ext & EXT_SMTPUTF8) && n > 0 && (size_t)n < size)
		n += snprintf(line + n, size - (size_t)n, " SMTPUTF8");
	if (env->ret && (so->ext & EXT_DSN) && n > 0 && (size_t)n < size)
		n += snprintf(line + n, size - (size_t)n, " RET=%s", env->ret);
	if (env->envid && (so->ext & EXT_DSN) && n > 0 && (size_t)n < size)
		(void)snprintf(line + n, size - (size_t)n, " ENVID=%s", env->envid);
}

/* rcpt_to - RCPT TO with the recipient's NOTIFY and ORCPT, if any */
static void
rcpt_to(const struct smtpout *so, const struct envelope *env, size_t i,
    char *line, size_t size)
{
	int n;

	n = snprintf(line, size, "RCPT TO:<%s>", env->rcpt[i]);
	if (!(so->ext & EXT_DSN))
		return;
	if (env->notify && env->notify[i] && n > 0 && (size_t)n < size)
		n += snprintf(line + n, size - (size_t)n, " NOTIFY=%s", env->notify[i]);
	if (env->orcpt && env->orcpt[i] && n > 0 && (size_t)n < size)
		(void)snprintf(line + n, size - (size_t)n, " ORCPT=%s", env->orcpt[i]);
}

/*
 * mail_cmds - XFORWARD (when there are attributes and the next hop takes
 * them) and MAIL, in one write with PIPELINING: MAIL's reply code, 0
 * when the connection broke
 */
static int
mail_cmds(struct smtpout *so, const char *xfwd, const char *mail, char *text,
    size_t size)
{
	int xf = xfwd != NULL && *xfwd != '\0' && (so->ext & EXT_XFORWARD);
	int piped = so->ext & EXT_PIPELINING;
	int code;

	if (xf) {
		lmtp_reply(&so->io, "XFORWARD %s", xfwd);
		if (piped)		/* in the same write */
			lmtp_reply(&so->io, "%s", mail);
		if ((code = reply_to(so, text, size)) == 0)
			return 0;
		if (code != 250)	/* not authorized: go on without it */
			so->ext &= ~EXT_XFORWARD;
		if (piped)
			return reply_to(so, text, size);
	}
	lmtp_reply(&so->io, "%s", mail);
	return reply_to(so, text, size);
}

/*
 * smtpout_mail - the start of a transaction: a connection that answers,
 * XFORWARD (xfwd: "NAME=... ADDR=...", or NULL) when the next hop offers
 * it, then MAIL FROM. The next hop's reply code with its text, or 0 with
 * why set when it could not be reached or the connection broke.
 */
int
smtpout_mail(struct smtpout *so, const struct conf *cf,
    const struct envelope *env, const char *xfwd, char *text, size_t size,
    struct why *why)
{
	char line[2 * LMTP_LINE];
	int code;

	if (ready(so, cf, why) < 0) {
		strlcpy(text, "4.4.1 cannot reach the re-injection server", size);
		return 0;
	}
	mail_from(so, env, line, sizeof(line));
	if ((code = mail_cmds(so, xfwd, line, text, size)) == 0 && !so->fresh) {
		drop(so);		/* the kept connection had gone: anew, once */
		if (ready(so, cf, why) < 0) {
			strlcpy(text, "4.4.1 cannot reach the re-injection server", size);
			return 0;
		}
		code = mail_cmds(so, xfwd, line, text, size);
	}
	if (code == 0)
		return lost(so, cf, text, size, why);
	so->used = code / 100 == 2;	/* a transaction is open */
	return code;
}

/*
 * smtpout_rcpt - RCPT TO for recipient i of env: the next hop's reply
 * code with its text, 0 (why set) when the connection is gone
 */
int
smtpout_rcpt(struct smtpout *so, const struct conf *cf,
    const struct envelope *env, size_t i, char *text, size_t size,
    struct why *why)
{
	char line[2 * LMTP_LINE];
	int code;

	if (so->fd < 0)
		return lost(so, cf, text, size, why);
	rcpt_to(so, env, i, line, sizeof(line));
	if ((code = command(so, text, size, line)) == 0)
		return lost(so, cf, text, size, why);
	return code;
}

/*
 * smtpout_data - DATA and the message (with the signature fields when
 * with_sigs): the next hop's final reply code with its text, 0 (why set)
 * when the connection broke before it answered
 */
int
smtpout_data(struct smtpout *so, const struct conf *cf, struct signed_msg *m,
    int with_sigs, char *text, size_t size, struct why *why)
{
	int code;

	if (so->fd < 0)
		return lost(so, cf, text, size, why);
	if ((code = send_data(so, m, with_sigs, text, size, why)) == 0)
		return lost(so, cf, text, size, why);
	return code;
}

/* smtpout_abort - the transaction on the next hop ends without a message */
void
smtpout_abort(struct smtpout *so)
{
	char text[256];

	if (so->fd >= 0 && so->used &&
	    command(so, text, sizeof(text), "RSET") != 250)
		drop(so);
	else
		so->used = 0;
}

/*
 * smtpout_send - one transaction; res[i] gets each recipient's answer.
 * 0 when the next hop answered, -1 (why says) when it could not be
 * reached or the connection broke: then every recipient without a
 * final answer has a 4xx in res.
 */
int
smtpout_send(struct smtpout *so, const struct conf *cf,
    const struct envelope *env, struct signed_msg *m, int with_sigs,
    struct rcpt_result *res, struct why *why)
{
	char text[256];
	size_t i, ok = 0, n = env->n;
	int code;

	memset(res, 0, n * sizeof(*res));
	if ((code = smtpout_mail(so, cf, env, NULL, text, sizeof(text), why)) == 0) {
		all(res, n, 451, text);
		return -1;
	}
	if (code != 250) {
		all(res, n, code, text);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if ((code = smtpout_rcpt(so, cf, env, i, text, sizeof(text), why)) == 0)
			break;
		res[i].code = code == 250 || code == 251 ? 0 : code;
		if (res[i].code != 0)
			strlcpy(res[i].text, text, sizeof(res[i].text));
		else
			ok++;
	}
	if (ok == 0)
		return 0;
	if (so->atomic && ok < n)
		return refuse_all(so, res, n);
	if (i == n)
		code = smtpout_data(so, cf, m, with_sigs, text, sizeof(text), why);
	if (code == 0) {
		all(res, n, 451, text);
		return -1;
	}
	all(res, n, code, text);	/* a 2xx: send_data told deadline_accepted */
	return 0;
}
