/*
 * cmd_sign - "dkimpipe sign": sign one message from a file or stdin and
 * write it to stdout. Every -k key signs (several give several
 * signatures); --config takes the keys and tables of a dkimpipe.conf
 * instead. On any refusal nothing is written to stdout. With -I, sign
 * many files in place instead (batch.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "usage.h"
#include "batch.h"
#include "conf.h"
#include "conffile.h"
#include "diag.h"
#include "keycache.h"
#include "log.h"
#include "signer.h"
#include "xmem.h"

static void
usage(void)
{
	exit(usage_error("sign"));
}

/* check_identity - i= must be the d= domain or a subdomain (RFC 6376) */
static void
check_identity(const struct conf *cf)
{
	const char *at, *d;
	size_t i, n, dl;

	if (cf->identity == NULL)
		return;
	if ((at = strrchr(cf->identity, '@')) == NULL)
		log_fatal(EX_USAGE, "identity %s has no @", cf->identity);
	n = strlen(at + 1);
	for (i = 0; i < cf->nkeys; i++) {
		d = cf->keys[i].domain;
		dl = strlen(d);
		if (!(n == dl && strcasecmp(at + 1, d) == 0) &&
		    !(n > dl && at[n - dl] == '.' && strcasecmp(at + 1 + n - dl, d) == 0))
			log_fatal(EX_USAGE, "identity %s is not in domain %s",
			    cf->identity, d);
	}
}

/* check_algs - keys must have the algorithm asked for with -a */
static void
check_algs(const struct conf *cf, const int *want)
{
	size_t i;

	for (i = 0; i < cf->nkeys; i++)
		if (want[i] >= 0 && (int)cf->keys[i].alg != want[i])
			log_fatal(EX_CONFIG, "key file %s holds a %s key, not %s",
			    cf->keys[i].keyfile, keys_alg_name(cf->keys[i].alg),
			    keys_alg_name((enum alg)want[i]));
}

static long long
number(const char *s, long long min, long long max, const char *what)
{
	const char *err;
	long long v = strtonum(s, min, max, &err);

	if (err != NULL)
		log_fatal(EX_USAGE, "%s %s is %s", what, s, err);
	return v;
}

int
cmd_sign(int argc, char **argv)
{
	struct conf cf;
	struct signed_msg m;
	struct why why = { 0, "" };
	const char *domain = NULL, *selector = NULL;
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "files-from", required_argument, NULL, 'F' },
		{ "replace", no_argument, NULL, 'R' },
		{ "replace-selector", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct batch b = { REPLACE_NONE, 0, 0, NULL, 0, NULL };
	struct diag d;
	int want[CONF_MAXSIG], nextalg = -1, ch, fd = 0, rc, inplace = 0;
	long long limit = -1;
	size_t i;
	enum alg alg;

	conf_defaults(&cf);
	for (i = 0; i < CONF_MAXSIG; i++)
		want[i] = -1;
	cf.sign_all = 1;
	while ((ch = getopt_long(argc, argv, "0a:c:Dd:h:Ii:j:k:L:o:qs:t:T:Ux:", longs,
	    NULL)) != -1) {
		switch (ch) {
		case '0': b.nul = 1; break;
		case 'C':
			diag_init(&d, &why, 0);
			if (conffile_read(&cf, optarg, &d) < 0)
				log_fatal(EX_CONFIG, "%s", why.text);
			cf.sign_all = 0;
			break;
		case 'F': b.files_from = optarg; break;
		case 'I': inplace = 1; break;
		case 'j': b.jobs = (int)number(optarg, 1, 1024, "jobs"); break;
		case 'q': b.quiet = 1; break;
		case 'R': b.replace = REPLACE_DOMAIN; break;
		case 'S': b.replace = REPLACE_SELECTOR; break;
		case 'a':
			if (keys_alg_parse(optarg, &alg) < 0)
				log_fatal(EX_USAGE, "unknown algorithm %s", optarg);
			nextalg = (int)alg;
			break;
		case 'c':
			if (canon_parse(optarg, &cf.sp.hcanon, &cf.sp.bcanon) < 0)
				log_fatal(EX_USAGE, "bad canonicalization %s", optarg);
			break;
		case 'D':
			cf.add_missing = 1;
			break;
		case 'd':
			domain = optarg;
			break;
		case 'L':
			limit = number(optarg, 0, 1000000, "line length limit");
			if (limit > 0 && limit < 80)
				log_fatal(EX_USAGE, "line length limit %s: 0, or at least 80",
				    optarg);
			break;
		case 'h':
			conf_set_list(&cf.sp.hdrs, &cf.sp.nhdrs, optarg);
			break;
		case 'i':
			free(cf.identity);
			cf.identity = xstrdup(optarg);
			break;
		case 'k':
			if (domain == NULL || selector == NULL)
				log_fatal(EX_USAGE, "-k %s needs -d and -s before it", optarg);
			if (cf.nkeys == CONF_MAXSIG)
				log_fatal(EX_USAGE, "at most %d keys", CONF_MAXSIG);
			want[cf.nkeys] = nextalg;
			nextalg = -1;
			conf_add_key(&cf, optarg, domain, selector, optarg);
			break;
		case 'o':
			conf_set_list(&cf.sp.over, &cf.sp.nover, optarg);
			break;
		case 's':
			selector = optarg;
			break;
		case 't':
			cf.now = (time_t)number(optarg, 1, 253402300799LL, "time");
			break;
		case 'T':
			free(cf.tmpdir);
			cf.tmpdir = xstrdup(optarg);
			break;
		case 'U':
			cf.require_safe_keys = 0;
			break;
		case 'x':
			cf.sp.expire = (long)number(optarg, 1, 3650LL * 86400, "lifetime");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if ((cf.nkeys == 0 && cf.sign_all) || (argc > 1 && !inplace) ||
	    (inplace && argc == 0 && b.files_from == NULL))
		usage();
	if (limit >= 0)			/* -I: line structure kept unless asked */
		cf.line_limit = (size_t)limit;
	else if (inplace)
		cf.line_limit = 0;
	if (cf.add_missing < 0)
		cf.add_missing = 0;
	check_identity(&cf);
	if (conf_load_keys(&cf, &why) < 0)
		log_fatal(why.status, "%s", why.text);
	check_algs(&cf, want);
	if (inplace) {
		struct keycache kc;	/* --config: a key decoded once per worker */

		keycache_init(&kc);
		b.keys = &kc;
		if (b.jobs == 0)
			b.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
			    (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
		rc = batch_run(&cf, &b, argc, argv);
		conf_free(&cf);
		keycache_free(&kc);
		return rc;
	}
	if (argc == 1 && (fd = open(argv[0], O_RDONLY | O_CLOEXEC)) < 0)
		log_fatal(EX_NOINPUT, "cannot open %s: %s", argv[0], strerror(errno));
	signer_init(&m, &cf, NULL);
	rc = signer_run(&m, fd, &cf, &why);
	if (rc == 0)
		rc = signer_write(&m, STDOUT_FILENO, 1, &why);
	signer_free(&m);
	conf_free(&cf);
	if (rc < 0)
		log_fatal(why.status, "%s", why.text);
	return EX_OK;
}
