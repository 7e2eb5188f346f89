/*
 * cmd_check - "dkimpipe check": validate the configuration file, the
 * OpenDKIM tables and every key (readable, PEM, RSA >= 1024 bits or
 * Ed25519, safe file mode), like "postfix check". Prints every problem
 * with its file and line; exits EX_CONFIG if there was any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "conf.h"
#include "conffile.h"
#include "keys.h"
#include "log.h"

/* check_keys - load each key once, reporting every failure */
static void
check_keys(const struct conf *cf, struct diag *d)
{
	struct why why;
	EVP_PKEY *k;
	size_t i;

	for (i = 0; i < cf->nkeys; i++) {
		if ((k = keys_load(cf->keys[i].keyfile, cf->require_safe_keys,
		    &why)) == NULL)
			diag(d, why.status, "key %s: %s", cf->keys[i].name, why.text);
		EVP_PKEY_free(k);
	}
}

int
cmd_check(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH;
	struct why why = { 0, "" };
	struct conf cf;
	struct diag d;
	int ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: dkimpipe check [-c config]\n");
			return EX_USAGE;
		}
		cfpath = optarg;
	}
	conf_defaults(&cf);
	diag_init(&d, &why, 1);
	(void)conffile_read(&cf, cfpath, &d);
	check_keys(&cf, &d);
	if (access(cf.sendmail_path, X_OK) < 0)
		diag(&d, EX_CONFIG, "sendmail_path %s is not executable",
		    cf.sendmail_path);
	if (cf.tmpdir != NULL && access(cf.tmpdir, W_OK | X_OK) < 0)
		diag(&d, EX_CONFIG, "tmpdir %s is not writable", cf.tmpdir);
	if (d.count == 0)
		printf("%s: OK: %zu key%s, %zu signing rule%s\n", cfpath, cf.nkeys,
		    cf.nkeys == 1 ? "" : "s", cf.nsigs, cf.nsigs == 1 ? "" : "s");
	conf_free(&cf);
	return d.count ? EX_CONFIG : EX_OK;
}
