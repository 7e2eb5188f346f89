/*
 * cmd_proxy - "dkimpipe proxy": a before-queue SMTP proxy (Postfix's
 * smtpd_proxy_filter, SMTPD_PROXY_README) run by spawn(8) on a loopback
 * port. The session (commands, limits, lifetime) is session.c's; this
 * file is the ESMTP dialect: MAIL and each RCPT go at once to the next
 * hop (reinject = smtp:..., a filter-free, milter-free smtpd of the same
 * Postfix) and are answered with its own replies, so recipient checks
 * and size limits stay Postfix's. The message is read whole, signed by
 * the same signer and policy (pass.c) as every mode, then sent on; the
 * end of DATA gets one reply: the next hop's reply to the signed copy,
 * or 4xx when signing failed for a temporary reason, or 5xx with
 * on_refusal = bounce. Nothing is ever accepted that the next hop has
 * not accepted, and nothing goes to it before the whole message is in:
 * a client that goes away, or a proxy killed, mid-DATA leaves nothing
 * behind. It does not queue, retry or hold mail: that is the client's
 * and Postfix's job.
 *
 * Run by spawn(8), a process serves the one connection on stdin/stdout.
 * Run by master(8) itself (master.cf names "dkimpipe proxy user=NAME"
 * as the command, through a link in daemon_directory), a process serves
 * connection after connection (masterchild.c) with its keys decoded and
 * its connection to the next hop kept, as NAME.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "conffile.h"
#include "log.h"
#include "masterchild.h"
#include "session.h"
#include "usage.h"

/* relay - pass on the next hop's reply (one line, made printable) */
static void
relay(struct session *s, int code, const char *text)
{
	char t[300];

	log_sanitize(t, text, sizeof(t));
	if (code < 200 || code > 599 || code / 100 == 3)
		lmtp_reply(&s->io, "451 4.3.0 dkimpipe: unexpected reply from %s: %d %s",
		    s->live.cf.reinject, code, t);
	else
		lmtp_reply(&s->io, "%d %s", code, t);
}

/* configured - the next hop is an SMTP server; else 451 and -1 */
static int
configured(struct session *s)
{
	if (s->live.cf.reinject != NULL)
		return 0;
	log_error("proxy: dkimpipe.conf sets no reinject = smtp:[127.0.0.1]:PORT; "
	    "every transaction refused with 451");
	lmtp_reply(&s->io, "451 4.3.5 dkimpipe: configuration error: "
	    "proxy needs reinject = smtp:");
	return -1;
}

/*
 * forward - answer the client with the next hop's reply to MAIL or RCPT
 * (code 0: none came, why says why: 451): 0 when it took it, else -1
 */
static int
forward(struct session *s, int code, const char *text, const struct why *why)
{
	if (code == 0) {
		log_warn("NOQUEUE: %s", why->text);
		lmtp_reply(&s->io, "451 %s", text);
		return -1;
	}
	relay(s, code, text);
	return code / 100 == 2 ? 0 : -1;
}

static int
proxy_mail(struct session *s)
{
	struct why why = { 0, "" };
	struct envelope env;
	char text[256];

	if (configured(s) < 0)
		return -1;
	session_envelope(s, &env);
	return forward(s, smtpout_mail(&s->out, &s->live.cf, &env, s->xfwd, text,
	    sizeof(text), &why), text, &why);
}

static int
proxy_rcpt(struct session *s)
{
	struct why why = { 0, "" };
	struct envelope env;
	char text[256];

	session_envelope(s, &env);
	return forward(s, smtpout_rcpt(&s->out, &s->live.cf, &env, s->nrcpt - 1,
	    text, sizeof(text), &why), text, &why);
}

/* next_qid - "... queued as ID" in the next hop's reply: the id for the log */
static void
next_qid(struct session *s, const char *text)
{
	const char *p = strstr(text, "queued as ");
	size_t n;

	if (s->ident[0] != '\0' || p == NULL)
		return;
	p += strlen("queued as ");
	n = strspn(p, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	if (n > 0 && n < sizeof(s->ident)) {
		memcpy(s->ident, p, n);
		s->ident[n] = '\0';
	}
}

/*
 * proxy_pass - send the message on (signed, or unsigned by the policy)
 * over the transaction that MAIL and RCPT opened; v->res[0] gets the
 * next hop's reply to it
 */
static void
proxy_pass(struct session *s, struct signed_msg *m, int rc,
    const struct why *sw, struct verdict *v)
{
	const struct conf *cf = &s->live.cf;
	struct why why = { 0, "" };
	char text[256];
	int code;

	if (pass_decide(cf, m, rc, sw, v) < 0) {
		smtpout_abort(&s->out);	/* the next hop forgets it */
		return;
	}
	code = smtpout_data(&s->out, cf, m, m->outcome == OUT_SIGNED, text,
	    sizeof(text), &why);
	v->per_rcpt = 1;
	v->res[0].code = code ? code : 451;
	strlcpy(v->res[0].text, text, sizeof(v->res[0].text));
	if (code / 100 == 2) {
		next_qid(s, text);
		pass_passed(cf, session_qid(s), m, sw, v);
		return;
	}
	if (code != 0)
		why_set(&why, code / 100 == 5 ? EX_DATAERR : EX_TEMPFAIL,
		    "%s said: %d %s", cf->reinject, code, text);
	pass_fail(v, code / 100 == 5 ? EX_DATAERR : EX_TEMPFAIL,
	    code / 100 == 5 ? "5.3.0" : "4.3.0", &why);
}

/* proxy_replies - one reply to the end of DATA: the next hop's, or ours */
static void
proxy_replies(struct session *s, const struct verdict *v)
{
	if (v->per_rcpt)
		relay(s, v->res[0].code, v->res[0].text);
	else
		lmtp_reply(&s->io, "%d %s dkimpipe: %s",
		    v->status == EX_TEMPFAIL ? 451 : 554, v->dsn, v->why.text);
}

static const struct dialect proxy_dialect = {
	"ESMTP", 0, "the SMTP client sent no XFORWARD (it is not Postfix's "
	"smtpd with smtpd_proxy_filter)",
	proxy_mail, proxy_rcpt, proxy_pass, proxy_replies
};

/* drop_to - "NAME" or "NAME:GROUP": that user, with its own group too */
static int
drop_to(const char *spec)
{
	char user[64];
	const char *colon = strchr(spec, ':');
	struct passwd *pw;
	struct group *gr = NULL;
	gid_t gids[2];
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	if (n == 0 || n >= sizeof(user))
		return -1;
	memcpy(user, spec, n);
	user[n] = '\0';
	if ((pw = getpwnam(user)) == NULL || pw->pw_uid == 0 ||
	    (colon != NULL && (gr = getgrnam(colon + 1)) == NULL))
		return -1;
	gids[0] = gr != NULL ? gr->gr_gid : pw->pw_gid;
	gids[1] = pw->pw_gid;
	if (gids[0] == 0 || gids[1] == 0)
		return -1;
	if (setgroups(2, gids) < 0 || setgid(gids[0]) < 0 || setuid(pw->pw_uid) < 0 ||
	    setuid(0) == 0)
		return -1;
	return 0;
}

static int
one(void *arg, int fd)
{
	session_serve(arg, fd, fd);
	return 0;
}

static int
spent(void *arg)
{
	return session_spent(arg);
}

/*
 * proxy_master - serve master(8)'s listener: "proxy [-c config]
 * user=NAME[:GROUP]" after master's own options
 */
static int
proxy_master(int argc, char **argv, const char *cfpath)
{
	struct session *s;
	int i, r;

	for (i = 0; i < argc && strncmp(argv[i], "user=", 5) != 0; i++)
		;
	if (i == argc || getuid() != 0 || drop_to(argv[i] + 5) < 0) {
		log_error("proxy: run by master(8), it needs user=NAME[:GROUP] "
		    "(neither root nor group root) in master.cf, and to be started "
		    "as root");
		return EX_CONFIG;
	}
	s = session_new(&proxy_dialect, cfpath);
	r = masterchild_run(one, s, s->live.cf.lmtp_idle, spent);
	session_end(s);
	return r < 0 ? EX_OSERR : EX_OK;
}

int
cmd_proxy(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH;
	int ch;

	log_open(LOG_TO_SYSLOG, NULL, NULL);
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			return usage_error("proxy");
		cfpath = optarg;
	}
	if (masterchild_is())
		return proxy_master(argc - optind, argv + optind, cfpath);
	session_run(&proxy_dialect, cfpath);
	return EX_OK;
}
