/*
 * cmd_lmtp - "dkimpipe lmtp": the Postfix spawn(8) delivery agent, an
 * LMTP server (RFC 2033) on stdin/stdout that signs many messages in one
 * process.
 *
 * Each transaction's message goes through the same signer and the same
 * policy (pass.c) as deliver: one sendmail -G -i -f SENDER -- RCPT...
 * per message, then one reply per accepted recipient, all alike: 250
 * once sendmail exited 0; 4xx wherever deliver would exit EX_TEMPFAIL;
 * 5xx only where deliver would bounce (on_refusal = bounce).
 * The configuration is checked before every transaction and read again
 * when it changed (liveconf.c); decoded keys are kept (keycache.c).
 * A broken configuration answers MAIL with 451 until it is fixed.
 * The process ends between transactions only: after lmtp_max_messages
 * messages, lmtp_idle_time without a command, or once lmtp_lifetime has
 * passed, at end of input (Postfix closes idle cached connections
 * without QUIT) and after QUIT. Nothing is ever written to stderr:
 * under spawn(8) it is the socket; records go to syslog.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "cmds.h"
#include "usage.h"
#include "conffile.h"
#include "envelope.h"
#include "io.h"
#include "liveconf.h"
#include "lmtp.h"
#include "log.h"
#include "pass.h"
#include "received.h"
#include "signer.h"
#include "smtpout.h"
#include "xmem.h"

#define MAX_RCPT	1000	/* recipients per transaction */
#define MAX_ERRORS	20	/* bad commands since the last message: hang up */

struct session {
	struct lmtp	 io;
	struct liveconf	 live;
	char		 line[LMTP_LINE];
	int		 lhlo;		/* LHLO seen */
	int		 mail;		/* in a transaction */
	char		 sender[LMTP_LINE];
	char		**rcpt;
	char		**notify;	/* per recipient: NOTIFY=, or NULL */
	char		**orcpt;	/* per recipient: ORCPT=, or NULL */
	size_t		 nrcpt;
	char		 ret[8];	/* MAIL RET=, or "" */
	char		 envid[ENV_ENVID_MAX + 1]; /* MAIL ENVID=, or "" */
	int		 smtputf8;	/* MAIL SMTPUTF8 */
	int		 body8;		/* MAIL BODY=8BITMIME */
	char		 ident[64];	/* XFORWARD IDENT: Postfix's queue id */
	char		 client[64];	/* XFORWARD ADDR: the original client */
	int		 xforward;	/* XFORWARD came in this transaction */
	int		 errors;
	int		 messages;
	time_t		 start;
	int		 quit;
	struct smtpout	 out;		/* reinject = smtp:...: the connection */
};

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

static void
do_lhlo(struct session *s, const char *arg)
{
	const struct conf *cf = &s->live.cf;

	if (*arg == '\0') {
		bad(s, "501 5.5.4 syntax: LHLO hostname");
		return;
	}
	reset(s);
	s->lhlo = 1;
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

static void
do_xforward(struct session *s, const char *arg)
{
	char key[32], val[LMTP_LINE];
	int r;

	if (!s->lhlo || s->mail) {
		bad(s, "503 5.5.1 XFORWARD only before MAIL");
		return;
	}
	while ((r = lmtp_param(&arg, key, sizeof(key), val, sizeof(val))) > 0)
		if (strcmp(key, "IDENT") == 0)
			queue_id(s, val);
		else if (strcmp(key, "ADDR") == 0)
			strlcpy(s->client, val, sizeof(s->client));
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

	if (!s->lhlo) {
		bad(s, "503 5.5.1 send LHLO first");
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
	s->mail = 1;
	lmtp_reply(&s->io, "250 2.1.0 Ok");
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
	lmtp_reply(&s->io, "250 2.1.5 Ok");
}

/* envelope - the transaction as the re-injection must repeat it */
static void
envelope(const struct session *s, struct envelope *env)
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

/* qid - the queue id for the log: XFORWARD IDENT or Received:, else NOQUEUE */
static const char *
qid(const struct session *s)
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

/* relayed - one recipient's reply carrying the next hop's answer */
static void
relayed(struct session *s, size_t i, const struct verdict *v)
{
	const struct rcpt_result *r = &v->res[i];
	char text[sizeof(r->text)], dsn[16];
	const char *t = text;
	size_t n;

	log_sanitize(text, r->text, sizeof(text));
	n = strspn(text, "0123456789.");
	if (n >= 5 && n < sizeof(dsn) && text[n] == ' ' && text[0] == '0' + r->code / 100) {
		memcpy(dsn, text, n);
		dsn[n] = '\0';
		t = text + n + 1;
	} else
		snprintf(dsn, sizeof(dsn), "%d.0.0", r->code / 100);
	if (r->code / 100 == 2)
		lmtp_reply(&s->io, "%d %s <%s> dkimpipe: %s%s%s (%s)", r->code, dsn,
		    s->rcpt[i], s->ident, s->ident[0] ? ": " : "", v->why.text, t);
	else
		lmtp_reply(&s->io, "%d %s <%s> dkimpipe: %s%snot passed on: %s said: %s",
		    r->code, dsn, s->rcpt[i], s->ident, s->ident[0] ? ": " : "",
		    s->live.cf.reinject ? s->live.cf.reinject : s->live.cf.sendmail_path, t);
}

/*
 * replies - one reply per accepted recipient: the next hop's answer for
 * each with SMTP re-injection, else the same for all. The queue id in
 * it lets the administrator match Postfix's log line to ours.
 */
static void
replies(struct session *s, const struct verdict *v)
{
	size_t i;
	int code = v->status == EX_OK ? 250 : v->status == EX_TEMPFAIL ? 451 : 554;

	for (i = 0; i < s->nrcpt; i++)
		if (v->per_rcpt)
			relayed(s, i, v);
		else
			lmtp_reply(&s->io, "%d %s <%s> dkimpipe: %s%s%s", code, v->dsn,
			    s->rcpt[i], s->ident, s->ident[0] ? ": " : "", v->why.text);
}

/*
 * origin - with internal_hosts, only a client that XFORWARD names as ours
 * (or no network client: sendmail(1), notices) gets signed; without
 * XFORWARD nothing says so (lmtp_send_xforward_command = yes is missing)
 */
static void
origin(struct session *s, struct signed_msg *m)
{
	const struct conf *cf = &s->live.cf;

	if (cf->internal.set && !s->xforward)
		strlcpy(m->outside, "the LMTP client sent no XFORWARD (set "
		    "lmtp_send_xforward_command = yes)", sizeof(m->outside));
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
	struct envelope env;
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
		    qid(s),
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
		envelope(s, &env);
		pass_on(cf, &s->out, qid(s), &env, &m, rc, &why, &v);
		deadline_set(0);
	}
	signer_free(&m);
	replies(s, &v);
	free(res);
	pass_log_fail(&v, qid(s));
	reset(s);
	s->messages++;
	s->errors = 0;
	return 0;
}

/* command - one command line; -1 to end the session */
static int
command(struct session *s, ssize_t len)
{
	const char *arg;

	if (len == LMTP_TOOLONG) {
		bad(s, "500 5.5.2 line too long");
		return s->quit ? -1 : 0;
	}
	switch (lmtp_verb(s->line, &arg)) {
	case LV_LHLO:	do_lhlo(s, arg); break;
	case LV_XFORWARD: do_xforward(s, arg); break;
	case LV_MAIL:	do_mail(s, arg); break;
	case LV_RCPT:	do_rcpt(s, arg); break;
	case LV_DATA:
		if (do_data(s) < 0)
			return -1;
		break;
	case LV_RSET:	reset(s); lmtp_reply(&s->io, "250 2.0.0 Ok"); break;
	case LV_NOOP:	lmtp_reply(&s->io, "250 2.0.0 Ok"); break;
	case LV_QUIT:
		lmtp_reply(&s->io, "221 2.0.0 Bye");
		return -1;
	case LV_HELO:	bad(s, "500 5.5.1 this is LMTP: use LHLO"); break;
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
	long left = (long)cf->lmtp_lifetime - (long)(time(NULL) - s->start);

	if (s->mail)
		return cf->lmtp_timeout;
	if (s->messages >= cf->lmtp_messages || left <= 0)
		return 0;
	return left < cf->lmtp_idle ? (int)left : cf->lmtp_idle;
}

static void
session(struct session *s)
{
	ssize_t len;
	int t;

	lmtp_reply(&s->io, "220 dkimpipe LMTP ready");
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

int
cmd_lmtp(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH;
	struct session *s;
	struct stat st;
	int ch, to;

	log_open(LOG_TO_SYSLOG, NULL, NULL);
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c') {
			return usage_error("lmtp");
		}
		cfpath = optarg;
	}
	s = xcalloc(1, sizeof(*s));
	lmtp_init(&s->io, STDIN_FILENO, STDOUT_FILENO);
	liveconf_init(&s->live, cfpath);
	(void)liveconf_current(&s->live);
	/* stderr only where it is not the socket (tests, a terminal) */
	to = s->live.cf.log_to ? s->live.cf.log_to : LOG_TO_SYSLOG;
	if (fstat(STDERR_FILENO, &st) == 0 && S_ISSOCK(st.st_mode))
		to &= ~LOG_TO_STDERR;
	log_open(to ? to : LOG_TO_SYSLOG, log_postlog_socket(s->live.cf.postlog_socket),
	    s->live.cf.postlog_command ? s->live.cf.postlog_command : POSTLOG_COMMAND);
	s->start = time(NULL);
	deadline_on_term();
	smtpout_init(&s->out);
	session(s);
	smtpout_close(&s->out);
	reset(s);
	free(s->rcpt);
	free(s->notify);
	free(s->orcpt);
	liveconf_free(&s->live);
	lmtp_free(&s->io);
	free(s);
	return EX_OK;
}
