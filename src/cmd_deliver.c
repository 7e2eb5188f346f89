/*
 * cmd_deliver - "dkimpipe deliver": the Postfix pipe(8) delivery agent.
 *
 * Reads one message on stdin, signs it as the configuration says and
 * re-injects it with sendmail -G -i -f SENDER -- RECIPIENT... Policy:
 *	signed                  -> resubmit signed, exit 0
 *	no key for From domain  -> resubmit unsigned, exit 0 (logged)
 *	message refused         -> resubmit unsigned with a warning, or with
 *	                           on_refusal = bounce: exit EX_DATAERR
 *	anything else (keys, spool, memory, sendmail, configuration,
 *	usage, time limit)      -> exit EX_TEMPFAIL: Postfix keeps the mail
 * Once sendmail has exited 0 the result is 0, whatever else happens.
 * On failure the first line of output is "4.x.x text" or "5.x.x text",
 * which pipe(8) uses as the DSN status and text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "conf.h"
#include "conffile.h"
#include "log.h"
#include "resubmit.h"
#include "signer.h"

/* fail - DSN line for pipe(8), a log record, and the exit status */
static void __attribute__((noreturn))
fail(int status, const char *dsn, const char *qid, const char *text)
{
	printf("%s dkimpipe: %s\n", dsn, text);
	fflush(stdout);
	log_error("%s: %s", qid, text);
	exit(status);
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

static void
deliver_usage(void)
{
	fail(EX_TEMPFAIL, "4.3.5", "NOQUEUE", "usage: dkimpipe deliver [-c config] "
	    "[-q queue_id] -f sender -- recipient...");
}

int
cmd_deliver(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH, *qid = "NOQUEUE", *sender = NULL;
	char from[600], sums[1000];
	struct why why = { 0, "" };
	struct signed_msg m;
	struct conf cf;
	struct diag d;
	int ch, with_sigs;

	log_open(LOG_TO_STDERR | LOG_TO_SYSLOG);
	while ((ch = getopt(argc, argv, "+c:f:q:")) != -1) {
		switch (ch) {
		case 'c': cfpath = optarg; break;
		case 'f': sender = optarg; break;
		case 'q': qid = optarg; break;
		default: deliver_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (sender == NULL || argc < 1)
		deliver_usage();
	conf_defaults(&cf);
	diag_init(&d, &why, 0);
	if (conffile_read(&cf, cfpath, &d) < 0)
		fail(EX_TEMPFAIL, "4.3.5", qid, why.text);
	log_open(cf.log_to ? cf.log_to : LOG_TO_SYSLOG);
	resubmit_alarm(cf.timeout);

	signer_init(&m, &cf);
	if (signer_run(&m, STDIN_FILENO, &cf, &why) < 0 && m.outcome != OUT_REFUSED)
		fail(EX_TEMPFAIL, "4.3.0", qid, why.text);
	if (m.outcome == OUT_REFUSED && cf.on_refusal == REFUSAL_BOUNCE)
		fail(EX_DATAERR, "5.6.0", qid, why.text);
	with_sigs = m.outcome == OUT_SIGNED;
	sigs_summary(&m, &cf, sums, sizeof(sums));
	log_sanitize(from, m.addr, sizeof(from));
	if (resubmit(&cf, sender, argv, (size_t)argc, &m, with_sigs, &why) < 0)
		fail(EX_TEMPFAIL, "4.3.0", qid, why.text);

	if (m.outcome == OUT_SIGNED)
		log_info("%s: signed, from=<%s>, %s, size=%lld", qid, from, sums,
		    (long long)m.spool.size);
	else if (m.outcome == OUT_NOKEY)
		log_info("%s: not signed: no key for domain %s, from=<%s>, size=%lld",
		    qid, m.domain, from, (long long)m.spool.size);
	else
		log_warn("%s: not signed: %s; passed on unsigned, size=%lld", qid,
		    why.text, (long long)m.spool.size);
	signer_free(&m);
	conf_free(&cf);
	return EX_OK;
}
