/*
 * cmd_verify - "dkimpipe verify": verify every DKIM-Signature of a
 * message and print one line per signature in Authentication-Results
 * terms, e.g. "dkim=pass header.d=example.com header.s=sel
 * header.a=ed25519-sha256 header.b=AbCdEfGh". Keys come from DNS (the
 * system resolver, or -n host[:port]) or from a file of
 * "selector._domainkey.domain value" lines (-K).
 * Exit 0 when there are signatures and all pass, 1 otherwise, 75 when a
 * key could not be fetched for a temporary reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "usage.h"
#include "log.h"
#include "verify.h"

int
cmd_verify(int argc, char **argv)
{
	struct vresult res[VERIFY_MAXSIG];
	struct keysrc ks = { NULL, NULL, NULL, 0 };
	struct why why;
	const char *err;
	size_t i, n, skip;
	int ch, fd = STDIN_FILENO, pass = 0, temp = 0;

	while ((ch = getopt(argc, argv, "K:n:t:")) != -1) {
		switch (ch) {
		case 'K': ks.keysfile = optarg; break;
		case 'n': ks.nameservers = optarg; break;
		case 't':
			ks.now = (time_t)strtonum(optarg, 1, 253402300799LL, &err);
			if (err != NULL)
				log_fatal(EX_USAGE, "time %s is %s", optarg, err);
			break;
		default:
			return usage_error("verify");
		}
	}
	if (optind + 1 == argc &&
	    (fd = open(argv[optind], O_RDONLY | O_CLOEXEC)) < 0)
		log_fatal(EX_NOINPUT, "cannot open %s: %s", argv[optind], strerror(errno));
	if (verify_fd(fd, &ks, res, &n, &skip, &why) < 0) {
		if (why.status == EX_DATAERR)	/* still one verdict line */
			printf("dkim=permerror (%s)\n", why.text);
		(void)fflush(stdout);
		log_fatal(why.status, "%s", why.text);
	}
	if (n == 0 && skip == 0)
		printf("dkim=none (no signature)\n");
	for (i = 0; i < n; i++) {
		printf("dkim=%s%s%s%s header.d=%s header.s=%s header.a=%s header.b=%s\n",
		    res[i].result, res[i].reason[0] ? " (" : "", res[i].reason,
		    res[i].reason[0] ? ")" : "", res[i].d, res[i].s, res[i].a, res[i].b8);
		pass += strcmp(res[i].result, "pass") == 0;
		temp += strcmp(res[i].result, "temperror") == 0;
	}
	for (i = 0; i < skip; i++)
		printf("dkim=neutral (not checked: only the first %d signatures are)\n",
		    VERIFY_MAXSIG);
	if (n > 0 && (size_t)pass == n && skip == 0)
		return EX_OK;
	return temp ? EX_TEMPFAIL : 1;
}
