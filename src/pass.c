/*
 * pass - the delivery policy shared by deliver (pipe(8)) and lmtp
 * (spawn(8)), once signer_run() or signer_end() has seen a message:
 *	signed                  -> resubmit signed: EX_OK
 *	no key for From domain  -> resubmit unsigned: EX_OK (logged)
 *	message refused         -> resubmit unsigned with a warning, or with
 *	                           on_refusal = bounce: EX_DATAERR, 5.6.0
 *	anything else (keys, spool, memory, sendmail) -> EX_TEMPFAIL, 4.3.0:
 *	                           Postfix keeps the message
 * Once sendmail has exited 0 the verdict is EX_OK, whatever else happens.
 * Every outcome gets one log record with the queue id: the passed-on
 * ones here, the others from pass_log_fail() once the mode has turned
 * the verdict into an exit status or LMTP replies.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "pass.h"
#include "resubmit.h"

/* pass_fail - a verdict that keeps or bounces the message */
void
pass_fail(struct verdict *v, int status, const char *dsn, const struct why *why)
{
	v->status = status;
	v->dsn = dsn;
	v->why = *why;
}

/*
 * pass_log_fail - the log record of a verdict that keeps or bounces the
 * message; the mode calls it once it has told Postfix (pipe(8) takes the
 * first line of output as the DSN, so that line must come first)
 */
void
pass_log_fail(const struct verdict *v, const char *qid)
{
	if (v->status != EX_OK)
		log_error("%s: %s", qid, v->why.text);
}

/* sigs_summary - "d=..., s=..., a=...; ..." for the log */
static void
sigs_summary(const struct signed_msg *m, const struct conf *cf, char *out,
    size_t size)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < m->nsel && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%sd=%s, s=%s, a=%s",
		    i ? "; " : "", m->sel[i].domain, m->sel[i].key->selector,
		    keys_alg_name(m->sel[i].alg));
	if (o < size)
		snprintf(out + o, size - o, ", c=%s/%s",
		    cf->hcanon == CANON_SIMPLE ? "simple" : "relaxed",
		    cf->bcanon == CANON_SIMPLE ? "simple" : "relaxed");
}

/*
 * over_smtp - re-inject over SMTP; each recipient keeps the next hop's
 * answer in v->res. 0 when at least one recipient was accepted, else -1
 * with the verdict set: EX_TEMPFAIL when any answer was temporary (or
 * there was none), EX_DATAERR when all were permanent.
 */
static int
over_smtp(const struct conf *cf, const char *qid, const char *sender,
    char **rcpt, size_t n, struct signed_msg *m, struct verdict *v)
{
	struct why why = { 0, "" };
	size_t i, ok = 0, temp = 0, first = n;
	char text[300];

	v->per_rcpt = 1;
	(void)smtpout_send(cf->smtpout, cf, sender, rcpt, n, m,
	    m->outcome == OUT_SIGNED, v->res, &why);
	for (i = 0; i < n; i++) {
		if (v->res[i].code / 100 == 2) {
			ok++;
			continue;
		}
		temp += v->res[i].code / 100 != 5;
		if (first == n)
			first = i;
		log_sanitize(text, v->res[i].text, sizeof(text));
		log_warn("%s: to=<%s>: %s said: %d %s", qid, rcpt[i], cf->reinject,
		    v->res[i].code, text);
	}
	if (ok > 0)
		return 0;
	why_set(&why, temp ? EX_TEMPFAIL : EX_DATAERR, "%s said: %d %s",
	    cf->reinject, v->res[first].code, v->res[first].text);
	pass_fail(v, temp ? EX_TEMPFAIL : EX_DATAERR, temp ? "4.3.0" : "5.3.0", &why);
	return -1;
}

/*
 * pass_on - apply the policy to a message that the signer has seen;
 * rc and sw are what the signer returned. v->res is the caller's array
 * for per-recipient answers (SMTP re-injection), or NULL.
 */
void
pass_on(const struct conf *cf, const char *qid, const char *sender,
    char **rcpt, size_t n, struct signed_msg *m, int rc, const struct why *sw,
    struct verdict *v)
{
	char from[600], sums[1000];
	struct why why = *sw;

	v->per_rcpt = 0;
	if (rc < 0 && m->outcome != OUT_REFUSED) {
		pass_fail(v, EX_TEMPFAIL, "4.3.0", &why);
		return;
	}
	if (m->outcome == OUT_REFUSED && cf->on_refusal == REFUSAL_BOUNCE) {
		pass_fail(v, EX_DATAERR, "5.6.0", &why);
		return;
	}
	sigs_summary(m, cf, sums, sizeof(sums));
	log_sanitize(from, m->addr, sizeof(from));
	if (cf->reinject != NULL && cf->smtpout != NULL && v->res != NULL) {
		if (over_smtp(cf, qid, sender, rcpt, n, m, v) < 0)
			return;
	} else if (resubmit(cf, sender, rcpt, n, m, m->outcome == OUT_SIGNED,
	    &why) < 0) {
		pass_fail(v, EX_TEMPFAIL, "4.3.0", &why);
		return;
	}
	v->status = EX_OK;
	v->dsn = "2.0.0";
	if (m->outcome == OUT_SIGNED)
		log_info("%s: signed, from=<%s>, %s, size=%lld", qid, from, sums,
		    (long long)m->spool.size);
	else if (m->outcome == OUT_NOKEY)
		log_info("%s: not signed: no key for domain %s, from=<%s>, size=%lld",
		    qid, m->domain, from, (long long)m->spool.size);
	else
		log_warn("%s: not signed: %s; passed on unsigned, size=%lld", qid,
		    why.text, (long long)m->spool.size);
	snprintf(v->why.text, sizeof(v->why.text), "%s",
	    m->outcome == OUT_SIGNED ? "signed and passed on" : "passed on unsigned");
}
