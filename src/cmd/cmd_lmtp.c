/*
 * cmd_lmtp - "dkimpipe lmtp": the Postfix spawn(8) delivery agent, an
 * LMTP server (RFC 2033) on stdin/stdout that signs many messages in one
 * process. The session itself (commands, limits, lifetime) is
 * session.c's; this file is the LMTP dialect: every MAIL and RCPT that
 * passes its syntax is accepted, and each message goes through the same
 * signer and the same policy (pass.c) as deliver: one sendmail -G -i -f
 * SENDER -- RCPT... per message (or one SMTP transaction with
 * reinject = smtp:), then one reply per accepted recipient: 250 once
 * sendmail exited 0 (or the next hop's own answer over SMTP); 4xx
 * wherever deliver would exit EX_TEMPFAIL; 5xx only where deliver would
 * bounce (on_refusal = bounce).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "conffile.h"
#include "log.h"
#include "session.h"
#include "usage.h"

static int
lmtp_mail(struct session *s)
{
	lmtp_reply(&s->io, "250 2.1.0 Ok");
	return 0;
}

static int
lmtp_rcpt(struct session *s)
{
	lmtp_reply(&s->io, "250 2.1.5 Ok");
	return 0;
}

/* lmtp_pass - re-inject with sendmail(1) or over SMTP, by pass.c's policy */
static void
lmtp_pass(struct session *s, struct signed_msg *m, int rc,
    const struct why *why, struct verdict *v)
{
	struct envelope env;

	session_envelope(s, &env);
	pass_on(&s->live.cf, &s->out, session_qid(s), &env, m, rc, why, v);
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
lmtp_replies(struct session *s, const struct verdict *v)
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

static const struct dialect lmtp_dialect = {
	"LMTP", 1, "the LMTP client sent no XFORWARD (set "
	"lmtp_send_xforward_command = yes)",
	lmtp_mail, lmtp_rcpt, lmtp_pass, lmtp_replies
};

int
cmd_lmtp(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH;
	int ch;

	log_open(LOG_TO_SYSLOG, NULL, NULL);
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			return usage_error("lmtp");
		cfpath = optarg;
	}
	session_run(&lmtp_dialect, cfpath);
	return EX_OK;
}
