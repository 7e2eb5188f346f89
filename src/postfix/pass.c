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
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "origin.h"
#include "pass.h"
#include "resubmit.h"
#include "xmem.h"

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
		    cf->sp.hcanon == CANON_SIMPLE ? "simple" : "relaxed",
		    cf->sp.bcanon == CANON_SIMPLE ? "simple" : "relaxed");
}

/*
 * answers - each recipient has its answer in v->res (logged one by one
 * when log_each is set): 0 when at least one was accepted, else -1 with the verdict set: EX_TEMPFAIL when any
 * answer was temporary (or there was none), EX_DATAERR when all were
 * permanent.
 */
static int
answers(const char *qid, const struct envelope *env, const char *peer,
    int log_each, struct verdict *v)
{
	struct why why = { 0, "" };
	size_t i, ok = 0, temp = 0, n = env->n, first = n;
	char text[300];

	v->per_rcpt = 1;
	for (i = 0; i < n; i++) {
		if (v->res[i].code / 100 == 2) {
			ok++;
			continue;
		}
		temp += v->res[i].code / 100 != 5;
		if (first == n)
			first = i;
		if (!log_each)
			continue;
		log_sanitize(text, v->res[i].text, sizeof(text));
		log_warn("%s: to=<%s>: %s said: %d %s", qid, env->rcpt[i], peer,
		    v->res[i].code, text);
	}
	if (ok > 0)
		return 0;
	why_set(&why, temp ? EX_TEMPFAIL : EX_DATAERR, "%s said: %d %s",
	    peer, v->res[first].code, v->res[first].text);
	pass_fail(v, temp ? EX_TEMPFAIL : EX_DATAERR, temp ? "4.3.0" : "5.3.0", &why);
	return -1;
}

/* over_smtp - re-inject over SMTP; each recipient gets the next hop's answer */
static int
over_smtp(const struct conf *cf, struct smtpout *so, const char *qid,
    const struct envelope *env, struct signed_msg *m, struct verdict *v)
{
	struct why why = { 0, "" };

	(void)smtpout_send(so, cf, env, m, m->outcome == OUT_SIGNED, v->res, &why);
	return answers(qid, env, cf->reinject, !so->atomic, v);
}

/*
 * mixed_notify - recipients asked for different DSN NOTIFY values, and
 * sendmail's -N is one per message
 */
static int
mixed_notify(const struct envelope *env)
{
	size_t i;

	if (env->notify == NULL)
		return 0;
	for (i = 1; i < env->n; i++)
		if (!env_same_notify(env->notify[0], env->notify[i]))
			return 1;
	return 0;
}

/*
 * by_notify - one sendmail run per group of recipients with the same
 * NOTIFY; each recipient gets its group's answer
 */
static int
by_notify(const struct conf *cf, const char *qid, const struct envelope *env,
    struct signed_msg *m, struct verdict *v)
{
	struct envelope g = *env;
	struct why why;
	size_t i, j, *idx = xcalloc(env->n, sizeof(*idx));
	int rc;

	g.rcpt = xcalloc(env->n, sizeof(*g.rcpt));
	g.notify = xcalloc(env->n, sizeof(*g.notify));
	g.orcpt = NULL;
	for (i = 0; i < env->n; i++)
		v->res[i].code = 0;
	for (i = 0; i < env->n; i++) {
		if (v->res[i].code != 0)
			continue;
		for (g.n = 0, j = i; j < env->n; j++)
			if (v->res[j].code == 0 &&
			    env_same_notify(env->notify[i], env->notify[j])) {
				idx[g.n] = j;
				g.notify[g.n] = env->notify[j];
				g.rcpt[g.n++] = env->rcpt[j];
			}
		rc = resubmit(cf, &g, m, m->outcome == OUT_SIGNED, &why);
		for (j = 0; j < g.n; j++) {
			v->res[idx[j]].code = rc == 0 ? 250 : 451;
			strlcpy(v->res[idx[j]].text, rc == 0 ? "2.0.0 Ok" : why.text,
			    sizeof(v->res[idx[j]].text));
		}
	}
	free(idx);
	free(g.rcpt);
	free(g.notify);
	return answers(qid, env, cf->sendmail_path, 1, v);
}

/*
 * pass_origin - before the message comes in: mark it as not ours to sign
 * when its client (addr, as Postfix gives it; sasl: the SASL login name)
 * is not in internal_hosts. It is then passed on unsigned, never refused.
 */
void
pass_origin(struct signed_msg *m, const struct conf *cf, const char *addr,
    const char *sasl)
{
	const char *w = origin_outside(&cf->internal, addr, sasl);
	char a[64];

	m->outside[0] = '\0';
	if (w == NULL)
		return;
	log_sanitize(a, addr, sizeof(a));
	snprintf(m->outside, sizeof(m->outside), "client %s %s", a, w);
}

/*
 * pass_decide - whether a message the signer has seen goes on: 0 (signed
 * when m->outcome is OUT_SIGNED), or -1 with the verdict that keeps or
 * bounces it. rc and sw are what the signer returned.
 */
int
pass_decide(const struct conf *cf, const struct signed_msg *m, int rc,
    const struct why *sw, struct verdict *v)
{
	v->per_rcpt = 0;
	if (rc < 0 && m->outcome != OUT_REFUSED) {
		pass_fail(v, EX_TEMPFAIL, "4.3.0", sw);
		return -1;
	}
	if (m->outcome == OUT_REFUSED && cf->on_refusal == REFUSAL_BOUNCE) {
		pass_fail(v, EX_DATAERR, "5.6.0", sw);
		return -1;
	}
	return 0;
}

/*
 * pass_passed - the next hop has the message: the verdict is EX_OK, and
 * the log record says how it went on (sw: the signer's refusal, if any)
 */
void
pass_passed(const struct conf *cf, const char *qid, const struct signed_msg *m,
    const struct why *sw, struct verdict *v)
{
	char from[600], sums[1000];

	sigs_summary(m, cf, sums, sizeof(sums));
	log_sanitize(from, m->addr, sizeof(from));
	v->status = EX_OK;
	v->dsn = "2.0.0";
	if (m->outcome == OUT_SIGNED)
		log_info("%s: signed, from=<%s>, %s, size=%lld", qid, from, sums,
		    (long long)m->spool.size);
	else if (m->outcome == OUT_NOKEY)
		log_info("%s: not signed: no key for domain %s, from=<%s>, size=%lld",
		    qid, m->domain, from, (long long)m->spool.size);
	else if (m->outcome == OUT_OUTSIDE)
		log_info("%s: not signed: %s; passed on unsigned, size=%lld", qid,
		    m->outside, (long long)m->spool.size);
	else
		log_warn("%s: not signed: %s; passed on unsigned, size=%lld", qid,
		    sw->text, (long long)m->spool.size);
	snprintf(v->why.text, sizeof(v->why.text), "%s",
	    m->outcome == OUT_SIGNED ? "signed and passed on" : "passed on unsigned");
}

/*
 * pass_on - apply the policy to a message that the signer has seen;
 * rc and sw are what the signer returned. so is the process's connection
 * to the re-injection smtpd (used when reinject is smtp:). v->res is the
 * caller's array for per-recipient answers (SMTP re-injection), or NULL.
 */
void
pass_on(const struct conf *cf, struct smtpout *so, const char *qid,
    const struct envelope *env, struct signed_msg *m, int rc,
    const struct why *sw, struct verdict *v)
{
	struct why why = *sw;

	if (pass_decide(cf, m, rc, sw, v) < 0)
		return;
	if (cf->reinject != NULL && so != NULL && v->res != NULL) {
		if (over_smtp(cf, so, qid, env, m, v) < 0)
			return;
	} else if (v->res != NULL && mixed_notify(env)) {
		if (by_notify(cf, qid, env, m, v) < 0)
			return;
	} else if (resubmit(cf, env, m, m->outcome == OUT_SIGNED, &why) < 0) {
		pass_fail(v, EX_TEMPFAIL, "4.3.0", &why);
		return;
	}
	pass_passed(cf, qid, m, sw, v);
}
