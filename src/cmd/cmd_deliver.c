/*
 * cmd_deliver - "dkimpipe deliver": the Postfix pipe(8) delivery agent.
 *
 * Reads one message on stdin, signs it as the configuration says and
 * hands it to pass_on() (pass.c), which re-injects it with
 * sendmail -G -i -f SENDER -- RECIPIENT... (or over SMTP with reinject =
 * smtp:..., all recipients or none) or keeps or bounces it. This
 * file only maps the verdict to pipe(8)'s terms: exit 0; EX_TEMPFAIL
 * (Postfix keeps the mail) for every trouble including configuration,
 * usage and the time limit; EX_DATAERR for a refusal with
 * on_refusal = bounce. On failure the first line of output is
 * "4.x.x text" or "5.x.x text", which pipe(8) uses as DSN status and text.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "deadline.h"
#include "cmds.h"
#include "usage.h"
#include "conf.h"
#include "conffile.h"
#include "keywatch.h"
#include "log.h"
#include "pass.h"
#include "resubmit.h"
#include "signer.h"
#include "smtpout.h"
#include "xmem.h"

/*
 * watch_after - the rotation's lookups and steps, once the mail is the
 * next hop's. When some are due and the log does not go to stderr, they
 * run in a child of their own, detached from pipe(8)'s pipes, so that
 * this process exits at once: pipe(8) does not wait for DNS, and a kill
 * of this process can no longer come after the next hop has the mail
 * but before pipe(8) heard so (which would send it twice).
 */
static void
watch_after(const struct conf *cf)
{
	pid_t pid;
	int null;

	if (!keywatch_due(cf))
		return;
	if ((cf->log_to & LOG_TO_STDERR) || (pid = fork()) < 0) {
		keywatch_run(cf);
		return;
	}
	if (pid > 0)
		return;
	(void)setsid();
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		(void)dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			(void)close(null);
	}
	keywatch_run(cf);
	_exit(EX_OK);
}

/* fail - DSN line for pipe(8) first, then the log record and the exit */
static void __attribute__((noreturn))
fail(const struct verdict *v, const char *qid)
{
	printf("%s dkimpipe: %s\n", v->dsn, v->why.text);
	fflush(stdout);
	pass_log_fail(v, qid);
	exit(v->status);
}

static void
deliver_usage(void)
{
	struct verdict v;
	struct why why;

	why_set(&why, EX_USAGE, "usage: dkimpipe %s", usage_text("deliver"));
	pass_fail(&v, EX_TEMPFAIL, "4.3.5", &why);
	fail(&v, "NOQUEUE");
}

/*
 * utf8_envelope - pipe(8) does not say whether the sender asked for
 * SMTPUTF8; an address that is not ASCII needs it, a UTF-8 header alone
 * does not (smtpd's default: no autodetection)
 */
static int
utf8_envelope(const struct envelope *env)
{
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)env->sender; *p != '\0'; p++)
		if (*p >= 0x80)
			return 1;
	for (i = 0; i < env->n; i++)
		for (p = (const unsigned char *)env->rcpt[i]; *p != '\0'; p++)
			if (*p >= 0x80)
				return 1;
	return 0;
}

int
cmd_deliver(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH, *qid = "NOQUEUE", *sender = NULL;
	const char *client = NULL, *sasl = NULL;
	struct why why = { 0, "" };
	struct envelope env = { 0 };
	struct smtpout so;
	struct signed_msg m;
	struct verdict v;
	struct conf cf;
	struct diag d;
	int ch, rc;

	log_open(LOG_TO_STDERR | LOG_TO_SYSLOG, NULL, NULL);
	while ((ch = getopt(argc, argv, "+a:c:f:q:u:")) != -1) {
		switch (ch) {
		case 'a': client = optarg; break;
		case 'u': sasl = optarg; break;
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
	if (conffile_read(&cf, cfpath, &d) < 0) {
		pass_fail(&v, EX_TEMPFAIL, "4.3.5", &why);
		fail(&v, qid);
	}
	log_open(cf.log_to ? cf.log_to : LOG_TO_SYSLOG,
	    log_postlog_socket(cf.postlog_socket), cf.postlog_command ?
	    cf.postlog_command : POSTLOG_COMMAND);
	deadline_run((unsigned)cf.timeout);

	signer_init(&m, &cf, NULL);
	pass_origin(&m, &cf, client, sasl);
	memset(&v, 0, sizeof(v));
	rc = signer_run(&m, STDIN_FILENO, &cf, &why);
	env.sender = sender;
	env.rcpt = argv;
	env.n = (size_t)argc;
	env.smtputf8 = utf8_envelope(&env);
	smtpout_init(&so);
	if (cf.reinject != NULL) {	/* one answer for all: pipe(8) wants one */
		so.atomic = 1;
		v.res = xcalloc(env.n, sizeof(*v.res));
	}
	pass_on(&cf, &so, qid, &env, &m, rc, &why, &v);
	smtpout_close(&so);
	free(v.res);
	if (v.status != EX_OK)
		fail(&v, qid);
	watch_after(&cf);	/* the mail is the next hop's: nothing waits */
	signer_free(&m);
	conf_free(&cf);
	return EX_OK;
}
