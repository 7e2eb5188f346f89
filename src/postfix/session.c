/*
 * session - the protocol engine that "dkimpipe lmtp" (LMTP, RFC 2033,
 * under spawn(8) behind Postfix's lmtp client) and "dkimpipe proxy"
 * (ESMTP, as Postfix's smtpd_proxy_filter, under spawn(8) or run by
 * master(8) itself) share: the greeting, hello, XFORWARD, MAIL and RCPT
 * syntax and parameters (DSN, SMTPUTF8, 8BITMIME, SIZE), the transaction
 * state, DATA into the signer, RSET, NOOP, QUIT, the bad-command limit
 * and the process's lifetime.
 * What a dialect decides (struct dialect: whether MAIL and RCPT are
 * accepted, where the message goes, what the end of DATA answers) is in
 * its mode's file. The configuration is checked before every
 * transaction and read again when it changed (liveconf.c); decoded keys
 * are kept (keycache.c); a broken configuration answers MAIL with 451
 * until it is fixed. The process ends between transactions only: after
 * lmtp_max_messages messages, lmtp_idle_time without a command, or once
 * lmtp_lifetime has passed, at end of input and after QUIT. Nothing is
 * ever written to stderr when it is the socket (spawn(8)); records go to
 * syslog or postlog.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "conffile.h"
#include "io.h"
#include "keywatch.h"
#include "log.h"
#include "monotime.h"
#include "received.h"
#include "session.h"
#include "xmem.h"

#define MAX_RCPT	1000	/* recipients per transaction */
#define MAX_ERRORS	20	/* bad commands since the last message: hang up */

/* reset - forget the transaction (RSET, LHLO, after DATA) */
static void
reset(struct session *s)
{
	size_t i;

	for (i = 0; i < s->nrcpt; i++) {
		free(s->rcpt[i]);
		free(s->notify[i]);
		free(s->orcpt[i]);
	}
	s->nrcpt = 0;
	s->mail = 0;
	s->sender[0] = '\0';
	s->ret[0] = '\0';
	s->envid[0] = '\0';
	s->smtputf8 = 0;
	s->body8 = 0;
	s->ident[0] = '\0';
	s->client[0] = '\0';
	s->xfwd[0] = '\0';
	s->xforward = 0;
}

static void
bad(struct session *s, const char *reply)
{
	lmtp_reply(&s->io, "%s", reply);
	if (++s->errors >= MAX_ERRORS) {
		lmtp_reply(&s->io, "421 4.7.0 too many errors, closing");
		s->quit = 1;
	}
}

/* do_hello - LHLO or EHLO (extended: 1), or HELO (0) */
static void
do_hello(struct session *s, const char *arg, int extended)
{
	const struct conf *cf = &s->live.cf;

	if (*arg == '\0') {
		bad(s, s->d->lmtp ? "501 5.5.4 syntax: LHLO hostname" :
		    "501 5.5.4 syntax: EHLO hostname");
		return;
	}
	reset(s);
	s->hello = 1;
	if (!extended) {
		lmtp_reply(&s->io, "250 dkimpipe");
		return;
	}
	lmtp_reply(&s->io, "250-dkimpipe");
	lmtp_reply(&s->io, "250-PIPELINING");
	if (cf->size_limit > 0)
		lmtp_reply(&s->io, "250-SIZE %lld", (long long)cf->size_limit);
	else
		lmtp_reply(&s->io, "250-SIZE");
	lmtp_reply(&s->io, "250-ENHANCEDSTATUSCODES");
	lmtp_reply(&s->io, "250-8BITMIME");
	lmtp_reply(&s->io, "250-SMTPUTF8");
	lmtp_reply(&s->io, "250-DSN");
	lmtp_reply(&s->io, "250 XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT");
}

/* queue_id - keep an XFORWARD IDENT that looks like a Postfix queue id */
static void
queue_id(struct session *s, const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n >= sizeof(s->ident))
		return;
	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= 'a' && v[i] <= 'z')))
			return;
	memcpy(s->ident, v, n + 1);
}

/*
 * keep_xforward - the attributes the next hop may log (NAME ADDR PORT
 * PROTO HELO), printable and as they came (xtext); never SOURCE, whose
 * LOCAL would have the next hop rewrite the signed headers, nor IDENT,
 * which is this hop's
 */
static void
keep_xforward(struct session *s, const char *key, const char *val)
{
	static const char *const pass[] = { "NAME", "ADDR", "PORT", "PROTO", "HELO" };
	size_t i, n = strlen(s->xfwd);

	for (i = 0; val[i] != '\0'; i++)
		if ((unsigned char)val[i] <= ' ' || (unsigned char)val[i] >= 0x7f)
			return;
	if (i == 0)
		return;
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		if (strcmp(key, pass[i]) == 0)
			break;
	if (i == sizeof(pass) / sizeof(pass[0]) ||
	    n + strlen(key) + strlen(val) + 3 > sizeof(s->xfwd))
		return;
	if (n > 0)
		strlcat(s->xfwd, " ", sizeof(s->xfwd));
	strlcat(s->xfwd, key, sizeof(s->xfwd));
	strlcat(s->xfwd, "=", sizeof(s->xfwd));
	strlcat(s->xfwd, val, sizeof(s->xfwd));
}

static void
do_xforward(struct session *s, const char *arg)
{
	char key[32], val[LMTP_LINE];
	int r;

	if (!s->hello || s->mail) {
		bad(s, "503 5.5.1 XFORWARD only before MAIL");
		return;
	}
	while ((r = lmtp_param(&arg, key, sizeof(key), val, sizeof(val))) > 0) {
		if (strcmp(key, "IDENT") == 0)
			queue_id(s, val);
		else if (strcmp(key, "ADDR") == 0)
			strlcpy(s->client, val, sizeof(s->client));
		keep_xforward(s, key, val);
	}
	if (r < 0) {
		bad(s, "501 5.5.4 bad XFORWARD attribute");
		return;
	}
	s->xforward = 1;
	lmtp_reply(&s->io, "250 2.0.0 Ok");
}

/* mail_params - check and keep MAIL FROM parameters; a reply, or NULL */
static const char *
mail_params(struct session *s, const char *params)
{
	char key[32], val[LMTP_LINE];
	long long size;
	const char *err;
	int r;

	while ((r = lmtp_param(&params, key, sizeof(key), val, sizeof(val))) > 0) {
		if (strcmp(key, "SIZE") == 0) {
			size = strtonum(val, 0, LLONG_MAX, &err);
			if (!isdigit((unsigned char)val[0]) ||
			    (err != NULL && errno != ERANGE))
				return "501 5.5.4 bad SIZE parameter";
			if (err != NULL)	/* more digits than a long long: huge */
				size = LLONG_MAX;
			if (s->live.cf.size_limit > 0 && size > s->live.cf.size_limit)
				return "552 5.3.4 message size exceeds the limit";
		} else if (strcmp(key, "BODY") == 0) {
			if (strcasecmp(val, "7BIT") != 0 && strcasecmp(val, "8BITMIME") != 0)
				return "555 5.5.4 unsupported BODY parameter";
			s->body8 = strcasecmp(val, "8BITMIME") == 0;
		} else if (strcmp(key, "SMTPUTF8") == 0) {
			if (val[0] != '\0')
				return "501 5.5.4 SMTPUTF8 takes no value";
			s->smtputf8 = 1;
		} else if (strcmp(key, "RET") == 0) {
			if (!env_ret_ok(val) || s->ret[0] != '\0')
				return "501 5.5.4 bad RET parameter";
			strlcpy(s->ret, val, sizeof(s->ret));
		} else if (strcmp(key, "ENVID") == 0) {
			if (!env_xtext_ok(val, ENV_ENVID_MAX) || s->envid[0] != '\0')
				return "501 5.5.4 bad ENVID parameter";
			strlcpy(s->envid, val, sizeof(s->envid));
		} else if (strcmp(key, "AUTH") != 0)
			return "555 5.5.4 unsupported MAIL parameter";
	}
	return r < 0 ? "501 5.5.4 bad MAIL parameter" : NULL;
}

static void
do_mail(struct session *s, const char *arg)
{
	const char *params, *err;

	if (!s->hello) {
		bad(s, s->d->lmtp ? "503 5.5.1 send LHLO first" : "503 5.5.1 send EHLO first");
		return;
	}
	if (s->mail) {
		bad(s, "503 5.5.1 nested MAIL command");
		return;
	}
	if (lmtp_path(arg, "FROM:", s->sender, sizeof(s->sender), &params) < 0) {
		bad(s, "501 5.1.7 bad sender address syntax");
		return;
	}
	if (liveconf_current(&s->live) < 0) {
		lmtp_reply(&s->io, "451 4.3.5 dkimpipe: configuration error: %s",
		    s->live.why.text);
		return;
	}
	if ((err = mail_params(s, params)) != NULL) {
		bad(s, err);
		return;
	}
	if (s->d->mail(s) == 0)
		s->mail = 1;
	else {
		s->sender[0] = '\0';
		s->ret[0] = s->envid[0] = '\0';
		s->smtputf8 = s->body8 = 0;
	}
}

static void
do_rcpt(struct session *s, const char *arg)
{
	char addr[LMTP_LINE], key[32], val[LMTP_LINE];
	char *notify = NULL, *orcpt = NULL;
	const char *params;
	int r;

	if (!s->mail) {
		bad(s, "503 5.5.1 need MAIL command");
		return;
	}
	if (lmtp_path(arg, "TO:", addr, sizeof(addr), &params) < 0 || addr[0] == '\0') {
		bad(s, "501 5.1.3 bad recipient address syntax");
		return;
	}
	while ((r = lmtp_param(&params, key, sizeof(key), val, sizeof(val))) > 0) {
		if (strcmp(key, "NOTIFY") == 0 && notify == NULL && env_notify_ok(val))
			notify = xstrdup(val);
		else if (strcmp(key, "ORCPT") == 0 && orcpt == NULL && env_orcpt_ok(val))
			orcpt = xstrdup(val);
		else {
			r = -1;
			break;
		}
	}
	if (r != 0) {
		free(notify);
		free(orcpt);
		bad(s, "555 5.5.4 unsupported or bad RCPT parameter");
		return;
	}
	if (s->nrcpt >= MAX_RCPT) {
		free(notify);
		free(orcpt);
		lmtp_reply(&s->io, "452 4.5.3 too many recipients");
		return;
	}
	s->rcpt = xreallocarray(s->rcpt, s->nrcpt + 1, sizeof(*s->rcpt));
	s->notify = xreallocarray(s->notify, s->nrcpt + 1, sizeof(*s->notify));
	s->orcpt = xreallocarray(s->orcpt, s->nrcpt + 1, sizeof(*s->orcpt));
	s->notify[s->nrcpt] = notify;
	s->orcpt[s->nrcpt] = orcpt;
	s->rcpt[s->nrcpt++] = xstrdup(addr);
	if (s->d->rcpt(s) < 0) {	/* refused: forget it */
		s->nrcpt--;
		free(s->rcpt[s->nrcpt]);
		free(s->notify[s->nrcpt]);
		free(s->orcpt[s->nrcpt]);
	}
}

/* session_envelope - the transaction as the next hop must repeat it */
void
session_envelope(const struct session *s, struct envelope *env)
{
	env->sender = s->sender;
	env->rcpt = s->rcpt;
	env->n = s->nrcpt;
	env->notify = s->notify;
	env->orcpt = s->orcpt;
	env->ret = s->ret[0] ? s->ret : NULL;
	env->envid = s->envid[0] ? s->envid : NULL;
	env->smtputf8 = s->smtputf8;
	env->body8 = s->body8;
}

/*
 * session_qid - the queue id for the log: XFORWARD IDENT, Received:, the
 * next hop's, else NOQUEUE
 */
const char *
session_qid(const struct session *s)
{
	return s->ident[0] ? s->ident : "NOQUEUE";
}

/* the DATA sink: count, and feed the signer while within the limit */
struct feed {
	struct signed_msg	*m;
	const struct conf	*cf;
	off_t			 size;
};

static void
feed(void *arg, const char *p, size_t n)
{
	struct feed *f = arg;

	f->size += (off_t)n;
	if (f->cf->size_limit == 0 || f->size <= f->cf->size_limit)
		signer_feed(f->m, f->cf, p, n);
}

/*
 * origin - with internal_hosts, only a client that XFORWARD names as ours
 * (or no network client: sendmail(1), notices) gets signed; without
 * XFORWARD nothing says so (the dialect says what is missing)
 */
static void
origin(struct session *s, struct signed_msg *m)
{
	const struct conf *cf = &s->live.cf;

	if (cf->internal.set && !s->xforward)
		strlcpy(m->outside, s->d->no_xforward, sizeof(m->outside));
	else
		pass_origin(m, cf, s->client, NULL);
}

/* do_data - receive, sign and pass on one message; 0, or -1 to hang up */
static int
do_data(struct session *s)
{
	const struct conf *cf = &s->live.cf;
	struct why why = { 0, "" };
	struct rcpt_result *res;
	struct signed_msg m;
	struct verdict v;
	struct feed f;
	int r, rc;

	if (!s->mail) {
		bad(s, "503 5.5.1 need MAIL command");
		return 0;
	}
	if (s->nrcpt == 0) {
		bad(s, "503 5.5.1 need RCPT command");
		return 0;
	}
	lmtp_reply(&s->io, "354 End data with <CR><LF>.<CR><LF>");
	signer_init(&m, cf, &s->live.keys);
	origin(s, &m);
	res = xcalloc(s->nrcpt, sizeof(*res));
	memset(&v, 0, sizeof(v));
	v.res = res;
	f.m = &m;
	f.cf = cf;
	f.size = 0;
	if ((r = lmtp_data(&s->io, feed, &f, cf->lmtp_timeout)) < 0) {
		log_warn("%s: %s in DATA; nothing passed on",
		    session_qid(s),
		    r == LMTP_TIMEOUT ? "timeout" : "lost connection");
		signer_free(&m);
		free(res);
		return -1;
	}
	if (cf->size_limit > 0 && f.size > cf->size_limit) {
		why_set(&why, EX_DATAERR, "message size %lld exceeds the limit %lld",
		    (long long)f.size, (long long)cf->size_limit);
		pass_fail(&v, EX_DATAERR, "5.3.4", &why);
	} else {
		deadline_set((unsigned)cf->timeout);
		rc = signer_end(&m, cf, &why);
		if (s->ident[0] == '\0')	/* no XFORWARD IDENT: sendmail(1) mail */
			(void)received_qid(&m.hdr, s->ident, sizeof(s->ident));
		s->d->pass(s, &m, rc, &why, &v);
		deadline_set(0);
	}
	signer_free(&m);
	s->d->replies(s, &v);
	free(res);
	pass_log_fail(&v, session_qid(s));
	keywatch_run(cf);	/* after the reply: a lookup holds no mail up */
	reset(s);
	s->messages++;
	s->served++;
	s->errors = 0;
	return 0;
}

/* command - one command line; -1 to end the session */
static int
command(struct session *s, ssize_t len)
{
	enum lmtp_verb v;
	const char *arg;

	if (len == LMTP_TOOLONG) {
		bad(s, "500 5.5.2 line too long");
		return s->quit ? -1 : 0;
	}
	switch ((v = lmtp_verb(s->line, &arg))) {
	case LV_LHLO:
		if (s->d->lmtp)
			do_hello(s, arg, 1);
		else
			bad(s, "500 5.5.1 this is SMTP: use EHLO");
		break;
	case LV_EHLO:
	case LV_HELO:
		if (s->d->lmtp)
			bad(s, "500 5.5.1 this is LMTP: use LHLO");
		else
			do_hello(s, arg, v == LV_EHLO);
		break;
	case LV_XFORWARD: do_xforward(s, arg); break;
	case LV_MAIL:	do_mail(s, arg); break;
	case LV_RCPT:	do_rcpt(s, arg); break;
	case LV_DATA:
		if (do_data(s) < 0)
			return -1;
		break;
	case LV_NOOP:	lmtp_reply(&s->io, "250 2.0.0 Ok"); break;
	case LV_QUIT:
		lmtp_reply(&s->io, "221 2.0.0 Bye");
		return -1;
	case LV_RSET:
		reset(s);
		smtpout_abort(&s->out);
		lmtp_reply(&s->io, "250 2.0.0 Ok");
		break;
	case LV_OTHER:	bad(s, "502 5.5.1 command not implemented"); break;
	default:	bad(s, "500 5.5.2 unknown command"); break;
	}
	return s->quit ? -1 : 0;
}

/*
 * wait_time - how long to wait for the next command; 0: end the
 * process now (only ever between transactions)
 */
static int
wait_time(const struct session *s)
{
	const struct conf *cf = &s->live.cf;
	long left = (long)cf->lmtp_lifetime - (long)(monotime() - s->start);

	if (s->mail)
		return cf->lmtp_timeout;
	/* a connection gets its first transaction whatever the limits */
	if (s->served > 0 && (s->messages >= cf->lmtp_messages || left <= 0))
		return 0;
	return left > 0 && left < cf->lmtp_idle ? (int)left : cf->lmtp_idle;
}

static void
session(struct session *s)
{
	ssize_t len;
	int t;

	lmtp_reply(&s->io, "220 dkimpipe %s ready", s->d->greeting);
	for (;;) {
		if (deadline_terminated()) {
			log_info("terminated by SIGTERM; session ended");
			break;
		}
		if ((t = wait_time(s)) == 0)
			break;
		if ((len = lmtp_line(&s->io, s->line, sizeof(s->line), t)) == LMTP_EOF ||
		    len == LMTP_TIMEOUT || len == LMTP_IOERR)
			break;
		if (command(s, len) < 0)
			break;
	}
	lmtp_flush(&s->io);
}


/*
 * session_new - a session in dialect d with the configuration at cfpath,
 * logging as it says; its connections come with session_serve
 */
struct session *
session_new(const struct dialect *d, const char *cfpath)
{
	struct session *s;
	struct stat st;
	int to;

	s = xcalloc(1, sizeof(*s));
	s->d = d;
	liveconf_init(&s->live, cfpath);
	(void)liveconf_current(&s->live);
	/* stderr only where it is not the socket (tests, a terminal) */
	to = s->live.cf.log_to ? s->live.cf.log_to : LOG_TO_SYSLOG;
	if (fstat(STDERR_FILENO, &st) == 0 && S_ISSOCK(st.st_mode))
		to &= ~LOG_TO_STDERR;
	log_open(to ? to : LOG_TO_SYSLOG, log_postlog_socket(s->live.cf.postlog_socket),
	    s->live.cf.postlog_command ? s->live.cf.postlog_command : POSTLOG_COMMAND);
	s->start = monotime();
	deadline_on_term();
	smtpout_init(&s->out);
	return s;
}

/*
 * session_serve - one client connection on in/out, from the greeting to
 * its end; the configuration, the decoded keys, the message count and
 * the connection to the next hop carry over to the next one
 */
void
session_serve(struct session *s, int in, int out)
{
	lmtp_init(&s->io, in, out);
	s->served = 0;
	s->hello = 0;
	s->errors = 0;
	s->quit = 0;
	session(s);
	reset(s);
	lmtp_free(&s->io);
}

/*
 * session_spent - the process should take no new connection: its
 * message count or lifetime is used up, or SIGTERM came
 */
int
session_spent(const struct session *s)
{
	const struct conf *cf = &s->live.cf;

	return deadline_terminated() || s->messages >= cf->lmtp_messages ||
	    monotime() - s->start >= (time_t)cf->lmtp_lifetime;
}

/* session_end - close the next hop's connection and free the session */
void
session_end(struct session *s)
{
	smtpout_close(&s->out);
	reset(s);
	free(s->rcpt);
	free(s->notify);
	free(s->orcpt);
	liveconf_free(&s->live);
	free(s);
}

/*
 * session_run - serve stdin/stdout in dialect d with the configuration
 * at cfpath until the session ends
 */
void
session_run(const struct dialect *d, const char *cfpath)
{
	struct session *s = session_new(d, cfpath);

	session_serve(s, STDIN_FILENO, STDOUT_FILENO);
	session_end(s);
}
