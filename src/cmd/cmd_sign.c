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
#include "keywatch.h"
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

/* what the command line asked for beyond the configuration */
struct opts {
	struct batch	 b;
	int		 want[CONF_MAXSIG];	/* -a before each -k, or -1 */
	int		 nextalg;
	int		 inplace;
	long long	 limit;			/* -L, or -1 */
	const char	*domain, *selector;
};

/* key_opt - one -k: a key for the -d and -s given before it */
static void
key_opt(struct conf *cf, struct opts *o, const char *file)
{
	if (o->domain == NULL || o->selector == NULL)
		log_fatal(EX_USAGE, "-k %s needs -d and -s before it", file);
	if (cf->nkeys == CONF_MAXSIG)
		log_fatal(EX_USAGE, "at most %d keys", CONF_MAXSIG);
	o->want[cf->nkeys] = o->nextalg;
	o->nextalg = -1;
	conf_add_key(cf, file, o->domain, o->selector, file);
}

/* config_opt - --config: keys, tables and settings from a dkimpipe.conf */
static void
config_opt(struct conf *cf, const char *path)
{
	struct why why = { 0, "" };
	struct diag d;

	diag_init(&d, &why, 0);
	if (conffile_read(cf, path, &d) < 0)
		log_fatal(EX_CONFIG, "%s", why.text);
	cf->sign_all = 0;
}

/* sign_opt - the options that set how messages are signed */
static void
sign_opt(struct conf *cf, struct opts *o, int ch, const char *arg)
{
	enum alg alg;

	switch (ch) {
	case 'a':
		if (keys_alg_parse(arg, &alg) < 0)
			log_fatal(EX_USAGE, "unknown algorithm %s", arg);
		o->nextalg = (int)alg;
		break;
	case 'c':
		if (canon_parse(arg, &cf->sp.hcanon, &cf->sp.bcanon) < 0)
			log_fatal(EX_USAGE, "bad canonicalization %s", arg);
		break;
	case 'D': cf->add_missing = 1; break;
	case 'd': o->domain = arg; break;
	case 'h': conf_set_list(&cf->sp.hdrs, &cf->sp.nhdrs, arg); break;
	case 'i':
		free(cf->identity);
		cf->identity = xstrdup(arg);
		break;
	case 'k': key_opt(cf, o, arg); break;
	case 'L':
		o->limit = number(arg, 0, 1000000, "line length limit");
		if (o->limit > 0 && o->limit < 80)
			log_fatal(EX_USAGE, "line length limit %s: 0, or at least 80", arg);
		break;
	case 'o': conf_set_list(&cf->sp.over, &cf->sp.nover, arg); break;
	case 's': o->selector = arg; break;
	case 't': cf->now = (time_t)number(arg, 1, 253402300799LL, "time"); break;
	case 'T':
		free(cf->tmpdir);
		cf->tmpdir = xstrdup(arg);
		break;
	case 'U': cf->require_safe_keys = 0; break;
	case 'x': cf->sp.expire = (long)number(arg, 1, 3650LL * 86400, "lifetime"); break;
	default: usage();
	}
}

/* options - the command line into cf and o; returns the operands' index */
static int
options(int argc, char **argv, struct conf *cf, struct opts *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "files-from", required_argument, NULL, 'F' },
		{ "replace", no_argument, NULL, 'R' },
		{ "replace-selector", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "0a:c:Dd:h:Ii:j:k:L:o:qs:t:T:Ux:",
	    longs, NULL)) != -1) {
		switch (ch) {
		case '0': o->b.nul = 1; break;
		case 'C': config_opt(cf, optarg); break;
		case 'F': o->b.files_from = optarg; break;
		case 'I': o->inplace = 1; break;
		case 'j': o->b.jobs = (int)number(optarg, 1, 1024, "jobs"); break;
		case 'q': o->b.quiet = 1; break;
		case 'R': o->b.replace = REPLACE_DOMAIN; break;
		case 'S': o->b.replace = REPLACE_SELECTOR; break;
		default: sign_opt(cf, o, ch, optarg);
		}
	}
	return optind;
}

/* in_place - sign -I: many files, by worker processes (batch.c) */
static int
in_place(struct conf *cf, struct opts *o, int argc, char **argv)
{
	struct keycache kc;	/* --config: a key decoded once per worker */
	int rc;

	keycache_init(&kc);
	o->b.keys = &kc;
	if (o->b.jobs == 0)
		o->b.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
		    (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	rc = batch_run(cf, &o->b, argc, argv);
	keycache_free(&kc);
	return rc;
}

/* one - sign one message from path (NULL: stdin) to stdout */
static int
one(struct conf *cf, const char *path)
{
	struct signed_msg m;
	struct why why = { 0, "" };
	int fd = STDIN_FILENO, rc;

	if (path != NULL && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		log_fatal(EX_NOINPUT, "cannot open %s: %s", path, strerror(errno));
	signer_init(&m, cf, NULL);
	rc = signer_run(&m, fd, cf, &why);
	if (rc == 0)
		rc = signer_write(&m, STDOUT_FILENO, 1, &why);
	signer_free(&m);
	if (rc < 0)
		log_fatal(why.status, "%s", why.text);
	return EX_OK;
}

int
cmd_sign(int argc, char **argv)
{
	struct conf cf;
	struct why why = { 0, "" };
	struct opts o;
	int rc;
	size_t i;

	conf_defaults(&cf);
	memset(&o, 0, sizeof(o));
	for (i = 0; i < CONF_MAXSIG; i++)
		o.want[i] = -1;
	o.nextalg = -1;
	o.limit = -1;
	cf.sign_all = 1;
	i = (size_t)options(argc, argv, &cf, &o);
	argc -= (int)i;
	argv += i;
	if ((cf.nkeys == 0 && cf.sign_all) || (argc > 1 && !o.inplace) ||
	    (o.inplace && argc == 0 && o.b.files_from == NULL))
		usage();
	if (o.limit >= 0)		/* -I: line structure kept unless asked */
		cf.line_limit = (size_t)o.limit;
	else if (o.inplace)
		cf.line_limit = 0;
	if (cf.add_missing < 0)
		cf.add_missing = 0;
	check_identity(&cf);
	if (conf_load_keys(&cf, &why) < 0)
		log_fatal(why.status, "%s", why.text);
	check_algs(&cf, o.want);
	rc = o.inplace ? in_place(&cf, &o, argc, argv) :
	    one(&cf, argc == 1 ? argv[0] : NULL);
	keywatch_run(&cf);	/* -c with activate= keys: the DNS gate's lookups */
	conf_free(&cf);
	return rc;
}
